#!/usr/bin/env bash
# Checks that a change to the code leaves every output byte-identical: builds the release binary
# of an older commit (default: the merge base with main) and of a newer one (default: HEAD; commit
# your work first), each from `git archive` in its own folder, runs both on
# every fixture log (fixtures/recorded, fixtures/malformed, fixtures/edge) in every report format
# (scan --format text, json, ndjson, sarif, junit, html) and with `tree` and `events`, and
# compares stdout, stderr and the exit status. With OUTPUT_IDENTICAL_SIZE (e.g. 50M or 200M) it
# also compares them on a log made by bench/generate-log.py of that size.
#   scripts/output-identical.sh [OLD_COMMIT [NEW_COMMIT]]
# Prints one line per difference and a summary; exits 1 when anything differs. Everything it
# builds and writes goes under .build/output-identical/ (the old commit is extracted with
# `git archive`, so no worktree is added).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
old=$(git rev-parse --verify "${1:-$(git merge-base HEAD main)}^{commit}")
new=$(git rev-parse --verify "${2:-HEAD}^{commit}")
work=$root/.build/output-identical
mkdir -p "$work"

# built COMMIT: the release binary of COMMIT, built once in its own extracted tree.
built() {
    local tree=$work/src-${1:0:12}
    if [ ! -x "$tree/.build/release/auditree" ]; then
        rm -rf "$tree" && mkdir -p "$tree"
        git archive "$1" | tar -x -C "$tree"
        echo "building $1 ..." >&2
        "$tree/scripts/build-release.sh" > "$tree.build-log" 2>&1 || { tail -20 "$tree.build-log" >&2; exit 2; }
    fi
    echo "$tree/.build/release/auditree"
}
old_bin=$(built "$old")
new_bin=$(built "$new")

runs=0
diffs=0
out=$work/out
mkdir -p "$out"
# compare NAME ARGS...: runs both binaries with ARGS and compares everything they produce.
compare() {
    local name=$1; shift
    local status_old=0 status_new=0
    "$old_bin" "$@" > "$out/old.out" 2> "$out/old.err" < /dev/null || status_old=$?
    "$new_bin" "$@" > "$out/new.out" 2> "$out/new.err" < /dev/null || status_new=$?
    runs=$((runs + 1))
    if [ "$status_old" != "$status_new" ] || ! cmp -s "$out/old.out" "$out/new.out" || ! cmp -s "$out/old.err" "$out/new.err"; then
        diffs=$((diffs + 1))
        echo "DIFFERS: $name (exit $status_old vs $status_new)"
        diff <(head -c 100000 "$out/old.out") <(head -c 100000 "$out/new.out") | head -5 || true
        diff "$out/old.err" "$out/new.err" | head -5 || true
    fi
}
formats="text json ndjson sarif junit html"
# check_log PATH: every format, the tree and the events of one log.
check_log() {
    local log=$1
    for format in $formats; do
        compare "scan --format $format $log" scan --format "$format" "$log"
    done
    compare "tree $log" tree "$log"
    compare "events $log" events "$log"
}

logs=0
for log in fixtures/recorded/*.log fixtures/malformed/*.log fixtures/edge/*; do
    [ -f "$log" ] || continue
    logs=$((logs + 1))
    check_log "$log"
done
if [ -n "${OUTPUT_IDENTICAL_SIZE:-}" ]; then
    big=$work/generated-$OUTPUT_IDENTICAL_SIZE.log
    [ -f "$big" ] || bench/generate-log.py --size "$OUTPUT_IDENTICAL_SIZE" --format enriched --out "$big" >&2
    logs=$((logs + 1))
    check_log "$big"
fi
echo "output-identical: $old vs $new: $logs logs, $runs runs, $diffs differ"
[ "$diffs" -eq 0 ]
