#!/bin/bash
# real-big-tree.sh: bash with 600 `sleep` children (more processes than one pipe's worth of
# restore reports), dumped and restored: every child is back with its PID under the same bash,
# which still waits for them: once they are told to end, it prints "all done" and exits with 0.
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

children=600
out=$tmp/bash.out
script='for ((i = 0; i < '$children'; i++)); do sleep 1000 & done; echo started; wait; echo all done'

started() {
	has_line "$out" started
}

start "$out" /bin/bash -c "$script"
wait_until 60 "bash to start its $children children" started
pgrep -P "$pid" | sort >"$tmp/before"
(($(wc -l <"$tmp/before") == children)) || fail "bash has $(wc -l <"$tmp/before") children"

dump_and_restore "$pid" "$tmp/img"
pgrep -P "$pid" | sort >"$tmp/after"
diff "$tmp/before" "$tmp/after" >/dev/null || fail "the restored bash does not have the same children"
log "bash $pid is back with its $children children"

xargs kill -TERM <"$tmp/after"
wait_until 60 "bash to see its children end" has_line "$out" "all done"
wait_until 10 "bash $pid to end" dead "$pid"
log "the restored bash saw its $children children end: PASS"
