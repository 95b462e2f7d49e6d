// SPDX-License-Identifier: MIT
/*
 * Datagram unix sockets:
 *
 *   receiver  bound to a path, datagrams waiting from several senders, interleaved: one bound to
 *             a path (a datagram of 100000 bytes among them), one bound to an abstract name (an
 *             empty datagram among them), one without an address, and one bound to a path then
 *             closed, its socket file removed. After go, each comes in order, whole, from the
 *             address it was sent from; then nothing more; the senders still reach it;
 *   connected a socket without an address connected to the receiver: it still sends there; a
 *             socket bound to an address, connected to the receiver, holding datagrams the
 *             receiver sent it: they are there, from the receiver, and it still sends to it;
 *   pair      two sockets with addresses connected to each other, each holding the other's
 *             datagrams, one also one from a third socket sent before it connected.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BIG 100000
#define NR_SENT 8

struct named {
	int fd;
	struct sockaddr_un addr;
	socklen_t len; /* 0: no address */
};

/* A datagram waiting in a socket: from whom, how long, what. */
struct sent {
	const struct named *from;
	size_t len;
	uint64_t seed;
};

static struct named receiver, by_path, by_abstract, unnamed, gone, connected, bound_connected,
    pair_a, pair_b;
static struct sent to_receiver[NR_SENT], to_bound[2], to_a[2], to_b[1];

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

static void make(struct named *s, socklen_t len)
{
	s->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	s->len = len;
	if (s->fd < 0 || (len && bind(s->fd, (struct sockaddr *)&s->addr, len)))
		wl_die("datagram socket: %s", strerror(errno));
}

/* from sends to to (by its address, or connected when to is NULL) a datagram of len bytes. */
static void send_one(struct sent *d, const struct named *from, const struct named *to, size_t len)
{
	static uint8_t buf[BIG];

	d->from = from;
	d->len = len;
	d->seed = wl_random_u64();
	wl_fill(buf, len, d->seed);
	if (sendto(from->fd, buf, len, 0, to ? (const struct sockaddr *)&to->addr : NULL,
		   to ? to->len : 0) != (ssize_t)len)
		wl_die("send %zu bytes: %s", len, strerror(errno));
}

static void make_sockets(void)
{
	make(&receiver, path_addr(&receiver.addr, "receiver.sock"));
	make(&by_path, path_addr(&by_path.addr, "sender.sock"));
	make(&by_abstract, abstract_addr(&by_abstract.addr, "sender"));
	make(&unnamed, 0);
	make(&gone, path_addr(&gone.addr, "gone.sock"));
	make(&connected, 0);
	make(&bound_connected, abstract_addr(&bound_connected.addr, "bound-connected"));
	make(&pair_a, abstract_addr(&pair_a.addr, "pair-a"));
	make(&pair_b, path_addr(&pair_b.addr, "pair-b.sock"));
}

static void fill_queues(void)
{
	const struct named *senders[NR_SENT] = {&by_path, &by_abstract, &unnamed, &by_path,
						&gone,	  &by_abstract, &unnamed, &by_path};
	int i;

	for (i = 0; i < NR_SENT; i++)
		send_one(&to_receiver[i], senders[i], &receiver,
			 i == 3	  ? BIG
			 : i == 5 ? 0
				  : 1 + wl_random_u64() % 2000);
	close(gone.fd);
	unlink(gone.addr.sun_path);
	if (connect(connected.fd, (struct sockaddr *)&receiver.addr, receiver.len) ||
	    connect(bound_connected.fd, (struct sockaddr *)&receiver.addr, receiver.len))
		wl_die("connect: %s", strerror(errno));
	send_one(&to_bound[0], &receiver, &bound_connected, 700);
	send_one(&to_bound[1], &receiver, &bound_connected, 1);
	send_one(&to_a[0], &by_path, &pair_a, 50);
	if (connect(pair_a.fd, (struct sockaddr *)&pair_b.addr, pair_b.len) ||
	    connect(pair_b.fd, (struct sockaddr *)&pair_a.addr, pair_a.len))
		wl_die("connect the pair: %s", strerror(errno));
	send_one(&to_a[1], &pair_b, NULL, 1500);
	send_one(&to_b[0], &pair_a, NULL, 999);
}

/* The datagrams waiting in s, in order, each from its sender's address; then nothing. */
static void check_queue(const char *what, const struct named *s, const struct sent *sent, int nr)
{
	static uint8_t got[BIG + 1], want[BIG];
	struct sockaddr_un from;
	socklen_t len;
	ssize_t n;
	int i;

	for (i = 0; i < nr; i++) {
		len = sizeof(from);
		n = recvfrom(s->fd, got, sizeof(got), MSG_DONTWAIT, (struct sockaddr *)&from, &len);
		wl_fill(want, sent[i].len, sent[i].seed);
		if (!wl_check(n == (ssize_t)sent[i].len && !memcmp(got, want, n),
			      "%s: datagram %d of %zd bytes, want %zu", what, i, n, sent[i].len))
			return;
		if (sent[i].from->len)
			wl_check(len == sent[i].from->len &&
				     !memcmp(&from, &sent[i].from->addr, len),
				 "%s: datagram %d comes from another address", what, i);
		else
			wl_check(len <= sizeof(sa_family_t), "%s: datagram %d has an address", what,
				 i);
	}
	n = recv(s->fd, got, 1, MSG_DONTWAIT);
	wl_check(n < 0 && errno == EAGAIN, "%s: more datagrams than were sent (%zd)", what, n);
}

/* One byte from from (to to, or connected), received by to from from's address. */
static void check_reaches(const char *what, const struct named *from, const struct named *to,
			  int connected_send)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	char c = 'r';

	if (!wl_check(sendto(from->fd, &c, 1, 0,
			     connected_send ? NULL : (const struct sockaddr *)&to->addr,
			     connected_send ? 0 : to->len) == 1,
		      "%s: cannot send: %s", what, strerror(errno)))
		return;
	wl_check(recvfrom(to->fd, &c, 1, 0, (struct sockaddr *)&a, &len) == 1 &&
		     (from->len ? len == from->len && !memcmp(&a, &from->addr, len)
				: len <= sizeof(sa_family_t)),
		 "%s: not received from the right address", what);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	make_sockets();
	fill_queues();
	wl_ready();
	wl_wait_go();
	check_queue("receiver", &receiver, to_receiver, NR_SENT);
	check_queue("bound and connected", &bound_connected, to_bound, 2);
	check_queue("pair a", &pair_a, to_a, 2);
	check_queue("pair b", &pair_b, to_b, 1);
	check_reaches("path sender", &by_path, &receiver, 0);
	check_reaches("abstract sender", &by_abstract, &receiver, 0);
	check_reaches("connected", &connected, &receiver, 1);
	check_reaches("bound and connected", &bound_connected, &receiver, 1);
	check_reaches("receiver to the abstract sender", &receiver, &by_abstract, 0);
	check_reaches("pair a to b", &pair_a, &pair_b, 1);
	check_reaches("pair b to a", &pair_b, &pair_a, 1);
	return wl_finish();
}
