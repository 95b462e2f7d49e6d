/* SPDX-License-Identifier: MIT */
/*
 * Unix sockets at restore, shared by unix-sk.c (the records, and the restorer of the family) and
 * unix-sk-build.c (creating every socket of the pool at once, connected as they were).
 */
#ifndef CRYO_RESTORE_UNIX_SK_H
#define CRYO_RESTORE_UNIX_SK_H

#include <stddef.h>
#include <stdint.h>

#include "restore/files.h"

/* A message to send again; a datagram keeps its sender's address. */
struct unix_msg {
	uint8_t addr[REC_UNIX_NAME_MAX];
	uint32_t addr_len;
	uint8_t *data;
	size_t len;
	int more; /* its last record said it goes on */
};

struct unix_queue {
	struct unix_msg *msgs;
	size_t nr;
};

/* A connection waiting to be accepted by a listener. */
struct unix_pending {
	uint64_t client_ino; /* 0: its client is closed */
	struct unix_queue queue;
};

/* How restore makes a socket. */
enum unix_how {
	MAKE_SOCKET,	  /* socket(), bound to its address if any; connected later if at all */
	MAKE_PAIR,	  /* socketpair() with its peer, of the tree */
	MAKE_PAIR_CLOSED, /* socketpair() with a partner closed at the end */
	MAKE_ACCEPTED,	  /* accept() from a listener of its address, its peer connecting */
};

struct unix_file {
	struct image_file *file;
	struct rec_unix_sk rec;
	uint8_t name[REC_UNIX_NAME_MAX];
	uint32_t name_len;
	uint8_t peer_name[REC_UNIX_NAME_MAX]; /* peer EXTERNAL: the address to connect to again */
	uint32_t peer_name_len;
	struct unix_queue queue;      /* its receive queue */
	struct unix_pending *pending; /* a listener's waiting connections, in queue order */
	size_t nr_pending;
	struct unix_queue *loading; /* where the next unix_msg goes */
	/* Set by the build. */
	enum unix_how how;
	struct unix_file *peer; /* peer TREE, PENDING (the listener): in the pool */
	int fd;			/* created, until open hands it over; -1 */
	int partner;		/* MAKE_PAIR_CLOSED, or a closed peer's: closed at the end; -1 */
};

/* unix-sk-build.c: every unix socket of the pool, connected, queues filled, options set. */
int build_unix_sockets(struct unix_file **sks, size_t nr);

#endif
