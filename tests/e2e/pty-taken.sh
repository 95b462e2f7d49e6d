#!/bin/bash
# pty-taken.sh: wl_pty dumped, its pty's index taken by another pty before the restore (a
# python3 holding masters until it has that index): the restore gives the tree another index,
# says so, and everything else holds (the workload notes the index and checks the rest).
source "$(dirname "$0")/lib.sh"

out=$tmp/workload.out
start "$out" "$WORKLOADS/wl_pty" "$tmp/go"
tree=$pid
wait_ready "$tree" "$out"
cryo_dump "$tree" "$tmp/img"
wait_dumped_gone "$tree"
# The first pty of the images: the one the session has.
index=$("$CRYO" show "$tmp/img" | grep -o '"type": "pty", "index": [0-9]*' | head -n 1)
index=${index##* }
[[ -n $index ]] || fail "no pty in the images"

cat >"$tmp/holder.py" <<'PY'
import os, sys, time
held = []
while not os.path.exists("/dev/pts/" + sys.argv[1]) and len(held) < 1000:
    held.append(os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
print("holding", flush=True)
time.sleep(1000)
PY
start "$tmp/holder.out" python3 "$tmp/holder.py" "$index"
wait_until 20 "pty $index to be taken" grep -q holding "$tmp/holder.out"
cryo_restore_detached "$tmp/img" "$tree"
grep -q "pty $index is taken" "$tmp/img/restore.log" ||
	fail "the restore did not say pty $index was taken"
touch "$tmp/go"
wait_result "$tree" "$out"
grep -q "^NOTE: pty $index was taken" "$out" || fail "the tree got pty $index back while it was taken"
