#!/bin/sh
# make vmm-test, the guest's part: run Debian's QEMU 11 (the root that
# scripts/vmm-root.sh appends to the initramfs at /vmm) as the L2 VMM, with
# edu and ivshmem assigned through iommufd, and let vmm_qtest play the L2
# guest over qtest and QMP. The kernel has no sockets: qtest is QEMU's
# stdin/stdout, QMP two FIFOs.
set -eu
root=/vmm
qemu=/usr/bin/qemu-system-x86_64
[ -x "$root$qemu" ] || { echo "no QEMU root at $root: run through make vmm-test"; exit 1; }

bdf_of() {
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ]; then
			echo "${d##*/}"
		fi
	done
}
edu=$(bdf_of 0x1234:0x11e8)
ivshmem=$(bdf_of 0x1af4:0x1110)

for m in proc sys sys/kernel/debug dev tmp; do
	mkdir -p "$root/$m"
	mount --bind "/$m" "$root/$m"
done
dir=/tmp/vmm
mkdir -p "$dir"
rm -f "$dir/qmp.in" "$dir/qmp.out"
mkfifo "$dir/qmp.in" "$dir/qmp.out"

echo "# $(chroot "$root" "$qemu" --version | head -n 1)"
echo "# edu $edu, ivshmem $ivshmem"
set -- chroot "$root" "$qemu" -machine q35 -accel qtest -qtest stdio \
	-qtest-log /dev/null \
	-nodefaults -display none -m 64M \
	-object memory-backend-memfd,id=ram,size=64M -machine memory-backend=ram \
	-object iommufd,id=iommufd0 \
	-device "vfio-pci,host=$edu,iommufd=iommufd0" \
	-device "vfio-pci,host=$ivshmem,iommufd=iommufd0" \
	-qmp "pipe:$dir/qmp" \
	-trace vfio_region_dmabuf -trace 'iommufd_backend_map*' \
	-trace 'iommufd_backend_unmap*' -trace 'vfio_pci_reset*' \
	-trace 'vfio_pci_hot_reset*'
echo "# $*"
rc=0
vmm_qtest "$dir/qmp" "$dir/qemu.log" -- "$@" || rc=$?
for m in tmp dev sys/kernel/debug sys proc; do
	umount "$root/$m"
done
exit "$rc"
