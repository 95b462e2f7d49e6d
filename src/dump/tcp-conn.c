// SPDX-License-Identifier: MIT
/*
 * Established TCP connections, through the kernel's repair mode (TCP_REPAIR, see tcp(7) and
 * Documentation/networking): the connection is locked first (netlock.h: no packet in or out,
 * so nothing changes under cryo's feet), then put in repair mode, in which it sends nothing and
 * lets its state be read: the sequence numbers of both queues (TCP_QUEUE_SEQ), their bytes
 * (MSG_PEEK on the queue chosen with TCP_REPAIR_QUEUE: the send queue holds what was sent and
 * not acknowledged, then what was not sent yet), the window (TCP_REPAIR_WINDOW), the options
 * agreed at the handshake (TCP_INFO), the MSS and the connection's timestamp clock.
 *
 * A socket in repair mode closes silently: when the dumped process is killed, its connections
 * vanish without a FIN or a reset, and the lock keeps the peer's packets from reaching a port
 * with no socket (which would answer with a reset) until the restore takes them over.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlock.h"
#include "dump/socket.h"

/* A connection locked by this dump, and cryo's copy of its socket, in repair mode or not. */
struct locked_conn {
	struct netlock_conn conn;
	int sk;
	int repair;
};

static struct {
	int allowed; /* --tcp-established */
	struct locked_conn *list;
	size_t nr;
} conns;

void tcp_conns_begin(int allowed)
{
	conns.allowed = allowed;
}

static int set_repair(int sk, int on)
{
	return setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on));
}

void tcp_conns_end(int resume)
{
	size_t i;

	for (i = 0; i < conns.nr; i++) {
		struct locked_conn *c = &conns.list[i];

		/* Out of repair mode, the connection sends a window probe: it resyncs the peer. */
		if (resume && c->repair && set_repair(c->sk, TCP_REPAIR_OFF))
			pr_perror("cannot take a TCP connection out of repair mode");
		close(c->sk);
		if (resume)
			netlock_unlock(&c->conn, 1);
	}
	free(conns.list);
	memset(&conns, 0, sizeof(conns));
}

/* Lock the connection and keep a copy of its socket, to take it out of repair mode later. */
static int lock_conn(int sk, const struct dump_fd *d, const struct inet_endpoint *src,
		     const struct inet_endpoint *dst, struct locked_conn **out)
{
	struct locked_conn *grown, *c;
	int ret;

	grown = realloc(conns.list, (conns.nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	conns.list = grown;
	c = &grown[conns.nr];
	*c = (struct locked_conn){.conn = {*src, *dst}, .sk = -1};
	ret = netlock_lock(&c->conn, 1);
	if (ret)
		return ret;
	c->sk = fcntl(sk, F_DUPFD_CLOEXEC, 0);
	if (c->sk < 0) {
		ret = pr_perror("cannot keep a copy of fd %d of %d", d->fd, d->pid);
		netlock_unlock(&c->conn, 1);
		return ret;
	}
	conns.nr++;
	*out = c;
	return 0;
}

static int get_int(int sk, int name, const char *what, const struct dump_fd *d, uint32_t *val)
{
	return sock_get_u32(sk, IPPROTO_TCP, name, what, d, val);
}

static int queue_size(int sk, unsigned long request, const char *what, const struct dump_fd *d,
		      uint32_t *len)
{
	int n;

	if (ioctl(sk, request, &n))
		return pr_perror("cannot read the %s of fd %d of %d", what, d->fd, d->pid);
	*len = n;
	return 0;
}

static int select_queue(int sk, int queue, const struct dump_fd *d)
{
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &queue, sizeof(queue)))
		return pr_perror("cannot select a TCP queue of fd %d of %d", d->fd, d->pid);
	return 0;
}

/* A queue's sequence number: of the byte after its last one. */
static int queue_seq(int sk, int queue, const struct dump_fd *d, uint32_t *seq)
{
	return select_queue(sk, queue, d) ?: get_int(sk, TCP_QUEUE_SEQ, "TCP_QUEUE_SEQ", d, seq);
}

/* The len bytes of a queue, read without consuming them, as records of type. */
static int dump_queue(int sk, int queue, uint32_t len, uint32_t type, const struct dump_fd *d,
		      struct img *img)
{
	uint32_t done, chunk;
	uint8_t *buf;
	ssize_t n;
	int ret;

