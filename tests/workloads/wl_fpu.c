// SPDX-License-Identifier: MIT
/*
 * Registers: random values in ten general-purpose registers, the eight x87 registers, the x87
 * control word, MXCSR, and the vector registers the CPU has (xmm0-15, ymm0-15, or zmm0-31 and
 * k0-7 with AVX-512). wl_fpu.S loads them, waits for go with raw system calls, and stores them
 * back; here they are compared with what was loaded.
 */
#include "workload.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "wl_fpu.h"

/* Random control words that are still valid: every exception stays masked. */
static void random_control(struct fpu_regs *r)
{
	static const uint16_t precision[3] = {0, 2, 3}; /* single, double, extended */
	uint64_t v = wl_random_u64();

	/* x87 default 0x037f, with random rounding (bits 10-11) and precision (bits 8-9). */
	r->fcw = 0x007f | (v & 3) << 10 | precision[(v >> 2) % 3] << 8;
	/* MXCSR default 0x1f80, with random rounding (13-14), flush-to-zero (15), DAZ (6). */
	r->mxcsr = 0x1f80 | ((v >> 8) & 3) << 13 | ((v >> 10) & 1) << 15 | ((v >> 11) & 1) << 6;
}

static void check_vectors(const struct fpu_regs *in, const struct fpu_regs *out, int level)
{
	static const char *const prefix[3] = {"xmm", "ymm", "zmm"};
	static const size_t width[3] = {16, 32, 64};
	int nr = level == 2 ? 32 : 16, i;

	for (i = 0; i < nr; i++) {
		uint64_t want, got;
		size_t at;

		if (!memcmp(in->vec[i], out->vec[i], width[level]))
			continue;
		for (at = 0; in->vec[i][at] == out->vec[i][at]; at++)
			;
		at &= ~7ul;
		memcpy(&want, in->vec[i] + at, 8);
		memcpy(&got, out->vec[i] + at, 8);
		wl_check(false, "%s%d differs at byte %zu: want 0x%016lx, got 0x%016lx",
			 prefix[level], i, at, want, got);
	}
}

int main(int argc, char **argv)
{
	static struct fpu_regs in, out;
	int level = 0, i;

	wl_init(argc, argv);
	__builtin_cpu_init();
	/* 64-bit mask registers need AVX512BW; every CPU with AVX-512 has had it but one. */
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
		level = 2;
	else if (__builtin_cpu_supports("avx"))
		level = 1;
	wl_random(&in, sizeof(in));
	random_control(&in);

	wl_note("testing %s", level == 2 ? "zmm0-31 and k0-7" : level ? "ymm0-15" : "xmm0-15");
	wl_ready();
	fpu_hold(&in, &out, wl_go_path(), level);

	for (i = 0; i < 10; i++)
		wl_check(in.gpr[i] == out.gpr[i], "%s: want 0x%016lx, got 0x%016lx", gpr_names[i],
			 in.gpr[i], out.gpr[i]);
	for (i = 0; i < 8; i++)
		wl_check(in.x87[i] == out.x87[i], "x87 st%d: want %ld, got %ld", 7 - i, in.x87[i],
			 out.x87[i]);
	wl_check(in.fcw == out.fcw, "x87 control word: want %#x, got %#x", in.fcw, out.fcw);
	wl_check(in.mxcsr == out.mxcsr, "MXCSR: want %#x, got %#x", in.mxcsr, out.mxcsr);
	check_vectors(&in, &out, level);
	for (i = 0; level == 2 && i < 8; i++)
		wl_check(in.k[i] == out.k[i], "k%d: want 0x%016lx, got 0x%016lx", i, in.k[i],
			 out.k[i]);
	return wl_finish();
}
