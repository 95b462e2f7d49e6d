// SPDX-License-Identifier: MIT
/*
 * Listening unix sockets with connections waiting to be accepted:
 *
 *   listeners  a stream socket bound to a path (its file made 0640), one bound to an abstract
 *              name, a seqpacket one bound to another abstract name;
 *   waiting    connections not accepted yet, in queue order: on the path, from a client of this
 *              process bound to its own abstract name, from a client that closed after sending,
 *              from a client of the child (70000 bytes); on the abstract name, from this process
 *              and from the child; on the seqpacket one, three messages (one empty). After go,
 *              accept() returns them in order, each with the bytes or messages its client sent,
 *              then end of file for the closed one; a token sent back reaches each live client;
 *              then nothing more waits, and a new client connects to each address;
 *   accepted   a connection accepted before the dump, bytes waiting both ways; and one accepted
 *              from a listener closed since: both still named after their listener's address.
 *
 * With "skip" as second argument (the dump had --skip-in-flight), the waiting connections are
 * gone: nothing waits in the listeners, and their clients read end of file; the rest is the same.
 * The child checks its clients and reports through its exit status.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_MS 20000
#define NR_LISTENERS 3
#define MAX_WAITING 3

/* A connection waiting to be accepted: who its client is, what it sent. */
struct waiting {
	size_t len[3]; /* a stream sends len[0]; a seqpacket client, three messages */
	uint64_t seed;
	int client; /* its socket, -1: closed */
	int in_child;
	int named; /* the client is bound to an abstract name of its own */
	uint64_t token;
};

struct listener {
	int type;
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	struct waiting waiting[MAX_WAITING];
	int nr;
};

static struct listener listeners[NR_LISTENERS];
static struct sockaddr_un client_addr; /* the named client's */
static socklen_t client_addr_len;
static int srv, cli, gone_srv, gone_cli; /* accepted before the dump: from listener 0, the gone */
static struct sockaddr_un gone_addr;
static uint64_t seed;
static int skip;
static pid_t child;

static socklen_t path_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	wl_path(a->sun_path, sizeof(a->sun_path), name);
	unlink(a->sun_path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *what)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "cryo-wl-%s-%d-%lx", what, getpid(),
		     (unsigned long)wl_random_u64());
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

static void make_listener(struct listener *l, int type, int backlog)
{
	l->type = type;
	l->fd = socket(AF_UNIX, type, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&l->addr, l->addr_len) ||
	    listen(l->fd, backlog))
		wl_die("listener: %s", strerror(errno));
}

static void put(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, 0) != (ssize_t)len)
		wl_die("send %zu bytes: %s", len, strerror(errno));
}

/* The client of w connects to l and sends; then it keeps its socket, or closes it. */
static void connect_waiting(struct listener *l, struct waiting *w)
{
	static uint8_t buf[70000];
	int i, fd = socket(AF_UNIX, l->type, 0);

	if (fd < 0)
		wl_die("socket: %s", strerror(errno));
	if (w->named && bind(fd, (struct sockaddr *)&client_addr, client_addr_len))
		wl_die("bind the client: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&l->addr, l->addr_len))
		wl_die("connect: %s", strerror(errno));
	for (i = 0; i < (l->type == SOCK_SEQPACKET ? 3 : 1); i++) {
		wl_fill(buf, w->len[i], w->seed + i);
		put(fd, buf, w->len[i]);
	}
	w->client = fd;
}

static void add_waiting(struct listener *l, size_t len, int in_child, int named)
{
	struct waiting *w = &l->waiting[l->nr++];

	w->len[0] = len;
	w->len[1] = 0;
	w->len[2] = 300;
	w->seed = wl_random_u64();
	w->in_child = in_child;
	w->named = named;
	w->token = wl_random_u64();
}

static void plan(void)
{
	listeners[0].addr_len = path_addr(&listeners[0].addr, "listen.sock");
	listeners[1].addr_len = abstract_addr(&listeners[1].addr, "listen");
	listeners[2].addr_len = abstract_addr(&listeners[2].addr, "seqpacket");
	client_addr_len = abstract_addr(&client_addr, "client");
	make_listener(&listeners[0], SOCK_STREAM, 7);
	make_listener(&listeners[1], SOCK_STREAM, 5);
	make_listener(&listeners[2], SOCK_SEQPACKET, 4);
	if (chmod(listeners[0].addr.sun_path, 0640))
		wl_die("chmod: %s", strerror(errno));
	add_waiting(&listeners[0], 3000, 0, 1);
	add_waiting(&listeners[0], 500, 0, 0); /* its client closes */
	add_waiting(&listeners[0], 70000, 1, 0);
	add_waiting(&listeners[1], 2000, 0, 0);
	add_waiting(&listeners[1], 10, 1, 0);
	add_waiting(&listeners[2], 100, 0, 0);
	seed = wl_random_u64();
}

/* Connections accepted before the dump; one from a listener closed since. */
static void make_accepted(void)
{
	uint8_t buf[1200];
	int gone;

	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(cli, (struct sockaddr *)&listeners[0].addr, listeners[0].addr_len) ||
	    (srv = accept(listeners[0].fd, NULL, NULL)) < 0)
		wl_die("accept: %s", strerror(errno));
	wl_fill(buf, sizeof(buf), seed);
	put(cli, buf, 1000);
	put(srv, buf, 1200);
	gone = socket(AF_UNIX, SOCK_STREAM, 0);
	gone_cli = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(gone, (struct sockaddr *)&gone_addr, path_addr(&gone_addr, "gone.sock")) ||
	    listen(gone, 1) ||
	    connect(gone_cli, (struct sockaddr *)&gone_addr,
		    offsetof(struct sockaddr_un, sun_path) + strlen(gone_addr.sun_path) + 1) ||
	    (gone_srv = accept(gone, NULL, NULL)) < 0)
		wl_die("the gone listener: %s", strerror(errno));
	close(gone);
	put(gone_cli, buf, 800);
}

