// SPDX-License-Identifier: MIT
/*
 * Seizing a process: PTRACE_SEIZE attaches to each thread without a signal (the process cannot
 * tell), and PTRACE_INTERRUPT stops it in the kernel's signal code, wherever it was, even inside
 * a system call. A thread still running may start another one meanwhile: the thread list is read
 * again until a pass finds none new. Releasing lets the threads carry on, stops them, or kills
 * the process.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common/log.h"
#include "dump/dump.h"

/* A signal arriving as we stop the thread is delivered (not lost) and we stop it again. */
#define SEIZE_TRIES 16

static int wait_interrupted(pid_t tid)
{
	int i, status;

	for (i = 0; i < SEIZE_TRIES; i++) {
		if (waitpid(tid, &status, __WALL) != tid)
			return pr_perror("cannot wait for %d", tid);
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -ESRCH;
		if (status >> 16 == PTRACE_EVENT_STOP)
			return 0;
		pr_debug("%d: signal %d arrived during the seize: delivering it", tid,
			 WSTOPSIG(status));
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)WSTOPSIG(status)) ||
		    ptrace(PTRACE_INTERRUPT, tid, NULL, NULL))
			return pr_perror("cannot resume %d", tid);
	}
	pr_err("thread %d keeps receiving signals: cannot stop it", tid);
	return -EAGAIN;
}

static int is_dead(pid_t tid)
{
	char state = proc_task_state(tid);

	return !state || state == 'Z' || state == 'X';
}

/* 0 when stopped, -ESRCH when it has exited meanwhile (not an error for a thread). */
static int seize_thread(pid_t tid)
{
	int ret;

	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL)) {
		/* The kernel refuses a task on its way out (EPERM) as one that is gone. */
		if (errno == ESRCH || (errno == EPERM && is_dead(tid)))
			return -ESRCH;
		ret = -errno;
		if (errno == EPERM)
			pr_err("cannot trace %d: already traced, or not allowed", tid);
		else
			pr_perror("cannot seize %d", tid);
		return ret;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
		ret = pr_perror("cannot interrupt %d", tid);
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return ret;
	}
	ret = wait_interrupted(tid);
	if (!ret)
		ret = seccomp_suspend(tid);
	if (ret && ret != -ESRCH)
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
	return ret;
}

static int is_seized(const pid_t *tids, size_t nr, pid_t tid)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (tids[i] == tid)
			return 1;
	return 0;
}

static int add_tid(pid_t **tids, size_t *nr, pid_t tid)
{
	pid_t *grown = realloc(*tids, (*nr + 1) * sizeof(pid_t));

	if (!grown)
		return -ENOMEM;
	grown[(*nr)++] = tid;
	*tids = grown;
	return 0;
}

/* One pass over /proc/PID/task: seize every thread not seized yet; *found counts them. */
static int seize_new_threads(pid_t pid, pid_t **tids, size_t *nr, int *found)
{
	char path[32];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return pr_perror("cannot list the threads of %d", pid);
	*found = 0;
	while (!ret && (de = readdir(dir))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0 || is_seized(*tids, *nr, tid))
			continue;
		ret = seize_thread(tid);
		if (ret == -ESRCH) {
			ret = 0;
			continue;
		}
		if (!ret)
			ret = add_tid(tids, nr, tid);
		(*found)++;
	}
	closedir(dir);
	return ret;
}

int seize_process(pid_t pid, pid_t **tids, size_t *nr)
{
	int ret, found;

	*tids = NULL;
	*nr = 0;
	ret = seize_thread(pid);
	if (!ret)
		ret = add_tid(tids, nr, pid);
	do {
		if (!ret)
			ret = seize_new_threads(pid, tids, nr, &found);
	} while (!ret && found);
	if (ret && *nr) {
		release_process(pid, *tids, *nr, RELEASE_RUN);
		free(*tids);
		*tids = NULL;
		*nr = 0;
	}
	return ret;
}

static int detach_all(const pid_t *tids, size_t nr)
{
	size_t i;
	int ret = 0;

	/* A thread that died meanwhile (ESRCH) has nothing left to release: that was said. */
	for (i = 0; i < nr; i++)
		if (ptrace(PTRACE_DETACH, tids[i], NULL, NULL) && errno != ESRCH)
			ret = pr_perror("cannot detach from %d", tids[i]);
	return ret;
}

int release_process(pid_t pid, const pid_t *tids, size_t nr, int how)
{
	size_t i;
	int status;

	switch (how) {
	case RELEASE_KILL:
		if (kill(pid, SIGKILL))
			return pr_perror("cannot kill %d", pid);
		/*
		 * The tracer sees each death first, and must take it: the leader's is told only once
		 * the other threads are gone. The parent still gets to reap the process.
		 */
		for (i = nr; i-- > 0;)
			waitpid(tids[i], &status, __WALL);
		return 0;
	case RELEASE_STOPPED:
		/* Queued now, delivered once detached: a seize stop would drop a detach signal. */
		if (kill(pid, SIGSTOP))
			return pr_perror("cannot stop %d", pid);
		return detach_all(tids, nr);
	default:
		return detach_all(tids, nr);
	}
}
