// SPDX-License-Identifier: MIT
/*
 * Threads: 64 threads, each with state of its own, chosen at random: values in every register
 * (general-purpose, x87, MXCSR, vectors and AVX-512 masks, loaded and held by fpu_hold() of
 * wl_fpu.S while it waits for go with raw system calls), a __thread buffer filled with its own
 * pseudo-random stream, a name, a blocked mask, a sigaltstack; and what glibc set up for it: the
 * TLS base and struct pthread, the robust list, the rseq registration.
 *
 * After go each thread reads all of it again, from inside, and raises a signal that must run on
 * its own alternate stack; the main thread then joins them all (a join waits for the kernel to
 * clear the thread's clear_child_tid word at exit) and compares: the same TIDs, the same
 * /proc/self/task, and every thread with its own state, not another's.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <asm/prctl.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31) /* <linux/signal.h>, which clashes with <signal.h> */
#endif

#define NR_THREADS 64
#define TLS_WORDS 512
/* An alternate stack: 64 KiB or more (an AVX-512 signal frame is large), at a random offset. */
#define ALTSTACK_MAP (160 * 1024)
#define ALTSTACK_MIN (64 * 1024)
#define JOIN_TIMEOUT_S 30

#include "wl_fpu.h"

/* What a thread reads of itself, before READY and after go. */
struct self {
	pid_t tid;
	pthread_t handle;
	unsigned long fs_base;
	const void *tls_addr;
	char name[16];
	uint64_t blocked;
	stack_t altstack;
	void *robust_head;
	size_t robust_len;
	/* Of registering glibc's rseq area again: EBUSY while it is registered. */
	int rseq_errno;
};

struct thread {
	int index;
	pthread_t handle;
	/* Chosen at random by the main thread. */
	uint64_t tls_seed;
	char name[16];
	uint64_t blocked;
	stack_t altstack;
	struct fpu_regs in;
	/* What the thread found. */
	struct fpu_regs out;
	struct self before, after;
	size_t tls_bad_pages;
	int usr1_runs;
	uintptr_t usr1_sp;
};

static struct thread threads[NR_THREADS];
/* 0 xmm, 1 ymm, 2 zmm and k registers: see wl_fpu.c. */
static int level;
static unsigned int rseq_len;
static pthread_barrier_t started;
/* Set by the main thread once it has listed the threads after go: they may end. */
static atomic_int may_end;

static __thread uint64_t tls_words[TLS_WORDS];
static __thread volatile int usr1_runs;
static __thread volatile uintptr_t usr1_sp;

static void on_usr1(int sig)
{
	char here;

	usr1_runs++;
	usr1_sp = (uintptr_t)&here;
}

static int rseq_probe(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	if (!rseq_len)
		return -1;
	return syscall(SYS_rseq, area, rseq_len, 0, RSEQ_SIG) < 0 ? errno : 0;
}

/* The length glibc registered its rseq area with (see wl_misc.c); 0 when it did not. */
static void find_rseq_len(void)
{
	unsigned int lens[2] = {32, __rseq_size}, i;

	if (!__rseq_size) {
		wl_note("glibc did not register rseq, not tested");
		return;
	}
	for (i = 0; i < 2 && !rseq_len; i++) {
		rseq_len = lens[i];
		if (rseq_probe() != EBUSY)
			rseq_len = 0;
	}
	if (!rseq_len)
		wl_die("rseq: glibc's registration not found");
}

static void observe(struct self *s)
{
	s->tid = gettid();
	s->handle = pthread_self();
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &s->fs_base))
		s->fs_base = 0;
	s->tls_addr = tls_words;
	prctl(PR_GET_NAME, s->name);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &s->blocked, 8);
	sigaltstack(NULL, &s->altstack);
	if (syscall(SYS_get_robust_list, 0, &s->robust_head, &s->robust_len)) {
		s->robust_head = NULL;
		s->robust_len = 0;
	}
	s->rseq_errno = rseq_probe();
}

