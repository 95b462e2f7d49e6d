// SPDX-License-Identifier: MIT
/*
 * Every unix socket of the pool, made by cryo before the tree, connected as it was, in steps:
 *
 *   plan     how each socket is made: a connected pair of the tree without addresses is a
 *            socketpair(); one with an address comes from accept() on a listener of that address
 *            (the tree's, or a temporary one), its peer connecting; a socket whose peer is closed
 *            gets a partner closed at the end; the others are socket(), bound to their address
 *   make     sockets, pairs, bound addresses (a stale socket file of the dumped socket removed);
 *            then listen()
 *   connect  the accepted ends; then, in queue order, the connections waiting in listeners,
 *            with what their clients had sent
 *   queues   what waited in each receive queue, sent again from the peer's side, in order: a
 *            stream's bytes, a seqpacket's messages, datagrams each from a socket of its sender's
 *            address (the tree's, or a temporary one) so that recvfrom() names it
 *   finish   datagram sockets connected to their peer's address; sockets connected outside the
 *            tree connected to its address again; shutdown; options; partners closed
 *
 * The order matters: a datagram socket receives from others only until it connects, a sender's
 * queue must be full before shutdown, SO_PASSCRED must not autobind a socket before it connects,
 * and a listener's queue must be empty of the accepted ends before the waiting connections.
 * Each socket may send what it must: its send buffer is as large as possible until the options.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "restore/unix-sk.h"

/* A listener for an address whose listener is gone, to make its accepted ends. */
struct temp_listener {
	int fd;
	uint32_t type;
	const struct unix_file *model; /* an end it accepts for: its address and socket file */
};

struct build {
	struct unix_file **sks;
	size_t nr;
	struct temp_listener *temps;
	size_t nr_temps;
};

static unsigned long ino_of(const struct unix_file *u)
{
	return (unsigned long)u->rec.ino;
}

static int is_path(const uint8_t *name, uint32_t len)
{
	return len && name[0];
}

/* An address for messages: the path, or '@' and the abstract name. */
static const char *addr_text(const uint8_t *name, uint32_t len, char *buf, size_t size)
{
	uint32_t i;

	if (!len)
		return "(no address)";
	if (is_path(name, len)) {
		snprintf(buf, size, "%.*s", (int)len, name);
		return buf;
	}
	for (i = 1; i < len && i < size - 1; i++)
		buf[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	buf[0] = '@';
	buf[i < size ? i : size - 1] = '\0';
	return buf;
}

static socklen_t make_addr(struct sockaddr_un *sa, const uint8_t *name, uint32_t len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, len);
	return offsetof(struct sockaddr_un, sun_path) + len;
}

static int same_name(const uint8_t *a, uint32_t a_len, const uint8_t *b, uint32_t b_len)
{
	return a_len && a_len == b_len && !memcmp(a, b, a_len);
}

/* Large enough to send again whatever waited: the options set the real size at the end. */
static int open_sndbuf(int fd)
{
	int size = INT_MAX / 2;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		return pr_perror("cannot enlarge the send buffer of a unix socket");
	return 0;
}

/*
 * Non-blocking while cryo makes them, so that nothing can hang it (a listener's queue full, a
 * send buffer full): files.c gives each its own flags when it is opened.
 */
static int new_socket(uint32_t type)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return pr_perror("cannot create a unix socket");
	if (open_sndbuf(fd)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int new_pair(uint32_t type, int sv[2])
{
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv))
		return pr_perror("cannot create a unix socket pair");
	if (open_sndbuf(sv[0]) || open_sndbuf(sv[1])) {
		close(sv[0]);
		close(sv[1]);
		return -EPERM;
	}
	return 0;
}

/*
 * The socket file a dumped socket left at path: removed if no socket is bound to it any more (a
 * datagram probe is refused), so that bind() can make it again. Anything else is in the way.
 */
