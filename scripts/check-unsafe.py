#!/usr/bin/env python3
"""Keeps raw memory and C interop in the unsafe island (docs/architecture.md, "Memory safety").

  scripts/check-unsafe.py [BUILD_LOG]

The targets listed in STRICT are built with strict memory safety checking, its warnings errors
(Package.swift: `strictSafety`), so the compiler rejects an unsafe construct there that is not
acknowledged with `unsafe`. The NOT_STRICT targets are built with the checking as warnings
(`islandSafety`): every warning in BUILD_LOG (the output of `swift build`) must be in one of
NOT_YET_MOVED. This script also closes what the compiler leaves open:
- a STRICT target must not acknowledge one either: no `unsafe` expression, `@unsafe`,
  `@safe`, `nonisolated(unsafe)` or `unowned(unsafe)` (`@unchecked Sendable` is a concurrency
  matter, not a memory-safety one: the compiler does not flag it, and ChunkQueue and
  SpareArrays guard their state with a lock);
- in the targets not (yet) built strictly, unsafe code may only be in the files listed in
  NOT_YET_MOVED: a strict memory safety warning in the build log in any other file fails the
  run, and so does a line with raw pointers, their closures or C memory functions (found by
  pattern, so it holds when an incremental build does not recompile the file);
- Package.swift gives every STRICT target the strict settings, and every target is in exactly
  one of STRICT and NOT_STRICT.
Run by scripts/test.sh; prints one line per offence and exits 1 when there is any.
"""
import os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The unsafe island: raw memory and C calls behind safe APIs; any of its files may hold them.
ISLAND = "AuditreeSystem"
# Targets built with strict memory safety checking (warnings are errors).
STRICT = {"AuditreeEvents", "AuditreeTree", "AuditreeRules", "AuditreeScan", "AuditreeKit"}
# Targets holding files of NOT_YET_MOVED: strict memory safety as warnings, allowed only in those files.
NOT_STRICT = {"AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeReport", "auditree"}
# Test code (the test targets and their support target) is not checked.
TESTS = {"TestSupport"}

# The files outside the island that still hold raw pointers, C buffers or C calls taking or
# returning pointers: the list only shrinks (a file that no longer needs it must leave it).
NOT_YET_MOVED = {
    "Sources/AuditreeBase/DescriptorWriter.swift",
    "Sources/AuditreeBase/Hex.swift",
    "Sources/AuditreeInput/ByteSource.swift",
    "Sources/AuditreeInput/GzipByteSource.swift",
    "Sources/AuditreeInput/InputSet.swift",
    "Sources/AuditreeInput/LineReader.swift",
    "Sources/AuditreeInput/SkippingByteSource.swift",
    "Sources/AuditreeParser/FieldScanner.swift",
    "Sources/AuditreeParser/LogString.swift",
    "Sources/AuditreeReport/OutputWriter.swift",
    "Sources/auditree/Console.swift",
}

# What marks raw-memory code (pointer types, the closures that lend them, the C memory
# functions) and the escape hatches of strict checking.
RAW = re.compile(r"\bUnsafe(Mutable)?(Raw)?(Buffer)?Pointer\b|\bwithUnsafe\w*|\bwithMemoryRebound\b"
                 r"|\b(memcpy|memmove|memchr|memcmp|memset)\s*\(|\bassumingMemoryBound\b|\.baseAddress\b|\.pointee\b"
                 r"|\bString\(cString:|\.withUTF8\b")
ESCAPE = re.compile(r"(?<![\w.])unsafe\s+[\w(&\[]|@unsafe\b|@safe\b"
                    r"|nonisolated\(unsafe\)|unowned\(unsafe\)|unsafeAddress|unsafeMutableAddress")


def code_lines(path):
    """The lines of a Swift file without // comments and string literals' contents."""
    in_block = False
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if in_block:
                if "*/" not in line:
                    continue
                line = line.split("*/", 1)[1]
                in_block = False
            line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
            if "/*" in line and "*/" not in line:
                line, in_block = line.split("/*", 1)[0], True
            yield number, line.split("//", 1)[0]


def targets(package):
    """Target name -> its block in Package.swift (from its `name:` to the next target)."""
    found = {}
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'\.(?:target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)"', package)]
    for index, (start, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(package)
        found[name] = package[start:end]
    return found


def main():
    problems = []
    package = open(os.path.join(ROOT, "Package.swift"), encoding="utf-8").read()
    for name, block in targets(package).items():
        if block.lstrip().startswith(".testTarget"):
            continue
        if name == ISLAND or name in TESTS:
            continue
        if name in STRICT:
            if "strictSafety" not in block:
                problems.append(f"Package.swift: target {name} is listed as strict but lacks the strictSafety settings")
        elif name not in NOT_STRICT:
            problems.append(f"Package.swift: target {name} is in neither STRICT nor NOT_STRICT of scripts/check-unsafe.py")
        elif "strictSafety" in block:
            problems.append(f"Package.swift: target {name} has the strictSafety settings: move it to STRICT in scripts/check-unsafe.py")
        elif "islandSafety" not in block:
            problems.append(f"Package.swift: target {name} lacks the islandSafety settings (strict memory safety as warnings)")
    for top in ("Sources",):
        for directory, _, files in os.walk(os.path.join(ROOT, top)):
            for file in sorted(files):
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(directory, file)
                relative = os.path.relpath(path, ROOT)
                parts = relative.split(os.sep)
                target = parts[1]
                if target == ISLAND:
                    continue
                for number, line in code_lines(path):
                    if target in STRICT and ESCAPE.search(line):
                        problems.append(f"{relative}:{number}: error: {target} is built with strict memory safety; "
                                        f"move the unsafe code into the island instead of acknowledging it here")
                    if RAW.search(line):
                        if relative not in NOT_YET_MOVED:
                            problems.append(f"{relative}:{number}: error: raw-memory code outside the unsafe island "
                                            f"(docs/architecture.md, \"Memory safety\"): use Span/RawSpan or the island's API")
    if len(sys.argv) > 1:
        warning = re.compile(r"^(/\S+?\.swift):(\d+):\d+: warning: .*\[#StrictMemorySafety\]")
        with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
            for line in log:
                match = warning.match(line)
                if not match:
                    continue
                relative = os.path.relpath(match.group(1), ROOT)
                if relative not in NOT_YET_MOVED and not relative.startswith("..") and not relative.startswith(f"Sources/{ISLAND}/"):
                    problems.append(f"{relative}:{match.group(2)}: error: unsafe code outside the unsafe island "
                                    f"(strict memory safety warning in the build log; docs/architecture.md, \"Memory safety\")")
    for path in sorted(NOT_YET_MOVED):
        if not os.path.exists(os.path.join(ROOT, path)):
            problems.append(f"{path}: listed in NOT_YET_MOVED of scripts/check-unsafe.py but missing")
    problems = list(dict.fromkeys(problems))  # a warning repeats in the log for each batch
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-unsafe: {len(problems)} problem(s)")
        return 1
    print(f"check-unsafe: {len(STRICT)} targets strict; unsafe code only in {ISLAND} and {len(NOT_YET_MOVED)} files not yet moved into it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
