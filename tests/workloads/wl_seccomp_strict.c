// SPDX-License-Identifier: MIT
/*
 * Seccomp strict mode, per thread: a thread of the main process and a forked child enter strict
 * mode, where only read, write, exit and rt_sigreturn are allowed, while the main thread stays
 * free. Strict mode has no way to sleep: each waits by reading an empty file of its own until the
 * main thread writes a byte to it after go (SCHED_IDLE, so that the spinning costs only idle
 * time). Then each writes a random byte to its own result file, and makes one forbidden call,
 * getppid(), which must kill it (the thread alone, the child with SIGKILL), before it writes a
 * second byte. The main thread checks: each wrote its random byte and not the second one, the
 * child died of SIGKILL, the thread is gone (joined), their Seccomp status lines said 1 before
 * go and the main thread's 0.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOIN_TIMEOUT_S 30

/* One task in strict mode: the file it waits on, the one it answers in, its random byte. */
struct strict {
	const char *name;
	int in, out;
	char byte;
	char in_path[4096], out_path[4096];
};

static struct strict thread = {.name = "thread"}, child = {.name = "child"};
static atomic_int thread_tid;

/* From here on only read, write and exit: raw system calls, nothing of libc that could do more. */
static void __attribute__((noreturn)) run_strict(struct strict *s)
{
	char c;

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT))
		wl_die("%s: PR_SET_SECCOMP: %s", s->name, strerror(errno));
	while (syscall(SYS_read, s->in, &c, 1) != 1)
		;
	syscall(SYS_write, s->out, &s->byte, 1);
	syscall(SYS_getppid);
	syscall(SYS_write, s->out, "!", 1);
	syscall(SYS_exit, 0);
	__builtin_unreachable();
}

static void open_files(struct strict *s)
{
	char name[64];

	snprintf(name, sizeof(name), "strict-%s-in", s->name);
	wl_path(s->in_path, sizeof(s->in_path), name);
	snprintf(name, sizeof(name), "strict-%s-out", s->name);
	wl_path(s->out_path, sizeof(s->out_path), name);
	s->in = open(s->in_path, O_RDONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	s->out = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->in < 0 || s->out < 0)
		wl_die("%s: open: %s", s->name, strerror(errno));
	do
		s->byte = (char)wl_random_u64();
	while (s->byte == '!');
}

static void idle_policy(void)
{
	struct sched_param p = {0};

	if (sched_setscheduler(0, SCHED_IDLE, &p))
		wl_die("sched_setscheduler: %s", strerror(errno));
}

static void *thread_main(void *arg)
{
	atomic_store(&thread_tid, gettid());
	idle_policy();
	run_strict(&thread);
}

/* The Seccomp line of /proc/PID/task/TID/status. */
static int seccomp_mode(pid_t pid, pid_t tid)
{
	char path[64], *status, *p;
	int mode;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	status = wl_read_file(path, NULL);
	p = strstr(status, "\nSeccomp:");
	mode = p ? atoi(p + 9) : -1;
	free(status);
	return mode;
}

/* Until task tid of process pid is in strict mode. */
static void wait_strict(const char *name, pid_t pid, pid_t tid)
{
	int64_t deadline = wl_now_ns() + 10000000000ll;

	while (seccomp_mode(pid, tid) != 1) {
		if (wl_now_ns() > deadline)
			wl_die("the %s did not enter strict mode", name);
		usleep(1000);
	}
}

/* After go: the byte that wakes it, then what it wrote. */
static void wake(const struct strict *s)
{
	int fd = open(s->in_path, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0 || write(fd, "g", 1) != 1)
		wl_die("%s: cannot write %s: %s", s->name, s->in_path, strerror(errno));
	close(fd);
}

static void check_out(const struct strict *s)
{
	char got[8] = {0};
	int fd = open(s->out_path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, got, sizeof(got));

	if (fd >= 0)
		close(fd);
	wl_check(n == 1 && got[0] == s->byte,
		 "%s in strict mode wrote %zd bytes (first %#x), want 1: %#x (a second one means "
		 "getppid() did not kill it)",
		 s->name, n, (unsigned char)got[0], (unsigned char)s->byte);
}

int main(int argc, char **argv)
{
	struct timespec deadline;
	pthread_t handle;
	pid_t pid, tid;
	int err, status;

	wl_init(argc, argv);
	open_files(&thread);
	open_files(&child);
	pid = fork();
	if (pid < 0)
		wl_die("fork: %s", strerror(errno));
	if (pid == 0) {
		idle_policy();
		run_strict(&child);
	}
	err = pthread_create(&handle, NULL, thread_main, NULL);
	if (err)
		wl_die("pthread_create: %s", strerror(err));
	while (!(tid = atomic_load(&thread_tid)))
		usleep(1000);
	wait_strict("thread", getpid(), tid);
	wait_strict("child", pid, pid);
	if (seccomp_mode(getpid(), getpid()) != 0)
		wl_die("the main thread is in seccomp mode %d", seccomp_mode(getpid(), getpid()));
	wl_ready();

	wl_wait_go();
	wl_check(seccomp_mode(getpid(), tid) == 1 && seccomp_mode(pid, pid) == 1 &&
		     seccomp_mode(getpid(), getpid()) == 0,
		 "seccomp modes: thread %d, child %d, main thread %d; want 1, 1, 0",
		 seccomp_mode(getpid(), tid), seccomp_mode(pid, pid),
		 seccomp_mode(getpid(), getpid()));
	wake(&thread);
	wake(&child);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_TIMEOUT_S;
	err = pthread_timedjoin_np(handle, NULL, &deadline);
	wl_check(!err, "the thread in strict mode: join: %s", strerror(err));
	if (waitpid(pid, &status, 0) != pid)
		wl_die("waitpid: %s", strerror(errno));
	wl_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		 "the child in strict mode ended with status %#x, not killed by SIGKILL", status);
	check_out(&thread);
	check_out(&child);
	return wl_finish();
}
