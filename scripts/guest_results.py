#!/usr/bin/env python3
"""Judge a guest console log: one result line (STATUS<TAB>name) per case.

usage: guest_results.py LOG LIST PREFIX [SELFTESTS_H]
       guest_results.py --check-list LIST PREFIX
       guest_results.py --log-only LOG PREFIX

Cases (first form):
- every program of LIST (rows as in tests/guest/list; a malformed row is a
  failed case): a kselftest (TAP) program gives one case per test it
  reports, and fails when its tests do not match its plan ('1..N': every
  number from 1 to N once), or when it exited non-zero without reporting a
  failed test; nested (KTAP, KUnit's suites) results indented by 4 spaces
  a level are cases named by their path (suite.case.param), each group's
  results matching its own plan where it has one; another program is one case judged by
  its exit status; a program expected to fail ('fail:STATUS', the harness
  checking itself) passes when it exited with exactly that status;
- the boot-time dma-buf selftests (CONFIG_DMABUF_SELFTESTS=y), when
  SELFTESTS_H (the tree's drivers/dma-buf/selftests.h) is given: each
  selftest and each subtest it runs passes only on positive evidence that
  it returned 0, i.e. the harness ran the next one after it, or, for the
  last, st_init returned 0 (the line 'initcall st_init+... returned N'
  that the guest's init copies from dmesg, the kernel booted with
  initcall_debug). A selftest that returns an error prints nothing and
  the rest vanish: each selftest of SELFTESTS_H that did not run fails,
  and so does a case for the whole run;
- the log as a whole: no oops, BUG, WARNING, lockdep, KASAN, UBSAN or
  kmemleak report, and the guest reached the end of its run. A row whose
  expect is 'pass:warns' (KUnit suites that check that the kernel WARNs)
  may have plain WARN()s ('WARNING: CPU: N PID: N at ...') in its own
  kernel log (between '@@@ KLOG NAME' and '@@@ KLOG-END NAME'); any other
  report there still fails.
--check-list checks every row of LIST; --log-only gives the two cases of
the log as a whole (for vm.sh run and the demo).
Exit status 1 when any case failed.
"""
import re
import sys

BAD = re.compile(
    r"(BUG:|WARNING:|Oops|KASAN:|UBSAN:|general protection fault|"
    r"Kernel panic|possible circular locking|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|"
    r"unreferenced object|hung_task|soft lockup|hard LOCKUP)")
# A result line of kselftest_harness.h/kselftest.h: 'ok N name'. A kernel
# message that splits such a line leaves 'ok 2' glued to other text, which
# this does not match: the case is then missing from the plan.
TAP = re.compile(r"^(not ok|ok) (\d+)(?:\s+(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*(.*))?$")
# KTAP's nested results and plans: 4 spaces of indent a level.
NESTED_TAP = re.compile(r"^((?:    )+)(not ok|ok) (\d+)(?:\s+(.*))?$")
NESTED_PLAN = re.compile(r"^((?:    )+)1\.\.(\d+)\s*$")
SKIP = re.compile(r"(^|\s)#\s*skip", re.I)
EXPECT = re.compile(r"^(pass|pass:warns|fail:(\d+))$")
# The line __warn() starts a plain WARN()'s report with.
PLAIN_WARN = re.compile(r"WARNING: CPU: \d+ PID: \d+ at \S")
KLOG = re.compile(r"^@@@ KLOG (\S+)$")
ST_RUNNING = re.compile(r"dma-buf: Running (\S+)$")
ST_FAILED = re.compile(r"dma-buf/(\S+): (\S+) failed with error (-?\d+)")
ST_INITCALL = re.compile(r"^@@@ initcall st_init\+0x[0-9a-f]+/0x[0-9a-f]+ returned (-?\d+) after \d+ usecs$")


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l.rstrip("\r\n") for l in f]


