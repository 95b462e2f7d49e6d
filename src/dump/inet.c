// SPDX-License-Identifier: MIT
/*
 * TCP and UDP sockets, IPv4 and IPv6: what the socket is (family, protocol, state), where it is
 * bound and connected, its options, and what it holds: the datagrams a UDP socket has not read
 * yet (peeked, so that they stay), an established TCP connection's queues (tcp-conn.c). Refused:
 * a listening socket with connections waiting to be accepted, and TCP states between established
 * and closed (connecting, shutting down).
 */
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/socket.h"

static const char *const tcp_state_names[] = {
    [TCP_ESTABLISHED] = "ESTABLISHED",
    [TCP_SYN_SENT] = "SYN_SENT",
    [TCP_SYN_RECV] = "SYN_RECV",
    [TCP_FIN_WAIT1] = "FIN_WAIT1",
    [TCP_FIN_WAIT2] = "FIN_WAIT2",
    [TCP_TIME_WAIT] = "TIME_WAIT",
    [TCP_CLOSE] = "CLOSE",
    [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
    [TCP_LAST_ACK] = "LAST_ACK",
    [TCP_LISTEN] = "LISTEN",
    [TCP_CLOSING] = "CLOSING",
};

/*
 * The socket lives in cryo's network namespace, where it will be restored: cryo does not restore
 * network namespaces yet.
 */
static int check_netns(int sk, const struct dump_fd *d)
{
	struct stat mine, its;
	int ns = ioctl(sk, SIOCGSKNS), ret = 0;

	if (ns < 0)
		return pr_perror("cannot find the network namespace of fd %d of %d", d->fd, d->pid);
	if (fstat(ns, &its) || stat("/proc/self/ns/net", &mine))
		ret = pr_perror("cannot compare network namespaces");
	else if (its.st_ino != mine.st_ino || its.st_dev != mine.st_dev) {
		pr_err("fd %d of %d is a socket of another network namespace than cryo's: not "
		       "supported yet",
		       d->fd, d->pid);
		ret = -ENOTSUP;
	}
	close(ns);
	return ret;
}

static int read_ident(int sk, const struct dump_fd *d, struct rec_inet_sk *r)
{
	int ret;

	ret = sock_get_u32(sk, SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN", d, &r->family);
	if (!ret)
		ret = sock_get_u32(sk, SOL_SOCKET, SO_TYPE, "SO_TYPE", d, &r->sock_type);
	if (!ret)
		ret = sock_get_u32(sk, SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL", d, &r->protocol);
	if (ret)
		return ret;
	if ((r->sock_type == SOCK_STREAM && r->protocol == IPPROTO_TCP) ||
	    (r->sock_type == SOCK_DGRAM && r->protocol == IPPROTO_UDP))
		return 0;
	pr_err("fd %d of %d is an inet socket of type %u, protocol %u: only TCP and UDP are "
	       "supported",
	       d->fd, d->pid, r->sock_type, r->protocol);
	return -ENOTSUP;
}

/* Where it is bound (src) and connected (dst: all zero if not). */
static int read_ends(int sk, const struct dump_fd *d, struct inet_endpoint *src,
		     struct inet_endpoint *dst)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(sk, (struct sockaddr *)&ss, &len))
		return pr_perror("cannot read the address of socket fd %d of %d", d->fd, d->pid);
	inet_endpoint_from((struct sockaddr *)&ss, src);
	len = sizeof(ss);
	memset(dst, 0, sizeof(*dst));
	if (!getpeername(sk, (struct sockaddr *)&ss, &len))
		inet_endpoint_from((struct sockaddr *)&ss, dst);
	else if (errno != ENOTCONN)
		return pr_perror("cannot read the peer of socket fd %d of %d", d->fd, d->pid);
	return 0;
}

/* The state, and what a listening socket holds: its backlog; no connection not accepted. */
static int read_tcp_state(int sk, const struct dump_fd *d, struct rec_inet_sk *r)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return pr_perror("cannot read the TCP state of fd %d of %d", d->fd, d->pid);
	r->state = ti.tcpi_state;
	if (r->state == INET_LISTEN) {
		/* For a listening socket the kernel puts its backlog and accept queue here. */
		r->backlog = ti.tcpi_sacked;
		if (!ti.tcpi_unacked)
			return 0;
		pr_err("fd %d of %d listens on port %u with %u connection(s) not accepted yet: not "
		       "supported",
		       d->fd, d->pid, r->src_port, ti.tcpi_unacked);
		return -ENOTSUP;
	}
	if (r->state == INET_ESTABLISHED || r->state == INET_CLOSED)
		return 0;
	pr_err("fd %d of %d is a TCP socket in state %s: not supported", d->fd, d->pid,
	       r->state < ARRAY_SIZE(tcp_state_names) && tcp_state_names[r->state]
		   ? tcp_state_names[r->state]
		   : "unknown");
	return -ENOTSUP;
}

