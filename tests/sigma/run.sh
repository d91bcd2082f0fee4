#!/bin/sh
# Installs the pinned pySigma into a private virtualenv and runs the differential test on every
# recorded fixture. Skips (exit 0, with a message) when the SigmaHQ rules are not beside the repo.
set -eu
cd "$(dirname "$0")/../.."
sigma="${AUDITREE_SIGMA:-../shared/sigma}"
[ -d "$sigma" ] || sigma=../../shared/sigma
if [ ! -d "$sigma" ]; then echo "sigma differential: skipped: no SigmaHQ rules at ../shared/sigma (set AUDITREE_SIGMA)"; exit 0; fi
venv="${AUDITREE_SIGMA_VENV:-.build/sigma-venv}"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/sigma/requirements.txt
auditree="${AUDITREE_BIN:-.build/debug/auditree}"
"$venv/bin/python" tests/sigma/differential.py "$auditree" "$sigma" fixtures/recorded/*.log fixtures/sigma-auditd/auditd-records.log