/* The thread's name, mask, alternate stack and TLS, as the main thread chose them. */
static void set_up(struct thread *t)
{
	sigset_t set;
	int sig, err;

	err = pthread_setname_np(pthread_self(), t->name);
	if (err)
		wl_die("thread %d: pthread_setname_np: %s", t->index, strerror(err));
	sigemptyset(&set);
	for (sig = 1; sig <= 64; sig++)
		if (t->blocked >> (sig - 1) & 1)
			sigaddset(&set, sig);
	err = pthread_sigmask(SIG_SETMASK, &set, NULL);
	if (err)
		wl_die("thread %d: pthread_sigmask: %s", t->index, strerror(err));
	if (sigaltstack(&t->altstack, NULL))
		wl_die("thread %d: sigaltstack: %s", t->index, strerror(errno));
	wl_fill(tls_words, sizeof(tls_words), t->tls_seed);
}

/* Wait until the main thread has listed the threads after go; they must all still be there. */
static void wait_may_end(void)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};

	while (!atomic_load(&may_end))
		nanosleep(&tick, NULL);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	size_t first;

	set_up(t);
	observe(&t->before);
	pthread_barrier_wait(&started);

	fpu_hold(&t->in, &t->out, wl_go_path(), level);

	observe(&t->after);
	t->tls_bad_pages = wl_verify(tls_words, sizeof(tls_words), t->tls_seed, &first);
	/* To itself, through its struct pthread's tid: delivered before pthread_kill returns. */
	pthread_kill(pthread_self(), SIGUSR1);
	t->usr1_runs = usr1_runs;
	t->usr1_sp = usr1_sp;
	wait_may_end();
	return t;
}

/* Random control words that are still valid: every exception stays masked (as wl_fpu.c). */
static void random_control(struct fpu_regs *r)
{
	static const uint16_t precision[3] = {0, 2, 3};
	uint64_t v = wl_random_u64();

	r->fcw = 0x007f | (v & 3) << 10 | precision[(v >> 2) % 3] << 8;
	r->mxcsr = 0x1f80 | ((v >> 8) & 3) << 13 | ((v >> 10) & 1) << 15 | ((v >> 11) & 1) << 6;
}

/*
 * Any signal may be blocked but those the kernel or glibc refuse to (SIGKILL, SIGSTOP, glibc's
 * 32 and 33) and SIGUSR1, raised after go.
 */
static uint64_t random_mask(void)
{
	uint64_t keep = 1ull << (SIGKILL - 1) | 1ull << (SIGSTOP - 1) | 1ull << (SIGUSR1 - 1) |
			1ull << 31 | 1ull << 32;

	return wl_random_u64() & ~keep;
}

