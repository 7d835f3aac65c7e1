#!/usr/bin/env python3
"""Checks of the workbench's own result parsers, on made-up inputs.

Prints one result line (PASS/FAIL<TAB>name) per check, like every other
test step of make test; exits 1 if any check failed. Each parser gets a
bad input it must fail on and a good one it must pass.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUEST = os.path.join(TOP, "scripts", "guest_results.py")
KUNIT = os.path.join(TOP, "scripts", "kunit_results.py")
CHECKPATCH = os.path.join(TOP, "scripts", "checkpatch_exceptions.py")
TOTALS = os.path.join(TOP, "scripts", "totals.py")
HOSTCHECK = os.path.join(TOP, "scripts", "hostcheck.py")
WATCH = os.path.join(TOP, "scripts", "console-watch.sh")
LIST = "prog pass 10 on prog\nbad fail:1 10 on bad\n"
SELFTESTS_H = "selftest(sanitycheck, __sanitycheck__) /* keep first */\n" \
    "selftest(dma_fence, dma_fence)\nselftest(dma_resv, dma_resv)\n"
ST_OK = "@@@ initcall st_init+0x0/0x70 returned 0 after 5 usecs"
GOOD_LOG = f"""dma-buf: Running sanitycheck
dma-buf: Running dma_fence
dma-buf: Running dma_fence/test_signaling
dma-buf: Running dma_fence/test_wait
dma-buf: Running dma_resv
dma-buf: Running dma_resv/test_signaling
dma-buf: Running dma_resv/test_signaling
@@@ BOOTED x
{ST_OK}
@@@ START prog
TAP version 13
1..3
ok 1 a.first
ok 2 a.second # SKIP no device
ok 3 a.third
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
@@@ END prog 0
@@@ START bad
@@@ END bad 1
@@@ DONE
"""
# tests/guest/kunit.sh's output: two suites, one with a parameterised case.
KTAP_RUN = """@@@ START ku
KTAP version 1
    KTAP version 1
    # Subtest: s-one
    1..2
    ok 1 plain
        KTAP version 1
        # Subtest: param
        ok 1 first one
        ok 2 second # SKIP not here
    # param: pass:1 fail:0 skip:1 total:2
    ok 2 param
# s-one: pass:2 fail:0 skip:0 total:2
ok 1 s-one
    KTAP version 1
    # Subtest: s-two
    1..1
    ok 1 alone
