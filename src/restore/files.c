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

/* clang-format off */
static const struct file_restorer *const restorers[FILE_KIND_MAX] = {
    [FILE_REGULAR] = &path_file_restorer,
    [FILE_DIRECTORY] = &path_file_restorer,
    [FILE_CHARDEV] = &path_file_restorer,
    [FILE_PIPE] = &pipe_restorer,
    [FILE_MEMFD] = &memfd_restorer,
    [FILE_EVENTFD] = &eventfd_restorer,
    [FILE_SIGNALFD] = &signalfd_restorer,
    [FILE_TIMERFD] = &timerfd_restorer,
    [FILE_EPOLL] = &epoll_restorer,
    [FILE_INOTIFY] = &inotify_restorer,
    [FILE_INET] = &inet_restorer,
    [FILE_UNIX_SK] = &unix_sk_restorer,
    [FILE_FIFO] = &pipe_restorer,
    [FILE_GHOST] = &ghost_restorer,
    [FILE_PTY] = &pty_restorer,
};
/* clang-format on */

/*
 * The O_* flags fcntl(F_SETFL) can set again; the others came with the open. O_ASYNC is set by
 * the file's owner, through its own descriptor: the I/O signals name the descriptor it was set
 * through (si_fd).
 */
#define SETFL_FLAGS (O_APPEND | O_DIRECT | O_NOATIME | O_NONBLOCK)

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

/* A file_more: the records that follow go to a file met before. */
static int more_of(struct file_pool *pool, const struct img *img, const struct img_rec *rec,
		   struct image_file **cur)
{
	const struct rec_file_more *r = rec->data;

	if (!r->id || r->id > pool->nr)
		return bad(img, "more records for a file not met yet");
	*cur = &pool->files[r->id - 1];
	return 0;
}

/* *cur: the file the records go to, the last one met or the one a file_more names. */
static int take_record(struct file_pool *pool, const struct img *img, const struct img_rec *rec,
		       struct image_file **cur)
{
	int ret;

	if (rec->type == REC_FILE) {
		ret = add_file(pool, img, rec);
		*cur = ret ? NULL : &pool->files[pool->nr - 1];
		return ret;
	}
	if (rec->type == REC_FILE_MORE)
		return more_of(pool, img, rec, cur);
	if (!*cur)
		return bad(img, "a record before the first file");
	if (rec->type == REC_FILE_OWNER)
		return add_file_owner(*cur, img, rec);
	if (rec->type == REC_FILE_LOCK)
		return add_description_lock(*cur, img, rec);
	if ((*cur)->nr_locks)
		return bad(img, "a file's record after its locks");
	return restorers[(*cur)->rec.kind]->load(*cur, img, rec);
}

int load_files(int dirfd, struct file_pool *pool)
{
	struct image_file *cur = NULL;
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
		ret = take_record(pool, &img, &rec, &cur);
		if (ret)
			break;
	}
	img_release(&img);
	for (i = 0; i < pool->nr && !ret; i++)
		ret = restorers[pool->files[i].rec.kind]->check(pool, &pool->files[i]);
	return ret;
}

int claim_files(struct file_pool *pool, uint32_t pid, const struct rec_fd *fds, size_t nr)
{
	struct image_file *f;
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!fds[i].file_id || fds[i].file_id > pool->nr) {
			pr_err("fds-%u.img: fd %u is file %u, which files.img has not", pid,
			       fds[i].fd, fds[i].file_id);
			return -EINVAL;
		}
		f = &pool->files[fds[i].file_id - 1];
		if (!f->owner_pid) {
			f->owner_pid = pid;
			f->owner_fd = fds[i].fd;
		}
	}
	return 0;
}

int load_single_record(struct image_file *f, const struct img *img, const struct img_rec *rec,
		       uint32_t type)
{
	if (rec->type != type || f->priv)
		return unexpected_record(f, img, rec);
	f->priv = malloc(rec->len);
	if (!f->priv)
		return -ENOMEM;
	memcpy(f->priv, rec->data, rec->len);
	return 0;
}

int check_single_record(const struct file_pool *pool, const struct image_file *f)
{
	if (!f->priv) {
		pr_err("files.img: file %u has no record of its family", f->rec.id);
		return -EINVAL;
	}
	return 0;
}

int unexpected_record(const struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
	return -EINVAL;
}

void release_priv(struct image_file *f)
{
	free(f->priv);
	f->priv = NULL;
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

int rank_first(const struct image_file *f)
{
	return RANK_FIRST;
}

static int file_rank(const struct image_file *f)
{
	const struct file_restorer *r = restorers[f->rec.kind];

	return r->rank ? r->rank(f) : RANK_NORMAL;
}

int open_file_pool(struct file_pool *pool, int base)
{
	uint32_t kind;
	int rank, ret = 0;
	size_t i;

	pool->base = base;
	for (kind = 0; kind < FILE_KIND_MAX && !ret; kind++)
		if (restorers[kind] && restorers[kind]->prepare)
			ret = restorers[kind]->prepare(pool);
	for (rank = 0; rank < FILE_RANKS; rank++)
		for (i = 0; i < pool->nr && !ret; i++)
			if (file_rank(&pool->files[i]) == rank)
				ret = open_file(pool, &pool->files[i], base);
	for (i = 0; i < pool->nr; i++)
		if (restorers[pool->files[i].rec.kind]->settle)
			restorers[pool->files[i].rec.kind]->settle(&pool->files[i]);
	return ret;
}

void files_tree_running(struct file_pool *pool)
{
	size_t kind, other;

	for (kind = 0; kind < FILE_KIND_MAX; kind++) {
		if (!restorers[kind] || !restorers[kind]->tree_running)
			continue;
		/* Once per restorer, though several kinds may share one. */
		for (other = 0; other < kind && restorers[other] != restorers[kind]; other++)
			;
		if (other == kind)
			restorers[kind]->tree_running(pool);
	}
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

static int set_async(const struct image_file *f, int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_ASYNC))
		return pr_perror("cannot set O_ASYNC on file %u", f->rec.id);
	return 0;
}

/* What the files this process owns do once its table is in place. */
static int run_owner_steps(const struct task_image *ti, const struct file_pool *pool)
{
	size_t i;
	int ret;

	for (i = 0; i < ti->nr_fds; i++) {
		const struct image_file *f = &pool->files[ti->fds[i].file_id - 1];
		const struct file_restorer *r = restorers[f->rec.kind];
		int fd = ti->fds[i].fd;

		if (f->owner_pid != (uint32_t)ti->pid || f->owner_fd != (uint32_t)fd)
			continue;
		ret = f->rec.open_flags & O_ASYNC ? set_async(f, fd) : 0;
		if (!ret && r->in_owner)
			ret = r->in_owner(pool, f, fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* The process's table: each descriptor a copy of its file in the pool; then the owner steps. */
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
	return run_owner_steps(ti, pool);
}
