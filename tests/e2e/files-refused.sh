#!/bin/bash
# files-refused.sh: the descriptors cryo refuses, each with one clear error line, the process
# left running untouched (a failed dump) or nothing left behind (a failed restore); and how the
# user gets past the refusal where an option says so:
#
#   - a named FIFO whose path was removed: refused;
#   - a deleted file bigger than the ghost limit (1 MiB by default): refused; --ghost-limit 3M
#     takes it;
#   - a deleted file still linked elsewhere: refused without --link-remap; a dump with
#     --link-remap that fails later removes the link it made;
#   - a regular file whose size changed between dump and restore: the restore is refused; it
#     goes through with --skip-file-size-check, and without once the file has its size again;
#   - a process holding a file lock, dumped without --file-locks: refused, naming it; images
#     holding a lock, restored without --file-locks: refused, then restored with it;
#   - a ghost limit that is not a size: refused;
#   - a descriptor table shared by two processes neither of which has it from its parent: refused.
source "$(dirname "$0")/lib.sh"

dir=$tmp/files
mkdir "$dir"

# holder SCRIPT: a process that runs SCRIPT (in $dir) and then sleeps with what it opened.
holder() {
	start "$tmp/holder.out" bash -c "cd '$dir' && $1 && exec sleep 1000"
	wait_until 10 "the holder to set up" grep -q sleep "/proc/$pid/comm"
}

# refused WHAT [OPTION...]: a dump of $pid fails with one line, and leaves it untouched.
refused() {
	local what=$1 img
	shift
	img=$tmp/img.$RANDOM
	mkdir -m 0700 "$img"
	expect_error "$what" "$CRYO" dump -t "$pid" -D "$img" "$@"
	grep -q "$pid" "$tmp/expect_error.err" || fail "$what: the error does not name process $pid"
	untouched "$pid" || fail "$what: process $pid was left stopped, traced or dead"
	kill -KILL "$pid"
}

holder 'mkfifo fifo && exec 3<>fifo && rm fifo'
refused "a named FIFO whose path was removed"

holder 'head -c 2M /dev/urandom >big && exec 3<big && rm big'
refused "a deleted file of 2 MiB (ghost limit 1 MiB)"
holder 'head -c 2M /dev/urandom >big && exec 3<big && rm big'
cryo_dump "$pid" "$tmp/img-ghost" --ghost-limit 3M
wait_dumped_gone "$pid"
cryo_restore_detached "$tmp/img-ghost" "$pid"
[[ $(stat -L -c %s "/proc/$pid/fd/3") == $((2 << 20)) ]] || fail "the 2 MiB ghost came back wrong"
kill -KILL "$pid"

holder 'echo data >linked && ln linked other && exec 3<linked && rm linked'
refused "a deleted file still linked elsewhere, without --link-remap"
holder 'echo data >linked && ln -f linked other && exec 3<linked && rm linked &&
	mkfifo fifo && exec 4<>fifo && rm fifo'
refused "a link remap, then a FIFO whose path was removed" --link-remap
[[ -z $(find "$dir" -name 'cryo_link_remap.*') ]] || fail "a failed dump left its link remap"

echo 0123456789 >"$dir/sized"
holder 'exec 3<sized'
cryo_dump "$pid" "$tmp/img-sized"
wait_dumped_gone "$pid"
echo more >>"$dir/sized"
expect_error "a file whose size changed since the dump" \
	"$CRYO" restore -D "$tmp/img-sized" -d
pid_free "$pid" || fail "a failed restore left process $pid behind"
cryo_restore_detached "$tmp/img-sized" "$pid" --skip-file-size-check
[[ $(stat -L -c %s "/proc/$pid/fd/3") == 16 ]] || fail "the restored fd 3 is not on the grown file"
kill -KILL "$pid"
wait_dumped_gone "$pid"
truncate -s 11 "$dir/sized"
cryo_restore_detached "$tmp/img-sized" "$pid"
kill -KILL "$pid"

holder 'exec 3>locked && flock 3'
refused "a process holding a flock, without --file-locks"
holder 'exec 3>locked && flock 3'
cryo_dump "$pid" "$tmp/img-locks" --file-locks
wait_dumped_gone "$pid"
expect_error "images holding a lock, restored without --file-locks" \
	"$CRYO" restore -D "$tmp/img-locks" -d
pid_free "$pid" || fail "a failed restore left process $pid behind"
cryo_restore_detached "$tmp/img-locks" "$pid" --file-locks
flock -n "$dir/locked" true && fail "the restored process does not hold its flock"
kill -KILL "$pid"

holder true
for limit in 12X -1 '' 99999999999G; do
	expect_error "--ghost-limit '$limit'" "$CRYO" dump -t "$pid" -D "$tmp" --ghost-limit "$limit"
done
untouched "$pid" || fail "process $pid was left stopped, traced or dead"

start "$tmp/fdt.out" "$WORKLOADS/wl_fdt_shared" "$tmp/go-fdt" orphaned
wait_ready "$pid" "$tmp/fdt.out"
mkdir -m 0700 "$tmp/img-fdt"
expect_error "a descriptor table shared with a process that is not the parent" \
	"$CRYO" dump -t "$pid" -D "$tmp/img-fdt"
grep -q 'share a descriptor table' "$tmp/expect_error.err" || fail "the error does not say why"
untouched "$pid" || fail "process $pid was left stopped, traced or dead"
kill -KILL "$pid"
