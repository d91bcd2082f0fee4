"""Options shared by the Spark job and the local runner."""
import argparse
import os
import uuid
from datetime import datetime, timezone

from .hosts import DEFAULT_LAYOUT

# Options the worker sets itself for every host: giving them again would break the run.
RESERVED = ("--output", "--checkpoint", "--host", "--threads")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".jar")


class UsageError(Exception):
    pass


def default_auditree():
    """$AUDITREE, else this checkout's most recent build (release or debug), else `auditree` on PATH."""
    if os.environ.get("AUDITREE"):
        return os.environ["AUDITREE"]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    builds = [os.path.join(repo, ".build", build, "auditree") for build in ("release", "debug")]
    builds = [path for path in builds if os.access(path, os.X_OK)]
    return max(builds, key=os.path.getmtime) if builds else "auditree"


def parser(prog, description):
    p = argparse.ArgumentParser(prog=prog, description=description,
                                epilog="Options after `--` go to every `auditree scan` (for example --rules, --fail-on, --no-group).")
    p.add_argument("--input", required=True, metavar="DIR_OR_URI", help="the folder (or object store URI) holding one folder per host")
    p.add_argument("--output", required=True, metavar="DIR_OR_URI", help="where findings/, hosts/ (Parquet) and run.json go")
    p.add_argument("--state", metavar="DIR_OR_URI", default="", help="keep each host's auditree checkpoint here: each finding is reported once across runs")
    p.add_argument("--auditree", metavar="PATH_OR_ARCHIVE", default=None,
                   help="the auditree executable, or a .tar.gz/.tgz/.zip release archive holding bin/auditree (default: $AUDITREE, this checkout's build, PATH)")
    p.add_argument("--ndjson", action="store_true", help="also write findings.ndjson (one finding a line, for Elasticsearch) and hosts.ndjson")
    p.add_argument("--timeout", type=float, default=3600.0, metavar="S", help="seconds one host may take before auditree is killed (default 3600)")
    p.add_argument("--layout", default=DEFAULT_LAYOUT, help=f"where a host's logs are below --input; {{host}} is the host's folder (default {DEFAULT_LAYOUT!r})")
    p.add_argument("--overwrite", action="store_true", help="replace findings/ and hosts/ if --output already holds them")
    return p


def split_argv(argv):
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def finish(p, ours, extra):
    options = p.parse_args(ours)
    for arg in extra:
        if arg.split("=", 1)[0] in RESERVED:
            p.error(f"{arg.split('=', 1)[0]} after `--` is set by the fleet job for each host; leave it out")
    if options.timeout <= 0:
        p.error("--timeout must be positive")
    options.extra = extra
    options.auditree = options.auditree or default_auditree()
    options.is_archive = options.auditree.endswith(ARCHIVE_SUFFIXES)
    options.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    return options
