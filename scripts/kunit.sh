#!/usr/bin/env bash
# Run the dma-buf KUnit suites under UML with the tree's own kunit.py.
# Builds once from configs/kunit/dma-buf.kunitconfig, then runs each filter
# glob of configs/kunit/suites. Writes build/results/kunit.tsv; fails if any
# case failed or crashed, or if no case ran.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# KUNIT_SRC, KUNIT_BUILD and KUNIT_OUT let 'make check' run it on its own
# worktree at each patch.
kunitconfig=$CONFIGS/kunit/dma-buf.kunitconfig
srcdir=${KUNIT_SRC:-$TREE}
builddir=${KUNIT_BUILD:-$BUILD/kunit-uml}
out=${KUNIT_OUT:-$BUILD/results/kunit.tsv}
results=$(dirname "$out")/$(basename "$out" .tsv)
mkdir -p "$results"
: >"$out"
[ -d "$srcdir" ] || die "no work tree at $srcdir; run 'make tree' first"
cd "$srcdir"

log "kunit: building UML kernel in $builddir"
python3 tools/testing/kunit/kunit.py build --kunitconfig="$kunitconfig" \
	--build_dir="$builddir" --jobs="$JOBS" >"$results/build.log" 2>&1 || {
	tail -n 40 "$results/build.log" >&2
	printf 'FAIL\tkunit: UML build\n' >>"$out"
	die "kunit: UML build failed (log: $results/build.log)"
}

rc=0
while IFS= read -r glob; do
	case "$glob" in ''|'#'*) continue ;; esac
	log "kunit: running $glob"
	json=$results/$glob.json
	rm -f "$json"
	python3 tools/testing/kunit/kunit.py exec --build_dir="$builddir" \
		--timeout=600 --json="$json" "$glob" >"$results/$glob.log" 2>&1 || rc=1
	grep -E '^\[..:..:..\] (Testing complete|.*(FAILED|CRASHED))' "$results/$glob.log" >&2 || true
	if ! python3 "$TOP/scripts/kunit_results.py" "$json" uml >>"$out" 2>/dev/null; then
		printf 'FAIL\tuml.%s: no test case ran\n' "$glob" >>"$out"
		rc=1
	fi
done <"$CONFIGS/kunit/suites"

pass=$(grep -c '^PASS' "$out" || true)
fail=$(grep -c '^FAIL' "$out" || true)
log "kunit: $pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
