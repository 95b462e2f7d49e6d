// SPDX-License-Identifier: MIT
/*
 * Pipes. The first end of a pipe to be opened creates it, sized as it was and holding again the
 * bytes that were in flight, and keeps the other end aside for the other end's file; an end that
 * finds neither reopens the pipe through /proc/self/fd. Ends nobody had are closed once every
 * file is open (settle), before the tree exists: a reader must see the end of the pipe when its
 * writers are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "restore/files.h"

struct pipe_file {
	struct rec_pipe rec;
	uint8_t *data; /* the bytes in flight, with the first end of the pipe */
	size_t len;
	int spare; /* the other end, kept by the end that created the pipe; -1: none */
};

static int load_pipe(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct pipe_file *p = f->priv;
	uint8_t *grown;

	if (rec->type == REC_PIPE && !p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		memcpy(&p->rec, rec->data, sizeof(p->rec));
		p->spare = -1;
		f->priv = p;
		return 0;
	}
	if (rec->type != REC_PIPE_DATA || !p) {
		pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
		return -EINVAL;
	}
	if (p->len + rec->len > p->rec.capacity) {
		pr_err("%s: file %u: more bytes in the pipe than it can hold", img->name,
		       f->rec.id);
		return -EINVAL;
	}
	grown = realloc(p->data, p->len + rec->len);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + p->len, rec->data, rec->len);
	p->data = grown;
	p->len += rec->len;
	return 0;
}

static int check_pipe(const struct file_pool *pool, const struct image_file *f)
{
	int mode = f->rec.open_flags & O_ACCMODE;

	if (!f->priv || (mode != O_RDONLY && mode != O_WRONLY)) {
		pr_err("files.img: file %u is not a pipe end", f->rec.id);
		return -EINVAL;
	}
	return 0;
}

/* An end of the same pipe opened before this one, if any. */
static struct image_file *opened_end(struct file_pool *pool, const struct image_file *f)
{
	const struct pipe_file *p = f->priv;
	size_t i;

	for (i = 0; &pool->files[i] != f; i++) {
		struct image_file *o = &pool->files[i];

		if (o->rec.kind == FILE_PIPE && o->fd >= 0 &&
		    ((struct pipe_file *)o->priv)->rec.pipe_ino == p->rec.pipe_ino)
			return o;
	}
	return NULL;
}

static int fill_pipe(const struct pipe_file *p, int ends[2])
{
	if (fcntl(ends[1], F_SETPIPE_SZ, p->rec.capacity) < 0)
		return pr_perror("cannot size a pipe to %u bytes", p->rec.capacity);
	if (write_all(ends[1], p->data, p->len))
		return pr_perror("cannot put %zu bytes back in a pipe", p->len);
	return 0;
}

static int create_pipe(struct image_file *f, int reader)
{
	struct pipe_file *p = f->priv;
	int ends[2], ret;

	if (pipe2(ends, O_CLOEXEC))
		return pr_perror("cannot create a pipe");
	ret = fill_pipe(p, ends);
	if (ret) {
		close(ends[0]);
		close(ends[1]);
		return ret;
	}
	p->spare = ends[reader];
	return ends[!reader];
}

static int open_pipe(struct file_pool *pool, struct image_file *f)
{
	int reader = (f->rec.open_flags & O_ACCMODE) == O_RDONLY;
	struct image_file *o = opened_end(pool, f);
	struct pipe_file *op = o ? o->priv : NULL;
	char path[64];
	int fd;

	if (!o)
		return create_pipe(f, reader);
	/* The end the creator kept aside, if it is this one's. */
	if (op->spare >= 0 && reader != ((o->rec.open_flags & O_ACCMODE) == O_RDONLY)) {
		fd = op->spare;
		op->spare = -1;
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", o->fd);
	fd = open(path, (reader ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? pr_perror("cannot open a pipe again") : fd;
}

static void settle_pipe(struct image_file *f)
{
	struct pipe_file *p = f->priv;

	if (p->spare >= 0)
		close(p->spare);
	p->spare = -1;
}

static void release_pipe(struct image_file *f)
{
	struct pipe_file *p = f->priv;

	if (p)
		free(p->data);
	free(p);
}

const struct file_restorer pipe_restorer = {
    .load = load_pipe,
    .check = check_pipe,
    .open = open_pipe,
    .settle = settle_pipe,
    .release = release_pipe,
};
