// SPDX-License-Identifier: MIT
/*
 * Scheduling settings, per thread: the main thread and six others, each with a policy of its own
 * (OTHER with a negative nice, BATCH, IDLE, FIFO with reset-on-fork, RR, DEADLINE) and its own
 * nice, CPU affinity (one CPU or both), I/O priority (best effort, idle, real time or none) and
 * timer slack, the numbers chosen at random. Each thread sets its own with the calls that take
 * the calling thread (sched_setattr(0), setpriority(PRIO_PROCESS, 0), sched_setaffinity(0),
 * ioprio_set(IOPRIO_WHO_PROCESS, 0), prctl(PR_SET_TIMERSLACK)), reads them back, and after go
 * reads them again: they must not have changed. FIFO, RR and DEADLINE need a real-time budget
 * (cgroup, admission control): a thread that cannot have its policy is noted and left OTHER.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <linux/ioprio.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* <linux/sched/types.h> clashes with <sched.h>: the kernel's struct sched_attr, as of 5.3. */
struct kernel_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 1
#endif

#define NR_THREADS 7 /* the main thread is thread 0 */

/* What a thread reads of itself, before READY and after go. */
struct sched_state {
	pid_t tid;
	struct kernel_sched_attr attr;
	int nice;
	cpu_set_t cpus;
	int ioprio;
	long slack;
};

struct thread {
	int index;
	pthread_t handle;
	/* Chosen at random by the main thread. */
	struct kernel_sched_attr want;
	int nice;
	int cpu; /* -1: every CPU it may use */
	int ioprio;
	long slack;
	/* What the thread found. */
	int policy_err; /* errno of sched_setattr, 0 if it worked */
	struct sched_state before, after;
};

static struct thread threads[NR_THREADS];
static pthread_barrier_t started;
static atomic_int go;

static int nr_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		wl_die("sched_getaffinity: %s", strerror(errno));
	return CPU_COUNT(&set);
}

static void observe(struct sched_state *s)
{
	s->tid = gettid();
	if (syscall(SYS_sched_getattr, 0, &s->attr, sizeof(s->attr), 0))
		wl_die("sched_getattr: %s", strerror(errno));
	errno = 0;
	s->nice = getpriority(PRIO_PROCESS, 0);
	if (s->nice == -1 && errno)
		wl_die("getpriority: %s", strerror(errno));
	if (sched_getaffinity(0, sizeof(s->cpus), &s->cpus))
		wl_die("sched_getaffinity: %s", strerror(errno));
	s->ioprio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
	if (s->ioprio < 0)
		wl_die("ioprio_get: %s", strerror(errno));
	s->slack = prctl(PR_GET_TIMERSLACK);
}

/* Nice and slack first: a real-time policy then puts the slack to 0 by itself. */
static void set_up(struct thread *t)
{
	cpu_set_t set;

	if (setpriority(PRIO_PROCESS, 0, t->nice))
		wl_die("thread %d: setpriority %d: %s", t->index, t->nice, strerror(errno));
	if (prctl(PR_SET_TIMERSLACK, t->slack))
		wl_die("thread %d: PR_SET_TIMERSLACK: %s", t->index, strerror(errno));
	CPU_ZERO(&set);
	if (t->cpu < 0)
		sched_getaffinity(0, sizeof(set), &set);
	else
		CPU_SET(t->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		wl_die("thread %d: sched_setaffinity: %s", t->index, strerror(errno));
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, t->ioprio))
		wl_die("thread %d: ioprio_set %#x: %s", t->index, t->ioprio, strerror(errno));
	if (syscall(SYS_sched_setattr, 0, &t->want, 0))
		t->policy_err = errno;
}

static void wait_go(void)
{
	const struct timespec tick = {.tv_nsec = 5 * 1000 * 1000};

	while (!atomic_load(&go))
		nanosleep(&tick, NULL);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	set_up(t);
	observe(&t->before);
	pthread_barrier_wait(&started);
	wait_go();
	observe(&t->after);
	return t;
}

