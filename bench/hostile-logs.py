#!/usr/bin/env python3
"""Hostile logs for the size and memory figures in docs/hostile-input.md ("Report size and memory").

  bench/hostile-logs.py amplify BYTES SHELLS > amp.log   # python3 with one BYTES-long argument, SHELLS `sh -c` children
  bench/hostile-logs.py depth N > depth.log              # an N-deep chain of `bash -c` execs
  bench/hostile-logs.py forkchain N > fork.log           # N generations, each forking the next, no exec

Records follow the kernel's RAW format (fields as in fixtures/recorded/raw-fork.log); a long
argument is split into `aN[i]=` hex chunks of 3,750 bytes, as the kernel splits it.
"""
import sys

T = 1795432246


def stamp(k, base_ms=0):
    ms = base_ms + k
    return f"audit({T + ms // 1000}.{ms % 1000:03d}:{1000 + k})"


def syscall(st, nr, pid, ppid, comm, exe, exit_="0"):
    return (f"type=SYSCALL msg={st}: arch=c000003e syscall={nr} success=yes exit={exit_} a0=0 a1=0 a2=0 a3=0 "
            f"items=0 ppid={ppid} pid={pid} auid=4242 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
            f'tty=(none) ses=10 comm="{comm}" exe="{exe}" key="auditree-exec"')


def amplify(size, shells):
    out = []
    st = f"audit({T}.652:900)"
    chunk = "41" * 3750
    out.append(syscall(st, 59, 16121, 16100, "python3", "/usr/bin/python3.11"))
    out.append(f'type=EXECVE msg={st}: argc=3 a0="python3" a1="-c" a2_len={size} a2[0]={chunk}')
    for i in range(1, size // 3750):
        out.append(f"type=EXECVE msg={st}:  a2[{i}]={chunk}")
    out.append(f'type=CWD msg={st}: cwd="/tmp/w"')
    out.append(f"type=EOE msg={st}: ")
    for k in range(shells):
        st = stamp(k, 1000)
        out.append(syscall(st, 59, 20000 + k, 16121, "sh", "/usr/bin/dash"))
        out.append(f'type=EXECVE msg={st}: argc=3 a0="sh" a1="-c" a2={f"echo tp-{k}".encode().hex().upper()}')
        out.append(f'type=CWD msg={st}: cwd="/tmp/w"')
        out.append(f"type=EOE msg={st}: ")
    return out


def depth(n):
    out = []
    for k in range(n):
        st = stamp(k)
        out.append(syscall(st, 59, 100000 + k, 99999 + k, "bash", "/usr/bin/bash"))
        out.append(f'type=EXECVE msg={st}: argc=3 a0="bash" a1="-c" a2={f"echo d{k}".encode().hex().upper()}')
        out.append(f'type=CWD msg={st}: cwd="/tmp/w"')
        out.append(f"type=EOE msg={st}: ")
    return out


def forkchain(n):
    out = []
    for k in range(n):
        st = stamp(k)
        pid = 2000 + k
        out.append(syscall(st, 57, pid, pid - 1 if k else 1, "python3", "/usr/bin/python3.11", exit_=str(pid + 1)))
        out.append(f"type=EOE msg={st}: ")
    return out


if __name__ == "__main__":
    kind = sys.argv[1]
    lines = {"amplify": lambda: amplify(int(sys.argv[2]), int(sys.argv[3])),
             "depth": lambda: depth(int(sys.argv[2])),
             "forkchain": lambda: forkchain(int(sys.argv[2]))}[kind]()
    sys.stdout.write("\n".join(lines) + "\n")
