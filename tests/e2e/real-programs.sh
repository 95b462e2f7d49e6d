#!/bin/bash
# real-programs.sh sleep|python|python-threads|bash: checkpoint and restore unmodified Debian
# programs.
#
#   sleep   a `sleep 1000` lives on after restore, same pid and command line, and dies of
#           SIGTERM; a `sleep 3` dumped after 1 s ends by itself after restore, status 0
#   python  /usr/bin/python3 holding a dict of a million random entries: after restore and go,
#           the script rebuilds the dict from its seed and compares
#   python-threads
#           /usr/bin/python3 with 8 threading.Thread workers consuming a queue.Queue that the
#           main thread fills until go: every item is processed exactly once, the workers keep
#           their TIDs, and the main thread queued more items after the restore
#   bash    /bin/bash counting in a busy loop of builtins only: after restore the count goes on
#           from where it was (not from 0) and stays consistent with a running sum
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

(($# == 1)) || fail "usage: $0 sleep|python|python-threads|bash"
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

# Dump the counting program $pid (it dies), restore it, let it finish: its final count
# must go past the one it had written at the dump. Sets at_dump and final.
dump_restore_counting() {
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
}

test_python_threads() {
	local at_dump final tasks
	cat >"$tmp/workers.py" <<'EOF'
import os, queue, random, sys, threading, time

WORKERS = 8
go, counter = sys.argv[1], sys.argv[2]
seed = int.from_bytes(os.urandom(8), "little")

def item(i):
    return random.Random(seed + i).getrandbits(64)

def process(x):
    return (x * 0x9E3779B97F4A7C15 ^ seed) & 0xFFFFFFFFFFFFFFFF

def worker(n):
    tids[n] = threading.get_native_id()
    while (x := q.get()) is not None:
        done[n].append(process(x))
        if len(done[n]) % 64 == 0:
            time.sleep(0.001)  # now and then the queue fills up and put() waits
    tids[n] = (tids[n], threading.get_native_id())

def tasks():
    return sorted(int(t) for t in os.listdir("/proc/self/task"))

q = queue.Queue(maxsize=256)
done = [[] for _ in range(WORKERS)]
tids = [None] * WORKERS
threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
for t in threads:
    t.start()
count = 0
while not os.path.exists(go):
    q.put(item(count))
    count += 1
    if count == 10_000:
        tasks_before = tasks()
        print("READY", flush=True)
    if count % 2000 == 0:
        with open(counter, "w") as f:
            f.write(f"{count}\n")
tasks_after = tasks()
for _ in threads:
    q.put(None)
for t in threads:
    t.join()
print(f"count {count}")
failed = []
if tasks_after != tasks_before:
    failed.append(f"/proc/self/task {tasks_after}, before {tasks_before}")
failed += [f"worker {n}: thread id {a}, then {b}" for n, (a, b) in enumerate(tids) if a != b]
got = sorted(x for d in done for x in d)
if got != sorted(process(item(i)) for i in range(count)):
    failed.append(f"{len(got)} items processed, {len(set(got))} distinct, want {count}")
for f in failed:
    print(f"FAIL: {f}", flush=True)
if not failed:
    print("PASS", flush=True)
sys.exit(1 if failed else 0)
EOF
	start "$out" /usr/bin/python3 "$tmp/workers.py" "$go" "$tmp/counter"
	wait_ready "$pid" "$out"
	tasks=("/proc/$pid/task/"*)
	((${#tasks[@]} == 9)) || fail "python3 $pid has ${#tasks[@]} threads, want 9"
	dump_restore_counting
	log "$at_dump items queued at the dump, $final in all"
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
	dump_restore_counting
	log "counted from $at_dump at the dump to $final"
}

case $1 in
sleep) test_sleep ;;
python) test_python ;;
python-threads) test_python_threads ;;
bash) test_bash ;;
*) fail "unknown program $1" ;;
esac
