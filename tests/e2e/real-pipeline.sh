#!/bin/bash
# real-pipeline.sh: a shell pipeline of unmodified Debian programs, dumped in the middle of its
# work and restored: `bash -c 'seq ... | head -c SIZE | sha256sum'`. Bytes are in flight in both
# pipes at the dump; the sum printed after the restore must be the one the same pipeline gives
# when nothing stops it (computed first, without cryo).
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

pipeline='seq 1 400000000 | head -c 1500M | sha256sum'
out=$tmp/pipeline.out

log "computing the sum without cryo: $pipeline"
want=$(bash -c "$pipeline")

# The pid of the sha256sum of bash $1, once it exists.
summer_of() {
	pgrep -P "$1" -x sha256sum
}

# Until sha256sum has read at least $2 bytes: the pipeline is well under way.
has_read() {
	local summer rchar
	summer=$(summer_of "$1") || return 1
	rchar=$(awk '/^rchar:/ {print $2}' "/proc/$summer/io" 2>/dev/null) || return 1
	((${rchar:-0} >= $2))
}

printed() {
	[[ -s $out ]]
}

start "$out" /bin/bash -c "$pipeline"
wait_until 60 "the pipeline to get under way" has_read "$pid" $((200 << 20))
has_read "$pid" $((1500 << 20)) && fail "the pipeline ended before the dump: make it longer"
dump_and_restore "$pid" "$tmp/img"
wait_until 300 "the pipeline's sum" printed
wait_until 10 "bash $pid to end" dead "$pid"
got=$(cat "$out")
[[ $got == "$want" ]] || fail "the restored pipeline printed '$got', want '$want'"
log "the restored pipeline printed the sum it would have: $got"
