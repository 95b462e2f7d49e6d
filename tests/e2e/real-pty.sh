#!/bin/bash
# real-pty.sh: an interactive bash on a pseudo-terminal, with its terminal emulator, both
# unmodified Debian programs, checkpointed and restored as one tree.
#
# python3's pty module (os.forkpty) plays the terminal emulator: it holds the pty's master,
# copies what comes on its stdin, a named FIFO, to the master, and what comes out of the master
# to its stdout, a file. Its child is `bash -i`: a session leader whose controlling terminal is
# the pty's slave, with job control (each command line its own process group, made the
# terminal's foreground with tcsetpgrp) and readline (the terminal in non-canonical mode). The
# driver types commands into the FIFO through a descriptor of its own, outside the tree: a
# variable is set and the window resized before the dump; after the restore, bash must still
# have the variable, the same terminal as controlling terminal (ps, tty, stty size), job control
# on, and run a job in the terminal's foreground (which a bash that lost its terminal cannot).
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

out=$tmp/terminal.out
mkfifo "$tmp/keys"
# The typist's end, outside the tree: the emulator's reads of the FIFO never see its end.
exec 7<>"$tmp/keys"
close_typist() {
	exec 7>&-
}
at_exit close_typist

cat >"$tmp/emulator.py" <<'EOF'
import os, pty, select, sys

pid, master = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
while True:
    ready, _, _ = select.select([0, master], [], [])
    if 0 in ready:
        keys = os.read(0, 4096)
        if not keys:
            break
        os.write(master, keys)
    if master in ready:
        try:
            shown = os.read(master, 4096)
        except OSError:
            break
        if not shown:
            break
        os.write(1, shown)
os.waitpid(pid, 0)
EOF

type_line() {
	printf '%s\n' "$1" >&7
}

# What the terminal showed, without \r and escape sequences (bracketed paste mode).
screen() {
	tr -d '\r' <"$out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
}

# shown REGEX: the terminal showed a line matching REGEX.
shown() {
	screen | grep -qE "$1"
}

# The emulator reads the FIFO: the open for reading finds the typist's end and does not wait.
start "$out" bash -c 'exec python3 "$0" <"$1"' "$tmp/emulator.py" "$tmp/keys"
wait_until 20 "the emulator to start" grep -q python3 "/proc/$pid/comm"
type_line 'n=41; stty rows 33 cols 101; echo "ready $((n + 1))"'
wait_until 20 "bash to answer" shown '^ready 42$'
shell=$(pgrep -P "$pid" -x bash)
[[ -n $shell ]] || fail "no bash under the emulator $pid"
tty_before=$(readlink "/proc/$shell/fd/0")
log "emulator $pid, bash $shell on $tty_before"

dump_and_restore "$pid" "$tmp/img"
alive "$shell" || fail "bash $shell was not restored"
[[ $(readlink "/proc/$shell/fd/0") == "$tty_before" ]] ||
	log "NOTE: the pty came back as $(readlink "/proc/$shell/fd/0") ($tty_before was taken)"

type_line 'echo "after $((n + 1)) $(tty) ctty=$(ps -o tty= -p $$) size=$(stty size) $-"'
wait_until 20 "bash to answer after the restore" shown '^after 42 '
tty_now=$(readlink "/proc/$shell/fd/0")
shown "^after 42 $tty_now ctty=${tty_now#/dev/} +size=33 101 [a-zA-Z]*m" ||
	fail "bash lost its variable, terminal or job control: $(screen | grep '^after')"
# A job: its group, and the terminal's foreground group, which bash must have made it.
type_line "sh -c 'echo \"job \$(ps -o pgid=,tpgid= -p \$\$)\"'"
wait_until 20 "a foreground job" shown '^job '
shown '^job +([0-9]+) +\1$' || fail "the job was not in the foreground: $(screen | grep '^job')"
shown 'no job control|tcsetpgrp|Stopped' && fail "bash lost control of its terminal: $(screen)"
type_line 'exit'
wait_until 20 "the emulator to end with bash" dead "$pid"
log "bash on its pty: PASS"
