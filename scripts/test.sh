#!/usr/bin/env bash
# Everything: setup, tree, the workbench's own parser checks, then two
# tracks side by side (TEST_SERIAL=1 runs them one after the other):
#   uml    check, then kunit (UML): check's KUnit build at the last patch
#          compiled every object of kunit's build (ccache)
#   guest  the guest tests (vm-test; among them the KUnit suites on
#          x86_64, as modules of the guest kernel), the modpost check of
#          the PAL importer symbols against the guest kernel's
#          Module.symvers (modpost), the demo (make demo), QEMU 11 as the
#          VMM in the guest (vmm-test), and the guest tests and QEMU 11 on
#          the debug kernel (vm-test-debug, vmm-test-debug)
# The tracks share nothing but the ccache: uml builds in build/kunit-uml and
# build/check, guest in build/guest. Most of the
# guest track is one QEMU (TCG, one thread) running tests, most of the uml
# track compiling; so that a compile never slows a guest test towards its
# timeout, the uml track runs at nice 10 (TEST_NICE). The guest track's
# output is prefixed with [guest].
# Each step writes its test cases to build/results/<step>.tsv; a step that
# fails without reporting a case counts as one failed case. Ends with the
# failed cases, a table of the steps (seconds, budget, cases
# passed/failed/skipped) with a warning for each step over its budget, the
# time of each track, the cases by origin (scripts/totals.py), and as the
# last line 'N passed, N failed'; exits non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Seconds each step may take on a fresh machine (2 cores, the apt packages
# and the base tarball to fetch, an empty ccache), with the two tracks
# side by side; the whole run may take TOTAL_BUDGET, 2700 s (45 minutes),
# which is less than the sum of the steps because the tracks overlap. A step
# over its budget, or the whole run over the total, gets a warning line at
# the end. Each step's budget is its time in the fresh run of 2026-11-29
# (README, Measured: 2730 s in all) plus about 5%: a step over it got
# slower. check's time is mostly waiting: its track runs at nice 10 and
# gets little CPU while the guest track builds kernels; its cold UML build
# at the first patch took 27 minutes of it. vm-test and vm-test-debug
# include building their guest kernel; vmm-test includes making the sid
# root of QEMU 11 (about a minute); both vmm steps find their guest kernel
# built by the step before them.
declare -A BUDGET=(
	[workbench]=30 [setup]=120 [tree]=90 [check]=2660 [kunit]=120
	[vm-test]=720 [modpost]=30 [demo]=65 [vmm-test]=120
	[vm-test-debug]=1350 [vmm-test-debug]=140
)
TOTAL_BUDGET=2700

results=$BUILD/results
mkdir -p "$results"
summary=$results/summary.tsv
cases=$results/cases.tsv
steps=$results/steps.tsv
: >"$summary"
: >"$cases"
: >"$steps"
tracks=$results/tracks.tsv
: >"$tracks"
start=$(date +%s)

step() {
	local name=$1 t0 rc t tsv
	shift
	t0=$(date +%s)
	tsv=$results/$name.tsv
	log "=== $name"
	rm -f "$tsv"
	"$@"
	rc=$?
	touch "$tsv"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$tsv"; then
		printf 'FAIL\t%s: exited with status %d\n' "$name" "$rc" >>"$tsv"
	fi
	t=$(( $(date +%s) - t0 ))
	printf '%s\t%d\t%d\t%d\t%d\n' "$name" "$t" "$(grep -c '^PASS' "$tsv")" \
		"$(grep -c '^FAIL' "$tsv")" "$(grep -c '^SKIP' "$tsv")" >"$results/$name.step"
	log "=== $name: exit $rc, $t s (budget ${BUDGET[$name]:-0} s)"
	return "$rc"
}

# track NAME: the time of a track, for the table.
track_time() { printf '%s\t%d\n' "$1" "$2" >>"$tracks"; }

