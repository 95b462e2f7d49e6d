// SPDX-License-Identifier: MIT
/*
 * TCP and UDP sockets, IPv4 and IPv6. A socket is created in cryo's pool as the program had
 * made it: options, then bound (IPV6_V6ONLY first: it decides which ports are taken), then
 * listening with its backlog, or for UDP refilled with its datagrams (inet-dgram.c) and then
 * connected, or for an established TCP connection rebuilt in repair mode (tcp-conn.c). Those are
 * opened after every other socket (rank 1): a connection accepted from a listening socket shares
 * its port, which a listening socket bound later would find taken.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlock.h"
#include "restore/socket.h"

static int unexpected(const struct img *img, const struct image_file *f, uint32_t type)
{
	pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, type);
	return -EINVAL;
}

/* Bytes of a queue, up to the length the conn record announced. */
static int add_queue_bytes(uint8_t **buf, uint32_t *got, uint32_t total, const struct img_rec *rec)
{
	uint8_t *grown;

	if (rec->len > total - *got) {
		pr_err("files.img: a TCP queue holds more bytes than its connection says (%u)",
		       total);
		return -E2BIG;
	}
	grown = realloc(*buf, *got + rec->len);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + *got, rec->data, rec->len);
	*buf = grown;
	*got += rec->len;
	return 0;
}

static int add_dgram(struct inet_file *p, const struct img_rec *rec)
{
	size_t len = rec->len - sizeof(struct rec_inet_dgram);
	struct inet_dgram **grown, *dg;

	dg = malloc(sizeof(*dg) + len);
	if (!dg)
		return -ENOMEM;
	grown = realloc(p->dgrams, (p->nr_dgrams + 1) * sizeof(*grown));
	if (!grown) {
		free(dg);
		return -ENOMEM;
	}
	memcpy(&dg->rec, rec->data, sizeof(dg->rec));
	memcpy(dg->data, (const uint8_t *)rec->data + sizeof(dg->rec), len);
	dg->len = len;
	p->dgrams = grown;
	p->dgrams[p->nr_dgrams++] = dg;
	return 0;
}

/* inet_sk first, then sockopts, then a conn and its queues, or datagrams. */
static int take_record(struct inet_file *p, const struct img_rec *rec)
{
	switch (rec->type) {
	case REC_SOCKOPTS:
		if (p->has_opts)
			return -EINVAL;
		memcpy(&p->opts, rec->data, sizeof(p->opts));
		p->has_opts = 1;
		return 0;
	case REC_TCP_CONN:
		if (!p->has_opts || p->has_conn || p->sk.protocol != IPPROTO_TCP)
			return -EINVAL;
		memcpy(&p->conn, rec->data, sizeof(p->conn));
		p->has_conn = 1;
		return 0;
	case REC_TCP_SEND_DATA:
		if (!p->has_conn || p->recv_got)
			return -EINVAL;
		return add_queue_bytes(&p->send_data, &p->send_got, p->conn.send_len, rec);
	case REC_TCP_RECV_DATA:
		if (!p->has_conn)
			return -EINVAL;
		return add_queue_bytes(&p->recv_data, &p->recv_got, p->conn.recv_len, rec);
	case REC_INET_DGRAM:
		if (!p->has_opts || p->sk.protocol != IPPROTO_UDP)
			return -EINVAL;
		return add_dgram(p, rec);
	}
	return -EINVAL;
}

static int load_inet(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct inet_file *p = f->priv;
	int ret;

	if (rec->type == REC_INET_SK && !p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		memcpy(&p->sk, rec->data, sizeof(p->sk));
		f->priv = p;
		return 0;
	}
	if (!p)
		return unexpected(img, f, rec->type);
	ret = take_record(p, rec);
	if (ret == -EINVAL)
		return unexpected(img, f, rec->type);
	return ret;
}

static int bad_socket(const struct image_file *f, const char *why)
{
	pr_err("files.img: file %u: %s", f->rec.id, why);
	return -EINVAL;
}

