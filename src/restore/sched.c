// SPDX-License-Identifier: MIT
/*
 * A thread's scheduling settings at restore, set from outside by cryo (root) on the thread's TID
 * once the restorer is done with it, before the tree is let go: nothing of cryo's runs under the
 * thread's policy, its CPUs or its timer slack. In the order that works for every policy: the
 * policy with its priority and flags (switching to or from real time resets the timer slack),
 * nice (which sched_setattr does not set for FIFO and RR), the CPUs, the I/O priority, the timer
 * slack (0 for a real-time thread, whatever is written).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/restore.h"

/*
 * The runtime of a thread that is not DEADLINE is its time slice (Linux 6.12 on), the kernel's
 * default unless the thread chose one. Given back, the default would become the thread's choice:
 * it goes back as 0, the default, when it is the slice of cryo, which has the default.
 */
static uint64_t chosen_slice(uint64_t slice)
{
	struct sched_attr own = {0};

	if (syscall(SYS_sched_getattr, 0, &own, sizeof(own), 0) || own.sched_runtime != slice)
		return slice;
	return 0;
}

static int set_attr(pid_t tid, const struct rec_sched *s)
{
	uint64_t runtime = s->policy == SCHED_DEADLINE ? s->runtime : chosen_slice(s->runtime);
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = s->policy,
		.sched_flags = s->flags,
		.sched_nice = s->nice,
		.sched_priority = s->priority,
		.sched_runtime = runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
	};

	if (syscall(SYS_sched_setattr, tid, &attr, 0))
		return pr_perror("cannot set scheduling policy %u (priority %u, flags %#" PRIx64
				 ") of thread %d",
				 s->policy, s->priority, s->flags, tid);
	return 0;
}

static int set_timerslack(pid_t tid, uint64_t ns)
{
	char path[64], buf[32];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", tid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open %s", path);
	n = snprintf(buf, sizeof(buf), "%" PRIu64, ns);
	if (write(fd, buf, n) != n)
		ret = pr_perror("cannot write %" PRIu64 " to %s", ns, path);
	close(fd);
	return ret;
}

int restore_sched(pid_t tid, const struct rec_sched *s)
{
	int ret;

	ret = set_attr(tid, s);
	if (ret)
		return ret;
	if (setpriority(PRIO_PROCESS, tid, s->nice))
		return pr_perror("cannot set the nice value of thread %d to %d", tid, s->nice);
	if (syscall(SYS_sched_setaffinity, tid, sizeof(s->cpus), s->cpus))
		return pr_perror("cannot set the CPU affinity of thread %d", tid);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid, s->ioprio))
		return pr_perror("cannot set the I/O priority of thread %d to %#x", tid, s->ioprio);
	return set_timerslack(tid, s->timerslack_ns);
}