# The iommu column: the boot a row runs in, optionally restricted to one
# guest kernel ("on/normal": only in the normal kernel's boot with the IOMMU).
IOMMU_VALUES = tuple(f"{b}{v}" for b in ("on", "off")
                     for v in ("", "/normal", "/debug"))


def parse_list(path):
    """Rows of a guest list: (entries, problems), problems as (line, why)."""
    entries, problems, seen = [], [], set()
    with open(path, encoding="utf-8") as f:
        for n, l in enumerate(f, 1):
            l = l.rstrip("\n")
            parts = l.split()
            if not parts or parts[0].startswith("#"):
                continue
            why = None
            if len(parts) < 5:
                why = f"{len(parts)} fields, 5 needed (name expect timeout iommu command)"
            elif not EXPECT.match(parts[1]):
                why = f"expect is '{parts[1]}', not 'pass', 'pass:warns' or 'fail:STATUS'"
            elif not parts[2].isdigit() or int(parts[2]) == 0:
                why = f"timeout is '{parts[2]}', not a number of seconds"
            elif parts[3] not in IOMMU_VALUES:
                why = (f"iommu is '{parts[3]}', not 'on' or 'off' "
                       "(optionally with /normal or /debug)")
            elif parts[0] in seen:
                why = f"name {parts[0]} is listed twice"
            if why:
                problems.append((n, why, l.strip()))
                continue
            seen.add(parts[0])
            entries.append((parts[0], parts[1]))
    return entries, problems


def judge_program(name, expect, lines, res):
    try:
        start = lines.index(f"@@@ START {name}")
    except ValueError:
        res("FAIL", f"{name}: did not run")
        return
    end, rc = None, None
    for i in range(start + 1, len(lines)):
        m = re.match(rf"^@@@ END {re.escape(name)} (\d+)$", lines[i])
        if m:
            end, rc = i, int(m.group(1))
            break
    if end is None:
        if f"@@@ STALL {name}" in lines[start + 1:]:
            res("FAIL", f"{name}: hung in the kernel past its timeout "
                f"(stacks and kernel log after '@@@ STALL {name}' in the console log)")
        else:
            res("FAIL", f"{name}: did not finish (the guest stopped)")
        return
    if expect.startswith("fail:"):
        want = int(EXPECT.match(expect).group(2))
        res("PASS" if rc == want else "FAIL",
            f"harness reports {name} as failed (exit {rc}, expected {want})")
        return
    plans, numbers, failed = [], [], 0
    # Nested results wait under their indent until their group's result
    # line (one level up) takes them: {indent: [(status, desc, children)]}.
    pending, nested_plans = {}, {}
    for l in lines[start + 1:end]:
        m = NESTED_PLAN.match(l)
        if m:
            nested_plans[len(m.group(1))] = int(m.group(2))
            continue
        m = NESTED_TAP.match(l)
        if m:
            depth = len(m.group(1))
            children = take_group(name, depth + 4, pending, nested_plans, res)
            desc = (m.group(4) or "").strip() or f"#{m.group(3)}"
            pending.setdefault(depth, []).append((m.group(2), desc, children))
            continue
        m = PLAN.match(l)
        if m:
            plans.append((int(m.group(1)), m.group(2) or ""))
            continue
        m = TAP.match(l)
        if not m:
            continue
        numbers.append(int(m.group(2)))
        desc = (m.group(3) or "").strip() or f"#{m.group(2)}"
        children = take_group(name, 4, pending, nested_plans, res)
        if children:
            # A KTAP group (a KUnit suite): its cases are the leaves.
            failed += report_leaves(f"{name}.{ktap_name(desc)}", children, res)
            if m.group(1) == "not ok" and not any(c[0] == "not ok" for c in children):
                failed += 1
                res("FAIL", f"{name}.{desc}: the group failed, none of its results did")
        else:
            failed += report_one(m.group(1), desc, f"{name}.{desc}", res)
    for depth in sorted(pending):
        failed += report_leaves(f"{name}.(no group result line)", pending[depth], res)
        failed += 1
        res("FAIL", f"{name}: {len(pending[depth])} results at indent {depth} "
            "without their group's result line (the run stopped inside a group)")
    if not plans and not numbers:
        res("PASS" if rc == 0 else "FAIL", f"{name} (exit {rc})")
        return
    if len(plans) != 1:
        res("FAIL", f"{name}: {len(plans)} TAP plans (1..N), 1 expected")
    else:
        n, why = plans[0]
        if n == 0 and not numbers and SKIP.search("# " + why):
            res("SKIP", f"{name} (plan 1..0: {why})")
        missing = sorted(set(range(1, n + 1)) - set(numbers))
        extra = sorted({x for x in numbers if numbers.count(x) > 1 or not 1 <= x <= n})
        if missing or extra:
            res("FAIL", f"{name}: plan 1..{n}, {len(numbers)} tests seen"
                f" (missing: {' '.join(map(str, missing[:10])) or 'none'};"
                f" unexpected or repeated: {' '.join(map(str, extra[:10])) or 'none'})")
    if rc != 0 and failed == 0:
        res("FAIL", f"{name}: exit {rc} with no failed test reported")


