#!/usr/bin/env bash
# Formats the Swift code in place with the toolchain's swift-format and the checked-in
# .swift-format, then lints it as scripts/test.sh does (what formatting cannot fix, such as a
# name to change, is left to fix by hand and listed).
#   scripts/format.sh           format and lint everything
#   scripts/format.sh --lint    lint only (what scripts/test.sh runs)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Plugins Fuzz Package.swift)
if [ "${1:-}" != "--lint" ]; then
    swift format format --in-place --parallel --recursive "${paths[@]}"
fi
swift format lint --strict --parallel --recursive "${paths[@]}"
