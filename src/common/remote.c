// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "arch.h"
#include "log.h"
#include "remote.h"

int remote_wait_trap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, __WALL) != pid)
		return pr_perror("cannot wait for %d", pid);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		pr_err("process %d died while cryo was working in it (%s %d)", pid,
		       WIFEXITED(status) ? "exit status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -ESRCH;
	}
	if (WSTOPSIG(status) != SIGTRAP) {
		pr_err("process %d stopped with signal %d where cryo expected a trap", pid,
		       WSTOPSIG(status));
		return -EINVAL;
	}
	return 0;
}

static int find_gadget(pid_t pid, uint64_t start, uint64_t end, uint64_t *gadget)
{
	size_t len = end - start, i;
	struct iovec local, remote_iov = {.iov_base = (void *)start, .iov_len = len};
	uint8_t *buf;
	ssize_t n;

	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	local = (struct iovec){.iov_base = buf, .iov_len = len};
	n = process_vm_readv(pid, &local, 1, &remote_iov, 1, 0);
	for (i = 0; n > 0 && i + ARCH_SYSCALL_INSN_LEN <= (size_t)n; i++) {
		if (!memcmp(buf + i, ARCH_SYSCALL_INSN, ARCH_SYSCALL_INSN_LEN)) {
			*gadget = start + i;
			free(buf);
			return 0;
		}
	}
	free(buf);
	pr_err("no system call instruction in the vDSO of %d", pid);
	return -ENOENT;
}

static int step_syscall(struct remote *r, long *result, long nr, const long args[6])
{
	int ret;

	ret = arch_get_gp_regs(r->pid, r->regs);
	if (ret)
		return ret;
	arch_prep_syscall(r->regs, r->gadget, nr, args);
	ret = arch_set_gp_regs(r->pid, r->regs);
	if (ret)
		return ret;
	if (ptrace(PTRACE_SINGLESTEP, r->pid, NULL, NULL))
		return pr_perror("cannot step %d", r->pid);
	ret = remote_wait_trap(r->pid);
	if (ret)
		return ret;
	ret = arch_get_gp_regs(r->pid, r->regs);
	if (ret)
		return ret;
	*result = arch_syscall_result(r->regs);
	pr_debug("remote syscall %ld in %d = %ld", nr, r->pid, *result);
	return 0;
}

int remote_init(struct remote *r, pid_t pid, uint64_t start, uint64_t end)
{
	r->pid = pid;
	r->regs = malloc(sizeof(*r->regs));
	if (!r->regs)
		return -ENOMEM;
	return find_gadget(pid, start, end, &r->gadget);
}

void remote_fini(struct remote *r)
{
	free(r->regs);
	r->regs = NULL;
}

int remote_set_sigmask(pid_t pid, uint64_t mask)
{
	if (ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof(mask), &mask))
		return pr_perror("cannot set the signal mask of %d", pid);
	return 0;
}

/*
 * Single-stepping over the instruction runs the call and stops the task with a SIGTRAP inside
 * the kernel's signal code: the same kind of stop as a seize, from which a later resume with
 * restored registers lets the kernel restart an interrupted call properly. The task's signals
 * wait meanwhile: one delivered now would stop the step (and be lost).
 */
int remote_syscall(struct remote *r, long *result, long nr, long a0, long a1, long a2, long a3,
		   long a4, long a5)
{
	uint64_t mask;
	int ret, restored;

	if (ptrace(PTRACE_GETSIGMASK, r->pid, (void *)sizeof(mask), &mask))
		return pr_perror("cannot read the signal mask of %d", r->pid);
	ret = remote_set_sigmask(r->pid, ~0ull);
	if (ret)
		return ret;
	ret = step_syscall(r, result, nr, (const long[6]){a0, a1, a2, a3, a4, a5});
	restored = remote_set_sigmask(r->pid, mask);
	return ret ? ret : restored;
}
