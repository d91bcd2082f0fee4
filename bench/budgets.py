#!/usr/bin/env python3
"""Instruction, allocation and retain budgets per record (docs/performance.md, "Budgets").

Runs the release binary under `valgrind --tool=callgrind` on fixed inputs (every recorded
fixture and a log made by bench/generate-log.py, which is deterministic) and compares what it
counts with the checked-in budgets in bench/budgets.tsv. Instruction counts under callgrind do
not depend on the machine's load, so this can run in the test command.

Per input, from one `scan --threads 1 --format json` run:
  instructions, allocations, retains  per record (line) of the input, after taking away what a
      run on an empty log costs (start-up: the runtime, the rule pack, the report);
  parser, assembler, tree, rules      instructions per record, from callgrind's inclusive cost of
      each stage's entry point, each without the stages it calls;
  report                              instructions per record spent writing the report.
And once, `startup`: the same three counts for the run on the empty log, per run.

allocations: calls to malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign.
retains:     calls to swift_retain and swift_retain_n.

  bench/budgets.py check BINARY [--budgets bench/budgets.tsv] [--margin 5]
  bench/budgets.py update BINARY        (rewrites the budget file from this run)
  bench/budgets.py show BINARY          (prints the measurements only)

BINARY is a release build; a copy without its debug info is run (valgrind cannot read the
Swift DWARF). Exit status: 0 within budget, 1 over budget, 2 usage or tool errors.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BUDGETS = os.path.join(ROOT, "bench", "budgets.tsv")
GENERATED = ("generated-enriched-3M", ["--size", "3M", "--format", "enriched"])
ALLOCATORS = {"malloc", "calloc", "realloc", "aligned_alloc", "posix_memalign", "memalign"}
RETAINS = {"swift_retain", "swift_retain_n"}
# Each stage's entry points (demangled, simplified names), and the entry points of the stages it
# calls, whose inclusive cost is taken away from its own.
STAGES = collections.OrderedDict([
    ("parser", ([r"RecordParser\.parse\(_:lineNumber:truncated:limit:\)"], [])),
    ("assembler", ([r"EventAssembler\.(add|flush|cut)\("], [r"ProcessTree\.ingest\("])),
    ("tree", ([r"ProcessTree\.(ingest|finish)\("], [r"RuleEvaluator\.evaluate\(_:in:\)"])),
    ("rules", ([r"RuleEvaluator\.evaluate\(_:in:\)"], [])),
    ("report", ([r"ReportDelivery\.deliver\(_:baseline:failOn:\)"], [])),
])
METRICS = ["instructions", "allocations", "retains"] + list(STAGES)
UPDATE_HINT = ("If the change is deliberate (a feature that costs, or a better figure to keep), "
               "rerun `scripts/check-budgets.sh --update`, review the diff of bench/budgets.tsv "
               "and say why in the commit message (docs/performance.md, \"Budgets\").")


def run_callgrind(binary, log, workdir, name):
    """One scan under callgrind; returns the path of its output file."""
    out = os.path.join(workdir, name + ".callgrind")
    env = {"PATH": "/usr/bin:/bin", "SWIFT_DETERMINISTIC_HASHING": "1", "TZ": "UTC", "LC_ALL": "C"}
    # The input under a fixed relative name, so no path of this machine reaches the report.
    local = "input.log"
    if os.path.lexists(os.path.join(workdir, local)):
        os.remove(os.path.join(workdir, local))
    shutil.copyfile(log, os.path.join(workdir, local))
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
               "--compress-strings=no", "--compress-pos=no",
               binary, "scan", "--threads", "1", "--format", "json", "--quiet", local]
    with open(os.path.join(workdir, name + ".json"), "wb") as report, \
            open(os.path.join(workdir, name + ".stderr"), "wb") as errors:
        status = subprocess.run(command, cwd=workdir, env=env, stdout=report, stderr=errors).returncode
    # Findings give 1; a damaged fixture may give 2 or 3. Only valgrind failing to run is fatal.
    if not os.path.exists(out):
        sys.exit("budgets: callgrind produced nothing for %s (exit %d): see %s" % (name, status, errors.name))
    return out


def parse_callgrind(path):
    """Self cost per function, call costs per (caller, callee), call counts per callee."""
    self_cost = collections.Counter()
    call_cost = collections.Counter()
    call_count = collections.Counter()
    total = None
    function = None
    callee = None
    pending_call = None
    with open(path, "r", errors="replace") as f:
        for line in f:
            if line[0].isdigit() or line[0] in "+-*":
                fields = line.split()
                cost = int(fields[1]) if len(fields) > 1 else 0
                if pending_call is not None:
                    call_cost[(function, callee)] += cost
                    call_count[callee] += pending_call
                    pending_call = None
                else:
                    self_cost[function] += cost
            elif line.startswith("fn="):
                function = line[3:].rstrip("\n")
            elif line.startswith("cfn="):
                callee = line[4:].rstrip("\n")
            elif line.startswith("calls="):
                pending_call = int(line[6:].split()[0])
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return total, self_cost, call_cost, call_count


def demangle(names):
    """Swift names demangled (simplified, no module names); others unchanged."""
    names = sorted(names)
    swift = [n for n in names if n.startswith("$s") or n.startswith("_$s")]
    table = {n: n for n in names}
    if swift:
        output = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(swift) + "\n",
                                capture_output=True, text=True, check=True).stdout.split("\n")
        for name, plain in zip(swift, output):
            table[name] = plain
    return table


def measure(path):
    total, self_cost, call_cost, call_count = parse_callgrind(path)
    functions = set(self_cost) | {callee for _, callee in call_cost}
    names = demangle(functions)
    inclusive = collections.Counter()
    for function, cost in self_cost.items():
        inclusive[function] += cost
    for (caller, callee), cost in call_cost.items():
        if caller != callee:  # direct recursion would count twice
            inclusive[caller] += cost
    counts = {"instructions": total,
              "allocations": sum(n for f, n in call_count.items() if f in ALLOCATORS),
              "retains": sum(n for f, n in call_count.items() if f in RETAINS)}
    def matching(patterns):
        matcher = re.compile("|".join(r"(^|[ .])" + p for p in patterns))
        return {f for f in functions
                if matcher.search(names[f]) and not names[f].startswith(("closure", "partial apply", "outlined"))}

    def cost(entry):
        # An entry point called from another one of the same set counts once.
        return sum(inclusive[f] for f in entry) - sum(
            c for (caller, callee), c in call_cost.items() if caller in entry and callee in entry and caller != callee)

    entries = {}
    for stage, (patterns, nested) in STAGES.items():
        entries[stage] = matching(patterns)
        counts[stage] = cost(entries[stage]) - (cost(matching(nested)) if nested else 0)
    return counts, entries


def lines_in(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def inputs(workdir):
    """The fixed inputs: every recorded fixture, and the generated log."""
    found = []
    recorded = os.path.join(ROOT, "fixtures", "recorded")
    for name in sorted(os.listdir(recorded)):
        if name.endswith(".log"):
            found.append((name[:-4], os.path.join(recorded, name)))
    generated = os.path.join(workdir, GENERATED[0] + ".log")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate-log.py"), *GENERATED[1], "--out", generated],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    found.append((GENERATED[0], generated))
    return found


def measure_all(binary, keep=None):
    workdir = keep or tempfile.mkdtemp(prefix="auditree-budgets.")
    os.makedirs(workdir, exist_ok=True)
    try:
        stripped = os.path.join(workdir, "auditree")
        shutil.copyfile(binary, stripped)
        os.chmod(stripped, 0o755)
        subprocess.run(["strip", "--strip-debug", stripped], check=True)
        empty = os.path.join(workdir, "empty.log")
        open(empty, "wb").close()
        startup, _ = measure(run_callgrind(stripped, empty, workdir, "startup"))
        rows = collections.OrderedDict()
        rows[("startup", "instructions")] = startup["instructions"]
        rows[("startup", "allocations")] = startup["allocations"]
        rows[("startup", "retains")] = startup["retains"]
        for name, log in inputs(workdir):
            records = lines_in(log)
            counts, entries = measure(run_callgrind(stripped, log, workdir, name))
            for stage in STAGES:
                if not entries[stage]:
                    sys.exit("budgets: no function of stage %s (%s) in the profile of %s: the entry points in "
                             "bench/budgets.py need updating" % (stage, STAGES[stage][0], name))
            for metric in METRICS:
                value = counts[metric] - startup[metric] if metric in startup else counts[metric]
                rows[(name, metric)] = value / records
        return rows
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def read_budgets(path):
    budgets = collections.OrderedDict()
    margin = None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.startswith("# margin:"):
                margin = float(line.split(":", 1)[1].strip().rstrip("%"))
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                sys.exit("%s:%d: error: expected input<TAB>metric<TAB>budget" % (path, number))
            budgets[(fields[0], fields[1])] = float(fields[2])
    return budgets, margin


def write_budgets(path, rows, margin):
    with open(path, "w") as f:
        f.write("# Budgets of bench/budgets.py (docs/performance.md, \"Budgets\"): what a `scan --threads 1\n"
                "# --format json` of each input may cost, under callgrind, on the release binary.\n"
                "# startup: per run on an empty log. Every other row: per record (line) of the input, after\n"
                "# taking away the startup run's cost; parser..report are instructions per record by stage.\n"
                "# The check fails when a measurement exceeds its budget by more than the margin.\n"
                "# Written by `scripts/check-budgets.sh --update`: review the diff and say why in the commit.\n")
        f.write("# margin: %g%%\n" % margin)
        f.write("# input\tmetric\tbudget\n")
        for (name, metric), value in rows.items():
            f.write("%s\t%s\t%s\n" % (name, metric, format_value(value)))


def format_value(value):
    return "%d" % round(value) if abs(value) >= 100 else "%.2f" % value


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["check", "update", "show"])
    p.add_argument("binary")
    p.add_argument("--budgets", default=DEFAULT_BUDGETS)
    p.add_argument("--margin", type=float, help="percent over budget that still passes (default: the file's, else 5)")
    p.add_argument("--keep", help="keep the callgrind files and reports in this folder")
    a = p.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("budgets: valgrind is not installed (Debian: valgrind; scripts/install-deps.sh installs it)")

    rows = measure_all(os.path.abspath(a.binary), a.keep)
    budgets, file_margin = read_budgets(a.budgets) if os.path.exists(a.budgets) else ({}, None)
    margin = a.margin if a.margin is not None else (file_margin if file_margin is not None else 5.0)
    if a.mode == "update":
        write_budgets(a.budgets, rows, margin)
        print("budgets: wrote %d budgets to %s" % (len(rows), os.path.relpath(a.budgets, ROOT)))
        return 0

    over, missing = [], []
    print("%-32s %-13s %14s %14s %8s" % ("input", "metric", "measured", "budget", "change"))
    for key, value in rows.items():
        budget = budgets.get(key)
        if budget is None:
            missing.append(key)
            print("%-32s %-13s %14s %14s %8s" % (key[0], key[1], format_value(value), "-", "-"))
            continue
        change = (value - budget) / budget * 100 if budget else (0.0 if value == 0 else float("inf"))
        print("%-32s %-13s %14s %14s %+7.1f%%" % (key[0], key[1], format_value(value), format_value(budget), change))
        # A budget of 0 allows the margin of one unit: counts per record are never exactly 0 otherwise.
        if value > budget * (1 + margin / 100) + (0 if budget else 0.01):
            over.append((key, value, budget, change))
    if a.mode == "show":
        return 0
    stale = [key for key in budgets if key not in rows]
    status = 0
    for (name, metric), value, budget, change in over:
        unit = "per run" if name == "startup" else "per record"
        print("budgets: error: %s, %s: %s %s, budget %s (+%.1f %%, margin %g %%)"
              % (name, metric, format_value(value), unit, format_value(budget), change, margin), file=sys.stderr)
        status = 1
    for name, metric in missing:
        print("budgets: error: %s, %s: no budget in %s" % (name, metric, os.path.relpath(a.budgets, ROOT)), file=sys.stderr)
        status = 1
    for name, metric in stale:
        print("budgets: error: %s, %s: budget for an input or metric no longer measured" % (name, metric), file=sys.stderr)
        status = 1
    if status:
        print("budgets: FAILED. " + UPDATE_HINT, file=sys.stderr)
    else:
        print("budgets: passed (%d budgets, margin %g %%)" % (len(rows), margin))
    return status


if __name__ == "__main__":
    sys.exit(main())
