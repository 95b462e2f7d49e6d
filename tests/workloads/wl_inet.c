// SPDX-License-Identifier: MIT
/*
 * TCP and UDP sockets, IPv4 and IPv6, all on ephemeral ports of the loopback:
 *
 *   listen4   TCP listening on 127.0.0.1 with backlog 7, SO_REUSEADDR, SO_KEEPALIVE,
 *             TCP_NODELAY, TCP_KEEPIDLE and SO_RCVBUF (random values);
 *   listen6   TCP listening on [::1], IPV6_V6ONLY, SO_REUSEPORT;
 *   dual      TCP listening on [::], IPV6_V6ONLY off: it takes IPv4 connections too;
 *   udp4      UDP bound on 127.0.0.1, three datagrams waiting (random bytes, one empty) sent by
 *   sender4   another UDP socket bound on 127.0.0.1;
 *   conn4     UDP bound on 127.0.0.1 and connected to sender4, two datagrams from it waiting;
 *   udp6      UDP bound on [::1] and connected to sender6, two datagrams waiting;
 *   dual_udp  UDP bound on [::], a datagram waiting from sender4 (its source IPv4-mapped);
 *   bound     TCP bound on 127.0.0.1, neither listening nor connected;
 *   unbound4  TCP, and unbound6, UDP over IPv6: never bound.
 *
 * After go, from inside: every socket has its family, type, port and options; each listening
 * socket accepts a new connection over which a random token goes both ways (the dual one over
 * IPv4); the datagrams are read back in order with their bytes and sources; the connected ones
 * talk to their peer without an address and drop a stranger's datagram; the bound socket still
 * holds its port and can listen; the unbound ones are unbound.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKLOG 7
#define NR_DGRAMS 3
#define TIMEOUT_MS 5000

struct sock {
	const char *name;
	int fd;
	int family;
	struct sockaddr_storage addr; /* as bound, port included */
};

struct dgram {
	size_t len;
	uint8_t data[1500];
};

static struct sock listen4 = {.name = "listen4"}, listen6 = {.name = "listen6"},
		   dual = {.name = "dual"};
static struct sock udp4 = {.name = "udp4"}, sender4 = {.name = "sender4"},
		   conn4 = {.name = "conn4"};
static struct sock udp6 = {.name = "udp6"}, sender6 = {.name = "sender6"},
		   dual_udp = {.name = "dual_udp"};
static struct sock bound = {.name = "bound"}, unbound4 = {.name = "unbound4"},
		   unbound6 = {.name = "unbound6"};
static int keepidle, rcvbuf;
static struct dgram to_udp4[NR_DGRAMS], to_conn4[2], to_udp6[2], to_dual;

static socklen_t addr_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* A loopback address (or the any address), port 0. */
static struct sockaddr_storage local_addr(int family, bool any)
{
	struct sockaddr_storage ss = {.ss_family = family};

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(any ? 0 : INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = any ? in6addr_any : in6addr_loopback;
	return ss;
}

static void make(struct sock *s, int family, int type)
{
	s->family = family;
	s->fd = socket(family, type, 0);
	if (s->fd < 0)
		wl_die("%s: socket: %s", s->name, strerror(errno));
}

static void set_int(struct sock *s, int level, int name, int val)
{
	if (setsockopt(s->fd, level, name, &val, sizeof(val)))
		wl_die("%s: setsockopt %d: %s", s->name, name, strerror(errno));
}

static int get_int(const struct sock *s, int level, int name)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(s->fd, level, name, &val, &len))
		wl_check(false, "%s: getsockopt %d: %s", s->name, name, strerror(errno));
	return val;
}

/* Bind to the loopback (or any) address, an ephemeral port; remember the address. */
static void bind_local(struct sock *s, bool any)
{
	socklen_t len = sizeof(s->addr);

	s->addr = local_addr(s->family, any);
	if (bind(s->fd, (struct sockaddr *)&s->addr, addr_len(s->family)) ||
	    getsockname(s->fd, (struct sockaddr *)&s->addr, &len))
		wl_die("%s: bind: %s", s->name, strerror(errno));
}

