"""Scans one host: runs `auditree scan` on its logs as a subprocess with a timeout.

The same code runs in a Spark task (job.py), in a pandas UDF (Databricks) and in the local
runner. It never raises for a host's own trouble: a corrupt, empty, unreadable or
timed-out host gets a status row and the next host is scanned.

Host statuses (docs/fleet.md):
  clean       auditree read records and found nothing          (scanned)
  findings    auditree read records and reported findings      (scanned)
  empty       the host's log files hold no bytes at all        (not scanned: nothing to read)
  no-logs     the host folder has no file matching the layout  (not scanned)
  not-audit   lines were read but not one was an audit record  (not scanned)
  unreadable  a log file or the folder could not be opened or fetched
  failed      auditree exited 2 (input or usage error) or died; findings read before are kept
  timeout     auditree ran longer than --timeout and was killed
"""
from dataclasses import dataclass, field
import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

from . import schema
from .hosts import HostTask, LogFile

SCANNED = ("clean", "findings")
STDERR_TAIL_BYTES = 2048


@dataclass
class WorkerConfig:
    auditree: str                    # the executable, or an archive's name shipped to the executors
    run_id: str
    timeout: float = 3600.0
    extra: list = field(default_factory=list)   # auditree options after `--`
    state: str = ""                  # --state URI: committed checkpoints, and pending/<run_id>/
    archive: str = ""                # set when --auditree is an archive Spark unpacked on each executor


def checkpoint_name(host):
    return urllib.parse.quote(host, safe="") + ".json"


def committed_checkpoint(state, host):
    return state.rstrip("/") + "/checkpoints/" + checkpoint_name(host)


def pending_checkpoint(state, run_id, host):
    return state.rstrip("/") + "/pending/" + run_id + "/" + checkpoint_name(host)


def find_executable(folder):
    """The auditree binary inside an unpacked archive: bin/auditree, else any file named auditree."""
    best = None
    for top, _, files in os.walk(folder):
        if "auditree" in files:
            path = os.path.join(top, "auditree")
            if os.path.basename(top) == "bin":
                return path
            best = best or path
    return best


def resolve_auditree(config):
    if config.archive:
        from pyspark import SparkFiles
        unpacked = SparkFiles.get(config.archive)
        found = find_executable(unpacked)
        if not found:
            raise FileNotFoundError(f"no 'auditree' executable inside the archive {config.archive}")
        return found
    path = config.auditree
    if os.sep in path and not os.path.isabs(path) and not os.path.exists(path):
        try:  # a name relative to where Spark put --files / --archives
            from pyspark import SparkFiles
            candidate = os.path.join(SparkFiles.getRootDirectory(), path)
            if os.path.exists(candidate):
                return candidate
        except Exception:
            pass
    return path if os.sep in path else (shutil.which(path) or path)


class _TailReader(threading.Thread):
    """Drains a pipe, keeping only its last bytes: auditree may warn once per bad line."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.tail, self.total = pipe, collections.deque(), 0

    def run(self):
        kept = 0
        for chunk in iter(lambda: self.pipe.read(65536), b""):
            self.total += len(chunk)
            self.tail.append(chunk)
            kept += len(chunk)
            while kept - len(self.tail[0]) >= STDERR_TAIL_BYTES:
                kept -= len(self.tail.popleft())

    def text(self):
        data = b"".join(self.tail)[-STDERR_TAIL_BYTES:]
        if self.total > len(data):
            cut = data.find(b"\n")
            data = data[cut + 1:] if 0 <= cut < len(data) - 1 else data
        return data.decode("utf-8", "replace")


def _status_row(task, config, status, started, **values):
    row = {name: None for name, _ in schema.HOST}
    row.update(host=task.host, status=status, scanned=status in SCANNED, bytes=task.bytes,
               files=[f.uri for f in task.files], seconds=round(time.monotonic() - started, 3),
               worker=socket.gethostname(), run_id=config.run_id, checkpoint="none", message="")
    row.update(values)
    return row


def _openable(path):
    """Opens without blocking (a FIFO would block a plain open) and without reading."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.close(fd)


def _fetch(task, folder):
    """Copies a remote host's files into `folder`; returns (local paths, {local: uri})."""
    from .hosts import filesystem
    paths, names = [], {}
    for i, log in enumerate(task.files):
        fs, remote, _ = filesystem(log.uri)
        local = os.path.join(folder, f"{i:04d}-" + os.path.basename(remote))
        fs.get_file(remote, local)
        paths.append(local)
        names[local] = log.uri
    return paths, names


