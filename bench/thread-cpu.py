#!/usr/bin/env python3
"""CPU time of each thread of a command, by thread name, and of the whole process.

  bench/thread-cpu.py [--runs N] -- COMMAND [ARGS...]

Polls /proc/PID/task/*/stat every 5 ms while COMMAND runs and keeps, per thread, the last
user + system time seen (a thread's entry goes when it ends, so up to one poll of its time
can be missed; the process total, from wait4, misses nothing). CPU times, unlike wall times,
hardly depend on what else the machine runs, which is why docs/performance.md quotes them.
Output goes to /dev/null; one line per run:
  total 2.31 s (user 2.10, sys 0.21), wall 1.52 s | auditree 1.20 | auditree-reader 0.80 | ...
Threads of the same name (auditree-parser-1, -2 ...) are listed each; the main thread
carries the process's name.
"""
import os, sys, time

TICK = os.sysconf("SC_CLK_TCK")


def sample(pid, seen):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as handle:
                stat = handle.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # comm is in parentheses and may hold spaces; the fields after it are space-separated.
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seen[tid] = (name, (int(fields[11]) + int(fields[12])) / TICK)


def run(command):
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(command[0], command)
    seen = {}
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        sample(pid, seen)
        time.sleep(0.005)
    wall = time.monotonic() - start
    threads = sorted(seen.items(), key=lambda item: int(item[0]))
    parts = [f"{name} {cpu:.2f}" for _, (name, cpu) in threads]
    print(f"total {usage.ru_utime + usage.ru_stime:.2f} s (user {usage.ru_utime:.2f}, sys {usage.ru_stime:.2f}), "
          f"wall {wall:.2f} s, exit {os.waitstatus_to_exitcode(status)} | " + " | ".join(parts), flush=True)


def main():
    args = sys.argv[1:]
    runs = 1
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    for _ in range(runs):
        run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
