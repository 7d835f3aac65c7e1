#!/usr/bin/env bash
# make bench: the attach -> map -> unmap -> detach microbenchmark
# (bench/dma-buf-bench.c) on the pristine base and on the series, each with
# only the benchmark added, under UML. The two kernels run alternately,
# BENCH_RUNS times each (default 5); prints the median ns per cycle of each
# and the ratio series/base, for two exporters (see bench/dma-buf-bench.c).
# Prints numbers; asserts nothing about them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-5}
bdir=$BUILD/bench
mkdir -p "$bdir"
git -C "$TREE" rev-parse -q --verify base >/dev/null ||
	die "no work tree at $TREE; run 'make tree' first"

# prepare NAME REV: a worktree at REV with the benchmark added, built.
prepare() {
	local name=$1 rev=$2 src=$bdir/$1-src
	if [ ! -e "$src/.git" ]; then
		git -C "$TREE" worktree prune
		rm -rf "$src"
		log "bench: creating worktree $src"
		git -C "$TREE" worktree add -q --detach "$src" "$rev"
	fi
	git -C "$src" checkout -q -f --detach "$rev"
	git -C "$src" clean -fdxq
	cp "$TOP/bench/dma-buf-bench.c" "$src/drivers/dma-buf/"
	printf '\nconfig DMABUF_BENCH\n\ttristate "dma-buf attach/map cycle microbenchmark"\n\tdepends on KUNIT\n\tselect DMA_SHARED_BUFFER\n' \
		>>"$src/drivers/dma-buf/Kconfig"
	echo 'obj-$(CONFIG_DMABUF_BENCH) += dma-buf-bench.o' >>"$src/drivers/dma-buf/Makefile"
	log "bench: building $name ($(git -C "$src" log -1 --format='%h %s' "$rev"))"
	(cd "$src" && python3 tools/testing/kunit/kunit.py build \
		--kunitconfig="$TOP/bench/bench.kunitconfig" \
		--build_dir="$bdir/$name-uml" --jobs="$JOBS") >"$bdir/$name-build.log" 2>&1 || {
		tail -n 30 "$bdir/$name-build.log" >&2
		die "bench: $name build failed"
	}
}

# run NAME: one run; prints "CORE ALLOC", the median ns/cycle of each case.
run() {
	local name=$1 out core alloc
	out=$(cd "$bdir/$1-src" && python3 tools/testing/kunit/kunit.py exec \
		--build_dir="$bdir/$name-uml" --raw_output=all 'dma-buf-bench' 2>&1)
	echo "$out" >>"$bdir/$name-runs.log"
	core=$(sed -n 's/.*bench core: .*median \([0-9]*\) ns\/cycle.*/\1/p' <<<"$out" | head -n 1)
	alloc=$(sed -n 's/.*bench alloc: .*median \([0-9]*\) ns\/cycle.*/\1/p' <<<"$out" | head -n 1)
	[ -n "$core" ] && [ -n "$alloc" ] || die "bench: a $name run printed no timing (log: $bdir/$name-runs.log)"
	echo "$core $alloc"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "")}'; }
# spread: "min-max" of the numbers on stdin.
spread() { sort -n | awk 'NR == 1 {lo=$1} {hi=$1} END {print lo "-" hi}'; }

prepare base base
prepare series "$(git -C "$TREE" rev-parse HEAD)"
rm -f "$bdir"/*-runs.log
bc=() ba=() sc=() sa=()
for i in $(seq "$runs"); do
	read -r c a < <(run base)
	bc+=("$c") ba+=("$a")
	read -r c a < <(run series)
	sc+=("$c") sa+=("$a")
	log "bench: run $i: base ${bc[-1]}/${ba[-1]} ns/cycle, series ${sc[-1]}/${sa[-1]} ns/cycle (core/alloc)"
done
report() {
	local what=$1 b s mb ms
	b=$2 s=$3
	mb=$(tr ' ' '\n' <<<"$b" | median)
	ms=$(tr ' ' '\n' <<<"$s" | median)
	echo "$what:"
	echo "  base:   $mb ns/cycle (medians of $runs runs: $b; spread $(tr ' ' '\n' <<<"$b" | spread))"
	echo "  series: $ms ns/cycle (medians of $runs runs: $s; spread $(tr ' ' '\n' <<<"$s" | spread))"
	awk -v s="$ms" -v b="$mb" 'BEGIN { printf "  ratio series/base: %.3f (target <= 1.03)\n", s / b }'
}
echo "dma-buf attach->map->unmap->detach, legacy importer API, SGT exporter, UML"
report "exporter doing no work (the core alone)" "${bc[*]}" "${sc[*]}"
report "exporter building a one-entry table per map" "${ba[*]}" "${sa[*]}"
