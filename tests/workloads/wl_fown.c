// SPDX-License-Identifier: MIT
/*
 * Owners of open file descriptions and their I/O signals (F_SETOWN_EX, F_SETSIG, O_ASYNC):
 *
 *   signalled  a pipe with O_ASYNC, owned by this process, signal SIGRTMIN+3: a write after go
 *              brings that signal, with the read end's fd in si_fd (so POLL_IN);
 *   group      a socketpair end owned by this process's group, default signal: its owner reads
 *              back as the group;
 *   thread     the other end owned by a thread of this process (F_OWNER_TID), with SIGUSR2.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ends[2], pair[2];
static volatile sig_atomic_t got_fd = -1, got_code;
static pid_t thread_tid;

static void on_io(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	got_fd = info->si_fd;
	got_code = info->si_code;
}

static void *waiter(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

static void set_owner(int fd, int type, pid_t pid, int sig)
{
	struct f_owner_ex owner = {.type = type, .pid = pid};

	if (fcntl(fd, F_SETOWN_EX, &owner) || fcntl(fd, F_SETSIG, sig))
		wl_die("owner of fd %d: %s", fd, strerror(errno));
}

static void check_owner(const char *what, int fd, int type, pid_t pid, int sig)
{
	struct f_owner_ex owner = {0};

	wl_check(fcntl(fd, F_GETOWN_EX, &owner) == 0 && (int)owner.type == type && owner.pid == pid,
		 "%s: owner %d of type %d, want %d of type %d", what, owner.pid, owner.type, pid,
		 type);
	wl_check(fcntl(fd, F_GETSIG) == sig, "%s: signal %d, want %d", what, fcntl(fd, F_GETSIG),
		 sig);
}

static void make_files(void)
{
	struct sigaction sa = {.sa_sigaction = on_io, .sa_flags = SA_SIGINFO};
	sigset_t usr2;
	pthread_t t;

	sigaction(SIGRTMIN + 3, &sa, NULL);
	/* The thread keeps SIGUSR2 blocked: only the owner matters here, not the delivery. */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	if (pipe(ends) || socketpair(AF_UNIX, SOCK_STREAM, 0, pair) ||
	    pthread_create(&t, NULL, waiter, NULL))
		wl_die("setup: %s", strerror(errno));
	while (!thread_tid)
		usleep(1000);
	set_owner(ends[0], F_OWNER_PID, getpid(), SIGRTMIN + 3);
	if (fcntl(ends[0], F_SETFL, O_ASYNC | O_NONBLOCK))
		wl_die("O_ASYNC: %s", strerror(errno));
	set_owner(pair[0], F_OWNER_PGRP, getpgrp(), 0);
	set_owner(pair[1], F_OWNER_TID, thread_tid, SIGUSR2);
}

int main(int argc, char **argv)
{
	int i;

	wl_init(argc, argv);
	make_files();
	wl_ready();
	wl_wait_go();
	check_owner("signalled", ends[0], F_OWNER_PID, getpid(), SIGRTMIN + 3);
	check_owner("group", pair[0], F_OWNER_PGRP, getpgrp(), 0);
	check_owner("thread", pair[1], F_OWNER_TID, thread_tid, SIGUSR2);
	wl_check(fcntl(ends[0], F_GETFL) & O_ASYNC, "the pipe lost O_ASYNC");
	if (write(ends[1], "x", 1) != 1)
		wl_die("write: %s", strerror(errno));
	for (i = 0; i < 2000 && got_fd < 0; i++)
		usleep(1000);
	wl_check(got_fd == ends[0] && got_code == POLL_IN,
		 "after a write: signal SIGRTMIN+3 with fd %d, code %d; want fd %d, POLL_IN",
		 (int)got_fd, (int)got_code, ends[0]);
	return wl_finish();
}
