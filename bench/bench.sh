#!/bin/bash
# bench.sh [MiB]: how fast cryo dumps and restores a process holding MiB (default 1024) of
# pseudo-random memory (tests/workloads/wl_memory, most of it in anonymous mappings): wall time
# and MiB/s of `cryo dump` (the process is killed at the end) and of `cryo restore -d` (until the
# process runs), and the size of the images. The restored process then checks its memory.
#
# CRYO and WORKLOADS default to a build in build/ (build/cryo, build/tests/); the images go to
# a temporary directory under ${TMPDIR:-/tmp}, so that is the disk measured. Never run by ctest.
root=$(cd "$(dirname "$0")/.." && pwd)
export CRYO=${CRYO:-$root/build/cryo}
export WORKLOADS=${WORKLOADS:-$root/build/tests}
source "$root/tests/e2e/lib.sh"

mib=${1:-1024}
out=$tmp/workload.out
img=$tmp/img

now_ns() {
	date +%s%N
}

# rate MIB NANOSECONDS: "seconds  MiB/s"
rate() {
	awk -v mib="$1" -v ns="$2" 'BEGIN { printf "%8.3f s %10.1f MiB/s", ns / 1e9, mib / (ns / 1e9) }'
}

start "$out" "$WORKLOADS/wl_memory" "$tmp/go" "$mib"
wait_ready "$pid" "$out"
mkdir -m 0700 "$img"

t0=$(now_ns)
"$CRYO" dump -t "$pid" -D "$img" -o dump.log || fail "cryo dump exited with $?"
t1=$(now_ns)
wait_dumped_gone "$pid"
image_mib=$(du -sm "$img" | cut -f1)
sync
t2=$(now_ns)
"$CRYO" restore -D "$img" -d --pidfile "$img/restored.pid" -o restore.log ||
	fail "cryo restore exited with $?"
t3=$(now_ns)
touch "$tmp/go"
wait_result "$pid" "$out"

echo "wl_memory holding $mib MiB; images on $(df --output=target,fstype "$tmp" | tail -n 1)"
echo "dump     $(rate "$mib" $((t1 - t0)))"
echo "restore  $(rate "$mib" $((t3 - t2)))"
echo "images   $image_mib MiB"
