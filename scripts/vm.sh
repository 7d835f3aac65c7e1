#!/usr/bin/env bash
# Boot the patched kernel in QEMU (q35, TCG, emulated Intel IOMMU, edu and
# ivshmem-plain) and run guest programs.
#   vm.sh test normal|debug [LIST]
#                             the guest tests of tests/guest/list (or of the
#                             list file VM_LIST names; or of LIST,
#                             tests/guest/NAME.list), one boot per
#                             value of its iommu column; results in
#                             build/results/vm-test[-debug].tsv (or
#                             NAME[-debug].tsv)
#   vm.sh run PROG            one static program (or a .c file, built here)
#                             with the devices bound and the IOMMU on; prints
#                             its output and exits with its status, or 1 if
#                             the guest did not reach its end, the kernel
#                             log has an oops, BUG, WARNING, lockdep, KASAN,
#                             UBSAN or kmemleak report, or the console went
#                             silent (those three cases go to the file
#                             VM_RUN_RESULTS names, if set);
#                             VM_VARIANT=debug runs it on the debug kernel
# ivshmem's BAR2 is backed by build/guest/ivshmem-<variant>.bin, readable
# after the run: a sparse file of VM_IVSHMEM_SIZE bytes (a power of two,
# suffixes K, M, G; default 4M, what the tests expect; make bench-bar boots
# with 1G). ivshmem sits alone behind a PCIe root port, so that the kernel
# can reset it (secondary bus reset): VFIO_DEVICE_RESET and
# VFIO_DEVICE_PCI_HOT_RESET work on it. edu stays on the root bus.
# VM_INITRD_EXTRA=CPIO appends CPIO to the initramfs (make vmm-test: the
# root of QEMU 11). Each boot has QEMU's monitor on a unix socket and
# scripts/console-watch.sh watching its console.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:?usage: vm.sh test normal|debug | vm.sh run PROG}
case "$mode" in
test) variant=${2:-normal}; list=${3:-${VM_LIST:-$TOP/tests/guest/list}} ;;
run) variant=${VM_VARIANT:-normal}; prog=${2:?usage: vm.sh run PROG} ;;
*) die "unknown mode $mode" ;;
esac

gdir=$BUILD/guest
shm_size=$(numfmt --from=iec "${VM_IVSHMEM_SIZE:-4M}" 2>/dev/null) || shm_size=0
[ "$shm_size" -ge 4096 ] && [ $((shm_size & (shm_size - 1))) -eq 0 ] ||
	die "VM_IVSHMEM_SIZE=${VM_IVSHMEM_SIZE:-} is not a power of two of at least 4K"
obj=$gdir/$variant
bzimage=$("$TOP/scripts/guest-kernel.sh" "$variant")
"$TOP/scripts/guest-progs.sh" "$obj"
progs=$gdir/progs
name=vm-test
prefix=guest
# A LIST argument names the step (its results file and case prefix); a
# list from VM_LIST runs as vm-test.
if [ "$mode" = test ] && [ -n "${3:-}" ]; then
	name=$(basename "$list" .list)
	prefix=${name%-test}
fi
stage=$gdir/stage-$mode-$variant
[ "$name" = vm-test ] || stage=$gdir/stage-$name-$variant
rm -rf "$stage"
mkdir -p "$stage"

