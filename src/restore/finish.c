// SPDX-License-Identifier: MIT
/*
 * The end of a restore, in cryo, which traces every thread of the new process. Each thread's
 * restorer code traps just before its rt_sigreturn; cryo steps each over its sigreturn, so that it
 * holds its saved registers, then unmaps the bootstrap region with one remote call, sets each
 * thread pointer and lets the threads go.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "arch.h"
#include "common/log.h"
#include "common/remote.h"
#include "restore/restore.h"

static void report_fault(pid_t tid, int sig)
{
	siginfo_t si = {0};

	ptrace(PTRACE_GETSIGINFO, tid, NULL, &si);
	pr_err("thread %d of the new process got signal %d (code %d, address %p) while it was "
	       "being restored",
	       tid, sig, si.si_code, si.si_addr);
}

static int report_end(pid_t pid, int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;

	if (code > 100 && code < 100 + RST_NR_STEPS)
		pr_err("the restorer of %d failed at step %d", pid, code - 100);
	else if (WIFSIGNALED(status))
		pr_err("the new process %d was killed by signal %d while it was being restored", pid,
		       WTERMSIG(status));
	else
		pr_err("the new process %d exited with %d while it was being restored", pid, code);
	return -ECHILD;
}

int wait_restorer(pid_t pid, const struct task_image *ti)
{
	size_t trapped = 0;

	while (trapped < ti->nr_threads) {
		int status, event;
		pid_t tid = waitpid(-1, &status, __WALL);

		if (tid < 0)
			return pr_perror("cannot wait for the new process %d", pid);
		if (!WIFSTOPPED(status))
			return report_end(pid, status);
		event = status >> 16;
		/* A clone reported, or a new thread's first stop: let it go on. */
		if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_STOP) {
			if (ptrace(PTRACE_CONT, tid, NULL, NULL))
				return pr_perror("cannot resume thread %d", tid);
			continue;
		}
		if (WSTOPSIG(status) != SIGTRAP) {
			report_fault(tid, WSTOPSIG(status));
			return -ECHILD;
		}
		trapped++;
	}
	return 0;
}

static int syscall_stop(pid_t tid)
{
	int status;

	if (ptrace(PTRACE_SYSCALL, tid, NULL, NULL))
		return pr_perror("cannot resume %d", tid);
	if (waitpid(tid, &status, __WALL) != tid)
		return pr_perror("cannot wait for %d", tid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		pr_err("restored thread %d did not reach its sigreturn (status %#x)", tid, status);
		return -EINVAL;
	}
	return 0;
}

static int step_over_sigreturn(pid_t tid, struct arch_regs *regs)
{
	int ret;

	ret = syscall_stop(tid); /* entry */
	if (!ret)
		ret = arch_get_gp_regs(tid, regs);
	if (!ret && arch_syscall_nr(regs) != SYS_rt_sigreturn) {
		pr_err("restored thread %d: system call %ld where rt_sigreturn was due", tid,
		       arch_syscall_nr(regs));
		return -EINVAL;
	}
	if (!ret)
		ret = syscall_stop(tid); /* exit: the saved registers are in place */
	if (!ret)
		ret = arch_get_gp_regs(tid, regs);
	return ret;
}

static const struct image_vma *find_vdso(const struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_vmas; i++)
		if (ti->vmas[i].rec.kind == VMA_VDSO)
			return &ti->vmas[i];
	return NULL;
}

/* The restorer's region goes: one munmap, run by the leader from the vDSO. */
static int unmap_bootstrap(pid_t pid, const struct task_image *ti, const struct bootstrap *bs)
{
	const struct image_vma *vdso = find_vdso(ti);
	struct remote r = {0};
	long res = 0;
	int ret;

	if (!vdso) {
		pr_err("restored process %d has no vDSO to run the last clean-up from", pid);
		return -ENOTSUP;
	}
	ret = remote_init(&r, pid, vdso->rec.start, vdso->rec.end);
	if (!ret)
		ret = remote_syscall(&r, &res, SYS_munmap, bs->start, bs->len, 0, 0, 0, 0);
	if (!ret && res) {
		pr_err("cannot unmap the restorer from %d: %ld", pid, res);
		ret = -EINVAL;
	}
	remote_fini(&r);
	return ret;
}

static int let_go(const struct task_image *ti, struct arch_regs *final)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < ti->nr_threads && !ret; i++) {
		pid_t tid = ti->threads[i].rec.tid;

		arch_copy_tls(&final[i], ti->threads[i].regs);
		ret = arch_set_gp_regs(tid, &final[i]);
	}
	for (i = 0; i < ti->nr_threads && !ret; i++)
		if (ptrace(PTRACE_DETACH, ti->threads[i].rec.tid, NULL, NULL))
			ret = pr_perror("cannot detach from %d", ti->threads[i].rec.tid);
	return ret;
}

int finish_restore(pid_t pid, const struct task_image *ti, const struct bootstrap *bs)
{
	struct arch_regs *final = calloc(ti->nr_threads, sizeof(*final));
	size_t i;
	int ret = final ? 0 : -ENOMEM;

	for (i = 0; i < ti->nr_threads && !ret; i++)
		ret = step_over_sigreturn(ti->threads[i].rec.tid, &final[i]);
	if (!ret)
		ret = unmap_bootstrap(pid, ti, bs);
	if (!ret)
		ret = let_go(ti, final);
	free(final);
	return ret;
}
