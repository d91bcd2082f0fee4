#!/usr/bin/env bash
# Instruction counts per stage (callgrind) of `auditree scan --threads 1 --format json` on a
# 10 MB log of each shape and density, for one or more binaries side by side.
#   bench/callgrind.sh [LABEL=BINARY ...]     default: HEAD=.build/release/auditree
# Each binary is copied and stripped of its debug info (`strip --strip-debug`: valgrind
# cannot read Swift's DWARF) and run with SWIFT_DETERMINISTIC_HASHING=1, so the counts
# repeat exactly whatever the load on the machine. The logs are bench/generate-log.py
# --size 10000000 of each shape and density: the first 10 MB of the 200 MiB logs of
# bench/run.sh, ending at an event's end. Prints one Markdown table per shape and density
# (inclusive costs: assembler includes tree, tree includes rules; bench/callgrind-stages.py)
# and the SHA-256 of each binary's JSON report, so that outputs can be compared.
# Run by hand, never in CI. BENCH_DIR (default /tmp/auditree-bench) keeps the logs and the
# callgrind files; CALLGRIND_SHAPES and CALLGRIND_DENSITIES choose a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh valgrind binutils
bench_dir=${BENCH_DIR:-/tmp/auditree-bench}
work=$bench_dir/callgrind
mkdir -p "$work"
shapes=(${CALLGRIND_SHAPES:-exec-light fork-heavy raw-execve})
densities=(${CALLGRIND_DENSITIES:-sparse dense})
binaries=("$@"); [ ${#binaries[@]} -gt 0 ] || binaries=("HEAD=.build/release/auditree")

labels=()
for entry in "${binaries[@]}"; do
    label=${entry%%=*}; binary=${entry#*=}
    [ -x "$binary" ] || { echo "callgrind.sh: $binary: no such executable (build it first: scripts/build-release.sh)" >&2; exit 2; }
    cp "$binary" "$work/$label.auditree" && strip --strip-debug "$work/$label.auditree"
    labels+=("$label")
done

for shape in "${shapes[@]}"; do
    for density in "${densities[@]}"; do
        log=$bench_dir/$shape-$density-10M.log
        [ -s "$log" ] || python3 bench/generate-log.py --size 10000000 --shape "$shape" --density "$density" --out "$log" >&2
        bytes=$(stat -c %s "$log")
        echo
        echo "### $shape, $density: $(basename "$log") ($bytes bytes, $(wc -l < "$log") lines)"
        echo
        echo "| binary | instructions | per byte | parser | assembler | tree | rules | report | setup | JSON report (SHA-256) |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        for label in "${labels[@]}"; do
            out=$work/$label.$shape-$density
            SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$out.callgrind" \
                "$work/$label.auditree" scan --threads 1 --format json "$log" > "$out.json" 2> "$out.stderr" || true
            grep -q "Collected" "$out.stderr" || { echo "callgrind.sh: $label on $log failed: $out.stderr" >&2; exit 2; }
            python3 bench/callgrind-stages.py "$out.callgrind" --json > "$out.stages"
            python3 - "$out.stages" "$bytes" "$label" "$(sha256sum < "$out.json" | cut -c1-12)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
size = int(sys.argv[2])
m = lambda key: "-" if s.get(key) is None else f"{s[key] / 1e6:,.1f} M"
print(f"| {sys.argv[3]} | {s['total'] / 1e6:,.1f} M | {s['total'] / size:.1f} | {m('parser')} | {m('assembler')} | {m('tree')} | {m('rules')} | {m('report')} | {m('setup')} | {sys.argv[4]} |")
PY
        done
    done
done
