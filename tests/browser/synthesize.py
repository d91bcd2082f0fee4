#!/usr/bin/env python3
"""Writes a large audit log to stdout by replaying a recorded fixture.

usage: synthesize.py FIXTURE.log COPIES

Copy k gets its own host node=replay-k (so identical findings are not grouped: the
host is part of a finding's identity), event stamps shifted by k * 600 s (serials by
k * 1,000,000) and every pid the fixture mentions shifted by k * 100,000, so the copies
stay separate process trees even if hosts were merged. Records the scan does not use (PATH,
BPRM_FCAPS, SOCKADDR, CONFIG_CHANGE, daemon records) are dropped to keep it small.
Generated at test time; never committed.
"""
import re
import sys

DROP = {b"PATH", b"BPRM_FCAPS", b"SOCKADDR", b"CONFIG_CHANGE", b"DAEMON_START", b"DAEMON_END", b"LOGIN"}
STAMP = re.compile(rb"msg=audit\((\d+)\.(\d+):(\d+)\)")
PIDS = re.compile(rb"\b(pid|ppid|exit)=(\d+)\b")


def main():
    path, copies = sys.argv[1], int(sys.argv[2])
    lines = []
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            kind = re.match(rb"(?:node=\S+ )?type=([A-Z_]+)", line)
            if kind and kind.group(1) in DROP:
                continue
            if line.strip():
                lines.append(re.sub(rb"^node=\S+ ", b"", line))
    pids = set()
    for line in lines:
        for m in PIDS.finditer(line):
            if m.group(1) in (b"pid", b"ppid"):
                pids.add(int(m.group(2)))
    out = sys.stdout.buffer
    for k in range(copies):
        node = b"node=replay-%d " % k
        pid_shift = k * 100000

        def stamp(m):
            return b"msg=audit(%d.%s:%d)" % (int(m.group(1)) + k * 600, m.group(2), int(m.group(3)) + k * 1000000)

        def pid(m):
            value = int(m.group(2))
            if value in pids and value > 1:
                value += pid_shift
            return m.group(1) + b"=%d" % value

        for line in lines:
            out.write(node + PIDS.sub(pid, STAMP.sub(stamp, line)) + b"\n")


if __name__ == "__main__":
    main()
