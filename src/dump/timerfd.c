// SPDX-License-Identifier: MIT
/*
 * timerfd. fdinfo gives its clock, settime flags, time left, interval and the expirations counted
 * since the last read. A periodic timer that expired is re-armed only when it is read, which also
 * counts the periods missed meanwhile: fdinfo still says 1 expiration and no time left. So cryo
 * reads such a timer itself, through its own descriptor on it, never waiting (RWF_NOWAIT), and
 * gives the count back at once with TFD_IOC_SET_TICKS: the process reads the count it would have
 * read, and the timer is armed for its next period, whose time left fdinfo then shows.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "dump/files.h"

#define NSEC_PER_SEC 1000000000ull

static int is_periodic(const struct proc_timerfd *t)
{
	return t->interval[0] || t->interval[1];
}

/* Read the expirations of fd and put them back: how many, 0 if there were none. */
static int take_and_give_back(const struct dump_fd *d, int fd, uint64_t *ticks)
{
	struct iovec iov = {.iov_base = ticks, .iov_len = sizeof(*ticks)};
	uint64_t zero = 0;

	/* Checked first: a kernel without it would lose what the read takes. */
	if (ioctl(fd, TFD_IOC_SET_TICKS, &zero) == 0 || errno != EINVAL) {
		pr_warn("fd %d of %d: this kernel cannot set a timerfd's expirations "
			"(TFD_IOC_SET_TICKS): those of a periodic timer are counted as 1",
			d->fd, d->pid);
		return 1;
	}
	*ticks = 0;
	if (preadv2(fd, &iov, 1, -1, RWF_NOWAIT) != sizeof(*ticks))
		return errno == EAGAIN ? 0
				       : pr_perror("cannot read timerfd %d of %d", d->fd, d->pid);
	if (ioctl(fd, TFD_IOC_SET_TICKS, ticks))
		return pr_perror("timerfd %d of %d lost %lu expirations: cannot give them back",
				 d->fd, d->pid, (unsigned long)*ticks);
	return 0;
}

/* The periods a periodic timer missed since it expired, counted in t->ticks, its time left too. */
static int count_missed_periods(const struct dump_fd *d, struct proc_timerfd *t)
{
	uint64_t ticks;
	int fd = grab_file(d), ret;

	if (fd < 0)
		return fd;
	ret = take_and_give_back(d, fd, &ticks);
	close(fd);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = proc_parse_timerfd(d->pid, d->fd, t);
	if (!ret && t->ticks != ticks) {
		pr_err("timerfd %d of %d: %lu expirations read, %lu given back", d->fd, d->pid,
		       (unsigned long)ticks, (unsigned long)t->ticks);
		ret = -EIO;
	}
	return ret;
}

/* An absolute timer: its time left from now, as the time on its clock. */
static int absolute_expiry(const struct dump_fd *d, struct proc_timerfd *t)
{
	struct timespec now;

	if (!t->value[0] && !t->value[1] && !is_periodic(t))
		return 0; /* disarmed */
	if (clock_gettime(t->clockid, &now))
		return pr_perror("cannot read clock %u of timerfd %d of %d", t->clockid, d->fd,
				 d->pid);
	t->value[0] += now.tv_sec;
	t->value[1] += now.tv_nsec;
	t->value[0] += t->value[1] / NSEC_PER_SEC;
	t->value[1] %= NSEC_PER_SEC;
	return 0;
}

int dump_timerfd(const struct dump_fd *d, struct file_table *files)
{
	struct proc_timerfd t;
	struct rec_timerfd rec;
	int ret;

	ret = proc_parse_timerfd(d->pid, d->fd, &t);
	if (!ret && t.ticks && is_periodic(&t))
		ret = count_missed_periods(d, &t);
	if (!ret && (t.settime_flags & TFD_TIMER_ABSTIME))
		ret = absolute_expiry(d, &t);
	if (ret)
		return ret;
	rec = (struct rec_timerfd){
	    .clockid = t.clockid,
	    .settime_flags = t.settime_flags,
	    .ticks = t.ticks,
	    .value_sec = t.value[0],
	    .value_nsec = t.value[1],
	    .interval_sec = t.interval[0],
	    .interval_nsec = t.interval[1],
	};
	return img_write(&files->img, REC_TIMERFD, &rec, sizeof(rec));
}
