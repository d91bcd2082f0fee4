#!/usr/bin/env bash
# Checks the HTML report in a real browser: installs Debian's chromium and
# chromium-driver and python selenium if missing, builds, writes reports from the
# recorded fixtures and a synthesized 10,000-finding log, loads each from disk in
# headless Chromium and checks the DOM (tests/browser/check.py).
#
# usage: scripts/browser-test.sh [SCREENSHOT.png]   (default /tmp/auditree-report.png)
# Also writes SCREENSHOT-tree.png (the process tree opened from a finding).
# Set AUDITREE_SKIP_LARGE=1 to skip the 10,000-finding report, AUDITREE_MILLION=1 to
# add a report of a log with a million execs (slow: minutes, and about 2 GB of memory
# while scanning, since an HTML report keeps every exec for the process tree).
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
screenshot=$(realpath -m "${1:-/tmp/auditree-report.png}")
mkdir -p "$(dirname "$screenshot")"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! python3 -c 'import selenium' 2>/dev/null; then
    echo "installing selenium (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check selenium
fi

swift build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# auditree exits 1 when it found something; only 2 (input or usage error) is a failure here.
report() {
    local format=$1 input=$2 output=$3 status=0
    shift 3
    .build/debug/auditree scan --format "$format" "$@" "$input" > "$output" || status=$?
    if [ "$status" -gt 1 ]; then echo "auditree failed on $input (exit $status)"; exit 2; fi
}
for fixture in hostile-argv enriched-fork webshell-execve; do
    report html "fixtures/recorded/$fixture.log" "$work/$fixture.html"
    report json "fixtures/recorded/$fixture.log" "$work/$fixture.json"
done
# The default rules' exceptions suppress the package-manager shells of this recording.
report html fixtures/recorded/benign-busy.log "$work/benign-busy.html" --show-suppressed
report json fixtures/recorded/benign-busy.log "$work/benign-busy.json" --show-suppressed
# The same recording with the package exceptions off: identical shells grouped (up to 6 times).
report html fixtures/recorded/benign-busy.log "$work/grouped.html" --rules fixtures/rules/no-package-exceptions.yaml
report json fixtures/recorded/benign-busy.log "$work/grouped.json" --rules fixtures/rules/no-package-exceptions.yaml
# Matches by location only (a temporary directory, memfd, a deleted file): the PATH record's file evidence.
report html fixtures/recorded/variants-raw-execve.log "$work/locations.html" --rules fixtures/rules/location-rules-only.yaml
report json fixtures/recorded/variants-raw-execve.log "$work/locations.json" --rules fixtures/rules/location-rules-only.yaml
# 150 replays on one host: each of the 17 findings grouped 150 times (more than one page of occurrences).
python3 tests/browser/synthesize.py fixtures/recorded/enriched-fork.log 150 --same-host > "$work/repeated.log"
report html "$work/repeated.log" "$work/repeated.html"
report json "$work/repeated.log" "$work/repeated.json"
rm -f "$work/repeated.log"
if [ "${AUDITREE_SKIP_LARGE:-0}" != 1 ]; then
    # 589 replays of 17 findings = 10,013 findings, and a busy host of 25,000 execs (over the
    # tree's 20,000 per host) whose one finding is logged after the cap.
    python3 tests/browser/synthesize.py fixtures/recorded/enriched-fork.log 589 --busy 25000 > "$work/large.log"
    report html "$work/large.log" "$work/large.html"
    rm -f "$work/large.log"
fi
if [ "${AUDITREE_MILLION:-0}" = 1 ]; then
    # The same 10,013 findings and 951,000 more execs on 10 busy hosts: a million execs in all.
    python3 tests/browser/synthesize.py fixtures/recorded/enriched-fork.log 589 --busy 951000 --busy-hosts 10 > "$work/million.log"
    report html "$work/million.log" "$work/million.html"
    rm -f "$work/million.log"
fi

# Chromium leaves its singleton folder (org.chromium.Chromium.*, a socket and a cookie) in TMPDIR
# after chromedriver quits it: it goes to $work, removed at exit, not to the caller's TMPDIR.
TMPDIR=$work SE_OFFLINE=true python3 tests/browser/check.py --dir "$work" --screenshot "$screenshot"
