/* SPDX-License-Identifier: MIT */
/*
 * The network lock: while a TCP connection's owner is dumped and not yet restored, every packet
 * of the connection is dropped, both ways, so that the peer sees neither a reset (no socket
 * answering) nor an acknowledgement of bytes the images do not hold. TCP retransmits what was
 * dropped once the lock is gone. The lock is an nftables table, `inet cryo_lock`, whose two
 * sets (conn4, conn6) hold the locked connections as local address . port . remote address .
 * port; locking adds elements, unlocking removes them. The table and its rules stay: without
 * elements they match nothing, and several dumps can share them.
 */
#ifndef CRYO_COMMON_NETLOCK_H
#define CRYO_COMMON_NETLOCK_H

#include <stddef.h>

#include "common/inet-addr.h"

/* A TCP connection as this machine's end of it sees it. */
struct netlock_conn {
	struct inet_endpoint local;
	struct inet_endpoint remote;
};

/* Drop the packets of these connections from now on. */
int netlock_lock(const struct netlock_conn *conns, size_t nr);
/* Let them through again. A connection that was not locked any more is only a warning. */
void netlock_unlock(const struct netlock_conn *conns, size_t nr);

#endif