static int clear_stale_path(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = make_addr(&sa, (const uint8_t *)path, strlen(path) + 1);
	struct stat st;
	int probe, err = 0;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : pr_perror("cannot look at %s", path);
	if (!S_ISSOCK(st.st_mode)) {
		pr_err("%s is in the way of a unix socket: it is no socket file", path);
		return -EEXIST;
	}
	probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return pr_perror("cannot create a unix socket");
	if (connect(probe, (struct sockaddr *)&sa, len))
		err = errno;
	close(probe);
	if (err != ECONNREFUSED) {
		pr_err("%s is the address of a unix socket in use", path);
		return -EADDRINUSE;
	}
	if (unlink(path))
		return pr_perror("cannot remove the stale socket file %s", path);
	return 0;
}

/* Bind to the address of u (its file: the mode and owner of a path's socket file). */
static int bind_address(int fd, const struct unix_file *u)
{
	char text[REC_UNIX_NAME_MAX + 2];
	const char *path = is_path(u->name, u->name_len) ? (const char *)u->name : NULL;
	struct sockaddr_un sa;
	socklen_t len = make_addr(&sa, u->name, u->name_len);
	int ret = path ? clear_stale_path(path) : 0;

	if (ret)
		return ret;
	if (bind(fd, (struct sockaddr *)&sa, len))
		return pr_perror("unix socket %lu: cannot bind it to %s", ino_of(u),
				 addr_text(u->name, u->name_len, text, sizeof(text)));
	if (!path || (u->rec.flags & UNIX_SK_PATH_GONE))
		return 0;
	if (chmod(path, u->rec.file_mode) || chown(path, u->rec.file_uid, u->rec.file_gid))
		return pr_perror("cannot give %s its mode and owner", path);
	return 0;
}

static int connect_to(int fd, const uint8_t *name, uint32_t name_len, const struct unix_file *u)
{
	char text[REC_UNIX_NAME_MAX + 2];
	struct sockaddr_un sa;
	socklen_t len = make_addr(&sa, name, name_len);

	if (connect(fd, (struct sockaddr *)&sa, len))
		return pr_perror("unix socket %lu: cannot connect to %s", ino_of(u),
				 addr_text(name, name_len, text, sizeof(text)));
	return 0;
}

/* ---- plan ------------------------------------------------------------------------------------ */

static struct unix_file *find_ino(const struct build *b, uint64_t ino)
{
	size_t i;

	for (i = 0; i < b->nr; i++)
		if (b->sks[i]->rec.ino == ino)
			return b->sks[i];
	return NULL;
}

static struct unix_file *tree_listener(const struct build *b, uint32_t type, const uint8_t *name,
				       uint32_t len)
{
	size_t i;

	for (i = 0; i < b->nr; i++) {
		struct unix_file *l = b->sks[i];

		if ((l->rec.flags & UNIX_SK_LISTENING) && l->rec.type == type &&
		    same_name(l->name, l->name_len, name, len))
			return l;
	}
	return NULL;
}

static int bad_plan(const struct unix_file *u, const char *why)
{
	pr_err("files.img: unix socket %lu: %s", ino_of(u), why);
	return -EINVAL;
}

static int connected_back(const struct unix_file *u)
{
	return u->peer && u->peer->rec.peer == UNIX_PEER_TREE &&
	       u->peer->rec.peer_ino == u->rec.ino;
}

/*
 * Of a connected pair of the tree with an address, the end accept() makes: the one with the
 * address of a listener of the tree, else the one with an address, else either (the same one
 * seen from both ends). Its address then comes from the listener, as it did.
 */
static int accepted_end(const struct build *b, const struct unix_file *u)
{
	const struct unix_file *p = u->peer;
	int mine = u->name_len && tree_listener(b, u->rec.type, u->name, u->name_len);
	int theirs = p->name_len && tree_listener(b, p->rec.type, p->name, p->name_len);

	if (mine != theirs)
		return mine;
	if (!u->name_len != !p->name_len)
		return u->name_len != 0;
	return u->rec.ino < p->rec.ino;
}

static int plan_stream(const struct build *b, struct unix_file *u)
{
	if (u->rec.peer == UNIX_PEER_CLOSED)
		u->how = u->name_len ? MAKE_ACCEPTED : MAKE_PAIR_CLOSED;
	if (u->rec.peer != UNIX_PEER_TREE)
		return 0;
	if (!connected_back(u) || u->peer->rec.type != u->rec.type)
		return bad_plan(u, "its peer is not connected to it");
	if (!u->name_len && !u->peer->name_len)
		u->how = MAKE_PAIR;
	else if (accepted_end(b, u))
		u->how = MAKE_ACCEPTED;
	return 0;
}

