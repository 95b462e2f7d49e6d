#!/bin/bash
# bad-input.sh: cryo refuses what it cannot do with exit status 1 and one line on stderr, never
# a crash, and a dump that fails leaves its target running untouched.

source "$(dirname "$0")/lib.sh"

img=$tmp/img
mkdir -m 0700 "$img"
touch "$tmp/a-file"

# A pid that no process has: the one of a child that has just been reaped.
sleep 0 &
gone=$!
wait "$gone"
pid_free "$gone" || fail "pid $gone was taken again"

expect_error "dump of a pid no process has" "$CRYO" dump -t "$gone" -D "$img"
expect_error "dump of pid 0" "$CRYO" dump -t 0 -D "$img"
expect_error "dump of pid -1" "$CRYO" dump -t -1 -D "$img"
expect_error "dump of pid 'abc'" "$CRYO" dump -t abc -D "$img"
expect_error "dump of a pid beyond pid_max" "$CRYO" dump -t 99999999999 -D "$img"
expect_error "dump of the driver shell, an ancestor of cryo" "$CRYO" dump -t "$$" -D "$img"
expect_error "dump of init, an ancestor of cryo" "$CRYO" dump -t 1 -D "$img"
# shellcheck disable=SC2016 # $$ is the shell that becomes cryo
expect_error "dump of cryo itself" sh -c 'exec "$0" dump -t $$ -D "$1"' "$CRYO" "$img"
expect_error "dump of a kernel thread (kthreadd)" "$CRYO" dump -t 2 -D "$img"
untouched "$$" || fail "the driver shell was left stopped or traced"
untouched 1 || fail "init was left stopped or traced"

start "$tmp/sleep.out" /usr/bin/sleep 1000
wait_until 10 "sleep to start" grep -q sleep "/proc/$pid/comm"
expect_error "dump into a missing directory" "$CRYO" dump -t "$pid" -D "$tmp/missing"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"
expect_error "dump into a file" "$CRYO" dump -t "$pid" -D "$tmp/a-file"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"
[[ -z $(ls -A "$img") ]] || fail "failed dumps wrote into $img: $(ls -A "$img")"

expect_error "restore from a missing directory" "$CRYO" restore -D "$tmp/missing"
expect_error "restore from a file" "$CRYO" restore -D "$tmp/a-file"
expect_error "restore from an empty directory" "$CRYO" restore -D "$img"
expect_error "restore -d from an empty directory" "$CRYO" restore -d -D "$img"
expect_error "show of a missing directory" "$CRYO" show "$tmp/missing"

# A descriptor of a kind cryo does not restore yet: the dump names it and leaves the process be.
# (pgrep runs at each poll: a function, not a $(...) evaluated once.)
has_child() {
	pgrep -P "$1" >/dev/null
}

start "$tmp/socket.out" /usr/bin/python3 -c \
	'import socket, time; s = socket.socket(socket.AF_INET); print("READY", flush=True); time.sleep(1000)'
wait_ready "$pid" "$tmp/socket.out"
expect_error "dump of a process holding an inet socket" "$CRYO" dump -t "$pid" -D "$img"
grep -q "socket" "$tmp/expect_error.err" || fail "the error does not name the socket"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"

# A target killed in the middle of its dump (2 GiB take a while to copy): one error, no crash.
start "$tmp/big.out" "$WORKLOADS/wl_memory" "$tmp/go" 2048
wait_ready "$pid" "$tmp/big.out"
(sleep 0.3 && kill -KILL "$pid") &
expect_error "dump of a process killed during the dump" "$CRYO" dump -t "$pid" -D "$img"

# Anonymous memory shared by a parent and its child would come back unshared: refused.
start "$tmp/shared.out" /usr/bin/python3 -c \
	'import mmap, os, time; m = mmap.mmap(-1, 4096); m[0] = 1; os.fork(); time.sleep(1000)'
wait_until 10 "the child to be forked" has_child "$pid"
expect_error "dump of a tree sharing anonymous memory" "$CRYO" dump -t "$pid" -D "$img"
grep -q "share anonymous memory" "$tmp/expect_error.err" || fail "the error does not say why"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"
