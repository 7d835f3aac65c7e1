#!/usr/bin/env bash
# Watch the console file of a QEMU guest that vm.sh boots.
#   console-watch.sh LOG LIST PIDFILE MONITOR REPORT SYSTEM_MAP
# While the QEMU of PIDFILE runs, LOG (its serial console) must grow. Silence
# longer than the running row's timeout (LIST, in the format of
# tests/guest/list) + 30 s, when init's STALL report is due, +
# VM_SILENCE_GRACE (60 s), or 600 s + the grace outside a row (boot,
# kmemleak's scan), means the console died, not a program: a guest task
# stuck in the kernel still gets init's STALL report out. Then
# scripts/qmon.py asks QEMU's monitor (the unix socket MONITOR) where the
# guest is and kicks COM1's transmit interrupt; its report goes to REPORT
# and to stderr. A console that resumes is watched again (a later silence
# gets a report of its own); one that stays silent ends the boot (QEMU
# killed), and the run fails as "did not finish", REPORT saying why.
# VM_SILENCE_POLL (5 s) is how often LOG is looked at.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

log=$1 list=$2 pidfile=$3 mon=$4 report=$5 sysmap=$6
grace=${VM_SILENCE_GRACE:-60}
poll=${VM_SILENCE_POLL:-5}
last=-1
since=$(date +%s)
parent=$PPID
while sleep "$poll"; do
	# vm.sh stops the watcher when QEMU ends; should vm.sh itself die
	# first, QEMU's pidfile goes with QEMU and this would wait forever.
	kill -0 "$parent" 2>/dev/null || exit 0
	[ -f "$pidfile" ] || continue
	pid=$(cat "$pidfile" 2>/dev/null) && kill -0 "$pid" 2>/dev/null || exit 0
	size=$(stat -c %s "$log" 2>/dev/null || echo 0)
	now=$(date +%s)
	if [ "$size" != "$last" ]; then
		last=$size
		since=$now
		continue
	fi
	row=$(grep -a '^@@@ \(START\|END\) ' "$log" | tail -n 1 | tr -d '\r' |
		awk '$2 == "START" { print $3 }')
	allowed=600
	if [ -n "$row" ]; then
		allowed=$(awk -v n="$row" '$1 == n { print $3 + 30 }' "$list")
		allowed=${allowed:-600}
	fi
	[ $((now - since)) -ge $((allowed + grace)) ] || continue
	{
		echo "vm: console silent for $((now - since)) s (row: ${row:-none}, allowed $allowed + $grace s); QEMU's monitor says:"
		python3 "$TOP/scripts/qmon.py" "$mon" "$sysmap" "$log"
	} >"$report.new" 2>&1
	sed 's/^/>>> /' "$report.new" >&2
	cat "$report.new" >>"$report"
	if tail -n 1 "$report.new" | grep -q 'console resumed'; then
		last=-1
		continue
	fi
	log "vm: the console stays silent: stopping QEMU"
	kill "$pid" 2>/dev/null
	exit 0
done
