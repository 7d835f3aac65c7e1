#!/bin/busybox sh
# The KUnit suites on x86_64: load the modules that /tests/kunit/deps names
# (what the test modules need, in load order), then each test module of
# /tests/kunit/modules in turn; its suites run as it loads. Prints every
# suite's results (debugfs kunit/SUITE/results) as one KTAP document: the
# suites numbered 1..N in the order they ran, the plan at the end. Then
# unloads the module (the dma-buf one shares its name with a module of
# module_ns). Exit status 1 when a module does not load, registers no suite,
# or a suite failed.
cd /tests/kunit || exit 1
k=/sys/kernel/debug/kunit
rc=0
n=0
echo "KTAP version 1"
while read -r m; do
	insmod "$m.ko" || { echo "# kunit.sh: loading $m.ko failed"; exit 1; }
done <deps
while read -r m; do
	case "$m" in ''|'#'*) continue ;; esac
	ls "$k" >/tmp/kunit.before
	if ! insmod "$m.ko"; then
		echo "# kunit.sh: loading $m.ko failed"
		rc=1
		continue
	fi
	found=0
	for d in "$k"/*; do
		[ -f "$d/results" ] || continue
		grep -qxF "${d##*/}" /tmp/kunit.before && continue
		found=1
		n=$((n + 1))
		# The file is a KTAP document of one suite: drop its header and
		# plan, number its result line (the last) as suite n.
		sed -E -e '1,2d' -e "\$s/^(not ok|ok) 1 /\\1 $n /" "$d/results"
		tail -n 1 "$d/results" | grep -q '^ok ' || rc=1
	done
	if [ "$found" = 0 ]; then
		echo "# kunit.sh: $m.ko ran no KUnit suite"
		rc=1
	fi
	rmmod "$m" || { echo "# kunit.sh: unloading $m failed"; rc=1; }
done <modules
echo "1..$n"
exit "$rc"
