// SPDX-License-Identifier: MIT
/*
 * POSIX timers (timer_create), each with a random sigval that names it:
 *   - a one-shot CLOCK_MONOTONIC timer due 2.5 s after it was armed;
 *   - a periodic CLOCK_REALTIME timer (100 ms), its signal handled;
 *   - a periodic timer aimed at the second thread (SIGEV_THREAD_ID, 150 ms);
 *   - SIGEV_NONE timers read with timer_gettime: CLOCK_MONOTONIC (periodic), CLOCK_BOOTTIME,
 *     CLOCK_TAI, the process's CPU clock, the second thread's CPU clock;
 *   - a periodic timer (1 s) with a blocked signal, armed in the past so that the kernel counts
 *     5 overruns when its signal is taken, and which has fired again since;
 *   - a one-shot timer whose blocked signal is pending; one whose pending signal the kernel will
 *     drop (armed again since) and one deleted with its signal pending;
 *   - 100 more SIGEV_NONE timers, each armed for a time of its own, every third one deleted
 *     (the IDs have gaps).
 * After go, from inside: /proc/self/timers reads exactly as before (IDs, clocks, signals,
 * sigvals, target thread), deleted IDs are still unknown, the time left has not grown, the
 * overrun count is the same, the pending signal is there once and the dropped ones are not,
 * the one-shot timer fires once, not before it was due, and the periodic ones keep firing, each
 * with its signal, sigval and thread. A timer created after that gets an ID of its own.
 *
 * With the argument "refuse", a timer cryo cannot restore is added: one on the CPU clock of "the
 * calling thread" in a process of two threads (which thread is not visible).
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NSEC 1000000000ll
#define MSEC 1000000ll

/* Timers whose signals run a handler, by signal: SIGRTMIN + their index. */
enum { ONESHOT, PERIODIC, TO_THREAD, NR_HANDLED };
/* Timers whose signals stay blocked and are taken with sigtimedwait. */
#define SIG_PENDING (SIGRTMIN + 3)
#define SIG_DROPPED (SIGRTMIN + 4)
#define SIG_OVERRUN (SIGRTMIN + 5)
#define ONESHOT_NS (2500 * MSEC)
#define OVERRUN_INTERVAL_NS NSEC
#define OVERRUNS 5

/* What the handler of a timer's signal counts. */
struct delivery {
	int id;
	uint64_t cookie;
	pid_t tid; /* the thread it must run in, 0: any */
	volatile sig_atomic_t count, bad;
	volatile int64_t first_ns;
};

static struct delivery handled[NR_HANDLED];
static int pending, dropped, deleted_pending, overrun;
/* Fillers: more timers than the parasite reads in one batch, every third one deleted. */
#define NR_FILLERS 100
static int fillers[NR_FILLERS];
static int64_t fillers_armed_ns;
static uint64_t pending_cookie, overrun_cookie;
static int overrun_before;
static int64_t armed_oneshot_ns;
#define NR_NONE 5
static int none_timers[NR_NONE];
static struct itimerspec none_before[NR_NONE];
static int64_t none_read_ns;
static char *timers_before;
static pid_t second_tid;
static volatile int second_ready;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	struct delivery *d = &handled[sig - SIGRTMIN];

	if (!d->first_ns)
		d->first_ns = wl_now_ns();
	d->count++;
	if (si->si_code != SI_TIMER || si->si_timerid != d->id ||
	    si->si_value.sival_ptr != (void *)(uintptr_t)d->cookie ||
	    (d->tid && syscall(SYS_gettid) != d->tid))
		d->bad++;
}

/* timer_create, raw: the kernel's ID rather than glibc's timer_t. */
static int new_timer(clockid_t clock, int notify, int signo, uint64_t cookie, pid_t tid)
{
	struct sigevent ev = {.sigev_notify = notify, .sigev_signo = signo};
	int id;

	ev.sigev_value.sival_ptr = (void *)(uintptr_t)cookie;
	ev._sigev_un._tid = tid;
	if (syscall(SYS_timer_create, clock, &ev, &id))
		wl_die("timer_create(clock %d): %s", clock, strerror(errno));
	return id;
}

static void arm(int id, int flags, int64_t value_ns, int64_t interval_ns)
{
	struct itimerspec its = {
	    .it_value = {value_ns / NSEC, value_ns % NSEC},
	    .it_interval = {interval_ns / NSEC, interval_ns % NSEC},
	};

	if (syscall(SYS_timer_settime, id, flags, &its, NULL))
		wl_die("timer_settime(%d): %s", id, strerror(errno));
}

