#!/usr/bin/env bash
# Measures the fleet job (docs/fleet.md) against auditree in a shell loop and in `xargs -P2`:
# the 20-host fleet of the tests (fleet/tests/fleetdata.py, without the stalled host) and
# 8 hosts of 250 MB each (bench/generate-log.py). Spark runs as spark-submit --master
# local[2]; its start-up (JVM, SparkSession, stop) is measured apart with an empty job.
# Prints a Markdown table. By hand, never in CI.
#   bench/fleet.sh            (BENCH_DIR, default /tmp/auditree-fleet-bench; RUNS, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bench=${BENCH_DIR:-/tmp/auditree-fleet-bench}
runs=${RUNS:-1}
mkdir -p "$bench"
swift build -c release --product auditree >&2
auditree=$repo/.build/release/auditree
hash=$(sha256sum fleet/requirements.txt | cut -c1-12)
venv=${AUDITREE_FLEET_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/auditree-fleet/venv-$hash}
[ -x "$venv/bin/python" ] || { echo "run scripts/test-fleet.sh first (it makes $venv)" >&2; exit 2; }
python=$venv/bin/python
submit=$("$python" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit"))')
export PYSPARK_PYTHON=$python SPARK_LOCAL_IP=127.0.0.1

if [ ! -d "$bench/fleet20" ]; then
    "$python" -c "import sys; sys.path.insert(0, 'fleet/tests'); import fleetdata; fleetdata.make_fleet('$bench/fleet20', stalled=False)"
fi
if [ ! -d "$bench/fleet8" ]; then
    [ -s "$bench/250m.log" ] || python3 bench/generate-log.py --size 250M --format enriched --out "$bench/250m.log" >&2
    for i in 1 2 3 4 5 6 7 8; do mkdir -p "$bench/fleet8/host-$i"; cp "$bench/250m.log" "$bench/fleet8/host-$i/audit.log"; done
fi
cat > "$bench/noop.py" <<'PY'
from pyspark.sql import SparkSession
SparkSession.builder.appName("noop").getOrCreate().stop()
PY

scan_one='h=$(basename "$1"); out=$2; set -- "$1"/audit.log*; [ -e "$1" ] || [ -L "$1" ] || exit 0;
  "$AUDITREE" scan --host "$h" --threads 1 --output "$out/$h.ndjson" --output "$out/$h.json" -- "$@" 2>/dev/null; exit 0'
export AUDITREE=$auditree
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N); echo "$end - $start" | bc; }
min() { local b=""; for _ in $(seq "$runs"); do t=$(seconds "$@"); if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi; done; printf '%.1f' "$b"; }

loop() { rm -rf "$bench/o"; mkdir -p "$bench/o"; for d in "$1"/*/; do sh -c "$scan_one" sh "${d%/}" "$bench/o"; done; }
xargs2() { rm -rf "$bench/o"; mkdir -p "$bench/o"; ls -d "$1"/*/ | sed 's,/$,,' | xargs -P2 -I{} sh -c "$scan_one" sh {} "$bench/o"; }
local2() { rm -rf "$bench/o"; (cd fleet && "$python" -m auditree_fleet scan -j 2 --input "$1" --output "$bench/o" --auditree "$auditree"); }
spark2() { rm -rf "$bench/o"; "$submit" --master 'local[2]' --conf spark.ui.enabled=false fleet/auditree_fleet/job.py --input "$1" --output "$bench/o" --auditree "$auditree"; }
noop() { "$submit" --master 'local[2]' --conf spark.ui.enabled=false "$bench/noop.py"; }

startup=$(min noop)
notes=()
echo "| job | shell loop | xargs -P2 | local runner -j 2 | Spark local[2] (start-up / rest) |"
echo "|---|---|---|---|---|"
for fleet in fleet20 fleet8; do
    input=$bench/$fleet
    hosts=$(ls -d "$input"/*/ | wc -l); bytes=$(du -sb "$input" | cut -f1)
    l=$(min loop "$input"); x=$(min xargs2 "$input"); j=$(min local2 "$input"); s=$(min spark2 "$input")
    rest=$(printf '%.1f' "$(echo "$s - $startup" | bc)")
    phases=$("$python" -c "import json; s = json.load(open('$bench/o/run.json'))['seconds']; print(', '.join(f'{k} {v:.1f}' for k, v in s.items()))")
    echo "| $hosts hosts, $((bytes / 1000000)) MB | $l s | $x s | $j s | $s s ($startup / $rest) |"
    notes+=("$hosts hosts: the Spark job's own phases (run.json, seconds): $phases")
done
printf '%s\n' "${notes[@]}"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
