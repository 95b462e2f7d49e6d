// SPDX-License-Identifier: MIT
/*
 * epoll. fdinfo lists every registration: the descriptor number it was added with (tfd), its
 * events and data. The kernel keys a registration by (open file description, tfd): the number
 * says nothing once that descriptor is closed or reused, so kcmp(KCMP_EPOLL_TFD) finds which open
 * file description it is, first at tfd in the process (the usual case), then anywhere in the
 * tree (a target closed here but open elsewhere, in a process sharing the epoll for instance).
 * The targets are files of files.img written before the epoll's own record, named by their ids.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/files.h"

/* One registration of the epoll of d, as kcmp designates it. */
struct registration {
	const struct dump_fd *d;
	struct kcmp_epoll_slot slot;
};

/* The open file description at fd of pid is the registration's target. */
static int is_target(pid_t pid, int fd, const void *arg)
{
	const struct registration *r = arg;

	return syscall(SYS_kcmp, pid, r->d->pid, KCMP_EPOLL_TFD, fd, &r->slot) == 0;
}

/* Where the target of tfds[i] is open: at its tfd in the process, or elsewhere in the tree. */
static int locate_target(const struct dump_fd *d, struct file_table *files,
			 const struct proc_epoll_tfd *tfds, size_t i, pid_t *pid, int *fd)
{
	struct registration r = {.d = d, .slot = {.efd = d->fd, .tfd = tfds[i].tfd}};
	size_t j;

	/* toff: which one of the registrations with the same number, in the kernel's order. */
	for (j = 0; j < i; j++)
		r.slot.toff += tfds[j].tfd == tfds[i].tfd;
	*pid = d->pid;
	*fd = tfds[i].tfd;
	if (is_target(*pid, *fd, &r) || find_fd(files, is_target, &r, pid, fd) == 0)
		return 0;
	pr_err("epoll fd %d of %d: its target registered as fd %u is open in no process of the "
	       "tree (closed, and held only from outside the tree): cannot restore it",
	       d->fd, d->pid, tfds[i].tfd);
	return -ENOTSUP;
}

/* The id of each target, its records written first if new; *ids is malloc'd. */
static int target_ids(const struct dump_fd *d, struct file_table *files,
		      const struct proc_epoll_tfd *tfds, size_t nr, uint32_t **ids)
{
	size_t i;
	pid_t pid;
	int fd, ret = 0;

	*ids = calloc(nr ? nr : 1, sizeof(**ids));
	if (!*ids)
		return -ENOMEM;
	for (i = 0; i < nr && !ret; i++) {
		ret = locate_target(d, files, tfds, i, &pid, &fd);
		if (!ret)
			ret = file_id_at(files, pid, fd, &(*ids)[i]);
	}
	if (ret) {
		free(*ids);
		*ids = NULL;
	}
	return ret;
}

static int each_target(const struct dump_fd *d, struct file_table *files, int write)
{
	struct proc_epoll_tfd *tfds;
	uint32_t *ids = NULL;
	size_t nr, i;
	int ret;

	ret = proc_parse_epoll(d->pid, d->fd, &tfds, &nr);
	if (!ret)
		ret = target_ids(d, files, tfds, nr, &ids);
	for (i = 0; !ret && write && i < nr; i++) {
		struct rec_epoll_tfd rec = {
		    .tfd = tfds[i].tfd,
		    .target_id = ids[i],
		    .events = tfds[i].events,
		    .data = tfds[i].data,
		};

		ret = img_write(&files->img, REC_EPOLL_TFD, &rec, sizeof(rec));
	}
	free(ids);
	free(tfds);
	return ret;
}

int add_epoll_targets(const struct dump_fd *d, struct file_table *files)
{
	return each_target(d, files, 0);
}

int dump_epoll(const struct dump_fd *d, struct file_table *files)
{
	return each_target(d, files, 1);
}
