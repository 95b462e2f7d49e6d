// SPDX-License-Identifier: MIT
/*
 * epoll. cryo creates the instance empty; its registrations are keyed by (target, descriptor
 * number), so they are added by the file's owner, the first process that has it, once its whole
 * table is in place: each target is at its number there, usually already; if not (a target that
 * process had closed, or registered by another process sharing the epoll), the number is
 * borrowed for the time of the epoll_ctl: whatever is there is set aside, the target put there,
 * and it goes back as it was. The registration then stays whatever becomes of that number.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/files.h"

struct epoll_file {
	struct rec_epoll_tfd *tfds;
	size_t nr;
};

static int load_epoll(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct epoll_file *e = f->priv;
	struct rec_epoll_tfd *grown;

	if (rec->type != REC_EPOLL_TFD)
		return unexpected_record(f, img, rec);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		f->priv = e;
	}
	grown = realloc(e->tfds, (e->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->tfds = grown;
	memcpy(&grown[e->nr++], rec->data, sizeof(*grown));
	return 0;
}

/* Every target is another file of files.img, at a descriptor number a process may have. */
static int check_epoll(const struct file_pool *pool, const struct image_file *f)
{
	const struct epoll_file *e = f->priv;
	size_t i;

	for (i = 0; e && i < e->nr; i++) {
		if (!e->tfds[i].target_id || e->tfds[i].target_id > pool->nr ||
		    e->tfds[i].target_id == f->rec.id || e->tfds[i].tfd > INT32_MAX) {
			pr_err("files.img: epoll file %u: bad target %u at fd %u", f->rec.id,
			       e->tfds[i].target_id, e->tfds[i].tfd);
			return -EINVAL;
		}
	}
	return 0;
}

static int open_epoll(struct file_pool *pool, struct image_file *f)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	return fd < 0 ? pr_perror("cannot create an epoll instance") : fd;
}

static int same_file(int a, int b)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b) == 0;
}

/* Whatever is at fd set aside: *saved (-1: fd was free) and its descriptor flags. */
static int set_aside(int fd, int *saved, int *flags)
{
	*saved = -1;
	*flags = fcntl(fd, F_GETFD);
	if (*flags < 0)
		return 0;
	*saved = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return *saved < 0 ? pr_perror("cannot set fd %d aside", fd) : 0;
}

static int put_back(int fd, int saved, int flags)
{
	int ret = 0;

	if (saved < 0) {
		close(fd);
		return 0;
	}
	if (dup2(saved, fd) < 0 || fcntl(fd, F_SETFD, flags) < 0)
		ret = pr_perror("cannot put fd %d back", fd);
	close(saved);
	return ret;
}

static int add(int epfd, const struct rec_epoll_tfd *r)
{
	struct epoll_event ev = {.events = r->events, .data.u64 = r->data};

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, r->tfd, &ev))
		return pr_perror("cannot register fd %u (events %#x) in an epoll instance", r->tfd,
				 r->events);
	return 0;
}

/* The registration, with its target at its number in this process for the time of it. */
static int register_target(int epfd, const struct rec_epoll_tfd *r, int target)
{
	int saved, flags, ret;

	if (same_file(r->tfd, target))
		return add(epfd, r);
	ret = set_aside(r->tfd, &saved, &flags);
	if (ret)
		return ret;
	if (dup2(target, r->tfd) < 0)
		ret = pr_perror("cannot put a target of an epoll instance at fd %u", r->tfd);
	if (!ret)
		ret = add(epfd, r);
	if (put_back(r->tfd, saved, flags) && !ret)
		ret = -EBADF;
	return ret;
}

static int register_targets(const struct file_pool *pool, const struct image_file *f, int fd)
{
	const struct epoll_file *e = f->priv;
	size_t i;
	int ret = 0;

	for (i = 0; e && i < e->nr && !ret; i++) {
		const struct rec_epoll_tfd *r = &e->tfds[i];
		/* Its own descriptor in this process, unless that is the number to borrow. */
		int epfd = r->tfd == (uint32_t)fd ? f->fd : fd;

		ret = register_target(epfd, r, pool->files[r->target_id - 1].fd);
	}
	return ret;
}

static void release_epoll(struct image_file *f)
{
	struct epoll_file *e = f->priv;

	if (e)
		free(e->tfds);
	release_priv(f);
}

const struct file_restorer epoll_restorer = {
    .load = load_epoll,
    .check = check_epoll,
    .open = open_epoll,
    .in_owner = register_targets,
    .release = release_epoll,
};
