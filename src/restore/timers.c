// SPDX-License-Identifier: MIT
/*
 * POSIX timers at restore: checked with the images, then handed to the restorer, which creates
 * each with its own ID once the threads exist and arms it with the time it had left at dump
 * (restore_timers() in restorer.c). Time does not pass for a checkpointed process: a timer has
 * as much left after restore as it had when it was dumped, like an interval timer.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <time.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "restore/restore.h"

#define NSEC_PER_SEC 1000000000ull

static bool has_thread(const struct task_image *ti, uint32_t tid)
{
	size_t i;

	for (i = 0; i < ti->nr_threads; i++)
		if (ti->threads[i].rec.tid == tid)
			return true;
	return false;
}

int check_timers(const struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_timers; i++) {
		const struct rec_posix_timer *t = &ti->timers[i];
		bool to_thread = t->notify & SIGEV_THREAD_ID;

		if (to_thread ? !has_thread(ti, t->tid) : t->tid != 0) {
			pr_err("core-%d.img: POSIX timer %d signals %u, not one of its threads",
			       ti->pid, t->id, t->tid);
			return -EINVAL;
		}
	}
	if (ti->nr_timers &&
	    prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET, 0, 0, 0) < 0) {
		pr_err("process %d has POSIX timers: restoring their IDs needs Linux 6.15 or later "
		       "(prctl PR_TIMER_CREATE_RESTORE_IDS)",
		       ti->pid);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Whether the restorer can make the kernel count the timer's overruns again, by taking one of
 * its signals that many intervals late (restorer.c): a signal that can wait blocked (not SIGKILL
 * nor SIGSTOP), to the process or to its main thread, which runs the restorer, on a clock where
 * the timer can be armed in the past (a CPU-time clock only moves while the process runs), with
 * a past that late after the clock's 0.
 */
static bool can_replay_overrun(const struct rec_posix_timer *t, uint32_t leader)
{
	uint64_t late, now_ns;
	struct timespec now;

	if (!t->overrun || !t->interval_ns || !t->value_ns || t->notify == SIGEV_NONE ||
	    t->signo == SIGKILL || t->signo == SIGSTOP ||
	    ((t->notify & SIGEV_THREAD_ID) && t->tid != leader) || t->clock < 0)
		return false;
	if (__builtin_mul_overflow((uint64_t)t->overrun + 1, t->interval_ns, &late) ||
	    clock_gettime(t->clock, &now))
		return false;
	now_ns = (uint64_t)now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
	return now_ns + t->value_ns > late;
}

static void to_itimerspec(uint64_t value_ns, uint64_t interval_ns, struct blob_itimerspec *spec)
{
	spec->value_sec = value_ns / NSEC_PER_SEC;
	spec->value_nsec = value_ns % NSEC_PER_SEC;
	spec->interval_sec = interval_ns / NSEC_PER_SEC;
	spec->interval_nsec = interval_ns % NSEC_PER_SEC;
}

void fill_timers(const struct task_image *ti, const struct bootstrap *bs,
		 struct restorer_args *args)
{
	struct restorer_timer *rt = (struct restorer_timer *)bs->timers;
	size_t i;

	for (i = 0; i < ti->nr_timers; i++) {
		const struct rec_posix_timer *t = &ti->timers[i];

		rt[i] = (struct restorer_timer){
			.id = t->id,
			.clock = t->clock,
			.event = {.value = t->sigval,
				  .signo = t->signo,
				  .notify = t->notify,
				  .tid = t->tid},
		};
		to_itimerspec(t->value_ns, t->interval_ns, &rt[i].spec);
		if (can_replay_overrun(t, ti->pid))
			rt[i].overrun = t->overrun;
		else if (t->overrun)
			pr_warn("POSIX timer %d of %d: its overrun count, %d, comes back as 0",
				t->id, ti->pid, t->overrun);
	}
	args->timers = bs->timers;
	args->nr_timers = ti->nr_timers;
}
