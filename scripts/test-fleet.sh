#!/usr/bin/env bash
# Tests of fleet/ (the Spark job and the local runner, docs/fleet.md) with pytest.
# Installs what is missing: Java 17 or newer (Debian's openjdk-17-jre-headless) and the
# pinned PyPI packages of fleet/requirements.txt, in a virtual environment kept in
# ${AUDITREE_FLEET_VENV:-~/.cache/auditree-fleet/venv-HASH} (HASH of the requirements, so a
# new pin gets a new environment). Needs a built auditree (.build/debug, or $AUDITREE).
# usage: scripts/test-fleet.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
    scripts/install-deps.sh openjdk-17-jre-headless
    export JAVA_HOME=$(dirname "$(dirname "$(readlink -f /usr/lib/jvm/java-17-openjdk-*/bin/java)")")
    export PATH=$JAVA_HOME/bin:$PATH
fi

hash=$(sha256sum fleet/requirements.txt | cut -c1-12)
venv=${AUDITREE_FLEET_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/auditree-fleet/venv-$hash}
if [ ! -x "$venv/bin/python" ] || [ ! -e "$venv/.installed" ]; then
    echo "installing fleet/requirements.txt into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r fleet/requirements.txt
    touch "$venv/.installed"
fi

export AUDITREE=${AUDITREE:-$PWD/.build/debug/auditree}
[ -x "$AUDITREE" ] || { echo "scripts/test-fleet.sh: $AUDITREE is missing: run swift build first" >&2; exit 2; }
# pytest's tmp_path folders go to a folder of this run (not $TMPDIR/pytest-of-USER, where pytest
# keeps the last three runs), removed at exit, passed or failed.
basetemp=$(mktemp -d -t auditree-fleet-pytest.XXXXXX)
trap 'rm -rf "$basetemp"' EXIT
status=0
(cd fleet && "$venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp "$basetemp" "$@" tests) || status=$?
case $status in
    0) ;;
    5) echo "scripts/test-fleet.sh: pytest collected no tests: the fleet tests are missing" >&2; exit 1 ;;
    *) echo "scripts/test-fleet.sh: fleet tests failed (pytest exit status $status)" >&2; exit 1 ;;
esac