/* A datagram socket connected one way, or with addresses at both ends, connects at the end. */
static int plan_dgram(struct unix_file *u)
{
	if (u->rec.peer == UNIX_PEER_CLOSED && !u->name_len)
		u->how = MAKE_PAIR_CLOSED;
	if (u->rec.peer != UNIX_PEER_TREE)
		return 0;
	if (u->peer->rec.type != SOCK_DGRAM)
		return bad_plan(u, "its peer is no datagram socket");
	if (connected_back(u) && (!u->name_len || !u->peer->name_len))
		u->how = MAKE_PAIR;
	else if (!u->peer->name_len)
		return bad_plan(u, "its peer has no address and is not connected to it");
	return 0;
}

static int waits_in(const struct unix_file *u, const struct unix_file *l)
{
	size_t i;

	if (!(l->rec.flags & UNIX_SK_LISTENING) || l->rec.type != u->rec.type)
		return 0;
	for (i = 0; i < l->nr_pending; i++)
		if (l->pending[i].client_ino == u->rec.ino)
			return 1;
	return 0;
}

static int plan_socket(const struct build *b, struct unix_file *u)
{
	u->how = MAKE_SOCKET;
	if (u->rec.peer == UNIX_PEER_TREE || u->rec.peer == UNIX_PEER_PENDING) {
		u->peer = find_ino(b, u->rec.peer_ino);
		if (!u->peer)
			return bad_plan(u, "its peer is not in the images");
	}
	if (u->rec.peer == UNIX_PEER_PENDING && !waits_in(u, u->peer))
		return bad_plan(u, "it waits in the queue of a socket that is no such listener");
	return u->rec.type == SOCK_DGRAM ? plan_dgram(u) : plan_stream(b, u);
}

/* ---- make ------------------------------------------------------------------------------------ */

static int make_socket(struct unix_file *u)
{
	int fd = new_socket(u->rec.type), ret;

	if (fd < 0)
		return fd;
	u->fd = fd;
	ret = u->name_len ? bind_address(fd, u) : 0;
	if (!ret && (u->rec.flags & UNIX_SK_LISTENING) && listen(fd, u->rec.backlog))
		ret = pr_perror("unix socket %lu: cannot listen", ino_of(u));
	return ret;
}

static int make_pair(struct unix_file *u)
{
	int sv[2], ret = new_pair(u->rec.type, sv);

	if (ret)
		return ret;
	u->fd = sv[0];
	if (u->how == MAKE_PAIR_CLOSED) {
		u->partner = sv[1];
		return 0;
	}
	u->peer->fd = sv[1];
	ret = u->name_len ? bind_address(u->fd, u) : 0;
	return !ret && u->peer->name_len ? bind_address(u->peer->fd, u->peer) : ret;
}

static int make_sockets(struct build *b)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < b->nr && !ret; i++) {
		struct unix_file *u = b->sks[i];

		if (u->fd >= 0 || u->how == MAKE_ACCEPTED)
			continue;
		ret = u->how == MAKE_SOCKET ? make_socket(u) : make_pair(u);
	}
	return ret;
}

/* ---- connect --------------------------------------------------------------------------------- */

