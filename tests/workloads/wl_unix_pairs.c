// SPDX-License-Identifier: MIT
/*
 * Unix socket pairs, shared by this process and its child:
 *
 *   pairs   a stream, a datagram and a seqpacket socketpair, each holding random bytes or
 *           messages of random sizes (an empty one among them) sent both ways before the dump:
 *           each side reads what waited for it, message boundaries kept, then nothing more; then
 *           the child sends a token through each and this process reads it (still connected);
 *   shut    a stream pair whose end A shut down writing, both ways full: B reads A's bytes then
 *           end of file, A cannot send (EPIPE), B still can; a seqpacket pair whose end shut down
 *           reading: its peer cannot send, it reads end of file;
 *   closed  a stream pair whose other end was closed after sending (what a JVM keeps): the bytes,
 *           then end of file, EPIPE, and dup2() of it works; a datagram pair likewise: the
 *           datagrams, then ECONNREFUSED;
 *   options SO_PASSCRED, SO_RCVTIMEO, SO_SNDTIMEO, SO_SNDBUF, SO_RCVBUF, O_NONBLOCK, SO_PEEK_OFF
 * (the child peeks twice and gets consecutive bytes), a descriptor at 600.
 *
 * The child checks its side and reports through its exit status.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_TYPES 3
#define NR_MSGS 6
#define MAX_MSG 3000
#define HIGH_FD 600
#define TIMEOUT_MS 20000

static const int types[NR_TYPES] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
static const char *const type_names[NR_TYPES] = {"stream", "datagram", "seqpacket"};

/* What one side sends the other through a pair: messages of random sizes (the 2nd empty). */
struct traffic {
	uint64_t seed;
	size_t len[NR_MSGS];
};

static int pairs[NR_TYPES][2]; /* [0]: this process's side, [1]: the child's */
static struct traffic to_child[NR_TYPES], to_parent[NR_TYPES];
static int shut[2], shut_rd[2], closed_stream, closed_dgram;
static uint64_t shut_seed, closed_seed, token;
static pid_t child;
static int checked[2]; /* this process to the child: its checks are done, send the tokens */

static void random_traffic(struct traffic *t, int type)
{
	size_t i;

	t->seed = wl_random_u64();
	for (i = 0; i < NR_MSGS; i++)
		t->len[i] = i == 1 && type != SOCK_STREAM ? 0 : 1 + wl_random_u64() % MAX_MSG;
}

static void send_traffic(int fd, const struct traffic *t)
{
	static uint8_t buf[MAX_MSG];
	size_t i;

	for (i = 0; i < NR_MSGS; i++) {
		wl_fill(buf, t->len[i], t->seed + i);
		if (send(fd, buf, t->len[i], 0) != (ssize_t)t->len[i])
			wl_die("send %zu bytes: %s", t->len[i], strerror(errno));
	}
}

/* What waits: the bytes of a stream, or each message; then there must be nothing more. */
static bool check_traffic(const char *what, int fd, int type, const struct traffic *t)
{
	static uint8_t got[NR_MSGS * MAX_MSG + 1], want[MAX_MSG];
	size_t i, at = 0, total = 0;
	ssize_t n;

	for (i = 0; i < NR_MSGS; i++)
		total += t->len[i];
	while (type == SOCK_STREAM && at < total &&
	       (n = recv(fd, got + at, total - at, MSG_DONTWAIT)) > 0)
		at += n;
	if (!wl_check(type != SOCK_STREAM || at == total, "%s: %zu bytes waited, want %zu", what,
		      at, total))
		return false;
	for (i = 0, at = 0; i < NR_MSGS; at += t->len[i], i++) {
		const uint8_t *msg = got + at;

		if (type != SOCK_STREAM) {
			msg = got;
			n = recv(fd, got, sizeof(got), MSG_DONTWAIT);
			if (!wl_check(n == (ssize_t)t->len[i],
				      "%s: message %zu of %zd bytes, want %zu", what, i, n,
				      t->len[i]))
				return false;
		}
		wl_fill(want, t->len[i], t->seed + i);
		if (!wl_check(!memcmp(msg, want, t->len[i]), "%s: message %zu differs", what, i))
			return false;
	}
	n = recv(fd, got, 1, MSG_DONTWAIT);
	return wl_check(n < 0 && errno == EAGAIN, "%s: more than what was sent waits (%zd)", what,
			n);
}

