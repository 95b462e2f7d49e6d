#!/bin/bash
# unix-sk.sh listen-leave-running|listen-skip|ext|refusals: the unix socket cases that
# run-workload.sh cannot drive.
#
#   listen-leave-running
#           wl_unix_listen, whose listeners hold connections waiting to be accepted with what
#           their clients sent: dump -R is refused (only accept() could read them), the process
#           untouched; dump -R --skip-in-flight goes through, and the process, untouched, still
#           accepts them all after go
#   listen-skip
#           wl_unix_listen dumped with --skip-in-flight and restored: no connection waits any
#           more, their clients read end of file, the rest is as it was
#   ext     wl_unix_ext, connected to an echo server outside the tree (python3): the dump is
#           refused without --ext-unix-sk; with it, the restored sockets are connected to the
#           server's addresses again and tokens go through them and back
#   refusals
#           python3 holding a unix socket with a descriptor in flight in its queue, then one with
#           out-of-band data in its queue, then a netlink socket: each dump fails with one line
#           naming the descriptor, and the process carries on untouched
source "$(dirname "$0")/lib.sh"

(($# == 1)) || fail "usage: $0 listen-leave-running|listen-skip|ext|refusals"
[[ $CRYO_SKIP != 1 ]] || fail "$0 checks cryo's own errors: CRYO_SKIP=1 makes no sense here"
go=$tmp/go
out=$tmp/workload.out

# refused WHAT PATTERN DIR OPTION...: the dump of $pid fails with one line matching PATTERN, and
# leaves the process untouched.
refused() {
	local what=$1 pattern=$2 dir=$3
	shift 3
	mkdir -m 0700 "$dir"
	expect_error "$what" "$CRYO" dump -t "$pid" -D "$dir" "$@"
	grep -qE "$pattern" "$tmp/expect_error.err" || fail "$what: the error does not say '$pattern'"
	untouched "$pid" || fail "$what: process $pid is not running untouched"
}

test_listen_leave_running() {
	start "$out" "$WORKLOADS/wl_unix_listen" "$go"
	wait_ready "$pid" "$out"
	refused "dump -R of waiting connections" "fd [0-9]+ of $pid: a connection .* waits to be accepted" \
		"$tmp/img-refused" -R
	cryo_dump "$pid" "$tmp/img" -R --skip-in-flight
	untouched "$pid" || fail "process $pid is not running untouched after dump -R"
	touch "$go"
	wait_child "$job"
	((child_status == 0)) || fail "workload exit status $child_status, want 0"
	wait_result "$pid" "$out"
}

test_listen_skip() {
	start "$out" "$WORKLOADS/wl_unix_listen" "$go" skip
	wait_ready "$pid" "$out"
	cryo_dump "$pid" "$tmp/img" --skip-in-flight
	wait_dumped_gone "$pid"
	cryo_restore_detached "$tmp/img" "$pid"
	touch "$go"
	wait_result "$pid" "$out"
}

test_ext() {
	cat >"$tmp/echo.py" <<'EOF'
import socket, sys, threading

stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stream.bind(sys.argv[1])
stream.listen(8)
dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dgram.bind(sys.argv[2])

def echo_datagrams():
    while True:
        data, addr = dgram.recvfrom(65536)
        if addr:
            dgram.sendto(data, addr)

def echo(conn):
    while data := conn.recv(65536):
        conn.sendall(data)

threading.Thread(target=echo_datagrams, daemon=True).start()
print("READY", flush=True)
while True:
    conn, _ = stream.accept()
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
EOF
	start "$tmp/server.out" /usr/bin/python3 "$tmp/echo.py" "$tmp/stream.sock" "$tmp/dgram.sock"
	wait_ready "$pid" "$tmp/server.out"
	log "echo server: pid $pid"
	start "$out" "$WORKLOADS/wl_unix_ext" "$go" "$tmp/stream.sock" "$tmp/dgram.sock"
	wait_ready "$pid" "$out"
	refused "dump of sockets connected outside" "fd [0-9]+ of $pid: .* outside the tree" \
		"$tmp/img-refused"
	cryo_dump "$pid" "$tmp/img" --ext-unix-sk
	wait_dumped_gone "$pid"
	cryo_restore_detached "$tmp/img" "$pid"
	touch "$go"
	wait_result "$pid" "$out"
}

# python3 running CODE, then READY, then sleeping: $pid.
start_python() {
	cat >"$tmp/hold.py" <<EOF
import array, socket, time
$1
print("READY", flush=True)
time.sleep(1000)
EOF
	start "$out" /usr/bin/python3 "$tmp/hold.py"
	wait_ready "$pid" "$out"
}

test_refusals() {
	start_python 'a, b = socket.socketpair()
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [b.fileno()]))])'
	refused "a descriptor in flight" "fd [0-9]+ of $pid: descriptors in flight \\(1\\)" "$tmp/img1"
	kill -KILL "$pid"
	start_python 'a, b = socket.socketpair()
b.send(b"abc")
b.send(b"X", socket.MSG_OOB)'
	refused "out-of-band data" "fd [0-9]+ of $pid: out-of-band data" "$tmp/img2"
	kill -KILL "$pid"
	start_python 's = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)'
	refused "a netlink socket" "fd [0-9]+ of $pid is a socket of family 16" "$tmp/img3"
}

case $1 in
listen-leave-running) test_listen_leave_running ;;
listen-skip) test_listen_skip ;;
ext) test_ext ;;
refusals) test_refusals ;;
*) fail "unknown case $1" ;;
esac
