#!/usr/bin/env python3
"""Turn kunit.py's --json output into result lines: STATUS<TAB>suite.case.

usage: kunit_results.py JSON TAG [SRCDIR GLOB [early]]

Every leaf test case becomes one line (PASS, FAIL or SKIP); a crashed case
counts as FAIL. Exits 1 when the file holds no test case (or does not
exist), so a run that never started is not taken for a pass.

With SRCDIR and GLOB (a kunit.py filter glob of configs/kunit/suites),
every KUnit suite defined in SRCDIR whose name matches GLOB must have run:
one that did not is a failed case. With 'early' (make check, at a patch
before the one that adds a suite), a glob that matches no suite in SRCDIR
and ran no test is one SKIP line saying so, not a failure.
"""
import fnmatch
import json
import os
import re
import subprocess
import sys

SUITE = re.compile(r"struct\s+kunit_suite\s+\w+\s*=\s*\{(.*?)\};", re.S)
NAME = re.compile(r"\.name\s*=\s*\"([^\"]+)\"")


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


def suites_in_tree(srcdir, glob):
    """Names of the KUnit suites defined in srcdir that match glob. The
    files to read: those listed in the file KUNIT_SUITE_FILES names (paths
    relative to srcdir; kunit.sh finds them once for all globs), or every
    .c file of srcdir that defines a suite."""
    suite_glob = glob.split(".")[0]
    listed = os.environ.get("KUNIT_SUITE_FILES")
    if listed and os.path.isfile(listed):
        with open(listed, encoding="utf-8") as f:
            paths = f.read().split()
    else:
        paths = subprocess.run(["grep", "-rlE", "--include=*.c", r"struct\s+kunit_suite\s+\w+\s*=", "."],
                               cwd=srcdir, capture_output=True, text=True).stdout.split()
    names = set()
    for f in paths:
        with open(os.path.join(srcdir, f), encoding="utf-8", errors="replace") as fh:
            for body in SUITE.findall(fh.read()):
                m = NAME.search(body)
                if m and fnmatch.fnmatchcase(m.group(1), suite_glob):
                    names.add(m.group(1))
    return sorted(names)


def main():
    args = sys.argv[1:]
    tag = args[1] if len(args) > 1 else ""
    out = []
    ran = set()
    try:
        with open(args[0], encoding="utf-8") as f:
            root = json.load(f)
    except (OSError, ValueError):
        root = {}
    for sub in root.get("sub_groups", []):
        ran.add(sub.get("name", ""))
        walk(sub, tag, out)
    for case in root.get("test_cases", []):
        out.append(f"{'PASS' if case.get('status') == 'PASS' else 'FAIL'}\t{case.get('name')}")
    bad = not out
    if len(args) > 3:
        srcdir, glob = args[2], args[3]
        early = len(args) > 4 and args[4] == "early"
        expected = suites_in_tree(srcdir, glob)
        for s in expected:
            if s not in ran:
                out.append(f"FAIL\t{tag}.{s}: suite in the tree, but it did not run")
                bad = True
        if not expected and not ran and early:
            out.append(f"SKIP\t{tag}.{glob}: no suite matches at this patch (none in the tree yet)")
            bad = False
        elif not ran:
            out.append(f"FAIL\t{tag}.{glob}: no test case ran")
    print("\n".join(out))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
