// SPDX-License-Identifier: MIT
/*
 * How the scheduler treats a thread, read from outside (every call below takes a TID and lets
 * root read any thread): policy, real-time priority, flags and deadline parameters
 * (sched_getattr); nice (getpriority: a FIFO or RR thread keeps one too, for when it leaves its
 * real-time policy); the CPUs it may run on (sched_getaffinity); its I/O priority (ioprio_get);
 * its timer slack (/proc/TID/timerslack_ns). All of them are per thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/ioprio.h>
#include <linux/sched/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/dump.h"
#include "images/image.h"

static int read_attr(pid_t tid, struct rec_sched *rec)
{
	struct sched_attr attr = {0};

	if (syscall(SYS_sched_getattr, tid, &attr, sizeof(attr), 0))
		return pr_perror("cannot read the scheduling policy of thread %d", tid);
	rec->policy = attr.sched_policy;
	rec->priority = attr.sched_priority;
	rec->flags = attr.sched_flags;
	rec->runtime = attr.sched_runtime;
	rec->deadline = attr.sched_deadline;
	rec->period = attr.sched_period;
	return 0;
}

static int read_nice(pid_t tid, struct rec_sched *rec)
{
	errno = 0;
	rec->nice = getpriority(PRIO_PROCESS, tid);
	if (rec->nice == -1 && errno)
		return pr_perror("cannot read the nice value of thread %d", tid);
	return 0;
}

static int read_affinity(pid_t tid, struct rec_sched *rec)
{
	if (syscall(SYS_sched_getaffinity, tid, sizeof(rec->cpus), rec->cpus) < 0) {
		if (errno == EINVAL)
			pr_err("thread %d: this machine has more CPUs than cryo keeps (%zu)", tid,
			       sizeof(rec->cpus) * 8);
		else
			pr_perror("cannot read the CPU affinity of thread %d", tid);
		return -EINVAL;
	}
	return 0;
}

static int read_ioprio(pid_t tid, struct rec_sched *rec)
{
	long prio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, tid);

	if (prio < 0)
		return pr_perror("cannot read the I/O priority of thread %d", tid);
	rec->ioprio = prio;
	return 0;
}

/* /proc/TID, not /proc/PID/task/TID: the file is only in the former. */
static int read_timerslack(pid_t tid, struct rec_sched *rec)
{
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", tid);
	f = fopen(path, "re");
	if (!f)
		return pr_perror("cannot open %s", path);
	n = fscanf(f, "%" SCNu64, &rec->timerslack_ns);
	fclose(f);
	if (n != 1) {
		pr_err("%s: not a number", path);
		return -EINVAL;
	}
	return 0;
}

int dump_sched(struct img *img, pid_t tid)
{
	struct rec_sched rec = {0};
	int ret;

	ret = read_attr(tid, &rec);
	if (!ret)
		ret = read_nice(tid, &rec);
	if (!ret)
		ret = read_affinity(tid, &rec);
	if (!ret)
		ret = read_ioprio(tid, &rec);
	if (!ret)
		ret = read_timerslack(tid, &rec);
	return ret ? ret : img_write(img, REC_SCHED, &rec, sizeof(rec));
}
