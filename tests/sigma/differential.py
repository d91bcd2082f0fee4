#!/usr/bin/env python3
"""Differential test: auditree's Sigma findings against pySigma's SQLite backend.

For every recorded fixture, the `auditree events` export (Sysmon for Linux field names under
auditree.sigma) is loaded into an SQLite table whose text columns compare as SQLite's NOCASE
(as Zircolite's do, which the backend expects). Every process_creation rule is converted to SQL
by pySigma and run on it; auditree's (rule id, exec) pairs from `scan --no-default-rules --sigma`
must equal the SQL results, rule by rule. Rules pySigma cannot convert are listed, not skipped
silently. Exit 0 when every rule agrees on every fixture, 1 otherwise, 77 when the rules are absent.

`service: auditd` rules run per event over the event's raw records (docs/sigma.md). Here the
records are read from the fixture by this script (its own reading of the record format: quotes
off, hex-encoded values decoded, msg='...' fields inside user-space records, SYSCALL/ARCH named
by `ausyscall` on RAW logs), one row per record with every field as a column and `fulltext` (the
values joined by 0x1f, for keyword searches). Each search of a rule is converted alone and run;
the searches that hold on some record of an event are combined by the rule's condition
(evaluated here), and auditree's (rule id, event) pairs must equal the result, rule by rule.

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
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import FieldMappingTransformation

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


def auditree_pairs(auditree, sigma_dir, fixture, category="sigma/process_creation"):
    out = subprocess.run([auditree, "scan", "--no-default-rules", "--sigma", sigma_dir, "--no-group", "--format", "json", "--quiet", fixture],
                         capture_output=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{fixture}: auditree scan failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    pairs = set()
    for finding in json.loads(out.stdout)["findings"]:
        if finding["category"] == category:
            pairs.add((finding["rule"], f'{finding["location"]["file"]}:{finding["location"]["line"]}'))
    return pairs


AUDITD_ENCODED = {"name", "comm", "exe", "cwd", "proctitle", "key", "data", "cmd", "acct", "path"}
ARCHES = {0xC000003E: "x86_64", 0x40000003: "i386", 0xC00000B7: "aarch64", 0x40000028: "arm", 0x80000016: "s390x", 0x80000015: "ppc64"}
_syscall_names = {}


def syscall_name(arch, number):
    machine = ARCHES.get(arch)
    if machine is None:
        return None
    if (machine, number) not in _syscall_names:
        out = subprocess.run(["ausyscall", machine, str(number)], capture_output=True, text=True, check=False)
        _syscall_names[(machine, number)] = out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None
    return _syscall_names[(machine, number)]


def tokens(text):
    """key=value pairs: a value is "quoted", 'quoted' or runs to a space or 0x1d."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in b" \x1d":
            i += 1
            continue
        start = i
        while i < n and text[i] not in b"= \x1d":
            i += 1
        if i >= n or text[i] != ord("="):
            continue
        key = text[start:i].decode("utf-8", "replace")
        i += 1
        if i < n and text[i] in b"\"'":
            quote = text[i]
            end = text.find(bytes([quote]), i + 1)
            end = n if end < 0 else end
            yield key, text[i + 1:end], quote
            i = end + 1
        else:
            start = i
            while i < n and text[i] not in b" \x1d":
                i += 1
            yield key, text[start:i], 0


def decoded(key, value, quote, execve):
    encoded = key in AUDITD_ENCODED or (execve and re.fullmatch(r"a\d+(\[\d+\])?", key))
    if quote == 0 and encoded and value and len(value) % 2 == 0 and re.fullmatch(rb"[0-9A-F]+", value):
        value = bytes.fromhex(value.decode())
    if key == "proctitle":
        value = value.replace(b"\0", b" ")
    return value.decode("utf-8", "replace")


