// SPDX-License-Identifier: MIT
/*
 * An established TCP connection to a peer outside the tree (wl_tcp_peer, in another network
 * namespace): wl_tcp_conn GO_FILE ADDRESS PORT [live].
 *
 * Before READY, this end sends as much of its stream as the connection takes while the peer reads
 * nothing: its send queue holds bytes the peer has not received. The peer sends meanwhile, and
 * this end reads nothing: its receive queue holds bytes the program has not read. It is dumped
 * so, with both queues full. With "live", both ends stream both ways from the start instead, and
 * this end is dumped while bytes are on their way (sent, not yet acknowledged). After go, both
 * streams go on to their end (wl_tcp_stream.h): every byte each way arrives, once, in order, and
 * the connection is the one it was: same addresses, same options agreed with the peer (SACK,
 * timestamps, window scaling).
 */
#define _GNU_SOURCE
#include "wl_tcp_stream.h"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>

#define SETTLE_MS 300
#define LIVE_HOLD (1u << 20)

static struct sockaddr_storage self, peer;
static struct tcp_info info;

static int connect_to(const char *addr, const char *port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&peer;
	struct sockaddr_in *in = (struct sockaddr_in *)&peer;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(atoi(port));
		len = sizeof(*in);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(port));
		len = sizeof(*in6);
	} else {
		wl_die("bad address %s", addr);
	}
	fd = socket(peer.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&peer, len))
		wl_die("connect to %s port %s: %s", addr, port, strerror(errno));
	len = sizeof(self);
	if (getsockname(fd, (struct sockaddr *)&self, &len))
		wl_die("getsockname: %s", strerror(errno));
	return fd;
}

static void read_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len))
		wl_die("TCP_INFO: %s", strerror(errno));
}

static int queued(int fd)
{
	int n = 0;

	ioctl(fd, SIOCINQ, &n);
	return n;
}

/* Send until the connection takes no more; then until the peer's bytes stop coming in. */
static void fill_queues(struct stream *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int before;

	while (s->sent < STREAM_LEN) {
		size_t was = s->sent;

		stream_write(s);
		if (s->sent == was)
			break;
	}
	if (poll(&p, 1, 10000) != 1)
		wl_die("nothing came from the peer");
	do {
		before = queued(s->fd);
		usleep(SETTLE_MS * 1000);
	} while (queued(s->fd) != before);
	wl_note("queued: %zu bytes sent (or waiting to be), %d received and not read", s->sent,
		queued(s->fd));
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t len =
	    a->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	return a->ss_family == b->ss_family && !memcmp(a, b, len);
}

static void check_conn(int fd)
{
	struct sockaddr_storage now_self = {0}, now_peer = {0};
	socklen_t len = sizeof(now_self);
	struct tcp_info ti;

	getsockname(fd, (struct sockaddr *)&now_self, &len);
	len = sizeof(now_peer);
	getpeername(fd, (struct sockaddr *)&now_peer, &len);
	wl_check(same_addr(&now_self, &self), "the connection's own address changed");
	wl_check(same_addr(&now_peer, &peer), "the connection's peer changed");
	read_info(fd, &ti);
	wl_check(ti.tcpi_state == TCP_ESTABLISHED, "state %u, not established", ti.tcpi_state);
	wl_check(ti.tcpi_options == info.tcpi_options, "TCP options %#x, were %#x", ti.tcpi_options,
		 info.tcpi_options);
	wl_check(ti.tcpi_snd_wscale == info.tcpi_snd_wscale &&
		     ti.tcpi_rcv_wscale == info.tcpi_rcv_wscale,
		 "window scales %u/%u, were %u/%u", ti.tcpi_snd_wscale, ti.tcpi_rcv_wscale,
		 info.tcpi_snd_wscale, info.tcpi_rcv_wscale);
}

int main(int argc, char **argv)
{
	struct stream s;
	int fd;

	bool live;

	wl_init(argc, argv);
	live = argc == 5 && !strcmp(argv[4], "live");
	if (argc != 4 && !live)
		wl_die("usage: %s GO_FILE ADDRESS PORT [live]", argv[0]);
	fd = connect_to(argv[2], argv[3]);
	stream_init(&s, "wl_tcp_conn", fd);
	if (!live)
		fill_queues(&s);
	read_info(fd, &info);
	wl_ready();
	/* Live, the streams must not end before go: the connection is checked then. */
	s.hold = live ? LIVE_HOLD : 0;
	while (live && !wl_go_exists() && !stream_done(&s))
		stream_step(&s, true, 50);
	wl_wait_go();
	check_conn(fd);
	stream_finish(&s);
	close(fd);
	return wl_finish();
}
