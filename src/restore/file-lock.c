// SPDX-License-Identifier: MIT
/*
 * File locks (--file-locks). A flock or OFD lock belongs to an open file description: cryo takes
 * it on the description in the pool, which the processes then share. A POSIX lock belongs to a
 * process: the process takes it itself, through the fd it was taken through, once the pool is
 * closed (closing any descriptor of a file drops the process's POSIX locks on it). A lock that
 * someone outside the tree has taken meanwhile fails the restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>

#include "common/log.h"
#include "restore/files.h"
#include "restore/restore.h"

int add_description_lock(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	const struct rec_file_lock *r = rec->data;
	struct rec_file_lock *grown;

	if ((r->kind != FILE_LOCK_FLOCK && r->kind != FILE_LOCK_OFD) || r->write > 1) {
		pr_err("%s: file %u: a file lock that an open file description cannot hold",
		       img->name, f->rec.id);
		return -EINVAL;
	}
	grown = realloc(f->locks, (f->nr_locks + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->locks = grown;
	grown[f->nr_locks++] = *r;
	return 0;
}

static struct flock range_of(const struct rec_file_lock *r)
{
	return (struct flock){
	    .l_type = r->write ? F_WRLCK : F_RDLCK,
	    .l_whence = SEEK_SET,
	    .l_start = r->start,
	    .l_len = r->len,
	};
}

int take_description_locks(const struct image_file *f, int fd)
{
	size_t i;

	for (i = 0; i < f->nr_locks; i++) {
		const struct rec_file_lock *r = &f->locks[i];
		struct flock fl = range_of(r);
		int ret = r->kind == FILE_LOCK_FLOCK
			      ? flock(fd, (r->write ? LOCK_EX : LOCK_SH) | LOCK_NB)
			      : fcntl(fd, F_OFD_SETLK, &fl);

		if (ret)
			return pr_perror("cannot take the %s lock of file %u again",
					 r->kind == FILE_LOCK_FLOCK ? "flock" : "OFD", f->rec.id);
	}
	return 0;
}

int restore_posix_locks(const struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_locks; i++) {
		struct flock fl = range_of(&ti->locks[i].rec);

		if (fcntl(ti->locks[i].fd, F_SETLK, &fl))
			return pr_perror(
			    "process %d cannot take its POSIX lock through fd %u again", ti->pid,
			    ti->locks[i].fd);
	}
	return 0;
}

int check_file_locks(const struct restore_tree *tree, int allowed)
{
	size_t i, locks = 0;

	for (i = 0; i < tree->files.nr; i++)
		locks += tree->files.files[i].nr_locks;
	for (i = 0; i < tree->nr; i++)
		locks += tree->procs[i].rec.zombie ? 0 : tree->procs[i].ti.nr_locks;
	if (locks && !allowed) {
		pr_err("the images hold %zu file lock(s): restore with --file-locks", locks);
		return -EINVAL;
	}
	return 0;
}