static void make_pairs(void)
{
	int i, on = 1, sndbuf = 65536, rcvbuf = 80000;
	struct timeval rcvtimeo = {1, 500000}, sndtimeo = {3, 200000};

	for (i = 0; i < NR_TYPES; i++) {
		if (socketpair(AF_UNIX, types[i], 0, pairs[i]))
			wl_die("socketpair: %s", strerror(errno));
		random_traffic(&to_child[i], types[i]);
		random_traffic(&to_parent[i], types[i]);
		send_traffic(pairs[i][0], &to_child[i]);
	}
	if (setsockopt(pairs[0][0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) ||
	    setsockopt(pairs[0][0], SOL_SOCKET, SO_RCVTIMEO, &rcvtimeo, sizeof(rcvtimeo)) ||
	    setsockopt(pairs[1][0], SOL_SOCKET, SO_SNDTIMEO, &sndtimeo, sizeof(sndtimeo)) ||
	    setsockopt(pairs[2][0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) ||
	    setsockopt(pairs[2][0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
	    fcntl(pairs[1][0], F_SETFL, O_NONBLOCK) || dup2(pairs[0][0], HIGH_FD) != HIGH_FD)
		wl_die("socket options: %s", strerror(errno));
	token = wl_random_u64();
}

/* shut: A ([0]) sent, then shut down writing; B ([1]) sent too. shut_rd: [0] shut reading. */
static void make_shut(void)
{
	uint8_t buf[2000];

	shut_seed = wl_random_u64();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, shut) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, shut_rd))
		wl_die("socketpair: %s", strerror(errno));
	wl_fill(buf, sizeof(buf), shut_seed);
	if (send(shut[0], buf, 1000, 0) != 1000 || shutdown(shut[0], SHUT_WR) ||
	    send(shut[1], buf + 1000, 1000, 0) != 1000 || shutdown(shut_rd[0], SHUT_RD))
		wl_die("shut: %s", strerror(errno));
}

/* The other ends closed after sending: 1500 bytes, and two datagrams. */
static void make_closed(void)
{
	uint8_t buf[1500];
	int s[2], d[2];

	closed_seed = wl_random_u64();
	wl_fill(buf, sizeof(buf), closed_seed);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) || socketpair(AF_UNIX, SOCK_DGRAM, 0, d) ||
	    send(s[1], buf, sizeof(buf), 0) != sizeof(buf) || send(d[1], buf, 100, 0) != 100 ||
	    send(d[1], buf + 100, 200, 0) != 200)
		wl_die("closed: %s", strerror(errno));
	close(s[1]);
	close(d[1]);
	closed_stream = s[0];
	closed_dgram = d[0];
}

static int child_checks(void)
{
	char peeked[2][10], bytes[20];
	int i, zero = 0;

	/* SO_PEEK_OFF is on for the stream: two peeks give consecutive bytes. */
	if (recv(pairs[0][1], peeked[0], 10, MSG_PEEK) != 10 ||
	    recv(pairs[0][1], peeked[1], 10, MSG_PEEK) != 10 ||
	    setsockopt(pairs[0][1], SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) ||
	    recv(pairs[0][1], bytes, 20, MSG_PEEK) != 20)
		return 1;
	if (memcmp(peeked[0], bytes, 10) || memcmp(peeked[1], bytes + 10, 10))
		return 2;
	for (i = 0; i < NR_TYPES; i++)
		if (!check_traffic(type_names[i], pairs[i][1], types[i], &to_child[i]))
			return 3;
	if (read(checked[0], &zero, 1) != 1)
		return 5;
	for (i = 0; i < NR_TYPES; i++)
		if (send(pairs[i][1], &token, sizeof(token), 0) != sizeof(token))
			return 4;
	return 0;
}

/* The child: its share of the traffic before READY, its checks after go. */
static void run_child(int ready)
{
	int i, zero = 0;

	for (i = 0; i < NR_TYPES; i++)
		send_traffic(pairs[i][1], &to_parent[i]);
	if (setsockopt(pairs[0][1], SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) ||
	    write(ready, "r", 1) != 1)
		_exit(10);
	wl_wait_go();
	_exit(child_checks());
}

static int get_int(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	getsockopt(fd, SOL_SOCKET, opt, &v, &len);
	return v;
}

static long get_timeout_us(int fd, int opt)
{
	struct timeval tv = {0, 0};
	socklen_t len = sizeof(tv);

	getsockopt(fd, SOL_SOCKET, opt, &tv, &len);
	return tv.tv_sec * 1000000 + tv.tv_usec;
}

