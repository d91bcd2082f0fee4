#!/usr/bin/env python3
"""Builds a large, realistic audit log by replaying recorded fixtures.

Benign background: the events of the base recordings that are not part of an
attack scenario (no `tp-` marker in any argument), replayed over and over with
timestamps and serials shifted forward; pids are left as recorded, so they are
reused as on a long-running host. Known attacks: the events of one recorded
attack scenario, inserted every --attack-every background replays. The
positions (line numbers) and stamps of the inserted shells are written to
OUTPUT.attacks.tsv so a benchmark can check the findings.

  bench/generate-log.py --size 200M --format enriched --out /tmp/200m.log
"""
import argparse, re, sys

STAMP = re.compile(rb"msg=audit\((\d+)\.(\d{3}):(\d+)\)")
ARG = re.compile(rb" a\d+(?:\[\d+\])?=(\"[^\"]*\"|[0-9A-F]+)")

def size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)

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
    p.add_argument("--format", choices=["enriched", "raw"], default="enriched")
    p.add_argument("--base", nargs="+", default=["fixtures/recorded/enriched-execve.log", "fixtures/recorded/enriched-fork.log"])
    p.add_argument("--attack", default="fixtures/recorded/enriched-execve.log", help="recording holding the attack scenario")
    p.add_argument("--attack-marker", default="tp-python", help="marker of the scenario to insert")
    p.add_argument("--attack-every", type=int, default=200, help="insert the attack every N background replays")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    raw = a.format == "raw"

    background = []
    for path in a.base:
        background += [(k, l) for k, l in events(path, raw) if b"tp-" not in arguments(l)]
    scenario = [(k, l) for k, l in events(a.attack, raw)
                if re.search(rb"(^|[^a-z0-9-])" + re.escape(a.attack_marker.encode()) + rb"($|[^a-z0-9-])", arguments(l))]
    if not background or not scenario:
        sys.exit("nothing to replay")
    span = max(k[0] for k, _ in background) - min(k[0] for k, _ in background) + 2
    base_time = min(k[0] for k, _ in background)

    target, written, line_no, replay, serial = size(a.size), 0, 0, 0, 1000
    with open(a.out, "wb") as out, open(a.out + ".attacks.tsv", "w") as attacks:
        attacks.write("#line\tstamp\tmarker\n")
        while written < target:
            offset = replay * span
            batch = background + (scenario if replay % a.attack_every == a.attack_every // 2 else [])
            for key, lines in batch:
                serial += 1
                stamp = b"msg=audit(%d.%s:%d)" % (key[0] - base_time + 1_750_000_000 + offset, key[1], serial)
                first_line = line_no + 1
                for line in lines:
                    m = STAMP.search(line)
                    data = line[:m.start()] + stamp + line[m.end():] + b"\n"
                    out.write(data)
                    written += len(data)
                    line_no += 1
                if (key, lines) in scenario and lines[0].startswith(b"type=SYSCALL") and b"exe=\"/usr/bin/dash\"" in lines[0]:
                    attacks.write("%d\t%s\t%s\n" % (first_line, stamp[10:-1].decode(), a.attack_marker))
            replay += 1
    print(f"{a.out}: {written} bytes, {line_no} lines, {replay} replays", file=sys.stderr)

main()
