// SPDX-License-Identifier: MIT
/*
 * Seizing a task: PTRACE_SEIZE attaches without a signal (the task cannot tell), and
 * PTRACE_INTERRUPT stops it in the kernel's signal code, wherever it was, even inside a
 * system call. Releasing lets it carry on, stops it, or kills it.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common/log.h"
#include "dump/dump.h"

/* A signal arriving as we stop the task is delivered (not lost) and we stop it again. */
#define SEIZE_TRIES 16

static int wait_interrupted(pid_t pid)
{
	int i, status;

	for (i = 0; i < SEIZE_TRIES; i++) {
		if (waitpid(pid, &status, __WALL) != pid)
			return pr_perror("cannot wait for %d", pid);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			pr_err("process %d exited while being seized", pid);
			return -ESRCH;
		}
		if (status >> 16 == PTRACE_EVENT_STOP)
			return 0;
		pr_debug("%d: signal %d arrived during the seize: delivering it", pid,
			 WSTOPSIG(status));
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(status)) ||
		    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL))
			return pr_perror("cannot resume %d", pid);
	}
	pr_err("process %d keeps receiving signals: cannot stop it", pid);
	return -EAGAIN;
}

int seize_task(pid_t pid)
{
	int ret;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL)) {
		ret = -errno;
		if (errno == EPERM)
			pr_err("cannot trace %d: already traced, or not allowed", pid);
		else
			pr_perror("cannot seize %d", pid);
		return ret;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL)) {
		ret = pr_perror("cannot interrupt %d", pid);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return ret;
	}
	ret = wait_interrupted(pid);
	if (ret && ret != -ESRCH)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return ret;
}

int release_task(pid_t pid, int how)
{
	int status;


	switch (how) {
	case RELEASE_KILL:
		if (kill(pid, SIGKILL))
			return pr_perror("cannot kill %d", pid);
		/* The tracer sees the death first; the parent still gets to reap it. */
		waitpid(pid, &status, __WALL);
		return 0;
	case RELEASE_STOPPED:
		/* Queued now, delivered once detached: a seize stop would drop a detach signal. */
		if (kill(pid, SIGSTOP) || ptrace(PTRACE_DETACH, pid, NULL, NULL))
			return pr_perror("cannot detach from %d", pid);
		return 0;
	default:
		/* A task that died meanwhile (ESRCH) has nothing left to release: that was said. */
		if (ptrace(PTRACE_DETACH, pid, NULL, NULL) && errno != ESRCH)
			return pr_perror("cannot detach from %d", pid);
		return 0;
	}
}
