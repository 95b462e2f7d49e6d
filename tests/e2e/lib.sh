# shellcheck shell=bash
# Helpers of the end-to-end drivers, sourced by them (and by bench/bench.sh).
#
# Environment, as ctest sets it: CRYO, the cryo binary; WORKLOADS, the directory of the wl_*
# programs. CRYO_SKIP=1 turns dump and restore into nothing, to check a driver and its
# workloads without cryo (honored by run-workload.sh, real-programs.sh and cycles.sh).
# CRYO_E2E_KEEP=1 keeps the temporary directory.
#
# Every driver gets a private temporary directory $tmp, removed on exit. Everything it starts
# carries CRYO_E2E_MARK=$tmp in its environment: on exit, whatever still runs with that mark
# (a workload, a restored process, a hung cryo) is killed, and nothing else. On failure the
# logs and outputs under $tmp are printed.

set -euo pipefail

CRYO_SKIP=${CRYO_SKIP:-0}
WORKLOADS=${WORKLOADS:-}
CRYO=${CRYO:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cryo-e2e.XXXXXX")
export CRYO_E2E_MARK=$tmp

log() {
	echo "[$(date +%T.%3N)] $*"
}

fail() {
	log "FAIL: $*"
	exit 1
}

# The pids of the processes carrying our mark, but this shell.
marked_pids() {
	local f pid
	for f in /proc/[0-9]*/environ; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		if grep -qzxF "CRYO_E2E_MARK=$tmp" "$f" 2>/dev/null; then
			echo "$pid"
		fi
	done
}

show_files() {
	local f
	echo "---- $0 failed; logs and outputs (last 300 lines each):"
	while IFS= read -r -d '' f; do
		echo "---- $f"
		tail -n 300 "$f" || true
	done < <(find "$tmp" -type f \( -name '*.log' -o -name '*.out' -o -name '*.err' \) \
		-print0 | sort -z)
	echo "----"
}

# at_exit FUNCTION: call FUNCTION when the driver exits, pass or fail, before the marked
# processes are killed (for what the mark does not reach, or must be ended its own way).
exit_hooks=()
at_exit() {
	exit_hooks+=("$1")
}

cleanup() {
	local status=$? pids hook
	trap - EXIT
	for hook in "${exit_hooks[@]}"; do
		"$hook" || true
	done
	pids=$(marked_pids)
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
	fi
	((status == 0)) || show_files
	if [[ ${CRYO_E2E_KEEP:-0} == 1 ]]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

[[ -n $WORKLOADS ]] || fail "WORKLOADS is not set"
[[ $CRYO_SKIP == 1 || -x $CRYO ]] || fail "CRYO is not set to the cryo binary (or set CRYO_SKIP=1)"

# ---- processes --------------------------------------------------------------------------------

# The state letter of /proc/PID/stat; fails when there is no such process.
proc_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	echo "${stat%% *}"
}

# Field N (as in proc(5), N > 2) of /proc/PID/stat.
proc_field() {
	local stat fields
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	read -r -a fields <<<"${stat##*) }"
	echo "${fields[$2 - 3]}"
}

# A live process, neither a zombie nor dead.
alive() {
	local state
	state=$(proc_state "$1") || return 1
	[[ $state != Z && $state != X ]]
}

dead() {
	! alive "$1"
}

# No process, not even a zombie, holds the pid.
pid_free() {
	[[ ! -e /proc/$1 ]]
}

# Running or sleeping, not stopped and not traced: as a failed dump must leave it.
untouched() {
	local state
	state=$(proc_state "$1") || return 1
	[[ $state == [RSD] ]] && grep -qx 'TracerPid:[[:space:]]*0' "/proc/$1/status"
}

cmdline_of() {
	tr '\0' ' ' <"/proc/$1/cmdline"
}

# wait_until SECONDS WHAT COMMAND...: poll COMMAND every 50 ms; fail after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		((SECONDS < deadline)) || fail "timed out waiting for $what"
		sleep 0.05
	done
}

