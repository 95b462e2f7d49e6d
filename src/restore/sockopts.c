// SPDX-License-Identifier: MIT
/*
 * The SOL_SOCKET options of a socket, any family. Options at their default are left alone. The
 * buffers come last, after the queues were put back: setting a size marks it as the program's
 * (no more autotuning), so each is set, then SO_BUF_LOCK says again which ones the program had
 * set. A size is given as half of what getsockopt() reported (the kernel doubles it), with
 * SO_SNDBUFFORCE and SO_RCVBUFFORCE: they ignore the system's maximum (net.core.wmem_max and
 * rmem_max), which may have changed since the program's size was accepted.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/log.h"
#include "restore/socket.h"

static int set_int(int sk, int name, const char *what, int val, uint32_t id)
{
	if (setsockopt(sk, SOL_SOCKET, name, &val, sizeof(val)))
		return pr_perror("cannot set %s of socket (file %u)", what, id);
	return 0;
}

static int set_timeout(int sk, int name, const char *what, uint64_t us, uint32_t id)
{
	struct timeval tv = {.tv_sec = us / 1000000, .tv_usec = us % 1000000};

	if (us && setsockopt(sk, SOL_SOCKET, name, &tv, sizeof(tv)))
		return pr_perror("cannot set %s of socket (file %u)", what, id);
	return 0;
}

static int set_linger(int sk, const struct rec_sockopts *o, uint32_t id)
{
	struct linger l = {.l_onoff = o->linger_on, .l_linger = o->linger_secs};

	if (o->linger_on && setsockopt(sk, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		return pr_perror("cannot set SO_LINGER of socket (file %u)", id);
	return 0;
}

/* An option set only when it is not the default, named as the program would name it. */
#define SET_IF(cond, name, val) ((cond) ? set_int(sk, name, #name, val, id) : 0)

int restore_sockopts(int sk, const struct rec_sockopts *o, uint32_t id)
{
	int ret;

	ret = SET_IF(o->reuseaddr, SO_REUSEADDR, 1);
	if (!ret)
		ret = SET_IF(o->reuseport, SO_REUSEPORT, 1);
	if (!ret)
		ret = SET_IF(o->keepalive, SO_KEEPALIVE, 1);
	if (!ret)
		ret = SET_IF(o->broadcast, SO_BROADCAST, 1);
	if (!ret)
		ret = SET_IF(o->oobinline, SO_OOBINLINE, 1);
	if (!ret)
		ret = SET_IF(o->priority, SO_PRIORITY, o->priority);
	if (!ret)
		ret = SET_IF(o->mark, SO_MARK, o->mark);
	if (!ret)
		ret = SET_IF(o->rcvlowat != 1, SO_RCVLOWAT, o->rcvlowat);
	if (!ret)
		ret = SET_IF(o->bound_ifindex, SO_BINDTOIFINDEX, o->bound_ifindex);
	if (!ret)
		ret = SET_IF(o->peek_off >= 0, SO_PEEK_OFF, o->peek_off);
	if (!ret)
		ret = set_linger(sk, o, id);
	if (!ret)
		ret = set_timeout(sk, SO_RCVTIMEO, "SO_RCVTIMEO", o->rcvtimeo_us, id);
	if (!ret)
		ret = set_timeout(sk, SO_SNDTIMEO, "SO_SNDTIMEO", o->sndtimeo_us, id);
	return ret;
}

/* Room for the bytes, with the kernel's overhead per buffer; twice is plenty. */
static int grow_buffer(int sk, int get, int force, const char *what, size_t bytes, uint32_t id)
{
	int cur = 0;
	socklen_t len = sizeof(cur);
	size_t want = 2 * bytes + 65536;

	if (!bytes)
		return 0;
	if (getsockopt(sk, SOL_SOCKET, get, &cur, &len))
		return pr_perror("cannot read %s of socket (file %u)", what, id);
	if ((size_t)cur >= want)
		return 0;
	return set_int(sk, force, what, want / 2, id);
}

int make_sock_room(int sk, size_t send, size_t recv, uint32_t id)
{
	return grow_buffer(sk, SO_SNDBUF, SO_SNDBUFFORCE, "SO_SNDBUFFORCE", send, id)
		   ?: grow_buffer(sk, SO_RCVBUF, SO_RCVBUFFORCE, "SO_RCVBUFFORCE", recv, id);
}

int restore_sockbufs(int sk, const struct rec_sockopts *o, uint32_t id)
{
	int ret;

	ret = set_int(sk, SO_SNDBUFFORCE, "SO_SNDBUFFORCE", o->sndbuf / 2, id);
	if (!ret)
		ret = set_int(sk, SO_RCVBUFFORCE, "SO_RCVBUFFORCE", o->rcvbuf / 2, id);
	if (!ret)
		ret = set_int(sk, SO_BUF_LOCK, "SO_BUF_LOCK", o->buf_lock, id);
	return ret;
}
