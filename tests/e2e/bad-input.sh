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
start "$tmp/socket.out" /usr/bin/python3 -c \
	'import socket, time; s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); print("READY", flush=True); time.sleep(1000)'
wait_ready "$pid" "$tmp/socket.out"
expect_error "dump of a process holding a netlink socket" "$CRYO" dump -t "$pid" -D "$img"
grep -q "socket" "$tmp/expect_error.err" || fail "the error does not name the socket"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"

# A tree whose groups restore cannot rebuild: a grandchild still in the group of its parent, which
# moved to another group (nothing could take the leader's PID). Refused at dump, nothing touched.
start "$tmp/groups.out" /usr/bin/python3 -c '
import os, time
r, w = os.pipe()
if os.fork() == 0:
    os.setpgid(0, 0)
    if os.fork() == 0:
        time.sleep(1000)
    os.setpgid(0, os.getpgid(os.getppid()))
    os.write(w, b"x")
    time.sleep(1000)
os.read(r, 1)
print("READY", flush=True)
time.sleep(1000)'
wait_ready "$pid" "$tmp/groups.out"
expect_error "dump of a tree with a group whose leader moved" "$CRYO" dump -t "$pid" -D "$img"
grep -q "whose leader has moved to another group" "$tmp/expect_error.err" ||
	fail "the error does not say why"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"
pkill -KILL -s "$pid" || true

# An epoll registration whose target the process closed, now held only by its parent, outside
# the tree: nothing to restore it from.
start "$tmp/epoll.out" /usr/bin/python3 -c '
import os, select, time
e = os.eventfd(0)
if os.fork() == 0:
    ep = select.epoll()
    ep.register(e, select.EPOLLIN)
    os.close(e)
    print("CHILD", os.getpid(), flush=True)
    print("READY", flush=True)
time.sleep(1000)'
wait_ready "$pid" "$tmp/epoll.out"
child=$(awk '/^CHILD/ { print $2 }' "$tmp/epoll.out")
expect_error "dump of an epoll target held only outside the tree" "$CRYO" dump -t "$child" -D "$img"
grep -q "open in no process of the tree" "$tmp/expect_error.err" || fail "the error does not say why"
untouched "$child" || fail "a failed dump left process $child stopped, traced or dead"

# A target killed in the middle of its dump (2 GiB take a while to copy): one error, no crash.
start "$tmp/big.out" "$WORKLOADS/wl_memory" "$tmp/go" 2048
wait_ready "$pid" "$tmp/big.out"
(sleep 0.3 && kill -KILL "$pid") &
expect_error "dump of a process killed during the dump" "$CRYO" dump -t "$pid" -D "$img"

# SysV shared memory (shmget, shmat; removed at once, so that it goes with the process): the
# dump names the process and the mapping.
start "$tmp/sysv.out" /usr/bin/python3 -c '
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shmid = libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
if shmid < 0 or libc.shmat(shmid, None, 0) == ctypes.c_void_p(-1).value:
    sys.exit("shmget/shmat failed")
libc.shmctl(shmid, 0, None)  # IPC_RMID
print("attached", flush=True)
time.sleep(1000)'
wait_until 10 "the SysV segment to be attached" grep -q attached "$tmp/sysv.out"
expect_error "dump of a process with SysV shared memory" "$CRYO" dump -t "$pid" -D "$img"
grep -q "of $pid is SysV shared memory" "$tmp/expect_error.err" || fail "the error does not say why"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"

# A POSIX timer cryo cannot create again as it was: one on the CPU clock of "the calling thread"
# in a process of two threads (which thread, nothing shows). Refused before anything is touched.
start "$tmp/timers.out" "$WORKLOADS/wl_timers" "$tmp/go-timers" refuse
wait_ready "$pid" "$tmp/timers.out"
expect_error "dump of a process with a timer on an unknown thread's CPU clock" \
	"$CRYO" dump -t "$pid" -D "$img"
grep -q "POSIX timer [0-9]* measures the CPU time of the thread that created it" \
	"$tmp/expect_error.err" || fail "the error does not say why"
untouched "$pid" || fail "a failed dump left process $pid stopped, traced or dead"
