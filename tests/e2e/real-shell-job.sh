#!/bin/bash
# real-shell-job.sh: a shell job, checkpointed in one terminal and restored in another.
#
# An interactive bash in a tmux window runs a job: a bash script that reads lines from its
# terminal and answers each with their count. After two lines, `cryo dump --shell-job` kills
# it; a script that an interactive bash runs in the foreground of a second tmux window (another
# terminal) restores it with `cryo restore --shell-job`. The restored job must be the foreground
# job of the new terminal, with its descriptors on it, read what `tmux send-keys` types there
# and answer with the count it had ("answer 3" after two answers before the dump), and end at
# Ctrl-D with status 0, which cryo returns; then the terminal is its caller's again.
#
# The tmux server is this driver's own (its socket in $tmp); its session is killed at exit.
# With CRYO_SKIP=1 there is no dump nor restore: the job answers the third line in the first
# window.
source "$(dirname "$0")/lib.sh"

session=cryo-e2e-${tmp##*.}

tmux_() {
	tmux -S "$tmp/tmux.sock" "$@"
}

# Keep what the windows show (printed if the driver fails), then end the session.
kill_session() {
	local w
	for w in 0 1; do
		tmux_ capture-pane -p -t "$session:$w" >"$tmp/window-$w.out" 2>/dev/null || true
	done
	tmux_ kill-session -t "$session" 2>/dev/null
}

# type_in WINDOW TEXT: TEXT typed on the window's terminal, then Enter.
type_in() {
	tmux_ send-keys -t "$session:$1" -l "$2"
	tmux_ send-keys -t "$session:$1" Enter
}

# window_has WINDOW REGEX: a line of what the window shows matches REGEX.
window_has() {
	local text
	text=$(tmux_ capture-pane -p -t "$session:$1")
	grep -qE "$2" <<<"$text"
}

# tty_of WINDOW: the terminal device of the window's pane.
tty_of() {
	tmux_ display-message -p -t "$session:$1" '#{pane_tty}'
}

# The job's process leads its group, which is the foreground one of its terminal, TTY, on which
# its standard descriptors are.
foreground_on() {
	local fd
	[[ $(proc_field "$pid" 5) == "$pid" && $(proc_field "$pid" 8) == "$pid" ]] || return 1
	for fd in 0 1 2; do
		[[ $(readlink "/proc/$pid/fd/$fd") == "$1" ]] || return 1
	done
}

cat >"$tmp/job.sh" <<'EOF'
echo $$ >"$1"
n=0
while read -r line; do
	n=$((n + 1))
	echo "answer $n: $line"
done
echo "end of input after $n lines"
EOF

# Run by the second window's shell, in the foreground: cryo, then whether the terminal came back.
cat >"$tmp/restore.sh" <<'EOF'
"$1" restore --shell-job -D "$2" -o restore.log -v4
status=$?
read -r -a stat </proc/$$/stat
echo "cryo exit status $status, foreground again $((stat[4] == stat[7]))"
EOF

at_exit kill_session
(
	close_fds
	tmux_ new-session -d -s "$session" -x 200 -y 50 "bash --norc --noprofile"
)
type_in 0 "bash $tmp/job.sh $tmp/job.pid"
wait_until 10 "the job to start" test -s "$tmp/job.pid"
pid=$(cat "$tmp/job.pid")
type_in 0 first
type_in 0 second
wait_until 10 "the job's second answer" window_has 0 '^answer 2: second$'
foreground_on "$(tty_of 0)" || fail "job $pid is not the foreground job of $(tty_of 0)"
log "job $pid answers on $(tty_of 0)"

window=0
if [[ $CRYO_SKIP != 1 ]]; then
	cryo_dump "$pid" "$tmp/img" --shell-job
	wait_dumped_gone "$pid"
	window=1
	tmux_ new-window -t "$session:1" "bash --norc --noprofile"
	log "cryo restore --shell-job -D $tmp/img in $(tty_of 1)"
	type_in 1 "bash $tmp/restore.sh $CRYO $tmp/img"
	wait_until 30 "job $pid to be restored in the foreground of $(tty_of 1)" \
		foreground_on "$(tty_of 1)"
fi

type_in "$window" third
wait_until 10 "the job's third answer" window_has "$window" '^answer 3: third$'
tmux_ send-keys -t "$session:$window" C-d
wait_until 10 "the job to end" window_has "$window" '^end of input after 3 lines$'
if [[ $CRYO_SKIP != 1 ]]; then
	wait_until 10 "cryo to end" window_has 1 '^cryo exit status'
	window_has 1 '^cryo exit status 0, foreground again 1$' ||
		fail "in window 1: $(tmux_ capture-pane -p -t "$session:1" | grep '^cryo exit')"
fi
log "job $pid answered on $(tty_of "$window") after the restore: PASS"
