#!/usr/bin/env python3
"""Break the cases of make test down by origin.

usage: totals.py CASES TOP

CASES holds one line per case, 'step<TAB>STATUS<TAB>name' (test.sh writes
build/results/cases.tsv); TOP is the project (for patches/,
tests/guest/list and tests/guest/vmm-test.list). Prints four lines, one
per origin, with passed, failed and skipped counts:
- series: its KUnit suites (dma-buf-mapping-*), our guest programs (tests/
  guest, the demo program), the per-patch checks, modpost, the demo, the
  QEMU 11 cases of vmm-test and its host file checks, and the iommufd
  selftest cases the series adds (fixtures and tests added by patches/,
  e.g. MAP_FILE and iommufd_dmabuf);
- base: the rest of the tree's tests: the other iommufd selftest cases,
  dma-buf heap, udmabuf, the drm KUnit suites (under UML and in the
  guest), the boot-time dma-buf selftests;
- harness: the workbench's own checks, the programs that fail on purpose,
  and the checks of a whole run (clean kernel log, reached its end, the
  list is well-formed, a step that failed without a case);
- repeats: a case already counted above, run again (the same name with
  the architecture, the kernel variant and the boot taken out): KUnit on x86_64 (in
  the guest) after UML, the debug kernel after the normal one (vmm-test-debug after
  vmm-test too), the same check in the other boot of a kernel
  (intel_iommu=on and off).
"""
import glob
import os
import re
import sys

GUEST = re.compile(r"^guest-(?:normal|debug)(?:-iommu-(?:on|off))?\.")
VMM = re.compile(r"^vmm-(?:normal|debug)(?:-iommu-(?:on|off))?(?:\.|: )")
KUNIT = re.compile(r"^(?:uml|x86_64|um)\.")


def series_selftests(top):
    """(fixtures, (fixture, test) pairs) the series adds to the selftests."""
    fixtures, tests = set(), set()
    for p in glob.glob(os.path.join(top, "patches", "[0-9]*.patch")):
        with open(p, encoding="utf-8", errors="replace") as f:
            for l in f:
                m = re.match(r"^\+\s*FIXTURE\((\w+)\)", l)
                if m:
                    fixtures.add(m.group(1))
                m = re.match(r"^\+\s*(?:TEST_F|TEST_F_TIMEOUT|TEST_FAIL_NTH)\((\w+),\s*(\w+)", l)
                if m:
                    tests.add((m.group(1), m.group(2)))
    return fixtures, tests


def guest_programs(top, name="list"):
    """name -> command of tests/guest/NAME (none if it does not exist)."""
    progs = {}
    path = os.path.join(top, "tests", "guest", name)
    if not os.path.exists(path):
        return progs
    with open(path, encoding="utf-8") as f:
        for l in f:
            parts = l.split()
            if len(parts) >= 5 and not parts[0].startswith("#"):
                progs[parts[0]] = parts[4]
    return progs


def program_origin(rest, top, fixtures, tests, progs):
    """Origin of a guest case (the name without its kernel and boot), or
    None when it is no program's."""
    for prog, cmd in progs.items():
        if rest == prog or rest.startswith((prog + ".", prog + " ", prog + ":")):
            if prog.startswith("harness-"):
                return "harness"
            ours = [os.path.join(top, "tests", "guest", cmd + ".c"),
                    os.path.join(top, "demo", cmd + ".c")]
            if cmd.endswith(".sh"):
                ours.append(os.path.join(top, "tests", "guest", cmd))
            if any(os.path.isfile(p) for p in ours):
                return "series"
            parts = rest[len(prog) + 1:].split(".")
            if len(parts) >= 2 and (parts[0] in fixtures or (parts[0], parts[-1]) in tests):
                return "series"
            return "base"
    return None


def classify(step, name, top, fixtures, tests, progs, vmm_progs=None):
    """(origin, key): key identifies the case across arches and kernels."""
    if step == "kunit":
        key = "kunit." + KUNIT.sub("", name)
        if not KUNIT.match(name):
            return "harness", key
        return ("series" if key.startswith("kunit.dma-buf") else "base"), key
    if step in ("check", "modpost", "demo"):
        return "series", name
    if step in ("vm-test", "vm-test-debug"):
        rest = GUEST.sub("", name)
        key = "guest." + rest
        if not GUEST.match(name):
            return "harness", key
        if rest.startswith("dmabuf-selftest"):
            return "base", key
        if rest.startswith("kunit."):
            # The KUnit suites on x86_64 (tests/guest/kunit.sh): the same
            # cases as under UML.
            return ("series" if rest.startswith("kunit.dma-buf") else "base"), rest
        if rest.startswith("harness reports") or rest.startswith("list"):
            return "harness", key
        return program_origin(rest, top, fixtures, tests, progs) or "harness", key
    if step in ("vmm-test", "vmm-test-debug"):
        m = VMM.match(name)
        rest = name[m.end():] if m else name
        key = "vmm." + rest
        if not m or rest.startswith("list"):
            return "harness", key
        # The host side of the QEMU 11 cases: the file behind ivshmem's BAR2.
        if rest.startswith(("host file holds", "host check")):
            return "series", key
        return program_origin(rest, top, fixtures, tests, vmm_progs or {}) or "harness", key
    return "harness", f"{step}.{name}"


def main():
    cases_path, top = sys.argv[1:3]
    fixtures, tests = series_selftests(top)
    progs = guest_programs(top)
    vmm_progs = guest_programs(top, "vmm-test.list")
    counts = {o: {"PASS": 0, "FAIL": 0, "SKIP": 0} for o in ("series", "base", "harness", "repeats")}
    seen, occurrences = set(), {}
    with open(cases_path, encoding="utf-8", errors="replace") as f:
        for l in f:
            parts = l.rstrip("\n").split("\t", 2)
            if len(parts) != 3 or parts[1] not in ("PASS", "FAIL", "SKIP"):
                continue
            step, status, name = parts
            origin, key = classify(step, name, top, fixtures, tests, progs, vmm_progs)
            # Two tests of one program may share a name (the k-th one of a
            # name is a repeat of the k-th one of another run, not of the
            # first).
            occurrences[(step, name)] = occurrences.get((step, name), 0) + 1
            key = (key, occurrences[(step, name)])
            if key in seen:
                origin = "repeats"
            seen.add(key)
            counts[origin][status] += 1
    what = {
        "series": "its KUnit suites, tests/guest programs, per-patch checks, modpost, demo, QEMU 11 (vmm-test), its iommufd selftest cases",
        "base": "the tree's iommufd selftests, dma-buf heap, udmabuf, drm KUnit suites, boot-time dma-buf selftests",
        "harness": "workbench self-checks, programs failing on purpose, whole-run checks (clean log, reached the end)",
        "repeats": "the same case again: x86_64 after UML, debug after normal kernel, the other boot",
    }
    print("cases by origin (each case counted once; its reruns under repeats):")
    for o in ("series", "base", "harness", "repeats"):
        c = counts[o]
        print(f"  {o + ':':<9}{c['PASS']:>5} passed, {c['FAIL']:>3} failed, {c['SKIP']:>3} skipped  ({what[o]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
