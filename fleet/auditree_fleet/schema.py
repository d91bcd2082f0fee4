"""The two output tables' schemas, written once and turned into Spark and Arrow schemas.

`findings` keeps the ECS names and nesting of auditree's NDJSON (docs/formats.md):
`host.name` is the struct `host` with the field `name`, so `SELECT host.name` works in
Spark SQL and a JSON export gives back auditree's documents. Values are converted
defensively: a value whose JSON type does not fit its column becomes null, and the
whole line auditree wrote is kept in `auditree.ndjson`, so nothing is lost when a newer
auditree adds or changes a field.

A type is "string", "long", "int", "double", "boolean", "timestamp", ("array", T),
("map", T) (string keys) or a list of (name, T) pairs (a struct).
"""
from datetime import datetime, timezone
import json

PROCESS_ECS = [
    ("pid", "long"),
    ("executable", "string"),
    ("name", "string"),
    ("args", ("array", "string")),
    ("args_count", "int"),
    ("command_line", "string"),
    ("working_directory", "string"),
    ("start", "timestamp"),
]

PROCESS_EXTRA = [
    ("ppid", "long"),
    ("known", "boolean"),
    ("origin", "string"),
    ("comm", "string"),
    ("auid", "long"),
    ("euid", "long"),
    ("ses", "long"),
    ("argv_complete", "boolean"),
    ("event", "string"),
    ("executable_hex", "string"),
    ("args_hex", ("array", "string")),
]

FINDING = [
    ("@timestamp", "timestamp"),
    ("ecs", [("version", "string")]),
    ("event", [
        ("kind", "string"),
        ("category", ("array", "string")),
        ("type", ("array", "string")),
        ("created", "timestamp"),
        ("id", "string"),
        ("severity", "int"),
        ("module", "string"),
        ("dataset", "string"),
    ]),
    ("process", PROCESS_ECS + [("parent", PROCESS_ECS)]),
    ("user", [("id", "string"), ("name", "string")]),
    ("host", [("name", "string")]),
    ("rule", [
        ("id", "string"),
        ("name", "string"),
        ("description", "string"),
        ("category", "string"),
        ("ruleset", "string"),
    ]),
    ("threat", [
        ("framework", "string"),
        ("technique", [("id", ("array", "string")), ("subtechnique", [("id", ("array", "string"))])]),
    ]),
    ("log", [("file", [("path", "string")])]),
    ("auditree", [
        ("version", "int"),
        ("severity", "string"),
        ("fingerprint", "string"),
        ("baseline", "string"),
        ("baseline_reason", "string"),
        ("mitre", ("array", "string")),
        ("relation", "string"),
        ("launchers_skipped", "int"),
        ("occurrences", "long"),
        ("process", PROCESS_EXTRA),
        ("parent", PROCESS_EXTRA),
        ("ancestors", "int"),
        ("descendants", "int"),
        ("location", [("file", "string"), ("line", "long")]),
        ("number", "int"),
        # Every occurrence of a grouped finding (docs/json-output.md).
        ("seen", ("array", [("number", "int"), ("event", "string"), ("time", "timestamp"), ("pid", "long"),
                            ("spawner_pid", "long"), ("file", "string"), ("line", "long")])),
        # A free-form object, kept as its JSON text.
        ("match", "json"),
        # Added by the fleet job: the host folder scanned, the run, and auditree's own line.
        ("fleet", [("host", "string"), ("run_id", "string"), ("index", "int")]),
        ("ndjson", "string"),
    ]),
]

FINDING_AUDITREE = dict(FINDING)["auditree"]

HOST = [
    ("host", "string"),
    ("status", "string"),
    ("scanned", "boolean"),
    ("exit_status", "int"),
    ("lines", "long"),
    ("records", "long"),
    ("rejected", "long"),
    ("rejected_by_reason", ("map", "long")),
    ("input_errors", "long"),
    ("findings", "long"),
    ("seconds", "double"),
    ("bytes", "long"),
    ("files", ("array", "string")),
    ("message", "string"),
    ("stderr_tail", "string"),
    ("checkpoint", "string"),
    ("worker", "string"),
    ("run_id", "string"),
]

# The merge key of findings across runs and jobs (docs/fleet.md).
FINDING_KEY = ("host.name", "event.id", "rule.id")


def parse_time(text):
    """auditree's times are ISO 8601 UTC with milliseconds and a Z."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def convert(value, kind):
    """The JSON value as the column type wants it, or None when it does not fit."""
    if value is None:
        return None
    if isinstance(kind, list):
        if not isinstance(value, dict):
            return None
        return {name: convert(value.get(name), sub) for name, sub in kind}
    if isinstance(kind, tuple):
        if kind[0] == "array":
            if not isinstance(value, list):
                return None
            return [convert(item, kind[1]) for item in value]
        if not isinstance(value, dict):
            return None
        return {str(key): convert(item, kind[1]) for key, item in value.items()}
    if kind == "string":
        return value if isinstance(value, str) else None
    if kind in ("long", "int"):
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        limit = 1 << 63 if kind == "long" else 1 << 31
        return value if -limit <= value < limit else None
    if kind == "double":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "timestamp":
        return parse_time(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    raise ValueError(f"unknown column type {kind!r}")


def finding_row(document, line, fleet_host, run_id, index):
    """One findings row from one line of auditree's NDJSON (already parsed into `document`)."""
    row = convert(document, FINDING)
    occurrences = document.get("auditree", {}).get("occurrences") if isinstance(document.get("auditree"), dict) else None
    if isinstance(occurrences, list):  # a list of occurrences instead of a count
        row["auditree"]["occurrences"] = len(occurrences)
        row["auditree"]["seen"] = row["auditree"]["seen"] or convert(occurrences, dict(FINDING_AUDITREE)["seen"])
    row["auditree"]["fleet"] = {"host": fleet_host, "run_id": run_id, "index": index}
    row["auditree"]["ndjson"] = line
    return row


def spark_type(kind):
    from pyspark.sql import types as T
    if isinstance(kind, list):
        return T.StructType([T.StructField(name, spark_type(sub), True) for name, sub in kind])
    if isinstance(kind, tuple):
        if kind[0] == "array":
            return T.ArrayType(spark_type(kind[1]), True)
        return T.MapType(T.StringType(), spark_type(kind[1]), True)
    return {
        "string": T.StringType(), "json": T.StringType(), "long": T.LongType(), "int": T.IntegerType(),
        "double": T.DoubleType(), "boolean": T.BooleanType(), "timestamp": T.TimestampType(),
    }[kind]


def arrow_type(kind):
    import pyarrow as pa
    if isinstance(kind, list):
        return pa.struct([pa.field(name, arrow_type(sub), nullable=True) for name, sub in kind])
    if isinstance(kind, tuple):
        if kind[0] == "array":
            return pa.list_(arrow_type(kind[1]))
        return pa.map_(pa.string(), arrow_type(kind[1]))
    return {
        "string": pa.string(), "json": pa.string(), "long": pa.int64(), "int": pa.int32(),
        "double": pa.float64(), "boolean": pa.bool_(), "timestamp": pa.timestamp("us", tz="UTC"),
    }[kind]


def arrow_schema(fields):
    import pyarrow as pa
    return pa.schema([pa.field(name, arrow_type(kind), nullable=True) for name, kind in fields])
