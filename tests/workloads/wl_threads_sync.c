// SPDX-License-Identifier: MIT
/*
 * Threads blocked in the kernel, on every kind of futex wait, when they are dumped: on a mutex
 * and on a priority-inheritance mutex the main thread holds, on condition variables (one with a
 * timeout of an hour), on raw futex words (private, shared, with a timeout), in pthread_join of
 * a thread that waits for go, and on a robust mutex whose holder ends after go without
 * unlocking it.
 *
 * After go the main thread takes the cases one by one: every waiter must still be waiting, and
 * blocked in futex() again (its call restarted, not failed); the main thread releases it (unlock,
 * broadcast, FUTEX_WAKE, ...) and the waiter must then wake with the value handed over. A raw
 * FUTEX_WAKE must find the restored waiter queued on the same futex. The robust case needs the
 * holder's robust list as it was: the kernel walks it when the holder exits and marks the mutex
 * so that the waiter gets EOWNERDEAD; the join needs the joined thread's clear_child_tid.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_WAITERS 3
#define SECOND 1000000000ll
/* Blocked before READY, blocked again after go, woken after release: each within this. */
#define WAIT_NS (10 * SECOND)

struct sync_case;

struct waiter {
	struct sync_case *c;
	pthread_t handle;
	atomic_int tid;
	/* Set when the blocking call returned: what it returned (0 or an errno), what it got. */
	atomic_int done;
	int err;
	uint64_t got;
};

struct sync_case {
	const char *name;
	int nr;
	/* Objects and values, set up at random; which ones depends on the case. */
	void (*set_up)(struct sync_case *c);
	/* A waiter's thread: blocks, then notes in its struct waiter what it got. */
	void *(*wait)(void *arg);
	/* In the main thread after go: let the waiters go. */
	void (*release)(struct sync_case *c);
	void (*check)(struct sync_case *c);
	bool pi, timed, shared;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	struct timespec deadline;
	bool ready;
	uint64_t value, want;
	/* Raw futex: the word, what it holds while waiters wait, how many FUTEX_WAKE woke. */
	uint32_t *word;
	uint32_t old;
	long woken;
	/* The thread that is joined, or holds the robust mutex; it ends once released. */
	pthread_t holder;
	atomic_int held, released;
	struct waiter w[MAX_WAITERS];
};

static void die_err(const char *what, int err)
{
	if (err)
		wl_die("%s: %s", what, strerror(err));
}

static void sleep_ms(void)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};

	nanosleep(&tick, NULL);
}

static void begin(struct waiter *w)
{
	atomic_store(&w->tid, gettid());
}

static void *end(struct waiter *w, int err, uint64_t got)
{
	w->err = err;
	w->got = got;
	atomic_store(&w->done, 1);
	return w;
}

/* ---- mutexes, held by the main thread ------------------------------------------------------ */

static void set_up_mutex(struct sync_case *c)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	/* Error-checking: the unlock after go checks that the owner is still this thread. */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	if (c->pi)
		die_err("PTHREAD_PRIO_INHERIT",
			pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT));
	die_err("pthread_mutex_init", pthread_mutex_init(&c->mutex, &attr));
	pthread_mutexattr_destroy(&attr);
	die_err("pthread_mutex_lock", pthread_mutex_lock(&c->mutex));
}

/* Each waiter in turn takes the value and leaves the next one for the next waiter. */
static void *mutex_waiter(void *arg)
{
	struct waiter *w = arg;
	struct sync_case *c = w->c;
	uint64_t got = 0;
	int err;

	begin(w);
	err = pthread_mutex_lock(&c->mutex);
	if (!err) {
		got = c->value++;
		pthread_mutex_unlock(&c->mutex);
	}
	return end(w, err, got);
}

