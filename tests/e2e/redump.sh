#!/bin/bash
# redump.sh NAME TYPE...: dump the workload NAME and restore it, then dump the restored process
# again (-R): the records of each TYPE (as `cryo show` prints them, file by file) must be the same
# in both dumps. This sees from outside what a workload cannot see from inside (the flags of a
# seccomp filter, for one). Then go: the workload must PASS.
#
# With CRYO_SKIP=1 there is no dump nor restore, and nothing to compare.
source "$(dirname "$0")/lib.sh"

(($# >= 2)) || fail "usage: $0 NAME TYPE..."
name=$1
shift
types=$(
	IFS='|'
	echo "$*"
)
out=$tmp/workload.out
go=$tmp/go

# The records of the given types in DIR, each line after the name of its file.
records_of() {
	"$CRYO" show "$1" | awk -v types="^    \\{\"type\": \"($types)\"" '
		/^  \{"file": / { file = $2 }
		$0 ~ types { print file, $0 }'
}

start "$out" "$WORKLOADS/$name" "$go"
wait_ready "$pid" "$out"
if [[ $CRYO_SKIP != 1 ]]; then
	dump_and_restore "$pid" "$tmp/img1"
	cryo_dump "$pid" "$tmp/img2" -R
	records_of "$tmp/img1" >"$tmp/first.out"
	records_of "$tmp/img2" >"$tmp/second.out"
	[[ -s $tmp/first.out ]] || fail "no record of type $types in the first dump"
	diff "$tmp/first.out" "$tmp/second.out" >"$tmp/diff.out" ||
		fail "$types records differ after a restore (see diff.out)"
	log "$(wc -l <"$tmp/first.out") $types records the same after a restore"
fi
touch "$go"
wait_result "$pid" "$out"
