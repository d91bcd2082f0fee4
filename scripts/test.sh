#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: the Swift tests, the
# fleet/ tests (pytest, Spark local mode; AUDITREE_SKIP_FLEET=1 skips them), then the HTML
# report's checks in headless Chromium (AUDITREE_SKIP_BROWSER=1 skips those).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
# fleet/: the Spark job and the local runner (pytest; installs Java and PySpark if missing).
if [ "${AUDITREE_SKIP_FLEET:-0}" != "1" ] && [ $# -eq 0 ]; then
    scripts/test-fleet.sh
fi
if [ "${AUDITREE_SKIP_BROWSER:-0}" != "1" ] && [ $# -eq 0 ]; then
    scripts/browser-test.sh /tmp/auditree-report.png
fi
