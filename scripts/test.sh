#!/usr/bin/env bash
# Everything, in order: the workbench's own parser checks, setup, tree,
# kunit (UML), check, kunit on x86_64, the guest tests (vm-test), the
# modpost check of the PAL importer symbols against the guest kernel's
# Module.symvers (modpost), the demo (make demo) and the guest tests on the
# debug kernel (vm-test-debug). Each step writes its test cases to
# build/results/<step>.tsv; a step that fails without reporting a case
# counts as one failed case. Ends with one line 'N passed, N failed' and
# exits non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

results=$BUILD/results
mkdir -p "$results"
summary=$results/summary.tsv
: >"$summary"
start=$(date +%s)

step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	log "=== $name"
	rm -f "$results/$name.tsv"
	"$@"
	rc=$?
	if [ -f "$results/$name.tsv" ]; then
		cat "$results/$name.tsv" >>"$summary"
	fi
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$results/$name.tsv" 2>/dev/null; then
		printf 'FAIL\t%s: exited with status %d\n' "$name" "$rc" >>"$summary"
	fi
	log "=== $name: exit $rc, $(( $(date +%s) - t0 )) s"
	return "$rc"
}

step workbench bash -c "python3 '$TOP/tests/workbench/test_parsers.py' >'$results/workbench.tsv'"
step setup "$TOP/scripts/setup.sh" &&
step tree "$TOP/scripts/tree.sh"
ready=$?
if [ "$ready" -eq 0 ]; then
	step kunit "$TOP/scripts/kunit.sh"
	step check "$TOP/scripts/check.sh"
	KUNIT_ARCH=x86_64 step kunit-x86_64 "$TOP/scripts/kunit.sh"
	step vm-test "$TOP/scripts/vm.sh" test normal
	step modpost "$TOP/scripts/modpost-test.sh"
	step demo "$TOP/scripts/demo.sh"
	step vm-test-debug "$TOP/scripts/vm.sh" test debug
fi

pass=$(grep -c '^PASS' "$summary")
fail=$(grep -c '^FAIL' "$summary")
skip=$(grep -c '^SKIP' "$summary")
if [ "$fail" -gt 0 ]; then
	echo "Failed:"
	grep '^FAIL' "$summary" | cut -f2- | sed 's/^/  /'
fi
echo "make test took $(( $(date +%s) - start )) s"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