static void choose(struct thread *t, int index)
{
	uint64_t r = wl_random_u64();
	uint8_t *map;

	t->index = index;
	t->tls_seed = wl_random_u64();
	snprintf(t->name, sizeof(t->name), "wlt%02d-%08x", index, (unsigned int)r);
	t->blocked = random_mask();
	map = mmap(NULL, ALTSTACK_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	r = wl_random_u64();
	t->altstack.ss_sp = map + (r % 1024) * 16;
	t->altstack.ss_size = ALTSTACK_MIN + (r >> 10) % 4096 * 16;
	t->altstack.ss_flags = r >> 40 & 1 ? SS_AUTODISARM : 0;
	wl_random(&t->in, sizeof(t->in));
	random_control(&t->in);
}

static bool same_stack(const stack_t *a, const stack_t *b)
{
	return a->ss_sp == b->ss_sp && a->ss_size == b->ss_size && a->ss_flags == b->ss_flags;
}

/* What each thread found before READY must be what was chosen for it. */
static void check_set_up(const struct thread *t)
{
	const struct self *s = &t->before;

	if (strcmp(s->name, t->name) || s->blocked != t->blocked ||
	    !same_stack(&s->altstack, &t->altstack))
		wl_die("thread %d: name %s mask %#lx altstack %p, want %s %#lx %p", t->index,
		       s->name, s->blocked, s->altstack.ss_sp, t->name, t->blocked,
		       t->altstack.ss_sp);
	if (!pthread_equal(s->handle, t->handle) || s->tid <= 0 || !s->fs_base)
		wl_die("thread %d: pthread_self, gettid or fs base look wrong", t->index);
	if (s->rseq_errno != (rseq_len ? EBUSY : -1))
		wl_die("thread %d: rseq not registered by glibc (%s)", t->index,
		       strerror(s->rseq_errno));
}

static int compare_tid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* The TIDs of /proc/self/task, sorted; returns how many (at most max). */
static int list_tasks(pid_t *tids, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		wl_die("/proc/self/task: %s", strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && n < max)
			tids[n++] = atoi(e->d_name);
	closedir(d);
	qsort(tids, n, sizeof(*tids), compare_tid);
	return n;
}

static void start_threads(void)
{
	int i, err;

	err = pthread_barrier_init(&started, NULL, NR_THREADS + 1);
	if (err)
		wl_die("pthread_barrier_init: %s", strerror(err));
	for (i = 0; i < NR_THREADS; i++) {
		choose(&threads[i], i);
		err = pthread_create(&threads[i].handle, NULL, thread_main, &threads[i]);
		if (err)
			wl_die("pthread_create: %s", strerror(err));
	}
	pthread_barrier_wait(&started);
	/* Every thread must be dumped with its registers loaded: inside fpu_hold()'s sleep. */
	for (i = 0; i < NR_THREADS; i++) {
		check_set_up(&threads[i]);
		if (!wl_wait_syscall(threads[i].before.tid, SYS_nanosleep, 10000000000ll))
			wl_die("thread %d did not reach its wait for go", i);
	}
}

static void check_tasks(const pid_t *before, int nr_before, const pid_t *after, int nr_after)
{
	pid_t want[NR_THREADS + 1];
	int i;

	want[0] = getpid();
	for (i = 0; i < NR_THREADS; i++)
		want[i + 1] = threads[i].before.tid;
	qsort(want, NR_THREADS + 1, sizeof(*want), compare_tid);
	if (nr_before != NR_THREADS + 1 || memcmp(before, want, sizeof(want)))
		wl_die("/proc/self/task before READY is not the main thread and %d others",
		       NR_THREADS);
	wl_check(nr_after == nr_before && !memcmp(before, after, sizeof(want)),
		 "/proc/self/task: %d threads after go, %d before, or other TIDs", nr_after,
		 nr_before);
}

/* Join each thread, 30 s at most from now: a lost clear_child_tid would make it wait forever. */
static void join_threads(void)
{
	struct timespec deadline;
	void *ret;
	int i, err;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_TIMEOUT_S;
	for (i = 0; i < NR_THREADS; i++) {
		err = pthread_timedjoin_np(threads[i].handle, &ret, &deadline);
		if (!wl_check(!err, "thread %d (tid %d): join: %s", i, threads[i].before.tid,
			      strerror(err)))
			continue;
		wl_check(ret == &threads[i], "thread %d: join returned %p, want %p", i, ret,
			 (void *)&threads[i]);
	}
}

/* The registers of one thread that differ: how many, and the first one. */
struct diff {
	int count;
	char first[96];
};

static void __attribute__((format(printf, 2, 3))) differ(struct diff *d, const char *fmt, ...)
{
	va_list ap;

	if (d->count++)
		return;
	va_start(ap, fmt);
	vsnprintf(d->first, sizeof(d->first), fmt, ap);
	va_end(ap);
}

/* One line per thread whose registers differ, not one per register: there are 64 threads. */
static void check_regs(const struct thread *t)
{
	static const char *const vec_prefix[3] = {"xmm", "ymm", "zmm"};
	static const size_t width[3] = {16, 32, 64};
	const struct fpu_regs *in = &t->in, *out = &t->out;
	int nr_vec = level == 2 ? 32 : 16, i;
	struct diff d = {0};

	for (i = 0; i < 10; i++)
		if (in->gpr[i] != out->gpr[i])
			differ(&d, "%s 0x%016lx, want 0x%016lx", gpr_names[i], out->gpr[i],
			       in->gpr[i]);
	for (i = 0; i < 8; i++)
		if (in->x87[i] != out->x87[i])
			differ(&d, "st%d %ld, want %ld", 7 - i, out->x87[i], in->x87[i]);
	if (in->fcw != out->fcw)
		differ(&d, "fcw %#x, want %#x", out->fcw, in->fcw);
	if (in->mxcsr != out->mxcsr)
		differ(&d, "mxcsr %#x, want %#x", out->mxcsr, in->mxcsr);
	for (i = 0; i < nr_vec; i++)
		if (memcmp(in->vec[i], out->vec[i], width[level]))
			differ(&d, "%s%d", vec_prefix[level], i);
	for (i = 0; level == 2 && i < 8; i++)
		if (in->k[i] != out->k[i])
			differ(&d, "k%d 0x%lx, want 0x%lx", i, out->k[i], in->k[i]);
	wl_check(!d.count, "thread %d (tid %d): %d register(s) differ, first %s", t->index,
		 t->before.tid, d.count, d.first);
}

/* After go: what the thread found must be what it had, and what was chosen for it. */
static void check_thread(const struct thread *t)
{
	const struct self *b = &t->before, *a = &t->after;
	const uint8_t *alt = t->altstack.ss_sp;
	int i = t->index;

	wl_check(a->tid == b->tid, "thread %d: tid %d, want %d", i, a->tid, b->tid);
	wl_check(pthread_equal(a->handle, b->handle) && a->fs_base == b->fs_base &&
		     a->tls_addr == b->tls_addr,
		 "thread %d (tid %d): pthread_self %#lx fs base %#lx TLS at %p, want %#lx %#lx %p",
		 i, b->tid, a->handle, a->fs_base, a->tls_addr, b->handle, b->fs_base, b->tls_addr);
	wl_check(!strcmp(a->name, t->name), "thread %d (tid %d): name '%s', want '%s'", i, b->tid,
		 a->name, t->name);
	wl_check(a->blocked == t->blocked, "thread %d (tid %d): blocked mask %#lx, want %#lx", i,
		 b->tid, a->blocked, t->blocked);
	wl_check(same_stack(&a->altstack, &t->altstack),
		 "thread %d (tid %d): sigaltstack {%p, %zu, %#x}, want {%p, %zu, %#x}", i, b->tid,
		 a->altstack.ss_sp, a->altstack.ss_size, a->altstack.ss_flags, t->altstack.ss_sp,
		 t->altstack.ss_size, t->altstack.ss_flags);
	wl_check(a->robust_head == b->robust_head && a->robust_len == b->robust_len,
		 "thread %d (tid %d): robust list %p (%zu bytes), want %p (%zu)", i, b->tid,
		 a->robust_head, a->robust_len, b->robust_head, b->robust_len);
	wl_check(a->rseq_errno == b->rseq_errno,
		 "thread %d (tid %d): registering rseq again gives '%s', want '%s'", i, b->tid,
		 strerror(a->rseq_errno), strerror(b->rseq_errno));
	wl_check(!t->tls_bad_pages, "thread %d (tid %d): __thread buffer: %zu page(s) differ", i,
		 b->tid, t->tls_bad_pages);
	wl_check(t->usr1_runs == 1 && t->usr1_sp >= (uintptr_t)alt &&
		     t->usr1_sp < (uintptr_t)alt + t->altstack.ss_size,
		 "thread %d (tid %d): SIGUSR1 handler ran %d time(s), at sp %#lx, want once on "
		 "[%p, +%#zx)",
		 i, b->tid, t->usr1_runs, t->usr1_sp, alt, t->altstack.ss_size);
	check_regs(t);
}

static void set_up_process(void)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
		level = 2;
	else if (__builtin_cpu_supports("avx"))
		level = 1;
	wl_note("%d threads, testing %s", NR_THREADS,
		level == 2 ? "zmm0-31 and k0-7"
		: level	   ? "ymm0-15"
			   : "xmm0-15");
	find_rseq_len();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		wl_die("sigaction: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static pid_t tasks_before[NR_THREADS + 2], tasks_after[NR_THREADS + 2];
	int nr_before, nr_after, i;
	pid_t pid = getpid();

	wl_init(argc, argv);
	set_up_process();
	start_threads();
	nr_before = list_tasks(tasks_before, NR_THREADS + 2);

	wl_ready();
	wl_wait_go();

	/* Before any thread may end: they are all there, each waiting for may_end. */
	nr_after = list_tasks(tasks_after, NR_THREADS + 2);
	atomic_store(&may_end, 1);
	wl_check(getpid() == pid && gettid() == pid, "main thread: pid %d tid %d, want %d",
		 getpid(), gettid(), pid);
	check_tasks(tasks_before, nr_before, tasks_after, nr_after);
	join_threads();
	for (i = 0; i < NR_THREADS; i++)
		check_thread(&threads[i]);
	return wl_finish();
}
