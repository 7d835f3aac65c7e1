#!/usr/bin/env python3
"""Check the host file behind ivshmem's BAR2 against a guest's requests.

usage: hostcheck.py LOG FILE PREFIX

LOG is a console log with lines 'hostcheck: expect pattern SEED at
BAR2+0xOFF, LEN bytes' (or 'expect zero at ...'), printed by the guest
programs; FILE the file behind BAR2. One result line (STATUS<TAB>name) per
check, none at all is one failure. The pattern is dma_pattern() of
tests/guest/guest.h. Exit status 1 when any check failed.
"""
import re
import sys

CHECK = re.compile(r"^hostcheck: expect (pattern (\d+)|zero) at "
                   r"BAR2\+0x([0-9a-f]+), (\d+) bytes$", re.M)


def pattern(seed, n):
    return bytes(((i * 131 + seed * 17 + (i >> 8)) ^ seed) & 0xff
                 for i in range(n))


def main():
    log, path, prefix = sys.argv[1:4]
    with open(log, encoding="utf-8", errors="replace") as f:
        checks = CHECK.findall(f.read())
    if not checks:
        print(f"FAIL\t{prefix}: host check: the guest printed no hostcheck lines")
        return 1
    with open(path, "rb") as f:
        data = f.read()
    ok = True
    for what, seed, off, n in checks:
        off, n = int(off, 16), int(n)
        want = pattern(int(seed), n) if seed else bytes(n)
        good = data[off:off + n] == want
        ok &= good
        print(f"{'PASS' if good else 'FAIL'}\t{prefix}: host file holds "
              f"{what} at BAR2+{off:#x} ({n} bytes)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
