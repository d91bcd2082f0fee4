"""The Spark job: one auditree subprocess per host, hosts spread over partitions largest first.

  spark-submit fleet/auditree_fleet/job.py --input DIR_OR_URI --output DIR_OR_URI \
      [--state DIR_OR_URI] [--auditree PATH_OR_ARCHIVE] [--ndjson] [--timeout S] \
      [--layout PATTERN] [--partitions N] [--engine rdd|pandas] [-- auditree options]

The driver lists the hosts (fsspec) and plans the partitions; each task runs the worker
(worker.py) on its hosts through mapPartitions (or, with --engine pandas, through
groupBy(host).applyInPandas for clusters without RDD APIs). Not RDD.pipe (it re-encodes
bytes as text, splits a host over records and drops exit codes and stderr) and not
textFile (it would split a host's logs over tasks and break its process tree).

Exit status: 0 every host was scanned, 1 some host was not (its hosts/ row says why),
2 the job itself could not run. Findings never change the exit status.
"""
import atexit
import functools
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile

if __package__ in (None, ""):  # run as a file by spark-submit: make the package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "auditree_fleet"

from auditree_fleet import options as opts  # noqa: E402
from auditree_fleet import output, schema  # noqa: E402
from auditree_fleet.hosts import LayoutError, list_hosts, plan_partitions  # noqa: E402
from auditree_fleet.worker import (WorkerConfig, scan_host, scan_partition,  # noqa: E402
                                   task_from_json, task_to_json)

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SHIPPED = set()


def package_zip():
    """This package as a zip for SparkContext.addPyFile, so executors import the same worker.

    The zip stays until this driver process exits: on a cluster, executors fetch it from the
    driver's file server (which serves this very path) whenever they start a task."""
    folder = tempfile.mkdtemp(prefix="auditree-fleet-py-")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "auditree_fleet.zip")
    with zipfile.ZipFile(path, "w") as z:
        for name in sorted(os.listdir(PACKAGE_DIR)):
            if name.endswith(".py"):
                z.write(os.path.join(PACKAGE_DIR, name), "auditree_fleet/" + name)
    return path


def _pandas_scan(config, frame):
    """applyInPandas body: the same worker, rows in and out as JSON text."""
    import pandas as pd
    out = []
    for text in frame["task"]:
        task = task_from_json(text)
        host_row, findings = scan_host(task, config)
        out += [("finding", task.host, json.dumps(f, default=_iso, ensure_ascii=False)) for f in findings]
        out.append(("host", task.host, json.dumps(host_row, default=_iso, ensure_ascii=False)))
    return pd.DataFrame(out, columns=["kind", "host", "payload"])


def _iso(value):
    return value.isoformat()


def _revive(kind, value):
    """JSON text back to the row types (timestamps) the schema wants."""
    if isinstance(kind, list):
        return None if value is None else {name: _revive(sub, value.get(name)) for name, sub in kind}
    if isinstance(kind, tuple):
        if value is None:
            return None
        if kind[0] == "array":
            return [_revive(kind[1], item) for item in value]
        return {key: _revive(kind[1], item) for key, item in value.items()}
    if kind == "timestamp":
        return schema.parse_time(value)
    return value


def scan_with_rdd(spark, plan, config, options):
    """mapPartitions; the results are kept (memory, then disk) so the hosts are scanned once."""
    sc = spark.sparkContext
    from pyspark import StorageLevel
    results = sc.parallelize(plan, len(plan)).mapPartitions(functools.partial(scan_partition, config))
    results.persist(StorageLevel.MEMORY_AND_DISK)
    host_rows = results.filter(lambda pair: pair[0] == "host").map(lambda pair: pair[1]).collect()
    findings = results.filter(lambda pair: pair[0] == "finding").map(lambda pair: pair[1])
    return host_rows, findings, results.unpersist


def scan_with_pandas(spark, plan, config, options):
    """groupBy(host).applyInPandas, for compute without RDD APIs (Databricks shared, serverless).
    The results are written once to OUTPUT/_scan (serverless compute cannot cache) and read
    back, so the hosts are scanned once."""
    from pyspark.sql import functions as F
    tasks = [(task.host, task_to_json(task)) for group in plan for task in group]
    frame = spark.createDataFrame(tasks, "host string, task string").repartition(len(plan), "host")
    scanned = frame.groupBy("host").applyInPandas(functools.partial(_pandas_scan, config),
                                                  "kind string, host string, payload string")
    staging = output.join(options.output, "_scan")
    scanned.write.mode("overwrite").parquet(staging)
    scanned = spark.read.parquet(staging)

    def cleanup():
        fs, path, _ = output.filesystem(staging)
        fs.rm(path, recursive=True)
    host_rows = [_revive(schema.HOST, json.loads(r.payload)) for r in scanned.where(F.col("kind") == "host").collect()]
    payloads = scanned.where(F.col("kind") == "finding").select("payload")
    findings = payloads.rdd.map(lambda r: _revive(schema.FINDING, json.loads(r.payload))) if _has_rdd(payloads) else None
    if findings is None:  # no RDD API at all: from_json does the same typing
        typed = payloads.select(F.from_json("payload", schema.spark_type(schema.FINDING)).alias("f")).select("f.*")
        return host_rows, typed, cleanup
    return host_rows, findings, cleanup


