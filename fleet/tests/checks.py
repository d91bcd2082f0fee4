"""Comparisons shared by the local runner's and the Spark job's tests."""
import json
import os
from datetime import datetime

import pyarrow.parquet as pq

from conftest import TIMEOUT

# The status each special host must get. Hosts web-* and rotated, no-node, corrupt: findings.
EXPECTED_STATUS = {
    "corrupt-gz": "failed",
    "empty": "empty",
    "no-logs": "no-logs",
    "unreadable": "unreadable",
    "stalled": "timeout",
}


def read_table(folder):
    return pq.read_table(folder).to_pylist()


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    else:
        yield path, value


def plain(value):
    """A typed value as JSON has it: timestamps as auditree writes them, absent fields left out."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    return value


def lookup(row, path):
    for key in path:
        if not isinstance(row, dict) or key not in row:
            return KeyError
        row = row[key]
    return row


def assert_same_findings(rows, reference_findings):
    """Row by row: each Parquet row is the reference's finding at the same host and position."""
    expected = {(host, i): doc for host, docs in reference_findings.items() for i, doc in enumerate(docs)}
    got = {(row["auditree"]["fleet"]["host"], row["auditree"]["fleet"]["index"]): row for row in rows}
    assert len(got) == len(rows), "two rows claim the same host and position"
    assert sorted(got) == sorted(expected)
    for key, doc in expected.items():
        row = got[key]
        assert json.loads(row["auditree"]["ndjson"]) == doc, key
        assert row["host"]["name"] == doc["host"]["name"] and row["host"]["name"], key
        for path, value in leaves(doc):
            typed = lookup(row, path)
            if typed is KeyError or path[:2] == ("auditree", "match"):
                continue  # not a column of its own; kept in auditree.ndjson, compared above
            assert plain(typed) == value, (key, path, typed, value)
    keys = [(r["host"]["name"], r["event"]["id"], r["rule"]["id"]) for r in rows]
    assert len(set(keys)) == len(keys), "the merge key (host, event id, rule id) is not unique"


def assert_host_rows(rows, status, summaries, fleet_hosts):
    by_host = {row["host"]: row for row in rows}
    assert sorted(by_host) == fleet_hosts
    for host, row in by_host.items():
        expected = EXPECTED_STATUS.get(host)
        if expected:
            assert row["status"] == expected, row
        elif host == "binary":  # auditree: exit 2, "is this an audit log?" (exit 0 before it said so)
            assert row["status"] == "not-audit" and row["records"] == 0 and row["rejected"] == row["lines"] > 0, row
        else:
            assert row["status"] == "findings", row
        assert row["scanned"] == (row["status"] in ("clean", "findings")), row
        if status[host] not in ("none", "137") and row["status"] != "unreadable":
            assert row["exit_status"] == int(status[host]), row
            summary = summaries[host]
            for key in ("lines", "records", "rejected", "input_errors"):
                assert row[key] == summary[key], (host, key)
            assert row["findings"] == summary["findings"], row
        assert row["bytes"] == sum(os.stat(f).st_size for f in row["files"] if os.path.exists(f)), row
        assert row["seconds"] >= 0
    assert by_host["corrupt"]["rejected"] > 0 and by_host["corrupt"]["records"] > 0
    assert "gzip data ends early" in by_host["corrupt-gz"]["stderr_tail"]
    assert by_host["corrupt-gz"]["findings"] > 0, "findings read before the damage are kept"
    assert by_host["stalled"]["message"] == f"killed after {TIMEOUT:g} s (--timeout)"
    assert by_host["stalled"]["exit_status"] is None
    assert "No such file or directory" in by_host["unreadable"]["message"]
    assert by_host["no-logs"]["files"] == []
    assert by_host["empty"]["bytes"] == 0 and by_host["empty"]["exit_status"] == 0
