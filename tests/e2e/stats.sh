#!/bin/bash
# stats.sh display|progress: what cryo tells about a dump and a restore of wl_memory (256 MiB of
# pseudo-random memory), which must still come back whole (PASS).
#
#   display   dump and restore (in the foreground) with --display-stats: stdout holds one line per
#             phase time and per page count, nothing else; the counts are those of wl_memory
#             (at least its 248 MiB written in full, the untouched pages of its sparse mapping
#             skipped, scanned = written + skipped) and the restore reads back exactly the pages
#             the dump wrote. The restore prints them once the tree runs, before it exits.
#   progress  cryo gets 2% of a CPU (a cgroup v1 CPU quota), so that moving the pages takes
#             several seconds on any machine. Twice: one command on a pseudo-terminal (script)
#             must draw "pages DONE / TOTAL" lines, counting up, at most ten a second,
#             and clear the line at the end; the other, with stderr to a file, writes nothing
#             there. The dump is on the terminal the first time, the restore the second time.
#
# Times are printed, never checked. CRYO_SKIP=1 is refused: this checks cryo's own output.
source "$(dirname "$0")/lib.sh"

(($# == 1)) || fail "usage: $0 display|progress"
[[ $CRYO_SKIP != 1 ]] || fail "CRYO_SKIP=1: nothing to check without cryo"
mode=$1
out=$tmp/workload.out
go=$tmp/go
page_size=$(getconf PAGESIZE)

# The value of "NAME: VALUE" in FILE; fails unless there is exactly one such line.
stat_value() {
	local file=$1 name=$2 lines
	lines=$(grep -c "^$name: " "$file" || true)
	((lines == 1)) || fail "$file: $lines lines '$name: ...', want 1"
	sed -n "s/^$name: //p" "$file"
}

# check_lines FILE NAME...: FILE holds exactly one line per NAME, "NAME time: X.XXX ms" for a
# phase, "pages WHAT: N" for a count, and nothing else.
check_lines() {
	local file=$1 name
	shift
	(($(grep -c '' "$file") == $#)) || fail "$file: $(grep -c '' "$file") lines, want $#"
	for name in "$@"; do
		if [[ $name == pages* ]]; then
			[[ $(stat_value "$file" "$name") =~ ^[0-9]+$ ]] ||
				fail "$file: '$name' is not a count"
		else
			[[ $(stat_value "$file" "$name time") =~ ^[0-9]+\.[0-9]{3}\ ms$ ]] ||
				fail "$file: '$name time' is not a time in ms"
		fi
	done
}

printed_or_gone() {
	grep -q '^pages restored: ' "$1" || dead "$2"
}

display() {
	local img=$tmp/img dump=$tmp/dump-stats.out restore=$tmp/restore-stats.out
	local scanned written skipped shared restored cryo_pid
	# wl_memory writes all of 3/4 + 3/16 + 1/16 of its 256 MiB, its .data and .bss (8 MiB),
	# and one page in five of its sparse 8 MiB mapping.
	local full=$(((192 + 48 + 8) * 1024 * 1024 / page_size))
	local sparse_untouched=$((8 * 1024 * 1024 * 4 / 5 / page_size))

	start "$out" "$WORKLOADS/wl_memory" "$go"
	wait_ready "$pid" "$out"
	mkdir -m 0700 "$img"
	log "cryo dump -t $pid -D $img --display-stats"
	"$CRYO" dump -t "$pid" -D "$img" -o dump.log -v4 --display-stats >"$dump" ||
		fail "cryo dump exited with $?"
	cat "$dump"
	check_lines "$dump" freeze memory write frozen total \
		"pages scanned" "pages written" "pages skipped" "pages shared"
	scanned=$(stat_value "$dump" "pages scanned")
	written=$(stat_value "$dump" "pages written")
	skipped=$(stat_value "$dump" "pages skipped")
	shared=$(stat_value "$dump" "pages shared")
	((written >= full)) || fail "$written pages written, wl_memory fills $full at least"
	((skipped >= sparse_untouched)) ||
		fail "$skipped pages skipped, wl_memory never touches $sparse_untouched"
	((scanned == written + skipped)) ||
		fail "$scanned pages scanned, not $written written + $skipped skipped"
	((shared <= skipped)) || fail "$shared pages shared, but only $skipped skipped"

	wait_dumped_gone "$pid"
	log "cryo restore -D $img --display-stats"
	"$CRYO" restore -D "$img" -o restore.log -v4 --display-stats >"$restore" &
	cryo_pid=$!
	# Printed as soon as the tree runs: wl_memory is still waiting for its go file.
	wait_until 60 "the restore statistics" printed_or_gone "$restore" "$cryo_pid"
	alive "$cryo_pid" || fail "cryo restore ended before the process was let go"
	alive "$pid" || fail "restored process $pid is not running"
	cat "$restore"
	check_lines "$restore" load memory fork finish total "pages restored"
	restored=$(stat_value "$restore" "pages restored")
	((restored == written)) || fail "$restored pages restored, $written were written"
	touch "$go"
	wait_child "$cryo_pid"
	((child_status == 0)) || fail "cryo restore exited with $child_status, want 0"
	wait_result "$pid" "$out"
}

# ---- progress ---------------------------------------------------------------------------------

cgroup=

slow_prefix=()

# A CPU cgroup, beside this shell's, where a process gets 2 ms of CPU per 100 ms; slow_prefix
# runs a command there.
make_slow_cgroup() {
	local root=/sys/fs/cgroup/cpu here
	[[ -f $root/cpu.cfs_quota_us ]] || fail "no cgroup v1 CPU controller at $root"
	here=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)
	cgroup=$root$here/cryo-e2e-${tmp##*/}
	mkdir "$cgroup"
	echo 100000 >"$cgroup/cpu.cfs_period_us"
	echo 2000 >"$cgroup/cpu.cfs_quota_us"
	# shellcheck disable=SC2016 # $$ of the inner shell
	slow_prefix=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cgroup")
}

# Whatever is left in the cgroup goes back beside this shell (and is killed by cleanup).
remove_slow_cgroup() {
	local status=$? p
	set +e # cleanup must run, and see the status
	if [[ -n $cgroup && -d $cgroup ]]; then
		while read -r p; do
			echo "$p" >"${cgroup%/*}/cgroup.procs" || true
		done <"$cgroup/cgroup.procs"
		rmdir "$cgroup" || true
	fi
	(exit "$status")
	cleanup
}
trap remove_slow_cgroup EXIT

# slow COMMAND...: COMMAND in the slow cgroup.
slow() {
	"${slow_prefix[@]}" "$@"
}

# on_tty OUTPUT COMMAND...: COMMAND, slowed, with a pseudo-terminal as stdin, stdout and stderr;
# what it writes there goes to OUTPUT. Sets $elapsed (whole seconds, rounded up).
on_tty() {
	local output=$1 cmd start_ns
	shift
	printf -v cmd '%q ' "${slow_prefix[@]}" "$@"
	start_ns=$(date +%s%N)
	script -qec "$cmd" /dev/null >"$output" || fail "$* exited with $? on a terminal"
	elapsed=$((($(date +%s%N) - start_ns + 999999999) / 1000000000))
}

# check_progress OUTPUT: only progress lines (\r, "pages DONE / TOTAL", erase to the end of the
# line), one TOTAL, DONE going up and never past it, at most ten lines a second, and the line
# cleared last.
check_progress() {
	python3 - "$1" "$elapsed" <<'EOF' || fail "bad progress output in $1"
import re, sys

data = open(sys.argv[1], "rb").read().decode()
draw = r"\rpages (\d+) / (\d+)\x1b\[K"
clear = "\r\x1b[K"
draws = [(int(d), int(t)) for d, t in re.findall(draw, data)]
rest = re.sub(draw, "", data)
print(f"{len(draws)} progress lines in {sys.argv[2]} s, the last {draws[-1] if draws else None}")
assert draws, "no progress line"
assert rest.endswith(clear), "the line is not cleared at the end"
assert rest.replace(clear, "") == "", "something else than progress: %r" % rest[:200]
assert len({t for _, t in draws}) == 1, "the total changes"
done = [d for d, _ in draws]
assert done == sorted(done), "the count goes down"
assert done[-1] <= draws[0][1], "more done than the total"
assert len(draws) <= 10 * int(sys.argv[2]) + 1, "more than ten lines a second"
EOF
}

# The restored process leaves the slow cgroup before it checks 256 MiB of memory.
unslow() {
	echo "$1" >"${cgroup%/*}/cgroup.procs"
}

# progress_round N WHERE_DUMP WHERE_RESTORE: tty or file for each.
progress_round() {
	local img=$tmp/img.$1 err=$tmp/round$1.err
	start "$out.$1" "$WORKLOADS/wl_memory" "$go.$1"
	wait_ready "$pid" "$out.$1"
	mkdir -m 0700 "$img"
	log "round $1: cryo dump on a $2"
	if [[ $2 == tty ]]; then
		on_tty "$tmp/dump$1.tty" "$CRYO" dump -t "$pid" -D "$img" -o dump.log -v4
		check_progress "$tmp/dump$1.tty"
	else
		slow "$CRYO" dump -t "$pid" -D "$img" -o dump.log -v4 2>"$err" >/dev/null ||
			fail "cryo dump exited with $?"
		[[ ! -s $err ]] || fail "cryo dump wrote to stderr, a file: $(head -c 300 "$err")"
	fi
	wait_dumped_gone "$pid"
	log "round $1: cryo restore on a $3"
	if [[ $3 == tty ]]; then
		on_tty "$tmp/restore$1.tty" "$CRYO" restore -D "$img" -d --pidfile "$img/pid" \
			-o restore.log -v4
		check_progress "$tmp/restore$1.tty"
	else
		slow "$CRYO" restore -D "$img" -d --pidfile "$img/pid" -o restore.log -v4 \
			2>"$err" >/dev/null || fail "cryo restore exited with $?"
		[[ ! -s $err ]] || fail "cryo restore wrote to stderr, a file: $(head -c 300 "$err")"
	fi
	[[ $(cat "$img/pid") == "$pid" ]] || fail "restored as pid $(cat "$img/pid"), want $pid"
	unslow "$pid"
	touch "$go.$1"
	wait_result "$pid" "$out.$1"
}

progress() {
	command -v script >/dev/null || fail "script (util-linux) is needed"
	make_slow_cgroup
	progress_round 1 tty file
	progress_round 2 file tty
}

case $mode in
display) display ;;
progress) progress ;;
*) fail "unknown mode $mode" ;;
esac
