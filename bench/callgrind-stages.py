#!/usr/bin/env python3
"""Instruction counts per stage of one callgrind run of `auditree scan`.

  bench/callgrind-stages.py callgrind.out [--json]

Reads `callgrind_annotate --inclusive=yes` (names demangled with swift-demangle) and prints
the inclusive cost of each stage's main function. Stages nest as the pipeline calls them:
the assembler delivers events to the tree, and the tree runs the rules on each exec, so
`assembler` includes `tree`, which includes `rules`; `assembler_self` and `tree_self` are
the differences. `report` is what runs after the last line (events still open, grouping
the findings, writing the report); `setup` parses the arguments (ArgumentParser, or
PlainScanArguments for the common scan lines) and loads the rule pack.
"""
import json, re, shutil, subprocess, sys

# stage: names of the functions whose inclusive costs are added (a name missing from a
# binary, because the compiler inlined it or it did not exist yet, counts as 0)
STAGES = {
    "parser": ["RecordParser.parse(_:lineNumber:)", "RecordParser.parse(_:lineNumber:truncated:limit:into:)"],
    "assembler": ["EventAssembler.add(_:file:origin:emit:)", "EventAssembler.add(_:file:origin:emit:update:)", "EventAssembler.add(_:file:emit:)",
                  "EventAssembler.add(_:emit:)", "EventAssembler.add(taking:file:origin:emit:)",
                  "EventAssembler.add(taking:file:origin:emit:update:)", "EventAssembler.flush(emit:)"],
    "tree": ["ProcessTree.ingest(_:)"],
    "rules": ["RuleEvaluator.evaluate(_:in:)"],
    "report": ["ScanState.finish()", "ReportDelivery.deliver(_:baseline:failOn:)",
               "OutputFormat.render(_:color:quiet:)"],
    "setup": ["static ParsableCommand.parseAsRoot(_:)", "static PlainScanArguments.request(for:subcommands:)",
              "static RuleSet.load(files:includeBuiltIn:sigma:)", "static RuleSet.load(files:includeBuiltIn:)"],
}
# Overloads whose simplified names are equal: ProcessTree.ingest of an AuditEvent and of a TreeUpdate.
OVERLOADS = {"ProcessTree.ingest(_:)"}
LINE = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+(?:\*\s+)?\S*?:(.*) \[(.*)\]$")

def costs(path):
    demangle = shutil.which("swift-demangle") or "/opt/swift/usr/bin/swift-demangle"
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                               capture_output=True, check=True).stdout
    text = subprocess.run([demangle, "--simplified"], input=annotated, capture_output=True, check=True).stdout.decode()
    total, by_name = 0, {}
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if not m:
            continue
        raw = m.group(2)
        name = re.sub(r"^(specialized |merged )+", "", raw)
        cost = int(m.group(1).replace(",", ""))
        if name in OVERLOADS and raw == name:
            # Overloads that share a demangled name and never call one another: both count.
            by_name[name] = by_name.get(name, 0) + cost
            continue
        # One function may appear as several copies (specialized, merged): the largest counts,
        # as the copies call one another in some builds.
        by_name[name] = max(by_name.get(name, 0), cost)
    return total, by_name

def main():
    total, by_name = costs(sys.argv[1])
    result = {"total": total}
    for stage, names in STAGES.items():
        found = [by_name[n] for n in names if n in by_name]
        result[stage] = sum(found) if found else None
        # OutputFormat.render runs inside ReportDelivery.deliver where that exists
    if "ReportDelivery.deliver(_:baseline:failOn:)" in by_name:
        result["report"] = by_name.get("ScanState.finish()", 0) + by_name["ReportDelivery.deliver(_:baseline:failOn:)"]
    if result["assembler"] is not None and result["tree"] is not None:
        result["assembler_self"] = result["assembler"] - result["tree"]
    if result["tree"] is not None and result["rules"] is not None:
        result["tree_self"] = result["tree"] - result["rules"]
    if "--json" in sys.argv:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}\t{value if value is not None else '-'}")

main()
