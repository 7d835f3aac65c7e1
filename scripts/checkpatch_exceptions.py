#!/usr/bin/env python3
"""Match the findings of checkpatch.pl --show-types against the exceptions.

usage: checkpatch_exceptions.py EXCEPTIONS SUBJECT LOG

LOG is the output of 'checkpatch.pl --strict --show-types' for the patch
whose subject is SUBJECT. Each finding ('LEVEL:TYPE: message', its first
line) must be listed in EXCEPTIONS for that subject, with that level, type
and exact message text; lines of EXCEPTIONS:

    <subject><TAB><LEVEL:TYPE><TAB><message as checkpatch prints it><TAB><why>

Prints one line per finding ('excepted: ...' or 'not excepted: ...') and
one per listed exception of the subject that checkpatch no longer reports.
Exits 0 when every finding is excepted and there is at least one finding;
1 otherwise (a finding not listed, or no finding at all, e.g. checkpatch
failed without reporting one); 2 for a malformed EXCEPTIONS line.
"""
import re
import sys

FINDING = re.compile(r"^(ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$")


def main():
    exc_path, subject, log_path = sys.argv[1:4]
    listed = {}
    with open(exc_path, encoding="utf-8") as f:
        for n, l in enumerate(f, 1):
            l = l.rstrip("\n")
            if not l.strip() or l.startswith("#"):
                continue
            parts = l.split("\t")
            if len(parts) != 4 or not re.match(r"^(ERROR|WARNING|CHECK):[A-Z0-9_]+$", parts[1]) \
                    or not parts[2] or not parts[3]:
                print(f"{exc_path}:{n}: not '<subject>TAB<LEVEL:TYPE>TAB<message>TAB<why>': {l}")
                return 2
            if parts[0] == subject:
                listed[(parts[1], parts[2])] = parts[3]
    findings = []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for l in f:
            m = FINDING.match(l.rstrip("\n"))
            if m:
                findings.append((f"{m.group(1)}:{m.group(2)}", m.group(3)))
    bad = 0
    for key in findings:
        if key in listed:
            print(f"excepted: {key[0]}: {key[1]} ({listed[key]})")
        else:
            print(f"not excepted: {key[0]}: {key[1]}")
            bad += 1
    for key in listed:
        if key not in findings:
            print(f"listed but not reported (stale exception?): {key[0]}: {key[1]}")
    if not findings:
        print("checkpatch failed without reporting a finding")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
