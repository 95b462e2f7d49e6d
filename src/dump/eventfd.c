// SPDX-License-Identifier: MIT
/* eventfd: its counter and whether it is a semaphore, from fdinfo. */
#include "common/log.h"
#include "dump/files.h"

int dump_eventfd(const struct dump_fd *d, struct file_table *files)
{
	struct proc_eventfd efd;
	struct rec_eventfd rec = {0};
	int ret;

	ret = proc_parse_eventfd(d->pid, d->fd, &efd);
	if (ret)
		return ret;
	if (efd.semaphore == PROC_UNKNOWN)
		pr_warn("fd %d of %d: this kernel does not tell whether an eventfd is a semaphore "
			"(EFD_SEMAPHORE): it is restored as a counter",
			d->fd, d->pid);
	rec.count = efd.count;
	rec.semaphore = efd.semaphore == 1;
	return img_write(&files->img, REC_EVENTFD, &rec, sizeof(rec));
}