def ktap_name(desc):
    """A KTAP result's name without its directive ('# SKIP why')."""
    return desc.split(" # ")[0].strip() or desc


def take_group(name, depth, pending, nested_plans, res):
    """The results at indent depth, now that their group's line came; a
    count that does not match the group's plan is a failed case (KUnit's
    parameterised cases print none for their parameters)."""
    children = pending.pop(depth, [])
    plan = nested_plans.pop(depth, None)
    if plan is not None and plan != len(children):
        res("FAIL", f"{name}: a group's plan 1..{plan} at indent {depth}, "
            f"{len(children)} results (first: {children[0][1] if children else 'none'})")
    return children


def report_leaves(path, nodes, res):
    """One case per leaf under path; returns the number failed."""
    failed = 0
    for status, desc, children in nodes:
        if children:
            failed += report_leaves(f"{path}.{ktap_name(desc)}", children, res)
        else:
            failed += report_one(status, desc, f"{path}.{ktap_name(desc)}", res)
    return failed


def report_one(status, desc, case, res):
    """The case of one result line ('ok'/'not ok', its description);
    returns 1 when it failed."""
    if status == "not ok":
        res("FAIL", case)
        return 1
    res("SKIP" if SKIP.search(desc) else "PASS", case)
    return 0


def judge_dmabuf_selftests(lines, selftests_h, res):
    with open(selftests_h, encoding="utf-8") as f:
        expected = re.findall(r"^selftest\((\w+),", f.read(), re.M)
    events = []  # ('run', name) / ('fail', caller/name, err) / ('initcall', ret)
    for l in lines:
        m = ST_RUNNING.search(l)
        if m:
            events.append(("run", m.group(1)))
            continue
        m = ST_FAILED.search(l)
        if m:
            events.append(("fail", f"{m.group(1)}/{m.group(2)}", m.group(3)))
            continue
        m = ST_INITCALL.match(l)
        if m:
            events.append(("initcall", int(m.group(1))))
    initcall = [e[1] for e in events if e[0] == "initcall"]
    seen_names = {}

    def case(name):
        seen_names[name] = seen_names.get(name, 0) + 1
        k = seen_names[name]
        return f"dmabuf-selftest.{name}" + (f" (round {k})" if k > 1 else "")

    ran_tops = []
    for i, ev in enumerate(events):
        if ev[0] != "run":
            continue
        name = ev[1]
        if "/" in name:
            # A subtest returned 0 when the next event is another Running
            # line or st_init returning 0.
            nxt = events[i + 1] if i + 1 < len(events) else None
            if nxt and nxt[0] == "run":
                res("PASS", case(name))
            elif nxt and nxt[0] == "fail" and nxt[1] == name:
                res("FAIL", f"{case(name)}: failed with error {nxt[2]}")
            elif nxt and nxt[0] == "initcall" and nxt[1] == 0:
                res("PASS", case(name))
            else:
                res("FAIL", f"{case(name)}: no sign that it returned (nothing ran after it"
                    + (f", st_init returned {nxt[1]})" if nxt and nxt[0] == "initcall" else ")"))
            continue
        # A top-level selftest returned 0 when the next top-level one ran,
        # or st_init returned 0 after it.
        ran_tops.append(name)
        verdict, why = "FAIL", "no sign that it returned (nothing ran after it)"
        for ev2 in events[i + 1:]:
            if ev2[0] == "run" and "/" not in ev2[1]:
                verdict = "PASS"
                break
            if ev2[0] == "fail" and ev2[1].split("/")[0] == name:
                why = f"{ev2[1]} failed with error {ev2[2]}"
                break
            if ev2[0] == "initcall":
                if ev2[1] == 0:
                    verdict = "PASS"
                else:
                    why = f"st_init returned {ev2[1]} after it"
                break
        res(verdict, case(name) if verdict == "PASS" else f"{case(name)}: {why}")
    for name in expected:
        if name not in ran_tops:
            res("FAIL", f"dmabuf-selftest.{name}: did not run (the run stopped before it)")
    group = f"dmabuf-selftest: all {len(expected)} selftests of selftests.h ran"
    if ran_tops == expected and initcall == [0]:
        res("PASS", f"{group} and st_init returned 0")
    elif not initcall:
        res("FAIL", f"{group}: no 'initcall st_init+... returned' line (ran: {' '.join(ran_tops) or 'none'})")
    else:
        res("FAIL", f"{group}: ran {' '.join(ran_tops) or 'none'}; st_init returned {initcall}")


