// SPDX-License-Identifier: MIT
/*
 * Signal state: handlers with SA_SIGINFO, SA_RESTART, SA_ONSTACK, SA_RESETHAND, SA_NODEFER and
 * random masks, ignored signals, a random blocked mask, a sigaltstack with SS_AUTODISARM, and the
 * three interval timers (ITIMER_REAL firing every 100 ms). After go the kernel's view of all of
 * it must be what it was, and it must still work: the timer fires on the alternate stack with
 * its mask, a raised signal runs its handler, a blocked one waits, SA_RESTART restarts a read.
 */
#include "workload.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31) /* <linux/signal.h>, which clashes with <signal.h> */
#endif

#define NSIG_KERNEL 64
#define ALTSTACK_SIZE (64 * 1024)
#define TICK_US 100000

/* The kernel's struct sigaction, read with rt_sigaction: glibc hides signals 32 and 33. */
struct ksigaction {
	uintptr_t handler;
	unsigned long flags;
	uintptr_t restorer;
	uint64_t mask;
};

static uint8_t *altstack;
static volatile sig_atomic_t ticks, ticks_off_stack, ticks_bad_mask;
static volatile sig_atomic_t usr1_runs, usr1_bad, usr2_runs, winch_runs;
/* Write end of a pipe made after go: the alarm handler ends the SA_RESTART test through it. */
static volatile int restart_fd = -1;
static volatile sig_atomic_t restart_at_tick;

static struct ksigaction actions[NSIG_KERNEL + 1];
static uint64_t blocked;
static stack_t stack_before;
static struct itimerval timers[3];

static bool on_altstack(const void *p)
{
	return (const uint8_t *)p >= altstack && (const uint8_t *)p < altstack + ALTSTACK_SIZE;
}

static bool blocked_now(int sig)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig) == 1;
}

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	char here;

	ticks++;
	if (!on_altstack(&here))
		ticks_off_stack++;
	/* sa_mask holds SIGUSR2; the signal itself is blocked too (no SA_NODEFER). */
	if (!blocked_now(SIGUSR2) || !blocked_now(SIGALRM))
		ticks_bad_mask++;
	if (restart_fd >= 0 && ticks >= restart_at_tick && write(restart_fd, "x", 1) == 1)
		restart_fd = -1;
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	char here;

	usr1_runs++;
	if (si->si_signo != SIGUSR1 || si->si_code != SI_TKILL || si->si_pid != getpid() ||
	    !on_altstack(&here) || !blocked_now(SIGTERM) || !blocked_now(SIGQUIT) ||
	    !blocked_now(SIGUSR1))
		usr1_bad++;
}

static void on_usr2(int sig)
{
	usr2_runs++;
}

static void on_winch(int sig)
{
	winch_runs++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
}

static void set_action(int sig, void *handler, int flags, const sigset_t *mask)
{
	struct sigaction sa = {.sa_flags = flags};

	if (flags & SA_SIGINFO)
		sa.sa_sigaction = handler;
	else
		sa.sa_handler = handler;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		wl_die("sigaction(%d): %s", sig, strerror(errno));
}

/* A random set of real-time signals (glibc keeps 32 and 33 for itself). */
static void random_rt_set(sigset_t *set)
{
	uint64_t bits = wl_random_u64();
	int sig;

	sigemptyset(set);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (bits >> (sig - SIGRTMIN) & 1)
			sigaddset(set, sig);
}

static void get_action(int sig, struct ksigaction *ka)
{
	if (syscall(SYS_rt_sigaction, sig, NULL, ka, 8))
		wl_die("rt_sigaction(%d): %s", sig, strerror(errno));
}

static uint64_t get_blocked(void)
{
	uint64_t mask;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8);
	return mask;
}

