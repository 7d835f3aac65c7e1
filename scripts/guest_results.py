#!/usr/bin/env python3
"""Judge a guest console log: one result line (STATUS<TAB>name) per case.

usage: guest_results.py LOG LIST PREFIX

Cases:
- every program of LIST: a kselftest (TAP) program gives one case per test
  it reports, plus a failure if it exited non-zero without reporting one;
  another program is one case judged by its exit status; a program expected
  to fail (the harness checking itself) passes when it was reported failed;
- every boot-time dma-buf selftest (CONFIG_DMABUF_SELFTESTS) subtest;
- the log as a whole: no oops, BUG, WARNING, lockdep, KASAN, UBSAN or
  kmemleak report, and the guest reached the end of its run.
Exit status 1 when any case failed.
"""
import re
import sys

BAD = re.compile(
    r"(BUG:|WARNING:|Oops|KASAN:|UBSAN:|general protection fault|"
    r"Kernel panic|possible circular locking|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|"
    r"unreferenced object|hung_task|soft lockup|hard LOCKUP)")
TAP = re.compile(r"^(not ok|ok) \d+\s*(.*)$")
SKIP = re.compile(r"(^|\s)#\s*skip", re.I)


def main():
    log_path, list_path, prefix = sys.argv[1:4]
    with open(log_path, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    out = []

    def res(status, name):
        out.append(f"{status}\t{prefix}.{name}")

    # Programs.
    entries = []
    with open(list_path, encoding="utf-8") as f:
        for l in f:
            parts = l.split()
            if parts and not parts[0].startswith("#"):
                entries.append((parts[0], parts[1]))
    for name, expect in entries:
        try:
            start = lines.index(f"@@@ START {name}")
        except ValueError:
            res("FAIL", f"{name}: did not run")
            continue
        end, rc = None, None
        for i in range(start + 1, len(lines)):
            m = re.match(rf"^@@@ END {re.escape(name)} (\d+)$", lines[i])
            if m:
                end, rc = i, int(m.group(1))
                break
        if end is None:
            res("FAIL", f"{name}: did not finish (the guest stopped)")
            continue
        if expect == "fail":
            res("PASS" if rc != 0 else "FAIL",
                f"harness reports {name} as failed (exit {rc})")
            continue
        cases = 0
        failed = 0
        for l in lines[start + 1:end]:
            m = TAP.match(l)
            if not m:
                continue
            cases += 1
            desc = m.group(2).strip()
            if m.group(1) == "not ok":
                failed += 1
                res("FAIL", f"{name}.{desc}")
            elif SKIP.search(desc):
                res("SKIP", f"{name}.{desc}")
            else:
                res("PASS", f"{name}.{desc}")
        if cases == 0:
            res("PASS" if rc == 0 else "FAIL", f"{name} (exit {rc})")
        elif rc != 0 and failed == 0:
            res("FAIL", f"{name}: exit {rc} with no failed test reported")

    # Boot-time dma-buf selftests.
    running = []
    failed = set()
    for l in lines:
        m = re.search(r"dma-buf: Running (\S+)$", l)
        if m:
            running.append(m.group(1))
        m = re.search(r"dma-buf/(\S+): (\S+) failed with error", l)
        if m:
            failed.add(f"{m.group(1)}/{m.group(2)}")
    parents = {r.split("/")[0] for r in running if "/" in r}
    for r in running:
        if r in parents:
            continue
        res("FAIL" if r in failed else "PASS", f"dmabuf-selftest.{r}")

    # The log as a whole.
    bad = [l for l in lines if BAD.search(l)]
    if bad:
        res("FAIL", f"kernel log is clean (first report: {bad[0].strip()[:120]})")
    else:
        res("PASS", "kernel log is clean (no oops/WARN/lockdep/KASAN/kmemleak)")
    res("PASS" if "@@@ DONE" in lines else "FAIL", "guest ran to the end")

    print("\n".join(out))
    return 1 if any(o.startswith("FAIL") for o in out) else 0


if __name__ == "__main__":
    sys.exit(main())
