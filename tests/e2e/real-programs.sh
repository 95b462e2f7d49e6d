#!/bin/bash
# real-programs.sh sleep|python|bash: checkpoint and restore unmodified Debian programs.
#
#   sleep   a `sleep 1000` lives on after restore, same pid and command line, and dies of
#           SIGTERM; a `sleep 3` dumped after 1 s ends by itself after restore, status 0
#   python  /usr/bin/python3 holding a dict of a million random entries: after restore and go,
#           the script rebuilds the dict from its seed and compares
#   bash    /bin/bash counting in a busy loop of builtins only: after restore the count goes on
#           from where it was (not from 0) and stays consistent with a running sum
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

(($# == 1)) || fail "usage: $0 sleep|python|bash"
go=$tmp/go
out=$tmp/program.out

test_sleep() {
	local cmdline
	start "$out" /usr/bin/sleep 1000
	wait_until 10 "sleep to start" grep -q sleep "/proc/$pid/comm"
	cmdline=$(cmdline_of "$pid")
	dump_and_restore "$pid" "$tmp/img"
	sleep 1
	alive "$pid" || fail "restored sleep $pid died"
	[[ $(cmdline_of "$pid") == "$cmdline" ]] ||
		fail "restored command line '$(cmdline_of "$pid")', want '$cmdline'"
	kill -TERM "$pid"
	wait_until 10 "sleep $pid to die of SIGTERM" dead "$pid"

	start "$out" /usr/bin/sleep 3
	sleep 1
	cryo_dump "$pid" "$tmp/img3"
	wait_dumped_gone "$pid"
	if [[ $CRYO_SKIP == 1 ]]; then
		wait_child "$job"
	else
		log "cryo restore -D $tmp/img3"
		"$CRYO" restore -D "$tmp/img3" -o restore.log -v4 &
		wait_child $!
	fi
	((child_status == 0)) || fail "sleep 3: exit status $child_status, want 0"
	log "sleep 3 ended by itself with status 0"
}

test_python() {
	cat >"$tmp/dict.py" <<'EOF'
import os, random, sys, time

def build(seed):
    rng = random.Random(seed)
    return {rng.getrandbits(64): i for i in range(1_000_000)}

def checksum(d):
    h = 0
    for k, v in d.items():
        h = (h * 1000003 ^ k ^ v << 7) & 0xFFFFFFFFFFFFFFFF
    return h

go = sys.argv[1]
seed = int.from_bytes(os.urandom(8), "little")
d = build(seed)
want = checksum(d)
print("READY", flush=True)
while not os.path.exists(go):
    time.sleep(0.01)
if checksum(d) == want and d == build(seed):
    print("PASS", flush=True)
else:
    print("FAIL: the dict changed", flush=True)
    sys.exit(1)
EOF
	start "$out" /usr/bin/python3 "$tmp/dict.py" "$go"
	wait_ready "$pid" "$out"
	dump_and_restore "$pid" "$tmp/img"
	touch "$go"
	wait_result "$pid" "$out"
}

test_bash() {
	local at_dump final
	cat >"$tmp/count.sh" <<'EOF'
go=$1 counter=$2 count=0 sum=0
echo READY
until [[ -e $go ]]; do
	((count += 1, sum += count))
	((count % 20000)) || echo "$count" >"$counter"
done
echo "count $count"
if ((sum == count * (count + 1) / 2)); then
	echo PASS
else
	echo "FAIL: sum $sum is not the sum of 1..$count"
	exit 1
fi
EOF
	start "$out" /bin/bash "$tmp/count.sh" "$go" "$tmp/counter"
	wait_ready "$pid" "$out"
	wait_until 30 "the first count" test -s "$tmp/counter"
	sleep 0.5
	cryo_dump "$pid" "$tmp/img"
	wait_dumped_gone "$pid"
	at_dump=$(cat "$tmp/counter")
	cryo_restore_detached "$tmp/img" "$pid"
	sleep 0.5
	touch "$go"
	wait_result "$pid" "$out"
	final=$(sed -n 's/^count //p' "$out")
	((final > at_dump)) || fail "final count $final, want more than $at_dump (at the dump)"
	log "counted from $at_dump at the dump to $final"
}

case $1 in
sleep) test_sleep ;;
python) test_python ;;
bash) test_bash ;;
*) fail "unknown program $1" ;;
esac
