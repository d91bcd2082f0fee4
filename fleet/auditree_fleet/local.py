"""The local runner: the same worker as the Spark job, on a thread pool of one machine.

  python -m auditree_fleet scan -j N --input DIR --output DIR [--state DIR] [--ndjson] [-- auditree options]
"""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
import os
import shutil
import sys
import tarfile
import tempfile
import time
import zipfile

from . import options as opts
from . import output, schema
from .hosts import LayoutError, list_hosts, plan_partitions
from .worker import WorkerConfig, find_executable, scan_host


def _unpack(archive, into):
    if archive.endswith(".zip") or archive.endswith(".jar"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="tar")
    found = find_executable(into)
    if not found:
        raise FileNotFoundError(f"{archive}: no 'auditree' executable inside")
    return found


def _write_parquet(rows, fields, folder):
    import pyarrow as pa
    import pyarrow.parquet as pq
    fs, path, _ = output.filesystem(folder)
    fs.makedirs(path, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema.arrow_schema(fields))
    with fs.open(path.rstrip("/") + "/part-00000.parquet", "wb") as out:
        pq.write_table(table, out)


def run(argv):
    ours, extra = opts.split_argv(argv)
    p = opts.parser("python -m auditree_fleet scan", "Scan every host's audit logs with auditree on this machine.")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N", help="hosts scanned at once (default: the CPUs)")
    options = opts.finish(p, ours, extra)
    if options.jobs < 1:
        p.error("-j must be at least 1")
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    clock = time.monotonic()
    unpacked = None
    try:
        hosts = list_hosts(options.input, options.layout, warn=output.warn)
        if not hosts:
            raise FileNotFoundError(f"{options.input}: no host folders (layout {options.layout})")
        output.check_output(options.output, options.overwrite)
        binary = options.auditree
        if options.is_archive:
            unpacked = tempfile.mkdtemp(prefix="auditree-fleet-bin-")
            binary = _unpack(options.auditree, unpacked)
    except (OSError, LayoutError) as error:
        output.warn(f"auditree-fleet: error: {error}")
        return output.EXIT_JOB_FAILED
    timings = {"listing": round(time.monotonic() - clock, 3)}
    clock = time.monotonic()
    try:
        config = WorkerConfig(auditree=binary, run_id=options.run_id, timeout=options.timeout,
                              extra=options.extra, state=options.state)
        order = [host for group in plan_partitions(hosts, len(hosts)) for host in group]  # largest first
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            results = list(pool.map(lambda task: scan_host(task, config), order))
    finally:
        if unpacked:
            shutil.rmtree(unpacked, ignore_errors=True)

    timings["scan"] = round(time.monotonic() - clock, 3)
    clock = time.monotonic()
    host_rows = sorted((row for row, _ in results), key=lambda row: row["host"])
    findings = sorted((f for _, fs in results for f in fs),
                      key=lambda f: (f["auditree"]["fleet"]["host"], f["auditree"]["fleet"]["index"]))
    _write_parquet(findings, schema.FINDING, output.join(options.output, "findings"))
    if options.ndjson:
        output.write_lines(output.join(options.output, "findings.ndjson"), (f["auditree"]["ndjson"] for f in findings))
    output.commit_checkpoints(options.state, options.run_id, host_rows, output.warn)
    _write_parquet(host_rows, schema.HOST, output.join(options.output, "hosts"))
    if options.ndjson:
        output.write_lines(output.join(options.output, "hosts.ndjson"), (output.host_json(r) for r in host_rows))
    status = output.exit_status(host_rows)
    timings["write"] = round(time.monotonic() - clock, 3)
    output.write_run(options.output, options, host_rows, len(findings), started, status, "local", timings)
    output.warn(output.summary_line(host_rows, len(findings)))
    return status
