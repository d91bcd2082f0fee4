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
Swift DWARF). Exit status: 0 within budget, 1 over budget or when a tool fails, 2 usage errors.
"""
import argparse
import collections
import concurrent.futures
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
# Each stage: its entry points (demangled, simplified names, without module names), and the entry
# points of the stage it calls, whose cost is taken away from its own. A stage's cost is what the
# calls into its entry points from outside them cost, callees included (callgrind's inclusive
# cost per call). The tree's evaluations at the end of the input come through releaseReady.
STAGES = collections.OrderedDict([
    ("parser", ([r"RecordParser\.parse\(_:lineNumber:"], [])),
    ("assembler", ([r"EventAssembler\.(add|flush|cut)\("], [r"ProcessTree\.ingest\("])),
    # learn and advance: what ingest of an AuditEvent and of a TreeUpdate share, releaseReady included.
    ("tree", ([r"ProcessTree\.(ingest|finish|releaseReady|learn|advance)(<A>)?\("], [r"RuleEvaluator\.evaluate\(_:in:\)"])),
    ("rules", ([r"RuleEvaluator\.evaluate\(_:in:\)"], [])),
    ("report", ([r"ReportDelivery\.deliver\("], [])),
])
METRICS = ["instructions", "allocations", "retains"] + list(STAGES)
UPDATE_HINT = ("If the change is deliberate (a feature that costs, or a better figure to keep), "
               "rerun `scripts/check-budgets.sh --update`, review the diff of bench/budgets.tsv "
               "and say why in the commit message (docs/performance.md, \"Budgets\").")


def run_callgrind(binary, log, workdir, name, extra=()):
    """One scan under callgrind (`extra`: more arguments, relative to `workdir`); returns the path
    of its output file."""
    out = os.path.join(workdir, name + ".callgrind")
    env = {"PATH": "/usr/bin:/bin", "SWIFT_DETERMINISTIC_HASHING": "1", "TZ": "UTC", "LC_ALL": "C"}
    # The input under a fixed relative name, so no path of this machine reaches the report.
    local = "input.log"
    if os.path.lexists(os.path.join(workdir, local)):
        os.remove(os.path.join(workdir, local))
    shutil.copyfile(log, os.path.join(workdir, local))
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
               "--compress-strings=no", "--compress-pos=no",
               binary, "scan", "--threads", "1", "--format", "json", "--quiet", *extra, local]
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
    counts = {"instructions": total,
              "allocations": sum(n for f, n in call_count.items() if f in ALLOCATORS),
              "retains": sum(n for f, n in call_count.items() if f in RETAINS)}
    def matching(patterns):
        matcher = re.compile("|".join(r"(^|[ .])" + p for p in patterns))
        return {f for f in functions
                if matcher.search(names[f]) and not names[f].startswith(("closure", "partial apply", "outlined"))}

    def cost(entry):
        return sum(c for (caller, callee), c in call_cost.items() if callee in entry and caller not in entry)

    entries = {}
    for stage, (patterns, nested) in STAGES.items():
        entries[stage] = matching(patterns)
        counts[stage] = cost(entries[stage]) - (cost(matching(nested)) if nested else 0)
    return counts, entries


def lines_in(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


# The generated log again, with SIGMA_AUDITD_RULES Sigma `service: auditd` rules written by
# write_auditd_rules (of SigmaHQ's shapes: EXECVE arguments, PATH names, SYSCALL names and
# executables, fields of any record, keywords, user-space records): their per-record cost, so
# that testing every rule on every record (what it cost before the rules were compiled per
# record type, 40-80x the scan) cannot come back unseen.
SIGMA_AUDITD = "sigma-auditd-3M"
SIGMA_AUDITD_RULES = 48


def write_auditd_rules(folder):
    """SIGMA_AUDITD_RULES auditd rules in `folder`, deterministic."""
    os.makedirs(folder, exist_ok=True)
    detections = []
    for i in range(16):
        detections.append("sel:\n    type: EXECVE\n    a0: tool%d\n    a1|contains: '-x%d'\ncondition: sel" % (i, i))
    for i in range(8):
        detections.append("sel:\n    type: PATH\n    name:\n        - /etc/conf%d\n        - /var/run/d%d.pid\n"
                          "    nametype: CREATE\ncondition: sel" % (i, i))
    for i in range(8):
        detections.append("sel:\n    type: SYSCALL\n    exe|endswith: /bin/t%d\n    SYSCALL: connect\n"
                          "filter:\n    comm: ok%d\ncondition: sel and not filter" % (i, i))
    for i in range(4):
        detections.append("\n".join("a%d:\n    a%d|startswith: '--opt%d'" % (n, n, i) for n in range(1, 8))
                          + "\ncondition: 1 of a*")
    for i in range(4):
        detections.append("sel:\n    type: EXECVE\nkw:\n    - 'word%d'\n    - 'other%d'\ncondition: sel and kw" % (i, i))
    for i in range(4):
        detections.append("sel:\n    type: EXECVE\n    '|all':\n        - 'grep%d'\n        - 'secret%d'\ncondition: sel" % (i, i))
    for i in range(4):
        detections.append("sel:\n    type: SERVICE_STOP\n    unit: unit%d\ncondition: sel" % i)
    assert len(detections) == SIGMA_AUDITD_RULES
    for number, detection in enumerate(detections):
        body = "\n".join("    " + line for line in detection.split("\n"))
        with open(os.path.join(folder, "rule%02d.yml" % number), "w") as f:
            f.write("title: budget rule %d\nid: 0b0d9e70-0000-4000-8000-%012d\n"
                    "logsource:\n    product: linux\n    service: auditd\ndetection:\n%s\nlevel: low\n"
                    % (number, number, body))


def inputs(workdir):
    """The fixed inputs: every recorded fixture, and the generated log."""
    found = []
    recorded = os.path.join(ROOT, "fixtures", "recorded")
    for name in sorted(os.listdir(recorded)):
        if name.endswith(".log"):
            found.append((name[:-4], os.path.join(recorded, name)))
    generated = os.path.join(workdir, GENERATED[0] + ".log")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate-log.py"), *GENERATED[1], "--out", generated],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found.append((GENERATED[0], generated))
    return found


def measure_all(binary, keep=None, jobs=None):
    workdir = keep or tempfile.mkdtemp(prefix="auditree-budgets.")
    os.makedirs(workdir, exist_ok=True)
    try:
        stripped = os.path.join(workdir, "auditree")
        shutil.copyfile(binary, stripped)
        os.chmod(stripped, 0o755)
        subprocess.run(["strip", "--strip-debug", stripped], check=True)
        empty = os.path.join(workdir, "empty.log")
        open(empty, "wb").close()
        runs = [("startup", empty)] + inputs(workdir)
        runs.append((SIGMA_AUDITD, dict(runs)[GENERATED[0]]))

        def one(run):
            name, log = run
            # Each run in its own folder: the input goes there under one fixed name.
            folder = os.path.join(workdir, name)
            os.makedirs(folder, exist_ok=True)
            extra = ()
            if name == SIGMA_AUDITD:
                write_auditd_rules(os.path.join(folder, "rules"))
                extra = ("--sigma", "rules")
            return measure(run_callgrind(stripped, log, folder, name, extra))

        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            results = dict(zip([name for name, _ in runs], pool.map(one, runs)))
        startup = results["startup"][0]
        rows = collections.OrderedDict()
        for metric in ["instructions", "allocations", "retains"]:
            rows[("startup", metric)] = startup[metric]
        for name, log in runs[1:]:
            records = lines_in(log)
            counts, entries = results[name]
            for stage in STAGES:
                if not entries[stage]:
                    sys.exit("budgets: no function of stage %s (%s) in the profile of %s: the entry points in "
                             "bench/budgets.py need updating" % (stage, STAGES[stage][0], name))
            for metric in METRICS:
                rows[(name, metric)] = (counts[metric] - startup[metric]) / records
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
                "# The check fails when a measurement exceeds its budget by more than the margin (and, per\n"
                "# record, by more than 1 instruction or 0.01 allocations or retains: a run's jitter).\n"
                "# Written by `scripts/check-budgets.sh --update`: review the diff and say why in the commit.\n")
        f.write("# margin: %g%%\n" % margin)
        f.write("# input\tmetric\tbudget\n")
        for (name, metric), value in rows.items():
            f.write("%s\t%s\t%s\n" % (name, metric, format_value(value)))


def format_value(value):
    return "%d" % round(value) if abs(value) >= 100000 or float(value).is_integer() else "%.2f" % value


def slack(metric):
    """What a count per record may exceed its budget by besides the margin: a run's few hundred
    instructions of jitter (the clock read for the report) spread over a small input's records."""
    return 0.01 if metric in ("allocations", "retains") else 1.0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["check", "update", "show"])
    p.add_argument("binary")
    p.add_argument("--budgets", default=DEFAULT_BUDGETS)
    p.add_argument("--margin", type=float, help="percent over budget that still passes (default: the file's, else 5)")
    p.add_argument("--keep", help="keep the callgrind files and reports in this folder")
    p.add_argument("--jobs", type=int, help="callgrind runs at once (default: the number of CPUs)")
    a = p.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("budgets: valgrind is not installed (Debian: valgrind; scripts/install-deps.sh installs it)")

    rows = measure_all(os.path.abspath(a.binary), a.keep, a.jobs)
    budgets, file_margin = read_budgets(a.budgets) if os.path.exists(a.budgets) else ({}, None)
    margin = a.margin if a.margin is not None else (file_margin if file_margin is not None else 5.0)
    if a.mode == "update":
        write_budgets(a.budgets, rows, margin)
        print("budgets: wrote %d budgets to %s" % (len(rows), os.path.relpath(a.budgets, ROOT)))
        return 0

    over, under, missing = [], [], []
    table = ["%-32s %-13s %14s %14s %8s" % ("input", "metric", "measured", "budget", "change")]
    for key, value in rows.items():
        budget = budgets.get(key)
        if budget is None:
            missing.append(key)
            table.append("%-32s %-13s %14s %14s %8s" % (key[0], key[1], format_value(value), "-", "-"))
            continue
        change = (value - budget) / budget * 100 if budget else (0.0 if value == 0 else float("inf"))
        table.append("%-32s %-13s %14s %14s %+7.1f%%" % (key[0], key[1], format_value(value), format_value(budget), change))
        if value > budget * (1 + margin / 100) + (0 if key[0] == "startup" else slack(key[1])):
            over.append((key, value, budget, change))
        elif change < -margin and budget - value > (0 if key[0] == "startup" else slack(key[1])):
            under.append((key, value, budget, change))
    if a.mode == "show":
        print("\n".join(table))
        return 0
    stale = [key for key in budgets if key not in rows]
    status = 0
    for (name, metric), value, budget, change in over:
        label = metric if metric in ("instructions", "allocations", "retains") else "instructions in the %s stage" % metric
        unit = "per run" if name == "startup" else "per record"
        print("budgets: error: %s: %s %s %s, budget %s (%+.1f %%, margin %g %%)"
              % (name, format_value(value), label, unit, format_value(budget), change, margin), file=sys.stderr)
        status = 1
    for name, metric in missing:
        print("budgets: error: %s, %s: no budget in %s" % (name, metric, os.path.relpath(a.budgets, ROOT)), file=sys.stderr)
        status = 1
    for name, metric in stale:
        print("budgets: error: %s, %s: budget for an input or metric no longer measured" % (name, metric), file=sys.stderr)
        status = 1
    for (name, metric), value, budget, change in under:
        print("budgets: note: %s, %s: %s, budget %s (%.1f %%): lower the budget to keep the gain (--update)"
              % (name, metric, format_value(value), format_value(budget), change))
    if status:
        print("\n".join(table), file=sys.stderr)
        print("budgets: FAILED. " + UPDATE_HINT, file=sys.stderr)
    else:
        print("budgets: passed (%d budgets, margin %g %%)" % (len(rows), margin))
    return status


if __name__ == "__main__":
    sys.exit(main())
