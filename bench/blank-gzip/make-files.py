#!/usr/bin/env python3
"""Writes the blank-line gzip files of docs/hostile-input.md into the folder given (default .)."""
import gzip, sys, zlib

out = sys.argv[1] if len(sys.argv) > 1 else "."
compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(f"{out}/blank-one.gz", "wb") as f:          # one member, 200 MiB of newlines
    for _ in range(200):
        f.write(compressor.compress(b"\n" * (1 << 20)))
    f.write(compressor.flush())
with open(f"{out}/blank-64k.gz", "wb") as f:          # 2,000 members of 64 KiB of newlines
    f.write(gzip.compress(b"\n" * 65536, mtime=0) * 2000)
with open(f"{out}/blank-tiny.gz", "wb") as f:         # 500,000 members of one newline
    f.write(gzip.compress(b"\n", mtime=0) * 500_000)
