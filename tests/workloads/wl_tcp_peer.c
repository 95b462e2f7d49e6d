// SPDX-License-Identifier: MIT
/*
 * The peer of wl_tcp_conn, never dumped, in another network namespace: wl_tcp_peer GO_FILE
 * ADDRESS PORT [live] listens on ADDRESS:PORT, prints READY, and takes one connection.
 *
 * It sends its stream at once and keeps sending whenever the connection takes bytes, while the
 * other end is dumped, killed and restored (its packets are then dropped by the network lock:
 * it retransmits); it reads nothing until go, so that the other end's bytes pile up in the
 * queues being dumped, or, with "live", from the start. Then both streams go to their end
 * (wl_tcp_stream.h). A reset, a lost or a changed byte fail it.
 */
#define _GNU_SOURCE
#include "wl_tcp_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define LIVE_HOLD (1u << 20)

static int listen_on(const char *addr, const char *port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	socklen_t len;
	int fd, one = 1;

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
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 1))
		wl_die("listen on %s port %s: %s", addr, port, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	int64_t deadline;
	struct stream s;
	int l, fd;
	bool live;

	wl_init(argc, argv);
	live = argc == 5 && !strcmp(argv[4], "live");
	if (argc != 4 && !live)
		wl_die("usage: %s GO_FILE ADDRESS PORT [live]", argv[0]);
	l = listen_on(argv[2], argv[3]);
	wl_ready();
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		wl_die("accept: %s", strerror(errno));
	close(l);
	stream_init(&s, "wl_tcp_peer", fd);
	/* Until go: only sending, unless live. The other end is dumped meanwhile. */
	deadline = wl_now_ns() + STREAM_TIMEOUT_NS;
	/* Live, the streams must not end before go, nor even before the dump. */
	s.hold = live ? LIVE_HOLD : 0;
	while (!wl_go_exists() && !stream_done(&s) && wl_now_ns() < deadline)
		stream_step(&s, live, 50);
	stream_finish(&s);
	close(fd);
	return wl_finish();
}
