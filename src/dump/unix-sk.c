// SPDX-License-Identifier: MIT
/*
 * Unix sockets at dump. sock_diag (unix-diag.c) tells what /proc cannot: each socket's peer,
 * address, shutdown state, and the connections waiting in each listener's queue. cryo's own copy
 * of the socket (pidfd_getfd) gives its options and, with MSG_PEEK at the offsets SO_PEEK_OFF
 * sets, every message waiting in its receive queue, read without being consumed: restore sends
 * them again from the peer's side.
 *
 * The peer of a socket is in the tree, closed, outside the tree (refused unless --ext-unix-sk:
 * restore connects to its address again), or the server side of a connection still waiting in a
 * listener's queue. What the client of such a connection sent waits in a socket that no
 * descriptor reaches until accept(): it is read last, once every refusal is past, by accepting the
 * connections in cryo, and only when the dump kills the tree; -R and -s refuse a listener whose
 * waiting connections hold something, unless --skip-in-flight leaves them all out.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "dump/dump.h"
#include "dump/files.h"
#include "dump/unix-diag.h"
#include "dump/unix-queue.h"

#define TCP_LISTEN 10 /* include/net/tcp_states.h */

/* A listener of the tree with connections waiting, written at the end. */
struct waiting_listener {
	pid_t pid;
	int fd;
	uint32_t file_id;
	uint8_t type;
	uint32_t *clients; /* in queue order: a socket of the tree, or 0 for a closed one */
	uint32_t nr;
	int read_them; /* accept them, to read what they hold */
};

/* What the family keeps during one dump. */
static struct {
	const struct dump_opts *opts;
	const struct dump_tree *tree;
	int collected;
	struct unix_diag_table diag;
	uint32_t *tree_inos; /* the sockets of the tree's descriptors, sorted */
	size_t nr_tree_inos;
	struct waiting_listener *waiting;
	size_t nr_waiting;
} this_dump;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int add_tree_ino(uint32_t ino, size_t *cap)
{
	if (this_dump.nr_tree_inos == *cap) {
		uint32_t *grown =
		    realloc(this_dump.tree_inos, (*cap = *cap * 2 + 32) * sizeof(ino));

		if (!grown)
			return -ENOMEM;
		this_dump.tree_inos = grown;
	}
	this_dump.tree_inos[this_dump.nr_tree_inos++] = ino;
	return 0;
}

/* The socket of every descriptor of pid, from its /proc/PID/fd links. */
static int list_sockets(pid_t pid, size_t *cap)
{
	char path[64], link[64];
	struct dirent *de;
	unsigned int ino;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return pr_perror("cannot open %s", path);
	while (!ret && (de = readdir(dir))) {
		ssize_t n = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);

		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%u]", &ino) == 1)
			ret = add_tree_ino(ino, cap);
	}
	closedir(dir);
	return ret;
}

/* Once, at the first socket: every unix socket, and those of the tree. */
static int collect(void)
{
	size_t i, cap = 0;
	int ret;

	if (this_dump.collected)
		return 0;
	ret = unix_diag_collect(&this_dump.diag);
	for (i = 0; i < this_dump.tree->nr_procs && !ret; i++)
		ret = list_sockets(this_dump.tree->procs[i].pid, &cap);
	if (ret)
		return ret;
	qsort(this_dump.tree_inos, this_dump.nr_tree_inos, sizeof(uint32_t), cmp_u32);
	this_dump.collected = 1;
	return 0;
}

static int in_tree(uint32_t ino)
{
	return ino &&
	       bsearch(&ino, this_dump.tree_inos, this_dump.nr_tree_inos, sizeof(ino), cmp_u32);
}

int unix_sk_known(const struct dump_fd *d)
{
	int ret = collect();

	if (ret)
		return ret;
	if (unix_diag_find(&this_dump.diag, d->st.st_ino))
		return 0;
	pr_err("fd %d of %d is a unix socket (%s) that sock_diag does not list", d->fd, d->pid,
	       d->link);
	return -ENOENT;
}

static int is_path(const uint8_t *name, uint32_t len)
{
	return len && name[0];
}

/* A socket bound to a relative path would be bound again relative to cryo's directory. */
static int check_absolute(const struct dump_fd *d, const struct unix_diag_sk *sk)
{
	if (!is_path(sk->name, sk->name_len) || sk->name[0] == '/')
		return 0;
	pr_err("fd %d of %d: unix socket %u has a relative address (%.*s): not supported", d->fd,
	       d->pid, sk->ino, (int)sk->name_len, sk->name);
	return -ENOTSUP;
}