/* The listener of u's address: the tree's, or a temporary one made for it. */
static int listener_of(struct build *b, const struct unix_file *u)
{
	struct unix_file *l = tree_listener(b, u->rec.type, u->name, u->name_len);
	struct temp_listener *grown;
	size_t i;
	int fd, ret;

	if (l)
		return l->fd;
	for (i = 0; i < b->nr_temps; i++)
		if (b->temps[i].type == u->rec.type &&
		    same_name(b->temps[i].model->name, b->temps[i].model->name_len, u->name,
			      u->name_len))
			return b->temps[i].fd;
	grown = realloc(b->temps, (b->nr_temps + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	b->temps = grown;
	fd = new_socket(u->rec.type);
	if (fd < 0)
		return fd;
	grown[b->nr_temps++] = (struct temp_listener){fd, u->rec.type, u};
	ret = bind_address(fd, u);
	if (!ret && listen(fd, SOMAXCONN))
		ret = pr_perror("cannot listen on a unix socket");
	return ret ? ret : fd;
}

/* An end made by accept(), its peer (or partner) connecting to the listener of its address. */
static int make_accepted(struct build *b, struct unix_file *u)
{
	int listener = listener_of(b, u), from, ret;

	if (listener < 0)
		return listener;
	if (u->rec.peer == UNIX_PEER_CLOSED) {
		u->partner = new_socket(u->rec.type);
		if (u->partner < 0)
			return u->partner;
	}
	from = u->rec.peer == UNIX_PEER_CLOSED ? u->partner : u->peer->fd;
	ret = connect_to(from, u->name, u->name_len, u);
	if (ret)
		return ret;
	u->fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (u->fd < 0)
		return pr_perror("unix socket %lu: cannot accept its connection", ino_of(u));
	return open_sndbuf(u->fd);
}

static int send_queue(int fd, const struct unix_queue *q, const struct unix_file *to);

/* The connections waiting in listener l, in order, each with what its client had sent. */
static int queue_pending(struct build *b, struct unix_file *l)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < l->nr_pending && !ret; i++) {
		const struct unix_pending *p = &l->pending[i];
		struct unix_file *c = p->client_ino ? find_ino(b, p->client_ino) : NULL;
		int fd;

		if (p->client_ino && (!c || c->peer != l))
			return bad_plan(l,
					"a connection waits from a socket that is not its client");
		/* A closed client: a socket of cryo's connects, sends, and closes. */
		fd = c ? c->fd : new_socket(l->rec.type);
		if (fd < 0)
			return fd;
		ret = connect_to(fd, l->name, l->name_len, l);
		if (!ret)
			ret = send_queue(fd, &p->queue, l);
		if (!c)
			close(fd);
	}
	return ret;
}

static int connect_sockets(struct build *b)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < b->nr && !ret; i++)
		if (b->sks[i]->how == MAKE_ACCEPTED)
			ret = make_accepted(b, b->sks[i]);
	for (i = 0; i < b->nr && !ret; i++)
		if (b->sks[i]->nr_pending)
			ret = queue_pending(b, b->sks[i]);
	return ret;
}

/* ---- queues ---------------------------------------------------------------------------------- */

/* One message, to the socket fd is connected to, or to address to. */
static int send_msg(int fd, const struct unix_msg *m, const struct unix_file *u,
		    const struct sockaddr_un *to, socklen_t to_len)
{
	size_t done = 0;

	do {
		ssize_t n = sendto(fd, m->data + done, m->len - done, MSG_DONTWAIT | MSG_NOSIGNAL,
				   (const struct sockaddr *)to, to ? to_len : 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pr_perror("unix socket %lu: cannot send again %zu bytes that waited "
					 "in its queue",
					 ino_of(u), m->len);
		done += n;
	} while (u->rec.type == SOCK_STREAM && done < m->len);
	return 0;
}

/* The messages of q, in order, from fd, connected to the socket that had them. */
static int send_queue(int fd, const struct unix_queue *q, const struct unix_file *to)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < q->nr && !ret; i++)
		ret = send_msg(fd, &q->msgs[i], to, NULL, 0);
	return ret;
}

/* The socket at the other end of u's connection, made by the build; -1 if none. */
static int other_end(const struct unix_file *u)
{
	if (u->partner >= 0)
		return u->partner;
	if (u->how == MAKE_PAIR || (u->rec.type != SOCK_DGRAM && u->rec.peer == UNIX_PEER_TREE))
		return u->peer->fd;
	return -1;
}

static int refill_streams(struct build *b)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < b->nr && !ret; i++) {
		struct unix_file *u = b->sks[i];

		if (u->rec.type == SOCK_DGRAM || !u->queue.nr)
			continue;
		if (other_end(u) < 0)
			return bad_plan(u, "bytes wait in it, and no peer can send them again");
		ret = send_queue(other_end(u), &u->queue, u);
	}
	return ret;
}

