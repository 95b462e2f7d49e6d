// SPDX-License-Identifier: MIT
/*
 * The end of a restore, in cryo, which traces the new task. The restorer traps just before its
 * rt_sigreturn; cryo steps over the sigreturn, so that the task holds its saved registers, then
 * unmaps the bootstrap region with one remote call, sets the thread pointer and lets go.
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

static int syscall_stop(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL))
		return pr_perror("cannot resume %d", pid);
	if (waitpid(pid, &status, __WALL) != pid)
		return pr_perror("cannot wait for %d", pid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		pr_err("restored task %d did not reach its sigreturn (status %#x)", pid, status);
		return -EINVAL;
	}
	return 0;
}

static int step_over_sigreturn(pid_t pid, struct arch_regs *regs)
{
	int ret;

	ret = syscall_stop(pid); /* entry */
	if (!ret)
		ret = arch_get_gp_regs(pid, regs);
	if (!ret && arch_syscall_nr(regs) != SYS_rt_sigreturn) {
		pr_err("restored task %d: system call %ld where rt_sigreturn was due", pid,
		       arch_syscall_nr(regs));
		return -EINVAL;
	}
	if (!ret)
		ret = syscall_stop(pid); /* exit: the saved registers are in place */
	if (!ret)
		ret = arch_get_gp_regs(pid, regs);
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

int finish_restore(pid_t pid, const struct task_image *ti, const struct bootstrap *bs)
{
	const struct image_vma *vdso = find_vdso(ti);
	struct arch_regs *final = calloc(1, sizeof(*final));
	struct remote r = {0};
	long res = 0;
	int ret;

	if (!final)
		return -ENOMEM;
	ret = step_over_sigreturn(pid, final);
	if (!ret && !vdso) {
		pr_err("restored task %d has no vDSO to run the last clean-up from", pid);
		ret = -ENOTSUP;
	}
	if (!ret)
		ret = remote_init(&r, pid, vdso->rec.start, vdso->rec.end);
	if (!ret)
		ret = remote_syscall(&r, &res, SYS_munmap, bs->start, bs->len, 0, 0, 0, 0);
	if (!ret && res) {
		pr_err("cannot unmap the restorer from %d: %ld", pid, res);
		ret = -EINVAL;
	}
	if (!ret) {
		arch_copy_tls(final, ti->regs);
		ret = arch_set_gp_regs(pid, final);
	}
	if (!ret && ptrace(PTRACE_DETACH, pid, NULL, NULL))
		ret = pr_perror("cannot detach from %d", pid);
	remote_fini(&r);
	free(final);
	return ret;
}
