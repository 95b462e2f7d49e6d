/* SPDX-License-Identifier: MIT */
/*
 * The byte streams of wl_tcp_conn and wl_tcp_peer, the two ends of one TCP connection. Each end
 * sends STREAM_LEN bytes of the pseudo-random stream of its own random seed, which it sends
 * first; each checks every byte it receives against the other's stream, and that the stream
 * ends (the other end's shutdown) exactly after STREAM_LEN bytes. A lost, repeated or changed
 * byte, a reset, or a stream that ends early or late is a FAIL.
 */
#ifndef CRYO_TESTS_WL_TCP_STREAM_H
#define CRYO_TESTS_WL_TCP_STREAM_H

#include "workload.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STREAM_LEN (8u << 20)
#define STREAM_TIMEOUT_NS (120ll * 1000 * 1000 * 1000)

struct stream {
	const char *who;
	int fd;
	uint8_t *out; /* what this end sends */
	size_t sent;
	size_t hold; /* the last bytes of out, not sent until hold is 0 again */
	bool shut;   /* all sent, and the write side shut down */
	uint8_t *in; /* what the other end sends */
	size_t got;
	bool eof;
	bool failed;
};

static inline void stream_put(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, 0) != (ssize_t)len)
		wl_die("send: %s", strerror(errno));
}

static inline void stream_get(int fd, void *buf, size_t len)
{
	if (recv(fd, buf, len, MSG_WAITALL) != (ssize_t)len)
		wl_die("recv: %s", strerror(errno));
}

/* Both streams, after the seeds went both ways over fd. */
static inline void stream_init(struct stream *s, const char *who, int fd)
{
	uint64_t mine = wl_random_u64(), theirs;

	stream_put(fd, &mine, sizeof(mine));
	stream_get(fd, &theirs, sizeof(theirs));
	*s = (struct stream){.who = who, .fd = fd};
	s->out = malloc(STREAM_LEN);
	s->in = malloc(STREAM_LEN);
	if (!s->out || !s->in)
		wl_die("out of memory");
	wl_fill(s->out, STREAM_LEN, mine);
	wl_fill(s->in, STREAM_LEN, theirs);
}

static inline bool stream_done(const struct stream *s)
{
	return s->failed || (s->shut && s->eof);
}

static inline void stream_write(struct stream *s)
{
	ssize_t n;

	if (s->sent >= STREAM_LEN - s->hold)
		return;
	n = send(s->fd, s->out + s->sent, STREAM_LEN - s->hold - s->sent, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (!wl_check(n > 0, "%s: send after %zu bytes: %s", s->who, s->sent, strerror(errno))) {
		s->failed = true;
		return;
	}
	s->sent += n;
	if (s->sent == STREAM_LEN) {
		s->failed = !wl_check(!shutdown(s->fd, SHUT_WR), "%s: shutdown: %s", s->who,
				      strerror(errno));
		s->shut = true;
	}
}

static inline void stream_read(struct stream *s)
{
	static uint8_t buf[256 * 1024];
	ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	size_t i;

	if (n < 0 && errno == EAGAIN)
		return;
	if (!wl_check(n >= 0, "%s: recv after %zu bytes: %s", s->who, s->got, strerror(errno))) {
		s->failed = true;
		return;
	}
	if (n == 0) {
		s->eof = true;
		s->failed = !wl_check(s->got == STREAM_LEN, "%s: the stream ended after %zu bytes",
				      s->who, s->got);
		return;
	}
	if (!wl_check(s->got + n <= STREAM_LEN, "%s: more than %u bytes came", s->who,
		      STREAM_LEN)) {
		s->failed = true;
		return;
	}
	if (memcmp(buf, s->in + s->got, n)) {
		for (i = 0; buf[i] == s->in[s->got + i]; i++)
			;
		wl_check(false, "%s: byte %zu of the stream differs", s->who, s->got + i);
		s->failed = true;
		return;
	}
	s->got += n;
}

/*
 * Move bytes for at most timeout_ms: send while the socket takes them, receive only if
 * may_read. Returns when something happened or the time is up.
 */
static inline void stream_step(struct stream *s, bool may_read, int timeout_ms)
{
	struct pollfd p = {.fd = s->fd};

	p.events =
	    (s->sent < STREAM_LEN - s->hold ? POLLOUT : 0) | (may_read && !s->eof ? POLLIN : 0);
	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	if (p.revents & (POLLERR | POLLNVAL)) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		wl_check(false, "%s: the connection failed: %s", s->who, strerror(err));
		s->failed = true;
		return;
	}
	if (p.revents & POLLOUT)
		stream_write(s);
	if (may_read && !s->eof && (p.revents & (POLLIN | POLLHUP)))
		stream_read(s);
}

/* Until both streams are through, or STREAM_TIMEOUT_NS. */
static inline void stream_finish(struct stream *s)
{
	int64_t deadline = wl_now_ns() + STREAM_TIMEOUT_NS;

	s->hold = 0;
	while (!stream_done(s) && wl_now_ns() < deadline)
		stream_step(s, true, 100);
	wl_check(stream_done(s), "%s: after %lld s, %zu bytes sent, %zu received", s->who,
		 STREAM_TIMEOUT_NS / 1000000000, s->sent, s->got);
}

#endif