ok 2 s-two
1..2
@@@ END ku 0
@@@ KLOG ku
WARNING: CPU: 0 PID: 9 at d.c:1 f+0x1/0x2
@@@ KLOG-END ku
"""
EXCEPTIONS = ("# comment\n"
              "dma-buf: Add a file\tWARNING:FILE_PATH_CHANGES\tadded, moved or deleted file(s), "
              "does MAINTAINERS need updating?\tthe directory is covered\n")
FINDING = ("WARNING:FILE_PATH_CHANGES: added, moved or deleted file(s), does MAINTAINERS need updating?\n"
           "#56: \nnew file mode 100644\n\n")
OTHER = "CHECK:LINE_SPACING: Please use a blank line after function/struct/union/enum declarations\n" \
    "#70: FILE: drivers/dma-buf/x.c:12:\n+}\n\n"


def run(tool, *args):
    p = subprocess.run([sys.executable, tool, *args], capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines()


def files(d, **contents):
    paths = []
    for name, text in contents.items():
        p = os.path.join(d, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        paths.append(p)
    return paths


def guest(log, lst=LIST, selftests=True):
    with tempfile.TemporaryDirectory() as d:
        lp, ll, sh = files(d, log=log, list=lst, sh=SELFTESTS_H)
        return run(GUEST, lp, ll, "t", *([sh] if selftests else []))


def guest_mode(mode, text):
    with tempfile.TemporaryDirectory() as d:
        p, = files(d, f=text)
        return run(GUEST, mode, p, "t")


def kunit(tree, *extra):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "k.json")
        with open(p, "w") as f:
            json.dump(tree, f)
        return run(KUNIT, p, "uml", *extra)


def suite_json(*suites):
    return {"name": "KUnit Test Group", "test_cases": [], "sub_groups": [
        {"name": s, "test_cases": [{"name": "a", "status": "PASS"}], "sub_groups": []}
        for s in suites]}


def checkpatch(log, subject="dma-buf: Add a file"):
    with tempfile.TemporaryDirectory() as d:
        e, l = files(d, exc=EXCEPTIONS, log=log)
        return run(CHECKPATCH, e, subject, l)


def hostcheck(log, data):
    with tempfile.TemporaryDirectory() as d:
        lp, = files(d, log=log)
        bp = os.path.join(d, "bar2")
        with open(bp, "wb") as f:
            f.write(data)
        return run(HOSTCHECK, lp, bp, "t")


def dma_pattern(seed, n):
    """dma_pattern() of tests/guest/guest.h, written out again."""
    return bytes(((i * 131 + seed * 17 + (i >> 8)) ^ seed) & 0xff for i in range(n))


def fails_with(out, *words):
    return any(l.startswith("FAIL") and all(w in l for w in words) for l in out)


def guest_checks():
    rc, out = guest(GOOD_LOG)
    yield "a clean log with passing programs passes", rc == 0 and not any(
        l.startswith("FAIL") for l in out)
    yield "each TAP test is one case, a skip is a skip", (
        "PASS\tt.prog.a.first" in out and "SKIP\tt.prog.a.second # SKIP no device" in out)
    yield "a program expected to fail passes when it failed with the expected status", any(
        l.startswith("PASS\tt.harness reports bad as failed (exit 1, expected 1)") for l in out)
    for report in ("WARNING: CPU: 0 PID: 1 at drivers/x.c:1 f+0x1/0x2",
                   "BUG: KASAN: slab-use-after-free in f+0x1/0x2",
                   "BUG: kernel NULL pointer dereference, address: 0",
                   "WARNING: possible circular locking dependency detected",
                   "unreferenced object 0xffff888000000000 (size 64):"):
        rc, out = guest(GOOD_LOG.replace("@@@ DONE", report + "\n@@@ DONE"))
        yield f"a log with '{report[:30]}' fails", rc == 1 and fails_with(out, "kernel log is clean")
    rc, out = guest(GOOD_LOG.replace("ok 1 a.first", "not ok 1 a.first"))
    yield "a failed TAP test fails", rc == 1 and "FAIL\tt.prog.a.first" in out
    rc, out = guest(GOOD_LOG.replace("@@@ END prog 0", "@@@ END prog 1"))
    yield "a non-zero exit without a failed TAP test fails", rc == 1
    rc, out = guest(GOOD_LOG.replace("@@@ END bad 1", "@@@ END bad 0"))
    yield "a program expected to fail that passed fails", rc == 1
    rc, out = guest(GOOD_LOG.split("@@@ END prog")[0])
    yield "a guest that stopped mid-test fails", rc == 1 and any(
        "did not finish" in l for l in out)

    # (a) boot-time dma-buf selftests: positive evidence only.
    rc, out = guest(GOOD_LOG)
    yield "dma-buf selftests: each selftest and subtest with evidence passes", rc == 0 and all(
        f"PASS\tt.dmabuf-selftest.{n}" in out for n in (
            "sanitycheck", "dma_fence", "dma_fence/test_signaling", "dma_fence/test_wait",
            "dma_resv", "dma_resv/test_signaling", "dma_resv/test_signaling (round 2)")) and any(
        l.startswith("PASS\tt.dmabuf-selftest: all 3 selftests") for l in out)
    rc, out = guest(GOOD_LOG.replace("dma-buf: Running dma_fence/test_wait",
                                     "dma-buf: Running dma_fence/test_wait\n"
                                     "dma-buf/dma_fence: test_wait failed with error -22"))
    yield "dma-buf selftests: a failed subtest fails", rc == 1 and fails_with(
        out, "dmabuf-selftest.dma_fence/test_wait", "error -22")
    # dma_fence returns an error after its subtests: it prints nothing, and
    # dma_resv never runs.
    stopped = GOOD_LOG.split("dma-buf: Running dma_resv\n")[0] + "@@@ BOOTED x\n" + \
        ST_OK.replace("returned 0", "returned -12") + "\n" + GOOD_LOG.split(ST_OK + "\n")[1]
    rc, out = guest(stopped)
    yield "dma-buf selftests: a selftest that returns an error silently fails", rc == 1 and \
        fails_with(out, "dmabuf-selftest.dma_fence:", "returned -12")
    yield "dma-buf selftests: the selftests after one that stopped the run fail", fails_with(
        out, "dmabuf-selftest.dma_resv: did not run") and fails_with(out, "dmabuf-selftest: all 3")
    rc, out = guest(GOOD_LOG.replace(ST_OK + "\n", ""))
    yield "dma-buf selftests: the last one fails without st_init's return value", rc == 1 and \
        fails_with(out, "dmabuf-selftest.dma_resv/test_signaling (round 2)", "no sign")
    rc, out = guest("\n".join(l for l in GOOD_LOG.splitlines() if "dma-buf: Running" not in l) + "\n")
    yield "dma-buf selftests: a boot without them fails", rc == 1 and fails_with(
        out, "dmabuf-selftest.sanitycheck: did not run")

    # (b) the TAP plan: a kernel message that splits or replaces a result line.
    rc, out = guest(GOOD_LOG.replace("ok 2 a.second # SKIP no device",
                                     "ok 2DMAR: DRHD: handling fault status reg 2\n a.second # SKIP"))
    yield "TAP: a result line split by a kernel message fails the plan", rc == 1 and fails_with(
        out, "prog: plan 1..3", "missing: 2")
    rc, out = guest(GOOD_LOG.replace("ok 3 a.third\n", ""))
    yield "TAP: a case missing from the plan fails", rc == 1 and fails_with(out, "missing: 3")
    rc, out = guest(GOOD_LOG.replace("1..3\n", ""))
    yield "TAP: results without a plan fail", rc == 1 and fails_with(out, "prog: 0 TAP plans")
    rc, out = guest(GOOD_LOG.replace("ok 3 a.third", "ok 3 a.third\nok 3 a.third"))
    yield "TAP: a case reported twice fails", rc == 1 and fails_with(out, "repeated: 3")

    # (b2) KTAP: KUnit's nested suites (tests/guest/kunit.sh), and the
    # WARNs a pass:warns row may leave in its own kernel log.
    ktap_list = LIST + "ku pass:warns 10 on kunit.sh\n"
    ktap = GOOD_LOG.replace("@@@ DONE", KTAP_RUN + "@@@ DONE")
    rc, out = guest(ktap, ktap_list)
    yield "KTAP: each leaf of a suite is a case named by its path", rc == 0 and all(
        c in out for c in ("PASS\tt.ku.s-one.plain", "PASS\tt.ku.s-one.param.first one",
                           "SKIP\tt.ku.s-one.param.second", "PASS\tt.ku.s-two.alone")) and \
        not any(".ku.s-one\t" in l or l.endswith(".ku.s-one") for l in out)
    rc, out = guest(ktap.replace("        ok 1 first one", "        not ok 1 first one"), ktap_list)
    yield "KTAP: a failed parameter fails", rc == 1 and "FAIL\tt.ku.s-one.param.first one" in out
    rc, out = guest(ktap.replace("    ok 1 plain\n", ""), ktap_list)
    yield "KTAP: a case missing from its suite's plan fails", rc == 1 and fails_with(
        out, "ku: a group's plan 1..2", "1 results")
    rc, out = guest(ktap.replace("    ok 1 alone\n", ""), ktap_list)
    yield "KTAP: a suite whose planned cases never reported fails", rc == 1 and fails_with(
        out, "ku: a group's plan 1..1", "0 results")
    rc, out = guest(ktap.replace("ok 2 s-two\n", ""), ktap_list)
    yield "KTAP: a suite without its result line fails", rc == 1 and fails_with(
        out, "ku: 1 results at indent 4 without their group's result line")
    rc, out = guest(ktap.replace("ok 2 s-two", "not ok 2 s-two"), ktap_list)
    yield "KTAP: a failed suite with passing cases fails", rc == 1 and fails_with(
        out, "ku.s-two: the group failed")
    rc, out = guest(ktap, ktap_list.replace("pass:warns", "pass"))
    yield "pass:warns: without it, a WARN in the row's kernel log fails", rc == 1 and fails_with(
        out, "kernel log is clean", "WARNING: CPU: 0")
    rc, out = guest(ktap.replace("WARNING: CPU: 0 PID: 9 at d.c:1", "BUG: KASAN: use-after-free in f"),
                    ktap_list)
    yield "pass:warns: other reports in the row's kernel log still fail", rc == 1 and fails_with(
        out, "kernel log is clean", "KASAN")
    rc, out = guest(ktap.replace("@@@ START prog", "WARNING: CPU: 1 PID: 2 at e.c:2 g+0x1/0x2\n@@@ START prog"),
                    ktap_list)
    yield "pass:warns: a WARN outside the row's kernel log still fails", rc == 1 and fails_with(
        out, "kernel log is clean", "e.c:2")

    # (c) a program expected to fail must fail with its own status.
    rc, out = guest(GOOD_LOG.replace("@@@ END bad 1", "@@@ END bad 127"))
    yield "expected failure: exit 127 (not found) is not the expected status", rc == 1 and \
        fails_with(out, "harness reports bad as failed (exit 127, expected 1)")
    rc, out = guest(GOOD_LOG.replace("@@@ END bad 1", "@@@ END bad 143"),
                    LIST.replace("fail:1", "fail:143"))
    yield "expected failure: a timeout is exit 143", rc == 0

    # (d) malformed rows of the guest list.
    rc, out = guest_mode("--check-list", LIST)
    yield "list: a well-formed list passes", rc == 0 and any(
        l.startswith("PASS\tt.list: 2 rows") for l in out)
    for row, why in (("x pass 10 of x", "iommu is 'of'"), ("x pass 10 on", "4 fields"),
                     ("x fail 10 on x", "expect is 'fail'"), ("x pass ten on x", "timeout"),
                     ("prog pass 10 off prog", "listed twice"),
                     ("x pass 10 on/fast x", "iommu is 'on/fast'")):
        rc, out = guest_mode("--check-list", LIST + row + "\n")
        yield f"list: row '{row}' fails", rc == 1 and fails_with(out, "list line 3", why)
    rc, out = guest_mode("--check-list", LIST + "x pass 10 on/normal x\ny pass 10 off/debug y\n")
    yield "list: rows for one guest kernel (on/normal, off/debug) pass", rc == 0 and any(
        l.startswith("PASS\tt.list: 4 rows") for l in out)
    rc, out = guest(GOOD_LOG, LIST + "x pass 10 on\n")
    yield "list: a malformed row of a boot's list fails the boot", rc == 1 and fails_with(
        out, "list line 3")

    # (e) vm.sh run / make demo: the whole run.
    rc, out = guest_mode("--log-only", "@@@ START p\nok\n@@@ END p 0\n@@@ DONE\n")
    yield "run: a clean run that reached its end passes", rc == 0 and len(out) == 2
    rc, out = guest_mode("--log-only", "@@@ START p\nok\n@@@ END p 0\n")
    yield "run: a run that did not reach its end fails", rc == 1 and fails_with(out, "ran to the end")
    rc, out = guest_mode("--log-only", "@@@ START p\nWARNING: CPU: 1 at x\n@@@ END p 0\n@@@ DONE\n")
    yield "run: a kernel WARNING fails", rc == 1 and fails_with(out, "kernel log is clean")


def kunit_checks():
    tree = {"name": "KUnit Test Group", "sub_groups": [{"name": "s", "test_cases": [
        {"name": "a", "status": "PASS"}, {"name": "b", "status": "ERROR"},
        {"name": "c", "status": "SKIP"}], "sub_groups": []}], "test_cases": []}
    rc, out = kunit(tree)
    yield "kunit: a crashed case is a failure", "FAIL\tuml.s.b" in out and "PASS\tuml.s.a" in out
    yield "kunit: a skipped case is a skip", "SKIP\tuml.s.c" in out
    rc, out = kunit({"name": "KUnit Test Group", "sub_groups": [], "test_cases": []})
    yield "kunit: a run with no case is an error", rc == 1
    with tempfile.TemporaryDirectory() as src:
        suite = 'static struct kunit_suite %s = {\n\t.name = "%s",\n\t.test_cases = c,\n};\n'
        files(src, **{"drivers/dma-buf/t.c": suite % ("a", "dma-buf-mapping-a")
                      + suite % ("b", "dma-buf-mapping-b"),
                      "drivers/gpu/t.c": suite % ("e", "drm_exec")})
        rc, out = kunit(suite_json("dma-buf-mapping-a", "dma-buf-mapping-b"), src, "dma-buf*")
        yield "kunit: every suite of the tree that the glob matches ran: pass", rc == 0 and \
            not any(l.startswith("FAIL") for l in out)
        rc, out = kunit(suite_json("dma-buf-mapping-a"), src, "dma-buf*", "early")
        yield "kunit: a suite of the tree that did not run fails", rc == 1 and fails_with(
            out, "uml.dma-buf-mapping-b: suite in the tree, but it did not run")
        rc, out = kunit(suite_json(), src, "drm_exec", "early")
        yield "kunit: a glob with a suite in the tree fails when nothing ran (early patch)", \
            rc == 1 and fails_with(out, "drm_exec")
        rc, out = kunit(suite_json(), src, "drm_gem_shmem", "early")
        yield "kunit: a suite not in the tree yet is a reported skip at an early patch", rc == 0 and \
            "SKIP\tuml.drm_gem_shmem: no suite matches at this patch (none in the tree yet)" in out
        rc, out = kunit(suite_json(), src, "drm_gem_shmem")
        yield "kunit: a suite not in the tree is a failure outside make check", rc == 1


def checkpatch_checks():
    rc, out = checkpatch(FINDING)
    yield "checkpatch: the listed finding of a listed patch passes", rc == 0
    rc, out = checkpatch(FINDING + OTHER)
    yield "checkpatch: another finding in a listed patch fails", rc == 1 and any(
        l.startswith("not excepted: CHECK:LINE_SPACING") for l in out)
    rc, out = checkpatch(FINDING.replace("need updating", "need an update"))
    yield "checkpatch: the listed type with another message fails", rc == 1
    rc, out = checkpatch(FINDING, "dma-buf: Another patch")
    yield "checkpatch: the listed finding in another patch fails", rc == 1
    rc, out = checkpatch("Traceback (most recent call last):\n")
    yield "checkpatch: a failure without a finding fails", rc == 1


def hostcheck_checks():
    log = ("noise\nhostcheck: expect pattern 2 at BAR2+0x1000, 300 bytes\n"
           "hostcheck: expect zero at BAR2+0x2000, 16 bytes\n")
    good = bytearray(0x3000)
    good[0x1000:0x1000 + 300] = dma_pattern(2, 300)
    good[0x2000:0x2010] = b"\xff" * 16
    rc, out = hostcheck(log, bytes(good))
    yield "hostcheck: a pattern that is there passes, a zero range that is not fails", (
        rc == 1 and "PASS\tt: host file holds pattern 2 at BAR2+0x1000 (300 bytes)" in out
        and "FAIL\tt: host file holds zero at BAR2+0x2000 (16 bytes)" in out)
    good[0x2000:0x2010] = bytes(16)
    good[0x1000 + 299] ^= 1
    rc, out = hostcheck(log, bytes(good))
    yield "hostcheck: one wrong byte of a pattern fails it", rc == 1 and fails_with(
        out, "pattern 2") and not fails_with(out, "zero")
    good[0x1000 + 299] ^= 1
    rc, out = hostcheck(log, bytes(good))
    yield "hostcheck: every expectation met passes", rc == 0 and len(out) == 2 and all(
        l.startswith("PASS") for l in out)
    rc, out = hostcheck("hostcheck: expect pattern 1 at BAR2+0x0 2048 bytes\n", bytes(good))
    yield "hostcheck: no (well-formed) hostcheck line is a failure", rc == 1 and out == [
        "FAIL\tt: host check: the guest printed no hostcheck lines"]


def totals_checks():
    with tempfile.TemporaryDirectory() as top:
        cases = "".join(f"{s}\t{st}\t{n}\n" for s, st, n in (
            ("workbench", "PASS", "workbench.x"),
            ("kunit", "PASS", "uml.dma-buf-mapping-a.t"),
            ("kunit", "PASS", "uml.drm_exec.t"),
            ("vm-test", "PASS", "guest-normal-iommu-on.kunit.dma-buf-mapping-a.t"),
            ("check", "PASS", "0001-x: apply"),
            ("vm-test", "PASS", "guest-normal-iommu-on.edu-dma (exit 0)"),
            ("vm-test", "PASS", "guest-normal-iommu-off.iommufd.fix.var.t"),
            ("vm-test", "PASS", "guest-normal-iommu-off.iommufd.old.t"),
            ("vm-test", "PASS", "guest-normal-iommu-on.dmabuf-selftest.sanitycheck"),
            ("vm-test", "PASS", "guest-normal-iommu-off.dmabuf-selftest.sanitycheck"),
            ("vm-test", "FAIL", "guest-normal-iommu-on.harness reports bad as failed"),
            ("vm-test-debug", "PASS", "guest-debug-iommu-on.edu-dma (exit 0)")))
        c = files(top, **{"cases": cases, "patches/0001-x.patch": "+TEST_F(fix, t)\n",
                           "tests/guest/list": "edu-dma pass 1 on edu_dma\niommufd pass 1 off iommufd\n"
                           "bad fail:1 1 on bad\n", "tests/guest/edu_dma.c": ""})[0]
        rc, out = run(TOTALS, c, top)
        want = {"series": "    4 passed,   0 failed", "base": "    3 passed,   0 failed",
                "harness": "    1 passed,   1 failed", "repeats": "    3 passed,   0 failed"}
        yield "totals: cases by origin, reruns counted once as repeats", rc == 0 and all(
            any(l.startswith(f"  {o + ':':<9}{w}") for l in out) for o, w in want.items())
    with tempfile.TemporaryDirectory() as top:
        cases = "".join(f"{s}\t{st}\t{n}\n" for s, st, n in (
            ("vmm-test", "PASS", "vmm-normal.list: 1 rows, all well-formed"),
            ("vmm-test", "PASS", "vmm-normal-iommu-on.vmm.P2P lands"),
            ("vmm-test", "FAIL", "vmm-normal-iommu-on.vmm.quit"),
            ("vmm-test", "PASS", "vmm-normal-iommu-on.guest ran to the end"),
            ("vmm-test", "PASS", "vmm-normal: host file holds zero at BAR2+0x2000 (2 bytes)"),
            ("vmm-test", "FAIL", "vmm-test: exited with status 1"),
            ("vmm-test-debug", "PASS", "vmm-debug-iommu-on.vmm.P2P lands"),
            ("vmm-test-debug", "PASS", "vmm-debug: host file holds zero at BAR2+0x2000 (2 bytes)"),
            ("vmm-test-debug", "PASS", "vmm-debug-iommu-on.guest ran to the end"),
            ("vm-test", "PASS", "guest-normal-iommu-on.guest ran to the end")))
        c = files(top, **{"cases": cases, "tests/guest/list": "edu-dma pass 1 on edu_dma\n",
                           "tests/guest/vmm-test.list": "vmm pass 1 on vmm.sh\n",
                           "tests/guest/vmm.sh": ""})[0]
        rc, out = run(TOTALS, c, top)
        want = {"series": "    2 passed,   1 failed", "base": "    0 passed,   0 failed",
                "harness": "    3 passed,   1 failed", "repeats": "    3 passed,   0 failed"}
        yield "totals: vmm-test's QEMU 11 and host cases are the series', debug reruns repeats", \
            rc == 0 and all(any(l.startswith(f"  {o + ':':<9}{w}") for l in out)
                            for o, w in want.items())


class FakeMonitor(threading.Thread):
    """QEMU's human monitor as scripts/qmon.py sees it (the answers of
    QEMU 7.2, without its line editing); with resume, writing COM1's IER
    appends a line to the console file, as a kicked 8250 would."""

    def __init__(self, path, console, resume):
        super().__init__(daemon=True)
        self.console, self.resume, self.jiffies = console, resume, 4294967296
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)

    def answer(self, cmd):
        if cmd == "info status":
            return "VM status: running"
        if cmd.startswith("x /1gx"):
            self.jiffies += 250
            return f"ffffffff818079c0: {self.jiffies:#018x}"
        if cmd == "info registers -a":
            return "\nCPU#0\nRAX=0 RBX=0\nRIP=ffffffff81000105 RFL=00000246\n" \
                "\nCPU#1\nRAX=0 RBX=0\nRIP=0000000000401000 RFL=00000246"
        if cmd == "i /b 0x3f9":
            return "portb[0x03f9] = 0x07"
        if cmd == "i /b 0x3fd":
            return "portb[0x03fd] = 0x60"
        if cmd == "info pic":
            return "ioapic0: ver=0x20 id=0x00 sel=0x00\n  pin 4  0x0000000000000024 dest=0 vec=36"
        if cmd.startswith("o /b 0x3f9") and self.resume and cmd.endswith("0x7"):
            with open(self.console, "a") as f:
                f.write("resumed\n")
        return ""

    def run(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with c:
                c.sendall(b"QEMU 7.2.22 monitor\r\n(qemu) ")
                buf = b""
                while True:
                    data = c.recv(4096)
                    if not data:
                        break
                    buf += data
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        cmd = line.decode().strip()
                        out = self.answer(cmd).replace("\n", "\r\n")
                        c.sendall(f"\x1b[K{cmd}\r\n{out}\r\n(qemu) ".encode())


def watch(resume):
    """console-watch.sh on a silent console in a row of 1 s, with a fake
    QEMU (a sleep) and monitor: (watcher status, was the fake QEMU killed,
    report)."""
    with tempfile.TemporaryDirectory() as d:
        log, lst, smap = files(d, log="@@@ START r\n", lst="r pass 1 on r\n",
                               smap="ffffffff81000000 T _stext\nffffffff81000100 T fake_func\n"
                               "ffffffff818079c0 D jiffies_64\n")
        mon = FakeMonitor(os.path.join(d, "mon.sock"), log, resume)
        mon.start()
        qemu = subprocess.Popen(["sleep", "60"])
        with open(os.path.join(d, "pid"), "w") as f:
            f.write(f"{qemu.pid}\n")
        report = os.path.join(d, "report")
        env = dict(os.environ, VM_SILENCE_POLL="0.5", VM_SILENCE_GRACE="-30", QMON_WAIT="1")
        w = subprocess.Popen(["bash", WATCH, log, lst, os.path.join(d, "pid"),
                              os.path.join(d, "mon.sock"), report, smap], env=env,
                             stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline and w.poll() is None:
            if resume and os.path.exists(report) and "resumed" in open(report).read():
                break
            time.sleep(0.2)
        killed = qemu.poll() is not None
        qemu.kill()
        qemu.wait()
        try:
            rc = w.wait(timeout=10)
        except subprocess.TimeoutExpired:
            w.kill()
            rc = None
        mon.srv.close()
        text = open(report).read() if os.path.exists(report) else ""
        return rc, killed, text


def watch_checks():
    rc, killed, text = watch(resume=False)
    yield "console-watch: a console that stays silent ends the boot", rc == 0 and killed and \
        "console still silent after the kick" in text
    yield "console-watch: the report says the guest's clock runs and where each vCPU is", (
        "the guest's clock runs" in text and "vCPU 0 at RIP ffffffff81000105 (fake_func+0x5)" in text
        and "vCPU 1 at RIP 0000000000401000 (user space)" in text
        and "COM1 IER 0x07 (transmit interrupt enabled), LSR 0x60 (transmitter empty)" in text)
    rc, killed, text = watch(resume=True)
    yield "console-watch: a console that resumes after the kick is left running", not killed and \
        "console resumed after the kick" in text and "still silent" not in text


def main():
    bad = 0
    for group in (guest_checks, kunit_checks, checkpatch_checks, hostcheck_checks,
                  totals_checks, watch_checks):
        try:
            for name, ok in group():
                print(f"{'PASS' if ok else 'FAIL'}\tworkbench.{name}")
                bad += not ok
        except Exception as e:  # a parser that crashes fails the rest of its group
            print(f"FAIL\tworkbench.{group.__name__}: stopped: {e!r}"[:200])
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
