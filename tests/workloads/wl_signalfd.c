// SPDX-License-Identifier: MIT
/*
 * signalfds, their signals blocked:
 *
 *   main    SIGUSR1 and SIGRTMIN+3. A SIGRTMIN+3 queued with a random value before the dump is
 *           read through it after go, value included; a SIGUSR1 this process sends itself after
 *           go is read through it; a SIGUSR2 is not (not in its mask);
 *   other   SIGUSR2 only, O_NONBLOCK: it reads the SIGUSR2, then EAGAIN.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define TIMEOUT_MS 20000

static int main_fd, other_fd;
static int rt_sig;
static int rt_value;

static void make_signalfds(void)
{
	sigset_t main_mask, other_mask, blocked;
	union sigval v;

	rt_sig = SIGRTMIN + 3;
	sigemptyset(&main_mask);
	sigaddset(&main_mask, SIGUSR1);
	sigaddset(&main_mask, rt_sig);
	sigemptyset(&other_mask);
	sigaddset(&other_mask, SIGUSR2);
	blocked = main_mask;
	sigaddset(&blocked, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &blocked, NULL))
		wl_die("sigprocmask: %s", strerror(errno));
	main_fd = signalfd(-1, &main_mask, 0);
	other_fd = signalfd(-1, &other_mask, SFD_NONBLOCK);
	if (main_fd < 0 || other_fd < 0)
		wl_die("signalfd: %s", strerror(errno));
	rt_value = (int)(wl_random_u64() & 0x7fffffff);
	v.sival_int = rt_value;
	if (sigqueue(getpid(), rt_sig, v))
		wl_die("sigqueue: %s", strerror(errno));
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* The next signal read through fd: its number (0 if none), and its value. */
static int next_signal(int fd, int *value)
{
	struct signalfd_siginfo si;

	if (!readable(fd, TIMEOUT_MS) || read(fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	*value = si.ssi_int;
	return si.ssi_signo;
}

static void check_main(void)
{
	int sig, value = 0;

	sig = next_signal(main_fd, &value);
	wl_check(sig == rt_sig && value == rt_value,
		 "the queued signal reads as %d (value %d), want %d (value %d)", sig, value, rt_sig,
		 rt_value);
	kill(getpid(), SIGUSR1);
	sig = next_signal(main_fd, &value);
	wl_check(sig == SIGUSR1, "SIGUSR1 sent after go reads as %d", sig);
	kill(getpid(), SIGUSR2);
	wl_check(!readable(main_fd, 200), "SIGUSR2, not in its mask, is readable from the main fd");
}

static void check_other(void)
{
	struct signalfd_siginfo si;
	int sig, value;

	wl_check(fcntl(other_fd, F_GETFL) & O_NONBLOCK, "the other signalfd lost O_NONBLOCK");
	sig = next_signal(other_fd, &value);
	wl_check(sig == SIGUSR2, "SIGUSR2 reads as %d from the other fd", sig);
	wl_check(read(other_fd, &si, sizeof(si)) < 0 && errno == EAGAIN,
		 "the other signalfd has more to read");
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	make_signalfds();
	wl_ready();
	wl_wait_go();
	check_main();
	check_other();
	return wl_finish();
}
