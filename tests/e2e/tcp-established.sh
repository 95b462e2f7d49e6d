#!/bin/bash
# tcp-established.sh FAMILY MODE [live]: an established TCP connection between wl_tcp_conn,
# dumped, and wl_tcp_peer in another network namespace (a veth pair), which cryo never touches.
# Both queues of the dumped end hold bytes (wl_tcp_conn.c); the peer keeps sending throughout.
#
#   FAMILY  ipv4 or ipv6
#   MODE    kill: a dump without --tcp-established is refused and leaves the process running;
#                 then the dump with it kills the process, the connection stays locked (its
#                 packets dropped: the peer gets no reset) until the restore, which unlocks it
#           leave-running: dump -R --tcp-established; the process goes on, the lock is gone
#   live    both ends stream both ways all along, over a link slowed down (tbf, 20 Mbit/s with
#           up to 200 ms of queue): the dump finds bytes sent and not yet acknowledged, which the
#           restored end must send again
#
# Then both ends carry on to the end of their streams: every byte arrives, once, in order, and
# neither end sees a reset. Needs ip (iproute2) and nft (nftables).
source "$(dirname "$0")/lib.sh"

(($# == 2 || $# == 3)) || fail "usage: $0 ipv4|ipv6 kill|leave-running [live]"
family=$1 mode=$2 live=${3:-}
ns=cryo-tcp-$$
veth=ct$$
net=$(($$ % 250))
port=7777
case $family in
ipv4) here=10.213.$net.1 there=10.213.$net.2 prefix=24 set=conn4 ;;
ipv6) here=fd00:c0:$net::1 there=fd00:c0:$net::2 prefix=64 set=conn6 ;;
*) fail "unknown family $family" ;;
esac

remove_netns() {
	ip netns del "$ns" 2>/dev/null
}

make_netns() {
	ip netns add "$ns" || fail "cannot create network namespace $ns"
	at_exit remove_netns
	ip link add "${veth}a" type veth peer name "${veth}b" netns "$ns" || fail "no veth pair"
	ip addr add "$here/$prefix" dev "${veth}a" nodad
	ip link set "${veth}a" up
	ip -n "$ns" addr add "$there/$prefix" dev "${veth}b" nodad
	ip -n "$ns" link set "${veth}b" up
	ip -n "$ns" link set lo up
	if [[ $live == live ]]; then
		tc qdisc add dev "${veth}a" root tbf rate 20mbit burst 32kbit latency 200ms
		tc -n "$ns" qdisc add dev "${veth}b" root tbf rate 20mbit burst 32kbit latency 200ms
	fi
}

# The dump holds bytes sent by the dumped end and not acknowledged by the peer.
has_unacked() {
	"$CRYO" show "$tmp/img" | python3 -c '
import json, sys
conns = [r for i in json.load(sys.stdin)["images"] for r in i.get("records", [])
         if r["type"] == "tcp_conn"]
sys.exit(not any(c["send_len"] > c["unsent_len"] for c in conns))'
}

# The connection's element in the lock's set (nft prints it with spaces around the dots). grep
# reads all of nft's output: with -q, nft could die of SIGPIPE, a failure under pipefail.
locked() {
	nft list set inet cryo_lock "$set" 2>/dev/null |
		grep -F "$here . $conn_port . $there . $port" >/dev/null
}

# A failure between dump and restore leaves the connection locked: unlock it.
unlock() {
	if [[ -n ${conn_port:-} ]] && locked; then
		nft delete element inet cryo_lock "$set" "{ $here . $conn_port . $there . $port }"
	fi
}
at_exit unlock

make_netns
go=$tmp/go
start "$tmp/peer.out" ip netns exec "$ns" "$WORKLOADS/wl_tcp_peer" "$go" "$there" "$port" $live
peer=$pid peer_job=$job
wait_ready "$peer" "$tmp/peer.out"
start "$tmp/conn.out" "$WORKLOADS/wl_tcp_conn" "$go" "$there" "$port" $live
conn=$pid
wait_ready "$conn" "$tmp/conn.out"
conn_port=$(ss -Htnp state established "( dport = :$port )" | grep "pid=$conn," |
	awk '{print $3}' | sed 's/.*://')
log "wl_tcp_conn: pid $conn, port $conn_port; wl_tcp_peer: pid $peer"

case $mode in
kill)
	if [[ $CRYO_SKIP != 1 ]]; then
		mkdir -m 0700 "$tmp/refused"
		expect_error "dump without --tcp-established" "$CRYO" dump -t "$conn" -D "$tmp/refused"
		grep -q "established TCP connection.*--tcp-established" "$tmp/expect_error.err" ||
			fail "the refusal does not name the connection"
		untouched "$conn" || fail "process $conn is not running untouched after the refusal"
		! locked || fail "a refused dump left the connection locked"
	fi
	cryo_dump "$conn" "$tmp/img" --tcp-established
	wait_dumped_gone "$conn"
	if [[ $CRYO_SKIP != 1 ]]; then
		locked || fail "the connection is not locked after the dump"
		# The peer keeps sending into the lock: give it time to retransmit there.
		sleep 2
		alive "$peer" || fail "the peer ended while the connection was locked"
	fi
	cryo_restore_detached "$tmp/img" "$conn"
	;;
leave-running)
	cryo_dump "$conn" "$tmp/img" --tcp-established -R
	untouched "$conn" || fail "process $conn is not running untouched after dump -R"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
if [[ $CRYO_SKIP != 1 ]]; then
	! locked || fail "the connection is still locked"
	[[ $live != live ]] || has_unacked || fail "the dump found no byte in flight"
fi
touch "$go"
wait_result "$conn" "$tmp/conn.out"
wait_result "$peer" "$tmp/peer.out"
wait_child "$peer_job"