static void check_options(void)
{
	struct stat a, b;

	wl_check(get_int(pairs[0][0], SO_PASSCRED) == 1, "SO_PASSCRED is off");
	wl_check(get_int(pairs[0][1], SO_PASSCRED) == 0, "SO_PASSCRED is on for the peer");
	wl_check(get_timeout_us(pairs[0][0], SO_RCVTIMEO) == 1500000, "SO_RCVTIMEO is %ld us",
		 get_timeout_us(pairs[0][0], SO_RCVTIMEO));
	wl_check(get_timeout_us(pairs[1][0], SO_SNDTIMEO) == 3200000, "SO_SNDTIMEO is %ld us",
		 get_timeout_us(pairs[1][0], SO_SNDTIMEO));
	wl_check(get_int(pairs[2][0], SO_SNDBUF) == 131072, "SO_SNDBUF is %d, want 131072",
		 get_int(pairs[2][0], SO_SNDBUF));
	wl_check(get_int(pairs[2][0], SO_RCVBUF) == 160000, "SO_RCVBUF is %d, want 160000",
		 get_int(pairs[2][0], SO_RCVBUF));
	wl_check(fcntl(pairs[1][0], F_GETFL) & O_NONBLOCK, "the datagram end lost O_NONBLOCK");
	wl_check(!(fcntl(pairs[1][1], F_GETFL) & O_NONBLOCK), "the child's end got O_NONBLOCK");
	wl_check(!fstat(HIGH_FD, &a) && !fstat(pairs[0][0], &b) && a.st_ino == b.st_ino,
		 "fd %d is not the stream socket any more", HIGH_FD);
	for (int i = 0; i < NR_TYPES; i++)
		wl_check(get_int(pairs[i][0], SO_TYPE) == types[i], "%s pair: type %d",
			 type_names[i], get_int(pairs[i][0], SO_TYPE));
}

static void check_shut(void)
{
	uint8_t want[2000], got[1001];
	char c = 'x';

	wl_fill(want, sizeof(want), shut_seed);
	wl_check(recv(shut[1], got, sizeof(got), MSG_DONTWAIT) == 1000 && !memcmp(got, want, 1000),
		 "shut: B did not read A's bytes");
	wl_check(recv(shut[1], got, 1, MSG_DONTWAIT) == 0, "shut: B did not read end of file");
	wl_check(send(shut[0], &c, 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
		 "shut: A could send after shutting down writing");
	wl_check(recv(shut[0], got, sizeof(got), MSG_DONTWAIT) == 1000 &&
		     !memcmp(got, want + 1000, 1000),
		 "shut: A did not read B's bytes");
	wl_check(send(shut[1], &c, 1, MSG_NOSIGNAL) == 1 && recv(shut[0], got, 1, 0) == 1 &&
		     got[0] == 'x',
		 "shut: B cannot send to A any more");
	wl_check(send(shut_rd[1], &c, 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
		 "shut: the peer of a seqpacket end shut for reading could send");
	wl_check(recv(shut_rd[0], got, 1, MSG_DONTWAIT) == 0,
		 "shut: a seqpacket end shut for reading does not read end of file");
}

static void check_closed(void)
{
	uint8_t want[1500], got[1501];
	char c = 'x';
	ssize_t n;

	wl_fill(want, sizeof(want), closed_seed);
	n = recv(closed_stream, got, sizeof(got), MSG_DONTWAIT);
	wl_check(n == 1500 && !memcmp(got, want, 1500), "closed: %zd bytes read, want 1500", n);
	wl_check(recv(closed_stream, got, 1, MSG_DONTWAIT) == 0, "closed: no end of file");
	wl_check(send(closed_stream, &c, 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
		 "closed: could send to a closed peer");
	wl_check(dup2(closed_stream, 700) == 700 && get_int(700, SO_TYPE) == SOCK_STREAM,
		 "closed: dup2 of the socket failed");
	wl_check(recv(closed_dgram, got, sizeof(got), MSG_DONTWAIT) == 100 &&
		     !memcmp(got, want, 100) &&
		     recv(closed_dgram, got, sizeof(got), MSG_DONTWAIT) == 200 &&
		     !memcmp(got, want + 100, 200),
		 "closed: the datagrams of the closed peer are not there");
	wl_check(send(closed_dgram, &c, 1, MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED,
		 "closed: a datagram to a closed peer did not say ECONNREFUSED (%s)",
		 strerror(errno));
}

static void check_tokens(void)
{
	struct pollfd p;
	uint64_t got;
	int i, status = -1;

	if (write(checked[1], "c", 1) != 1)
		wl_check(false, "cannot tell the child to send: %s", strerror(errno));
	for (i = 0; i < NR_TYPES; i++) {
		p = (struct pollfd){.fd = pairs[i][0], .events = POLLIN};
		got = 0;
		wl_check(poll(&p, 1, TIMEOUT_MS) == 1 &&
			     recv(pairs[i][0], &got, sizeof(got), 0) == sizeof(got) && got == token,
			 "%s pair: the child's token did not come", type_names[i]);
	}
	waitpid(child, &status, 0);
	wl_check(status == 0, "the child ended with %#x", status);
}

int main(int argc, char **argv)
{
	int ready[2], i;
	char c;

	wl_init(argc, argv);
	make_pairs();
	make_shut();
	make_closed();
	if (pipe(ready) || pipe(checked))
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
	check_options();
	for (i = 0; i < NR_TYPES; i++)
		check_traffic(type_names[i], pairs[i][0], types[i], &to_parent[i]);
	check_shut();
	check_closed();
	check_tokens();
	return wl_finish();
}
