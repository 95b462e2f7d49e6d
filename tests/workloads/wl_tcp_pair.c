// SPDX-License-Identifier: MIT
/*
 * Both ends of an established TCP connection in the tree (dumped with --tcp-established): this
 * process listens on the loopback and keeps the listening socket and the accepted end; its child
 * holds the connecting end. Before READY each end sends as much of its stream as the connection
 * takes and reads nothing: both ends' send and receive queues hold bytes. After go both streams
 * go to their end (wl_tcp_stream.h), and the listening socket, which shares its port with the
 * accepted end, still accepts a new connection.
 */
#define _GNU_SOURCE
#include "wl_tcp_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/wait.h>

static struct sockaddr_in addr = {.sin_family = AF_INET};

static void fill(struct stream *s)
{
	size_t was;

	do {
		was = s->sent;
		stream_write(s);
	} while (s->sent != was && !s->failed);
}

static void run_child(int fd, int ready)
{
	struct stream s;

	stream_init(&s, "connecting end", fd);
	fill(&s);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	wl_wait_go();
	stream_finish(&s);
	_exit(wl_finish() ? 1 : 0);
}

static void check_listener(int l)
{
	int c = socket(AF_INET, SOCK_STREAM, 0), a = -1;

	if (wl_check(c >= 0 && !connect(c, (struct sockaddr *)&addr, sizeof(addr)),
		     "the listening socket refuses a new connection: %s", strerror(errno)))
		a = accept(l, NULL, NULL);
	wl_check(a >= 0, "the listening socket accepts nothing: %s", strerror(errno));
	close(a);
	close(c);
}

int main(int argc, char **argv)
{
	socklen_t len = sizeof(addr);
	int l, c, a, ready[2], status = -1;
	struct stream s;
	char r;
	pid_t child;

	wl_init(argc, argv);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&addr, &len))
		wl_die("listen: %s", strerror(errno));
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof(addr)))
		wl_die("connect: %s", strerror(errno));
	a = accept(l, NULL, NULL);
	if (a < 0 || pipe(ready))
		wl_die("accept: %s", strerror(errno));
	fflush(stdout);
	child = fork();
	if (child < 0)
		wl_die("fork: %s", strerror(errno));
	if (child == 0) {
		close(a);
		close(l);
		run_child(c, ready[1]);
	}
	close(c);
	stream_init(&s, "accepted end", a);
	fill(&s);
	if (read(ready[0], &r, 1) != 1)
		wl_die("the child did not fill its queues");
	wl_ready();
	wl_wait_go();
	stream_finish(&s);
	check_listener(l);
	waitpid(child, &status, 0);
	wl_check(status == 0, "the connecting end (child) ended with %#x", status);
	return wl_finish();
}
