#!/usr/bin/env bash
# make bench-bar: how fast and how compactly a device BAR maps into an IOMMU
# domain, the series' dma-buf path against the VFIO type1 container that
# 6.12 VMMs use (issue 15). Boots the normal guest once with ivshmem's BAR2
# backed by a sparse host file of BENCH_BAR_SIZE bytes (a power of two,
# default 1G) and runs tests/guest/bench_bar.c, BENCH_BAR_ROUNDS rounds per
# case (default 9). Prints its figures (times as medians of the rounds,
# IOMMU page-table entries by page size next to the physical minimum) and
# keeps them in build/bench-bar/bench-bar.log. Asserts nothing about the
# numbers; fails only when the program or the guest did not run through.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

size=${BENCH_BAR_SIZE:-1G}
rounds=${BENCH_BAR_ROUNDS:-9}
out=$BUILD/bench-bar
mkdir -p "$out"
bytes=$(numfmt --from=iec "$size" 2>/dev/null) || bytes=0
[ "$bytes" -ge $((4 << 20)) ] && [ $((bytes & (bytes - 1))) -eq 0 ] ||
	die "BENCH_BAR_SIZE=$size is not a power of two of at least 4M"
case "$rounds" in ''|*[!0-9]*) die "BENCH_BAR_ROUNDS=$rounds is not a number" ;; esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 64 ] || die "BENCH_BAR_ROUNDS must be 1 to 64"

# On a fresh clone: the dependencies and the tree first, as make demo does.
"$TOP/scripts/setup.sh"
"$TOP/scripts/tree.sh"

log "bench-bar: ivshmem BAR2 of $size, $rounds rounds per case (log: $out/bench-bar.log)"
t0=$(date +%s)
rc=0
VM_IVSHMEM_SIZE=$bytes VM_RUN_TIMEOUT=${BENCH_BAR_TIMEOUT:-1500} \
	VM_APPEND="bench_bar.rounds=$rounds" VM_RUN_PREFIX=bench-bar \
	"$TOP/scripts/vm.sh" run "$TOP/tests/guest/bench_bar.c" >"$out/bench-bar.log" || rc=$?
cat "$out/bench-bar.log"
log "bench-bar: $(( $(date +%s) - t0 )) s, exit status $rc"
exit "$rc"