static void release_mutex(struct sync_case *c)
{
	int err;

	c->value = c->want;
	err = pthread_mutex_unlock(&c->mutex);
	wl_check(!err, "%s: the main thread's unlock: %s", c->name, strerror(err));
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every waiter got the lock once: between them, they saw want, want + 1, ... */
static void check_mutex(struct sync_case *c)
{
	uint64_t got[MAX_WAITERS];
	int i;

	for (i = 0; i < c->nr; i++) {
		wl_check(!c->w[i].err, "%s: waiter %d (tid %d): lock returned '%s'", c->name, i,
			 c->w[i].tid, strerror(c->w[i].err));
		got[i] = c->w[i].got;
	}
	qsort(got, c->nr, sizeof(got[0]), compare_u64);
	for (i = 0; i < c->nr; i++)
		wl_check(got[i] == c->want + i, "%s: the waiters saw %#lx as value %d, want %#lx",
			 c->name, got[i], i, c->want + i);
	wl_check(c->value == c->want + c->nr, "%s: value %#lx at the end, want %#lx", c->name,
		 c->value, c->want + c->nr);
}

/* ---- condition variables ----------------------------------------------------------------- */

static void set_up_cond(struct sync_case *c)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	if (c->timed) {
		/* An hour from now, on the clock a restore on the same machine does not move. */
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		clock_gettime(CLOCK_MONOTONIC, &c->deadline);
		c->deadline.tv_sec += 3600;
	}
	die_err("pthread_cond_init", pthread_cond_init(&c->cond, &attr));
	pthread_condattr_destroy(&attr);
	die_err("pthread_mutex_init", pthread_mutex_init(&c->mutex, NULL));
}

static void *cond_waiter(void *arg)
{
	struct waiter *w = arg;
	struct sync_case *c = w->c;
	uint64_t got;
	int err = 0;

	begin(w);
	pthread_mutex_lock(&c->mutex);
	while (!c->ready && !err)
		err = c->timed ? pthread_cond_timedwait(&c->cond, &c->mutex, &c->deadline)
			       : pthread_cond_wait(&c->cond, &c->mutex);
	got = c->value;
	pthread_mutex_unlock(&c->mutex);
	return end(w, err, got);
}

/* One waiter: signal, or several: broadcast. */
static void release_cond(struct sync_case *c)
{
	pthread_mutex_lock(&c->mutex);
	c->value = c->want;
	c->ready = true;
	if (c->nr == 1)
		pthread_cond_signal(&c->cond);
	else
		pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mutex);
}

/* Every waiter's call returned 0 and it saw the value handed over. */
static void check_values(struct sync_case *c)
{
	int i;

	for (i = 0; i < c->nr; i++)
		wl_check(!c->w[i].err && c->w[i].got == c->want,
			 "%s: waiter %d (tid %d): returned '%s' with value %#lx, want 0 with %#lx",
			 c->name, i, c->w[i].tid, strerror(c->w[i].err), c->w[i].got, c->want);
}

/* ---- raw futex words ---------------------------------------------------------------------- */

static uint32_t random_u32_but(uint32_t not )
{
	uint32_t v;

	do
		v = wl_random_u64();
	while (v == not );
	return v;
}

