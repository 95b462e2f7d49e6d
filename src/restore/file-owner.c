// SPDX-License-Identifier: MIT
/*
 * The owner of an open file description and its I/O signal (F_SETOWN_EX, F_SETSIG). An owner is a
 * thread, a process or a group that must exist when it is set: cryo sets it once every process of
 * the tree has its descriptors (all stopped in their restorers), through its own copy of the file
 * taken from a process that holds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "restore/files.h"

int add_file_owner(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	const struct rec_file_owner *r = rec->data;

	if (f->has_owner || r->type > F_OWNER_PGRP || r->pid < 0 || r->signum >= _NSIG ||
	    (!r->pid && !r->signum)) {
		pr_err("%s: file %u: a second owner, or one that cannot be", img->name, f->rec.id);
		return -EINVAL;
	}
	f->owner = *r;
	f->has_owner = 1;
	return 0;
}

static int set_owner(const struct image_file *f, int fd)
{
	struct f_owner_ex owner = {.type = f->owner.type, .pid = f->owner.pid};

	/* Gone since the dump (a process outside the tree): no one gets its signals. */
	if (owner.pid && fcntl(fd, F_SETOWN_EX, &owner))
		pr_warn("file %u: its owner %d cannot be set again: %s", f->rec.id, owner.pid,
			strerror(errno));
	if (fcntl(fd, F_SETSIG, f->owner.signum))
		return pr_perror("cannot set the I/O signal of file %u", f->rec.id);
	return 0;
}

int restore_file_owners(const struct file_pool *pool)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < pool->nr && !ret; i++) {
		const struct image_file *f = &pool->files[i];
		int fd;

		/* A file no process holds (an epoll target only) has closed with the pool. */
		if (!f->has_owner || !f->owner_pid)
			continue;
		fd = grab_fd(f->owner_pid, f->owner_fd);
		if (fd < 0)
			return fd;
		ret = set_owner(f, fd);
		close(fd);
	}
	return ret;
}
