"""A fleet of hosts made from the recorded fixtures (fixtures/recorded/*.log), for the tests.

Each host is a folder holding audit.log* files, as on a log server. Hosts with node= get it
prepended to every line, as auditd writes it with name_format; the others are made to test
one hard case each (see SPECIAL).
"""
import gzip
import os
import random

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECORDED = os.path.join(REPO, "fixtures", "recorded")
FIXTURES = ["benign-busy", "enriched-execve", "enriched-fork", "hostile-argv", "raw-execve", "raw-fork", "webshell-execve"]

# Host -> what it tests; the status the fleet job must give it is asserted in the tests.
SPECIAL = {
    "rotated": "a rotated set: audit.log.2.gz (gzip), audit.log.1, audit.log",
    "no-node": "records without node=: host.name comes from --host",
    "corrupt": "garbage and cut lines between real records",
    "corrupt-gz": "a gzip member cut short",
    "empty": "an empty audit.log, as just after rotation",
    "no-logs": "a host folder without audit.log*",
    "binary": "binary bytes named audit.log",
    "unreadable": "audit.log is a dangling symlink",
    "stalled": "audit.log is a FIFO nobody writes: auditree blocks until --timeout",
}


def recorded(name):
    with open(os.path.join(RECORDED, name + ".log"), "rb") as f:
        return f.read()


def with_node(data, node):
    prefix = b"node=" + node.encode() + b" "
    return b"".join(prefix + line + b"\n" for line in data.split(b"\n") if line)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def split_at_events(data, parts):
    """Cuts a log into `parts` pieces at lines where the event stamp changes."""
    lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
    cuts, size = [], len(lines) // parts
    for k in range(1, parts):
        i = k * size
        stamp = lambda line: line.split(b"msg=audit(", 1)[-1].split(b")", 1)[0]
        while i < len(lines) - 1 and stamp(lines[i]) == stamp(lines[i - 1]):
            i += 1
        cuts.append(i)
    bounds = [0] + cuts + [len(lines)]
    return [b"".join(l + b"\n" for l in lines[a:b]) for a, b in zip(bounds, bounds[1:])]


def make_fleet(root, stalled=True):
    """Writes the fleet under root; returns the host names."""
    hosts = []
    for i in range(14):
        host = f"web-{i + 1:02d}"
        first = FIXTURES[i % len(FIXTURES)]
        if i < 7:
            write(os.path.join(root, host, "audit.log"), with_node(recorded(first), host))
        else:  # two recordings as a rotated pair
            second = FIXTURES[(i + 3) % len(FIXTURES)]
            write(os.path.join(root, host, "audit.log.1"), with_node(recorded(first), host))
            write(os.path.join(root, host, "audit.log"), with_node(recorded(second), host))
        hosts.append(host)

    older, middle, newest = split_at_events(with_node(recorded("enriched-fork"), "rotated"), 3)
    write(os.path.join(root, "rotated", "audit.log.2.gz"), gzip.compress(older, mtime=0))
    write(os.path.join(root, "rotated", "audit.log.1"), middle)
    write(os.path.join(root, "rotated", "audit.log"), newest)

    write(os.path.join(root, "no-node", "audit.log"), recorded("raw-execve"))

    lines = with_node(recorded("enriched-execve"), "corrupt").split(b"\n")
    noise = random.Random(21)
    damaged = []
    for n, line in enumerate(lines):
        if n % 97 == 50:
            damaged.append(bytes(noise.randrange(1, 256) for _ in range(80)).replace(b"\n", b"?"))
        if n % 131 == 70 and line:
            line = line[: len(line) // 2]   # a record cut in the middle
        damaged.append(line)
    write(os.path.join(root, "corrupt", "audit.log"), b"\n".join(damaged))

    whole = gzip.compress(with_node(recorded("enriched-fork"), "corrupt-gz"), mtime=0)
    write(os.path.join(root, "corrupt-gz", "audit.log.1.gz"), whole[: len(whole) * 3 // 4])

    write(os.path.join(root, "empty", "audit.log"), b"")
    os.makedirs(os.path.join(root, "no-logs"))
    write(os.path.join(root, "no-logs", "README"), b"this host's logs were never collected\n")
    write(os.path.join(root, "binary", "audit.log"), random.Random(16).randbytes(64 * 1024))
    os.makedirs(os.path.join(root, "unreadable"))
    os.symlink("/nonexistent/audit.log", os.path.join(root, "unreadable", "audit.log"))
    hosts += ["rotated", "no-node", "corrupt", "corrupt-gz", "empty", "no-logs", "binary", "unreadable"]
    if stalled:
        os.makedirs(os.path.join(root, "stalled"))
        os.mkfifo(os.path.join(root, "stalled", "audit.log"))
        hosts.append("stalled")
    # Not a host: a stray file beside the host folders.
    write(os.path.join(root, "stray.bin"), random.Random(7).randbytes(4096))
    return sorted(hosts)
