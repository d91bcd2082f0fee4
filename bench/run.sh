#!/usr/bin/env bash
# Benchmarks auditree against ausearch, aureport and grep on generated logs.
#   bench/run.sh [SIZE ...]        e.g. bench/run.sh 200M 2G   (default 200M)
# Builds release, generates each log once (bench/generate-log.py, cached in
# $BENCH_DIR, default /tmp/auditree-bench), times every command with hyperfine
# (file in page cache: one warm-up run; output through a pipe, because GNU grep
# stops at the first match when its output is /dev/null), measures peak RSS
# with /usr/bin/time, and prints a Markdown table for docs/performance.md.
# Run by hand, never in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh hyperfine auditd time
bench_dir=${BENCH_DIR:-/tmp/auditree-bench}
mkdir -p "$bench_dir"
scripts/build-release.sh                       # the binary that gets installed
auditree=$PWD/.build/release/auditree
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(200M)

for size in "${sizes[@]}"; do
    log=$bench_dir/enriched-$size.log
    [ -s "$log" ] || python3 bench/generate-log.py --size "$size" --format enriched --out "$log" >&2
    bytes=$(stat -c %s "$log")
    runs=5; [ "$bytes" -gt $((1 << 30)) ] && runs=2
    commands=(
        "$auditree scan --format json $log"
        "$auditree scan --threads 1 --format json $log"
        "ausearch -m EXECVE --format raw -if $log"
        "ausearch -i -if $log"
        "aureport -x -if $log"
        "grep -c type=EXECVE $log"
    )
    hyperfine --warmup 1 --runs "$runs" -N --output=pipe --ignore-failure --export-json "$bench_dir/$size.json" \
        "${commands[@]}" >&2
    : > "$bench_dir/$size.rss"
    for command in "${commands[@]}"; do
        /usr/bin/time -f "%M" -o "$bench_dir/rss.tmp" $command > /dev/null 2>&1 || true
        echo "$(cat "$bench_dir/rss.tmp" | tail -1)" >> "$bench_dir/$size.rss"
    done
    python3 - "$bench_dir/$size.json" "$bench_dir/$size.rss" "$bytes" "$size" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = [int(x) for x in open(sys.argv[2]).read().split()]
size = int(sys.argv[3])
ours = results[0]["mean"]
print(f"\n### {sys.argv[4]} ENRICHED log ({size / 2**20:.0f} MiB)\n")
print("| command | mean time | MB/s | time / auditree | peak RSS |")
print("|---|---|---|---|---|")
for result, kb in zip(results, rss):
    name = result["command"].split(" /")[0].replace(sys.argv[1].rsplit("/", 1)[0], "")
    name = name.split("/")[-1]
    print(f"| `{name}` | {result['mean']:.3f} s ± {result['stddev'] or 0:.3f} | {size / 1e6 / result['mean']:.0f} | {result['mean'] / ours:.2f}× | {kb / 1024:.0f} MiB |")
PY
done
