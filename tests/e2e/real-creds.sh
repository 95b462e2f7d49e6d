#!/bin/bash
# real-creds.sh: an unmodified program (sleep) started by setpriv with another uid and gid, no
# supplementary groups, an inheritable and ambient capability, a reduced bounding set and
# no_new_privs: after a dump and restore, its /proc status shows the same credentials, and it
# still runs as that user.
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

out=$tmp/program.out

creds_of() {
	grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' \
		"/proc/$1/status"
}

start "$out" /usr/bin/setpriv --reuid=4321 --regid=4321 --clear-groups \
	--inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
	--bounding-set=-net_raw,-sys_admin --no-new-privs /usr/bin/sleep 1000
wait_until 10 "setpriv to become sleep" grep -qx sleep "/proc/$pid/comm"
creds_of "$pid" >"$tmp/before"
grep -q '^Uid:[[:space:]]*4321' "$tmp/before" || fail "setpriv did not change the uid"

dump_and_restore "$pid" "$tmp/img"
creds_of "$pid" >"$tmp/after"
diff "$tmp/before" "$tmp/after" || fail "credentials changed across dump and restore"
[[ $(stat -c %u "/proc/$pid") == 4321 ]] || fail "the restored process is not owned by 4321"
log "process $pid: same credentials: PASS"