# Close every fd above 2 of this (sub)shell.
close_fds() {
	local fd
	for fd in "/proc/$BASHPID/fd/"*; do
		fd=${fd##*/}
		if ((fd > 2)); then
			eval "exec $fd>&-" 2>/dev/null || true
		fi
	done
}

# start OUT COMMAND...: run COMMAND in the background as a session leader, with stdin from
# /dev/null, stdout and stderr (one open file description, as 2>&1 makes) to OUT, and no other
# fd (fds inherited from ctest or make would be pipes to processes outside the tree). Sets $pid,
# and $job: a child of this shell that waits for COMMAND and exits with its status, so that a
# dump killing COMMAND is no news for bash ("Killed") and its pid is free again at once.
start() {
	local out=$1
	shift
	rm -f "$tmp/started.pid"
	(
		close_fds
		setsid "$@" &
		echo $! >"$tmp/started.pid"
		wait $! 2>/dev/null
	) >"$out" 2>&1 </dev/null &
	# shellcheck disable=SC2034 # for the caller
	job=$!
	wait_until 10 "$1 to start" test -s "$tmp/started.pid"
	pid=$(cat "$tmp/started.pid")
}

has_line() {
	grep -qE "^($2)\$" "$1" 2>/dev/null
}

# wait_ready PID OUT: until the process printed READY; it must be the session leader.
wait_ready() {
	local deadline=$((SECONDS + 120))
	until has_line "$2" READY; do
		alive "$1" || fail "process $1 ended before READY"
		((SECONDS < deadline)) || fail "timed out waiting for READY from $1"
		sleep 0.05
	done
	[[ $(proc_field "$1" 6) == "$1" ]] || fail "process $1 is not a session leader"
}

# wait_result PID OUT: until the process ended; it must have printed PASS and no FAIL, and
# READY only once (twice would be a restart from scratch, not a restore).
wait_result() {
	wait_until 120 "process $1 to end" dead "$1"
	! grep -q '^FAIL' "$2" || fail "process $1: $(grep '^FAIL' "$2" | head -n 5)"
	has_line "$2" PASS || fail "process $1 ended without PASS"
	(($(grep -c '^READY$' "$2") == 1)) || fail "process $1 printed READY more than once"
	log "process $1: PASS"
}

# wait_child PID: wait at most 120 s for a child of this shell (a $job, a cryo); its exit status
# in $child_status.
# shellcheck disable=SC2034 # child_status is for the caller
wait_child() {
	wait_until 120 "process $1 to exit" dead "$1"
	child_status=0
	wait "$1" || child_status=$?
}

# ---- cryo ---------------------------------------------------------------------------------------

# expect_error WHAT COMMAND...: COMMAND must fail cleanly: exit status 1 and exactly one line on
# stderr (not a crash, not a usage text).
expect_error() {
	local what=$1 status=0 err=$tmp/expect_error.err lines
	shift
	"$@" 2>"$err" >/dev/null || status=$?
	lines=$(grep -c '' "$err" || true)
	((status == 1)) || fail "$what: exit status $status, want 1 (stderr: $(head -c 500 "$err"))"
	if ((lines != 1)) || [[ ! -s $err ]]; then
		fail "$what: $lines lines on stderr, want 1: $(cat "$err")"
	fi
	log "$what: $(cat "$err")"
}

# cryo_dump PID DIR [OPTION...]: dump PID into a new image directory DIR, log in DIR/dump.log.
cryo_dump() {
	local pid=$1 dir=$2
	shift 2
	[[ $CRYO_SKIP == 1 ]] && return 0
	mkdir -m 0700 "$dir"
	log "cryo dump -t $pid -D $dir $*"
	"$CRYO" dump -t "$pid" -D "$dir" -o dump.log -v4 "$@" || fail "cryo dump exited with $?"
}

# After a dump without -R/-s: the process is gone, and its pid free for the restore (PID 1 reaps
# orphans in its own time: wait for it).
wait_dumped_gone() {
	[[ $CRYO_SKIP == 1 ]] && return 0
	wait_until 30 "process $1 to die after the dump" dead "$1"
	wait_until 30 "pid $1 to be free" pid_free "$1"
}

# cryo_restore_detached DIR PID [OPTION...]: restore DIR in the background; the process must have
# PID.
cryo_restore_detached() {
	local dir=$1 pid=$2 got
	shift 2
	[[ $CRYO_SKIP == 1 ]] && return 0
	log "cryo restore -D $dir -d $*"
	"$CRYO" restore -D "$dir" -d --pidfile "$dir/restored.pid" -o restore.log -v4 "$@" ||
		fail "cryo restore exited with $?"
	got=$(cat "$dir/restored.pid")
	[[ $got == "$pid" ]] || fail "restored as pid '$got', want $pid"
	alive "$pid" || fail "restored process $pid is not running"
}

# restore_foreground DIR [OPTION...]: restore DIR in the foreground: cryo waits for the root and
# exits with its status, left in $child_status. With CRYO_SKIP=1, the original job's status instead.
restore_foreground() {
	local dir=$1
	shift
	if [[ $CRYO_SKIP == 1 ]]; then
		wait_child "$job"
	else
		log "cryo restore -D $dir $*"
		"$CRYO" restore -D "$dir" -o restore.log -v4 "$@" &
		wait_child $!
	fi
}

# dump_and_restore PID DIR [OPTION...]: dump PID (it dies), restore it detached, same pid; the
# OPTIONs go to both.
dump_and_restore() {
	local pid=$1 dir=$2
	shift 2
	cryo_dump "$pid" "$dir" "$@"
	wait_dumped_gone "$pid"
	cryo_restore_detached "$dir" "$pid" "$@"
}
