#!/bin/bash
# A sample workload checkpointed, killed, restored, and shown carrying on.
set -euo pipefail
cd "$(dirname "$0")/.."
cryo=build/cryo
work=$(mktemp -d /tmp/cryo-demo.XXXXXX)
mkdir "$work/images"

# Only the standard streams go to the workload: cryo does not restore pipes yet.
close_extra_fds() {
	local fd
	for fd in $(ls /proc/$BASHPID/fd); do
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done 2>/dev/null || true
}

# The workload: a counter that says where it is twice a second.
(close_extra_fds; exec setsid python3 -c '
import time
n = 0
while True:
    n += 1
    print("tick", n, flush=True)
    time.sleep(0.5)
') >"$work/out" 2>&1 </dev/null &
pid=$!
sleep 2
echo "== workload $pid is running:"; tail -n 2 "$work/out"

echo "== cryo dump -t $pid -D $work/images"
$cryo dump -t "$pid" -D "$work/images" -o dump.log
{ wait "$pid"; } 2>/dev/null || true
echo "== killed by the dump; images:"; ls -l "$work/images"
before=$(tail -n 1 "$work/out")
sleep 1
echo "== still \"$before\" a second later, nothing runs:"; tail -n 1 "$work/out"

echo "== cryo restore -D $work/images -d"
$cryo restore -D "$work/images" -d --pidfile "$work/pid" -o restore.log
echo "== restored as PID $(cat "$work/pid"), carrying on from where it was:"
sleep 2
tail -n 5 "$work/out"
kill "$(cat "$work/pid")"
rm -rf "$work"
