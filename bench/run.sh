#!/usr/bin/env bash
# Benchmarks auditree against the peers a user would pick instead, side by side in one run, on
# each log shape and density (bench/generate-log.py):
#   bench/run.sh [SIZE ...]        e.g. bench/run.sh 200M 2G   (default 200M)
# Shapes: exec-light (ENRICHED, about one clone per exec), fork-heavy (ENRICHED, execve +
# clone + exit_group), raw-execve (RAW, execve only); densities: sparse (100 records per
# second of log time) and dense (5000). One Markdown table per shape and density: mean time,
# MB/s, time / auditree, CPU time, peak RSS, and the load average before and after (on a
# shared machine wall times vary with the load, CPU times less, callgrind counts not at all:
# bench/callgrind.sh).
#
# Peers (each runs on the same file, in page cache; one warm-up run first):
#   auditree scan --format json            release build (scripts/build-release.sh), and --threads 1
#   ausearch -m EXECVE --format raw -if    Debian auditd
#   ausearch -i -if                        the same, interpreted
#   laurel < LOG                           Debian laurel 0.5, unpacked under bench/.peers (not
#                                          installed: its package enables an auditd plugin);
#                                          a config writing to a temp folder, [enrich] pid = true
#   msticpy                                its offline auditd reader and process tree (PyPI, in a
#                                          venv under bench/.peers; bench/peers/msticpy-tree.py);
#                                          one run, it is slow
#   grep -c type=EXECVE LOG | cat          the floor; into a drained pipe, because GNU grep stops
#                                          at the first match when its output is /dev/null
# A peer that cannot be installed gets a row saying so; none is skipped silently.
#
# Every command's output goes through a pipe (hyperfine --output=pipe). Peak RSS is measured
# in a separate run under /usr/bin/time. Logs are cached in $BENCH_DIR (default
# /tmp/auditree-bench). Knobs: BENCH_SHAPES, BENCH_DENSITIES (subsets), BENCH_PEERS (subset
# of: auditree auditree-t1 ausearch-raw ausearch-i laurel msticpy grep), BENCH_RUNS (default
# 5, 2 for logs over 1 GiB), BENCH_WARMUP (warm-up runs, default 1), BENCH_SLOW_TIMEOUT
# (seconds for msticpy, default 1800), BENCH_AUDITREE (a binary to time instead of building this checkout's).
# Run by hand, never in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
scripts/install-deps.sh hyperfine auditd time
bench_dir=${BENCH_DIR:-/tmp/auditree-bench}
peers_dir=$repo/bench/.peers
mkdir -p "$bench_dir" "$peers_dir"
shapes=(${BENCH_SHAPES:-exec-light fork-heavy raw-execve})
densities=(${BENCH_DENSITIES:-sparse dense})
peers=(${BENCH_PEERS:-auditree auditree-t1 ausearch-raw ausearch-i laurel msticpy grep})
slow_timeout=${BENCH_SLOW_TIMEOUT:-1800}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(200M)
wants() { local p; for p in "${peers[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

if [ -n "${BENCH_AUDITREE:-}" ]; then            # a binary built before (e.g. of another commit)
    auditree=$(readlink -f "$BENCH_AUDITREE")
else
    scripts/build-release.sh                   # the binary that gets installed
    auditree=$repo/.build/release/auditree
fi

# laurel: unpacked from its Debian package, so that installing it does not enable its auditd
# plugin (/etc/audit/plugins.d/laurel.conf, active = yes) on a machine whose audit is not ours.
laurel=$peers_dir/laurel/usr/sbin/laurel
laurel_missing=""
if wants laurel && [ ! -x "$laurel" ]; then
    rm -rf "$peers_dir/laurel" "$peers_dir/laurel-deb" && mkdir -p "$peers_dir/laurel-deb"
    if (cd "$peers_dir/laurel-deb" && apt-get download laurel >&2 2>/dev/null || { apt-get update -qq && apt-get download laurel >&2; }) \
        && dpkg-deb -x "$peers_dir"/laurel-deb/laurel_*.deb "$peers_dir/laurel"; then :; else
        laurel_missing="missing: apt-get download laurel failed"
    fi
fi
laurel_out=$(mktemp -d "${TMPDIR:-/tmp}/auditree-bench-laurel.XXXXXX")
trap 'rm -rf "$laurel_out"' EXIT
cat > "$bench_dir/laurel.toml" <<TOML
# laurel reading a recorded log on stdin: its JSON lines go to a temp folder; no user to drop to.
directory = "$laurel_out"
[auditlog]
file = "audit.log"
size = 100000000
generations = 1
[enrich]
pid = true
# the containers of the machine running the benchmark are not those of the log
container = false
TOML

# msticpy: pinned, in a venv under bench/.peers (gitignored).
msticpy_python=$peers_dir/msticpy-venv/bin/python
msticpy_missing=""
if wants msticpy && ! "$msticpy_python" -c "import msticpy" 2>/dev/null; then
    if ! { python3 -m venv "$peers_dir/msticpy-venv" && "$msticpy_python" -m pip install -q msticpy==3.0.2 >&2; }; then
        msticpy_missing="missing: pip install msticpy==3.0.2 failed"
    fi
fi

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

for size in "${sizes[@]}"; do
  for shape in "${shapes[@]}"; do
    for density in "${densities[@]}"; do
    log=$bench_dir/$shape-$density-$size.log
    [ -s "$log" ] || python3 bench/generate-log.py --size "$size" --shape "$shape" --density "$density" --out "$log" >&2
    bytes=$(stat -c %s "$log")
    lines=$(wc -l < "$log")
    attacks=$(grep -vc '^#' "$log.attacks.tsv" || true)
    runs=${BENCH_RUNS:-5}; [ -z "${BENCH_RUNS:-}" ] && [ "$bytes" -gt $((1 << 30)) ] && runs=2
    names=() commands=() missing=()
    add() { names+=("$1"); commands+=("$2"); }
    wants auditree && add "auditree scan --format json" "$auditree scan --format json $log"
    wants auditree-t1 && add "auditree scan --threads 1 --format json" "$auditree scan --threads 1 --format json $log"
    wants ausearch-raw && add "ausearch -m EXECVE --format raw -if" "ausearch -m EXECVE --format raw -if $log"
    wants ausearch-i && add "ausearch -i -if" "ausearch -i -if $log"
    if wants laurel; then
        if [ -n "$laurel_missing" ]; then missing+=("laurel|$laurel_missing"); else
            add "laurel (stdin, [enrich] pid = true)" "rm -f $laurel_out/*; $laurel -c $bench_dir/laurel.toml < $log 2>/dev/null"; fi
    fi
    wants grep && add "grep -c type=EXECVE | cat" "grep -c type=EXECVE $log | cat > /dev/null"
    key=$shape-$density-$size
    load_before=$(loadavg)
    named=(); for name in "${names[@]}"; do named+=(--command-name "$name"); done
    hyperfine --warmup "${BENCH_WARMUP:-1}" --runs "$runs" --output=pipe --ignore-failure --export-json "$bench_dir/$key.json" \
        "${named[@]}" "${commands[@]}" >&2
    : > "$bench_dir/$key.rss"
    for command in "${commands[@]}"; do
        /usr/bin/time -f "%M" -o "$bench_dir/rss.tmp" bash -c "$command" > /dev/null 2>&1 || true
        tail -1 "$bench_dir/rss.tmp" >> "$bench_dir/$key.rss"
    done
    slow=""
    if wants msticpy; then
        if [ -n "$msticpy_missing" ]; then missing+=("msticpy|$msticpy_missing"); else
            status=0
            /usr/bin/time -f "%e %M %U %S" -o "$bench_dir/$key.msticpy.time" timeout "$slow_timeout" \
                "$msticpy_python" bench/peers/msticpy-tree.py "$log" > "$bench_dir/msticpy.out" 2>&1 || status=$?
            if [ "$status" -eq 0 ]; then slow="$(tail -1 "$bench_dir/$key.msticpy.time")"
            elif [ "$status" -eq 124 ]; then missing+=("msticpy (read_from_file + build_process_tree)|over ${slow_timeout} s (timeout), not finished")
            else missing+=("msticpy (read_from_file + build_process_tree)|failed (status $status): $(tail -1 "$bench_dir/msticpy.out" | cut -c1-120)"); fi
        fi
    fi
    # what auditree reported, so a table never shows a scan that found nothing
    # (auditree exits 1 when it reports findings)
    found=$({ "$auditree" scan --format json "$log" 2>/dev/null || true; } | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(f.get("occurrences", 1) for f in r.get("findings", [])))' || echo "?")
    load_after=$(loadavg)
    python3 - "$bench_dir/$key.json" "$bench_dir/$key.rss" "$bytes" "$shape" "$density" "$size" "$lines" "$attacks" "$found" \
        "$load_before" "$load_after" "$runs" "$slow" "${BENCH_WARMUP:-1}" "${missing[@]}" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = [int(x) for x in open(sys.argv[2]).read().split()]
size, shape, density, label, lines, attacks, found = int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
load_before, load_after, runs, slow, warmup, missing = sys.argv[10], sys.argv[11], sys.argv[12], sys.argv[13], sys.argv[14], sys.argv[15:]
ours = next((r["mean"] for r in results if r["command"].startswith("auditree scan --format")), None)
print(f"\n### {shape}, {density}, {label}: {size:,} bytes, {lines} lines\n")
print(f"Load average (1, 5, 15 min) {load_before} before, {load_after} after, on 2 cores; "
      f"mean of {runs} runs after {warmup} warm-up. auditree reported {found} occurrences of the {attacks} inserted attacks.\n")
print("| command | mean time | MB/s | time / auditree | CPU (user + sys) | peak RSS |")
print("|---|---|---|---|---|---|")
def row(name, mean, spread, cpu, kb):
    ratio = f"{mean / ours:.2f}×" if ours else "-"
    print(f"| `{name}` | {mean:.3f} s{spread} | {size / 1e6 / mean:,.0f} | {ratio} | {cpu:.2f} s | {kb / 1024:,.0f} MiB |")
for result, kb in zip(results, rss):
    spread = f" ± {result['stddev']:.3f}" if result.get("stddev") else ""
    failed = any(code != 0 for code in result.get("exit_codes", [])) and not result["command"].startswith("auditree")
    row(result["command"] + (" (exit status not 0)" if failed else ""), result["mean"], spread, result["user"] + result["system"], kb)
if slow:
    seconds, kb, user, system = slow.split()
    row("msticpy (read_from_file + build_process_tree)", float(seconds), " (1 run)", float(user) + float(system), int(kb))
for entry in missing:
    name, why = entry.split("|", 1)
    print(f"| `{name}` | {why} | | | | |")
PY
    done
  done
done