	ret = select_queue(sk, queue, d);
	if (ret || !len)
		return ret;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	n = recv(sk, buf, len + 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		ret = pr_perror("cannot read a TCP queue of fd %d of %d", d->fd, d->pid);
	else if (n != len) {
		pr_err("fd %d of %d: %zd bytes in a TCP queue, %u expected", d->fd, d->pid, n, len);
		ret = -EIO;
	}
	for (done = 0; !ret && done < len; done += chunk) {
		chunk = len - done < REC_TCP_DATA_MAX ? len - done : REC_TCP_DATA_MAX;
		ret = img_write(img, type, buf + done, chunk);
	}
	free(buf);
	return ret;
}

/* Sequence numbers, window, the options agreed with the peer, the size of the queues. */
static int read_conn(int sk, const struct dump_fd *d, struct rec_tcp_conn *r)
{
	struct tcp_repair_window win;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int ret;

	if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return pr_perror("cannot read the TCP state of fd %d of %d", d->fd, d->pid);
	/* The peer may have closed its side before the lock. */
	if (ti.tcpi_state != TCP_ESTABLISHED) {
		pr_err("fd %d of %d: the TCP connection closed while it was dumped", d->fd, d->pid);
		return -EAGAIN;
	}
	r->options = ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	r->snd_wscale = ti.tcpi_snd_wscale;
	r->rcv_wscale = ti.tcpi_rcv_wscale;
	len = sizeof(win);
	if (getsockopt(sk, IPPROTO_TCP, TCP_REPAIR_WINDOW, &win, &len))
		return pr_perror("cannot read the TCP window of fd %d of %d", d->fd, d->pid);
	r->snd_wl1 = win.snd_wl1;
	r->snd_wnd = win.snd_wnd;
	r->max_window = win.max_window;
	r->rcv_wnd = win.rcv_wnd;
	r->rcv_wup = win.rcv_wup;
	ret = get_int(sk, TCP_MAXSEG, "TCP_MAXSEG", d, &r->mss);
	if (!ret)
		ret = get_int(sk, TCP_TIMESTAMP, "TCP_TIMESTAMP", d, &r->timestamp);
	if (!ret)
		ret = queue_size(sk, SIOCOUTQ, "send queue", d, &r->send_len);
	if (!ret)
		ret = queue_size(sk, SIOCOUTQNSD, "unsent send queue", d, &r->unsent_len);
	if (!ret)
		ret = queue_size(sk, SIOCINQ, "receive queue", d, &r->recv_len);
	if (!ret)
		ret = queue_seq(sk, TCP_SEND_QUEUE, d, &r->send_seq);
	if (!ret)
		ret = queue_seq(sk, TCP_RECV_QUEUE, d, &r->recv_seq);
	return ret;
}

static int set_peek_off(int sk, int off, const struct dump_fd *d)
{
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
		return pr_perror("cannot set the peek offset of fd %d of %d", d->fd, d->pid);
	return 0;
}

/* A program's peek offset would move where the queues are read from: off meanwhile. */
static int dump_repaired(int sk, const struct dump_fd *d, struct img *img)
{
	struct rec_tcp_conn r = {0};
	uint32_t peek_off = (uint32_t)-1;
	int ret;

	ret = sock_get_u32(sk, SOL_SOCKET, SO_PEEK_OFF, "SO_PEEK_OFF", d, &peek_off);
	if (!ret && (int32_t)peek_off >= 0)
		ret = set_peek_off(sk, -1, d);
	if (!ret)
		ret = read_conn(sk, d, &r);
	if (!ret)
		ret = img_write(img, REC_TCP_CONN, &r, sizeof(r));
	if (!ret)
		ret = dump_queue(sk, TCP_SEND_QUEUE, r.send_len, REC_TCP_SEND_DATA, d, img);
	if (!ret)
		ret = dump_queue(sk, TCP_RECV_QUEUE, r.recv_len, REC_TCP_RECV_DATA, d, img);
	if ((int32_t)peek_off >= 0 && set_peek_off(sk, peek_off, d) && !ret)
		ret = -EIO;
	return ret;
}

int dump_tcp_conn(int sk, const struct dump_fd *d, const struct inet_endpoint *src,
		  const struct inet_endpoint *dst, struct img *img)
{
	char from[INET_ENDPOINT_STRLEN], to[INET_ENDPOINT_STRLEN];
	struct locked_conn *c = NULL;
	int ret;

	if (!conns.allowed) {
		pr_err("fd %d of %d is an established TCP connection %s -> %s: dump it with "
		       "--tcp-established",
		       d->fd, d->pid, inet_endpoint_str(src, from), inet_endpoint_str(dst, to));
		return -ENOTSUP;
	}
	ret = lock_conn(sk, d, src, dst, &c);
	if (ret)
		return ret;
	if (set_repair(sk, TCP_REPAIR_ON))
		return pr_perror("cannot put fd %d of %d in TCP repair mode", d->fd, d->pid);
	c->repair = 1;
	return dump_repaired(sk, d, img);
}
