// SPDX-License-Identifier: MIT
/*
 * Orphans, dead leaders, a child subreaper and parent-death signals:
 *
 *   root  session leader (the driver starts it with setsid), PR_SET_CHILD_SUBREAPER
 *   |-- L   setsid(), forks O1 and O2, exits       O1, O2: orphans in session L and group L,
 *   |                                              whose leader is gone, reparented to root
 *   |-- G   setpgid(0, 0), forks G1, exits         G1: orphan in group G, whose leader is gone
 *   |-- M   joins group G before G exits
 *   |-- K   forks X, then setsid(), then forks Y   X: in root's session, K's former one
 *   `-- P   PR_SET_PDEATHSIG (random signal), forks Q with one of its own
 *
 * Each process records its parent, session and group once the tree is settled and checks them
 * after go. P checks its parent-death signal, then exits: Q must then receive its own
 * parent-death signal and find itself reparented to root, which must still be a subreaper. Each
 * exits 0 when all its checks passed; root reaps every one of them (orphans included) and prints
 * PASS when all ended with 0.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_NS (60 * 1000000000ll)
#define SIGNAL_TIMEOUT_S 20

static const char *const live[] = {"O1", "O2", "G1", "M", "K", "X", "Y", "P", "Q"};
#define NR_LIVE (int)(sizeof(live) / sizeof(live[0]))

static struct {
	const char *name;
	pid_t ppid, sid, pgid;
	bool ok;
} me = {"root", 0, 0, 0, true};

static pid_t root_pid;

static void ready_path(char *buf, size_t size, const char *name)
{
	char file[32];

	snprintf(file, sizeof(file), "ready.%s", name);
	wl_path(buf, size, file);
}

static void mark_ready(void)
{
	char path[PATH_MAX];
	int fd;

	ready_path(path, sizeof(path), me.name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		wl_die("%s: create %s: %s", me.name, path, strerror(errno));
	close(fd);
}

static void await_ready(const char *name)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	int64_t deadline = wl_now_ns() + READY_TIMEOUT_NS;
	char path[PATH_MAX];

	ready_path(path, sizeof(path), name);
	while (access(path, F_OK)) {
		if (wl_now_ns() > deadline)
			wl_die("%s never got ready", name);
		nanosleep(&tick, NULL);
	}
}

static void check(bool ok, const char *what, long got, long want)
{
	if (!wl_check(ok, "%s (pid %d): %s is %ld, want %ld", me.name, (int)getpid(), what, got,
		      want))
		me.ok = false;
}

/* Settled: the ids to find again after go. */
static void record_ids(void)
{
	me.ppid = getppid();
	me.sid = getsid(0);
	me.pgid = getpgid(0);
}

static void check_ids(void)
{
	check(getppid() == me.ppid, "the parent", getppid(), me.ppid);
	check(getsid(0) == me.sid, "the session", getsid(0), me.sid);
	check(getpgid(0) == me.pgid, "the group", getpgid(0), me.pgid);
}

static pid_t spawn(const char *name, void (*run)(void))
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		wl_die("%s: fork: %s", me.name, strerror(errno));
	if (pid == 0) {
		me.name = name;
		run();
		_exit(0);
	}
	return pid;
}

/* A plain member: ready, go, its ids checked. */
static void settle_and_check(void)
{
	record_ids();
	mark_ready();
	wl_wait_go();
	check_ids();
	exit(me.ok ? 0 : 1);
}

/* Until the parent that forked it has exited and it belongs to root. */
static void await_orphaned(void)
{
	while (getppid() != root_pid)
		usleep(1000);
}

static void orphan(void)
{
	await_ready(me.name[0] == 'O' ? "L-exits" : "G-exits");
	await_orphaned();
	settle_and_check();
}

static void run_l(void)
{
	if (setsid() < 0)
		wl_die("L: setsid: %s", strerror(errno));
	spawn("O1", orphan);
	spawn("O2", orphan);
	me.name = "L-exits";
	mark_ready();
}

static pid_t g_pid;

