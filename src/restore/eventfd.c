// SPDX-License-Identifier: MIT
/* eventfd: a new one, a semaphore if it was, its counter written back (any 64-bit value). */
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/files.h"

static int load_eventfd(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	return load_single_record(f, img, rec, REC_EVENTFD);
}

static int open_eventfd(struct file_pool *pool, struct image_file *f)
{
	const struct rec_eventfd *e = f->priv;
	int fd = eventfd(0, EFD_CLOEXEC | (e->semaphore ? EFD_SEMAPHORE : 0));

	if (fd < 0)
		return pr_perror("cannot create an eventfd");
	if (e->count && write(fd, &e->count, sizeof(e->count)) != sizeof(e->count)) {
		close(fd);
		return pr_perror("cannot set an eventfd's counter to %lu", (unsigned long)e->count);
	}
	return fd;
}

const struct file_restorer eventfd_restorer = {
    .load = load_eventfd,
    .check = check_single_record,
    .open = open_eventfd,
    .release = release_priv,
};