static int check_tcp(const struct image_file *f, const struct inet_file *p)
{
	const struct rec_inet_sk *sk = &p->sk;

	if (sk->state != INET_ESTABLISHED && sk->state != INET_LISTEN && sk->state != INET_CLOSED)
		return bad_socket(f, "a TCP socket in a state cryo does not restore");
	if (sk->state == INET_LISTEN && !sk->src_port)
		return bad_socket(f, "a listening socket without a port");
	if (sk->state != INET_ESTABLISHED)
		return p->has_conn ? bad_socket(f, "a connection's state on a socket without one")
				   : 0;
	if (!p->has_conn || !sk->src_port || !sk->dst_port)
		return bad_socket(f, "an established connection without its state or its ends");
	if (p->conn.unsent_len > p->conn.send_len || p->send_got != p->conn.send_len ||
	    p->recv_got != p->conn.recv_len)
		return bad_socket(f, "a connection's queues are not as long as announced");
	return 0;
}

static int check_inet(const struct file_pool *pool, const struct image_file *f)
{
	const struct inet_file *p = f->priv;

	if (!p || !p->has_opts)
		return bad_socket(f, "an inet socket without its records");
	if (p->sk.family != AF_INET && p->sk.family != AF_INET6)
		return bad_socket(f, "an inet socket of an unknown family");
	if (p->sk.src_port > 65535 || p->sk.dst_port > 65535)
		return bad_socket(f, "a port number above 65535");
	if (p->sk.sock_type == SOCK_STREAM && p->sk.protocol == IPPROTO_TCP)
		return check_tcp(f, p);
	if (p->sk.sock_type != SOCK_DGRAM || p->sk.protocol != IPPROTO_UDP)
		return bad_socket(f, "an inet socket neither TCP nor UDP");
	if (p->sk.state != INET_ESTABLISHED && p->sk.state != INET_CLOSED)
		return bad_socket(f, "a UDP socket in a state cryo does not restore");
	if ((p->sk.state == INET_ESTABLISHED && !p->sk.dst_port) ||
	    (p->nr_dgrams && !p->sk.src_port))
		return bad_socket(f,
				  "a UDP socket connected or holding datagrams, without its ends");
	return 0;
}

static int is_tcp_conn(const struct inet_file *p)
{
	return p->sk.protocol == IPPROTO_TCP && p->sk.state == INET_ESTABLISHED;
}

static int rank_inet(const struct image_file *f)
{
	return is_tcp_conn(f->priv) ? RANK_LAST : RANK_NORMAL;
}

void inet_file_ends(const struct inet_file *p, struct inet_endpoint *src, struct inet_endpoint *dst)
{
	memcpy(src->addr, p->sk.src_addr, 16);
	src->port = p->sk.src_port;
	src->scope = p->sk.src_scope;
	memcpy(dst->addr, p->sk.dst_addr, 16);
	dst->port = p->sk.dst_port;
	dst->scope = p->sk.dst_scope;
}

static int set_opt(int sk, int level, int name, const char *what, int val, uint32_t id)
{
	if (setsockopt(sk, level, name, &val, sizeof(val)))
		return pr_perror("cannot set %s of socket (file %u)", what, id);
	return 0;
}

