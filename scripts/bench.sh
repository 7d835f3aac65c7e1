#!/usr/bin/env bash
# make bench: the attach -> map -> unmap -> detach microbenchmark
# (bench/dma-buf-bench.c) on the pristine base and on the series, each with
# only the benchmark added, under UML. The two kernels run alternately,
# BENCH_RUNS times each (default 9); for two exporters (see
# bench/dma-buf-bench.c) prints the median over the runs of each run's
# median round, in ns per cycle, and the ratio series/base, the same for
# the fastest round of all runs, the one least disturbed by anything else,
# and for the median over the runs of each run's fastest round (the ratio
# of the target, <= 1.03).
# Every run is pinned to one CPU (BENCH_CPU, default the last one): a UML
# kernel whose threads move between CPUs ran up to twice as slow for whole
# runs on this machine kind, in base and series alike.
# Prints numbers; asserts nothing about them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-9}
cpu=${BENCH_CPU:-$(($(nproc) - 1))}
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

# run NAME: one run; prints "CORE ALLOC CORE_MIN ALLOC_MIN ATTACH ATTACH_MIN":
# the median and the fastest round of each case, in ns/cycle.
run() {
	local name=$1 out core alloc core_min alloc_min attach attach_min
	out=$(cd "$bdir/$1-src" && taskset -c "$cpu" python3 tools/testing/kunit/kunit.py exec \
		--build_dir="$bdir/$name-uml" --raw_output=all 'dma-buf-bench' 2>&1)
	echo "$out" >>"$bdir/$name-runs.log"
	core=$(field core median <<<"$out")
	alloc=$(field alloc median <<<"$out")
	core_min=$(field core min <<<"$out")
	alloc_min=$(field alloc min <<<"$out")
	attach=$(field attach median <<<"$out")
	attach_min=$(field attach min <<<"$out")
	[ -n "$core" ] && [ -n "$alloc" ] && [ -n "$core_min" ] && [ -n "$alloc_min" ] &&
		[ -n "$attach" ] && [ -n "$attach_min" ] ||
		die "bench: a $name run printed no timing (log: $bdir/$name-runs.log)"
	echo "$core $alloc $core_min $alloc_min $attach $attach_min"
}

# field CASE WHAT: the number after WHAT ("median" or "min") on the line of
# CASE in the kernel log on stdin.
field() {
	sed -n "s/.*bench $1: .* $2 \([0-9.]*\) .*/\1/p; s/.*bench $1: .*($2 \([0-9.]*\),.*/\1/p" |
		head -n 1
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "")}'; }
lowest() { sort -n | head -n 1; }
# spread: "min-max" of the numbers on stdin.
spread() { sort -n | awk 'NR == 1 {lo=$1} {hi=$1} END {print lo "-" hi}'; }

prepare base base
prepare series "$(git -C "$TREE" rev-parse HEAD)"
rm -f "$bdir"/*-runs.log
bc=() ba=() sc=() sa=() bcm=() bam=() scm=() sam=() bt=() st=() btm=() stm=()
for i in $(seq "$runs"); do
	read -r c a cm am t tm < <(run base)
	bc+=("$c") ba+=("$a") bcm+=("$cm") bam+=("$am") bt+=("$t") btm+=("$tm")
	read -r c a cm am t tm < <(run series)
	sc+=("$c") sa+=("$a") scm+=("$cm") sam+=("$am") st+=("$t") stm+=("$tm")
	log "bench: run $i: base ${bc[-1]}/${ba[-1]} ns/cycle, series ${sc[-1]}/${sa[-1]} ns/cycle (core/alloc medians)"
done
# report WHAT BASE_MEDIANS SERIES_MEDIANS BASE_MINS SERIES_MINS [TARGET_NOTE]
report() {
	local what=$1 b=$2 s=$3 bm=$4 sm=$5 mb ms lb ls
	mb=$(tr ' ' '\n' <<<"$b" | median)
	ms=$(tr ' ' '\n' <<<"$s" | median)
	lb=$(tr ' ' '\n' <<<"$bm" | lowest)
	ls=$(tr ' ' '\n' <<<"$sm" | lowest)
	echo "$what:"
	echo "  base:   $mb ns/cycle (median of the run medians: $b; spread $(tr ' ' '\n' <<<"$b" | spread))"
	echo "  series: $ms ns/cycle (median of the run medians: $s; spread $(tr ' ' '\n' <<<"$s" | spread))"
	awk -v s="$ms" -v b="$mb" 'BEGIN { printf "  ratio series/base, medians: %.3f\n", s / b }'
	echo "  fastest round: base $lb, series $ls ns/cycle"
	awk -v s="$ls" -v b="$lb" 'BEGIN { printf "  ratio series/base, fastest rounds: %.3f\n", s / b }'
	mb=$(tr ' ' '\n' <<<"$bm" | median)
	ms=$(tr ' ' '\n' <<<"$sm" | median)
	echo "  median of the runs' fastest rounds: base $mb ($bm), series $ms ($sm) ns/cycle"
	awk -v s="$ms" -v b="$mb" -v t="${6-" (target <= 1.03)"}" \
		'BEGIN { printf "  ratio series/base, median of the fastest rounds: %.3f%s\n", s / b, t }'
}
echo "dma-buf attach->map->unmap->detach, legacy importer API, SGT exporter, UML"
echo "($runs alternating runs of each kernel on CPU $cpu; a run is $(sed -n 's/^#define BENCH_ROUNDS\t\([0-9]*\)/\1/p' "$TOP/bench/dma-buf-bench.c") rounds of $(sed -n 's/^#define BENCH_CYCLES\t\([0-9]*\)/\1/p' "$TOP/bench/dma-buf-bench.c") cycles)"
report "exporter doing no work (the core alone)" "${bc[*]}" "${sc[*]}" "${bcm[*]}" "${scm[*]}"
report "exporter building a one-entry table per map" "${ba[*]}" "${sa[*]}" "${bam[*]}" "${sam[*]}"
report "attach and detach alone (the core exporter, no map; not a target)" "${bt[*]}" "${st[*]}" "${btm[*]}" "${stm[*]}" ""
