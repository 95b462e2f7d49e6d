// SPDX-License-Identifier: MIT
/*
 * Pipes and named FIFOs. The first end of a pipe to be opened creates it, sized as it was and
 * holding again the bytes that were in flight, and keeps the other end aside for the other end's
 * file; an end that finds neither reopens the pipe through /proc/self/fd. Ends nobody had are
 * closed once every file is open (settle), before the tree exists: a reader must see the end of
 * the pipe when its writers are gone.
 *
 * A FIFO is opened by its path. Opening one end alone blocks until the other side opens, so the
 * first end opened of a FIFO first opens it read-write, a holder that is both sides, refills it
 * through the holder, and keeps the holder until settle; every end then opens without waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "restore/files.h"

struct pipe_file {
	struct rec_path_file fifo; /* a FIFO's: what it was (its device), and its path */
	char path[PATH_MAX];
	int have_path, have_pipe;
	struct rec_pipe rec;
	uint8_t *data; /* the bytes in flight, with the first end of the pipe */
	size_t len;
	int spare; /* the other end (for a FIFO, the holder), kept by the first end opened; or -1 */
};

static int unexpected(const struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
	return -EINVAL;
}

/* A FIFO's path_file, then pipe; a pipe's pipe. */
static int load_header(struct image_file *f, struct pipe_file *p, const struct img *img,
		       const struct img_rec *rec)
{
	int fifo = f->rec.kind == FILE_FIFO;

	if (rec->type == REC_PATH_FILE && fifo && !p->have_path) {
		memcpy(&p->fifo, rec->data, sizeof(p->fifo));
		strncpy(p->path, rec_tail_str(rec), sizeof(p->path) - 1);
		p->have_path = 1;
		return 0;
	}
	if (rec->type != REC_PIPE || p->have_pipe || (fifo && !p->have_path))
		return unexpected(f, img, rec);
	memcpy(&p->rec, rec->data, sizeof(p->rec));
	p->have_pipe = 1;
	return 0;
}

static int load_pipe(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct pipe_file *p = f->priv;
	uint8_t *grown;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->spare = -1;
		f->priv = p;
	}
	if (rec->type != REC_PIPE_DATA)
		return load_header(f, p, img, rec);
	if (!p->have_pipe)
		return unexpected(f, img, rec);
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
	const struct pipe_file *p = f->priv;
	int mode = f->rec.open_flags & O_ACCMODE;

	/* A FIFO may be opened read-write; a pipe's ends are one way. */
	if (!p || !p->have_pipe ||
	    (f->rec.kind == FILE_PIPE && mode != O_RDONLY && mode != O_WRONLY)) {
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
		const struct pipe_file *op = o->priv;

		/* A FIFO's inode number is its file system's: the device tells them apart. */
		if (o->rec.kind == f->rec.kind && o->fd >= 0 &&
		    op->rec.pipe_ino == p->rec.pipe_ino && op->fifo.dev == p->fifo.dev)
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

/* The FIFO at its path, still a FIFO; the first end opened also holds it and refills it. */
static int open_fifo(struct image_file *f, int first)
{
	struct pipe_file *p = f->priv;
	int holder = -1, fd, ret = 0;
	struct stat st;

	if (first) {
		holder = open(p->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (holder < 0)
			return pr_perror("cannot open the FIFO %s again", p->path);
		if (fstat(holder, &st) || !S_ISFIFO(st.st_mode)) {
			pr_err("%s is no longer a FIFO", p->path);
			ret = -ESTALE;
		}
		if (!ret)
			ret = fill_pipe(p, (int[2]){holder, holder});
		if (ret) {
			close(holder);
			return ret;
		}
		p->spare = holder;
	}
	fd = open(p->path, (f->rec.open_flags & O_ACCMODE) | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? pr_perror("cannot open the FIFO %s again", p->path) : fd;
}

static int open_pipe(struct file_pool *pool, struct image_file *f)
{
	int reader = (f->rec.open_flags & O_ACCMODE) == O_RDONLY;
	struct image_file *o = opened_end(pool, f);
	struct pipe_file *op = o ? o->priv : NULL;
	char path[64];
	int fd;

	if (f->rec.kind == FILE_FIFO)
		return open_fifo(f, !o);
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
