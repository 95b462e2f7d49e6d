// SPDX-License-Identifier: MIT
/*
 * Unix sockets connected to a process outside the tree, an echo server (the driver's):
 *
 *   wl_unix_ext GO_FILE STREAM_PATH DGRAM_PATH
 *
 * a stream socket connected to the server's listening address, and a datagram socket bound to an
 * address of its own, connected to the server's datagram address; one round trip through each
 * before READY. After go (cryo restored them with --ext-unix-sk: connected again to the same
 * addresses), a random token goes through each and comes back, and the stream's peer is still
 * the server's address.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TIMEOUT_MS 20000

static int stream, dgram;
static struct sockaddr_un server;
static socklen_t server_len;

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

/* A token through fd and back. */
static bool round_trip(int fd, const char *what)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t token = wl_random_u64(), got = 0;

	if (!wl_check(send(fd, &token, sizeof(token), 0) == sizeof(token), "%s: send: %s", what,
		      strerror(errno)))
		return false;
	return wl_check(poll(&p, 1, TIMEOUT_MS) == 1 &&
			    recv(fd, &got, sizeof(got), 0) == sizeof(got) && got == token,
			"%s: the token did not come back", what);
}

static void connect_to_server(const char *stream_path, const char *dgram_path)
{
	struct sockaddr_un own, peer;
	char path[108];

	stream = socket(AF_UNIX, SOCK_STREAM, 0);
	server_len = path_addr(&server, stream_path);
	if (connect(stream, (struct sockaddr *)&server, server_len))
		wl_die("connect to %s: %s", stream_path, strerror(errno));
	wl_path(path, sizeof(path), "ext-dgram.sock");
	unlink(path);
	dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (bind(dgram, (struct sockaddr *)&own, path_addr(&own, path)) ||
	    connect(dgram, (struct sockaddr *)&peer, path_addr(&peer, dgram_path)))
		wl_die("datagram socket: %s", strerror(errno));
	if (!round_trip(stream, "stream") || !round_trip(dgram, "datagram"))
		wl_die("the server does not answer");
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	wl_init(argc, argv);
	if (argc != 4)
		wl_die("usage: %s GO_FILE STREAM_PATH DGRAM_PATH", argv[0]);
	connect_to_server(argv[2], argv[3]);
	wl_ready();
	wl_wait_go();
	round_trip(stream, "stream");
	round_trip(dgram, "datagram");
	wl_check(!getpeername(stream, (struct sockaddr *)&a, &len) && len == server_len &&
		     !memcmp(&a, &server, len),
		 "the stream is not connected to the server's address");
	return wl_finish();
}
