// SPDX-License-Identifier: MIT
/*
 * The SOL_SOCKET options of a socket, any family: address reuse, keepalive, buffers and whether
 * the program set them (SO_BUF_LOCK: the kernel no longer tunes a buffer the program sized),
 * linger, timeouts, the device bound to, the peek offset.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/socket.h"

int sock_get_u32(int sk, int level, int name, const char *what, const struct dump_fd *d,
		 uint32_t *val)
{
	socklen_t len;
	int v = 0;

	len = sizeof(v);
	if (getsockopt(sk, level, name, &v, &len))
		return pr_perror("cannot read %s of socket fd %d of %d", what, d->fd, d->pid);
	*val = v;
	return 0;
}

/* The options that are one int, and where each goes in the record. */
#define INT_OPT(name, field)                                                                       \
	{                                                                                          \
		name, #name, offsetof(struct rec_sockopts, field)                                  \
	}
static const struct {
	int name;
	const char *what;
	size_t offset;
} int_opts[] = {
    INT_OPT(SO_REUSEADDR, reuseaddr), INT_OPT(SO_REUSEPORT, reuseport),
    INT_OPT(SO_KEEPALIVE, keepalive), INT_OPT(SO_BROADCAST, broadcast),
    INT_OPT(SO_OOBINLINE, oobinline), INT_OPT(SO_PRIORITY, priority),
    INT_OPT(SO_MARK, mark),	      INT_OPT(SO_RCVLOWAT, rcvlowat),
    INT_OPT(SO_SNDBUF, sndbuf),	      INT_OPT(SO_RCVBUF, rcvbuf),
    INT_OPT(SO_BUF_LOCK, buf_lock),   INT_OPT(SO_BINDTOIFINDEX, bound_ifindex),
    INT_OPT(SO_PEEK_OFF, peek_off),
};

static int get_timeout(int sk, int name, const char *what, const struct dump_fd *d, uint64_t *us)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (getsockopt(sk, SOL_SOCKET, name, &tv, &len))
		return pr_perror("cannot read %s of socket fd %d of %d", what, d->fd, d->pid);
	*us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	return 0;
}

static int get_linger(int sk, const struct dump_fd *d, struct rec_sockopts *o)
{
	struct linger l;
	socklen_t len = sizeof(l);

	if (getsockopt(sk, SOL_SOCKET, SO_LINGER, &l, &len))
		return pr_perror("cannot read SO_LINGER of socket fd %d of %d", d->fd, d->pid);
	o->linger_on = l.l_onoff;
	o->linger_secs = l.l_linger;
	return 0;
}

int dump_sockopts(int sk, const struct dump_fd *d, struct img *img)
{
	struct rec_sockopts o = {0};
	uint32_t v;
	size_t i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(int_opts) && !ret; i++) {
		ret = sock_get_u32(sk, SOL_SOCKET, int_opts[i].name, int_opts[i].what, d, &v);
		memcpy((uint8_t *)&o + int_opts[i].offset, &v, sizeof(v));
	}
	if (!ret)
		ret = get_linger(sk, d, &o);
	if (!ret)
		ret = get_timeout(sk, SO_RCVTIMEO, "SO_RCVTIMEO", d, &o.rcvtimeo_us);
	if (!ret)
		ret = get_timeout(sk, SO_SNDTIMEO, "SO_SNDTIMEO", d, &o.sndtimeo_us);
	return ret ? ret : img_write(img, REC_SOCKOPTS, &o, sizeof(o));
}