def _rename_paths(value, names):
    """Puts the source URIs back where auditree wrote the copies' local paths."""
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [_rename_paths(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _rename_paths(item, names) for key, item in value.items()}
    return value


def _dict(value):
    return value if isinstance(value, dict) else {}


def restore_long_values(document, long_values):
    """Puts the whole long values back into a finding of auditree's NDJSON, in place, and drops
    their `*_ref` numbers (they name lines the row does not keep); returns whether any was.

    auditree writes a value over 256 bytes, or a command line over 1024 bytes or 32 arguments,
    once on a `long_value` line and shows a preview in each finding (docs/formats.md, "Long
    values"). `process.command_line` stays auditree's rendering of the preview (its quoting and
    escaping are auditree's); `process.args` holds the whole command line.
    """
    restored = False
    process = _dict(document.get("process"))
    auditree = _dict(document.get("auditree"))
    sides = [(process, _dict(auditree.get("process"))), (_dict(process.get("parent")), _dict(auditree.get("parent")))]

    def take(holder, key):
        ref = holder.pop(key + "_ref", None)
        entry = long_values.get(ref) if isinstance(ref, int) else None
        if entry is None and ref is not None:
            holder[key + "_ref"] = ref  # its line was not read: keep the preview and the number
        return entry

    for ecs, extra in sides:
        entry = take(extra, "executable")
        if entry is not None and isinstance(entry.get("value"), str):
            ecs["executable"] = entry["value"]
            ecs["name"] = entry["value"].rsplit("/", 1)[-1]
            if "value_hex" in entry:
                extra["executable_hex"] = entry["value_hex"]
            restored = True
        entry = take(extra, "working_directory")
        if entry is not None and isinstance(entry.get("value"), str):
            ecs["working_directory"] = entry["value"]
            restored = True
        entry = take(extra, "comm")
        if entry is not None and isinstance(entry.get("value"), str):
            extra["comm"] = entry["value"]
            if "executable" not in ecs:  # the name is the comm's when there is no executable
                ecs["name"] = entry["value"]
            restored = True
        entry = take(extra, "args")
        if entry is not None and isinstance(entry.get("argv"), list):
            ecs["args"] = entry["argv"]
            if "argv_hex" in entry:
                extra["args_hex"] = entry["argv_hex"]
            else:
                extra.pop("args_hex", None)
            restored = True
    for evidence in _dict(auditree.get("match")).values():
        if isinstance(evidence, dict):
            entry = take(evidence, "value")
            if entry is not None and isinstance(entry.get("value"), str):
                evidence["value"] = entry["value"]
                if "value_hex" in entry:
                    evidence["value_hex"] = entry["value_hex"]
                restored = True
    return restored


def scan_host(task, config):
    """(host row, [finding rows]) for one HostTask."""
    started = time.monotonic()
    if task.listing_error:
        return _status_row(task, config, "unreadable", started, message=task.listing_error), []
    if not task.files:
        return _status_row(task, config, "no-logs", started, message="no log file matches the layout"), []
    work = tempfile.mkdtemp(prefix="auditree-fleet-")
    try:
        return _scan(task, config, started, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scan(task, config, started, work):
    names = {}
    if task.local:
        paths = [f.uri for f in task.files]
        for path in paths:
            try:
                _openable(path)
            except OSError as error:
                return _status_row(task, config, "unreadable", started, message=f"{path}: cannot open: {error.strerror}"), []
    else:
        folder = os.path.join(work, "logs")
        os.makedirs(folder)
        try:
            paths, names = _fetch(task, folder)
        except Exception as error:  # any error of any file system: this host could not be read
            return _status_row(task, config, "unreadable", started, message=f"cannot fetch: {error}"), []

    checkpoint = None
    if config.state:
        from .hosts import filesystem
        checkpoint = os.path.join(work, "checkpoint.json")
        source = committed_checkpoint(config.state, task.host)
        try:
            fs, path, _ = filesystem(source)
            if fs.exists(path):
                fs.get_file(path, checkpoint)
        except Exception as error:  # scanning without it would report the whole history again
            return _status_row(task, config, "failed", started, message=f"cannot read the checkpoint {source}: {error}"), []

    findings_path = os.path.join(work, "findings.ndjson")
    report_path = os.path.join(work, "report.json")
    # `--host A=B` would mean "file A is host B": such a folder name is given to no record,
    # and host.name is filled in below instead.
    naming = ["--host", task.host] if "=" not in task.host else []
    command = [resolve_auditree(config), "scan", *naming, "--threads", "1",
               "--output", findings_path, "--output", report_path]
    if checkpoint:
        command += ["--checkpoint", checkpoint]
    command += list(config.extra) + ["--"] + paths

    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, start_new_session=True)  # cwd kept: `-- --rules x.yaml` is relative to it
    except OSError as error:
        return _status_row(task, config, "failed", started, message=f"cannot run {command[0]}: {error.strerror}"), []
    tail = _TailReader(process.stderr)
    tail.start()
    timed_out = False
    try:
        process.wait(timeout=config.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if timed_out or process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        tail.join(timeout=10)
        process.stderr.close()
    stderr = tail.text()
    code = process.returncode
    if timed_out:
        return _status_row(task, config, "timeout", started, stderr_tail=stderr,
                           message=f"killed after {config.timeout:g} s (--timeout)"), []

    summary = {}
    try:
        with open(report_path, "rb") as report:
            summary = json.load(report).get("summary") or {}
    except (OSError, ValueError):
        pass
    findings = []
    try:
        with open(findings_path, "rb") as ndjson:
            long_values = {}
            for raw in ndjson:
                line = raw.rstrip(b"\n").decode("utf-8", "replace")
                document = json.loads(line)
                # Only alerts are findings. A long value (event.kind "state") stands once on a line
                # of its own before the first finding that shows its preview and *_ref
                # (docs/formats.md): the finding's row gets the whole value back.
                if (document.get("event") or {}).get("kind") != "alert":
                    entry = (document.get("auditree") or {}).get("long_value")
                    if isinstance(entry, dict) and isinstance(entry.get("ref"), int):
                        long_values[entry["ref"]] = entry
                    continue
                restored = restore_long_values(document, long_values)
                if names:
                    document = _rename_paths(document, names)
                unnamed = not (isinstance(document.get("host"), dict) and document["host"].get("name"))
                if unnamed:  # an auditree without --host: host.name is always set here
                    document["host"] = {"name": task.host}
                if names or unnamed or restored:
                    line = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
                findings.append(schema.finding_row(document, line, task.host, config.run_id, len(findings)))
    except (OSError, ValueError):
        pass

    def count(key):
        value = summary.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    row = dict(exit_status=code, lines=count("lines"), records=count("records"), rejected=count("rejected"),
               input_errors=count("input_errors"), findings=len(findings), stderr_tail=stderr,
               rejected_by_reason={k: v for k, v in (summary.get("rejected_by_reason") or {}).items()
                                   if isinstance(v, int)} or None)
    reported = count("findings")
    if code in (0, 1) and reported is not None and reported != len(findings):  # never lose one silently
        return _status_row(task, config, "failed", started,
                           message=f"auditree reported {reported} findings, {len(findings)} read from its NDJSON", **row), findings
    # auditree says "is this an audit log?" with exit 2; versions before it exited 0.
    if row["lines"] and not row["records"] and (code in (0, 1) or code == 2 and "is this an audit log?" in stderr):
        return _status_row(task, config, "not-audit", started,
                           message=f"no audit record in {row['lines']} lines: is this an audit log?", **row), findings
    if code not in (0, 1):
        how = f"exit status {code}" if code >= 0 else f"killed by signal {-code}"
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        return _status_row(task, config, "failed", started, message=f"auditree: {how}" + (f": {last}" if last else ""), **row), findings
    if task.bytes == 0 and not row["lines"]:
        return _status_row(task, config, "empty", started, message="the log files are empty", **row), findings

    if checkpoint and os.path.exists(checkpoint):
        target = pending_checkpoint(config.state, config.run_id, task.host)
        try:
            from .hosts import filesystem
            fs, path, _ = filesystem(target)
            fs.makedirs(os.path.dirname(path), exist_ok=True)
            fs.put_file(checkpoint, path)
            row["checkpoint"] = "pending"
        except Exception as error:
            return _status_row(task, config, "failed", started, message=f"cannot save the checkpoint {target}: {error}", **row), findings
    status = "findings" if findings or (row["findings"] or 0) > 0 else "clean"
    return _status_row(task, config, status, started, **row), findings


def scan_partition(config, tasks):
    """mapPartitions body: every host of the partition, one after the other.
    Yields ("host", row) and ("finding", row) pairs."""
    for group in tasks:
        for task in group:
            host_row, findings = scan_host(task, config)
            for finding in findings:
                yield ("finding", finding)
            yield ("host", host_row)


def task_from_json(text):
    data = json.loads(text)
    return HostTask(host=data["host"], files=[LogFile(**f) for f in data["files"]],
                    listing_error=data.get("listing_error", ""), local=data.get("local", True))


def task_to_json(task):
    return json.dumps({"host": task.host, "files": [{"uri": f.uri, "size": f.size} for f in task.files],
                       "listing_error": task.listing_error, "local": task.local})
