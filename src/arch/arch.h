/* SPDX-License-Identifier: MIT */
/*
 * The one interface every architecture implements (src/arch/<arch>/). Nothing outside src/arch
 * knows a register name, a frame layout or an instruction encoding.
 */
#ifndef CRYO_ARCH_ARCH_H
#define CRYO_ARCH_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch-types.h" /* struct arch_regs, ARCH_IMG, ARCH_SYSCALL_INSN */

struct img;
struct img_rec;

/* The full register state of a stopped thread: general purpose and FPU/vector. */
int arch_get_regs(pid_t tid, struct arch_regs *regs);
/* Only the general-purpose part: what remote calls change. */
int arch_set_gp_regs(pid_t tid, const struct arch_regs *regs);
int arch_get_gp_regs(pid_t tid, struct arch_regs *regs);

/* Prepare regs to run one system call at ip (an ARCH_SYSCALL_INSN in the task). */
void arch_prep_syscall(struct arch_regs *regs, uint64_t ip, long nr, const long args[6]);
long arch_syscall_result(const struct arch_regs *regs);
/* Prepare regs to call a blob's entry at ip with stack sp and one argument. */
void arch_prep_call(struct arch_regs *regs, uint64_t ip, uint64_t sp, uint64_t arg);
/* The system call number a stopped task is in (-1: none). */
long arch_syscall_nr(const struct arch_regs *regs);

/*
 * A task stopped inside an interrupted system call resumes in a new process, where the kernel's
 * restart bookkeeping is gone: rewrite the registers so that it executes the call again.
 */
void arch_restart_syscall(struct arch_regs *regs);

/* Images: write the register records of a thread, and read them back (one record each). */
int arch_write_regs(struct img *core, const struct arch_regs *regs);
/* 1 if rec was a register record and was taken, 0 if it is not one, negative if invalid. */
int arch_read_regs_rec(const struct img_rec *rec, struct arch_regs *regs);
int arch_regs_complete(const struct arch_regs *regs, const char *image);

/* The thread pointer (TLS) is not part of a signal frame: cryo sets it when it lets go. */
void arch_copy_tls(struct arch_regs *to, const struct arch_regs *from);

/*
 * Build the rt_sigreturn frame (registers, blocked mask, alternate stack) at mem (its final address: the child runs where the task will) and
 * return the stack pointer the restorer loads before rt_sigreturn. size: room at mem.
 */
int arch_build_sigframe(void *mem, size_t size, const struct arch_regs *regs,
			const struct rec_sigstate *sig, uint64_t *sp);
/* Leave cryo's code for the restorer blob: never returns. */
void arch_jump_to_blob(uint64_t entry, uint64_t sp, uint64_t arg) __attribute__((noreturn));
/* The top of the user address space. */
uint64_t arch_task_size(void);

#endif