static int get_time(int id, struct itimerspec *its)
{
	return syscall(SYS_timer_gettime, id, its) ? -errno : 0;
}

static int64_t ns_of(const struct timespec *ts)
{
	return ts->tv_sec * NSEC + ts->tv_nsec;
}

static void delete_timer(int id)
{
	if (syscall(SYS_timer_delete, id))
		wl_die("timer_delete(%d): %s", id, strerror(errno));
}

static bool is_pending(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig) == 1;
}

static void wait_pending(int sig)
{
	int64_t deadline = wl_now_ns() + 5 * NSEC;

	while (!is_pending(sig))
		if (wl_now_ns() > deadline)
			wl_die("signal %d of a 1 ms timer not pending after 5 s", sig);
}

static void *second_thread(void *arg)
{
	second_tid = syscall(SYS_gettid);
	__atomic_store_n(&second_ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

static void start_second_thread(void)
{
	pthread_t thread;

	if (pthread_create(&thread, NULL, second_thread, NULL))
		wl_die("pthread_create failed");
	while (!__atomic_load_n(&second_ready, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void handle(int index)
{
	struct sigaction sa = {.sa_sigaction = on_timer, .sa_flags = SA_SIGINFO | SA_RESTART};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN + index, &sa, NULL))
		wl_die("sigaction: %s", strerror(errno));
}

static void handled_timer(int index, clockid_t clock, int notify, pid_t tid, int64_t value_ns,
			  int64_t interval_ns)
{
	struct delivery *d = &handled[index];

	d->cookie = wl_random_u64();
	d->tid = tid;
	d->id = new_timer(clock, notify, SIGRTMIN + index, d->cookie, tid);
	arm(d->id, 0, value_ns, interval_ns);
}

/* Signals taken with sigtimedwait stay blocked in every thread (the second inherits the mask). */
static void block_waited_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_PENDING);
	sigaddset(&set, SIG_DROPPED);
	sigaddset(&set, SIGRTMIN + 6);
	sigaddset(&set, SIG_OVERRUN);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		wl_die("sigprocmask: %s", strerror(errno));
}

/* Armed in the past: the signal, taken at once, counts OVERRUNS late intervals. */
static void build_overrun(void)
{
	struct timespec now;
	siginfo_t si;
	sigset_t set;

	overrun_cookie = wl_random_u64();
	overrun = new_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIG_OVERRUN, overrun_cookie, 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	arm(overrun, TIMER_ABSTIME, ns_of(&now) - OVERRUNS * OVERRUN_INTERVAL_NS - 900 * MSEC,
	    OVERRUN_INTERVAL_NS);
	sigemptyset(&set);
	sigaddset(&set, SIG_OVERRUN);
	if (sigwaitinfo(&set, &si) != SIG_OVERRUN || si.si_overrun != OVERRUNS)
		wl_die("timer armed %d intervals late: overrun %d", OVERRUNS, si.si_overrun);
	overrun_before = syscall(SYS_timer_getoverrun, overrun);
	if (overrun_before != OVERRUNS)
		wl_die("timer_getoverrun: %d, want %d", overrun_before, OVERRUNS);
	/* Due again 0.1 s later: its signal is then pending, the count still that of the last. */
	wait_pending(SIG_OVERRUN);
}

/* Fired, its signal pending; then, for the kernel to drop it, armed again or deleted. */
static int fired_timer(int signo, uint64_t cookie)
{
	int id = new_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, signo, cookie, 0);

	arm(id, 0, MSEC, 0);
	wait_pending(signo);
	return id;
}

static void build_signals(void)
{
	pending_cookie = wl_random_u64();
	pending = fired_timer(SIG_PENDING, pending_cookie);
	dropped = fired_timer(SIG_DROPPED, wl_random_u64());
	arm(dropped, 0, 1000 * NSEC, 0);
	deleted_pending = fired_timer(SIGRTMIN + 6, wl_random_u64());
	delete_timer(deleted_pending);
}

/* Without signals, on each kind of clock; the CPU clock of the second thread by its TID. */
static const char *const none_names[NR_NONE] = {
    "CLOCK_MONOTONIC",
    "CLOCK_BOOTTIME",
    "CLOCK_TAI",
    "the process CPU clock",
    "the second thread's CPU clock",
};

