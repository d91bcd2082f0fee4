#!/usr/bin/env python3
"""Checks a JSON report (auditree scan --format json) against a recorded fixture's
expected.tsv, as RecordedFixtureTests does: each `finding` marker is flagged exactly once
with its rule, spawner exe and shell exe; no `none` marker is flagged; no other finding.

usage: check_scan.py REPORT.json FIXTURE.expected.tsv
Prints one line per problem and exits 1 if there is any; prints a count and exits 0 if none.
"""
import json
import re
import sys


def has_token(text, marker):
    """marker stands in text as a whole token (tp-php must not match tp-phpfpm)."""
    return re.search(r"(?<![0-9A-Za-z-])" + re.escape(marker) + r"(?![0-9A-Za-z-])", text) is not None


def argv_has(image, marker):
    return image is not None and any(has_token(argument, marker) for argument in image.get("argv") or [])


def main():
    report = json.load(open(sys.argv[1]))
    findings = report["findings"]
    problems = []
    expected_findings = 0
    for line in open(sys.argv[2]):
        if line.startswith("#") or not line.strip():
            continue
        kind, rule, spawner, shell, marker = line.rstrip("\n").split("\t")[:5]
        hits = [f for f in findings if argv_has(f.get("process"), marker)]
        if kind == "finding":
            expected_findings += 1
            if len(hits) != 1:
                problems.append(f"{marker}: flagged {len(hits)} times, expected once")
                continue
            got = (hits[0]["rule"], hits[0]["spawner"].get("exe"), hits[0]["process"].get("exe"))
            if got != (rule, spawner, shell):
                problems.append(f"{marker}: got {got}, expected {(rule, spawner, shell)}")
        else:
            spawned = [f for f in findings if argv_has(f.get("spawner"), marker)]
            if hits or spawned:
                problems.append(f"{marker}: look-alike flagged")
    if len(findings) != expected_findings:
        problems.append(f"{len(findings)} findings, expected {expected_findings}")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(findings)} findings as expected")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
