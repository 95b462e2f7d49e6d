// SPDX-License-Identifier: MIT
/*
 * timerfd: a new one on the same clock, armed with the time left as at dump (the time frozen does
 * not count, as for interval timers), or at the same absolute time with TFD_TIMER_ABSTIME (then
 * periods that went by count as expirations); the expirations not read yet are given back with
 * TFD_IOC_SET_TICKS.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "restore/files.h"

#define NSEC_PER_SEC 1000000000u

static int load_timerfd(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	return load_single_record(f, img, rec, REC_TIMERFD);
}

static int check_timerfd(const struct file_pool *pool, const struct image_file *f)
{
	const struct rec_timerfd *t = f->priv;
	int ret = check_single_record(pool, f);

	if (!ret && (t->value_nsec >= NSEC_PER_SEC || t->interval_nsec >= NSEC_PER_SEC ||
		     t->value_sec > INT64_MAX || t->interval_sec > INT64_MAX)) {
		pr_err("files.img: file %u: a timerfd with a bad time", f->rec.id);
		ret = -EINVAL;
	}
	return ret;
}

static int arm(int fd, const struct rec_timerfd *t)
{
	struct itimerspec its = {
	    .it_value = {t->value_sec, t->value_nsec},
	    .it_interval = {t->interval_sec, t->interval_nsec},
	};

	/* A periodic timer dumped at the instant it expired: it expires at once, as it had. */
	if (!t->value_sec && !t->value_nsec && (t->interval_sec || t->interval_nsec) &&
	    !(t->settime_flags & TFD_TIMER_ABSTIME))
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(fd, t->settime_flags, &its, NULL))
		return pr_perror("cannot arm a timerfd of clock %u", t->clockid);
	return 0;
}

static int open_timerfd(struct file_pool *pool, struct image_file *f)
{
	const struct rec_timerfd *t = f->priv;
	int fd = timerfd_create(t->clockid, TFD_CLOEXEC), ret;

	if (fd < 0)
		return pr_perror("cannot create a timerfd of clock %u", t->clockid);
	ret = arm(fd, t);
	if (!ret && t->ticks && ioctl(fd, TFD_IOC_SET_TICKS, &t->ticks))
		ret = pr_perror("cannot give a timerfd its %lu expirations back",
				(unsigned long)t->ticks);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

const struct file_restorer timerfd_restorer = {
    .load = load_timerfd,
    .check = check_timerfd,
    .open = open_timerfd,
    .release = release_priv,
};
