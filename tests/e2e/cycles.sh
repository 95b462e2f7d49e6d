#!/bin/bash
# cycles.sh [N [WORKLOAD]]: dump and restore the same workload process (default wl_memory) N
# times in a row (default 10), each restore from the images of the previous one, and only then
# let it check its state: PASS.
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

cycles=${1:-10}
workload=${2:-wl_memory}
out=$tmp/workload.out
go=$tmp/go

start "$out" "$WORKLOADS/$workload" "$go"
wait_ready "$pid" "$out"
for ((i = 1; i <= cycles; i++)); do
	dump_and_restore "$pid" "$tmp/img.$i"
	log "cycle $i of $cycles done"
	# Keep the disk use to one image directory (and the failing one's logs, on failure).
	rm -rf "$tmp/img.$((i - 1))"
done
touch "$go"
wait_result "$pid" "$out"
