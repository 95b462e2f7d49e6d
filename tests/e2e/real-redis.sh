#!/bin/bash
# real-redis.sh MODE: redis-server (Debian's), holding a data set loaded by redis-client.py over
# one TCP connection on the loopback, dumped with --tcp-established.
#
#   kill           the server is killed by the dump; the client sends commands at once, which the
#                  network lock holds; the server is restored and answers them
#   leave-running  dump -R: the server serves on
#
# Either way the client, on its one connection, finds the same connection (CLIENT ID), its
# replies and the whole data set (redis-client.py); then a new client is served too.
source "$(dirname "$0")/lib.sh"

(($# == 1)) || fail "usage: $0 kill|leave-running"
mode=$1
# Below the ephemeral ports; a port taken by another program makes redis-server exit.
port=$((10000 + $$ % 20000))
go=$tmp/go

# redis-server, this one, listens.
listening() {
	alive "$server" || fail "redis-server ended (port $port taken?): $(tail -n 3 "$tmp/redis.out")"
	ss -Htlnp "( sport = :$port )" | grep -F "pid=$server," >/dev/null
}

redis_cli() {
	redis-cli -p "$port" "$@"
}

start "$tmp/redis.out" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
	--dir "$tmp"
server=$pid server_job=$job
wait_until 10 "redis-server to listen on port $port" listening
start "$tmp/client.out" python3 "$TESTS_DIR/e2e/redis-client.py" "$go" "$port"
client=$pid
wait_ready "$client" "$tmp/client.out"
log "redis-server: pid $server, port $port; client: pid $client"

case $mode in
kill)
	cryo_dump "$server" "$tmp/img" --tcp-established
	wait_dumped_gone "$server"
	touch "$go"
	if [[ $CRYO_SKIP != 1 ]]; then
		# The client's commands wait in the lock meanwhile.
		sleep 1
		alive "$client" || fail "the client ended while the server was dumped"
	fi
	cryo_restore_detached "$tmp/img" "$server"
	;;
leave-running)
	cryo_dump "$server" "$tmp/img" --tcp-established -R
	untouched "$server" || fail "redis-server is not running untouched after dump -R"
	touch "$go"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
wait_result "$client" "$tmp/client.out"
[[ $(redis_cli PING) == PONG ]] || fail "redis-server does not answer a new client"
redis_cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait_until 30 "redis-server to end" dead "$server"
[[ $mode == kill && $CRYO_SKIP != 1 ]] || wait_child "$server_job"
