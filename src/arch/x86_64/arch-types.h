/* SPDX-License-Identifier: MIT */
/* x86_64 register state as ptrace gives it. */
#ifndef CRYO_ARCH_X86_64_TYPES_H
#define CRYO_ARCH_X86_64_TYPES_H

#include <stdint.h>
#include <sys/user.h>

#include "images/records.h"

#define ARCH_IMG IMG_ARCH_X86_64
#define ARCH_NAME "x86_64"
/* syscall */
#define ARCH_SYSCALL_INSN "\x0f\x05"
#define ARCH_SYSCALL_INSN_LEN 2

struct arch_regs {
	struct user_regs_struct gp;
	uint32_t have_gp;   /* the general-purpose part was read */
	uint32_t xsave_len; /* 0: not read yet */
	uint8_t xsave[REC_XSAVE_MAX] __attribute__((aligned(64)));
};

#endif
