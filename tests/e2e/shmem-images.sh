#!/bin/bash
# shmem-images.sh: the 64 MiB that the three processes of wl_shared_anon share are stored once,
# in shmem-pages.img, and not again as pages of each process (which the workload, checking its
# memory from inside, cannot tell). The dump leaves the tree running; it must then PASS.
source "$(dirname "$0")/lib.sh"

[[ $CRYO_SKIP == 1 ]] && exit 0
out=$tmp/workload.out
img=$tmp/img
shared=$((64 << 20))

start "$out" "$WORKLOADS/wl_shared_anon" "$tmp/go"
wait_ready "$pid" "$out"
cryo_dump "$pid" "$img" -R
"$CRYO" show "$img" >"$tmp/show.json" || fail "cryo show failed"

# "shmem" and "pages": the bytes of page data in shmem-pages.img and in all pages-PID.img.
read -r shmem pages < <(python3 -c '
import json, sys
images = json.load(open(sys.argv[1]))["images"]
total = lambda kind: sum(i["data_bytes"] for i in images if i["kind"] == kind)
print(total("shmem-pages"), total("pages"))' "$tmp/show.json")
log "shmem-pages.img: $shmem bytes; pages-PID.img: $pages bytes in all"
((shmem == shared)) || fail "shmem-pages.img holds $shmem bytes, want the $shared shared"
((pages < shared / 8)) || fail "the processes' own pages are $pages bytes: the shared memory again?"

touch "$tmp/go"
wait_child "$job"
((child_status == 0)) || fail "workload exit status $child_status, want 0"
wait_result "$pid" "$out"
