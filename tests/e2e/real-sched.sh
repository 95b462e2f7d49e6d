#!/bin/bash
# real-sched.sh: an unmodified program (sleep) started by nice, ionice, taskset and chrt with a
# random nice value, best-effort I/O level, CPU and SCHED_RR priority: after a dump and restore,
# /proc and ionice show the same settings.
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

out=$tmp/program.out
nice=$((RANDOM % 19 + 1))
level=$((RANDOM % 8))
cpu=$((RANDOM % $(nproc)))
prio=$((RANDOM % 50 + 1))

# Nice, real-time priority and policy (fields 19, 40 and 41 of stat), CPUs, I/O priority.
sched_of() {
	echo "nice $(proc_field "$1" 19) rt_priority $(proc_field "$1" 40)" \
		"policy $(proc_field "$1" 41)"
	grep '^Cpus_allowed_list:' "/proc/$1/status"
	ionice -p "$1"
}

start "$out" nice -n "$nice" ionice -c 2 -n "$level" taskset -c "$cpu" \
	chrt -r "$prio" /usr/bin/sleep 1000
wait_until 10 "the tools to become sleep" grep -qx sleep "/proc/$pid/comm"
sched_of "$pid" >"$tmp/before"
grep -qx "nice $nice rt_priority $prio policy 2" "$tmp/before" ||
	fail "the tools did not set nice $nice, SCHED_RR $prio: $(head -n 1 "$tmp/before")"

dump_and_restore "$pid" "$tmp/img"
sched_of "$pid" >"$tmp/after"
diff "$tmp/before" "$tmp/after" || fail "scheduling settings changed across dump and restore"
log "process $pid: same scheduling settings ($(tr '\n' ' ' <"$tmp/after")): PASS"