def audit_records(fixture):
    """(event key, line number, record type, {field: value}) for every record of the fixture."""
    for number, line in enumerate(open(fixture, "rb").read().split(b"\n"), start=1):
        m = re.match(rb"(?:node=(\S+) )?type=(\S+) msg=audit\(([^)]*)\):", line)
        if not m:
            continue
        node, rtype = m.group(1), m.group(2).decode()
        fields = {}
        if node is not None:
            fields["node"] = node.decode("utf-8", "replace")
        fields["type"] = rtype
        execve = rtype == "EXECVE"
        for key, value, quote in tokens(line[m.end():]):
            if key == "msg" and quote == ord("'"):
                fields.setdefault("msg", value.decode("utf-8", "replace"))
                for inner_key, inner_value, inner_quote in tokens(value):
                    fields.setdefault(inner_key, decoded(inner_key, inner_value, inner_quote, False))
                continue
            fields.setdefault(key, decoded(key, value, quote, execve))
        if rtype == "SYSCALL" and "SYSCALL" not in fields and "arch" in fields and fields.get("syscall", "").isdigit():
            name = syscall_name(int(fields["arch"], 16), int(fields["syscall"]))
            if name:
                fields["SYSCALL"] = name
                fields["ARCH"] = ARCHES[int(fields["arch"], 16)]
        yield (node, m.group(3)), number, rtype, fields


def column(field):
    return "f" + field.encode().hex()


def auditd_rules(folder, not_run):
    found = []
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith((".yml", ".yaml")):
                continue
            path = os.path.join(root, name)
            try:
                doc = yaml.safe_load(open(path, encoding="utf-8").read())
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and (doc.get("logsource") or {}).get("service") == "auditd" and os.path.normpath(path) not in not_run:
                found.append((path, doc))
    return sorted(found, key=lambda item: item[0])


def condition_holds(condition, holding, names):
    """Evaluates a Sigma condition (and/or/not, parentheses, 1 of/all of X*/them) over the set of searches that hold."""
    items = re.findall(r"\(|\)|[^\s()]+", condition)
    position = 0

    def matching(target):
        if target == "them":
            return [n for n in names if not n.startswith("_")]
        pattern = re.compile("^" + re.escape(target).replace("\\*", ".*") + "$")
        return [n for n in names if pattern.match(n)]

    def primary():
        nonlocal position
        token = items[position]
        position += 1
        if token == "(":
            value = disjunction()
            position += 1
            return value
        if token.lower() in ("1", "all") and position < len(items) and items[position].lower() == "of":
            position += 2
            selected = matching(items[position - 1])
            return any(n in holding for n in selected) if token == "1" else all(n in holding for n in selected)
        return token in holding

    def negation():
        nonlocal position
        if items[position].lower() == "not":
            position += 1
            return not negation()
        return primary()

    def conjunction():
        nonlocal position
        value = negation()
        while position < len(items) and items[position].lower() == "and":
            position += 1
            value = negation() and value
        return value

    def disjunction():
        nonlocal position
        value = conjunction()
        while position < len(items) and items[position].lower() == "or":
            position += 1
            value = conjunction() or value
        return value

    return disjunction()


def auditd_queries(rules):
    """Per rule: (path, condition, {search: SQL}), or the reason pySigma cannot convert a search."""
    fields = set()
    for _, doc in rules:
        for search in (doc["detection"] or {}).values():
            for item in (search if isinstance(search, list) else [search]):
                if isinstance(item, dict):
                    fields.update(key.split("|")[0] for key in item)
    mapping = {field: column(field) for field in fields if field}
    pipeline = ProcessingPipeline(items=[ProcessingItem(transformation=FieldMappingTransformation(mapping))])
    backend = sqliteBackend(processing_pipeline=pipeline, fulltext_field="fulltext")
    queries, unconvertible = {}, []
    for path, doc in rules:
        searches = {}
        try:
            for name, search in doc["detection"].items():
                if name in ("condition", "timeframe"):
                    continue
                one = dict(doc)
                one["detection"] = {name: search, "condition": name}
                searches[name] = backend.convert(SigmaCollection.from_yaml(yaml.safe_dump(one)))[0].replace("SELECT *", "SELECT event", 1)
        except Exception as error:  # listed below, never skipped silently
            unconvertible.append((path, doc["id"], f"{type(error).__name__}: {error}"))
            continue
        condition = doc["detection"]["condition"]
        queries[doc["id"]] = (path, condition if isinstance(condition, str) else condition[0], searches)
    return queries, unconvertible, sorted(set(mapping.values()))