static void connect_to(struct sock *s, const struct sockaddr_storage *to)
{
	if (connect(s->fd, (const struct sockaddr *)to, addr_len(to->ss_family)))
		wl_die("%s: connect: %s", s->name, strerror(errno));
}

static void make_listeners(void)
{
	keepidle = 60 + wl_random_u64() % 1000;
	rcvbuf = 50000 + wl_random_u64() % 100000;
	make(&listen4, AF_INET, SOCK_STREAM);
	set_int(&listen4, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int(&listen4, SOL_SOCKET, SO_KEEPALIVE, 1);
	set_int(&listen4, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int(&listen4, IPPROTO_TCP, TCP_KEEPIDLE, keepidle);
	set_int(&listen4, SOL_SOCKET, SO_RCVBUF, rcvbuf);
	bind_local(&listen4, false);
	make(&listen6, AF_INET6, SOCK_STREAM);
	set_int(&listen6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	set_int(&listen6, SOL_SOCKET, SO_REUSEPORT, 1);
	bind_local(&listen6, false);
	make(&dual, AF_INET6, SOCK_STREAM);
	set_int(&dual, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	bind_local(&dual, true);
	if (listen(listen4.fd, BACKLOG) || listen(listen6.fd, SOMAXCONN) || listen(dual.fd, 1))
		wl_die("listen: %s", strerror(errno));
}

static void send_dgram(struct sock *from, const struct sock *to, struct dgram *d, size_t len)
{
	d->len = len;
	wl_random(d->data, len);
	if (sendto(from->fd, d->data, len, 0, (const struct sockaddr *)&to->addr,
		   addr_len(to->family)) != (ssize_t)len)
		wl_die("%s: sendto %s: %s", from->name, to->name, strerror(errno));
}

static size_t random_len(void)
{
	return 1 + wl_random_u64() % sizeof(to_udp4[0].data);
}

static void make_udp(void)
{
	/* The IPv4 form of where dual_udp listens. */
	struct sock dual_v4 = {"dual_udp over IPv4", -1, AF_INET, local_addr(AF_INET, false)};

	make(&udp4, AF_INET, SOCK_DGRAM);
	bind_local(&udp4, false);
	make(&sender4, AF_INET, SOCK_DGRAM);
	bind_local(&sender4, false);
	send_dgram(&sender4, &udp4, &to_udp4[0], random_len());
	send_dgram(&sender4, &udp4, &to_udp4[1], 0);
	send_dgram(&sender4, &udp4, &to_udp4[2], random_len());

	make(&conn4, AF_INET, SOCK_DGRAM);
	bind_local(&conn4, false);
	connect_to(&conn4, &sender4.addr);
	send_dgram(&sender4, &conn4, &to_conn4[0], random_len());
	send_dgram(&sender4, &conn4, &to_conn4[1], random_len());

	make(&udp6, AF_INET6, SOCK_DGRAM);
	bind_local(&udp6, false);
	make(&sender6, AF_INET6, SOCK_DGRAM);
	bind_local(&sender6, false);
	connect_to(&udp6, &sender6.addr);
	send_dgram(&sender6, &udp6, &to_udp6[0], random_len());
	send_dgram(&sender6, &udp6, &to_udp6[1], random_len());

	make(&dual_udp, AF_INET6, SOCK_DGRAM);
	set_int(&dual_udp, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	bind_local(&dual_udp, true);
	((struct sockaddr_in *)&dual_v4.addr)->sin_port = htons(port_of(&dual_udp.addr));
	send_dgram(&sender4, &dual_v4, &to_dual, random_len());
}

static void make_others(void)
{
	make(&bound, AF_INET, SOCK_STREAM);
	bind_local(&bound, false);
	make(&unbound4, AF_INET, SOCK_STREAM);
	make(&unbound6, AF_INET6, SOCK_DGRAM);
}

/* ---- after go -------------------------------------------------------------------------------- */

static bool wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, TIMEOUT_MS) == 1;
}

static void check_ident(const struct sock *s, int type, bool has_port)
{
	struct sockaddr_storage now = {0};
	socklen_t len = sizeof(now);

	wl_check(get_int(s, SOL_SOCKET, SO_DOMAIN) == s->family, "%s: family %d, want %d", s->name,
		 get_int(s, SOL_SOCKET, SO_DOMAIN), s->family);
	wl_check(get_int(s, SOL_SOCKET, SO_TYPE) == type, "%s: not of its type", s->name);
	if (getsockname(s->fd, (struct sockaddr *)&now, &len))
		wl_check(false, "%s: getsockname: %s", s->name, strerror(errno));
	else if (has_port)
		wl_check(port_of(&now) == port_of(&s->addr), "%s: port %d, want %d", s->name,
			 port_of(&now), port_of(&s->addr));
	else
		wl_check(port_of(&now) == 0, "%s: bound to port %d, was unbound", s->name,
			 port_of(&now));
}

/* A new connection to the listener at addr (family of the client), a token each way. */
static void check_accepts(const struct sock *l, int family)
{
	struct sockaddr_storage to = local_addr(family, false);
	uint64_t token = wl_random_u64(), got = 0, back;
	int c = socket(family, SOCK_STREAM, 0), a;

	if (family == AF_INET)
		((struct sockaddr_in *)&to)->sin_port = htons(port_of(&l->addr));
	else
		((struct sockaddr_in6 *)&to)->sin6_port = htons(port_of(&l->addr));
	if (!wl_check(c >= 0 && !connect(c, (struct sockaddr *)&to, addr_len(family)),
		      "%s: connect: %s", l->name, strerror(errno)))
		return;
	a = wait_readable(l->fd) ? accept(l->fd, NULL, NULL) : -1;
	if (wl_check(a >= 0, "%s: accepts nothing: %s", l->name, strerror(errno))) {
		wl_check(write(c, &token, 8) == 8 && read(a, &got, 8) == 8 && got == token,
			 "%s: the token did not reach the accepted socket", l->name);
		back = ~token;
		wl_check(write(a, &back, 8) == 8 && read(c, &got, 8) == 8 && got == ~token,
			 "%s: the token did not come back", l->name);
		close(a);
	}
	close(c);
}

static void check_listeners(void)
{
	check_ident(&listen4, SOCK_STREAM, true);
	wl_check(get_int(&listen4, SOL_SOCKET, SO_ACCEPTCONN) == 1, "listen4 is not listening");
	wl_check(get_int(&listen4, SOL_SOCKET, SO_REUSEADDR) == 1, "listen4 lost SO_REUSEADDR");
	wl_check(get_int(&listen4, SOL_SOCKET, SO_KEEPALIVE) == 1, "listen4 lost SO_KEEPALIVE");
	wl_check(get_int(&listen4, IPPROTO_TCP, TCP_NODELAY) == 1, "listen4 lost TCP_NODELAY");
	wl_check(get_int(&listen4, IPPROTO_TCP, TCP_KEEPIDLE) == keepidle,
		 "listen4: TCP_KEEPIDLE %d, want %d", get_int(&listen4, IPPROTO_TCP, TCP_KEEPIDLE),
		 keepidle);
	wl_check(get_int(&listen4, SOL_SOCKET, SO_RCVBUF) == 2 * rcvbuf,
		 "listen4: SO_RCVBUF %d, want %d", get_int(&listen4, SOL_SOCKET, SO_RCVBUF),
		 2 * rcvbuf);
	check_ident(&listen6, SOCK_STREAM, true);
	wl_check(get_int(&listen6, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "listen6 lost IPV6_V6ONLY");
	wl_check(get_int(&listen6, SOL_SOCKET, SO_REUSEPORT) == 1, "listen6 lost SO_REUSEPORT");
	check_ident(&dual, SOCK_STREAM, true);
	wl_check(get_int(&dual, IPPROTO_IPV6, IPV6_V6ONLY) == 0, "dual became IPv6 only");
	check_accepts(&listen4, AF_INET);
	check_accepts(&listen6, AF_INET6);
	check_accepts(&dual, AF_INET);
	check_accepts(&dual, AF_INET6);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || port_of(a) != port_of(b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

/* The next datagram of s: the bytes of want, from the address from. */
static void check_dgram(const struct sock *s, const struct dgram *want,
			const struct sockaddr_storage *from, int i)
{
	struct sockaddr_storage got_from = {0};
	socklen_t len = sizeof(got_from);
	static uint8_t buf[2000];
	ssize_t n;

	n = recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&got_from, &len);
	if (!wl_check(n >= 0, "%s: datagram %d: %s", s->name, i, strerror(errno)))
		return;
	wl_check((size_t)n == want->len && !memcmp(buf, want->data, n),
		 "%s: datagram %d: %zd bytes, want %zu, %s", s->name, i, n, want->len,
		 (size_t)n == want->len && !memcmp(buf, want->data, n) ? "same" : "different");
	wl_check(same_addr(&got_from, from), "%s: datagram %d from port %d, want %d", s->name, i,
		 port_of(&got_from), port_of(from));
}

static void check_nothing_left(const struct sock *s)
{
	char c;

	wl_check(recv(s->fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		 "%s: more datagrams than were sent", s->name);
}

/* Connected to peer: a send without address reaches it, a stranger's datagram is dropped. */
static void check_connected(const struct sock *s, const struct sock *peer)
{
	struct sockaddr_storage got = {0};
	socklen_t len = sizeof(got);
	struct dgram probe, dropped, late;
	struct sock stranger = {.name = "stranger"};

	wl_check(!getpeername(s->fd, (struct sockaddr *)&got, &len) && same_addr(&got, &peer->addr),
		 "%s: not connected to %s any more", s->name, peer->name);
	wl_random(probe.data, 64);
	wl_check(send(s->fd, probe.data, 64, 0) == 64, "%s: send: %s", s->name, strerror(errno));
	probe.len = 64;
	if (wl_check(wait_readable(peer->fd), "%s: nothing reached %s", s->name, peer->name))
		check_dgram(peer, &probe, &s->addr, 0);
	make(&stranger, s->family, SOCK_DGRAM);
	bind_local(&stranger, false);
	send_dgram(&stranger, s, &dropped, 32);
	send_dgram((struct sock *)peer, s, &late, 48);
	if (wl_check(wait_readable(s->fd), "%s: nothing more came from %s", s->name, peer->name))
		check_dgram(s, &late, &peer->addr, 99);
	check_nothing_left(s);
	close(stranger.fd);
}

static void check_udp(void)
{
	struct sockaddr_storage sender4_mapped = {.ss_family = AF_INET6};
	struct sockaddr_in6 *m = (struct sockaddr_in6 *)&sender4_mapped;
	int i;

	check_ident(&udp4, SOCK_DGRAM, true);
	for (i = 0; i < NR_DGRAMS; i++)
		check_dgram(&udp4, &to_udp4[i], &sender4.addr, i);
	check_nothing_left(&udp4);
	check_ident(&conn4, SOCK_DGRAM, true);
	for (i = 0; i < 2; i++)
		check_dgram(&conn4, &to_conn4[i], &sender4.addr, i);
	check_connected(&conn4, &sender4);
	check_ident(&udp6, SOCK_DGRAM, true);
	for (i = 0; i < 2; i++)
		check_dgram(&udp6, &to_udp6[i], &sender6.addr, i);
	check_connected(&udp6, &sender6);
	check_ident(&dual_udp, SOCK_DGRAM, true);
	m->sin6_port = htons(port_of(&sender4.addr));
	m->sin6_addr.s6_addr[10] = m->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&m->sin6_addr.s6_addr[12], &((struct sockaddr_in *)&sender4.addr)->sin_addr, 4);
	check_dgram(&dual_udp, &to_dual, &sender4_mapped, 0);
	check_nothing_left(&dual_udp);
}

static void check_others(void)
{
	check_ident(&bound, SOCK_STREAM, true);
	wl_check(get_int(&bound, SOL_SOCKET, SO_ACCEPTCONN) == 0, "bound is listening");
	if (wl_check(!listen(bound.fd, 1), "bound: listen: %s", strerror(errno)))
		check_accepts(&bound, AF_INET);
	check_ident(&unbound4, SOCK_STREAM, false);
	check_ident(&unbound6, SOCK_DGRAM, false);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	make_listeners();
	make_udp();
	make_others();
	wl_ready();
	wl_wait_go();
	check_listeners();
	check_udp();
	check_others();
	return wl_finish();
}
