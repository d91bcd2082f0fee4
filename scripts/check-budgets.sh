#!/usr/bin/env bash
# Instruction, allocation and retain budgets per record, counted by callgrind on the release
# binary over the recorded fixtures and a generated log (bench/budgets.py; docs/performance.md,
# "Budgets"). Run by scripts/test.sh; fails when a count exceeds its budget in
# bench/budgets.tsv by more than the margin stated there.
#   scripts/check-budgets.sh                  check (exit 1 over budget)
#   scripts/check-budgets.sh --show           print the measurements only
#   scripts/check-budgets.sh --update         rewrite bench/budgets.tsv from this build: only for a
#                                             deliberate change; review the diff, say why in the commit
#   scripts/check-budgets.sh ... --keep DIR   keep the callgrind files (callgrind_annotate DIR/NAME.callgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh binutils python3
scripts/build-release.sh
mode=check
case "${1:-}" in
    --update) mode=update; shift ;;
    --show) mode=show; shift ;;
esac
exec python3 bench/budgets.py "$mode" .build/release/auditree "$@"
