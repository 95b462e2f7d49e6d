/* SPDX-License-Identifier: MIT */
/*
 * Running code inside a traced, stopped task: one system call at a time (a "syscall" instruction
 * found in the task's vDSO is stepped over, so no byte of the task is changed), or a whole blob
 * until it traps back. Dump uses it to infect and cure; restore to clean up after the restorer.
 */
#ifndef CRYO_COMMON_REMOTE_H
#define CRYO_COMMON_REMOTE_H

#include <stdint.h>
#include <sys/types.h>

struct arch_regs;

struct remote {
	pid_t pid;
	uint64_t gadget;	 /* address of a system call instruction in the task */
	struct arch_regs *regs; /* scratch */
};

/* Find a system call instruction in [start, end) of the task (its vDSO). */
int remote_init(struct remote *r, pid_t pid, uint64_t start, uint64_t end);
void remote_fini(struct remote *r);
/* Run one system call in the task; *result is what it returned (-errno on failure). */
int remote_syscall(struct remote *r, long *result, long nr, long a0, long a1, long a2, long a3,
		   long a4, long a5);
/* PTRACE_SETSIGMASK, with the error logged. */
int remote_set_sigmask(pid_t pid, uint64_t mask);
/* Wait until the traced task stops with a SIGTRAP; anything else is an error naming it. */
int remote_wait_trap(pid_t pid);

#endif
