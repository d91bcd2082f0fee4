#!/usr/bin/env python3
"""Builds a large, realistic audit log by replaying recorded fixtures.

Benign background: the events of the base recordings that are not part of an
attack scenario (no scenario marker such as `tp-python` or `v-nohup` in any
argument), replayed over and over with timestamps and serials shifted forward; pids are left as recorded, so they are
reused as on a long-running host. Known attacks: the events of one recorded
attack scenario, inserted every --attack-every background replays. The
positions (line numbers) and stamps of the inserted shells are written to
OUTPUT.attacks.tsv so a benchmark can check the findings.

Shapes (--shape), each from real recordings of fixtures/recorded/:
  exec-light  ENRICHED, execve rules and about one clone per exec
              (enriched-execve.log, enriched-fork.log); the default
  fork-heavy  ENRICHED, execve + clone + exit_group rules, three events per
              process (variants-enriched-fork.log, webdaemon-enriched-fork.log)
  raw-execve  RAW, execve rules only (raw-execve.log, variants-raw-execve.log,
              webdaemon-raw-execve.log)

Density (--density), records per second of log time:
  recorded    the recordings' own times (30-80 records per second; one replay spans
              from the earliest to the latest recording), the default
  sparse      100 records per second: a typical server
  dense       5000 records per second: a build host or a busy web host
  N           N records per second
With a density, event times are spread evenly by record count (all records of
an event share its stamp); the order of events is the replay order.

  bench/generate-log.py --size 200M --shape fork-heavy --density dense --out /tmp/fh-dense.log
"""
import argparse, re, sys

STAMP = re.compile(rb"msg=audit\((\d+)\.(\d{3}):(\d+)\)")
ARG = re.compile(rb" a\d+(?:\[\d+\])?=(\"[^\"]*\"|[0-9A-F]+)")
# The markers fixtures/record/ puts in the arguments of a scenario's commands (tp-python,
# v-nohup, lk-tmp-tool, wd-daemon-cgi): such events are left out of the background.
MARKER = re.compile(rb"(^|[^a-z0-9-])(tp|v|lk|wd)-[a-z0-9]")
RECORDED = "fixtures/recorded/"
SHAPES = {
    # format, background recordings, attack recording, attack every N replays (about one
    # attack per 48 MB of log in each shape)
    "exec-light": ("enriched", ["enriched-execve.log", "enriched-fork.log"], "enriched-execve.log", 200),
    "fork-heavy": ("enriched", ["variants-enriched-fork.log", "webdaemon-enriched-fork.log"], "enriched-fork.log", 75),
    "raw-execve": ("raw", ["raw-execve.log", "variants-raw-execve.log", "webdaemon-raw-execve.log"], "raw-execve.log", 160),
}
DENSITIES = {"sparse": 100, "dense": 5000}

def size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)

def density(text):
    if text == "recorded":
        return None
    if text in DENSITIES:
        return DENSITIES[text]
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not recorded, sparse, dense or a number of records per second")
    if value <= 0:
        raise argparse.ArgumentTypeError("records per second must be positive")
    return value

def events(path, raw):
    """Groups a recording's lines into events (by stamp), in first-seen order."""
    groups, order = {}, []
    for line in open(path, "rb").read().split(b"\n"):
        if not line or b"type=DAEMON_" in line:
            continue
        if raw:
            line = line.split(b"\x1d", 1)[0].rstrip(b" ")
        m = STAMP.search(line)
        if not m:
            continue
        key = (int(m.group(1)), m.group(2), int(m.group(3)))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(line)
    return [(key, groups[key]) for key in order]

def arguments(lines):
    out = []
    for line in lines:
        if b"type=EXECVE" in line:
            for value in ARG.findall(line):
                out.append(value[1:-1] if value.startswith(b'"') else bytes.fromhex(value.decode()))
    return b" ".join(out)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="200M", help="approximate output size (K, M, G suffixes)")
    p.add_argument("--shape", choices=sorted(SHAPES), default="exec-light",
                   help="which recordings to replay, and in which format (default exec-light)")
    p.add_argument("--density", type=density, default=None,
                   help="records per second of log time: recorded (default), sparse (100), dense (5000) or a number")
    p.add_argument("--format", choices=["enriched", "raw"], help="override the shape's format (raw strips the enrichment)")
    p.add_argument("--base", nargs="+", help="override the shape's background recordings")
    p.add_argument("--attack", help="recording holding the attack scenario (default: the shape's)")
    p.add_argument("--attack-marker", default="tp-python", help="marker of the scenario to insert")
    p.add_argument("--attack-every", type=int, help="insert the attack every N background replays (default: the shape's)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    shape_format, shape_base, shape_attack, shape_every = SHAPES[a.shape]
    every = a.attack_every or shape_every
    raw = (a.format or shape_format) == "raw"
    base = a.base or [RECORDED + name for name in shape_base]
    attack = a.attack or RECORDED + shape_attack

    background = []
    for path in base:
        background += [(k, l) for k, l in events(path, raw) if not MARKER.search(arguments(l))]
    scenario = [(k, l) for k, l in events(attack, raw)
                if re.search(rb"(^|[^a-z0-9-])" + re.escape(a.attack_marker.encode()) + rb"($|[^a-z0-9-])", arguments(l))]
    if not background or not scenario:
        sys.exit("nothing to replay")
    # The recordings' own times, as the generator always used them (so the default log is the
    # same as before): one replay spans from the earliest to the latest stamp of the background.
    span = max(k[0] for k, _ in background) - min(k[0] for k, _ in background) + 2
    base_time = min(k[0] for k, _ in background)
    if attack not in base:
        # A scenario recorded at another time is moved into the background's span.
        scenario = [((base_time + span // 2, k[1], k[2]), l) for k, l in scenario]
    scenario_ids = {id(lines) for _, lines in scenario}

    target, written, line_no, replay, serial = size(a.size), 0, 0, 0, 1000
    records, start_time = 0, 1_750_000_000
    with open(a.out, "wb") as out, open(a.out + ".attacks.tsv", "w") as attacks:
        attacks.write("#line\tstamp\tmarker\n")
        while written < target:
            offset = replay * span
            batch = background + (scenario if replay % every == every // 2 else [])
            for key, lines in batch:
                serial += 1
                if a.density is None:
                    seconds, millis = key[0] - base_time + start_time + offset, key[1]
                else:
                    thousandths = int(records * 1000 / a.density)
                    seconds, millis = start_time + thousandths // 1000, b"%03d" % (thousandths % 1000)
                stamp = b"msg=audit(%d.%s:%d)" % (seconds, millis, serial)
                first_line = line_no + 1
                chunk = []
                for line in lines:
                    m = STAMP.search(line)
                    chunk.append(line[:m.start()] + stamp + line[m.end():] + b"\n")
                data = b"".join(chunk)
                out.write(data)
                written += len(data)
                line_no += len(lines)
                records += len(lines)
                if id(lines) in scenario_ids and lines[0].startswith(b"type=SYSCALL") and b"exe=\"/usr/bin/dash\"" in lines[0]:
                    attacks.write("%d\t%s\t%s\n" % (first_line, stamp[10:-1].decode(), a.attack_marker))
            replay += 1
    print(f"{a.out}: {written} bytes, {line_no} lines, {replay} replays", file=sys.stderr)

main()
