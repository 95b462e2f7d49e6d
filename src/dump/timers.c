// SPDX-License-Identifier: MIT
/*
 * POSIX timers (timer_create). /proc/PID/timers lists them with their clock and notification;
 * only the task itself can read how much time each has left and its overrun count, which the
 * parasite does (infect.c). Each becomes a REC_POSIX_TIMER of core-PID.img. A timer cryo could
 * not create again as it is, on the clock it measures, is refused before the task is touched.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "images/image.h"

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif

#define NSEC_PER_SEC 1000000000ull

/* The clocks with timers of their own: the timer measures time, not a task's CPU time. */
static const clockid_t time_clocks[] = {
    CLOCK_REALTIME,	  CLOCK_MONOTONIC,	  CLOCK_BOOTTIME,
    CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_TAI,
};

/*
 * A CPU-time clock id packs a pid or tid (0: the caller) and what it counts: ~pid << 3, bit 2
 * for a thread, bits 0-1 the kind; kind 3 is no CPU clock but a clock device opened as a file.
 */
#define CPUCLOCK_PID(clock) (~((clock) >> 3))
#define CPUCLOCK_PERTHREAD(clock) ((clock) & 4)
#define CPUCLOCK_KIND(clock) ((clock) & 3)
#define CLOCKFD 3

static bool is_thread_of(const struct dump_task *t, pid_t tid)
{
	size_t i;

	for (i = 0; i < t->nr_threads; i++)
		if (t->threads[i].tid == tid)
			return true;
	return false;
}

static int refuse(const struct dump_task *t, const struct proc_timer *pt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One error line: which timer, why, and that the dump stops there. */
static int refuse(const struct dump_task *t, const struct proc_timer *pt, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("process %d: POSIX timer %d %s: cryo cannot restore it", t->pid, pt->id, why);
	return -ENOTSUP;
}

/*
 * A CPU-time timer comes back on the same clock id: of the process itself (pid 0 or its own),
 * or of one of its threads, which keep their TIDs. Of "the calling thread" (tid 0) it means the
 * thread that created it, which nothing shows: only when there is one thread is it known.
 */
static int check_cpu_clock(const struct dump_task *t, const struct proc_timer *pt)
{
	pid_t who = CPUCLOCK_PID(pt->clock);

	if (CPUCLOCK_KIND(pt->clock) == CLOCKFD)
		return refuse(t, pt, "runs on the clock of a device (clock id %d)", pt->clock);
	if (!CPUCLOCK_PERTHREAD(pt->clock) && who && who != t->pid)
		return refuse(t, pt, "measures the CPU time of another process, %d", who);
	if (CPUCLOCK_PERTHREAD(pt->clock) && who && !is_thread_of(t, who))
		return refuse(t, pt, "measures the CPU time of %d, not a thread of the process",
			      who);
	if (CPUCLOCK_PERTHREAD(pt->clock) && !who && t->nr_threads > 1)
		return refuse(t, pt,
			      "measures the CPU time of the thread that created it, which of the "
			      "%zu threads is not known",
			      t->nr_threads);
	return 0;
}

static int check_clock(const struct dump_task *t, const struct proc_timer *pt)
{
	size_t i;

	if (pt->clock < 0)
		return check_cpu_clock(t, pt);
	for (i = 0; i < ARRAY_SIZE(time_clocks); i++)
		if (pt->clock == time_clocks[i])
			return 0;
	return refuse(t, pt, "runs on clock %d, which has no timers", pt->clock);
}

/* The signal goes to the process itself or to one of its threads, which must still be there. */
static int check_notify(const struct dump_task *t, const struct proc_timer *pt)
{
	if (pt->notify & SIGEV_THREAD_ID) {
		if (!is_thread_of(t, pt->target))
			return refuse(t, pt, "signals thread %d, which is not one of the process's",
				      pt->target);
	} else if (pt->target != t->pid) {
		return refuse(t, pt, "signals another process, %d", pt->target);
	}
	if (pt->notify != SIGEV_NONE && (pt->signo < 1 || pt->signo > BLOB_NSIG))
		return refuse(t, pt, "has the bad signal number %d", pt->signo);
	return 0;
}

int collect_timers(struct dump_task *t)
{
	struct proc_timer *found;
	size_t nr, i;
	int ret;

	ret = proc_parse_timers(t->pid, &found, &nr);
	for (i = 0; i < nr && !ret; i++)
		ret = check_clock(t, &found[i]) ?: check_notify(t, &found[i]);
	if (!ret && nr) {
		t->timers = calloc(nr, sizeof(*t->timers));
		ret = t->timers ? 0 : -ENOMEM;
	}
	for (i = 0; i < nr && !ret; i++) {
		t->timers[i].proc = found[i];
		t->timers[i].state.id = found[i].id;
	}
	if (!ret)
		t->nr_timers = nr;
	free(found);
	return ret;
}

static uint64_t timespec_ns(int64_t sec, int64_t nsec)
{
	return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)nsec;
}

int write_timers(struct img *img, const struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_timers && !ret; i++) {
		const struct proc_timer *pt = &t->timers[i].proc;
		const struct parasite_timer *st = &t->timers[i].state;
		struct rec_posix_timer rec = {
			.id = pt->id,
			.clock = pt->clock,
			.notify = pt->notify,
			.signo = pt->signo,
			.sigval = pt->sigval,
			.tid = pt->notify & SIGEV_THREAD_ID ? pt->target : 0,
			.overrun = st->overrun,
			.value_ns = timespec_ns(st->spec.value_sec, st->spec.value_nsec),
			.interval_ns = timespec_ns(st->spec.interval_sec, st->spec.interval_nsec),
		};

		ret = img_write(img, REC_POSIX_TIMER, &rec, sizeof(rec));
	}
	return ret;
}

static const struct dump_timer *find_timer(const struct dump_task *t, int32_t id)
{
	size_t i;

	for (i = 0; i < t->nr_timers; i++)
		if (t->timers[i].proc.id == id)
			return &t->timers[i];
	return NULL;
}

/*
 * A queued timer signal is delivered only if its timer still exists and was not armed again
 * since it fired; otherwise the kernel drops it when it is dequeued. Of what it drops, cryo can
 * tell two cases apart: the timer was deleted, or it is a one-shot timer armed again (which
 * also covers one that fired during the dump, after the parasite read it armed: it is restored
 * armed, and must not signal twice). Those are not dumped. A periodic timer armed again, or a
 * one-shot one disarmed, after its signal was queued looks like any other.
 */
bool timer_signal_dropped(const struct dump_task *t, const struct rec_siginfo *info)
{
	const struct dump_timer *timer;
	siginfo_t si;

	memcpy(&si, info->info, sizeof(si));
	if (si.si_code != SI_TIMER)
		return false;
	timer = find_timer(t, si.si_timerid);
	if (!timer) {
		pr_info("%d: signal %d of the deleted timer %d dropped", t->pid, si.si_signo,
			si.si_timerid);
		return true;
	}
	if (!timer->state.spec.interval_sec && !timer->state.spec.interval_nsec &&
	    (timer->state.spec.value_sec || timer->state.spec.value_nsec)) {
		pr_info("%d: signal %d of timer %d, armed again, dropped", t->pid, si.si_signo,
			si.si_timerid);
		return true;
	}
	return false;
}