static uint32_t random_in(uint32_t lo, uint32_t hi)
{
	return lo + wl_random_u64() % (hi - lo + 1);
}

/*
 * Thread i's settings: its policy by its index, the numbers at random. Threads 2 and 5 may run
 * anywhere, the others alternate between CPU 0 only and CPU 1 only from a random start.
 */
static void choose(struct thread *t, int i, int cpus, int first_cpu)
{
	static const uint32_t policies[NR_THREADS] = {
	    SCHED_OTHER, SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR, SCHED_DEADLINE,
	};
	static const int classes[NR_THREADS] = {
	    IOPRIO_CLASS_BE, IOPRIO_CLASS_NONE, IOPRIO_CLASS_BE,   IOPRIO_CLASS_IDLE,
	    IOPRIO_CLASS_RT, IOPRIO_CLASS_BE,	IOPRIO_CLASS_NONE,
	};
	struct kernel_sched_attr *a = &t->want;

	t->index = i;
	/* Thread 1 has a negative nice (root may); the others a positive one. */
	t->nice = i == 1 ? -(int)random_in(1, 20) : (int)random_in(1, 19);
	t->cpu = i % 3 == 2 || cpus < 2 ? -1 : (first_cpu + i) % 2;
	t->ioprio = classes[i] == IOPRIO_CLASS_NONE
			? 0
			: IOPRIO_PRIO_VALUE(classes[i],
					    classes[i] == IOPRIO_CLASS_IDLE ? 0 : random_in(0, 7));
	t->slack = random_in(1, 20000000);
	*a = (struct kernel_sched_attr){.size = sizeof(*a), .sched_policy = policies[i]};
	if (a->sched_policy == SCHED_OTHER || a->sched_policy == SCHED_BATCH ||
	    a->sched_policy == SCHED_IDLE)
		a->sched_nice = t->nice;
	if (a->sched_policy == SCHED_FIFO || a->sched_policy == SCHED_RR)
		a->sched_priority = random_in(1, 50);
	if (a->sched_policy == SCHED_FIFO)
		a->sched_flags = SCHED_FLAG_RESET_ON_FORK;
	if (a->sched_policy == SCHED_DEADLINE) {
		/* A small budget: 100 to 500 us every 20 to 50 ms. */
		a->sched_runtime = random_in(100, 500) * 1000ull;
		a->sched_period = random_in(20, 50) * 1000000ull;
		a->sched_deadline = a->sched_period;
		t->cpu = -1; /* a deadline thread may run on every CPU */
	}
}

static bool is_rt(uint32_t policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE;
}

/* What a thread found before READY must be what was chosen for it. */
static void check_set_up(const struct thread *t)
{
	const struct sched_state *s = &t->before;
	const struct kernel_sched_attr *w = &t->want;
	long slack = is_rt(s->attr.sched_policy) ? 0 : t->slack;

	if (t->policy_err) {
		wl_note("thread %d: policy %u not allowed here (%s), not tested", t->index,
			w->sched_policy, strerror(t->policy_err));
		return;
	}
	/* A fair thread's runtime is its time slice (Linux 6.12 on): the default, not chosen. */
	if (s->attr.sched_policy != w->sched_policy || s->attr.sched_flags != w->sched_flags ||
	    s->attr.sched_priority != w->sched_priority ||
	    (w->sched_policy == SCHED_DEADLINE && (s->attr.sched_runtime != w->sched_runtime ||
						   s->attr.sched_period != w->sched_period)))
		wl_die(
		    "thread %d: policy %u flags %#lx priority %u runtime %lu, want %u %#lx %u %lu",
		    t->index, s->attr.sched_policy, (unsigned long)s->attr.sched_flags,
		    s->attr.sched_priority, (unsigned long)s->attr.sched_runtime, w->sched_policy,
		    (unsigned long)w->sched_flags, w->sched_priority,
		    (unsigned long)w->sched_runtime);
	if (s->nice != t->nice || s->ioprio != t->ioprio || s->slack != slack ||
	    (t->cpu >= 0 && (CPU_COUNT(&s->cpus) != 1 || !CPU_ISSET(t->cpu, &s->cpus))))
		wl_die("thread %d: nice %d ioprio %#x slack %ld, want %d %#x %ld (or CPU %d)",
		       t->index, s->nice, s->ioprio, s->slack, t->nice, t->ioprio, slack, t->cpu);
}