def auditd_expected(fixture, queries, columns):
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, regexp)
    db.execute(f'CREATE TABLE logs (event TEXT, fulltext TEXT COLLATE NOCASE, {", ".join(f"{c} TEXT COLLATE NOCASE" for c in columns)})')
    locations = {}
    for key, number, rtype, fields in audit_records(fixture):
        # auditree places an event at its SYSCALL record, else at its first record.
        event = f"{key[0]}|{key[1]}"
        if event not in locations or rtype == "SYSCALL":
            locations.setdefault(event, number)
            if rtype == "SYSCALL":
                locations[event] = number
        row = {column(name): value for name, value in fields.items() if column(name) in columns}
        names = ["event", "fulltext"] + list(row)
        db.execute(f'INSERT INTO logs ({", ".join(names)}) VALUES ({", ".join("?" for _ in names)})',
                   [event, "\x1f".join(fields.values())] + list(row.values()))
    expected = set()
    for rule_id, (path, condition, searches) in queries.items():
        holding = {}
        for name, query in searches.items():
            for (event,) in db.execute(query):
                holding.setdefault(event, set()).add(name)
        for event, names in holding.items():
            if condition_holds(condition, names, list(searches)):
                expected.add((rule_id, f"{fixture}:{locations[event]}"))
    return expected


def auditree_not_run(auditree, sigma_dir):
    """The rule files auditree does not run, as `rules check` lists them."""
    out = subprocess.run([auditree, "rules", "check", "--no-default-rules", "--sigma", sigma_dir], capture_output=True, check=False)
    if out.returncode not in (0, 2):
        raise SystemExit(f"auditree rules check failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    listed = set()
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        m = re.match(r"  (.+?): (not run|error):", line)
        if m:
            listed.add(os.path.normpath(m.group(1)))
    return listed


def auditd_main(auditree, sigma_dir, fixtures):
    rules = auditd_rules(sigma_dir, auditree_not_run(auditree, sigma_dir))
    queries, unconvertible, columns = auditd_queries(rules)
    print(f"auditd: auditree runs {len(rules)} service: auditd rule(s); pySigma converted {len(queries)}; {len(unconvertible)} it cannot convert:")
    for path, rule_id, reason in unconvertible:
        print(f"  {rule_id} {path}: {reason}")
    failures = total = 0
    for fixture in fixtures:
        expected = auditd_expected(fixture, queries, columns)
        ours = {pair for pair in auditree_pairs(auditree, sigma_dir, fixture, "sigma/auditd") if pair[0] in queries}
        total += len(expected)
        for rule_id in sorted({pair[0] for pair in ours ^ expected}):
            failures += 1
            only_ours = sorted(e for r, e in ours - expected if r == rule_id)
            only_sql = sorted(e for r, e in expected - ours if r == rule_id)
            print(f"DIFFER {fixture}: auditd rule {rule_id} ({queries[rule_id][0]}): only auditree {only_ours[:5]}, only SQL {only_sql[:5]}")
        print(f"{fixture}: {len(expected)} SQL auditd match(es), {len(ours)} auditree match(es)")
    print(f"{'FAIL' if failures else 'ok'}: auditd: {len(fixtures)} fixture(s), {len(queries)} rule(s), {total} match(es), {failures} disagreement(s)")
    return failures


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
    failures += auditd_main(auditree, sigma_dir, fixtures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
