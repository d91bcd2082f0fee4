#!/usr/bin/env bash
# The reference the fleet job is compared with: auditree run host by host in a shell loop.
# usage: reference.sh AUDITREE INPUT OUT TIMEOUT [auditree options...]
# Writes OUT/HOST.ndjson, OUT/HOST.json and a line "HOST STATUS" per host to OUT/status.
set -u
auditree=$1 input=$2 out=$3 limit=$4
shift 4
mkdir -p "$out"
: > "$out/status"
for dir in "$input"/*/; do
    host=$(basename "$dir")
    files=("$input/$host"/audit.log*)
    [ -e "${files[0]}" ] || [ -L "${files[0]}" ] || { echo "$host none" >> "$out/status"; continue; }
    status=0
    timeout -s KILL "$limit" "$auditree" scan --host "$host" --threads 1 \
        --output "$out/$host.ndjson" --output "$out/$host.json" "$@" -- "${files[@]}" 2>/dev/null || status=$?
    echo "$host $status" >> "$out/status"
done