static void build(void)
{
	struct itimerval real = {{0, TICK_US}, {0, TICK_US}};
	struct itimerval virt = {{100 + wl_random_u64() % 100, wl_random_u64() % 1000000},
				 {1000, 0}};
	struct itimerval prof = {{300, wl_random_u64() % 1000000}, {2000, 0}};
	sigset_t alarm_mask, usr1_mask, rt_mask, block;
	stack_t ss;
	int sig;

	altstack =
	    mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (altstack == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	ss = (stack_t){.ss_sp = altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = SS_AUTODISARM};
	if (sigaltstack(&ss, NULL))
		wl_die("sigaltstack: %s", strerror(errno));

	random_rt_set(&alarm_mask);
	sigaddset(&alarm_mask, SIGUSR2);
	set_action(SIGALRM, on_alarm, SA_SIGINFO | SA_RESTART | SA_ONSTACK, &alarm_mask);
	sigemptyset(&usr1_mask);
	sigaddset(&usr1_mask, SIGTERM);
	sigaddset(&usr1_mask, SIGQUIT);
	set_action(SIGUSR1, on_usr1, SA_SIGINFO | SA_ONSTACK, &usr1_mask);
	set_action(SIGUSR2, on_usr2, SA_RESETHAND | SA_NODEFER, NULL);
	set_action(SIGWINCH, on_winch, SA_RESTART, NULL);
	random_rt_set(&rt_mask);
	set_action(SIGRTMIN + 5, on_rt, SA_SIGINFO | SA_ONSTACK | SA_RESTART, &rt_mask);
	set_action(SIGHUP, SIG_IGN, 0, NULL);
	set_action(SIGPIPE, SIG_IGN, 0, NULL);

	random_rt_set(&block);
	sigdelset(&block, SIGRTMIN + 5);
	sigaddset(&block, SIGWINCH);
	if (sigprocmask(SIG_SETMASK, &block, NULL))
		wl_die("sigprocmask: %s", strerror(errno));

	if (setitimer(ITIMER_VIRTUAL, &virt, NULL) || setitimer(ITIMER_PROF, &prof, NULL) ||
	    setitimer(ITIMER_REAL, &real, NULL))
		wl_die("setitimer: %s", strerror(errno));

	/* What the kernel holds, to compare with after go. */
	for (sig = 1; sig <= NSIG_KERNEL; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			get_action(sig, &actions[sig]);
	blocked = get_blocked();
	sigaltstack(NULL, &stack_before);
	getitimer(ITIMER_REAL, &timers[ITIMER_REAL]);
	getitimer(ITIMER_VIRTUAL, &timers[ITIMER_VIRTUAL]);
	getitimer(ITIMER_PROF, &timers[ITIMER_PROF]);
}

static void check_kernel_state(void)
{
	static const char *const names[3] = {"ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF"};
	struct ksigaction ka;
	stack_t ss;
	int sig, which;

	for (sig = 1; sig <= NSIG_KERNEL; sig++) {
		const struct ksigaction *want = &actions[sig];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		get_action(sig, &ka);
		wl_check(
		    !memcmp(&ka, want, sizeof(ka)),
		    "signal %d: action {handler %#lx flags %#lx restorer %#lx mask %#lx}, want "
		    "{%#lx %#lx %#lx %#lx}",
		    sig, ka.handler, ka.flags, ka.restorer, ka.mask, want->handler, want->flags,
		    want->restorer, want->mask);
	}
	wl_check(get_blocked() == blocked, "blocked mask %#lx, want %#lx", get_blocked(), blocked);

	sigaltstack(NULL, &ss);
	wl_check(ss.ss_sp == stack_before.ss_sp && ss.ss_size == stack_before.ss_size &&
		     ss.ss_flags == stack_before.ss_flags,
		 "sigaltstack {%p, %zu, %#x}, want {%p, %zu, %#x}", ss.ss_sp, ss.ss_size,
		 ss.ss_flags, stack_before.ss_sp, stack_before.ss_size, stack_before.ss_flags);

	for (which = ITIMER_REAL; which <= ITIMER_PROF; which++) {
		const struct itimerval *want = &timers[which];
		struct itimerval it;

		getitimer(which, &it);
		wl_check(it.it_interval.tv_sec == want->it_interval.tv_sec &&
			     it.it_interval.tv_usec == want->it_interval.tv_usec,
			 "%s interval %ld.%06lds, want %ld.%06lds", names[which],
			 it.it_interval.tv_sec, it.it_interval.tv_usec, want->it_interval.tv_sec,
			 want->it_interval.tv_usec);
		/* Still armed, and never further away than the interval (REAL) or the start. */
		wl_check(timerisset(&it.it_value) &&
			     !timercmp(&it.it_value,
				       which == ITIMER_REAL ? &want->it_interval : &want->it_value,
				       >),
			 "%s value %ld.%06lds: not armed or later than set", names[which],
			 it.it_value.tv_sec, it.it_value.tv_usec);
	}
}

/* Sleep until cond() or the deadline; the alarm interrupts the sleeps. */
static bool wait_for(bool (*cond)(void), int64_t timeout_ns)
{
	int64_t deadline = wl_now_ns() + timeout_ns;
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

	while (!cond() && wl_now_ns() < deadline)
		nanosleep(&tick, NULL);
	return cond();
}

static sig_atomic_t ticks_target;

static bool enough_ticks(void)
{
	return ticks >= ticks_target;
}

static bool check_timer_fires(void)
{
	bool fires;

	ticks_target = ticks + 5;
	fires = wl_check(wait_for(enough_ticks, 5000000000ll),
			 "ITIMER_REAL: %d ticks in 5 s, want 5", 5 - (ticks_target - ticks));
	wl_check(!ticks_off_stack, "%d SIGALRM handler run(s) not on the alternate stack",
		 ticks_off_stack);
	wl_check(!ticks_bad_mask, "%d SIGALRM handler run(s) without its sa_mask", ticks_bad_mask);
	return fires;
}

/*
 * A read on an empty pipe, interrupted by ticks, must be restarted until a tick writes to it.
 * Only once the timer is known to fire, or the read would wait forever.
 */
static void check_restart(void)
{
	int fds[2];
	char c;
	ssize_t n;

	if (pipe(fds))
		wl_die("pipe: %s", strerror(errno));
	restart_at_tick = ticks + 3;
	restart_fd = fds[1];
	n = read(fds[0], &c, 1);
	wl_check(n == 1, "SA_RESTART: read returned %zd (%s), want it restarted", n,
		 n < 0 ? strerror(errno) : "-");
	close(fds[0]);
	close(fds[1]);
}

static void check_delivery(void)
{
	struct ksigaction ka;
	sigset_t winch, pending;

	raise(SIGUSR1);
	wl_check(usr1_runs == 1 && !usr1_bad,
		 "SIGUSR1: handler ran %d time(s), %d with wrong siginfo, stack or mask", usr1_runs,
		 usr1_bad);

	raise(SIGUSR2);
	get_action(SIGUSR2, &ka);
	wl_check(usr2_runs == 1 && ka.handler == (uintptr_t)SIG_DFL,
		 "SIGUSR2 (SA_RESETHAND): handler ran %d time(s), then handler %#lx", usr2_runs,
		 ka.handler);

	raise(SIGWINCH);
	sigpending(&pending);
	wl_check(!winch_runs && sigismember(&pending, SIGWINCH),
		 "blocked SIGWINCH: handler ran %d time(s) or not pending", winch_runs);
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_UNBLOCK, &winch, NULL);
	wl_check(winch_runs == 1, "SIGWINCH: unblocked, handler ran %d time(s)", winch_runs);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	check_kernel_state();
	if (check_timer_fires())
		check_restart();
	check_delivery();
	return wl_finish();
}
