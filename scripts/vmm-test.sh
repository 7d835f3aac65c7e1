#!/usr/bin/env bash
# make vmm-test [VARIANT=debug]: Debian's QEMU 11 as the VMM inside the test
# guest. Builds (once) the sid root with QEMU 11 (scripts/vmm-root.sh),
# boots the guest kernel with the IOMMU on and that root appended to its
# initramfs (without the boot-time dma-buf selftests, which vm-test runs),
# and runs tests/guest/vmm_test.sh (QEMU 11 with edu and ivshmem
# assigned through iommufd, tests/guest/vmm_qtest.c as its L2 guest). Then
# checks the host file behind ivshmem's BAR2. Results:
# build/results/vmm-test[-debug].tsv; exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-normal}
suffix=
[ "$variant" = debug ] && suffix=-debug
out=$BUILD/results/vmm-test$suffix.tsv
"$TOP/scripts/setup.sh"
"$TOP/scripts/tree.sh"
cpio=$("$TOP/scripts/vmm-root.sh")

rc=0
# The boot-time dma-buf selftests (CONFIG_DMABUF_SELFTESTS=y, initcall
# st_init) are cases of vm-test, not of this step, and took 208 of the 288 s
# of a debug boot here: this boot leaves them out.
VM_INITRD_EXTRA=$cpio VM_APPEND="${VM_APPEND:-} initcall_blacklist=st_init" \
	"$TOP/scripts/vm.sh" test "$variant" "$TOP/tests/guest/vmm-test.list" || rc=1
log=$BUILD/guest/stage-vmm-test-$variant/console-on.log.clean
# The program's output and the kernel's messages meanwhile (tests/guest/init
# prints them after the program's END).
sed -n '/^@@@ START vmm-qemu11$/,/^@@@ KLOG-END vmm-qemu11$/p' "$log" || true
log "vmm-test: checking $BUILD/guest/ivshmem-$variant.bin, the file behind ivshmem's BAR2"
python3 "$TOP/scripts/hostcheck.py" "$log" "$BUILD/guest/ivshmem-$variant.bin" \
	"vmm-$variant" | tee -a "$out" || rc=1
log "vmm-test ($variant): $(grep -c '^PASS' "$out") passed, $(grep -c '^FAIL' "$out") failed"
exit "$rc"