def judge_log(lines, res, warns_ok=()):
    """warns_ok: rows whose own kernel log may have plain WARN()s."""
    bad, section = [], None
    for l in lines:
        m = KLOG.match(l)
        if m:
            section = m.group(1)
        elif section and l == f"@@@ KLOG-END {section}":
            section = None
        if not BAD.search(l):
            continue
        if section in warns_ok and PLAIN_WARN.search(l):
            continue
        bad.append(l)
    if bad:
        res("FAIL", f"kernel log is clean (first report: {bad[0].strip()[:120]})")
    else:
        res("PASS", "kernel log is clean (no oops/WARN/lockdep/KASAN/kmemleak)")
    res("PASS" if "@@@ DONE" in lines else "FAIL", "guest ran to the end")


def main():
    out = []
    args = sys.argv[1:]
    prefix = None

    def res(status, name):
        out.append(f"{status}\t{prefix}.{name}")

    if args and args[0] == "--check-list":
        prefix = args[2]
        entries, problems = parse_list(args[1])
        for n, why, row in problems:
            res("FAIL", f"list line {n}: {why}: {row}")
        if not problems:
            res("PASS" if entries else "FAIL", f"list: {len(entries)} rows, all well-formed")
    elif args and args[0] == "--log-only":
        prefix = args[2]
        judge_log(read_lines(args[1]), res)
    else:
        log_path, list_path, prefix = args[0:3]
        lines = read_lines(log_path)
        entries, problems = parse_list(list_path)
        for n, why, row in problems:
            res("FAIL", f"list line {n}: {why}: {row}")
        for name, expect in entries:
            judge_program(name, expect, lines, res)
        if len(args) > 3:
            judge_dmabuf_selftests(lines, args[3], res)
        judge_log(lines, res, {n for n, e in entries if e == "pass:warns"})

    print("\n".join(out))
    return 1 if any(o.startswith("FAIL") for o in out) else 0


if __name__ == "__main__":
    sys.exit(main())