static void build_none_timers(void)
{
	clockid_t clocks[NR_NONE] = {
	    CLOCK_MONOTONIC,
	    CLOCK_BOOTTIME,
	    CLOCK_TAI,
	    CLOCK_PROCESS_CPUTIME_ID,
	    (clockid_t)(~(unsigned int)second_tid << 3 | 4 | 2),
	};
	int i;

	for (i = 0; i < NR_NONE; i++) {
		none_timers[i] = new_timer(clocks[i], SIGEV_NONE, 0, wl_random_u64(), 0);
		arm(none_timers[i], 0, (100 + i) * NSEC, i ? 0 : 7 * NSEC);
	}
	none_read_ns = wl_now_ns();
	for (i = 0; i < NR_NONE; i++)
		if (get_time(none_timers[i], &none_before[i]))
			wl_die("timer_gettime(%d): %s", none_timers[i], strerror(errno));
}

static void build(bool refuse)
{
	int i;

	/* Each armed for a time of its own; the IDs of the timers below have gaps. */
	fillers_armed_ns = wl_now_ns();
	for (i = 0; i < NR_FILLERS; i++) {
		fillers[i] = new_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, wl_random_u64(), 0);
		if (i % 3)
			arm(fillers[i], 0, (1000 + i) * NSEC, 0);
		else
			delete_timer(fillers[i]);
	}

	block_waited_signals();
	start_second_thread();
	for (i = 0; i < NR_HANDLED; i++)
		handle(i);
	armed_oneshot_ns = wl_now_ns();
	handled_timer(ONESHOT, CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, ONESHOT_NS, 0);
	handled_timer(PERIODIC, CLOCK_REALTIME, SIGEV_SIGNAL, 0, 100 * MSEC, 100 * MSEC);
	handled_timer(TO_THREAD, CLOCK_MONOTONIC, SIGEV_THREAD_ID, second_tid, 150 * MSEC,
		      150 * MSEC);
	build_overrun();
	build_signals();
	build_none_timers();
	if (refuse)
		new_timer(CLOCK_THREAD_CPUTIME_ID, SIGEV_NONE, 0, 0, 0);
	timers_before = wl_read_file("/proc/self/timers", NULL);
}

static void check_listing(void)
{
	char *now = wl_read_file("/proc/self/timers", NULL);

	wl_check(!strcmp(now, timers_before), "/proc/self/timers was:\n%s\nit is now:\n%s",
		 timers_before, now);
	free(now);
}

/* Deleted ones are unknown; the others have each its own time left, which has not grown. */
static void check_fillers(void)
{
	int64_t elapsed, left, set;
	struct itimerspec its;
	int i, ret;

	for (i = 0; i < NR_FILLERS; i++) {
		ret = get_time(fillers[i], &its);
		elapsed = wl_now_ns() - fillers_armed_ns;
		if (!(i % 3)) {
			wl_check(ret == -EINVAL, "deleted timer %d: timer_gettime %d", fillers[i],
				 ret);
			continue;
		}
		left = ns_of(&its.it_value);
		set = (1000 + i) * NSEC;
		wl_check(!ret && left <= set && left >= set - elapsed,
			 "timer %d: timer_gettime %d, %lld ns left of %lld set %lld ns ago",
			 fillers[i], ret, (long long)left, (long long)set, (long long)elapsed);
	}
	wl_check(get_time(deleted_pending, &its) == -EINVAL, "deleted timer %d: still there",
		 deleted_pending);
}

/*
 * The time left has not grown, nor shrunk by more than the time that passed since it was read
 * (a CPU clock counts less than the wall clock: that bounds it too); the interval is the same.
 */
static void check_none_timers(void)
{
	int64_t left, elapsed_ns, was;
	struct itimerspec its;
	int i, id;

	for (i = 0; i < NR_NONE; i++) {
		id = none_timers[i];
		was = ns_of(&none_before[i].it_value);
		if (!wl_check(!get_time(id, &its), "SIGEV_NONE on %s (timer %d): no such timer",
			      none_names[i], id))
			continue;
		elapsed_ns = wl_now_ns() - none_read_ns;
		left = ns_of(&its.it_value);
		wl_check(left > 0 && left <= was && left >= was - elapsed_ns,
			 "SIGEV_NONE on %s (timer %d): %lld ns left, had %lld ns %lld ns ago",
			 none_names[i], id, (long long)left, (long long)was, (long long)elapsed_ns);
		wl_check(ns_of(&its.it_interval) == ns_of(&none_before[i].it_interval),
			 "SIGEV_NONE on %s (timer %d): interval %lld ns, want %lld", none_names[i],
			 id, (long long)ns_of(&its.it_interval),
			 (long long)ns_of(&none_before[i].it_interval));
	}
}

