// SPDX-License-Identifier: MIT
/*
 * The owner of an open file description (F_SETOWN_EX) and the signal it sends (F_SETSIG): who
 * gets SIGIO, or that signal, when I/O is possible on a file opened with O_ASYNC. Both belong to
 * the open file description: cryo reads them through its own copy of it.
 */
#include <fcntl.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/files.h"

int dump_file_owner(const struct dump_fd *d, struct img *img)
{
	struct f_owner_ex owner = {0};
	struct rec_file_owner rec = {0};
	int fd, sig, ret = 0;

	/* An O_PATH descriptor does no I/O: fcntl() does not even answer. */
	if (d->fi.flags & O_PATH)
		return 0;
	fd = grab_file(d);
	if (fd < 0)
		return fd;
	sig = fcntl(fd, F_GETSIG);
	if (sig < 0 || fcntl(fd, F_GETOWN_EX, &owner))
		ret =
		    pr_perror("cannot read the owner of fd %d of %d (%s)", d->fd, d->pid, d->link);
	close(fd);
	if (ret || (!owner.pid && !sig))
		return ret;
	rec.type = owner.type;
	rec.pid = owner.pid;
	rec.signum = sig;
	return img_write(img, REC_FILE_OWNER, &rec, sizeof(rec));
}
