// SPDX-License-Identifier: MIT
/* signalfd: the signals it reads, from fdinfo. Whose signals it reads is the reader's business. */
#include "dump/files.h"

int dump_signalfd(const struct dump_fd *d, struct file_table *files)
{
	struct proc_signalfd sfd;
	struct rec_signalfd rec;
	int ret;

	ret = proc_parse_signalfd(d->pid, d->fd, &sfd);
	if (ret)
		return ret;
	rec.sigmask = sfd.sigmask;
	return img_write(&files->img, REC_SIGNALFD, &rec, sizeof(rec));
}
