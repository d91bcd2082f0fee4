"""The Spark job (local[2]) against the shell-loop reference; one SparkSession for all tests."""
import json
import os
import subprocess
import sys
import tarfile

import pytest

import checks
import fleetdata
from conftest import HERE, TIMEOUT, count_findings

FLEET_DIR = os.path.dirname(HERE)


@pytest.fixture(scope="module")
def job():
    pytest.importorskip("pyspark", reason="pyspark is not installed (scripts/test-fleet.sh installs fleet/requirements.txt)")
    from auditree_fleet import job
    return job


@pytest.fixture(scope="module")
def archive(auditree, tmp_path_factory):
    """The binary as a relocatable archive, shipped to the executors with addArchive."""
    path = tmp_path_factory.mktemp("dist") / "auditree-dev-linux-x86_64.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        t.add(auditree, "auditree-dev/bin/auditree")
    return str(path)


@pytest.fixture(scope="module")
def spark_run(spark, job, archive, fleet, tmp_path_factory, capfd_module=None):
    root, _ = fleet
    out = str(tmp_path_factory.mktemp("spark") / "out")
    status = job.main(["--input", "file://" + root, "--output", out, "--auditree", archive,
                       "--timeout", str(TIMEOUT), "--ndjson"])
    return status, out


def test_findings_match_the_shell_loop_row_by_row(spark_run, reference):
    status, out = spark_run
    _, findings, _ = reference
    rows = checks.read_table(os.path.join(out, "findings"))
    assert sum(len(f) for f in findings.values()) > 100
    checks.assert_same_findings(rows, findings)


def test_host_rows(spark_run, reference, fleet):
    status, out = spark_run
    codes, _, summaries = reference
    rows = checks.read_table(os.path.join(out, "hosts"))
    checks.assert_host_rows(rows, codes, summaries, fleet[1])
    assert all(row["files"] == [] or row["files"][0].startswith(fleet[0]) for row in rows)


def test_exit_status_and_outputs(spark_run, reference):
    status, out = spark_run
    _, findings, _ = reference
    assert status == 1
    run = json.load(open(os.path.join(out, "run.json")))
    assert run["hosts"] == 23 and run["engine"] == "spark-rdd" and run["exit_status"] == 1
    lines = [json.loads(l) for l in open(os.path.join(out, "findings.ndjson"))]
    assert lines == [doc for host in sorted(findings) for doc in findings[host]]
    assert len(open(os.path.join(out, "hosts.ndjson")).readlines()) == 23


def test_spark_reads_the_table_by_ecs_names(spark, spark_run, reference):
    status, out = spark_run
    _, findings, _ = reference
    frame = spark.read.parquet(os.path.join(out, "findings"))
    got = sorted(tuple(r) for r in frame.select("host.name", "event.id", "rule.id").collect())
    expected = sorted((d["host"]["name"], d["event"]["id"], d["rule"]["id"]) for docs in findings.values() for d in docs)
    assert got == expected
    assert frame.where("host.name = 'no-node'").count() == len(findings["no-node"]) > 0


