// SPDX-License-Identifier: MIT
/*
 * Seccomp filters, built with libseccomp, their system calls and errno values chosen at random.
 * The main thread installs, as root and without no_new_privs:
 *
 *   filter 1, with SECCOMP_FILTER_FLAG_LOG: KILL kills the process, X fails with E1;
 *   filter 2: Y fails with E2, X with E3. Of two errno actions, the newest filter's wins: X must
 *   fail with E3, which only the install order brings back.
 *
 * Then a child process, forked with both filters, starts a thread; after go it installs a filter
 * with TSYNC (W fails with E5), which the kernel refuses unless its two threads still share their
 * filters, and both threads check W. In the main process, threads A and B are created with both
 * filters and A installs filter 3 for itself alone (Z fails with E4); then each thread of the
 * main process drops all its capabilities, no_new_privs still off: such a task could not install
 * a filter any more, a restore must.
 *
 * After go each thread of the main process checks, from inside: X, Y and Z fail with their errno
 * (Z only in A, which it must not be in the others), its Seccomp and Seccomp_filters status lines,
 * no capability and no no_new_privs. A child forked after go that calls KILL must die of SIGSYS,
 * and the TSYNC child must exit with 0.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* System calls that succeed with zero arguments and that nothing here makes otherwise. */
static const int candidates[] = {SYS_getpgid, SYS_getsid, SYS_getppid, SYS_times, SYS_getpgrp};

enum { KILL, X, Y, Z, W, NR_CALLS };
static int nr[NR_CALLS];
/* E[1] to E[5] as above. */
static int E[6];

struct rule {
	int call; /* enum index */
	uint32_t action;
};

/* What a thread finds of itself. */
struct seen {
	long ret[NR_CALLS]; /* -errno, or >= 0 */
	int mode, nr_filters;
	uint32_t caps; /* effective | permitted | inheritable, low words */
	int nnp;
};

struct thread {
	const char *name;
	pthread_t handle;
	bool own_filter; /* thread A */
	struct seen before, after;
};

static struct thread threads[3] = {
    {.name = "main"},
    {.name = "A", .own_filter = true},
    {.name = "B"},
};
static pthread_barrier_t started;
static atomic_int go;

static long call(int which)
{
	long ret = syscall(nr[which], 0, 0, 0);

	return ret < 0 ? -errno : ret;
}

static void choose(void)
{
	int order[NR_CALLS] = {0, 1, 2, 3, 4}, i;

	for (i = NR_CALLS - 1; i > 0; i--) {
		int j = wl_random_u64() % (i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < NR_CALLS; i++)
		nr[i] = candidates[order[i]];
	/* Distinct, from 1000 to 4000 (the kernel caps errno at 4095). */
	for (i = 1; i <= 5; i++)
		E[i] = 1000 + 600 * (i - 1) + wl_random_u64() % 600;
}

/* One filter: allow everything but the rules; 0 or -errno of seccomp_load. */
static int load_filter(const struct rule *rules, int nr_rules, bool log, bool tsync)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int i, ret;

	if (!ctx)
		wl_die("seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, log) ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, tsync))
		wl_die("seccomp_attr_set failed");
	for (i = 0; i < nr_rules; i++)
		if (seccomp_rule_add(ctx, rules[i].action, nr[rules[i].call], 0))
			wl_die("seccomp_rule_add failed");
	ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

static void install(const struct rule *rules, int nr_rules, bool log, const char *what)
{
	int ret = load_filter(rules, nr_rules, log, false);

	if (ret)
		wl_die("%s: seccomp_load: %s", what, strerror(-ret));
}

static int status_number(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? atoi(p + strlen(key)) : -1;
}

static void observe(struct seen *s)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	char *status = wl_read_file("/proc/thread-self/status", NULL);
	int i;

	for (i = X; i < NR_CALLS; i++)
		s->ret[i] = call(i);
	s->mode = status_number(status, "\nSeccomp:");
	s->nr_filters = status_number(status, "\nSeccomp_filters:");
	free(status);
	if (syscall(SYS_capget, &hdr, data))
		wl_die("capget: %s", strerror(errno));
	s->caps = data[0].effective | data[0].permitted | data[0].inheritable;
	s->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

/* Every capability of the calling thread goes; no_new_privs stays off. */
static void drop_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};

	if (syscall(SYS_capset, &hdr, data))
		wl_die("capset: %s", strerror(errno));
}

static void wait_flag(atomic_int *flag)
{
	const struct timespec tick = {.tv_nsec = 5 * 1000 * 1000};

	while (!atomic_load(flag))
		nanosleep(&tick, NULL);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	const struct rule own[] = {{Z, SCMP_ACT_ERRNO(E[4])}};

	if (t->own_filter)
		install(own, 1, false, "filter 3");
	drop_caps();
	observe(&t->before);
	pthread_barrier_wait(&started);
	wait_flag(&go);
	observe(&t->after);
	return NULL;
}

/* wl_check() before READY: a failure there is a setup failure. */
static bool __attribute__((format(printf, 2, 3))) must(bool ok, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	wl_die("%s", why);
}

typedef bool (*check_fn)(bool ok, const char *fmt, ...);

