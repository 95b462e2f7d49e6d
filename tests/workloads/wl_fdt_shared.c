// SPDX-License-Identifier: MIT
/*
 * Descriptor tables shared between processes (clone with CLONE_FILES, without CLONE_VM): this
 * process P clones C with its table, C clones G with it too (one table for three), and P forks D,
 * which has a copy of its own. Before the dump, P opens a file at SHARED_FD at a random offset.
 * After go, in turn:
 *
 *   C  puts /dev/null at ADDED_FD;                  P must find it there (one table);
 *   G  closes SHARED_FD;                             P must find it closed;
 *   D  must still have SHARED_FD, at its offset, and no ADDED_FD (a table of its own).
 *
 * Each step waits for the one before through a pipe; the children report through their exit
 * status.
 *
 * With the argument "orphaned", a tree cryo must refuse: this process, a child subreaper, forks A;
 * A clones B with its table, B clones C with it and exits: C, now this process's child, shares a
 * table with A, which is not its parent. It only waits to be dumped.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHARED_FD 100
#define ADDED_FD 200

enum step { SET_UP, ADDED, ADDED_SEEN, CLOSED, CLOSED_SEEN, NR_STEPS };
static int steps[NR_STEPS][2];
static off_t offset;

static void say(enum step s)
{
	if (write(steps[s][1], "x", 1) != 1)
		wl_die("write step %d: %s", s, strerror(errno));
}

static void wait_for(enum step s)
{
	char c;

	if (read(steps[s][0], &c, 1) != 1)
		wl_die("read step %d: %s", s, strerror(errno));
}

static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* fork() with CLONE_FILES: the child runs on a copy of the stack, as after fork. */
static pid_t clone_files(void)
{
	pid_t pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);

	if (pid < 0)
		wl_die("clone(CLONE_FILES): %s", strerror(errno));
	return pid;
}

static int reap(pid_t pid)
{
	int status = -1;

	return waitpid(pid, &status, 0) == pid && status == 0;
}

static void __attribute__((noreturn)) run_g(void)
{
	say(SET_UP);
	wl_wait_go();
	wait_for(ADDED_SEEN);
	_exit(close(SHARED_FD) == 0 ? (say(CLOSED), 0) : 1);
}

static void __attribute__((noreturn)) run_c(void)
{
	pid_t g = clone_files();
	int null;

	if (g == 0)
		run_g();
	wl_wait_go();
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, ADDED_FD) != ADDED_FD)
		_exit(2);
	close(null);
	say(ADDED);
	_exit(reap(g) ? 0 : 3);
}

static void __attribute__((noreturn)) run_d(void)
{
	wl_wait_go();
	wait_for(CLOSED_SEEN);
	_exit(is_open(SHARED_FD) && lseek(SHARED_FD, 0, SEEK_CUR) == offset && !is_open(ADDED_FD)
		  ? 0
		  : 1);
}

/* C: once it is this process's child, it dies with it, and says it is in place. */
static void __attribute__((noreturn)) run_orphan(pid_t root)
{
	while (getppid() != root)
		usleep(1000);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	say(SET_UP);
	for (;;)
		pause();
}

static void run_orphaned(void)
{
	pid_t root = getpid(), a;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(steps[SET_UP]))
		wl_die("setup: %s", strerror(errno));
	a = fork();
	if (a < 0)
		wl_die("fork: %s", strerror(errno));
	if (a == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (clone_files() == 0) { /* B */
			if (clone_files() == 0)
				run_orphan(root);
			_exit(0);
		}
		for (;;)
			pause();
	}
	wait_for(SET_UP);
	wl_ready();
	wl_wait_go();
}

static void open_shared(void)
{
	char path[256];
	int fd, i;

	for (i = 0; i < NR_STEPS; i++)
		if (pipe(steps[i]))
			wl_die("pipe: %s", strerror(errno));
	wl_path(path, sizeof(path), "fdt-shared.data");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	offset = 1 + wl_random_u64() % 100000;
	if (fd < 0 || dup2(fd, SHARED_FD) != SHARED_FD ||
	    lseek(SHARED_FD, offset, SEEK_SET) != offset)
		wl_die("the shared file: %s", strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	pid_t c, d;

	wl_init(argc, argv);
	if (argc > 2 && !strcmp(argv[2], "orphaned")) {
		run_orphaned();
		return wl_finish();
	}
	open_shared();
	fflush(stdout);
	c = clone_files();
	if (c == 0)
		run_c();
	d = fork();
	if (d < 0)
		wl_die("fork: %s", strerror(errno));
	if (d == 0)
		run_d();
	wait_for(SET_UP);
	wl_ready();
	wl_wait_go();
	wait_for(ADDED);
	wl_check(is_open(ADDED_FD), "fd %d, which C opened, is not in the table C shares",
		 ADDED_FD);
	say(ADDED_SEEN);
	wait_for(CLOSED);
	wl_check(!is_open(SHARED_FD), "fd %d, which G closed, is still open here", SHARED_FD);
	say(CLOSED_SEEN);
	wl_check(reap(c), "C or G failed (C puts fd %d in place, G closes fd %d)", ADDED_FD,
		 SHARED_FD);
	wl_check(reap(d), "D, with a table of its own, lost fd %d, its offset, or has fd %d",
		 SHARED_FD, ADDED_FD);
	return wl_finish();
}