# boot LIST IOMMU: boot once running the programs of LIST (lines in the
# format of tests/guest/list); the console log is $stage/console-IOMMU.log.
boot() {
	local list=$1 iommu=$2 total=0 name tmo cpiolist log limit mem t0 p mondir mon watcher
	while read -r name _ tmo _; do
		case "$name" in ''|'#'*) continue ;; esac
		total=$((total + tmo))
	done <"$list"

	# The initramfs, as a gen_init_cpio list (no root needed for nodes).
	cpiolist=$stage/cpio-$iommu.list
	{
		echo "dir /bin 755 0 0"
		echo "file /bin/busybox /bin/busybox 755 0 0"
		for d in dev proc sys tmp tests root; do echo "dir /$d 755 0 0"; done
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "nod /dev/null 666 0 0 c 1 3"
		echo "file /init $TOP/tests/guest/init 755 0 0"
		echo "file /tests/list $list 644 0 0"
		for p in "$progs"/*; do
			[ -f "$p" ] && [ -x "$p" ] && echo "file /tests/$(basename "$p") $p 755 0 0"
		done
		for p in "$progs"/*.ko; do
			[ -f "$p" ] && echo "file /tests/$(basename "$p") $p 644 0 0"
		done
		echo "dir /tests/kunit 755 0 0"
		for p in "$progs"/kunit/*; do
			[ -f "$p" ] && echo "file /tests/kunit/$(basename "$p") $p 644 0 0"
		done
	} >"$cpiolist"
	"$obj/usr/gen_init_cpio" "$cpiolist" >"$stage/initramfs-$iommu.cpio"
	if [ -n "${VM_INITRD_EXTRA:-}" ]; then
		log "vm: appending $VM_INITRD_EXTRA to the initramfs"
		cat "$VM_INITRD_EXTRA" >>"$stage/initramfs-$iommu.cpio"
	fi

	# The CPU: QEMU's default (qemu64) with the family of AMD Zen (17h).
	# The PCI core lets a device reach another's BAR through the host
	# bridge only on host bridges it lists or on AMD CPUs of that family or
	# later (cpu_supports_p2pdma() in drivers/pci/p2pdma.c); q35's host
	# bridge is not listed, and the dma-buf core's PAL to SGT converter
	# needs that path for edu and ivshmem (tests/guest/p2p_converter.c).
	# VM_CPU overrides. On such a CPU the kernel takes the TSC as constant
	# and, once it has refined its frequency, switches the clocksource to
	# it with stop_machine(); under TCG that stalled the debug kernel's
	# boot for good while the boot-time dma-fence race selftest spun on
	# the other CPU (an RCU stall in multi_cpu_stop). tsc=unstable keeps
	# the clocksource the default CPU gave the guest.
	# no_timer_check: at boot the kernel checks that the IOAPIC's timer
	# interrupt ticks within a few of its own delay loops and panics
	# ("timer doesn't work through Interrupt-remapped IO-APIC") if not;
	# under TCG on a loaded host it does not always (seen with the guest
	# at nice 19 beside two compiles).
	cpu=${VM_CPU:-qemu64,family=23}

	# The boot without the IOMMU's driver runs beside the other one
	# (below) and has a file of its own; the tests that look at the file
	# after the run all boot with the IOMMU on.
	shm=$gdir/ivshmem-$variant.bin
	[ "$iommu" = on ] || shm=$gdir/ivshmem-$variant-$iommu.bin
	rm -f "$shm"
	truncate -s "$shm_size" "$shm"
	log=$stage/console-$iommu.log
	mem=4G
	[ "$variant" = debug ] && mem=5G
	limit=$((total + 300))
	log "vm: booting the $variant guest, intel_iommu=$iommu (log: $log, limit ${limit} s)"
	# The monitor's socket, in a directory of its own (a unix socket's
	# path must stay short, which $stage may not be).
	mondir=$(mktemp -d "${TMPDIR:-/tmp}/vm-mon.XXXXXX")
	mon=$mondir/$iommu.sock
	rm -f "$stage/qemu-$iommu.pid" "$stage/silence-$iommu.txt"
	: >"$log"
	"$TOP/scripts/console-watch.sh" "$log" "$list" "$stage/qemu-$iommu.pid" "$mon" \
		"$stage/silence-$iommu.txt" "$obj/System.map" &
	watcher=$!
	t0=$(date +%s)
	set +e
	timeout --foreground -k 10 "$limit" qemu-system-x86_64 \
		-machine q35 -accel tcg -cpu "$cpu" -smp 2 -m "$mem" \
		-device intel-iommu \
		-device edu \
		-object "memory-backend-file,id=shm,mem-path=$shm,size=$shm_size,share=on" \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 \
		-device ivshmem-plain,memdev=shm,bus=rp1 \
		-kernel "$bzimage" -initrd "$stage/initramfs-$iommu.cpio" \
		-append "console=ttyS0 intel_iommu=$iommu iommu=nopt panic=-1 loglevel=7 initcall_debug log_buf_len=1M tsc=unstable no_timer_check GUEST_VARIANT=$variant ${VM_APPEND:-}" \
		-display none -serial "file:$log" -monitor "unix:$mon,server=on,wait=off" \
		-pidfile "$stage/qemu-$iommu.pid" -no-reboot \
		</dev/null
	qrc=$?
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	rm -rf "$mondir"
	set -e
	log "vm: qemu ($iommu) exited with $qrc after $(( $(date +%s) - t0 )) s"
	tr -d '\r' <"$log" >"$log.clean"
	# The rows' times, from init's TOOK lines (the guest's clock).
	log "vm: rows of the $iommu boot (s): $(sed -n 's/^@@@ TOOK \([^ ]*\) \([0-9.]*\) s$/\1 \2/p' \
		"$log.clean" | paste -sd, | sed 's/,/, /g')"
	echo "$qrc" >"$stage/qemu-status-$iommu"
}

# silence_case REPORT PREFIX: the case of a boot's console: passes when
# watch_console never found it silent.
silence_case() {
	if [ -s "$1" ]; then
		printf 'FAIL\t%s.the console never went silent (%s)\n' "$2" \
			"$(grep -c '^vm: console silent' "$1") times; $(tail -n 1 "$1"); report: $1"
		return 1
	fi
	printf 'PASS\t%s.the console never went silent\n' "$2"
}

[ -x "$obj/usr/gen_init_cpio" ] || make -C "$TREE" O="$obj" -s usr/gen_init_cpio

if [ "$mode" = run ]; then
	case "$prog" in
	*.c)
		gcc -static -O2 -Wall -Wextra -Werror -isystem "$obj/usr/include" \
			-I "$TOP/tests/guest" -I "$TREE/tools/testing/selftests" \
			-o "$stage/$(basename "$prog" .c)" "$prog"
		prog=$stage/$(basename "$prog" .c)
		;;
	esac
	[ -x "$prog" ] || die "$prog is not an executable"
	file -b "$prog" 2>/dev/null | grep -q 'statically linked' ||
		log "warning: $prog does not look statically linked"
	name=$(basename "$prog")
	cp "$prog" "$progs/$name"
	echo "$name pass ${VM_RUN_TIMEOUT:-600} on $name" >"$stage/list"
	boot "$stage/list" on
	log=$stage/console-on.log.clean
	sed -n "/^@@@ START $name\$/,/^@@@ END $name /p" "$log" | sed '1d;$d'
	rc=$(sed -n "s/^@@@ END $name \([0-9]*\)$/\1/p" "$log")
	rm -f "$progs/$name"
	logrc=0
	python3 "$TOP/scripts/guest_results.py" --log-only "$log" "${VM_RUN_PREFIX:-vm-run}" >"$stage/log.tsv" || logrc=1
	silence_case "$stage/silence-on.txt" "${VM_RUN_PREFIX:-vm-run}" >>"$stage/log.tsv" || logrc=1
	[ -z "${VM_RUN_RESULTS:-}" ] || cat "$stage/log.tsv" >>"$VM_RUN_RESULTS"
	sed 's/^/>>> vm: /' "$stage/log.tsv" >&2
	if [ "$qrc" -ne 0 ]; then
		log "vm: qemu exited with status $qrc"
		logrc=1
	fi
	if [ -z "$rc" ]; then
		tail -n 30 "$log" >&2
		die "vm: $name did not finish"
	fi
	log "vm: $name exited with status $rc"
	[ "$rc" -eq 0 ] && [ "$logrc" -eq 0 ]
	exit
fi

results=$BUILD/results
mkdir -p "$results"
suffix=
[ "$variant" = debug ] && suffix=-debug
out=$results/$name$suffix.tsv
: >"$out"
rc=0
# A malformed row of the list is a failed case (and does not run).
python3 "$TOP/scripts/guest_results.py" --check-list "$list" "$prefix-$variant" >>"$out" || rc=1
# The boot-time dma-buf selftests run in every boot; they are cases of the
# guest tests only (another list's boot would count them again).
selftests=()
[ "$name" = vm-test ] && selftests=("$TREE/drivers/dma-buf/selftests.h")
# The two boots (IOMMU on and off) run side by side, each QEMU on a host
# CPU of its own when there is one; VM_SERIAL=1 runs them one after the
# other.
boots=()
for iommu in on off; do
	# A row whose iommu column is "on/debug" (say) runs in this boot of
	# the debug kernel only.
	awk -v v="$iommu" -v k="$variant" '!/^#/ && NF >= 5 && ($4 == v || $4 == v "/" k)' \
		"$list" >"$stage/list-$iommu"
	[ -s "$stage/list-$iommu" ] || continue
	boots+=("$iommu")
	if [ "${VM_SERIAL:-0}" = 1 ]; then
		boot "$stage/list-$iommu" "$iommu"
	else
		boot "$stage/list-$iommu" "$iommu" &
	fi
done
wait
for iommu in "${boots[@]}"; do
	python3 "$TOP/scripts/guest_results.py" "$stage/console-$iommu.log.clean" \
		"$stage/list-$iommu" "$prefix-$variant-iommu-$iommu" "${selftests[@]}" >>"$out" || rc=1
	silence_case "$stage/silence-$iommu.txt" "$prefix-$variant-iommu-$iommu" >>"$out" || rc=1
	qrc=$(cat "$stage/qemu-status-$iommu" 2>/dev/null || echo 255)
	if [ "$qrc" -ne 0 ]; then
		printf 'FAIL\t%s-%s-iommu-%s: qemu exited with status %d\n' "$prefix" "$variant" "$iommu" "$qrc" >>"$out"
		rc=1
	fi
done
grep '^FAIL' "$out" >&2 || true
log "vm: $(grep -c '^PASS' "$out") passed, $(grep -c '^FAIL' "$out") failed, $(grep -c '^SKIP' "$out") skipped"
exit "$rc"
