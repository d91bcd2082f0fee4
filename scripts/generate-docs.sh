#!/usr/bin/env bash
# Regenerates the man pages (docs/man), shell completions (docs/completions) and docs/cli.md from the
# command line's own definitions (swift-argument-parser), so they never drift from it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product auditree >&2
swift package --allow-writing-to-package-directory plugin --list >/dev/null 2>&1 || true
mkdir -p docs/man docs/completions
swift package --allow-writing-to-package-directory generate-manual --multi-page --date "$(date -u +%Y-%m-%d)" --output-directory docs/man >&2 \
    || .build/debug/generate-manual-tool .build/debug/auditree --multi-page --output-directory docs/man
for shell in bash zsh fish; do
    .build/debug/auditree --generate-completion-script "$shell" > "docs/completions/auditree.$shell"
done
scripts/cli-doc.sh
echo "man pages in docs/man (man -l docs/man/auditree.scan.1); completions in docs/completions; docs/cli.md" >&2