/* Whether the socket file of a path address is still there, and its mode and owner. */
static int describe_path(const struct dump_fd *d, const struct unix_diag_sk *sk,
			 struct rec_unix_sk *rec)
{
	char path[REC_UNIX_NAME_MAX + 1];
	struct stat st;
	int ret = check_absolute(d, sk);

	if (ret || !is_path(sk->name, sk->name_len))
		return ret;
	memcpy(path, sk->name, sk->name_len);
	path[sk->name_len] = '\0';
	if (lstat(path, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != sk->vfs_ino) {
		rec->flags |= UNIX_SK_PATH_GONE;
		return 0;
	}
	rec->file_mode = st.st_mode & 07777;
	rec->file_uid = st.st_uid;
	rec->file_gid = st.st_gid;
	return 0;
}

static int refuse_waiting(const struct dump_fd *d, uint32_t client, const char *why)
{
	pr_err("fd %d of %d: a connection from socket %u waits to be accepted, %s "
	       "(--skip-in-flight leaves such connections out)",
	       d->fd, d->pid, client, why);
	return -ENOTSUP;
}

/* A connection waiting in the listener's queue: can it be dumped, must it be read. */
static int check_waiting(const struct dump_fd *d, struct waiting_listener *w, uint32_t client)
{
	const struct unix_diag_sk *c = unix_diag_find(&this_dump.diag, client);
	int kill = !this_dump.opts->leave_running && !this_dump.opts->leave_stopped;
	/* What a closed client sent cannot be known without reading it. */
	int holds = !c || c->wqlen;

	if (c && !in_tree(client))
		return refuse_waiting(d, client, "from outside the tree");
	if (holds && !kill)
		return refuse_waiting(
		    d, client,
		    c ? "holding what its client sent: only accept() could read it, "
			"and -R or -s could not undo that"
		      : "from a client since closed: only accept() could read what "
			"it sent, and -R or -s could not undo that");
	w->clients[w->nr++] = c ? client : 0;
	w->read_them |= holds;
	return 0;
}

static int remember_waiting(const struct dump_fd *d, const struct unix_diag_sk *sk)
{
	struct waiting_listener *grown, w = {d->pid, d->fd, d->file_id, sk->type, NULL, 0, 0};
	uint32_t i;
	int ret = 0;

	if (!sk->nr_icons || this_dump.opts->skip_in_flight)
		return 0;
	w.clients = calloc(sk->nr_icons, sizeof(uint32_t));
	if (!w.clients)
		return -ENOMEM;
	for (i = 0; i < sk->nr_icons && !ret; i++)
		ret = check_waiting(d, &w, sk->icons[i]);
	grown = ret ? NULL : realloc(this_dump.waiting, (this_dump.nr_waiting + 1) * sizeof(w));
	if (!grown) {
		free(w.clients);
		return ret ? ret : -ENOMEM;
	}
	this_dump.waiting = grown;
	grown[this_dump.nr_waiting++] = w;
	return 0;
}

/*
 * A peer outside the tree: the address restore connects to again. A stream or seqpacket socket
 * can only be connected to a listener: its peer must be a connection of one (its address is the
 * listener's). A datagram socket whose peer has no address comes back unconnected.
 */
static int external_peer(const struct dump_fd *d, const struct unix_diag_sk *sk,
			 const struct unix_diag_sk *peer, uint32_t peer_ino,
			 const struct unix_diag_sk **named)
{
	int has_name = peer && peer->name_len;

	if (!this_dump.opts->ext_unix_sk) {
		pr_err("fd %d of %d: unix socket %u is connected to socket %u, outside the tree "
		       "(--ext-unix-sk connects it again at restore)",
		       d->fd, d->pid, sk->ino, peer_ino);
		return -ENOTSUP;
	}
	if (sk->type != SOCK_DGRAM &&
	    (!has_name ||
	     !unix_diag_listener(&this_dump.diag, sk->type, peer->name, peer->name_len))) {
		pr_err("fd %d of %d: unix socket %u is connected to socket %u outside the tree, "
		       "which is no connection to a listening address: it could not be connected "
		       "again",
		       d->fd, d->pid, sk->ino, peer_ino);
		return -ENOTSUP;
	}
	if (has_name && is_path(peer->name, peer->name_len) && peer->name[0] != '/') {
		pr_err("fd %d of %d: the peer of unix socket %u has a relative address (%.*s): not "
		       "supported",
		       d->fd, d->pid, sk->ino, (int)peer->name_len, peer->name);
		return -ENOTSUP;
	}
	*named = has_name ? peer : NULL;
	return 0;
}

/* How the socket is connected; *named: a peer outside the tree whose address to write. */
static int find_connection(const struct dump_fd *d, const struct unix_diag_sk *sk,
			   struct rec_unix_sk *rec, const struct unix_diag_sk **named)
{
	const struct unix_diag_sk *listener;