/* A datagram socket of the tree bound to the sender's address of m, if any. */
static struct unix_file *bound_to(const struct build *b, const struct unix_msg *m)
{
	size_t i;

	for (i = 0; i < b->nr; i++)
		if (b->sks[i]->rec.type == SOCK_DGRAM &&
		    same_name(b->sks[i]->name, b->sks[i]->name_len, m->addr, m->addr_len))
			return b->sks[i];
	return NULL;
}

/*
 * Give fd the sender's address of m, if it has none yet, and take it off the file system at once:
 * a socket of cryo's standing in for a sender that is gone. If the address is taken, the datagram
 * comes back from another address (a warning says it).
 */
static void take_sender_address(int fd, const struct unix_msg *m, const struct unix_file *u)
{
	char text[REC_UNIX_NAME_MAX + 2];
	struct sockaddr_un sa, now;
	socklen_t len = make_addr(&sa, m->addr, m->addr_len), now_len = sizeof(now);

	if (!m->addr_len)
		return;
	if (!getsockname(fd, (struct sockaddr *)&now, &now_len) && now_len == len &&
	    !memcmp(&now, &sa, len))
		return;
	if (bind(fd, (struct sockaddr *)&sa, len)) {
		pr_warn("unix socket %lu: a datagram from %s comes back from another address (%s)",
			ino_of(u), addr_text(m->addr, m->addr_len, text, sizeof(text)),
			strerror(errno));
		return;
	}
	if (is_path(m->addr, m->addr_len))
		unlink((const char *)m->addr);
}

/* One datagram that waited in u, from a socket of its sender's address. */
static int deliver(const struct build *b, const struct unix_file *u, const struct unix_msg *m)
{
	const struct unix_file *s = m->addr_len ? bound_to(b, m) : NULL;
	int end = other_end(u), fd, ret;
	struct sockaddr_un sa;
	socklen_t len = make_addr(&sa, u->name, u->name_len);

	/* The other end of a pair sends everything: nothing else can reach a socket connected to
	 * it. */
	if (u->how == MAKE_PAIR || (end >= 0 && (!s || s->fd == end))) {
		if (u->how == MAKE_PAIR_CLOSED)
			take_sender_address(end, m, u);
		return send_msg(end, m, u, NULL, 0);
	}
	if (!u->name_len)
		return bad_plan(u, "datagrams wait in it, and it has no address to send them to");
	if (s)
		return send_msg(s->fd, m, u, &sa, len);
	fd = new_socket(SOCK_DGRAM);
	if (fd < 0)
		return fd;
	take_sender_address(fd, m, u);
	ret = send_msg(fd, m, u, &sa, len);
	close(fd);
	return ret;
}

static int deliver_datagrams(struct build *b)
{
	size_t i, j;
	int ret = 0;

	for (i = 0; i < b->nr && !ret; i++) {
		const struct unix_file *u = b->sks[i];

		for (j = 0; u->rec.type == SOCK_DGRAM && j < u->queue.nr && !ret; j++)
			ret = deliver(b, u, &u->queue.msgs[j]);
	}
	return ret;
}

/* ---- finish ---------------------------------------------------------------------------------- */

/* A datagram socket whose peer is closed: connected to a socket of cryo's that then closes. */
static int connect_to_closed(const struct unix_file *u)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(sa);
	int fd = new_socket(SOCK_DGRAM), ret = 0;

	if (fd < 0)
		return fd;
	/* An address of the kernel's choosing (autobind): something to connect to. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) ||
	    connect(u->fd, (struct sockaddr *)&sa, len))
		ret = pr_perror("unix socket %lu: cannot connect it to a closed peer", ino_of(u));
	close(fd);
	return ret;
}

/* A datagram socket connected outside the tree: again if its address answers, else unconnected. */
static void connect_external_dgram(const struct unix_file *u)
{
	char text[REC_UNIX_NAME_MAX + 2];
	struct sockaddr_un sa;
	socklen_t len = make_addr(&sa, u->peer_name, u->peer_name_len);

	if (u->peer_name_len && connect(u->fd, (struct sockaddr *)&sa, len))
		pr_warn("unix socket %lu: cannot connect to %s again (%s): it stays unconnected",
			ino_of(u), addr_text(u->peer_name, u->peer_name_len, text, sizeof(text)),
			strerror(errno));
}

