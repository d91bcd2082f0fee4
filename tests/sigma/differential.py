#!/usr/bin/env python3
"""Differential test: auditree's Sigma process_creation findings against pySigma's SQLite backend.

For every recorded fixture, the `auditree events` export (Sysmon for Linux field names under
auditree.sigma) is loaded into an SQLite table whose text columns compare as SQLite's NOCASE
(as Zircolite's do, which the backend expects). Every process_creation rule is converted to SQL
by pySigma and run on it; auditree's (rule id, exec) pairs from `scan --no-default-rules --sigma`
must equal the SQL results, rule by rule. Rules pySigma cannot convert are listed, not skipped
silently. Exit 0 when every rule agrees on every fixture, 1 otherwise, 77 when the rules are absent.

usage: differential.py AUDITREE SIGMA_DIR FIXTURE...
"""
import json
import os
import re
import sqlite3
import subprocess
import sys

import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

FIELDS = ["Image", "CommandLine", "ParentImage", "ParentCommandLine", "User", "LogonId", "CurrentDirectory",
          "ProcessId", "ParentProcessId"]


def process_creation_rules(folder):
    found = []
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith((".yml", ".yaml")):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and (doc.get("logsource") or {}).get("category") == "process_creation":
                found.append((path, doc["id"], text))
    return sorted(found)


def regexp(pattern, value):
    if value is None:
        return False
    return re.search(pattern, value) is not None


def load_events(auditree, fixture):
    out = subprocess.run([auditree, "events", "--format", "ndjson", fixture], capture_output=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{fixture}: auditree events failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, regexp)
    columns = ", ".join(f'"{field}" TEXT COLLATE NOCASE' for field in FIELDS)
    db.execute(f'CREATE TABLE logs (event TEXT, {columns})')
    # A long value is written once, on a long_value line before the first exec that refers to it;
    # exec lines hold a preview and FIELD_ref (docs/formats.md, "Long values"): put it back whole.
    long_values = {}
    for line in out.stdout.decode("utf-8").splitlines():
        event = json.loads(line)
        if event["event"].get("dataset") == "auditree.long_value":
            value = event["auditree"]["long_value"]
            long_values[value["ref"]] = " ".join(value["argv"]) if value["kind"] == "argv" else value["value"]
            continue
        record = event["auditree"]["record"]
        sigma = event["auditree"]["sigma"]
        key = f'{record["file"]}:{record["line"]}'
        values = [long_values[sigma[f"{f}_ref"]] if f"{f}_ref" in sigma else sigma.get(f) for f in FIELDS]
        db.execute(f'INSERT INTO logs VALUES (?, {", ".join("?" for _ in FIELDS)})', [key] + values)
    return db


def auditree_pairs(auditree, sigma_dir, fixture):
    out = subprocess.run([auditree, "scan", "--no-default-rules", "--sigma", sigma_dir, "--no-group", "--format", "json", "--quiet", fixture],
                         capture_output=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{fixture}: auditree scan failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    pairs = set()
    for finding in json.loads(out.stdout)["findings"]:
        if finding["category"] == "sigma/process_creation":
            pairs.add((finding["rule"], f'{finding["location"]["file"]}:{finding["location"]["line"]}'))
    return pairs


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    auditree, sigma_dir, fixtures = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not os.path.isdir(sigma_dir):
        print(f"skipped: no Sigma rules at {sigma_dir}")
        return 77
    backend = sqliteBackend()
    queries, unconvertible = {}, []
    for path, rule_id, text in process_creation_rules(sigma_dir):
        try:
            converted = backend.convert(SigmaCollection.from_yaml(text))
            queries[rule_id] = (path, converted[0])
        except Exception as error:  # pySigma raises many kinds; each is listed below.
            unconvertible.append((path, rule_id, f"{type(error).__name__}: {error}"))
    print(f"pySigma converted {len(queries)} process_creation rule(s); {len(unconvertible)} it cannot convert:")
    for path, rule_id, reason in unconvertible:
        print(f"  {rule_id} {path}: {reason}")
    failures = 0
    total_matches = 0
    for fixture in fixtures:
        db = load_events(auditree, fixture)
        ours = auditree_pairs(auditree, sigma_dir, fixture)
        theirs = set()
        for rule_id, (path, query) in queries.items():
            for (event,) in db.execute(query.replace("SELECT *", "SELECT event", 1)):
                theirs.add((rule_id, event))
        # Pairs of rules pySigma cannot convert have nothing to compare with.
        ours_comparable = {pair for pair in ours if pair[0] in queries}
        total_matches += len(theirs)
        for rule_id in sorted({pair[0] for pair in ours_comparable ^ theirs}):
            only_ours = sorted(e for r, e in ours_comparable - theirs if r == rule_id)
            only_sql = sorted(e for r, e in theirs - ours_comparable if r == rule_id)
            failures += 1
            print(f"DIFFER {fixture}: rule {rule_id} ({queries[rule_id][0]}): only auditree {only_ours[:5]}, only SQL {only_sql[:5]}")
        events = db.execute("SELECT count(*) FROM logs").fetchone()[0]
        print(f"{fixture}: {events} exec(s), {len(theirs)} SQL match(es), {len(ours_comparable)} auditree match(es)")
    print(f"{'FAIL' if failures else 'ok'}: {len(fixtures)} fixture(s), {len(queries)} rule(s), {total_matches} match(es), {failures} disagreement(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
