// SPDX-License-Identifier: MIT
/*
 * signalfd: a new one with the same mask. It holds nothing else: a signalfd reads the signals of
 * whichever process reads it, so the one cryo creates serves the restored process as it is.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/files.h"

static int load_signalfd(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	return load_single_record(f, img, rec, REC_SIGNALFD);
}

static int open_signalfd(struct file_pool *pool, struct image_file *f)
{
	const struct rec_signalfd *s = f->priv;
	/* The kernel's sigset, 64 bits: glibc's sigset_t is larger. */
	int fd = syscall(SYS_signalfd4, -1, &s->sigmask, sizeof(s->sigmask), O_CLOEXEC);

	return fd < 0 ? pr_perror("cannot create a signalfd") : fd;
}

const struct file_restorer signalfd_restorer = {
    .load = load_signalfd,
    .check = check_single_record,
    .open = open_signalfd,
    .release = release_priv,
};
