"""Host listing, layouts, the partition plan and the defensive column conversion."""
import json
import os

import pytest

import fleetdata
from auditree_fleet import hosts as H
from auditree_fleet import schema


def test_layouts_with_folders_above_and_below_the_host(tmp_path):
    for host in ("a", "b"):
        fleetdata.write(str(tmp_path / "dc1" / host / "var/log/audit/audit.log"), b"x" * (3 if host == "a" else 5))
        fleetdata.write(str(tmp_path / "dc1" / host / "var/log/audit/audit.log.1.gz"), b"y")
        fleetdata.write(str(tmp_path / "dc1" / host / "var/log/messages"), b"z")
    found = H.list_hosts(str(tmp_path), "dc1/{host}/var/log/audit/audit.log*")
    assert [(h.host, [os.path.basename(f.uri) for f in h.files], h.bytes) for h in found] == [
        ("a", ["audit.log", "audit.log.1.gz"], 4), ("b", ["audit.log", "audit.log.1.gz"], 6)]
    deep = H.list_hosts("file://" + str(tmp_path / "dc1"), "{host}/**/audit.log")
    assert [[os.path.basename(f.uri) for f in h.files] for h in deep] == [["audit.log"], ["audit.log"]]
    assert H.list_hosts(str(tmp_path / "dc1"), "{host}/audit.log*")[0].files == []  # no-logs, still listed


@pytest.mark.parametrize("layout", ["audit.log*", "{host}", "x{host}/a", "{host}/{host}/a", "*/{host}/a"])
def test_bad_layouts_are_refused(layout):
    with pytest.raises(H.LayoutError):
        H.split_layout(layout)


def test_plan_puts_the_largest_hosts_first_and_balances_the_partitions():
    sizes = [900, 10, 500, 400, 300, 200, 100, 50, 40, 30]
    tasks = [H.HostTask(host=f"h{i}", files=[H.LogFile(uri=f"/x/{i}", size=s)]) for i, s in enumerate(sizes)]
    plan = H.plan_partitions(tasks, 3)
    loads = [sum(t.bytes for t in group) for group in plan]
    assert loads == sorted(loads, reverse=True)
    assert plan[0][0].bytes == 900
    assert max(loads) - min(loads) <= 100
    assert sorted(t.host for g in plan for t in g) == sorted(t.host for t in tasks)
    assert len(H.plan_partitions(tasks, 50)) == len(tasks)  # at most one partition per host


def test_a_field_of_an_unexpected_type_is_null_and_kept_in_the_line():
    document = {"@timestamp": "2026-11-23T11:58:13.248Z", "event": {"id": "1.2:3", "severity": "high"},
                "process": {"pid": 12, "args": "not a list"}, "host": {"name": "h"}, "rule": {"id": "r"},
                "auditree": {"occurrences": [{"event": "1.2:3"}, {"event": "1.9:4"}], "future": {"x": 1}}}
    line = json.dumps(document)
    row = schema.finding_row(document, line, "h", "run", 0)
    assert row["event"]["severity"] is None and row["process"]["args"] is None
    assert row["process"]["pid"] == 12 and row["@timestamp"].isoformat() == "2026-11-23T11:58:13.248000+00:00"
    assert row["auditree"]["occurrences"] == 2 and row["auditree"]["seen"][1]["event"] == "1.9:4"
    assert json.loads(row["auditree"]["ndjson"])["auditree"]["future"] == {"x": 1}
    assert schema.convert(1 << 40, "int") is None and schema.convert(True, "long") is None
