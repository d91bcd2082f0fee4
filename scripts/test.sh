#!/usr/bin/env bash
# Installs what is missing, checks the import graph (scripts/check-imports.py), builds, and runs
# the whole test suite: the Swift tests, the
# install test (tests/install/install-test.sh: a release build installed into a temporary
# prefix and run with the build folder and the Swift toolchain hidden; AUDITREE_SKIP_INSTALL=1
# skips it), the fleet/ tests (pytest, Spark local mode; AUDITREE_SKIP_FLEET=1 skips them),
# then the HTML report's checks in headless Chromium (AUDITREE_SKIP_BROWSER=1 skips those).
# After the install test: the instruction, allocation and retain budgets (scripts/check-budgets.sh;
# AUDITREE_SKIP_BUDGETS=1 skips them); last, `swift format lint --strict` (scripts/format.sh --lint).
# With arguments (e.g. --filter NAME) only the Swift tests run.
# Without, the tests run with TMPDIR set to a fresh folder of this run (builds keep the caller's),
# and the run fails when a test left a file or folder in it; the folder is removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
caller_tmp=${TMPDIR:-/tmp}
test_tmp=""
if [ $# -eq 0 ]; then
    test_tmp=$(mktemp -d "$caller_tmp/auditree-test-run.XXXXXX")
    trap 'rm -rf "$test_tmp"' EXIT
fi
# Runs a test step with TMPDIR set to the run's folder (when there is one).
in_test_tmp() { if [ -n "$test_tmp" ]; then TMPDIR=$test_tmp "$@"; else "$@"; fi; }
scripts/install-deps.sh binutils
# The module graph (docs/architecture.md): no target imports a stage after it or a library it does not wrap.
scripts/check-imports.py
# Strict memory safety: its warnings are errors outside the targets holding the unsafe island, and
# in those targets scripts/check-unsafe.py allows them only in the island's files.
mkdir -p .build
swift build --build-tests 2>&1 | tee .build/test-build.log
scripts/check-unsafe.py .build/test-build.log
in_test_tmp swift test --skip-build "$@"
if [ $# -eq 0 ]; then
    # Sigma: auditree's process_creation findings equal pySigma's SQL on every recorded fixture.
    in_test_tmp tests/sigma/run.sh
fi
if [ "${AUDITREE_SKIP_INSTALL:-0}" != "1" ] && [ $# -eq 0 ]; then
    in_test_tmp tests/install/install-test.sh
elif [ $# -eq 0 ]; then
    echo "install test: skipped (AUDITREE_SKIP_INSTALL=1)"
fi
# Instruction, allocation and retain budgets per record (callgrind on the release binary; the
# install test has built it already). AUDITREE_SKIP_BUDGETS=1 skips them.
if [ "${AUDITREE_SKIP_BUDGETS:-0}" != "1" ] && [ $# -eq 0 ]; then
    in_test_tmp scripts/check-budgets.sh
elif [ $# -eq 0 ]; then
    echo "budgets: skipped (AUDITREE_SKIP_BUDGETS=1)"
fi
# fleet/: the Spark job and the local runner (pytest; installs Java and PySpark if missing).
if [ "${AUDITREE_SKIP_FLEET:-0}" != "1" ] && [ $# -eq 0 ]; then
    in_test_tmp scripts/test-fleet.sh
fi
if [ "${AUDITREE_SKIP_BROWSER:-0}" != "1" ] && [ $# -eq 0 ]; then
    # The screenshots (the report and its process tree) stay in .build for a person to look at.
    in_test_tmp scripts/browser-test.sh .build/auditree-report.png
fi
if [ -n "$test_tmp" ]; then
    # What the tests left in their TMPDIR. SwiftPM's own files are not theirs: every `swift build`
    # or `swift test` locks its caches and build folder there (empty _PATH.lock files) and leaves
    # TemporaryDirectory.* folders holding only a .keep-directory file.
    left=()
    while IFS= read -r -d '' entry; do
        case ${entry##*/} in
            _*.lock) [ -f "$entry" ] && [ ! -s "$entry" ] && continue ;;
            TemporaryDirectory.*)
                [ -d "$entry" ] && [ -z "$(find "$entry" -mindepth 1 ! -path "$entry/.keep-directory" -print -quit)" ] && continue ;;
        esac
        left+=("$entry")
    done < <(find "$test_tmp" -mindepth 1 -maxdepth 1 -print0 | sort -z)
    if ((${#left[@]})); then
        echo "scripts/test.sh: the tests left files in their TMPDIR ($test_tmp); each test removes what it makes:" >&2
        find "${left[@]}" | head -40 >&2
        exit 1
    fi
    echo "temporary files: none left by the tests"
fi
if [ $# -eq 0 ]; then
    # Formatting (.swift-format): scripts/format.sh fixes what it can and lints the same way.
    scripts/format.sh --lint
fi
