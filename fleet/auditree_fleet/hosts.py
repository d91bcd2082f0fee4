"""Finding the hosts under --input and spreading them over partitions, largest first.

A layout is a path pattern below --input in which `{host}` stands for one whole path
segment, the host's name; the rest is a glob (`*`, `?`, `[...]`, `**`). The default,
`{host}/audit.log*`, is a folder per host holding a rotated set. Every folder at the
`{host}` level is a host, also when none of its files match (it is reported as
`no-logs`, never silently left out).
"""
from dataclasses import dataclass, field
import fnmatch
import os
import posixpath
import re
import sys

DEFAULT_LAYOUT = "{host}/audit.log*"


@dataclass
class LogFile:
    uri: str      # as fsspec names it, with the input's protocol (local: an absolute path)
    size: int


@dataclass
class HostTask:
    host: str
    files: list = field(default_factory=list)   # [LogFile]
    listing_error: str = ""                     # the host folder could not be listed
    local: bool = True                          # files are paths on this machine's file system

    @property
    def bytes(self):
        return sum(f.size for f in self.files)


class LayoutError(ValueError):
    pass


def split_layout(layout):
    """(prefix, rest): the folders above the host, and the pattern below it."""
    parts = layout.strip("/").split("/")
    where = [i for i, part in enumerate(parts) if "{host}" in part]
    if len(where) != 1 or parts[where[0]] != "{host}":
        raise LayoutError(f"--layout {layout!r}: needs '{{host}}' exactly once, as a whole path segment "
                          "(for example '{host}/audit.log*' or 'logs/{host}/var/log/audit/audit.log*')")
    i = where[0]
    if any(ch in part for part in parts[:i] for ch in "*?["):
        raise LayoutError(f"--layout {layout!r}: the folders above '{{host}}' cannot be patterns")
    rest = "/".join(parts[i + 1:])
    if not rest:
        raise LayoutError(f"--layout {layout!r}: needs a file pattern after '{{host}}/'")
    return "/".join(parts[:i]), rest


def filesystem(uri):
    """(fsspec file system, path inside it, is-local) for a path or URI."""
    import fsspec
    if uri.startswith("dbfs:/"):            # Databricks: the same files through the /dbfs mount
        uri = "/dbfs/" + uri[len("dbfs:/"):].lstrip("/")
    fs, path = fsspec.core.url_to_fs(uri)
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    local = "file" in protocols or "local" in protocols
    if local:
        path = os.path.abspath(path)
    return fs, path.rstrip("/") or "/", local


def _rest_regex(rest):
    """A regex for the pattern below the host folder; `**` crosses folders, `*` does not."""
    out = []
    i = 0
    while i < len(rest):
        if rest.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif rest.startswith("**", i):
            out.append(".*")
            i += 2
        elif rest[i] == "*":
            out.append("[^/]*")
            i += 1
        elif rest[i] == "?":
            out.append("[^/]")
            i += 1
        elif rest[i] == "[":
            j = rest.find("]", i + 2)
            if j < 0:
                out.append(re.escape(rest[i]))
                i += 1
            else:
                out.append(fnmatch.translate(rest[i:j + 1])[4:-3])
                i = j + 1
        else:
            out.append(re.escape(rest[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def list_hosts(input_uri, layout=DEFAULT_LAYOUT, warn=lambda text: print(text, file=sys.stderr)):
    """Every host under the input with its matching log files, sorted by name."""
    prefix, rest = split_layout(layout)
    fs, root, local = filesystem(input_uri)
    base = posixpath.join(root, prefix) if prefix else root
    if not fs.isdir(base):
        raise FileNotFoundError(f"{input_uri}: no such folder" + (f" (looked for {base})" if prefix else ""))
    pattern = _rest_regex(rest)
    deep = "**" in rest or "/" in rest
    hosts = []
    for entry in sorted(fs.ls(base, detail=True), key=lambda e: e["name"]):
        name = posixpath.basename(entry["name"].rstrip("/"))
        if name.startswith(".") or name.startswith("_"):
            continue  # hidden, and Spark's _SUCCESS / _temporary
        folder_type = entry.get("type") == "directory" or (local and os.path.isdir(entry["name"]))  # symlinks too
        if not folder_type:
            warn(f"auditree-fleet: {entry['name']}: not a host folder (layout {layout}), left out")
            continue
        host = HostTask(host=name, local=local)
        folder = entry["name"].rstrip("/")
        try:
            found = fs.find(folder, detail=True, withdirs=False, maxdepth=None if deep else 1)
        except OSError as error:  # an unreadable folder is a host we could not read, not a failed job
            host.listing_error = f"cannot list {folder}: {error}"
            hosts.append(host)
            continue
        for path, info in sorted(found.items()):
            relative = path[len(folder):].lstrip("/")
            if not pattern.match(relative) or posixpath.basename(relative).startswith("."):
                continue
            size = info.get("size") or 0
            if local:  # follow symlinks; a dangling one keeps size 0 and is found unreadable later
                try:
                    size = os.stat(path).st_size
                except OSError:
                    size = 0
            host.files.append(LogFile(uri=path if local else fs.unstrip_protocol(path), size=int(size)))
        hosts.append(host)
    return hosts


def plan_partitions(hosts, partitions):
    """Longest-processing-time first: hosts by size, largest first, each to the lightest
    partition; partitions ordered heaviest first, so the scheduler starts the big ones first."""
    count = max(1, min(partitions, len(hosts)))
    loads = [[0, i, []] for i in range(count)]
    for host in sorted(hosts, key=lambda h: (-h.bytes, h.host)):
        lightest = min(loads, key=lambda load: (load[0], load[1]))
        lightest[0] += host.bytes
        lightest[2].append(host)
    loads.sort(key=lambda load: (-load[0], load[1]))
    return [load[2] for load in loads if load[2]]
