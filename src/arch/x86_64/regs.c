// SPDX-License-Identifier: MIT
/* x86_64 registers through ptrace, and the register tricks of remote calls. */
#include <elf.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch.h"
#include "common/log.h"

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

/* The kernel's internal restart codes, seen in rax of a task stopped inside a system call. */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

static int get_regset(pid_t tid, int type, void *buf, size_t size, size_t *got)
{
	struct iovec iov = {.iov_base = buf, .iov_len = size};

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)type, &iov))
		return pr_perror("cannot read registers (set %#x) of %d", type, tid);
	if (got)
		*got = iov.iov_len;
	return 0;
}

int arch_get_gp_regs(pid_t tid, struct arch_regs *regs)
{
	regs->have_gp = 1;
	return get_regset(tid, NT_PRSTATUS, &regs->gp, sizeof(regs->gp), NULL);
}

int arch_get_regs(pid_t tid, struct arch_regs *regs)
{
	size_t len = 0;
	int ret;

	ret = arch_get_gp_regs(tid, regs);
	if (ret)
		return ret;
	ret = get_regset(tid, NT_X86_XSTATE, regs->xsave, sizeof(regs->xsave), &len);
	if (ret)
		return ret;
	regs->xsave_len = len;
	return 0;
}

int arch_set_gp_regs(pid_t tid, const struct arch_regs *regs)
{
	struct iovec iov = {.iov_base = (void *)&regs->gp, .iov_len = sizeof(regs->gp)};

	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov))
		return pr_perror("cannot set registers of %d", tid);
	return 0;
}

void arch_prep_syscall(struct arch_regs *regs, uint64_t ip, long nr, const long args[6])
{
	regs->gp.rip = ip;
	regs->gp.rax = nr;
	/* -1: the kernel must not treat the stop we resume from as a syscall to restart */
	regs->gp.orig_rax = -1;
	regs->gp.rdi = args[0];
	regs->gp.rsi = args[1];
	regs->gp.rdx = args[2];
	regs->gp.r10 = args[3];
	regs->gp.r8 = args[4];
	regs->gp.r9 = args[5];
}

long arch_syscall_result(const struct arch_regs *regs)
{
	return (long)regs->gp.rax;
}

void arch_prep_call(struct arch_regs *regs, uint64_t ip, uint64_t sp, uint64_t arg)
{
	regs->gp.rip = ip;
	regs->gp.rsp = sp;
	regs->gp.rdi = arg;
	regs->gp.orig_rax = -1;
	/* Direction flag clear, as the ABI promises a called function. */
	regs->gp.eflags &= ~0x400ull;
}

long arch_syscall_nr(const struct arch_regs *regs)
{
	return (long)regs->gp.orig_rax;
}

void arch_restart_syscall(struct arch_regs *regs)
{
	if ((long)regs->gp.orig_rax < 0)
		return;
	switch ((long)regs->gp.rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	/*
	 * The restart block (what is left of a sleep, say) lives in the dumped kernel task and
	 * is not visible: the call starts over with its original arguments instead.
	 */
	case -ERESTART_RESTARTBLOCK:
		regs->gp.rax = regs->gp.orig_rax;
		regs->gp.rip -= ARCH_SYSCALL_INSN_LEN;
		break;
	}
}

void arch_copy_tls(struct arch_regs *to, const struct arch_regs *from)
{
	to->gp.fs_base = from->gp.fs_base;
	to->gp.gs_base = from->gp.gs_base;
}
