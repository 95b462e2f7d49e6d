// SPDX-License-Identifier: MIT
/*
 * Ghost files: regular files that were deleted while open. The first open file description of
 * the inode creates the file again at the path it had (or, if that path is taken now, under a
 * new name beside it), with its content, mode, owner and modification time, and opens it as it
 * was; the others of the same inode reopen it through /proc/self/fd. Once every file is open
 * (settle), the path is deleted again.
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

struct ghost_file {
	struct rec_ghost_file rec;
	char path[PATH_MAX];
	uint8_t *data; /* with the first file of the inode */
	size_t len;
	char created[PATH_MAX]; /* where it was created, until settle; "" if not by this file */
};

static int load_ghost(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct ghost_file *g = f->priv;
	uint8_t *grown;

	if (rec->type == REC_GHOST_FILE && !g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		memcpy(&g->rec, rec->data, sizeof(g->rec));
		strncpy(g->path, rec_tail_str(rec), sizeof(g->path) - 1);
		f->priv = g;
		return 0;
	}
	if (rec->type != REC_GHOST_DATA || !g) {
		pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
		return -EINVAL;
	}
	if (g->len + rec->len > g->rec.size) {
		pr_err("%s: file %u: more content than the deleted file had", img->name, f->rec.id);
		return -EINVAL;
	}
	grown = realloc(g->data, g->len + rec->len);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + g->len, rec->data, rec->len);
	g->data = grown;
	g->len += rec->len;
	return 0;
}

static int check_ghost(const struct file_pool *pool, const struct image_file *f)
{
	const struct ghost_file *g = f->priv;

	if (!g || !S_ISREG(g->rec.mode) || g->path[0] != '/') {
		pr_err("files.img: file %u is not a deleted regular file", f->rec.id);
		return -EINVAL;
	}
	return 0;
}

/* The file of the same inode opened before this one, if any. */
static const struct image_file *opened_twin(const struct file_pool *pool,
					    const struct image_file *f)
{
	const struct ghost_file *g = f->priv, *o;
	size_t i;

	for (i = 0; &pool->files[i] != f; i++) {
		if (pool->files[i].rec.kind != FILE_GHOST || pool->files[i].fd < 0)
			continue;
		o = pool->files[i].priv;
		if (o->rec.dev == g->rec.dev && o->rec.ino == g->rec.ino)
			return &pool->files[i];
	}
	return NULL;
}

/* A new file at its old path, or beside it if the path is taken. */
static int create_at_free_path(struct ghost_file *g)
{
	int fd, i;

	snprintf(g->created, sizeof(g->created), "%s", g->path);
	for (i = 0; i < 100; i++) {
		fd = open(g->created, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
		if (snprintf(g->created, sizeof(g->created), "%s.cryo-ghost.%d", g->path, i) >=
		    (int)sizeof(g->created))
			break;
	}
	if (fd < 0) {
		pr_perror("cannot create deleted file %s again", g->path);
		g->created[0] = '\0';
	}
	return fd;
}

/* Created with its content and attributes; a descriptor on it, read-write. */
static int create_ghost(struct ghost_file *g)
{
	struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {g->rec.mtime_sec, g->rec.mtime_nsec}};
	int fd = create_at_free_path(g), ret = 0;

	if (fd < 0)
		return fd;
	if (g->len != g->rec.size) {
		pr_err("deleted file %s: %zu bytes of content in the images, want %lu", g->path,
		       g->len, (unsigned long)g->rec.size);
		ret = -EINVAL;
	} else if (write_all(fd, g->data, g->len)) {
		ret = pr_perror("cannot write deleted file %s again", g->path);
	} else if (fchown(fd, g->rec.uid, g->rec.gid) || fchmod(fd, g->rec.mode & 07777) ||
		   futimens(fd, times)) {
		ret = pr_perror("cannot set the owner, mode or time of deleted file %s", g->path);
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int open_ghost(struct file_pool *pool, struct image_file *f)
{
	const struct image_file *twin = opened_twin(pool, f);
	int flags = reopen_flags(f);
	struct ghost_file *g = f->priv;
	int creator = -1, fd, ret = 0;
	char proc[64];

	if (!twin) {
		creator = create_ghost(g);
		if (creator < 0)
			return creator;
	}
	/* Through /proc: the very inode, whatever its path. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", twin ? twin->fd : creator);
	fd = open(proc, flags);
	if (fd < 0)
		ret = pr_perror("cannot open deleted file %s again", g->path);
	else if (!(flags & O_PATH) && lseek(fd, f->rec.pos, SEEK_SET) != (off_t)f->rec.pos)
		ret = pr_perror("cannot seek deleted file %s to %lu", g->path,
				(unsigned long)f->rec.pos);
	if (creator >= 0)
		close(creator);
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

/* Deleted again, as it was: every file of the inode has it open. */
static void settle_ghost(struct image_file *f)
{
	struct ghost_file *g = f->priv;

	if (g->created[0] && unlink(g->created))
		pr_warn("cannot delete %s again: %s", g->created, strerror(errno));
	g->created[0] = '\0';
}

static void release_ghost(struct image_file *f)
{
	struct ghost_file *g = f->priv;

	if (g)
		free(g->data);
	free(g);
}

const struct file_restorer ghost_restorer = {
    .load = load_ghost,
    .check = check_ghost,
    .open = open_ghost,
    .settle = settle_ghost,
    .release = release_ghost,
};
