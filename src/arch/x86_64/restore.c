// SPDX-License-Identifier: MIT
/* x86_64 side of a restore: the rt_sigreturn frame, the jump into the restorer, TASK_SIZE. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "arch.h"
#include "common/log.h"

/* The kernel's rt_sigreturn frame (arch/x86/include/asm/sigframe.h), 64-bit. */
struct kernel_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct kernel_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
	struct kernel_sigcontext mcontext;
	uint64_t sigmask;
};

struct kernel_rt_sigframe {
	uint64_t pretcode;
	struct kernel_ucontext uc;
	uint8_t siginfo[128];
};

_Static_assert(sizeof(struct kernel_sigcontext) == 256, "sigcontext layout");

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define FX_SW_BYTES_OFFSET 464
#define XSAVE_HDR_END 576 /* legacy area (512) and XSAVE header (64) */

/* The software-reserved bytes of an XSAVE area in a signal frame: how the kernel reads it. */
struct fx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

static uint64_t cpu_xfeatures(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * ptrace puts the task's XCR0 where a signal frame has its software-reserved bytes: turn it into
 * what rt_sigreturn checks. The features must be ones this CPU has, or xrstor would fault.
 */
static int make_sw_bytes(const struct arch_regs *regs, struct fx_sw_bytes *sw)
{
	uint64_t xcr0;

	if (regs->xsave_len < XSAVE_HDR_END) {
		pr_err("the saved FPU state is too short (%u bytes)", regs->xsave_len);
		return -EINVAL;
	}
	memcpy(&xcr0, regs->xsave + FX_SW_BYTES_OFFSET, sizeof(xcr0));
	if (xcr0 & ~cpu_xfeatures()) {
		pr_err("the saved FPU state uses features %#llx this CPU does not have (it has %#llx)",
		       (unsigned long long)xcr0, (unsigned long long)cpu_xfeatures());
		return -EINVAL;
	}
	*sw = (struct fx_sw_bytes){
		.magic1 = FP_XSTATE_MAGIC1,
		.extended_size = regs->xsave_len + sizeof(uint32_t),
		.xfeatures = xcr0,
		.xstate_size = regs->xsave_len,
	};
	return 0;
}

static void fill_sigcontext(struct kernel_sigcontext *sc, const struct user_regs_struct *r)
{
	sc->r8 = r->r8, sc->r9 = r->r9, sc->r10 = r->r10, sc->r11 = r->r11;
	sc->r12 = r->r12, sc->r13 = r->r13, sc->r14 = r->r14, sc->r15 = r->r15;
	sc->rdi = r->rdi, sc->rsi = r->rsi, sc->rbp = r->rbp, sc->rbx = r->rbx;
	sc->rdx = r->rdx, sc->rax = r->rax, sc->rcx = r->rcx, sc->rsp = r->rsp;
	sc->rip = r->rip;
	sc->eflags = r->eflags;
	sc->cs = r->cs;
	sc->ss = r->ss;
}

int arch_build_sigframe(void *mem, size_t size, const struct arch_regs *regs,
			const struct rec_sigstate *sig, uint64_t *sp)
{
	struct fx_sw_bytes sw;
	struct kernel_rt_sigframe *frame = mem;
	uint8_t *fpstate;
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	int ret;

	ret = make_sw_bytes(regs, &sw);
	if (ret)
		return ret;
	fpstate = (uint8_t *)(((uintptr_t)(frame + 1) + 63) & ~(uintptr_t)63);
	if (fpstate + sw.xstate_size + sizeof(magic2) > (uint8_t *)mem + size) {
		pr_err("no room for the signal frame (%u bytes of XSAVE state)", sw.xstate_size);
		return -ENOSPC;
	}
	memset(frame, 0, sizeof(*frame));
	frame->uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	/* rt_sigreturn sets the blocked mask and the alternate stack from the frame too. */
	frame->uc.ss_sp = sig->ss_sp;
	frame->uc.ss_flags = sig->ss_flags;
	frame->uc.ss_size = sig->ss_size;
	fill_sigcontext(&frame->uc.mcontext, &regs->gp);
	frame->uc.mcontext.fpstate = (uintptr_t)fpstate;
	frame->uc.sigmask = sig->blocked;
	memcpy(fpstate, regs->xsave, sw.xstate_size);
	memcpy(fpstate + FX_SW_BYTES_OFFSET, &sw, sizeof(sw));
	memcpy(fpstate + sw.xstate_size, &magic2, sizeof(magic2));
	/* rt_sigreturn finds the frame one word below the stack pointer (after "pretcode"). */
	*sp = (uintptr_t)&frame->uc;
	return 0;
}

void arch_jump_to_blob(uint64_t entry, uint64_t sp, uint64_t arg)
{
	asm volatile("movq %0, %%rsp\n\t"
		     "jmp *%1" ::"r"(sp),
		     "r"(entry), "D"(arg)
		     : "memory");
	__builtin_unreachable();
}

uint64_t arch_task_size(void)
{
	/* munmap refuses addresses above TASK_SIZE: with 5-level paging 1 << 47 is below it. */
	if (munmap((void *)(1ull << 47), 4096) == 0)
		return 1ull << 56;
	return (1ull << 47) - 4096;
}
