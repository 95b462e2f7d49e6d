// SPDX-License-Identifier: MIT
/* files.img loaded, the pool of open file descriptions, and each process's descriptor table. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/files.h"
#include "restore/restore.h"

static const struct file_restorer *const restorers[FILE_KIND_MAX] = {
    [FILE_REGULAR] = &path_file_restorer,
    [FILE_DIRECTORY] = &path_file_restorer,
    [FILE_CHARDEV] = &path_file_restorer,
    [FILE_PIPE] = &pipe_restorer,
    [FILE_FIFO] = &pipe_restorer,
    [FILE_GHOST] = &ghost_restorer,
    [FILE_PTY] = &pty_restorer,
};

/* The O_* flags fcntl(F_SETFL) can set again; the others came with the open. */
#define SETFL_FLAGS (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK)

int reopen_flags(const struct image_file *f)
{
	int flags = f->rec.open_flags & ~(O_CREAT | O_TRUNC | O_EXCL);

	/* An O_TMPFILE file is reopened as the file it now is (O_TMPFILE includes O_DIRECTORY). */
	if ((flags & O_TMPFILE) == O_TMPFILE)
		flags &= ~O_TMPFILE;
	return flags | O_NOCTTY | O_CLOEXEC;
}

static int bad(const struct img *img, const char *why)
{
	pr_err("%s: %s", img->name, why);
	return -EINVAL;
}

static int add_file(struct file_pool *pool, const struct img *img, const struct img_rec *rec)
{
	const struct rec_file *r = rec->data;
	struct image_file *grown;

	if (r->id != pool->nr + 1)
		return bad(img, "files out of order");
	if (r->kind >= FILE_KIND_MAX || !restorers[r->kind])
		return bad(img, "a file of an unknown kind");
	grown = realloc(pool->files, (pool->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	pool->files = grown;
	grown[pool->nr++] = (struct image_file){.rec = *r, .fd = -1};
	return 0;
}

static int take_record(struct file_pool *pool, const struct img *img, const struct img_rec *rec)
{
	struct image_file *f = pool->nr ? &pool->files[pool->nr - 1] : NULL;

	if (rec->type == REC_FILE)
		return add_file(pool, img, rec);
	if (!f)
		return bad(img, "a record before the first file");
	if (rec->type == REC_FILE_LOCK)
		return add_description_lock(f, img, rec);
	if (f->nr_locks)
		return bad(img, "a file's record after its locks");
	return restorers[f->rec.kind]->load(f, img, rec);
}

int load_files(int dirfd, struct file_pool *pool)
{
	struct img_rec rec;
	struct img img;
	size_t i;
	int ret;

	memset(pool, 0, sizeof(*pool));
	pool->tty = "";
	ret = img_open(dirfd, IMG_KIND_FILES_ALL, 0, &img);
	if (ret)
		return ret;
	while ((ret = img_next(&img, &rec)) == 1) {
		ret = take_record(pool, &img, &rec);
		if (ret)
			break;
	}
	img_release(&img);
	for (i = 0; i < pool->nr && !ret; i++)
		ret = restorers[pool->files[i].rec.kind]->check(&pool->files[i]);
	return ret;
}

/* One file, at base or above, with its flags. */
static int open_file(struct file_pool *pool, struct image_file *f, int base)
{
	int fd = restorers[f->rec.kind]->open(pool, f), ret = 0;

	if (fd < 0)
		return fd;
	if ((fcntl(fd, F_GETFL) & SETFL_FLAGS) != (int)(f->rec.open_flags & SETFL_FLAGS) &&
	    fcntl(fd, F_SETFL, f->rec.open_flags & SETFL_FLAGS))
		ret = pr_perror("cannot set the flags of file %u", f->rec.id);
	if (!ret)
		ret = take_description_locks(f, fd);
	f->fd = ret ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, base);
	if (!ret && f->fd < 0)
		ret = pr_perror("cannot move file %u above the tree's descriptors", f->rec.id);
	close(fd);
	return ret;
}

int open_file_pool(struct file_pool *pool, int base)
{
	size_t i;
	int ret = 0, pass;

	pool->base = base;
	/* Those others open through first (pty masters), then the rest. */
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < pool->nr && !ret; i++)
			if (restorers[pool->files[i].rec.kind]->opens_first == pass)
				ret = open_file(pool, &pool->files[i], base);
	for (i = 0; i < pool->nr; i++)
		if (restorers[pool->files[i].rec.kind]->settle)
			restorers[pool->files[i].rec.kind]->settle(&pool->files[i]);
	return ret;
}

int file_pool_top(const struct file_pool *pool)
{
	int top = pool->base;
	size_t i;

	for (i = 0; i < pool->nr; i++)
		if (pool->files[i].fd >= top)
			top = pool->files[i].fd + 1;
	return top;
}

void close_file_pool(struct file_pool *pool)
{
	size_t i;

	for (i = 0; i < pool->nr; i++) {
		if (pool->files[i].fd >= 0)
			close(pool->files[i].fd);
		pool->files[i].fd = -1;
	}
}

void free_file_pool(struct file_pool *pool)
{
	size_t i;

	close_file_pool(pool);
	for (i = 0; i < pool->nr; i++) {
		restorers[pool->files[i].rec.kind]->release(&pool->files[i]);
		free(pool->files[i].locks);
	}
	free(pool->files);
	pool->files = NULL;
	pool->nr = 0;
}

int fds_above_task(const struct task_image *ti)
{
	return ti->nr_fds ? (int)ti->fds[ti->nr_fds - 1].fd + 1 : 0;
}

/* The process's table: each descriptor a copy of its file in the pool. */
int restore_files(const struct task_image *ti, const struct file_pool *pool)
{
	size_t i;

	for (i = 0; i < ti->nr_fds; i++) {
		const struct rec_fd *fd = &ti->fds[i];

		if (dup2(pool->files[fd->file_id - 1].fd, fd->fd) < 0)
			return pr_perror("cannot place fd %u", fd->fd);
		if (fcntl(fd->fd, F_SETFD, fd->fd_flags) < 0)
			return pr_perror("cannot set the flags of fd %u", fd->fd);
	}
	return 0;
}
