#!/usr/bin/env python3
"""Fails when a target imports a module it should not (the module graph of docs/architecture.md).

The pipeline stages are targets in one order; each may import only the stages before it. The C
libraries and the third-party packages are each allowed in the targets that wrap them, so
raw C interop and YAML or Mustache stay in one place. Every `import` line of every Swift file
under Sources/ and Tests/ is read (with any attribute or access modifier before it, and inside
#if blocks); a target this script does not know fails too, so a new target gets a line here.

  scripts/check-imports.py        (run by scripts/test.sh)
"""
import os, re, sys

STAGES = ["AuditreeSystem", "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree",
          "AuditreeRules", "AuditreeScan", "AuditreeReport"]
# One test target per stage (Tests/Auditree<Stage>Tests) and the end-to-end one (AuditreeCLITests).
TEST_TARGETS = {stage + "Tests" for stage in STAGES} | {"AuditreeCLITests"}
# Modules that are not stages, and the targets allowed to import them.
SYSTEM = {"Foundation", "FoundationEssentials", "Glibc", "Musl", "Dispatch", "Synchronization", "Testing"}
OTHERS = {
    "CZlib": {"AuditreeInput"},
    # Parser reads only libaudit's record type constants; the calls are in AuditreeSystem.
    # The Parser and Scan tests compare with libaudit; only the Parser tests with libauparse.
    "CAudit": {"AuditreeSystem", "AuditreeParser", "AuditreeParserTests", "AuditreeScanTests"},
    "CAuparse": {"AuditreeParserTests"},
    "Yams": {"AuditreeRules"},
    "Mustache": {"AuditreeReport"},
    # The CLI tests compare PlainScanArguments with ArgumentParser's reading of the
    # executable's ScanCommand.
    "ArgumentParser": {"auditree", "AuditreeCLITests"},
    "AuditreeKit": {"auditree"},
    "auditree": {"AuditreeCLITests"},
    "TestSupport": TEST_TARGETS,
}


def allowed(target, module):
    """Whether `target` may import `module`."""
    if module in SYSTEM:
        return True
    if module in OTHERS:
        return target in OTHERS[module]
    if module not in STAGES:
        return False
    if target in STAGES:
        return STAGES.index(module) < STAGES.index(target)
    # The umbrella re-exports every stage; a stage's tests may drive it through later stages
    # (Scanner.run) and so, like TestSupport, reach any stage; the executable uses the umbrella only.
    return target in {"AuditreeKit", "TestSupport"} | TEST_TARGETS


KNOWN = set(STAGES) | TEST_TARGETS | {"AuditreeKit", "auditree", "TestSupport", "CAudit", "CZlib", "CAuparse"}
IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:struct|class|enum|protocol|typealias|func|var|let)\s+)?(\w+)")


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    problems, files = [], 0
    for top in ("Sources", "Tests"):
        for target in sorted(os.listdir(os.path.join(root, top))):
            folder = os.path.join(root, top, target)
            if not os.path.isdir(folder):
                continue
            if target not in KNOWN:
                problems.append(f"{top}/{target}: a target scripts/check-imports.py does not know: add it to the graph")
                continue
            for directory, _, names in os.walk(folder):
                for name in sorted(names):
                    if not name.endswith(".swift"):
                        continue
                    path = os.path.join(directory, name)
                    files += 1
                    in_string = False  # inside a """ literal (a test's embedded Python, say)
                    for number, line in enumerate(open(path, encoding="utf-8"), 1):
                        if line.count('"""') % 2:
                            in_string = not in_string
                            continue
                        match = None if in_string else IMPORT.match(line)
                        if match and not allowed(target, match.group(1)):
                            relative = os.path.relpath(path, root)
                            problems.append(f"{relative}:{number}:1: error: {target} must not import {match.group(1)} (docs/architecture.md)")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"check-imports: {files} files, {len(problems)} forbidden imports")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
