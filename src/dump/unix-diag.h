/* SPDX-License-Identifier: MIT */
/*
 * The unix sockets of cryo's network namespace, as the kernel's sock_diag interface reports them
 * (NETLINK_SOCK_DIAG, unix_diag): who is connected to whom, names, queue lengths, shutdown, and
 * the connections waiting in each listener's queue. This is what /proc cannot tell.
 */
#ifndef CRYO_DUMP_UNIX_DIAG_H
#define CRYO_DUMP_UNIX_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "images/records.h"

/* One socket, as unix_diag reports it. */
struct unix_diag_sk {
	uint32_t ino;
	int connected; /* it has a peer (a datagram socket others connect to has none) */
	/*
	 * The inode of its peer, or 0 for one without an inode: a socket since closed, or the
	 * server side of a connection not accepted yet.
	 */
	uint32_t peer;
	uint8_t type;	  /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint8_t state;	  /* TCP_LISTEN, TCP_ESTABLISHED, TCP_CLOSE */
	uint8_t shutdown; /* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	/*
	 * Stream and seqpacket: the bytes waiting to be read; datagram: the size of the first one.
	 * A listener: the connections waiting to be accepted.
	 */
	uint32_t rqlen;
	/* Memory of what it sent that its peer has not read yet; a listener: its backlog. */
	uint32_t wqlen;
	uint32_t vfs_ino; /* of its socket file when bound to a path, 0 otherwise */
	uint32_t name_len;
	uint8_t name[REC_UNIX_NAME_MAX];
	uint32_t *icons; /* a listener: the client of each connection waiting, in queue order */
	uint32_t nr_icons;
};

struct unix_diag_table {
	struct unix_diag_sk *sks; /* sorted by inode */
	size_t nr;
};

int unix_diag_collect(struct unix_diag_table *t);
void unix_diag_free(struct unix_diag_table *t);
/* NULL when there is no socket of that inode. */
const struct unix_diag_sk *unix_diag_find(const struct unix_diag_table *t, uint32_t ino);
/* The listener whose queue holds the connection of client ino, NULL if none. */
const struct unix_diag_sk *unix_diag_pending_on(const struct unix_diag_table *t, uint32_t ino);
/* A listener of that type bound to that address, NULL if none. */
const struct unix_diag_sk *unix_diag_listener(const struct unix_diag_table *t, uint8_t type,
					      const uint8_t *name, uint32_t len);

#endif
