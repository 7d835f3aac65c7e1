#!/usr/bin/env bash
# Run the dma-buf KUnit suites under UML (or KUNIT_ARCH) with the tree's own
# kunit.py.
# Builds once from configs/kunit/dma-buf.kunitconfig, then runs each filter
# glob of configs/kunit/suites. Writes build/results/kunit.tsv; fails if any
# case failed or crashed, if no case ran, if a suite of the tree that a glob
# matches did not run, or if an option of the kunitconfig does not end up
# set (kunit.py's build checks that).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# KUNIT_ARCH=x86_64 runs the same suites on x86_64 in QEMU (by hand; make
# vm-test runs them in the guest kernels, tests/guest/kunit.sh).
# KUNIT_SRC, KUNIT_BUILD and KUNIT_OUT let 'make check' run it on its own
# worktree at each patch; there KUNIT_EARLY_PATCH=1 drops the options the
# tree does not have yet, and a glob that matches no suite of the tree is
# not an error (a patch before the one that adds a suite): each is a SKIP
# line of the results, 'not in the tree at this patch'.
kunitconfig=$CONFIGS/kunit/dma-buf.kunitconfig
arch=${KUNIT_ARCH:-um}
srcdir=${KUNIT_SRC:-$TREE}
if [ "$arch" = um ]; then
	builddir=${KUNIT_BUILD:-$BUILD/kunit-uml}
	out=${KUNIT_OUT:-$BUILD/results/kunit.tsv}
	tag=uml
else
	builddir=${KUNIT_BUILD:-$BUILD/kunit-$arch}
	out=${KUNIT_OUT:-$BUILD/results/kunit-$arch.tsv}
	tag=$arch
fi
results=$(dirname "$out")/$(basename "$out" .tsv)
mkdir -p "$results"
: >"$out"
[ -d "$srcdir" ] || die "no work tree at $srcdir; run 'make tree' first"
cd "$srcdir"

if [ "${KUNIT_EARLY_PATCH:-0}" = 1 ]; then
	mkdir -p "$builddir"
	: >"$builddir/.kunitconfig.available"
	while IFS= read -r line; do
		sym=$(sed -n 's/^CONFIG_\([A-Za-z0-9_]*\)=.*/\1/p' <<<"$line")
		if [ -n "$sym" ] && ! grep -rqE --include='Kconfig*' "^(menu)?config $sym\$" .; then
			log "kunit: CONFIG_$sym does not exist at this patch; left out"
			printf 'SKIP\t%s: CONFIG_%s not in the tree at this patch (left out of the kunitconfig)\n' \
				"$tag" "$sym" >>"$out"
			continue
		fi
		echo "$line" >>"$builddir/.kunitconfig.available"
	done <"$kunitconfig"
	kunitconfig=$builddir/.kunitconfig.available
fi

log "kunit: building the $arch kernel in $builddir"
python3 tools/testing/kunit/kunit.py build --arch="$arch" --kunitconfig="$kunitconfig" \
	--build_dir="$builddir" --jobs="$JOBS" >"$results/build.log" 2>&1 || {
	tail -n 40 "$results/build.log" >&2
	printf 'FAIL\tkunit: %s build\n' "$arch" >>"$out"
	die "kunit: $arch build failed (log: $results/build.log)"
}

# The .c files of the tree that define a KUnit suite, found once for all
# globs (kunit_results.py checks that each suite a glob matches ran): a
# search of the whole tree takes 5-30 s, three times a patch in make check.
export KUNIT_SUITE_FILES=$results/suite-files
git grep --untracked -lE 'struct[[:space:]]+kunit_suite[[:space:]]+[[:alnum:]_]+[[:space:]]*=' \
	-- '*.c' >"$KUNIT_SUITE_FILES" 2>/dev/null ||
	grep -rlE --include='*.c' 'struct\s+kunit_suite\s+\w+\s*=' . >"$KUNIT_SUITE_FILES"

rc=0
while IFS= read -r glob; do
	case "$glob" in ''|'#'*) continue ;; esac
	log "kunit: running $glob"
	name=${glob//[^A-Za-z0-9_.-]/_}
	json=$results/$name.json
	rm -f "$json"
	st=0
	python3 tools/testing/kunit/kunit.py exec --arch="$arch" --build_dir="$builddir" \
		--timeout=600 --json="$json" "$glob" >"$results/$name.log" 2>&1 || st=1
	grep -E '^\[..:..:..\] (Testing complete|.*(FAILED|CRASHED))' "$results/$name.log" >&2 || true
	early=
	[ "${KUNIT_EARLY_PATCH:-0}" = 1 ] && early=early
	# One line per case, a failure per suite of the tree that matches the
	# glob and did not run, a failure (or at an early patch a skip) when
	# nothing ran.
	python3 "$TOP/scripts/kunit_results.py" "$json" "$tag" "$srcdir" "$glob" $early \
		>"$results/$name.tsv" || rc=1
	cat "$results/$name.tsv" >>"$out"
	if grep -qF "SKIP"$'\t'"$tag.$glob: " "$results/$name.tsv"; then
		log "kunit: no suite matches $glob at this patch"
		continue
	fi
	[ "$st" -eq 0 ] || rc=1
done <"$CONFIGS/kunit/suites"

pass=$(grep -c '^PASS' "$out" || true)
fail=$(grep -c '^FAIL' "$out" || true)
log "kunit ($arch): $pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
