// SPDX-License-Identifier: MIT
/*
 * Unix sockets at restore: the records of each socket (unix_sk, the peer's address, the messages
 * waiting, a listener's waiting connections), checked; then, before any file of the pool is
 * opened, every unix socket is made at once (unix-sk-build.c), since they connect to each other;
 * opening one hands over its descriptor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/unix-sk.h"

/* An address as the kernel keeps it: an abstract name, or a path ending with its only NUL. */
static int valid_address(const uint8_t *name, uint32_t len)
{
	return !len || !name[0] || memchr(name, 0, len) == name + len - 1;
}

static int unexpected(const struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
	return -EINVAL;
}

static int load_socket(struct image_file *f, const struct img_rec *rec)
{
	struct unix_file *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	memcpy(&u->rec, rec->data, sizeof(u->rec));
	u->name_len = rec->len - sizeof(u->rec);
	memcpy(u->name, (const uint8_t *)rec->data + sizeof(u->rec), u->name_len);
	u->file = f;
	u->loading = &u->queue;
	u->fd = u->partner = -1;
	f->priv = u;
	return 0;
}

static int add_pending(struct unix_file *u, const struct img_rec *rec)
{
	const struct rec_unix_pending *r = rec->data;
	struct unix_pending *grown = realloc(u->pending, (u->nr_pending + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	u->pending = grown;
	grown[u->nr_pending] = (struct unix_pending){.client_ino = r->client_ino};
	u->loading = &grown[u->nr_pending++].queue;
	return 0;
}

/* A unix_msg: a new message, or the rest of the last one. */
static int add_msg(struct unix_queue *q, const struct img *img, const struct image_file *f,
		   const struct img_rec *rec)
{
	const struct rec_unix_msg *r = rec->data;
	size_t tail = rec->len - sizeof(*r), len = tail - r->addr_len;
	struct unix_msg *m = q->nr ? &q->msgs[q->nr - 1] : NULL;
	uint8_t *data;

	if (r->addr_len > REC_UNIX_NAME_MAX || r->addr_len > tail ||
	    (m && m->more && r->addr_len) ||
	    !valid_address((const uint8_t *)(r + 1), r->addr_len)) {
		pr_err("%s: file %u: a message with a bad address", img->name, f->rec.id);
		return -EINVAL;
	}
	if (!m || !m->more) {
		m = realloc(q->msgs, (q->nr + 1) * sizeof(*m));
		if (!m)
			return -ENOMEM;
		q->msgs = m;
		m = &m[q->nr++];
		*m = (struct unix_msg){.addr_len = r->addr_len};
		memcpy(m->addr, r + 1, r->addr_len);
	}
	data = realloc(m->data, m->len + len + 1);
	if (!data)
		return -ENOMEM;
	memcpy(data + m->len, (const uint8_t *)(r + 1) + r->addr_len, len);
	m->data = data;
	m->len += len;
	m->more = r->flags & UNIX_MSG_MORE;
	return 0;
}

static int load_unix_sk(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct unix_file *u = f->priv;

	if (rec->type == REC_UNIX_SK && !u)
		return load_socket(f, rec);
	if (!u)
		return unexpected(f, img, rec);
	switch (rec->type) {
	case REC_UNIX_PEER_NAME:
		if (u->peer_name_len || u->rec.peer != UNIX_PEER_EXTERNAL)
			return unexpected(f, img, rec);
		u->peer_name_len = rec->len;
		memcpy(u->peer_name, rec->data, rec->len);
		return 0;
	case REC_UNIX_PENDING:
		if (!(u->rec.flags & UNIX_SK_LISTENING))
			return unexpected(f, img, rec);
		return add_pending(u, rec);
	case REC_UNIX_MSG:
		return add_msg(u->loading, img, f, rec);
	}
	return unexpected(f, img, rec);
}

static int bad_socket(const struct image_file *f, const char *why)
{
	pr_err("files.img: file %u: %s", f->rec.id, why);
	return -EINVAL;
}

static int queue_ended(const struct unix_queue *q)
{
	return !q->nr || !q->msgs[q->nr - 1].more;
}

static int check_unix_sk(const struct file_pool *pool, const struct image_file *f)
{
	const struct unix_file *u = f->priv;
	size_t i;

	if (!u)
		return bad_socket(f, "a unix socket without its unix_sk record");
	if (u->rec.type != SOCK_STREAM && u->rec.type != SOCK_DGRAM &&
	    u->rec.type != SOCK_SEQPACKET)
		return bad_socket(f, "a unix socket of an unknown type");
	if (u->rec.peer > UNIX_PEER_PENDING || u->rec.shutdown > 3)
		return bad_socket(f, "a unix socket connected in an unknown way");
	if (!valid_address(u->name, u->name_len) || !valid_address(u->peer_name, u->peer_name_len))
		return bad_socket(f, "a unix socket address that is no path nor abstract name");
	if ((u->rec.flags & UNIX_SK_LISTENING) &&
	    (u->rec.type == SOCK_DGRAM || u->rec.peer != UNIX_PEER_NONE || u->queue.nr))
		return bad_socket(f, "a listening unix socket that cannot be one");
	if (u->rec.peer == UNIX_PEER_EXTERNAL && u->rec.type != SOCK_DGRAM && !u->peer_name_len)
		return bad_socket(f, "a unix socket to connect again without an address");
	if (u->rec.peer == UNIX_PEER_PENDING && u->rec.type == SOCK_DGRAM)
		return bad_socket(f, "a datagram socket waiting to be accepted");
	for (i = 0; i < u->nr_pending; i++)
		if (!queue_ended(&u->pending[i].queue))
			return bad_socket(f, "a message cut short");
	return queue_ended(&u->queue) ? 0 : bad_socket(f, "a message cut short");
}

static int prepare_unix_sk(struct file_pool *pool)
{
	struct unix_file **sks = calloc(pool->nr + 1, sizeof(*sks));
	size_t i, nr = 0;
	int ret;

	if (!sks)
		return -ENOMEM;
	for (i = 0; i < pool->nr; i++)
		if (pool->files[i].rec.kind == FILE_UNIX_SK)
			sks[nr++] = pool->files[i].priv;
	ret = nr ? build_unix_sockets(sks, nr) : 0;
	free(sks);
	return ret;
}

static int open_unix_sk(struct file_pool *pool, struct image_file *f)
{
	struct unix_file *u = f->priv;
	int fd = u->fd;

	(void)pool;
	u->fd = -1;
	return fd >= 0 ? fd : bad_socket(f, "a unix socket that was not made");
}

static void free_queue(struct unix_queue *q)
{
	size_t i;

	for (i = 0; i < q->nr; i++)
		free(q->msgs[i].data);
	free(q->msgs);
}

static void release_unix_sk(struct image_file *f)
{
	struct unix_file *u = f->priv;
	size_t i;

	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	if (u->partner >= 0)
		close(u->partner);
	free_queue(&u->queue);
	for (i = 0; i < u->nr_pending; i++)
		free_queue(&u->pending[i].queue);
	free(u->pending);
	free(u);
}

const struct file_restorer unix_sk_restorer = {
    .load = load_unix_sk,
    .check = check_unix_sk,
    .prepare = prepare_unix_sk,
    .open = open_unix_sk,
    .release = release_unix_sk,
};
