#!/usr/bin/env python3
"""Checks of the workbench's own result parsers, on made-up inputs.

Prints one result line (PASS/FAIL<TAB>name) per check, like every other
test step of make test; exits 1 if any check failed.
"""
import json
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUEST = os.path.join(TOP, "scripts", "guest_results.py")
KUNIT = os.path.join(TOP, "scripts", "kunit_results.py")
LIST = "prog pass 10 on prog\nbad fail 10 on bad\n"
GOOD_LOG = """@@@ BOOTED x
dma-buf: Running sanitycheck
dma-buf: Running dma_fence
dma-buf: Running dma_fence/test_signaling
@@@ START prog
ok 1 a.first
ok 2 a.second # SKIP no device
@@@ END prog 0
@@@ START bad
@@@ END bad 1
@@@ DONE
"""


def run(tool, *args):
    p = subprocess.run([sys.executable, tool, *args], capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines()


def guest(log, lst=LIST):
    with tempfile.TemporaryDirectory() as d:
        lp, ll = os.path.join(d, "log"), os.path.join(d, "list")
        with open(lp, "w") as f:
            f.write(log)
        with open(ll, "w") as f:
            f.write(lst)
        return run(GUEST, lp, ll, "t")


def kunit(tree):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "k.json")
        with open(p, "w") as f:
            json.dump(tree, f)
        return run(KUNIT, p, "uml")


def checks():
    rc, out = guest(GOOD_LOG)
    yield "a clean log with passing programs passes", rc == 0 and not any(
        l.startswith("FAIL") for l in out)
    yield "each TAP test is one case, a skip is a skip", (
        "PASS\tt.prog.a.first" in out and "SKIP\tt.prog.a.second # SKIP no device" in out)
    yield "a program expected to fail passes when it failed", any(
        l.startswith("PASS\tt.harness reports bad") for l in out)
    yield "boot-time dma-buf selftests count their leaves only", (
        "PASS\tt.dmabuf-selftest.dma_fence/test_signaling" in out
        and "PASS\tt.dmabuf-selftest.dma_fence" not in out)
    for report in ("WARNING: CPU: 0 PID: 1 at drivers/x.c:1 f+0x1/0x2",
                   "BUG: KASAN: slab-use-after-free in f+0x1/0x2",
                   "BUG: kernel NULL pointer dereference, address: 0",
                   "WARNING: possible circular locking dependency detected",
                   "unreferenced object 0xffff888000000000 (size 64):"):
        rc, out = guest(GOOD_LOG.replace("@@@ DONE", report + "\n@@@ DONE"))
        yield f"a log with '{report[:30]}' fails", rc == 1 and any(
            "kernel log is clean" in l and l.startswith("FAIL") for l in out)
    rc, out = guest(GOOD_LOG.replace("ok 1 a.first", "not ok 1 a.first"))
    yield "a failed TAP test fails", rc == 1 and "FAIL\tt.prog.a.first" in out
    rc, out = guest(GOOD_LOG.replace("@@@ END prog 0", "@@@ END prog 1"))
    yield "a non-zero exit without a failed TAP test fails", rc == 1
    rc, out = guest(GOOD_LOG.replace("@@@ END bad 1", "@@@ END bad 0"))
    yield "a program expected to fail that passed fails", rc == 1
    rc, out = guest(GOOD_LOG.split("@@@ END prog")[0])
    yield "a guest that stopped mid-test fails", rc == 1 and any(
        "did not finish" in l for l in out)
    rc, out = guest(GOOD_LOG.replace("dma-buf: Running dma_fence/test_signaling",
                                     "dma-buf: Running dma_fence/test_signaling\n"
                                     "dma-buf/dma_fence: test_signaling failed with error -22"))
    yield "a failed boot-time selftest fails", rc == 1
    tree = {"name": "KUnit Test Group", "sub_groups": [{"name": "s", "test_cases": [
        {"name": "a", "status": "PASS"}, {"name": "b", "status": "ERROR"},
        {"name": "c", "status": "SKIP"}], "sub_groups": []}], "test_cases": []}
    rc, out = kunit(tree)
    yield "kunit: a crashed case is a failure", "FAIL\tuml.s.b" in out and "PASS\tuml.s.a" in out
    yield "kunit: a skipped case is a skip", "SKIP\tuml.s.c" in out
    rc, out = kunit({"name": "KUnit Test Group", "sub_groups": [], "test_cases": []})
    yield "kunit: a run with no case is an error", rc == 1


def main():
    bad = 0
    for name, ok in checks():
        print(f"{'PASS' if ok else 'FAIL'}\tworkbench.{name}")
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
