#!/bin/bash
# real-tree.sh bash-tree: checkpoint and restore a tree of unmodified Debian programs.
#
#   bash-tree  `bash -c` with three levels of children and no pipes: two `sleep 1000`, a
#              subshell waiting for a `sleep 1000` of its own, and a subshell that exited at
#              once, while bash counts in a busy loop of builtins. The tree must come back with
#              the same pids, parents, groups, sessions and command lines; after go, bash kills
#              the sleeps and collects every status with `wait`, which only works if they are
#              still its children (and its grandchild its child's), and the count goes on from
#              where it was.
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

(($# == 1)) || fail "usage: $0 bash-tree"
go=$tmp/go
out=$tmp/program.out

# PID and its descendants, one line each: pid, parent, group, session, state, name and a
# checksum of the command line (bash's is the whole script).
tree_of() {
	local p=$1 stat fields child
	stat=$(cat "/proc/$p/stat") || return 1
	read -r -a fields <<<"${stat##*) }"
	echo "$p ${fields[1]} ${fields[2]} ${fields[3]} ${fields[0]} $(cat "/proc/$p/comm")" \
		"$(cksum <"/proc/$p/cmdline")"
	# shellcheck disable=SC2013 # one line of space-separated pids
	for child in $(cat "/proc/$p/task/"*/children); do
		tree_of "$child"
	done
}

# tree_of without what may change for the root: its parent (whoever restored it) and its state
# (it runs a busy loop).
shape_of() {
	tree_of "$1" | sed '1s/^\([0-9]*\) [0-9]* \([0-9]* [0-9]*\) . /\1 - \2 - /'
}

# How many sleep processes the tree of PID has: forked ones that have not run exec yet do not
# count (their comm is still bash's).
sleeps_in_tree() {
	local n=0 p
	for p in $(tree_of "$1" | cut -d' ' -f1); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == sleep ]] && n=$((n + 1))
	done
	echo "$n"
}

# shellcheck disable=SC2016 # expanded by the bash under test
script='
go=$1 dir=$2 c=0
sleep 1000 & s1=$!
sleep 1000 & s2=$!
(
	sleep 1000 & echo $! >"$dir/grandchild.pid"
	wait $!
	# Killed by SIGTERM is what the parent is told to expect; anything else is a failure.
	exit $(($? == 143 ? 42 : 1))
) & sub=$!
(exit 7) & quick=$!
until [[ -s $dir/grandchild.pid ]]; do :; done
read -r gc <"$dir/grandchild.pid"
echo READY
until [[ -e $go ]]; do
	((c += 1))
	((c % 20000)) || echo "$c" >"$dir/counter"
done
kill "$s1" "$s2" "$gc"
wait "$s1"; r1=$?
wait "$s2"; r2=$?
wait "$sub"; r3=$?
wait "$quick"; r4=$?
echo "count $c statuses $r1 $r2 $r3 $r4"
if ((r1 == 143 && r2 == 143 && r3 == 42 && r4 == 7)); then
	echo PASS
else
	echo "FAIL: statuses $r1 $r2 $r3 $r4, want 143 143 42 7"
	exit 1
fi
'

test_bash_tree() {
	local at_dump final before after
	start "$out" /bin/bash -c "$script" bash-tree "$go" "$tmp"
	wait_ready "$pid" "$out"
	wait_until 30 "the three sleeps to run" test "$(sleeps_in_tree "$pid")" == 3
	wait_until 30 "the first count" test -s "$tmp/counter"
	before=$(shape_of "$pid")
	log "tree before the dump (pid ppid pgid sid state comm cmdline-cksum):"$'\n'"$before"
	cryo_dump "$pid" "$tmp/img"
	wait_dumped_gone "$pid"
	at_dump=$(cat "$tmp/counter")
	cryo_restore_detached "$tmp/img" "$pid"
	after=$(shape_of "$pid")
	[[ $after == "$before" ]] || fail "the restored tree differs:"$'\n'"$after"
	sleep 0.5
	touch "$go"
	wait_result "$pid" "$out"
	final=$(sed -n 's/^count \([0-9]*\) .*/\1/p' "$out")
	((final > at_dump)) || fail "final count $final, want more than $at_dump (at the dump)"
	log "counted from $at_dump at the dump to $final"
}

case $1 in
bash-tree) test_bash_tree ;;
*) fail "unknown program $1" ;;
esac
