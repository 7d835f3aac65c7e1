#!/usr/bin/env bash
# make demo: boot the patched kernel in QEMU and run demo/p2p_demo.c, which
# has the edu device DMA through the emulated IOMMU into ivshmem's BAR2,
# exported by vfio-pci as a dma-buf and mapped with IOMMU_IOAS_MAP_FILE,
# then revokes and restores the buffer. After the guest is gone, check the
# host file behind ivshmem against the program's "hostcheck:" lines.
# Writes build/results/demo.tsv (one case for the guest program, one that
# the guest reached its end, one that the kernel log has no oops, BUG,
# WARNING, lockdep, KASAN, UBSAN or kmemleak report, one per host check);
# exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/setup.sh"
"$TOP/scripts/tree.sh"

results=$BUILD/results
mkdir -p "$results"
out=$results/demo.tsv
logf=$BUILD/guest/demo.log
mkdir -p "$BUILD/guest"
: >"$out"

rc=0
# vm.sh run appends the cases of the whole guest run (reached its end, clean
# kernel log) to $out, and fails if the program or any of them failed.
VM_RUN_RESULTS=$out VM_RUN_PREFIX=demo "$TOP/scripts/vm.sh" run "$TOP/demo/p2p_demo.c" 2>&1 |
	tee "$logf" || rc=1
if grep -qx '>>> vm: p2p_demo exited with status 0' "$logf"; then
	printf 'PASS\tdemo: guest program p2p_demo\n' >>"$out"
else
	printf 'FAIL\tdemo: guest program p2p_demo (log: %s)\n' "$logf" >>"$out"
	rc=1
fi

shm=$BUILD/guest/ivshmem-normal.bin
echo "== host: checking $shm, the file behind ivshmem's BAR2 =="
python3 - "$logf" "$shm" "$out" <<'PY' || rc=1
import re, sys

log, shm, out = sys.argv[1:]
checks = re.findall(r'^hostcheck: expect (pattern (\d+)|zero) at BAR2\+0x([0-9a-f]+), (\d+) bytes$',
                    open(log, errors='replace').read(), re.M)
data = open(shm, 'rb').read() if checks else b''
ok = bool(checks)
with open(out, 'a') as res:
    if not checks:
        res.write('FAIL\tdemo: host check: the guest printed no hostcheck lines\n')
        print('  FAIL no hostcheck lines from the guest')
    for what, seed, off, n in checks:
        off, n = int(off, 16), int(n)
        if seed:
            s = int(seed)
            want = bytes(((i * 131 + s * 17 + (i >> 8)) ^ s) & 0xff for i in range(n))
        else:
            want = bytes(n)
        good = data[off:off + n] == want
        ok &= good
        name = f'demo: host file holds {what} at BAR2+{off:#x} ({n} bytes)'
        res.write(('PASS' if good else 'FAIL') + '\t' + name + '\n')
        print(('  ok   ' if good else '  FAIL ') + name[len('demo: '):])
print('VERDICT (host): ' + ('PASS' if ok else 'FAIL'))
sys.exit(0 if ok else 1)
PY
exit "$rc"