/* Shared: a word of a MAP_SHARED page, whose futex key is its shmem object, not the mm. */
static void set_up_futex(struct sync_case *c)
{
	static uint32_t private_words[8];
	uint32_t *page;

	if (c->shared) {
		page =
		    mmap(NULL, WL_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			wl_die("mmap: %s", strerror(errno));
		c->word = page + wl_random_u64() % (WL_PAGE / 4);
	} else {
		c->word = &private_words[c->timed ? 0 : 4];
	}
	c->old = c->want >> 32;
	c->want = random_u32_but(c->old);
	atomic_store((atomic_uint *)c->word, c->old);
}

/* One FUTEX_WAIT, not in a loop: after a restore the call must go on, not return. */
static void *futex_waiter(void *arg)
{
	const struct timespec hour = {.tv_sec = 3600};
	struct waiter *w = arg;
	struct sync_case *c = w->c;
	int op = FUTEX_WAIT | (c->shared ? 0 : FUTEX_PRIVATE_FLAG);
	long ret;

	begin(w);
	ret = syscall(SYS_futex, c->word, op, c->old, c->timed ? &hour : NULL, NULL, 0);
	return end(w, ret ? errno : 0, atomic_load((atomic_uint *)c->word));
}

static void release_futex(struct sync_case *c)
{
	int op = FUTEX_WAKE | (c->shared ? 0 : FUTEX_PRIVATE_FLAG);

	atomic_store((atomic_uint *)c->word, (uint32_t)c->want);
	c->woken = syscall(SYS_futex, c->word, op, 1, NULL, NULL, 0);
}

static void check_futex(struct sync_case *c)
{
	wl_check(c->woken == 1, "%s: FUTEX_WAKE woke %ld waiter(s), want 1 (%s)", c->name, c->woken,
		 c->woken < 0 ? strerror(errno) : "the waiter is not on this futex");
	check_values(c);
}

/* ---- a thread joined, a robust mutex: held by a thread that ends when released ---------- */

static void wait_released(struct sync_case *c)
{
	wl_wait_go();
	while (!atomic_load(&c->released))
		sleep_ms();
}

static void *joined_thread(void *arg)
{
	struct sync_case *c = arg;

	wait_released(c);
	return (void *)(uintptr_t)c->want;
}

static void set_up_join(struct sync_case *c)
{
	die_err("pthread_create", pthread_create(&c->holder, NULL, joined_thread, c));
}

static void *join_waiter(void *arg)
{
	struct waiter *w = arg;
	void *ret = NULL;
	int err;

	begin(w);
	err = pthread_join(w->c->holder, &ret);
	return end(w, err, (uintptr_t)ret);
}

static void release_holder(struct sync_case *c)
{
	atomic_store(&c->released, 1);
}

/* Locks the robust mutex and ends, once released, without unlocking it. */
static void *robust_holder(void *arg)
{
	struct sync_case *c = arg;

	die_err("pthread_mutex_lock", pthread_mutex_lock(&c->mutex));
	c->value = c->want;
	atomic_store(&c->held, 1);
	wait_released(c);
	return c;
}

static void set_up_robust(struct sync_case *c)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	die_err("PTHREAD_MUTEX_ROBUST", pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST));
	die_err("pthread_mutex_init", pthread_mutex_init(&c->mutex, &attr));
	pthread_mutexattr_destroy(&attr);
	die_err("pthread_create", pthread_create(&c->holder, NULL, robust_holder, c));
	while (!atomic_load(&c->held))
		sleep_ms();
}

static void *robust_waiter(void *arg)
{
	struct waiter *w = arg;
	struct sync_case *c = w->c;
	uint64_t got = 0;
	int err;

	begin(w);
	err = pthread_mutex_lock(&c->mutex);
	if (!err || err == EOWNERDEAD) {
		got = c->value;
		if (err == EOWNERDEAD)
			pthread_mutex_consistent(&c->mutex);
		pthread_mutex_unlock(&c->mutex);
	}
	return end(w, err, got);
}

/* EOWNERDEAD for the waiter; made consistent by it, the mutex is then an ordinary one. */
static void check_robust(struct sync_case *c)
{
	struct waiter *w = &c->w[0];
	struct timespec deadline;
	void *ret = NULL;
	int err;

	wl_check(w->err == EOWNERDEAD && w->got == c->want,
		 "%s: waiter (tid %d): lock returned '%s' with value %#lx, want '%s' with %#lx",
		 c->name, w->tid, strerror(w->err), w->got, strerror(EOWNERDEAD), c->want);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_NS / SECOND;
	err = pthread_timedjoin_np(c->holder, &ret, &deadline);
	wl_check(!err && ret == c, "%s: joining the holder: '%s', returned %p, want %p", c->name,
		 strerror(err), ret, (void *)c);
	err = pthread_mutex_lock(&c->mutex);
	wl_check(!err, "%s: locking it after the waiter made it consistent: '%s'", c->name,
		 strerror(err));
	if (!err)
		pthread_mutex_unlock(&c->mutex);
}

/* ---- the cases, in their order of release -------------------------------------------------- */

#define MUTEX .set_up = set_up_mutex, .wait = mutex_waiter, .release = release_mutex
#define COND .set_up = set_up_cond, .wait = cond_waiter, .release = release_cond
#define FUTEX .set_up = set_up_futex, .wait = futex_waiter, .release = release_futex

