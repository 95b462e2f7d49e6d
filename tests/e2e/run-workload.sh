#!/bin/bash
# run-workload.sh NAME MODE [OPTION...]: checkpoint and restore the workload program NAME while
# it waits for its go file, then let it check its own state: it must print PASS. The OPTIONs go
# to both cryo dump and cryo restore (--file-locks, --link-remap, ...).
#
#   kill           dump (the process dies), restore detached: same pid; go
#   restore-fg     dump, restore in the foreground: cryo exits with the workload's status, 0
#   leave-running  dump -R: the process runs on, untouched; go; it exits with 0
#
# With CRYO_SKIP=1 there is no dump nor restore: READY, go, PASS.
source "$(dirname "$0")/lib.sh"

(($# >= 2)) || fail "usage: $0 NAME kill|restore-fg|leave-running [OPTION...]"
name=$1 mode=$2
shift 2
opts=("$@")
out=$tmp/workload.out
img=$tmp/img
go=$tmp/go

# A workload may tell what to expect from the mode (a dump -R leaves what a restore would remove).
export WL_MODE=$mode
start "$out" "$WORKLOADS/$name" "$go"
wait_ready "$pid" "$out"
log "$name: pid $pid READY"
# These two are to be dumped inside their sleeping system call, not before it.
case $name in
wl_nanosleep | wl_poll) sleep 0.5 ;;
esac

case $mode in
kill)
	dump_and_restore "$pid" "$img" "${opts[@]}"
	touch "$go"
	wait_result "$pid" "$out"
	;;
restore-fg)
	cryo_dump "$pid" "$img" "${opts[@]}"
	wait_dumped_gone "$pid"
	# The restored process finds the go file at once: when it appears does not matter.
	touch "$go"
	restore_foreground "$img" "${opts[@]}"
	((child_status == 0)) || fail "exit status $child_status, want 0 (the workload's own)"
	wait_result "$pid" "$out"
	;;
leave-running)
	cryo_dump "$pid" "$img" -R "${opts[@]}"
	untouched "$pid" || fail "process $pid is not running untouched after dump -R"
	touch "$go"
	wait_child "$job"
	((child_status == 0)) || fail "workload exit status $child_status, want 0"
	wait_result "$pid" "$out"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
