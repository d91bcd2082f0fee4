#!/usr/bin/env python3
"""Writes a large audit log to stdout by replaying a recorded fixture.

usage: synthesize.py FIXTURE.log COPIES [--same-host] [--busy EXECS [--busy-hosts N]]

Copy k gets its own host node=replay-k (so identical findings are not grouped: the
host is part of a finding's identity), event stamps shifted by k * 600 s (serials by
k * 1,000,000) and every pid the fixture mentions shifted by k * 100,000, so the copies
stay separate process trees even if hosts were merged. With --same-host every copy is
node=replay: the copies' identical findings are then grouped, each finding COPIES times. Records the scan does not use (PATH,
BPRM_FCAPS, SOCKADDR, CONFIG_CHANGE, daemon records) are dropped to keep it small.
Generated at test time; never committed.

--busy EXECS adds, after the replays, that many benign execs on N hosts node=busy-j
(round robin, as an aggregated log interleaves hosts): on each host a bash (pid 2) starts
a worker bash every 1,000 execs and the worker runs `true` children, each with its own pid.
So a busy host has far more processes than the report's tree embeds per host, with
almost a thousand children under one worker. Each busy host ends with one finding (python3 ->
sh) logged after everything else, so its path in the tree lies beyond the cap.
"""
import argparse
import re
import sys

DROP = {b"PATH", b"BPRM_FCAPS", b"SOCKADDR", b"CONFIG_CHANGE", b"DAEMON_START", b"DAEMON_END", b"LOGIN"}
STAMP = re.compile(rb"msg=audit\((\d+)\.(\d+):(\d+)\)")
PIDS = re.compile(rb"\b(pid|ppid|exit)=(\d+)\b")


def exec_lines(node, stamp, pid, ppid, exe, argv, uid=0):
    """SYSCALL, EXECVE and CWD records of one successful execve (ENRICHED, like the fixtures)."""
    name = exe.rsplit("/", 1)[-1]
    head = "node=%s type=%%s msg=audit(%d.%03d:%d): " % (node, stamp[0], stamp[1], stamp[2])
    args = " ".join('a%d="%s"' % (i, a) for i, a in enumerate(argv))
    return [
        (head % "SYSCALL") + ("arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=%d pid=%d auid=1000 "
                              "uid=%d gid=%d euid=%d suid=%d fsuid=%d egid=%d sgid=%d fsgid=%d tty=(none) ses=3 comm=\"%s\" "
                              "exe=\"%s\" key=\"busy\"\x1dARCH=x86_64 SYSCALL=execve AUID=\"user\" UID=\"root\" GID=\"root\"")
        % (ppid, pid, uid, uid, uid, uid, uid, uid, uid, uid, name[:15], exe),
        (head % "EXECVE") + "argc=%d %s" % (len(argv), args),
        (head % "CWD") + 'cwd="/srv"',
    ]


def busy(out, execs, hosts, start):
    """The benign background of --busy, 10 ms apart from `start` seconds on."""
    clock = start * 1000
    serial = 1

    def emit(host, pid, ppid, exe, argv):
        nonlocal clock, serial
        clock += 10
        serial += 1
        for line in exec_lines("busy-%d" % host, (clock // 1000, clock % 1000, serial), pid, ppid, exe, argv):
            out.write(line.encode() + b"\n")

    worker = [0] * hosts
    next_pid = [100] * hosts
    for host in range(hosts):
        emit(host, 2, 1, "/usr/bin/bash", ["/bin/bash", "/usr/local/bin/busy-loop"])
    for n in range(execs):
        host = n % hosts
        pid = next_pid[host]
        next_pid[host] += 1
        if n // hosts % 1000 == 0:
            worker[host] = pid
            emit(host, pid, 2, "/usr/bin/bash", ["/bin/bash", "/usr/local/bin/worker", str(n // hosts // 1000)])
        else:
            emit(host, pid, worker[host], "/usr/bin/true", ["true", "job-%d" % n])
    for host in range(hosts):
        pid = next_pid[host]
        emit(host, pid, 2, "/usr/bin/python3.11", ["python3", "-c", "import os; os.system('id')"])
        emit(host, pid + 1, pid, "/usr/bin/dash", ["sh", "-c", "id"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fixture")
    parser.add_argument("copies", type=int)
    parser.add_argument("--busy", type=int, default=0)
    parser.add_argument("--busy-hosts", type=int, default=1)
    parser.add_argument("--same-host", action="store_true")
    options = parser.parse_args()
    path, copies = options.fixture, options.copies
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
        node = b"node=replay " if options.same_host else b"node=replay-%d " % k
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
    if options.busy:
        last = max(int(m.group(1)) for line in lines for m in [STAMP.search(line)] if m)
        busy(out, options.busy, options.busy_hosts, last + copies * 600 + 60)


if __name__ == "__main__":
    main()
