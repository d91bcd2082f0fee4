"""Shared fixtures: the auditree binary, a fleet made from the recorded fixtures, the shell-loop
reference run over it, and one Spark session for the whole test session (Spark starts slowly)."""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import fleetdata  # noqa: E402
from auditree_fleet import worker  # noqa: E402

TIMEOUT = 10  # seconds for the stalled host; every real host takes well under 1 s


def auditree_binary():
    if os.environ.get("AUDITREE"):
        return os.environ["AUDITREE"]
    for build in ("debug", "release"):
        path = os.path.join(fleetdata.REPO, ".build", build, "auditree")
        if os.access(path, os.X_OK):
            return path
    pytest.skip("no auditree build: run `swift build` first (scripts/test.sh does)")


@pytest.fixture(scope="session")
def auditree():
    return auditree_binary()


@pytest.fixture(scope="session")
def fleet(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("fleet"))
    hosts = fleetdata.make_fleet(root)
    return root, hosts


def count_findings(auditree, *args):
    """What auditree itself reports for these arguments (files and options)."""
    result = subprocess.run([auditree, "scan", "--format", "json", *args], capture_output=True)
    return json.loads(result.stdout)["summary"]["findings"]


def run_reference(auditree, root, out, *options):
    subprocess.run([os.path.join(HERE, "reference.sh"), auditree, root, out, str(TIMEOUT), *options], check=True)
    status = dict(line.split() for line in open(os.path.join(out, "status")))
    findings, summaries = {}, {}
    for host in status:
        path = os.path.join(out, host + ".ndjson")
        documents = [json.loads(line) for line in open(path)] if os.path.exists(path) else []
        # Findings are the alerts; long values stand on lines of their own (docs/formats.md), and
        # the fleet's rows hold them in full (checked on its own in test_long_values_*).
        long_values = {d["auditree"]["long_value"]["ref"]: d["auditree"]["long_value"]
                       for d in documents if d.get("event", {}).get("dataset") == "auditree.long_value"}
        findings[host] = [d for d in documents if d.get("event", {}).get("kind") == "alert"]
        for document in findings[host]:
            worker.restore_long_values(document, long_values)
        report = os.path.join(out, host + ".json")
        summaries[host] = json.load(open(report))["summary"] if os.path.exists(report) else None
    return status, findings, summaries


@pytest.fixture(scope="session")
def reference(auditree, fleet, tmp_path_factory):
    """auditree host by host in a shell loop: exit status, NDJSON findings, JSON summary per host."""
    root, _ = fleet
    return run_reference(auditree, root, str(tmp_path_factory.mktemp("reference")))


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (scripts/test-fleet.sh installs fleet/requirements.txt)")
    from pyspark.sql import SparkSession
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local[2] talks only to itself
    # Spark's scratch folders (spark-*, blockmgr-*) go to the tests' temporary folder like every
    # other file of theirs, not to the JVM's java.io.tmpdir (/tmp whatever $TMPDIR says): the JVM
    # removes them when it exits, after Python, which does not wait for it.
    os.environ.setdefault("SPARK_LOCAL_DIRS", str(tmp_path_factory.mktemp("spark-local")))
    session = (SparkSession.builder.master("local[2]").appName("auditree-fleet-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.driver.memory", "1g")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
