// SPDX-License-Identifier: MIT
/*
 * The receive queue of a unix socket, read without being consumed: MSG_PEEK at the offsets
 * SO_PEEK_OFF sets, message after message (a datagram longer than the buffer is read again,
 * whole, from where it starts), each written as unix_msg records with its sender's address. The
 * socket's peek offset is put back as it was. Descriptors in flight and out-of-band data, which
 * restore could not send again, are refused.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "dump/unix-queue.h"

/* A message, in records of at most REC_MAX_PAYLOAD bytes; the first one has the address. */
static int write_msg(struct img *img, const uint8_t *addr, uint32_t addr_len, const uint8_t *data,
		     size_t len)
{
	static uint8_t buf[REC_MAX_PAYLOAD];
	struct rec_unix_msg *m = (struct rec_unix_msg *)buf;
	int ret;

	do {
		size_t room = sizeof(buf) - sizeof(*m) - addr_len, n = len < room ? len : room;

		m->flags = n < len ? UNIX_MSG_MORE : 0;
		m->addr_len = addr_len;
		memcpy(buf + sizeof(*m), addr, addr_len);
		memcpy(buf + sizeof(*m) + addr_len, data, n);
		ret = img_write(img, REC_UNIX_MSG, buf, sizeof(*m) + addr_len + n);
		data += n;
		len -= n;
		addr_len = 0;
	} while (!ret && len);
	return ret;
}

/*
 * Descriptors passed with a message are not restored: refused. The peek gave cryo copies of them
 * (and, with SO_PASSPIDFD, a pidfd of the sender): closed.
 */
static int refuse_passed_fds(struct msghdr *m, const char *who)
{
	struct cmsghdr *c;
	int passed = 0;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		int *fds = (int *)CMSG_DATA(c), i, n;

		if (c->cmsg_level != SOL_SOCKET ||
		    (c->cmsg_type != SCM_RIGHTS && c->cmsg_type != SCM_PIDFD))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++)
			close(fds[i]);
		if (c->cmsg_type == SCM_RIGHTS)
			passed += n;
	}
	if (!passed && !(m->msg_flags & MSG_CTRUNC))
		return 0;
	pr_err("%s: descriptors in flight in a unix socket's queue (SCM_RIGHTS): not supported yet",
	       who);
	return -ENOTSUP;
}

static int set_peek_off(int fd, int off, const char *who)
{
	if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
		return pr_perror("%s: cannot set SO_PEEK_OFF", who);
	return 0;
}

/* A queue being read, from peek offset 0. */
struct peek {
	int fd;
	int stream;
	int empty_ends; /* an empty message is the end of the queue, not a message */
	const char *who;
	uint8_t *buf;
	size_t cap;
	int pos;		      /* the peek offset */
	struct unix_queue_size *size; /* read so far */
};

/* One message at the peek offset: 1, 0 at the end of the queue, or -errno. */
static int peek_one(struct peek *p, struct img *img)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_un from;
	struct iovec iov = {p->buf, p->cap};
	struct msghdr m = {&from, sizeof(from), &iov, 1, ctl.buf, sizeof(ctl.buf), 0};
	uint32_t addr_len = 0;
	ssize_t n;
	int ret;

	n = recvmsg(p->fd, &m, MSG_PEEK | MSG_DONTWAIT | (p->stream ? 0 : MSG_TRUNC));
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		return pr_perror("%s: cannot peek at a message", p->who);
	ret = refuse_passed_fds(&m, p->who);
	if (ret)
		return ret;
	if ((size_t)n > p->cap) {
		/* A datagram longer than the buffer: again, whole, from where it starts. */
		uint8_t *grown = realloc(p->buf, n);

		if (!grown)
			return -ENOMEM;
		p->buf = grown;
		p->cap = n;
		ret = set_peek_off(p->fd, p->pos, p->who);
		return ret ? ret : peek_one(p, img);
	}
	if (!n && p->empty_ends)
		return 0;
	if (!p->stream && m.msg_namelen > offsetof(struct sockaddr_un, sun_path))
		addr_len = m.msg_namelen - offsetof(struct sockaddr_un, sun_path);
	ret = write_msg(img, (uint8_t *)from.sun_path, addr_len, p->buf, n);
	p->pos += n;
	p->size->bytes += n;
	p->size->msgs++;
	return ret ? ret : 1;
}

/* Shut down for receiving (by itself, or its peer for sending): POLLRDHUP says it. */
static int receiving_shut(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP);
}

/* A stream's out-of-band byte would come back among its ordinary bytes: refused. */
static int refuse_oob(int fd, const char *who)
{
	char c;

	if (recv(fd, &c, 1, MSG_OOB | MSG_PEEK | MSG_DONTWAIT) < 0)
		return 0;
	pr_err("%s: out-of-band data (MSG_OOB) waits in a unix socket: not supported", who);
	return -ENOTSUP;
}

/*
 * At the end of the queue of a seqpacket socket shut down for receiving, a peek reads an empty
 * message: there, one ends the queue.
 */
int dump_unix_queue(int fd, uint8_t type, const char *who, struct img *img,
		    struct unix_queue_size *size)
{
	struct peek p = {fd, type == SOCK_STREAM, 0, who, NULL, 32 * 1024, 0, size};
	socklen_t len = sizeof(int);
	int old, ret = p.stream ? refuse_oob(fd, who) : 0;

	if (ret)
		return ret;
	if (getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &old, &len))
		return pr_perror("%s: cannot read SO_PEEK_OFF", who);
	p.empty_ends = p.stream || (type == SOCK_SEQPACKET && receiving_shut(fd));
	p.buf = malloc(p.cap);
	if (!p.buf)
		return -ENOMEM;
	ret = set_peek_off(fd, 0, who);
	while (!ret && (ret = peek_one(&p, img)) == 1)
		ret = 0;
	free(p.buf);
	return set_peek_off(fd, old, who) ?: ret;
}
