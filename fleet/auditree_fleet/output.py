"""What both runners do once every host is scanned: checkpoints, NDJSON, run.json, exit status.

Order matters for --state: a host's new checkpoint is committed only after the findings it
covers are written, so a run that dies at any point is done again by the next one (the
findings merge by their key, docs/fleet.md) and never skips a finding.
"""
from collections import Counter
from datetime import datetime, timezone
import json
import os
import posixpath
import sys

from .hosts import filesystem
from .worker import committed_checkpoint, pending_checkpoint

EXIT_ALL_SCANNED, EXIT_NOT_ALL_SCANNED, EXIT_JOB_FAILED = 0, 1, 2


def join(uri, name):
    return uri.rstrip("/") + "/" + name


def check_output(uri, overwrite):
    """Refuses to mix two runs' tables in one folder unless asked to replace them."""
    fs, path, _ = filesystem(uri)
    for name in ("findings", "hosts"):
        target = posixpath.join(path, name)
        if fs.exists(target):
            if not overwrite:
                raise FileExistsError(f"{join(uri, name)} already exists: give each run its own --output, or --overwrite")
            fs.rm(target, recursive=True)
    fs.makedirs(path, exist_ok=True)


def write_lines(uri, lines):
    fs, path, _ = filesystem(uri)
    temporary = path + ".partial"
    with fs.open(temporary, "wb") as out:
        for line in lines:
            out.write(line.encode("utf-8") + b"\n")
    fs.mv(temporary, path)


def host_json(row):
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str)


def commit_checkpoints(state, run_id, host_rows, warn):
    """Moves each host's pending checkpoint over its committed one; returns how many failed."""
    if not state:
        return 0
    failed = 0
    for row in host_rows:
        if row.get("checkpoint") != "pending":
            continue
        source = pending_checkpoint(state, run_id, row["host"])
        target = committed_checkpoint(state, row["host"])
        try:
            fs, src, _ = filesystem(source)
            _, dst, _ = filesystem(target)
            fs.makedirs(posixpath.dirname(dst), exist_ok=True)
            fs.mv(src, dst)
            row["checkpoint"] = "saved"
        except Exception as error:
            failed += 1
            row["checkpoint"] = "not-saved"
            warn(f"auditree-fleet: {row['host']}: cannot save the checkpoint {target}: {error}; the next run reads this host's logs again")
    try:
        fs, pending, _ = filesystem(join(state, "pending/" + run_id))
        if fs.exists(pending):
            fs.rm(pending, recursive=True)
    except Exception:
        pass
    return failed


def summary_line(host_rows, findings):
    counts = Counter(row["status"] for row in host_rows)
    not_scanned = sorted(row["host"] for row in host_rows if not row["scanned"])
    parts = ", ".join(f"{counts[s]} {s}" for s in sorted(counts))
    text = f"auditree-fleet: {len(host_rows)} hosts ({parts}), {findings} findings"
    if not_scanned:
        shown = ", ".join(not_scanned[:10]) + (f" and {len(not_scanned) - 10} more" if len(not_scanned) > 10 else "")
        text += f"; not scanned: {shown} (see hosts/)"
    return text


def exit_status(host_rows):
    return EXIT_ALL_SCANNED if all(row["scanned"] for row in host_rows) else EXIT_NOT_ALL_SCANNED


def write_run(uri, options, host_rows, findings, started, status, engine, timings=None):
    document = {
        "run_id": options.run_id, "engine": engine, "input": options.input, "layout": options.layout,
        "state": options.state or None, "auditree": options.auditree, "auditree_options": options.extra,
        "timeout": options.timeout, "started": started, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "hosts": len(host_rows), "hosts_by_status": dict(Counter(row["status"] for row in host_rows)),
        "findings": findings, "exit_status": status, "seconds": timings or {},
    }
    write_lines(join(uri, "run.json"), [json.dumps(document, indent=2)])


def warn(text):
    print(text, file=sys.stderr, flush=True)
