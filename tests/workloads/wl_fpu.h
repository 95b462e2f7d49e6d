/* SPDX-License-Identifier: MIT */
/* The register layout wl_fpu.S loads, holds and stores: shared by wl_fpu and wl_threads. */
#ifndef WL_FPU_H
#define WL_FPU_H

#include <stddef.h>
#include <stdint.h>

struct fpu_regs {
	uint64_t gpr[10];
	int64_t x87[8];
	uint16_t fcw;
	uint16_t pad;
	uint32_t mxcsr;
	uint64_t k[8];
	uint8_t vec[32][64] __attribute__((aligned(64)));
};

/* The offsets wl_fpu.S uses. */
_Static_assert(offsetof(struct fpu_regs, x87) == 80, "x87");
_Static_assert(offsetof(struct fpu_regs, fcw) == 144, "fcw");
_Static_assert(offsetof(struct fpu_regs, mxcsr) == 148, "mxcsr");
_Static_assert(offsetof(struct fpu_regs, k) == 152, "k");
_Static_assert(offsetof(struct fpu_regs, vec) == 256, "vec");

/* Load in, wait for the go file with raw system calls, store into out; level: the widest
 * vector registers the CPU has, as the callers pick it. */
int fpu_hold(const struct fpu_regs *in, struct fpu_regs *out, const char *go, int level);

static const char *const gpr_names[10] = {"rbx", "rbp", "rdx", "r8",  "r9",
					  "r10", "r12", "r13", "r14", "r15"};

#endif