static struct sync_case cases[] = {
    {.name = "mutex", .nr = 3, MUTEX, .check = check_mutex},
    {.name = "PI mutex", .nr = 2, MUTEX, .check = check_mutex, .pi = true},
    {.name = "pthread_cond_wait", .nr = 2, COND, .check = check_values},
    {.name = "pthread_cond_timedwait", .nr = 1, COND, .check = check_values, .timed = true},
    {.name = "futex", .nr = 1, FUTEX, .check = check_futex},
    {.name = "shared futex", .nr = 1, FUTEX, .check = check_futex, .shared = true},
    {.name = "futex with a timeout", .nr = 1, FUTEX, .check = check_futex, .timed = true},
    {.name = "pthread_join",
     .nr = 1,
     .set_up = set_up_join,
     .wait = join_waiter,
     .release = release_holder,
     .check = check_values},
    {.name = "robust mutex",
     .nr = 1,
     .set_up = set_up_robust,
     .wait = robust_waiter,
     .release = release_holder,
     .check = check_robust},
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static bool wait_tid(struct waiter *w)
{
	int64_t deadline = wl_now_ns() + WAIT_NS;

	while (!atomic_load(&w->tid) && wl_now_ns() < deadline)
		sleep_ms();
	return atomic_load(&w->tid);
}

/* Start the waiters and let them block: they must be dumped inside futex(). */
static void start_waiters(struct sync_case *c)
{
	int i;

	for (i = 0; i < c->nr; i++) {
		struct waiter *w = &c->w[i];

		w->c = c;
		die_err("pthread_create", pthread_create(&w->handle, NULL, c->wait, w));
		if (!wait_tid(w) || !wl_wait_syscall(w->tid, SYS_futex, WAIT_NS))
			wl_die("%s: waiter %d did not block in futex()", c->name, i);
	}
}

/*
 * Inside futex(), or inside restart_syscall(): a timed futex() interrupted by a ptrace stop (the
 * dump, with -R) goes on through it, with the time it had left.
 */
static bool wait_in_futex(pid_t tid)
{
	int64_t deadline = wl_now_ns() + WAIT_NS;
	long nr;

	for (;;) {
		nr = wl_task_syscall(tid);
		if (nr == SYS_futex || nr == SYS_restart_syscall)
			return true;
		if (wl_now_ns() > deadline)
			return false;
		sleep_ms();
	}
}

/* After go, before the release: the waiters are still waiting, inside futex() again. */
static void check_still_waiting(struct sync_case *c)
{
	int i;

	for (i = 0; i < c->nr; i++) {
		struct waiter *w = &c->w[i];

		if (atomic_load(&w->done))
			wl_check(false, "%s: waiter %d (tid %d) returned before its release: '%s'",
				 c->name, i, w->tid, strerror(w->err));
		else
			wl_check(wait_in_futex(w->tid),
				 "%s: waiter %d (tid %d) is not back in futex(): in %ld", c->name,
				 i, w->tid, wl_task_syscall(w->tid));
	}
}

/* Each waiter must end soon after its release; false when one did not. */
static bool join_waiters(struct sync_case *c)
{
	struct timespec deadline;
	bool ok = true;
	void *ret;
	int i, err;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_NS / SECOND;
	for (i = 0; i < c->nr; i++) {
		err = pthread_timedjoin_np(c->w[i].handle, &ret, &deadline);
		ok &= wl_check(!err, "%s: waiter %d (tid %d) not woken %lld s after release: %s",
			       c->name, i, c->w[i].tid, WAIT_NS / SECOND, strerror(err));
	}
	return ok;
}

int main(int argc, char **argv)
{
	size_t i;

	wl_init(argc, argv);
	for (i = 0; i < NR_CASES; i++) {
		/* The value handed over at release (a futex case makes its own, of 32 bits). */
		cases[i].want = wl_random_u64();
		cases[i].set_up(&cases[i]);
		start_waiters(&cases[i]);
	}
	wl_ready();
	wl_wait_go();

	for (i = 0; i < NR_CASES; i++) {
		check_still_waiting(&cases[i]);
		cases[i].release(&cases[i]);
		if (join_waiters(&cases[i]))
			cases[i].check(&cases[i]);
	}
	return wl_finish();
}
