"""The local runner (python -m auditree_fleet scan) against the shell-loop reference."""
import json
import os
import subprocess
import sys

import pytest

import checks
import fleetdata
from auditree_fleet import worker
from conftest import HERE, TIMEOUT, count_findings, run_reference

FLEET_DIR = os.path.dirname(HERE)


def run_local(*args):
    return subprocess.run([sys.executable, "-m", "auditree_fleet", "scan", *args], cwd=FLEET_DIR,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def local_run(auditree, fleet, tmp_path_factory):
    root, _ = fleet
    out = str(tmp_path_factory.mktemp("local") / "out")
    result = run_local("-j", "2", "--input", root, "--output", out, "--auditree", auditree,
                       "--timeout", str(TIMEOUT), "--ndjson")
    return result, out


def test_findings_match_the_shell_loop_row_by_row(local_run, reference):
    result, out = local_run
    status, findings, _ = reference
    rows = checks.read_table(os.path.join(out, "findings"))
    assert sum(len(f) for f in findings.values()) > 100
    checks.assert_same_findings(rows, findings)


def test_host_rows(local_run, reference, fleet):
    result, out = local_run
    status, _, summaries = reference
    checks.assert_host_rows(checks.read_table(os.path.join(out, "hosts")), status, summaries, fleet[1])


def test_exit_status_and_summary_say_not_every_host_was_scanned(local_run):
    result, out = local_run
    assert result.returncode == 1, result.stderr
    assert "stray.bin: not a host folder" in result.stderr
    assert "not scanned: binary, corrupt-gz, empty, no-logs, stalled, unreadable" in result.stderr
    run = json.load(open(os.path.join(out, "run.json")))
    assert run["hosts"] == 23 and run["exit_status"] == 1 and run["engine"] == "local"


def test_ndjson_outputs(local_run, reference):
    result, out = local_run
    _, findings, _ = reference
    lines = [json.loads(l) for l in open(os.path.join(out, "findings.ndjson"))]
    assert lines == [doc for host in sorted(findings) for doc in findings[host]]
    hosts = [json.loads(l) for l in open(os.path.join(out, "hosts.ndjson"))]
    assert [h["host"] for h in hosts] == sorted(h["host"] for h in hosts)


def test_every_host_scanned_exits_0(auditree, tmp_path):
    root = tmp_path / "fleet"
    for host in ("a", "b"):
        fleetdata.write(str(root / host / "audit.log"), fleetdata.with_node(fleetdata.recorded("raw-fork"), host))
    fleetdata.write(str(root / "c" / "audit.log"), fleetdata.recorded("benign-busy"))
    result = run_local("-j", "2", "--input", str(root), "--output", str(tmp_path / "out"), "--auditree", auditree)
    assert result.returncode == 0, result.stderr
    rows = checks.read_table(str(tmp_path / "out" / "hosts"))
    assert [r["status"] for r in rows] == ["findings"] * 3
    again = run_local("--input", str(root), "--output", str(tmp_path / "out"), "--auditree", auditree)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_a_release_archive_works_as_auditree(auditree, tmp_path):
    import tarfile
    archive = tmp_path / "auditree-dev-linux-x86_64.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        t.add(auditree, "auditree-dev/bin/auditree")
    root = tmp_path / "fleet"
    fleetdata.write(str(root / "h" / "audit.log"), fleetdata.recorded("webshell-execve"))
    result = run_local("--input", str(root), "--output", str(tmp_path / "out"), "--auditree", str(archive))
    assert result.returncode == 0, result.stderr
    rows = checks.read_table(str(tmp_path / "out" / "findings"))
    assert {r["host"]["name"] for r in rows} == {"h"} and len(rows) == count_findings(auditree, str(root / "h" / "audit.log")) > 0


def test_auditree_options_pass_through_and_reserved_ones_are_refused(auditree, tmp_path):
    root = tmp_path / "fleet"
    fleetdata.write(str(root / "h" / "audit.log"), fleetdata.recorded("enriched-execve"))
    result = run_local("--input", str(root), "--output", str(tmp_path / "o1"), "--auditree", auditree, "--", "--fail-on", "critical")
    assert result.returncode == 0, result.stderr
    rows = checks.read_table(str(tmp_path / "o1" / "hosts"))
    assert rows[0]["exit_status"] in (0, 1) and rows[0]["findings"] == count_findings(auditree, str(root / "h" / "audit.log")) > 0
    refused = run_local("--input", str(root), "--output", str(tmp_path / "o2"), "--", "--output", "x.json")
    assert refused.returncode == 2 and "--output after `--` is set by the fleet job" in refused.stderr


def test_state_reports_each_finding_once_across_rotation(auditree, tmp_path):
    """Nightly runs with --state: a rotation between runs; the union of the runs is the full scan."""
    root, state = tmp_path / "fleet", str(tmp_path / "state")
    data = fleetdata.with_node(fleetdata.recorded("enriched-fork"), "n1")
    first, second = fleetdata.split_at_events(data, 2)
    fleetdata.write(str(root / "n1" / "audit.log"), first)
    fleetdata.write(str(root / "broken" / "audit.log.gz"), b"\x1f\x8b\x08\x00garbage")

    def night(n):
        out = str(tmp_path / f"night{n}")
        result = run_local("--input", str(root), "--output", out, "--state", state, "--auditree", auditree, "--", "--no-group")
        assert result.returncode == 1, result.stderr  # the broken host is never scanned
        hosts = {r["host"]: r for r in checks.read_table(os.path.join(out, "hosts"))}
        keys = [(r["host"]["name"], r["event"]["id"], r["rule"]["id"]) for r in checks.read_table(os.path.join(out, "findings"))]
        return hosts, keys

    hosts1, night1 = night(1)
    assert hosts1["n1"]["checkpoint"] == "saved" and hosts1["broken"]["checkpoint"] == "none"
    assert os.path.exists(os.path.join(state, "checkpoints", "n1.json"))
    assert not os.path.exists(os.path.join(state, "checkpoints", "broken.json"))
    assert not os.listdir(os.path.join(state, "pending"))
    os.rename(root / "n1" / "audit.log", root / "n1" / "audit.log.1")   # logrotate
    fleetdata.write(str(root / "n1" / "audit.log"), second)
    # auditree may hold events open at the end of a log for the next run: every finding
    # comes exactly once, maybe a night later, and a night with nothing new reports nothing.
    nights = [night1] + [night(n)[1] for n in (2, 3, 4)]

    whole = tmp_path / "whole"
    fleetdata.write(str(whole / "n1" / "audit.log"), data)
    _, full, _ = run_reference(auditree, str(whole), str(tmp_path / "ref"), "--no-group")
    expected = [(d["host"]["name"], d["event"]["id"], d["rule"]["id"]) for d in full["n1"]]
    reported = [key for keys in nights for key in keys]
    assert len(set(reported)) == len(reported), "a finding was reported twice"
    assert sorted(reported) == sorted(expected) and expected
    assert nights[-1] == []


def test_remote_input_and_state_through_fsspec(auditree, tmp_path, capsys):
    """A non-local file system (fsspec's in-memory one, shared by the runner's threads): each
    host's files are fetched to a temporary folder, and findings name the URIs, not the copies."""
    import fsspec
    from auditree_fleet import local
    memory = fsspec.filesystem("memory")
    base = f"memory://fleet-{os.getpid()}-{tmp_path.name}"
    memory.pipe(f"{base}/logs/m1/audit.log", fleetdata.with_node(fleetdata.recorded("webshell-execve"), "m1"))
    memory.pipe(f"{base}/logs/m2/audit.log.1", fleetdata.recorded("raw-execve"))
    memory.pipe(f"{base}/logs/m2/audit.log", b"")
    args = ["--input", f"{base}/logs", "--state", f"{base}/state", "--auditree", auditree, "--ndjson"]
    rows = []
    for n in (1, 2, 3):  # findings held at the end of a log by one run come in the next
        assert local.run(["-j", "2", "--output", str(tmp_path / f"o{n}"), *args]) == 0
        rows += checks.read_table(str(tmp_path / f"o{n}" / "findings"))
    assert checks.read_table(str(tmp_path / "o3" / "findings")) == []
    expected = count_findings(auditree, fleetdata.os.path.join(fleetdata.RECORDED, "webshell-execve.log")) + \
        count_findings(auditree, fleetdata.os.path.join(fleetdata.RECORDED, "raw-execve.log"))
    keys = [(r["host"]["name"], r["event"]["id"], r["rule"]["id"]) for r in rows]
    assert len(set(keys)) == len(keys), "a finding was reported twice"
    assert sorted({r["host"]["name"] for r in rows}) == ["m1", "m2"] and len(rows) == expected
    paths = {r["log"]["file"]["path"] for r in rows} | {r["auditree"]["location"]["file"] for r in rows}
    assert all(p.startswith("memory://") and p.endswith(("/m1/audit.log", "/m2/audit.log.1")) for p in paths), paths
    assert all(json.loads(r["auditree"]["ndjson"])["log"]["file"]["path"] == r["log"]["file"]["path"] for r in rows)
    hosts = checks.read_table(str(tmp_path / "o1" / "hosts"))
    assert [(h["host"], h["checkpoint"]) for h in hosts] == [("m1", "saved"), ("m2", "saved")]
    assert memory.exists(f"{base}/state/checkpoints/m1.json")


@pytest.mark.parametrize("log", ["fixtures/recorded/hostile-argv.log", "fixtures/malformed/split-argument-intact.log"])
def test_long_values_are_restored_in_full(auditree, log):
    """A finding row holds the whole command line, as the JSON report's long_values give it."""
    path = os.path.join(fleetdata.REPO, log)
    ndjson = subprocess.run([auditree, "scan", "--format", "ndjson", path], capture_output=True).stdout
    report = json.loads(subprocess.run([auditree, "scan", "--format", "json", path], capture_output=True).stdout)
    documents = [json.loads(line) for line in ndjson.splitlines()]
    table = {d["auditree"]["long_value"]["ref"]: d["auditree"]["long_value"] for d in documents if d["event"]["kind"] == "state"}
    alerts = [d for d in documents if d["event"]["kind"] == "alert"]
    assert table and len(alerts) == len(report["findings"])

    def whole(place, key, field):  # the JSON report's value, through its own long_values table
        ref = place.get(key + "_ref")
        return place.get(key) if ref is None else report["long_values"][ref][field]

    restored = 0
    for alert, finding in zip(alerts, report["findings"]):
        restored += worker.restore_long_values(alert, table)
        assert "_ref\"" not in json.dumps(alert), alert
        for ecs, snapshot in ((alert["process"], finding["process"]), (alert["process"]["parent"], finding["spawner"])):
            if snapshot.get("origin", "exec") == "exec" and "argv" in snapshot:
                assert ecs["args"] == whole(snapshot, "argv", "argv")
                assert ecs["args_count"] == len(ecs["args"])
            if snapshot.get("exe") is not None:
                assert ecs["executable"] == whole(snapshot, "exe", "value")
            if snapshot.get("cwd") is not None:
                assert ecs["working_directory"] == whole(snapshot, "cwd", "value")
    assert restored > 0
