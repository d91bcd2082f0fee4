#!/bin/sh
# The cost of Sigma rules (docs/performance.md, "Sigma rules"): a scan with every SigmaHQ
# process_creation rule loaded against the same scan without, as instruction counts
# (callgrind, a 10 MB slice: repeatable however loaded the machine is) and as wall time
# (interleaved runs on the whole log, so a slow stretch of the machine hits both alike).
# valgrind cannot read the release binary's DWARF, so callgrind runs a `strip --strip-debug`
# copy, with SWIFT_DETERMINISTIC_HASHING=1 so that two runs count the same.
#
#   bench/sigma-ratio.sh LOG [SIGMA_FOLDER] [ROUNDS]
set -eu
log=$1
sigma=${2:-../shared/sigma}
rounds=${3:-5}
bin=.build/release/auditree
[ -x "$bin" ] || swift build -c release >&2
# Only the process_creation rules, in a folder of links (never copies).
rules=$(mktemp -d)
slice=""
stripped=$(mktemp)
trap 'rm -rf "$rules" "$slice" "$stripped"' EXIT
strip --strip-debug "$bin" -o "$stripped"
chmod +x "$stripped"
grep -rl --include='*.yml' '^    category: process_creation' "$sigma" | while read -r f; do ln -s "$(realpath "$f")" "$rules/$(basename "$f")"; done
echo "process_creation rules: $(ls "$rules" | wc -l)"
slice=$(mktemp)
head -c 10000000 "$log" > "$slice"
for mode in base sigma; do
    set -- scan --quiet --threads 1 --format json
    [ "$mode" = sigma ] && set -- "$@" --sigma "$rules"
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$stripped" "$@" "$slice" 2>&1 >/dev/null | sed -n "s/.*Collected : /$mode instructions (10 MB slice): /p"
done
i=0
while [ "$i" -lt "$rounds" ]; do
    for mode in base sigma; do
        set -- scan --quiet --format json
        [ "$mode" = sigma ] && set -- "$@" --sigma "$rules"
        start=$(date +%s.%N)
        "$bin" "$@" "$log" > /dev/null 2>&1 || true
        end=$(date +%s.%N)
        echo "$mode round $i: $(echo "$end - $start" | bc) s"
    done
    i=$((i + 1))
done
