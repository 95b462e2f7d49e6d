// SPDX-License-Identifier: MIT
/*
 * File locks (--file-locks, criu's name), as fdinfo lists them under the descriptor they are
 * held through. A flock or OFD lock belongs to the open file description: it is written once,
 * after the description's records in files.img. A POSIX lock belongs to the process: it is
 * written after the first descriptor of its open file description in the process's fds image.
 * Without --file-locks a process holding a lock is refused, as are leases.
 */
#include <errno.h>

#include "common/log.h"
#include "dump/dump.h"
#include "dump/files.h"

static const char *const kind_names[] = {
    [PROC_LOCK_OTHER] = "lease",
    [PROC_LOCK_FLOCK] = "flock",
    [PROC_LOCK_POSIX] = "POSIX lock",
    [PROC_LOCK_OFD] = "OFD lock",
};

int check_fd_locks(const struct dump_fd *d, const struct dump_opts *opts)
{
	const struct proc_lock *l = d->fi.locks;

	if (!d->fi.nr_locks)
		return 0;
	if (!opts->file_locks) {
		pr_err("process %d holds a file lock (a %s, through fd %d, %s): dump with "
		       "--file-locks",
		       d->pid, kind_names[l->kind], d->fd, d->link);
		return -ENOTSUP;
	}
	for (; l < d->fi.locks + d->fi.nr_locks; l++) {
		if (l->kind == PROC_LOCK_OTHER) {
			pr_err("fd %d of %d (%s) holds a lease: not supported", d->fd, d->pid,
			       d->link);
			return -ENOTSUP;
		}
	}
	return 0;
}

static int write_locks(const struct dump_fd *d, struct img *img, int posix)
{
	const struct proc_lock *l;
	int ret = 0;

	for (l = d->fi.locks; l < d->fi.locks + d->fi.nr_locks && !ret; l++) {
		struct rec_file_lock rec = {
		    .kind = l->kind == PROC_LOCK_FLOCK	 ? FILE_LOCK_FLOCK
			    : l->kind == PROC_LOCK_POSIX ? FILE_LOCK_POSIX
							 : FILE_LOCK_OFD,
		    .write = l->write,
		    .start = l->start,
		    .len = l->end == UINT64_MAX ? 0 : l->end - l->start + 1,
		};

		if ((l->kind == PROC_LOCK_POSIX) != posix)
			continue;
		if (rec.kind == FILE_LOCK_FLOCK)
			rec.start = rec.len = 0;
		ret = img_write(img, REC_FILE_LOCK, &rec, sizeof(rec));
	}
	return ret;
}

int dump_description_locks(const struct dump_fd *d, struct img *img)
{
	return write_locks(d, img, 0);
}

int dump_posix_locks(const struct dump_fd *d, struct img *img)
{
	return write_locks(d, img, 1);
}
