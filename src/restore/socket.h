/* SPDX-License-Identifier: MIT */
/* What the socket families share at restore. */
#ifndef CRYO_RESTORE_SOCKET_H
#define CRYO_RESTORE_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "common/inet-addr.h"
#include "restore/files.h"

/* sockopts.c: the SOL_SOCKET options of the record, all but the buffer sizes. */
int restore_sockopts(int sk, const struct rec_sockopts *o, uint32_t id);
/* Buffers large enough for queues of send and recv bytes to be put back. */
int make_sock_room(int sk, size_t send, size_t recv, uint32_t id);
/* Last: the buffer sizes, and whether the program had set them. */
int restore_sockbufs(int sk, const struct rec_sockopts *o, uint32_t id);

/* A datagram waiting in a UDP socket. */
struct inet_dgram {
	struct rec_inet_dgram rec;
	size_t len;
	uint8_t data[];
};

/* An inet socket of files.img, its records as loaded. */
struct inet_file {
	struct rec_inet_sk sk;
	struct rec_sockopts opts;
	struct rec_tcp_conn conn;
	int has_opts, has_conn;
	uint8_t *send_data, *recv_data; /* an established connection's queues */
	uint32_t send_got, recv_got;
	struct inet_dgram **dgrams;
	size_t nr_dgrams;
};

/* inet.c: where the socket is bound and connected. */
void inet_file_ends(const struct inet_file *p, struct inet_endpoint *src,
		    struct inet_endpoint *dst);
/* inet.c: IPV6_V6ONLY and the bind, if it was bound. */
int inet_bind(int sk, const struct inet_file *p, uint32_t id);
/* inet.c: connect to the peer. */
int inet_connect(int sk, const struct inet_file *p, uint32_t id);
/* inet.c: last, the IP and TCP options, and the buffers. */
int inet_finish(int sk, const struct inet_file *p, uint32_t id);
/* tcp-conn.c: an established connection, in sk, through repair mode. */
int restore_tcp_conn(int sk, const struct inet_file *p, uint32_t id);
/* inet-dgram.c: the datagrams waiting in a bound UDP socket, sent to it again. */
int refill_datagrams(int sk, const struct inet_file *p, uint32_t id);

#endif