	*named = NULL;
	if (sk->state == TCP_LISTEN) {
		rec->flags |= UNIX_SK_LISTENING;
		rec->backlog = sk->wqlen;
		return remember_waiting(d, sk);
	}
	if (!sk->connected)
		return 0;
	if (sk->peer && in_tree(sk->peer)) {
		rec->peer = UNIX_PEER_TREE;
		rec->peer_ino = sk->peer;
		return 0;
	}
	if (sk->peer) {
		rec->peer = UNIX_PEER_EXTERNAL;
		return external_peer(d, sk, unix_diag_find(&this_dump.diag, sk->peer), sk->peer,
				     named);
	}
	/* Connected to a socket without an inode: a closed one, or a connection not accepted. */
	listener = unix_diag_pending_on(&this_dump.diag, sk->ino);
	if (listener && !in_tree(listener->ino)) {
		rec->peer = UNIX_PEER_EXTERNAL;
		return external_peer(d, sk, listener, listener->ino, named);
	}
	if (!listener || this_dump.opts->skip_in_flight) {
		rec->peer = UNIX_PEER_CLOSED;
		return 0;
	}
	rec->peer = UNIX_PEER_PENDING;
	rec->peer_ino = listener->ino;
	return 0;
}

static int get_int(int fd, int opt, int *v)
{
	socklen_t len = sizeof(*v);

	return getsockopt(fd, SOL_SOCKET, opt, v, &len);
}

static int get_timeout(int fd, int opt, uint64_t *us)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len))
		return -1;
	*us = tv.tv_sec * 1000000ull + tv.tv_usec;
	return 0;
}

static int read_options(int fd, const struct dump_fd *d, struct rec_unix_sk *rec)
{
	int passcred, passsec, passpidfd = 0, sndbuf, rcvbuf;

	if (get_int(fd, SO_PASSCRED, &passcred) || get_int(fd, SO_PASSSEC, &passsec) ||
	    get_int(fd, SO_SNDBUF, &sndbuf) || get_int(fd, SO_RCVBUF, &rcvbuf) ||
	    get_int(fd, SO_PEEK_OFF, &rec->peek_off) ||
	    get_timeout(fd, SO_RCVTIMEO, &rec->rcvtimeo_us) ||
	    get_timeout(fd, SO_SNDTIMEO, &rec->sndtimeo_us))
		return pr_perror("cannot read the options of unix socket fd %d of %d", d->fd,
				 d->pid);
	/* Older kernels have no SO_PASSPIDFD: it is off there. */
	get_int(fd, SO_PASSPIDFD, &passpidfd);
	rec->flags |= (passcred ? UNIX_SK_PASSCRED : 0) | (passsec ? UNIX_SK_PASSSEC : 0) |
		      (passpidfd ? UNIX_SK_PASSPIDFD : 0);
	rec->sndbuf = sndbuf;
	rec->rcvbuf = rcvbuf;
	return 0;
}

/* The unix_sk record, its address as the tail. */
static int write_unix_sk(struct img *img, const struct rec_unix_sk *rec,
			 const struct unix_diag_sk *sk)
{
	uint8_t buf[sizeof(*rec) + REC_UNIX_NAME_MAX];

	memcpy(buf, rec, sizeof(*rec));
	memcpy(buf + sizeof(*rec), sk->name, sk->name_len);
	return img_write(img, REC_UNIX_SK, buf, sizeof(*rec) + sk->name_len);
}

/*
 * Connected again outside the tree, a socket gets a new peer, which sends nothing: what a stream
 * or seqpacket peer sent, or datagrams waiting in a socket without an address (which only its
 * peer could send), could not be sent again.
 */
static int check_external_queue(const struct dump_fd *d, const struct unix_diag_sk *sk,
				const struct rec_unix_sk *rec, const struct unix_queue_size *q)
{
	if (rec->peer != UNIX_PEER_EXTERNAL || !q->msgs || (sk->type == SOCK_DGRAM && sk->name_len))
		return 0;
	pr_err(
	    "fd %d of %d: unix socket %u holds %zu messages from its peer outside the tree: they "
	    "could not be sent again",
	    d->fd, d->pid, sk->ino, q->msgs);
	return -ENOTSUP;
}

/* Stream and seqpacket: the kernel counts the bytes waiting; a peek that missed some fails. */
static int check_all_read(const struct dump_fd *d, const struct unix_diag_sk *sk,
			  const struct unix_queue_size *q)
{
	if (sk->type == SOCK_DGRAM || q->bytes == sk->rqlen)
		return 0;
	pr_err("fd %d of %d: %zu bytes read from unix socket %u, which holds %u: not supported",
	       d->fd, d->pid, q->bytes, sk->ino, sk->rqlen);
	return -ENOTSUP;
}