static void run_g(void)
{
	if (setpgid(0, 0))
		wl_die("G: setpgid: %s", strerror(errno));
	spawn("G1", orphan);
	await_ready("M");
	me.name = "G-exits";
	mark_ready();
}

static void run_m(void)
{
	while (setpgid(0, g_pid))
		if (errno != EPERM && errno != ESRCH)
			wl_die("M: setpgid(%d): %s", (int)g_pid, strerror(errno));
		else
			usleep(1000);
	settle_and_check();
}

static void run_k(void)
{
	spawn("X", settle_and_check);
	if (setsid() < 0)
		wl_die("K: setsid: %s", strerror(errno));
	spawn("Y", settle_and_check);
	record_ids();
	mark_ready();
	wl_wait_go();
	check_ids();
	while (wait(NULL) > 0)
		;
	exit(me.ok ? 0 : 1);
}

static int random_signal(void)
{
	return SIGRTMIN + (int)(wl_random_u64() % 8);
}

static volatile sig_atomic_t q_got;

static void on_signal(int sig)
{
	q_got = sig;
}

static void check_pdeathsig(int want)
{
	int sig = -1;

	prctl(PR_GET_PDEATHSIG, &sig);
	check(sig == want, "the parent death signal", sig, want);
}

/* Q: its parent P exits after go, which must send Q its parent-death signal. */
static int q_signal;

static void run_q(void)
{
	time_t deadline;

	signal(q_signal, on_signal);
	if (prctl(PR_SET_PDEATHSIG, q_signal))
		wl_die("Q: PR_SET_PDEATHSIG: %s", strerror(errno));
	record_ids();
	mark_ready();
	wl_wait_go();
	check_ids();
	check_pdeathsig(q_signal);
	me.name = "Q-checked";
	mark_ready();
	me.name = "Q";
	for (deadline = time(NULL) + SIGNAL_TIMEOUT_S; !q_got && time(NULL) < deadline;)
		usleep(10000);
	check(q_got == q_signal, "the signal got when P exited", q_got, q_signal);
	check(getppid() == root_pid, "the parent after P's exit", getppid(), root_pid);
	exit(me.ok ? 0 : 1);
}

static void run_p(void)
{
	int sig = random_signal();

	signal(sig, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, sig))
		wl_die("P: PR_SET_PDEATHSIG: %s", strerror(errno));
	do
		q_signal = random_signal();
	while (q_signal == sig);
	spawn("Q", run_q);
	record_ids();
	mark_ready();
	wl_wait_go();
	check_ids();
	check_pdeathsig(sig);
	await_ready("Q-checked");
	/* Exits without reaping Q: that is what Q's signal is about. */
	exit(me.ok ? 0 : 1);
}

/* Every descendant, orphans included, ends with 0: root is their reaper. */
static void reap_all(void)
{
	int status, reaped = 0;
	pid_t pid;

	while ((pid = wait(&status)) > 0) {
		reaped++;
		wl_check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "process %d ended with status %#x", (int)pid, status);
	}
	/* K reaps X and Y itself. */
	wl_check(reaped == NR_LIVE - 2, "root reaped %d processes, want %d", reaped, NR_LIVE - 2);
}

int main(int argc, char **argv)
{
	int i, subreaper = 0;

	wl_init(argc, argv);
	root_pid = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		wl_die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	spawn("L", run_l);
	g_pid = spawn("G", run_g);
	spawn("M", run_m);
	spawn("K", run_k);
	spawn("P", run_p);
	for (i = 0; i < NR_LIVE; i++)
		await_ready(live[i]);
	/* L and G are gone: only their orphans remain. */
	await_ready("L-exits");
	await_ready("G-exits");
	for (i = 0; i < 2; i++)
		wait(NULL);
	wl_ready();
	wl_wait_go();
	prctl(PR_GET_CHILD_SUBREAPER, &subreaper);
	wl_check(subreaper == 1, "root is no longer a child subreaper");
	reap_all();
	return wl_finish();
}