int inet_bind(int sk, const struct inet_file *p, uint32_t id)
{
	char text[INET_ENDPOINT_STRLEN];
	struct inet_endpoint src, dst;
	struct sockaddr_storage ss;
	socklen_t len;
	int ret = 0;

	if (p->sk.family == AF_INET6)
		ret = set_opt(sk, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", p->sk.v6only, id);
	if (ret || !p->sk.src_port)
		return ret;
	inet_file_ends(p, &src, &dst);
	len = inet_endpoint_to(p->sk.family, &src, &ss);
	if (bind(sk, (struct sockaddr *)&ss, len))
		return pr_perror("cannot bind socket (file %u) to %s", id,
				 inet_endpoint_str(&src, text));
	return 0;
}

int inet_connect(int sk, const struct inet_file *p, uint32_t id)
{
	char text[INET_ENDPOINT_STRLEN];
	struct inet_endpoint src, dst;
	struct sockaddr_storage ss;
	socklen_t len;

	inet_file_ends(p, &src, &dst);
	len = inet_endpoint_to(p->sk.family, &dst, &ss);
	if (connect(sk, (struct sockaddr *)&ss, len))
		return pr_perror("cannot connect socket (file %u) to %s", id,
				 inet_endpoint_str(&dst, text));
	return 0;
}

static int restore_tcp_opts(int sk, const struct rec_inet_sk *r, uint32_t id)
{
	int ret;

	ret = set_opt(sk, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", r->nodelay, id);
	if (!ret)
		ret = set_opt(sk, IPPROTO_TCP, TCP_CORK, "TCP_CORK", r->cork, id);
	if (!ret && r->keepidle)
		ret = set_opt(sk, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", r->keepidle, id);
	if (!ret && r->keepintvl)
		ret = set_opt(sk, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", r->keepintvl, id);
	if (!ret && r->keepcnt)
		ret = set_opt(sk, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", r->keepcnt, id);
	return ret;
}

int inet_finish(int sk, const struct inet_file *p, uint32_t id)
{
	int ret;

	if (p->sk.family == AF_INET)
		ret = set_opt(sk, IPPROTO_IP, IP_TOS, "IP_TOS", p->sk.tos, id);
	else
		ret = set_opt(sk, IPPROTO_IPV6, IPV6_TCLASS, "IPV6_TCLASS", p->sk.tos, id);
	if (!ret && p->sk.protocol == IPPROTO_TCP)
		ret = restore_tcp_opts(sk, &p->sk, id);
	return ret ? ret : restore_sockbufs(sk, &p->opts, id);
}

/* A socket that is not an established connection. */
static int restore_plain(int sk, const struct inet_file *p, uint32_t id)
{
	int ret;

	ret = restore_sockopts(sk, &p->opts, id);
	if (!ret)
		ret = inet_bind(sk, p, id);
	if (!ret && p->sk.state == INET_LISTEN && listen(sk, p->sk.backlog))
		ret = pr_perror("cannot listen on socket (file %u)", id);
	if (!ret && p->nr_dgrams)
		ret = refill_datagrams(sk, p, id);
	if (!ret && p->sk.protocol == IPPROTO_UDP && p->sk.state == INET_ESTABLISHED)
		ret = inet_connect(sk, p, id);
	return ret ? ret : inet_finish(sk, p, id);
}

static int open_inet(struct file_pool *pool, struct image_file *f)
{
	const struct inet_file *p = f->priv;
	int sk, ret;

	sk = socket(p->sk.family, p->sk.sock_type | SOCK_CLOEXEC, p->sk.protocol);
	if (sk < 0)
		return pr_perror("cannot create a socket (file %u)", f->rec.id);
	ret = is_tcp_conn(p) ? restore_tcp_conn(sk, p, f->rec.id) : restore_plain(sk, p, f->rec.id);
	if (ret) {
		close(sk);
		return ret;
	}
	return sk;
}

/* The connections locked at dump are restored: let their packets through. */
static void unlock_conns(struct file_pool *pool)
{
	struct netlock_conn *conns = calloc(pool->nr ? pool->nr : 1, sizeof(*conns));
	size_t i, nr = 0;

	if (!conns) {
		pr_err("no memory to unlock the restored TCP connections");
		return;
	}
	for (i = 0; i < pool->nr; i++) {
		const struct image_file *f = &pool->files[i];

		if (f->rec.kind == FILE_INET && is_tcp_conn(f->priv)) {
			inet_file_ends(f->priv, &conns[nr].local, &conns[nr].remote);
			nr++;
		}
	}
	netlock_unlock(conns, nr);
	free(conns);
}

static void release_inet(struct image_file *f)
{
	struct inet_file *p = f->priv;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr_dgrams; i++)
		free(p->dgrams[i]);
	free(p->dgrams);
	free(p->send_data);
	free(p->recv_data);
	free(p);
}

const struct file_restorer inet_restorer = {
    .load = load_inet,
    .check = check_inet,
    .rank = rank_inet,
    .open = open_inet,
    .tree_running = unlock_conns,
    .release = release_inet,
};
