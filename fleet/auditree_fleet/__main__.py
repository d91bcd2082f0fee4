"""python -m auditree_fleet scan ...: the local runner (see docs/fleet.md)."""
import sys

USAGE = "usage: python -m auditree_fleet scan -j N --input DIR --output DIR [options] [-- auditree options]"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "scan":
        print(f"auditree-fleet: unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    from .local import run
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