def _has_rdd(frame):
    try:
        frame.rdd
        return True
    except Exception:
        return False


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ours, extra = opts.split_argv(argv)
    p = opts.parser("spark-submit fleet/auditree_fleet/job.py", "Scan every host's audit logs with auditree on Spark.")
    p.add_argument("--partitions", type=int, default=0, metavar="N", help="Spark partitions (default: 4 x the default parallelism, at most one per host)")
    p.add_argument("--engine", choices=("rdd", "pandas"), default="rdd",
                   help="rdd: mapPartitions (default); pandas: groupBy(host).applyInPandas, where RDD APIs are unavailable")
    options = opts.finish(p, ours, extra)
    from datetime import datetime, timezone
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    clock = time.monotonic()
    try:
        hosts = list_hosts(options.input, options.layout, warn=output.warn)
        if not hosts:
            raise FileNotFoundError(f"{options.input}: no host folders (layout {options.layout})")
        output.check_output(options.output, options.overwrite)
    except (OSError, LayoutError) as error:
        output.warn(f"auditree-fleet: error: {error}")
        return output.EXIT_JOB_FAILED

    listed = time.monotonic()
    try:
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.appName("auditree-fleet").getOrCreate()
        timings = {"listing": round(listed - clock, 3), "session": round(time.monotonic() - listed, 3)}
        return run(spark, options, hosts, started, timings)
    except Exception as error:  # Spark or a write failed: the job did not run, whatever the hosts did
        import traceback
        traceback.print_exc()
        output.warn(f"auditree-fleet: error: the job failed: {error.__class__.__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        return output.EXIT_JOB_FAILED


def run(spark, options, hosts, started, timings=None):
    """Everything after the listing, given a session (tests call this with theirs)."""
    timings = dict(timings or {})
    clock = time.monotonic()
    try:
        sc = spark.sparkContext
    except Exception:  # Spark Connect (Databricks shared and serverless compute): no SparkContext
        sc = None
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    if sc is not None and sc.applicationId not in _SHIPPED:  # once: Spark refuses a second file of the same name
        sc.addPyFile(package_zip())
        _SHIPPED.add(sc.applicationId)
    config = WorkerConfig(auditree=options.auditree, run_id=options.run_id, timeout=options.timeout,
                          extra=options.extra, state=options.state)
    if options.is_archive:
        if sc is None:
            raise RuntimeError("--auditree: an archive needs SparkContext.addArchive, which Spark Connect lacks; "
                               "give the path of an unpacked auditree every worker can read (a Volume)")
        sc.addArchive(options.auditree)
        config.archive = os.path.basename(options.auditree)
    parallelism = sc.defaultParallelism if sc is not None else int(spark.conf.get("spark.default.parallelism", "8"))
    partitions = options.partitions if getattr(options, "partitions", 0) else 4 * parallelism
    plan = plan_partitions(hosts, partitions)

    engine = getattr(options, "engine", "rdd")
    if sc is None and engine == "rdd":
        raise RuntimeError("no RDD API here (Spark Connect): run with --engine pandas")
    host_rows, findings, cleanup = (scan_with_pandas if engine == "pandas" else scan_with_rdd)(spark, plan, config, options)
    timings["scan"] = round(time.monotonic() - clock, 3)
    clock = time.monotonic()
    try:
        if hasattr(findings, "map"):  # an RDD of row dicts
            frame = spark.createDataFrame(findings, schema.spark_type(schema.FINDING), verifySchema=False)
        else:
            frame = findings
        frame.write.mode("overwrite" if options.overwrite else "errorifexists").parquet(output.join(options.output, "findings"))
        count = sum(row["findings"] or 0 for row in host_rows)  # what the tasks read; no second pass over the data
        if options.ndjson:
            ordered = frame.select("auditree.fleet.host", "auditree.fleet.index", "auditree.ndjson") \
                .orderBy("host", "index").toLocalIterator()
            output.write_lines(output.join(options.output, "findings.ndjson"), (row["ndjson"] for row in ordered))
        output.commit_checkpoints(options.state, options.run_id, host_rows, output.warn)
        host_rows.sort(key=lambda row: row["host"])
        hosts_frame = spark.createDataFrame(host_rows, schema.spark_type(schema.HOST), verifySchema=False)
        hosts_frame.coalesce(1).write.mode("overwrite" if options.overwrite else "errorifexists") \
            .parquet(output.join(options.output, "hosts"))
        if options.ndjson:
            output.write_lines(output.join(options.output, "hosts.ndjson"), (output.host_json(r) for r in host_rows))
    finally:
        cleanup()
    status = output.exit_status(host_rows)
    timings["write"] = round(time.monotonic() - clock, 3)
    output.write_run(options.output, options, host_rows, count, started, status, "spark-" + engine, timings)
    output.warn(output.summary_line(host_rows, count))
    return status


if __name__ == "__main__":
    sys.exit(main())