static int connect_at_end(const struct unix_file *u)
{
	if (u->rec.peer == UNIX_PEER_EXTERNAL && u->rec.type != SOCK_DGRAM)
		return connect_to(u->fd, u->peer_name, u->peer_name_len, u);
	if (u->rec.type != SOCK_DGRAM || u->how != MAKE_SOCKET)
		return 0;
	if (u->rec.peer == UNIX_PEER_TREE)
		return connect_to(u->fd, u->peer->name, u->peer->name_len, u);
	if (u->rec.peer == UNIX_PEER_CLOSED)
		return connect_to_closed(u);
	if (u->rec.peer == UNIX_PEER_EXTERNAL)
		connect_external_dgram(u);
	return 0;
}

static int set_int(int fd, int opt, int v)
{
	return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

static int set_timeout(int fd, int opt, uint64_t us)
{
	struct timeval tv = {.tv_sec = us / 1000000, .tv_usec = us % 1000000};

	return us ? setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) : 0;
}

/* Shutdown, then the options; the kernel doubles the buffer sizes it is given. */
static int finish_socket(const struct unix_file *u)
{
	const struct rec_unix_sk *r = &u->rec;
	int fd = u->fd;

	if (r->shutdown && shutdown(fd, r->shutdown - 1))
		return pr_perror("unix socket %lu: cannot shut it down", ino_of(u));
	if (((r->flags & UNIX_SK_PASSCRED) && set_int(fd, SO_PASSCRED, 1)) ||
	    ((r->flags & UNIX_SK_PASSSEC) && set_int(fd, SO_PASSSEC, 1)) ||
	    ((r->flags & UNIX_SK_PASSPIDFD) && set_int(fd, SO_PASSPIDFD, 1)) ||
	    set_int(fd, SO_SNDBUFFORCE, r->sndbuf / 2) ||
	    set_int(fd, SO_RCVBUFFORCE, r->rcvbuf / 2) ||
	    set_timeout(fd, SO_RCVTIMEO, r->rcvtimeo_us) ||
	    set_timeout(fd, SO_SNDTIMEO, r->sndtimeo_us) ||
	    (r->peek_off != -1 && set_int(fd, SO_PEEK_OFF, r->peek_off)))
		return pr_perror("unix socket %lu: cannot set its options", ino_of(u));
	return 0;
}

static int finish_sockets(struct build *b)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < b->nr && !ret; i++)
		ret = connect_at_end(b->sks[i]);
	for (i = 0; i < b->nr && !ret; i++)
		ret = finish_socket(b->sks[i]);
	return ret;
}

static void unlink_gone(const struct unix_file *u)
{
	if (is_path(u->name, u->name_len) && (u->rec.flags & UNIX_SK_PATH_GONE) &&
	    unlink((const char *)u->name) && errno != ENOENT)
		pr_warn("cannot remove %s: %s", (const char *)u->name, strerror(errno));
}

/* The partners and temporary listeners closed; the paths that were gone removed again. */
static void clean_up(struct build *b)
{
	size_t i;

	for (i = 0; i < b->nr; i++) {
		if (b->sks[i]->partner >= 0)
			close(b->sks[i]->partner);
		b->sks[i]->partner = -1;
		if (b->sks[i]->how != MAKE_ACCEPTED)
			unlink_gone(b->sks[i]);
	}
	for (i = 0; i < b->nr_temps; i++) {
		close(b->temps[i].fd);
		unlink_gone(b->temps[i].model);
	}
	free(b->temps);
}

int build_unix_sockets(struct unix_file **sks, size_t nr)
{
	struct build b = {sks, nr, NULL, 0};
	size_t i;
	int ret = 0;

	for (i = 0; i < nr && !ret; i++)
		ret = plan_socket(&b, sks[i]);
	if (!ret)
		ret = make_sockets(&b);
	if (!ret)
		ret = connect_sockets(&b);
	if (!ret)
		ret = refill_streams(&b);
	if (!ret)
		ret = deliver_datagrams(&b);
	if (!ret)
		ret = finish_sockets(&b);
	clean_up(&b);
	return ret;
}
