#!/usr/bin/env python3
"""msticpy as a user would run it on a recorded audit.log: its offline auditd reader
(msticpy.transform.auditdextract.read_from_file, the exec events) and its process tree
(msticpy.transform.proc_tree_builder.build_process_tree with the Linux schema).
Prints the counts, so the work cannot be skipped.

  python msticpy-tree.py AUDIT_LOG
"""
import sys, warnings

warnings.simplefilter("ignore")
from msticpy.transform.auditdextract import read_from_file
from msticpy.transform.proc_tree_builder import build_process_tree
from msticpy.transform.proc_tree_schema import LX_EVENT_SCH

events = read_from_file(sys.argv[1], event_type="SYSCALL_EXECVE")
events["Computer"] = "host"  # the schema groups by host; a single-host log has none
tree = build_process_tree(events, schema=LX_EVENT_SCH)
print(f"msticpy: {len(events)} exec events, {len(tree)} processes in the tree")