track_uml() {
	local t0
	t0=$(date +%s)
	step check "$TOP/scripts/check.sh"
	step kunit "$TOP/scripts/kunit.sh"
	track_time uml $(( $(date +%s) - t0 ))
}

track_guest() {
	local t0
	t0=$(date +%s)
	step vm-test "$TOP/scripts/vm.sh" test normal
	step modpost "$TOP/scripts/modpost-test.sh"
	step demo "$TOP/scripts/demo.sh"
	step vmm-test "$TOP/scripts/vmm-test.sh" normal
	step vm-test-debug "$TOP/scripts/vm.sh" test debug
	step vmm-test-debug "$TOP/scripts/vmm-test.sh" debug
	track_time guest $(( $(date +%s) - t0 ))
}

ORDER=(setup tree workbench check kunit vm-test modpost demo
	vmm-test vm-test-debug vmm-test-debug)
for name in "${ORDER[@]}"; do rm -f "$results/$name.step" "$results/$name.tsv"; done

# setup first: on a fresh machine even python3 comes from it.
step setup "$TOP/scripts/setup.sh" &&
step tree "$TOP/scripts/tree.sh"
ready=$?
step workbench bash -c "python3 '$TOP/tests/workbench/test_parsers.py' >'$results/workbench.tsv'"
if [ "$ready" -eq 0 ]; then
	if [ "${TEST_SERIAL:-0}" = 1 ]; then
		track_uml
		track_guest
	else
		log "running the uml and the guest tracks side by side (TEST_SERIAL=1: one after the other)"
		( renice -n "${TEST_NICE:-10}" -p "$BASHPID" >/dev/null; track_uml ) </dev/null &
		uml_pid=$!
		track_guest </dev/null > >(sed -u 's/^/[guest] /') \
			2> >(sed -u 's/^/[guest] /' >&2) &
		guest_pid=$!
		wait "$uml_pid"
		wait "$guest_pid"
		wait # the [guest] prefixing, to its end
	fi
fi

# The results in the order of ORDER, whichever track ran them.
for name in "${ORDER[@]}"; do
	[ -f "$results/$name.step" ] || continue
	cat "$results/$name.step" >>"$steps"
	cat "$results/$name.tsv" >>"$summary"
	sed "s/^/$name\t/" "$results/$name.tsv" >>"$cases"
done

pass=$(grep -c '^PASS' "$summary")
fail=$(grep -c '^FAIL' "$summary")
skip=$(grep -c '^SKIP' "$summary")
total=$(( $(date +%s) - start ))
if [ "$fail" -gt 0 ]; then
	echo "Failed:"
	grep '^FAIL' "$summary" | cut -f2- | sed 's/^/  /'
fi
printf '%-14s %7s %7s %7s %7s %7s\n' step seconds budget passed failed skipped
warnings=()
while IFS=$'\t' read -r name t p f s; do
	printf '%-14s %7d %7d %7d %7d %7d\n' "$name" "$t" "${BUDGET[$name]:-0}" "$p" "$f" "$s"
	if [ "$t" -gt "${BUDGET[$name]:-0}" ]; then
		warnings+=("warning: step $name took $t s, over its budget of ${BUDGET[$name]:-0} s")
	fi
done <"$steps"
printf '%-14s %7d %7d %7d %7d %7d\n' total "$total" "$TOTAL_BUDGET" "$pass" "$fail" "$skip"
while IFS=$'\t' read -r name t; do
	printf 'track %-8s %7d s\n' "$name" "$t"
done <"$tracks"
[ "$total" -le "$TOTAL_BUDGET" ] ||
	warnings+=("warning: make test took $total s, over its budget of $TOTAL_BUDGET s")
[ "${#warnings[@]}" -eq 0 ] || printf '%s\n' "${warnings[@]}"
python3 "$TOP/scripts/totals.py" "$cases" "$TOP" || echo "(no breakdown: scripts/totals.py failed)"
[ "$skip" -eq 0 ] || echo "$skip skipped, neither passed nor failed (the SKIP lines of $summary)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