/* The waiting connections whose client is (in_child) the child's, or this process's. */
static void connect_all(int in_child)
{
	int i, j;

	for (i = 0; i < NR_LISTENERS; i++)
		for (j = 0; j < listeners[i].nr; j++)
			if (listeners[i].waiting[j].in_child == in_child)
				connect_waiting(&listeners[i], &listeners[i].waiting[j]);
	if (in_child)
		return;
	close(listeners[0].waiting[1].client);
	listeners[0].waiting[1].client = -1;
}

/* A live client: its token (or, skipped, end of file) comes. */
static bool check_client(const struct waiting *w)
{
	struct pollfd p = {.fd = w->client, .events = POLLIN};
	uint64_t got = 0;
	ssize_t n;

	if (poll(&p, 1, TIMEOUT_MS) != 1)
		return wl_check(false, "a client waited in vain");
	n = recv(w->client, &got, sizeof(got), 0);
	if (skip)
		return wl_check(n == 0 || (n < 0 && errno == ECONNRESET),
				"a client whose connection was skipped reads %zd", n);
	return wl_check(n == sizeof(got) && got == w->token, "a client got %#lx, want %#lx",
			(unsigned long)got, (unsigned long)w->token);
}

static void run_child(int ready)
{
	int i, j, ok = 1;

	connect_all(1);
	if (write(ready, "r", 1) != 1)
		_exit(10);
	wl_wait_go();
	for (i = 0; i < NR_LISTENERS; i++)
		for (j = 0; j < listeners[i].nr; j++)
			if (listeners[i].waiting[j].in_child)
				ok &= check_client(&listeners[i].waiting[j]);
	_exit(ok ? 0 : 1);
}

static bool same_addr(const struct sockaddr_un *a, socklen_t a_len, const struct sockaddr_un *b,
		      socklen_t b_len)
{
	return a_len == b_len && !memcmp(a, b, a_len);
}

static bool has_name(int fd, const struct sockaddr_un *want, socklen_t want_len, int peer)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len))
		return false;
	return same_addr(&a, len, want, want_len);
}

/* What waited in the connection: each message, then end of file if its client closed. */
static void check_received(const struct listener *l, const struct waiting *w, int fd)
{
	static uint8_t got[70001], want[70000];
	int i, seqpacket = l->type == SOCK_SEQPACKET;

	for (i = 0; i < (seqpacket ? 3 : 1); i++) {
		size_t at = 0, room = seqpacket ? sizeof(got) : w->len[i];
		ssize_t n;

		do {
			n = recv(fd, got + at, room - at, MSG_DONTWAIT);
			at += n > 0 ? n : 0;
		} while (!seqpacket && n > 0 && at < w->len[i]);
		wl_fill(want, w->len[i], w->seed + i);
		wl_check(at == w->len[i] && !memcmp(got, want, at),
			 "%s: message %d of %zu bytes, want %zu",
			 l->addr.sun_path[0] ? "path" : "abstract", i, at, w->len[i]);
	}
	if (w->client < 0)
		wl_check(recv(fd, got, 1, MSG_DONTWAIT) == 0,
			 "no end of file from a closed client");
}

