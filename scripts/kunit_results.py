#!/usr/bin/env python3
"""Turn kunit.py's --json output into result lines: STATUS<TAB>suite.case.

Every leaf test case becomes one line (PASS, FAIL or SKIP); a crashed case
counts as FAIL. Prints nothing and exits 1 when the file holds no test case,
so a run that never started is not taken for a pass.
"""
import json
import sys


def walk(group, prefix, out):
    name = group.get("name", "")
    path = f"{prefix}.{name}" if prefix else name
    for case in group.get("test_cases", []):
        status = case.get("status", "FAIL")
        if status not in ("PASS", "SKIP"):
            status = "FAIL"
        out.append(f"{status}\t{path}.{case.get('name', '?')}")
    for sub in group.get("sub_groups", []):
        walk(sub, path, out)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        root = json.load(f)
    out = []
    for sub in root.get("sub_groups", []):
        walk(sub, sys.argv[2] if len(sys.argv) > 2 else "", out)
    for case in root.get("test_cases", []):
        out.append(f"{'PASS' if case.get('status') == 'PASS' else 'FAIL'}\t{case.get('name')}")
    print("\n".join(out))
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main())