static void start_threads(void)
{
	int cpus = nr_cpus(), first_cpu = random_in(0, 1), i, err;

	err = pthread_barrier_init(&started, NULL, NR_THREADS);
	if (err)
		wl_die("pthread_barrier_init: %s", strerror(err));
	for (i = 0; i < NR_THREADS; i++)
		choose(&threads[i], i, cpus, first_cpu);
	threads[0].handle = pthread_self();
	for (i = 1; i < NR_THREADS; i++) {
		err = pthread_create(&threads[i].handle, NULL, thread_main, &threads[i]);
		if (err)
			wl_die("pthread_create: %s", strerror(err));
	}
	set_up(&threads[0]);
	observe(&threads[0].before);
	pthread_barrier_wait(&started);
	for (i = 0; i < NR_THREADS; i++)
		check_set_up(&threads[i]);
}

static void check_thread(const struct thread *t)
{
	const struct sched_state *b = &t->before, *a = &t->after;
	int i = t->index;

	wl_check(a->tid == b->tid, "thread %d: tid %d, want %d", i, a->tid, b->tid);
	wl_check(a->attr.sched_policy == b->attr.sched_policy &&
		     a->attr.sched_flags == b->attr.sched_flags &&
		     a->attr.sched_priority == b->attr.sched_priority,
		 "thread %d (tid %d): policy %u flags %#lx priority %u, want %u %#lx %u", i, b->tid,
		 a->attr.sched_policy, (unsigned long)a->attr.sched_flags, a->attr.sched_priority,
		 b->attr.sched_policy, (unsigned long)b->attr.sched_flags, b->attr.sched_priority);
	wl_check(a->attr.sched_runtime == b->attr.sched_runtime &&
		     a->attr.sched_deadline == b->attr.sched_deadline &&
		     a->attr.sched_period == b->attr.sched_period,
		 "thread %d (tid %d): deadline parameters %lu/%lu/%lu, want %lu/%lu/%lu", i, b->tid,
		 (unsigned long)a->attr.sched_runtime, (unsigned long)a->attr.sched_deadline,
		 (unsigned long)a->attr.sched_period, (unsigned long)b->attr.sched_runtime,
		 (unsigned long)b->attr.sched_deadline, (unsigned long)b->attr.sched_period);
	wl_check(a->nice == b->nice, "thread %d (tid %d): nice %d, want %d", i, b->tid, a->nice,
		 b->nice);
	wl_check(CPU_EQUAL(&a->cpus, &b->cpus),
		 "thread %d (tid %d): %d CPUs (CPU 0 %d), want %d (%d)", i, b->tid,
		 CPU_COUNT(&a->cpus), CPU_ISSET(0, &a->cpus), CPU_COUNT(&b->cpus),
		 CPU_ISSET(0, &b->cpus));
	wl_check(a->ioprio == b->ioprio, "thread %d (tid %d): I/O priority %#x, want %#x", i,
		 b->tid, a->ioprio, b->ioprio);
	wl_check(a->slack == b->slack, "thread %d (tid %d): timer slack %ld ns, want %ld", i,
		 b->tid, a->slack, b->slack);
}

int main(int argc, char **argv)
{
	int i, err;

	wl_init(argc, argv);
	start_threads();
	wl_ready();
	wl_wait_go();
	observe(&threads[0].after);
	atomic_store(&go, 1);
	for (i = 1; i < NR_THREADS; i++) {
		err = pthread_join(threads[i].handle, NULL);
		if (err)
			wl_die("pthread_join: %s", strerror(err));
	}
	for (i = 0; i < NR_THREADS; i++)
		check_thread(&threads[i]);
	return wl_finish();
}