static int read_tcp_opts(int sk, const struct dump_fd *d, struct rec_inet_sk *r)
{
	int ret;

	ret = sock_get_u32(sk, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", d, &r->nodelay);
	if (!ret)
		ret = sock_get_u32(sk, IPPROTO_TCP, TCP_CORK, "TCP_CORK", d, &r->cork);
	if (!ret)
		ret = sock_get_u32(sk, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", d, &r->keepidle);
	if (!ret)
		ret =
		    sock_get_u32(sk, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", d, &r->keepintvl);
	if (!ret)
		ret = sock_get_u32(sk, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", d, &r->keepcnt);
	return ret;
}

static int read_ip_opts(int sk, const struct dump_fd *d, struct rec_inet_sk *r)
{
	int ret = 0;

	if (r->family == AF_INET)
		return sock_get_u32(sk, IPPROTO_IP, IP_TOS, "IP_TOS", d, &r->tos);
	ret = sock_get_u32(sk, IPPROTO_IPV6, IPV6_TCLASS, "IPV6_TCLASS", d, &r->tos);
	if (!ret)
		ret = sock_get_u32(sk, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", d, &r->v6only);
	return ret;
}

static int describe_inet(int sk, const struct dump_fd *d, struct rec_inet_sk *r,
			 struct inet_endpoint *src, struct inet_endpoint *dst)
{
	int ret;

	ret = check_netns(sk, d);
	if (!ret)
		ret = read_ident(sk, d, r);
	if (!ret)
		ret = read_ends(sk, d, src, dst);
	if (ret)
		return ret;
	memcpy(r->src_addr, src->addr, 16);
	memcpy(r->dst_addr, dst->addr, 16);
	r->src_port = src->port;
	r->dst_port = dst->port;
	r->src_scope = src->scope;
	r->dst_scope = dst->scope;
	if (r->protocol == IPPROTO_UDP)
		r->state = dst->port ? INET_ESTABLISHED : INET_CLOSED;
	else
		ret = read_tcp_state(sk, d, r);
	if (!ret && r->protocol == IPPROTO_TCP)
		ret = read_tcp_opts(sk, d, r);
	return ret ? ret : read_ip_opts(sk, d, r);
}

/*
 * The next datagram, after those peeked already: 1, 0 when there is none. A pending error (an
 * ICMP error on a connected socket) comes out of a peek once, instead of a datagram: the kernel
 * has then forgotten it, and so will the process.
 */
static int peek_datagram(int sk, const struct dump_fd *d, struct img *img, int *lost_error)
{
	static uint8_t buf[sizeof(struct rec_inet_dgram) + 65536];
	struct rec_inet_dgram rec = {0};
	struct inet_endpoint from;
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);
	ssize_t n;

	n = recvfrom(sk, buf + sizeof(rec), sizeof(buf) - sizeof(rec),
		     MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&ss, &len);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0 && !*lost_error) {
		*lost_error = errno;
		pr_warn("fd %d of %d: its pending error is lost: %s", d->fd, d->pid,
			strerror(errno));
		return 1;
	}
	if (n < 0)
		return pr_perror("cannot read the datagrams of fd %d of %d", d->fd, d->pid);
	if ((size_t)n > REC_INET_DGRAM_MAX) {
		pr_err("fd %d of %d holds a datagram of %zd bytes: more than cryo keeps (%zu)",
		       d->fd, d->pid, n, (size_t)REC_INET_DGRAM_MAX);
		return -EFBIG;
	}
	inet_endpoint_from((struct sockaddr *)&ss, &from);
	memcpy(rec.src_addr, from.addr, 16);
	rec.src_port = from.port;
	memcpy(buf, &rec, sizeof(rec));
	return img_write(img, REC_INET_DGRAM, buf, sizeof(rec) + n) ?: 1;
}

/*
 * A UDP socket's datagrams not read yet, peeked one after the other: with a peek offset (set on
 * the socket for the time of the dump, then put back), each peek starts after the last.
 */
static int dump_datagrams(int sk, const struct dump_fd *d, struct img *img)
{
	int zero = 0, lost_error = 0, ret;
	uint32_t saved;

	ret = sock_get_u32(sk, SOL_SOCKET, SO_PEEK_OFF, "SO_PEEK_OFF", d, &saved);
	if (ret)
		return ret;
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		return pr_perror("cannot peek into fd %d of %d", d->fd, d->pid);
	while ((ret = peek_datagram(sk, d, img, &lost_error)) == 1)
		;
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &saved, sizeof(saved)) && !ret)
		ret = pr_perror("cannot put back the peek offset of fd %d of %d", d->fd, d->pid);
	return ret;
}

int dump_inet(const struct dump_fd *d, struct file_table *files)
{
	struct img *img = &files->img;
	struct inet_endpoint src, dst;
	struct rec_inet_sk r = {0};
	int sk = grab_file(d), ret;

	if (sk < 0)
		return sk;
	ret = describe_inet(sk, d, &r, &src, &dst);
	if (!ret)
		ret = img_write(img, REC_INET_SK, &r, sizeof(r));
	if (!ret)
		ret = dump_sockopts(sk, d, img);
	if (!ret && r.protocol == IPPROTO_TCP && r.state == INET_ESTABLISHED)
		ret = dump_tcp_conn(sk, d, &src, &dst, img);
	if (!ret && r.protocol == IPPROTO_UDP)
		ret = dump_datagrams(sk, d, img);
	close(sk);
	return ret;
}
