#!/bin/bash
# corrupt-images.sh: dump a wl_memory process, then restore damaged copies of its images: each
# restore must fail with exit status 1 and one line on stderr, and leave no process behind.
# Last, the undamaged images restore, and the process PASSes its own checks.
source "$(dirname "$0")/lib.sh"

out=$tmp/workload.out
go=$tmp/go
img=$tmp/img

u32_at() { # u32_at FILE OFFSET: the little-endian u32 there
	od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' '
}

# The offset of a payload byte in the record that holds the middle of image FILE (a 16-byte file
# header, then records: a 16-byte header {type, len, crc, reserved}, the payload padded to 8), so
# that the flip is in checksummed data, not in padding.
middle_payload_byte() {
	local file=$1 size off=16 len
	size=$(stat -c %s "$file")
	while ((off + 16 <= size)); do
		len=$(u32_at "$file" $((off + 4)))
		((off + 16 + len <= size)) || break
		if ((len > 0 && off + 16 + len >= size / 2)); then
			echo $((off + 16 + len / 2))
			return
		fi
		off=$((off + 16 + (len + 7) / 8 * 8))
	done
	echo $((size / 2))
}

flip_byte() { # flip_byte FILE OFFSET
	local byte
	byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((byte ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# damage HOW DIR: damage the images in DIR.
damage() {
	local dir=$2 f
	case $1 in
	truncated-core)
		f=$dir/core-$pid.img
		truncate -s $(($(stat -c %s "$f") / 2)) "$f"
		;;
	flipped-mm)
		f=$dir/mm-$pid.img
		flip_byte "$f" "$(middle_payload_byte "$f")"
		;;
	newer-core)
		# The format version, bytes 8..11 of the file header.
		printf '\x63\0\0\0' | dd of="$dir/core-$pid.img" bs=1 seek=8 conv=notrunc status=none
		;;
	no-pagemap)
		rm "$dir/pagemap-$pid.img"
		;;
	short-pages)
		truncate -s -4096 "$dir/pages-$pid.img"
		;;
	no-shmem)
		rm "$dir/shmem.img"
		;;
	esac
}

start "$out" "$WORKLOADS/wl_memory" "$go"
wait_ready "$pid" "$out"
cryo_dump "$pid" "$img"
wait_dumped_gone "$pid"
for f in core-$pid mm-$pid pagemap-$pid pages-$pid shmem; do
	[[ -s $img/$f.img ]] || fail "no $f.img among the images: $(ls "$img")"
done

for how in truncated-core flipped-mm newer-core no-pagemap short-pages no-shmem; do
	copy=$tmp/$how
	cp -a "$img" "$copy"
	damage "$how" "$copy"
	expect_error "restore with $how" "$CRYO" restore -D "$copy" -d --pidfile "$copy/restored.pid"
	dead "$pid" || fail "restore with $how failed but left process $pid running"
	rm -rf "$copy"
	wait_until 30 "pid $pid to be free" pid_free "$pid"
done

cryo_restore_detached "$img" "$pid"
touch "$go"
wait_result "$pid" "$out"