static int write_socket(const struct dump_fd *d, const struct unix_diag_sk *sk, int fd,
			struct img *img)
{
	struct rec_unix_sk rec = {.ino = sk->ino, .type = sk->type, .shutdown = sk->shutdown};
	const struct unix_diag_sk *named;
	struct unix_queue_size q = {0, 0};
	char who[64];
	int ret;

	snprintf(who, sizeof(who), "fd %d of %d", d->fd, d->pid);
	ret = describe_path(d, sk, &rec);
	if (!ret)
		ret = find_connection(d, sk, &rec, &named);
	if (!ret)
		ret = read_options(fd, d, &rec);
	if (!ret)
		ret = write_unix_sk(img, &rec, sk);
	if (!ret && named)
		ret = img_write(img, REC_UNIX_PEER_NAME, named->name, named->name_len);
	if (ret || (rec.flags & UNIX_SK_LISTENING))
		return ret;
	ret = dump_unix_queue(fd, sk->type, who, img, &q);
	if (!ret)
		ret = check_all_read(d, sk, &q);
	return ret ? ret : check_external_queue(d, sk, &rec, &q);
}

int dump_unix_sk(const struct dump_fd *d, struct file_table *files)
{
	struct img *img = &files->img;
	const struct unix_diag_sk *sk = unix_diag_find(&this_dump.diag, d->st.st_ino);
	int fd, ret;

	if (d->fi.scm_fds) {
		pr_err("fd %d of %d: descriptors in flight (%u) in the queue of a unix socket "
		       "(SCM_RIGHTS): not supported yet",
		       d->fd, d->pid, d->fi.scm_fds);
		return -ENOTSUP;
	}
	fd = grab_fd(d->pid, d->fd);
	if (fd < 0)
		return fd;
	ret = write_socket(d, sk, fd, img);
	close(fd);
	return ret;
}

/* The next connection of the listener's queue, accepted by cryo; the tree is frozen. */
static int accept_next(int fd, const struct waiting_listener *w)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int s;

	if (poll(&p, 1, 0) != 1) {
		pr_err("fd %d of %d: a connection waiting to be accepted is gone", w->fd, w->pid);
		return -EAGAIN;
	}
	s = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	return s < 0 ? pr_perror("cannot accept a connection of fd %d of %d", w->fd, w->pid) : s;
}

/* One unix_pending per connection, with what it holds when it must be read. */
static int write_waiting(struct img *img, const struct waiting_listener *w, int fd)
{
	uint32_t i;
	char who[96];
	int ret = 0;

	for (i = 0; i < w->nr && !ret; i++) {
		struct rec_unix_pending rec = {.client_ino = w->clients[i]};
		struct unix_queue_size q = {0, 0};
		int s = fd < 0 ? -1 : accept_next(fd, w);

		if (fd >= 0 && s < 0)
			return s;
		ret = img_write(img, REC_UNIX_PENDING, &rec, sizeof(rec));
		snprintf(who, sizeof(who), "connection %u waiting on fd %d of %d", i + 1, w->fd,
			 w->pid);
		if (!ret && s >= 0)
			ret = dump_unix_queue(s, w->type, who, img, &q);
		if (s >= 0)
			close(s);
	}
	return ret;
}

static int dump_waiting(struct img *img, const struct waiting_listener *w)
{
	int fd = -1, ret;

	ret = files_write_more(img, w->file_id);
	if (!ret && w->read_them) {
		fd = grab_fd(w->pid, w->fd);
		if (fd < 0)
			return fd;
		pr_info("fd %d of %d: cryo accepts the %u connections waiting to read them (the "
			"tree is killed after the dump)",
			w->fd, w->pid, w->nr);
	}
	if (!ret)
		ret = write_waiting(img, w, fd);
	if (fd >= 0 && ret)
		pr_err("fd %d of %d: the connections cryo accepted are lost", w->fd, w->pid);
	if (fd >= 0)
		close(fd);
	return ret;
}

int unix_sk_begin(const struct dump_opts *opts, const struct dump_tree *tree)
{
	memset(&this_dump, 0, sizeof(this_dump));
	this_dump.opts = opts;
	this_dump.tree = tree;
	return 0;
}

int unix_sk_end(struct img *img, int ret)
{
	size_t i;

	for (i = 0; i < this_dump.nr_waiting && !ret; i++)
		ret = dump_waiting(img, &this_dump.waiting[i]);
	for (i = 0; i < this_dump.nr_waiting; i++)
		free(this_dump.waiting[i].clients);
	free(this_dump.waiting);
	free(this_dump.tree_inos);
	unix_diag_free(&this_dump.diag);
	memset(&this_dump, 0, sizeof(this_dump));
	return ret;
}