/* One signal of signo, waited for at most timeout_ns (the handled ones interrupt the wait). */
static int take(int signo, int64_t timeout_ns, siginfo_t *si)
{
	int64_t deadline = wl_now_ns() + timeout_ns, left;
	struct timespec ts;
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, signo);
	do {
		left = deadline - wl_now_ns();
		ts = (struct timespec){left > 0 ? left / NSEC : 0, left > 0 ? left % NSEC : 0};
		ret = sigtimedwait(&set, si, &ts);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

static bool is_timer_signal(const siginfo_t *si, int id, uint64_t cookie)
{
	return si->si_code == SI_TIMER && si->si_timerid == id &&
	       si->si_value.sival_ptr == (void *)(uintptr_t)cookie;
}

static void check_pending(void)
{
	siginfo_t si;
	int ret;

	ret = take(SIG_PENDING, 0, &si);
	wl_check(ret == SIG_PENDING && is_timer_signal(&si, pending, pending_cookie),
		 "pending timer signal: got %d (code %d, timer %d)", ret, si.si_code,
		 si.si_timerid);
	wl_check(take(SIG_PENDING, 0, &si) == -EAGAIN, "pending timer signal: there twice");
	wl_check(take(SIG_DROPPED, 0, &si) == -EAGAIN,
		 "the signal of a timer armed again since was delivered");
	wl_check(take(SIGRTMIN + 6, 0, &si) == -EAGAIN,
		 "the signal of a deleted timer was delivered");
}

static void check_overrun(void)
{
	int now = syscall(SYS_timer_getoverrun, overrun);
	siginfo_t si;
	int ret;
	int i;

	wl_check(now == overrun_before, "timer_getoverrun: %d, want %d", now, overrun_before);
	/* The signal pending, then the next one. */
	for (i = 0; i < 2; i++) {
		ret = take(SIG_OVERRUN, 2 * OVERRUN_INTERVAL_NS, &si);
		wl_check(ret == SIG_OVERRUN && is_timer_signal(&si, overrun, overrun_cookie),
			 "overrun timer, signal %d: got %d (code %d, timer %d)", i + 1, ret,
			 si.si_code, si.si_timerid);
	}
}

static bool wait_count(const struct delivery *d, int count, int64_t timeout_ns)
{
	int64_t deadline = wl_now_ns() + timeout_ns;
	const struct timespec tick = {.tv_nsec = 10 * MSEC};

	while (d->count < count && wl_now_ns() < deadline)
		nanosleep(&tick, NULL);
	return d->count >= count;
}

static void check_deliveries(void)
{
	static const char *const names[NR_HANDLED] = {"one-shot", "periodic", "thread"};
	struct delivery *d;
	int i, count;

	d = &handled[ONESHOT];
	wait_count(d, 1, ONESHOT_NS + 2 * NSEC);
	wl_check(d->count == 1, "one-shot timer: fired %d times", d->count);
	wl_check(!d->first_ns || d->first_ns - armed_oneshot_ns >= ONESHOT_NS,
		 "one-shot timer: fired %lld ms after it was armed for %lld",
		 (long long)((d->first_ns - armed_oneshot_ns) / MSEC),
		 (long long)(ONESHOT_NS / MSEC));
	for (i = PERIODIC; i < NR_HANDLED; i++) {
		d = &handled[i];
		count = d->count;
		wl_check(wait_count(d, count + 5, 3 * NSEC), "%s timer: %d signals in 3 s, want 5",
			 names[i], d->count - count);
	}
	for (i = 0; i < NR_HANDLED; i++)
		wl_check(!handled[i].bad,
			 "%s timer: %d signals with the wrong code, timer, sigval or thread",
			 names[i], handled[i].bad);
}

/* Back to normal mode: the ID asked for is not taken, the new timer gets a free one. */
static void check_new_timer(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	int id = handled[PERIODIC].id;

	wl_check(!syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) &&
		     id > none_timers[NR_NONE - 1],
		 "timer_create after restore: ID %d, errno %d", id, errno);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	build(argc > 2 && !strcmp(argv[2], "refuse"));
	wl_ready();
	wl_wait_go();

	check_listing();
	check_fillers();
	check_none_timers();
	check_pending();
	check_overrun();
	check_deliveries();
	check_new_timer();
	return wl_finish();
}