/* What a thread of the main process must find, before READY (must) and after go (wl_check). */
static void check_seen(const struct thread *t, const struct seen *s, check_fn check)
{
	int filters = t->own_filter ? 3 : 2;
	long z = t->own_filter ? -E[4] : 0;

	check(s->ret[X] == -E[3] && s->ret[Y] == -E[2],
	      "thread %s: X %ld, Y %ld, want %d and %d (X: %d if the filters came back in the "
	      "wrong order)",
	      t->name, s->ret[X], s->ret[Y], -E[3], -E[2], -E[1]);
	/* Z succeeds where it is not filtered: any result >= 0 will do. */
	check(z ? s->ret[Z] == z : s->ret[Z] >= 0, "thread %s: Z %ld, want %s", t->name, s->ret[Z],
	      z ? "its errno" : "success");
	check(s->mode == 2 && s->nr_filters == filters,
	      "thread %s: Seccomp %d, Seccomp_filters %d, want 2 and %d", t->name, s->mode,
	      s->nr_filters, filters);
	check(!s->caps && !s->nnp, "thread %s: capabilities %#x no_new_privs %d, want none",
	      t->name, s->caps, s->nnp);
}

/* The child of TSYNC: its thread waits for the filter its main thread installs after go. */
static atomic_int tsync_done;
static long tsync_seen[2];

static void *tsync_thread(void *arg)
{
	wait_flag(&tsync_done);
	tsync_seen[0] = call(W);
	tsync_seen[1] = call(X);
	return NULL;
}

static void __attribute__((noreturn)) tsync_child(void)
{
	const struct rule rules[] = {{W, SCMP_ACT_ERRNO(E[5])}};
	pthread_t th;
	int bad = 0, err, ret;
	long w, x;

	err = pthread_create(&th, NULL, tsync_thread, NULL);
	if (err)
		wl_die("tsync child: pthread_create: %s", strerror(err));
	wl_wait_go();
	ret = load_filter(rules, 1, false, true);
	bad += !wl_check(!ret, "tsync child: TSYNC failed: %s (its threads share no filter)",
			 strerror(-ret));
	atomic_store(&tsync_done, 1);
	pthread_join(th, NULL);
	w = call(W);
	x = call(X);
	bad += !wl_check(w == -E[5] && tsync_seen[0] == -E[5],
			 "tsync child: W %ld here, %ld in the other thread, want %d", w,
			 tsync_seen[0], -E[5]);
	bad += !wl_check(x == -E[3] && tsync_seen[1] == -E[3],
			 "tsync child: X %ld here, %ld in the other thread, want %d", x,
			 tsync_seen[1], -E[3]);
	exit(bad ? 1 : 0);
}

static int thread_count(pid_t pid)
{
	char path[64], *status;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = wl_read_file(path, NULL);
	n = status_number(status, "\nThreads:");
	free(status);
	return n;
}

static pid_t start_tsync_child(void)
{
	pid_t pid = fork();
	int64_t deadline = wl_now_ns() + 10000000000ll;

	if (pid < 0)
		wl_die("fork: %s", strerror(errno));
	if (pid == 0)
		tsync_child();
	while (thread_count(pid) != 2) {
		if (wl_now_ns() > deadline)
			wl_die("the tsync child did not start its thread");
		usleep(1000);
	}
	return pid;
}

static void start_threads(void)
{
	int i, err;

	err = pthread_barrier_init(&started, NULL, 3);
	if (err)
		wl_die("pthread_barrier_init: %s", strerror(err));
	threads[0].handle = pthread_self();
	for (i = 1; i < 3; i++) {
		err = pthread_create(&threads[i].handle, NULL, thread_main, &threads[i]);
		if (err)
			wl_die("pthread_create: %s", strerror(err));
	}
	drop_caps();
	observe(&threads[0].before);
	pthread_barrier_wait(&started);
	for (i = 0; i < 3; i++)
		check_seen(&threads[i], &threads[i].before, must);
}

/* A child that makes the KILL system call dies of SIGSYS, without a core dump. */
static void check_kill(void)
{
	const struct rlimit no_core = {0, 0};
	pid_t pid = fork();
	int status;

	if (pid < 0)
		wl_die("fork: %s", strerror(errno));
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		call(KILL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		wl_die("waitpid: %s", strerror(errno));
	wl_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		 "the child that made system call %d ended with status %#x, not killed by SIGSYS",
		 nr[KILL], status);
}

/* Filters 1 and 2, in the main thread, inherited by everything created after. */
static void install_shared(void)
{
	const struct rule first[] = {{KILL, SCMP_ACT_KILL_PROCESS}, {X, SCMP_ACT_ERRNO(E[1])}};
	const struct rule second[] = {{Y, SCMP_ACT_ERRNO(E[2])}, {X, SCMP_ACT_ERRNO(E[3])}};

	install(first, 2, true, "filter 1");
	install(second, 2, false, "filter 2");
}

int main(int argc, char **argv)
{
	pid_t tsync;
	int status, i;

	wl_init(argc, argv);
	choose();
	install_shared();
	tsync = start_tsync_child();
	start_threads();
	wl_ready();

	wl_wait_go();
	observe(&threads[0].after);
	atomic_store(&go, 1);
	for (i = 1; i < 3; i++)
		pthread_join(threads[i].handle, NULL);
	for (i = 0; i < 3; i++)
		check_seen(&threads[i], &threads[i].after, wl_check);
	check_kill();
	if (waitpid(tsync, &status, 0) != tsync)
		wl_die("waitpid: %s", strerror(errno));
	wl_check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the tsync child ended with %#x",
		 status);
	return wl_finish();
}
