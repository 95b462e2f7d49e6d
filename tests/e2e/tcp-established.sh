#!/bin/bash
# tcp-established.sh FAMILY MODE: an established TCP connection between wl_tcp_conn, dumped, and
# wl_tcp_peer in another network namespace (a veth pair), which cryo never touches. Both queues
# of the dumped end hold bytes (wl_tcp_conn.c); the peer keeps sending throughout.
#
#   FAMILY  ipv4 or ipv6
#   MODE    kill: a dump without --tcp-established is refused and leaves the process running;
#                 then the dump with it kills the process, the connection stays locked (its
#                 packets dropped: the peer gets no reset) until the restore, which unlocks it
#           leave-running: dump -R --tcp-established; the process goes on, the lock is gone
#
# Then both ends carry on to the end of their streams: every byte arrives, once, in order, and
# neither end sees a reset. Needs ip (iproute2) and nft (nftables).
source "$(dirname "$0")/lib.sh"

(($# == 2)) || fail "usage: $0 ipv4|ipv6 kill|leave-running"
family=$1 mode=$2
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
}

# The connection's element in the lock's set (nft prints it with spaces around the dots).
locked() {
	nft list set inet cryo_lock "$set" 2>/dev/null | grep -qF "$here . $conn_port . $there . $port"
}

make_netns
go=$tmp/go
start "$tmp/peer.out" ip netns exec "$ns" "$WORKLOADS/wl_tcp_peer" "$go" "$there" "$port"
peer=$pid peer_job=$job
wait_ready "$peer" "$tmp/peer.out"
start "$tmp/conn.out" "$WORKLOADS/wl_tcp_conn" "$go" "$there" "$port"
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
fi
touch "$go"
wait_result "$conn" "$tmp/conn.out"
wait_result "$peer" "$tmp/peer.out"
wait_child "$peer_job"