static bool nothing_waits(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 0;
}

static void check_waiting(const struct listener *l)
{
	int i, fd;

	for (i = 0; !skip && i < l->nr; i++) {
		const struct waiting *w = &l->waiting[i];

		if (!wl_check(!nothing_waits(l->fd), "connection %d is not waiting", i))
			return;
		fd = accept(l->fd, NULL, NULL);
		if (!wl_check(fd >= 0, "accept: %s", strerror(errno)))
			return;
		check_received(l, w, fd);
		if (w->named)
			wl_check(has_name(fd, &client_addr, client_addr_len, 1),
				 "the accepted connection is not from the named client");
		wl_check(has_name(fd, &l->addr, l->addr_len, 0),
			 "the accepted connection does not have the listener's address");
		if (w->client >= 0)
			put(fd, &w->token, sizeof(w->token));
		close(fd);
	}
	wl_check(nothing_waits(l->fd), "more connections wait than there were");
	for (i = 0; i < l->nr; i++)
		if (!l->waiting[i].in_child && l->waiting[i].client >= 0)
			check_client(&l->waiting[i]);
}

/* A new client connects, and is accepted. */
static void check_new_client(const struct listener *l)
{
	int fd = socket(AF_UNIX, l->type, 0), s = -1;
	char c = 'n';

	wl_check(!connect(fd, (struct sockaddr *)&l->addr, l->addr_len) &&
		     (s = accept(l->fd, NULL, NULL)) >= 0 && send(fd, &c, 1, 0) == 1 &&
		     recv(s, &c, 1, 0) == 1,
		 "a new client cannot connect: %s", strerror(errno));
	close(fd);
	close(s);
}

static void check_accepted(void)
{
	uint8_t got[1201], want[1200];
	struct stat st;

	wl_fill(want, sizeof(want), seed);
	wl_check(recv(srv, got, sizeof(got), MSG_DONTWAIT) == 1000 && !memcmp(got, want, 1000),
		 "accepted: the client's bytes are not there");
	wl_check(recv(cli, got, sizeof(got), MSG_DONTWAIT) == 1200 && !memcmp(got, want, 1200),
		 "accepted: the server's bytes are not there");
	wl_check(has_name(srv, &listeners[0].addr, listeners[0].addr_len, 0),
		 "accepted: not named after its listener");
	wl_check(recv(gone_srv, got, sizeof(got), MSG_DONTWAIT) == 800 && !memcmp(got, want, 800),
		 "accepted from a gone listener: the bytes are not there");
	wl_check(has_name(gone_srv, &gone_addr,
			  offsetof(struct sockaddr_un, sun_path) + strlen(gone_addr.sun_path) + 1,
			  0),
		 "accepted from a gone listener: not named after it");
	wl_check(send(gone_cli, want, 7, 0) == 7 && recv(gone_srv, got, 8, 0) == 7,
		 "accepted from a gone listener: not connected");
	wl_check(!stat(listeners[0].addr.sun_path, &st) && S_ISSOCK(st.st_mode) &&
		     (st.st_mode & 07777) == 0640,
		 "%s: not a socket file of mode 0640", listeners[0].addr.sun_path);
}

int main(int argc, char **argv)
{
	int ready[2], i, status = -1;
	char c;

	wl_init(argc, argv);
	skip = argc > 2 && !strcmp(argv[2], "skip");
	plan();
	make_accepted();
	connect_all(0);
	if (pipe(ready))
		wl_die("pipe: %s", strerror(errno));
	fflush(stdout);
	child = fork();
	if (child < 0)
		wl_die("fork: %s", strerror(errno));
	if (child == 0)
		run_child(ready[1]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		wl_die("the child did not get ready");
	close(ready[0]);
	wl_ready();
	wl_wait_go();
	check_accepted();
	for (i = 0; i < NR_LISTENERS; i++)
		check_waiting(&listeners[i]);
	for (i = 0; i < NR_LISTENERS; i++)
		check_new_client(&listeners[i]);
	waitpid(child, &status, 0);
	wl_check(status == 0, "the child ended with %#x", status);
	return wl_finish();
}
