// SPDX-License-Identifier: MIT
/*
 * Established TCP connections, rebuilt in repair mode (TCP_REPAIR), in which a socket sends
 * nothing and lets its state be written: the sequence numbers of both queues first (only a
 * closed socket takes them), then bind and connect (which, in repair mode, only records the
 * peer and makes the socket established: no SYN), the options agreed at the handshake (only
 * then, and before any byte), the queues, the window, and repair mode off. Bytes that had been
 * sent are put back in repair mode, as sent: the peer has them or will have them again when the
 * retransmission timer fires. Bytes never sent are written after, as any write, and go out when
 * the window allows. Options come last: leaving repair mode resets SO_REUSEADDR.
 *
 * The connection is still locked (netlock.h): what the socket sends before the tree runs is
 * dropped and sent again after the lock is gone (files_tree_running).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common/log.h"
#include "restore/socket.h"

static int set_tcp(int sk, int name, const char *what, const void *val, socklen_t len, uint32_t id)
{
	if (setsockopt(sk, IPPROTO_TCP, name, val, len))
		return pr_perror("cannot set %s of a TCP connection (file %u)", what, id);
	return 0;
}

static int set_tcp_int(int sk, int name, const char *what, int val, uint32_t id)
{
	return set_tcp(sk, name, what, &val, sizeof(val), id);
}

/* A queue starts where it started at dump: the sequence after it, less its length. */
static int set_queue_seq(int sk, int queue, uint32_t end_seq, uint32_t len, uint32_t id)
{
	return set_tcp_int(sk, TCP_REPAIR_QUEUE, "TCP_REPAIR_QUEUE", queue, id)
		   ?: set_tcp_int(sk, TCP_QUEUE_SEQ, "TCP_QUEUE_SEQ", end_seq - len, id);
}

static int set_options(int sk, const struct rec_tcp_conn *c, uint32_t id)
{
	struct tcp_repair_opt opts[4];
	int nr = 0;

	opts[nr++] = (struct tcp_repair_opt){TCPOPT_MAXSEG, c->mss};
	if (c->options & TCPI_OPT_WSCALE)
		opts[nr++] =
		    (struct tcp_repair_opt){TCPOPT_WINDOW, c->snd_wscale | c->rcv_wscale << 16};
	if (c->options & TCPI_OPT_SACK)
		opts[nr++] = (struct tcp_repair_opt){TCPOPT_SACK_PERMITTED, 0};
	if (c->options & TCPI_OPT_TIMESTAMPS)
		opts[nr++] = (struct tcp_repair_opt){TCPOPT_TIMESTAMP, 0};
	return set_tcp(sk, TCP_REPAIR_OPTIONS, "TCP_REPAIR_OPTIONS", opts, nr * sizeof(opts[0]),
		       id);
}

/* len bytes into the queue, in repair mode; or, with queue 0, as a program writes them. */
static int write_queue(int sk, int queue, const uint8_t *buf, size_t len, uint32_t id)
{
	size_t done = 0;
	ssize_t n;

	if (queue && set_tcp_int(sk, TCP_REPAIR_QUEUE, "TCP_REPAIR_QUEUE", queue, id))
		return -EIO;
	while (done < len) {
		/* The receive queue takes at most one buffer's worth per call. */
		n = send(sk, buf + done, len - done < 65536 ? len - done : 65536, MSG_DONTWAIT);
		if (n <= 0)
			return pr_perror("cannot put %zu bytes back in a TCP queue (file %u)",
					 len - done, id);
		done += n;
	}
	return 0;
}

static int set_window(int sk, const struct rec_tcp_conn *c, uint32_t id)
{
	struct tcp_repair_window win = {
	    .snd_wl1 = c->snd_wl1,
	    .snd_wnd = c->snd_wnd,
	    .max_window = c->max_window,
	    .rcv_wnd = c->rcv_wnd,
	    .rcv_wup = c->rcv_wup,
	};

	return set_tcp(sk, TCP_REPAIR_WINDOW, "TCP_REPAIR_WINDOW", &win, sizeof(win), id);
}

/* In repair mode: everything that must be set before the connection may send. */
static int rebuild(int sk, const struct inet_file *p, uint32_t id)
{
	const struct rec_tcp_conn *c = &p->conn;
	uint32_t sent = c->send_len - c->unsent_len;
	int ret;

	ret = set_queue_seq(sk, TCP_SEND_QUEUE, c->send_seq, c->send_len, id);
	if (!ret)
		ret = set_queue_seq(sk, TCP_RECV_QUEUE, c->recv_seq, c->recv_len, id);
	if (!ret)
		ret = inet_bind(sk, p, id);
	if (!ret && (c->options & TCPI_OPT_TIMESTAMPS))
		ret = set_tcp_int(sk, TCP_TIMESTAMP, "TCP_TIMESTAMP", c->timestamp, id);
	if (!ret)
		ret = inet_connect(sk, p, id);
	if (!ret)
		ret = set_options(sk, c, id);
	if (!ret)
		ret = make_sock_room(sk, c->send_len, c->recv_len, id);
	if (!ret)
		ret = write_queue(sk, TCP_RECV_QUEUE, p->recv_data, c->recv_len, id);
	if (!ret)
		ret = write_queue(sk, TCP_SEND_QUEUE, p->send_data, sent, id);
	if (!ret)
		ret = set_window(sk, c, id);
	return ret;
}

int restore_tcp_conn(int sk, const struct inet_file *p, uint32_t id)
{
	const struct rec_tcp_conn *c = &p->conn;
	uint32_t sent = c->send_len - c->unsent_len;
	int ret;

	ret = set_tcp_int(sk, TCP_REPAIR, "TCP_REPAIR", TCP_REPAIR_ON, id);
	if (!ret)
		ret = rebuild(sk, p, id);
	if (!ret)
		ret = set_tcp_int(sk, TCP_REPAIR, "TCP_REPAIR", TCP_REPAIR_OFF, id);
	if (!ret)
		ret = write_queue(sk, 0, p->send_data + sent, c->unsent_len, id);
	if (!ret)
		ret = restore_sockopts(sk, &p->opts, id);
	return ret ? ret : inet_finish(sk, p, id);
}