def test_pandas_engine_gives_the_same_tables(spark, job, auditree, fleet, spark_run, tmp_path):
    """groupBy(host).applyInPandas, for Databricks compute without RDD APIs, on part of the fleet."""
    root, _ = fleet
    subset = tmp_path / "subset"
    subset.mkdir()
    for host in ("web-03", "no-node", "corrupt", "corrupt-gz", "empty", "no-logs"):  # symlinked host folders
        os.symlink(os.path.join(root, host), subset / host)
    out = str(tmp_path / "out")
    status = job.main(["--input", str(subset), "--output", out, "--auditree", auditree, "--engine", "pandas", "--timeout", str(TIMEOUT)])
    assert status == 1
    _, rdd_out = spark_run
    rdd_rows = checks.read_table(os.path.join(rdd_out, "findings"))
    wanted = {"web-03", "no-node", "corrupt", "corrupt-gz"}
    def drop(row):  # the run, and the paths (through the symlinked folders), differ
        seen = [{**o, "file": os.path.basename(o["file"])} for o in row["auditree"]["seen"] or []]
        return {**row, "log": None, "auditree": {**row["auditree"], "location": row["auditree"]["location"]["line"],
                                                 "fleet": {**row["auditree"]["fleet"], "run_id": None}, "ndjson": None,
                                                 "seen": seen}}
    expected = sorted((drop(r) for r in rdd_rows if r["auditree"]["fleet"]["host"] in wanted), key=repr)
    got = sorted((drop(r) for r in checks.read_table(os.path.join(out, "findings"))), key=repr)
    assert len(got) == len(expected) > 0
    assert got == expected
    assert not os.path.exists(os.path.join(out, "_scan")), "the staging folder is removed"
    hosts = {r["host"]: r["status"] for r in checks.read_table(os.path.join(out, "hosts"))}
    assert hosts == {"web-03": "findings", "no-node": "findings", "corrupt": "findings", "corrupt-gz": "failed",
                     "empty": "empty", "no-logs": "no-logs"}


def test_spark_submit_command_line(auditree, archive, tmp_path):
    """The command docs/fleet.md gives, in its own JVM: spark-submit --archives ... job.py."""
    pyspark = pytest.importorskip("pyspark")
    submit = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit")
    root = tmp_path / "fleet"
    fleetdata.write(str(root / "a" / "audit.log"), fleetdata.with_node(fleetdata.recorded("webshell-execve"), "a"))
    fleetdata.write(str(root / "b" / "audit.log"), fleetdata.recorded("raw-fork"))
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    # The archive shipped by spark-submit --archives and unpacked as "at" in each executor's folder.
    result = subprocess.run([submit, "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--archives", archive + "#at",
                             os.path.join(FLEET_DIR, "auditree_fleet", "job.py"),
                             "--input", str(root), "--output", str(tmp_path / "out"), "--auditree", "at/auditree-dev/bin/auditree",
                             "--", "--no-group"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = sum(count_findings(auditree, "--no-group", str(root / host / "audit.log")) for host in ("a", "b"))
    # spark-submit hands a Python driver's stderr on through its own stdout.
    summary = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("auditree-fleet:")]
    assert summary == [f"auditree-fleet: 2 hosts (2 findings), {expected} findings"]
    rows = checks.read_table(str(tmp_path / "out" / "findings"))
    assert sorted({r["host"]["name"] for r in rows}) == ["a", "b"] and len(rows) == expected


def test_state_on_spark_commits_checkpoints_after_the_tables(job, spark, auditree, tmp_path):
    root, state = tmp_path / "fleet", str(tmp_path / "state")
    fleetdata.write(str(root / "a" / "audit.log"), fleetdata.with_node(fleetdata.recorded("raw-execve"), "a"))
    fleetdata.write(str(root / "b" / "audit.log"), fleetdata.recorded("webshell-execve"))
    runs = []
    for night in (1, 2, 3):  # findings held at the end of a log by one run come in the next
        out = str(tmp_path / f"night{night}")
        assert job.main(["--input", str(root), "--output", out, "--state", state, "--auditree", auditree, "--", "--no-group"]) == 0
        runs.append((checks.read_table(os.path.join(out, "findings")), checks.read_table(os.path.join(out, "hosts"))))
    expected = sum(count_findings(auditree, "--no-group", str(root / host / "audit.log")) for host in ("a", "b"))
    keys = [(r["host"]["name"], r["event"]["id"], r["rule"]["id"]) for rows, _ in runs for r in rows]
    assert len(keys) == len(set(keys)) == expected > 0, "each finding exactly once"
    assert runs[-1][0] == [] and [h["status"] for h in runs[-1][1]] == ["clean", "clean"]
    assert all(h["checkpoint"] == "saved" for _, hosts in runs for h in hosts)
    assert sorted(os.listdir(os.path.join(state, "checkpoints"))) == ["a.json", "b.json"]
    assert os.listdir(os.path.join(state, "pending")) == []
