/* SPDX-License-Identifier: MIT */
/*
 * fpu_hold() of wl_fpu.S, shared as it is: every thread of wl_threads loads its own registers
 * with it and holds them while it waits for go. struct fpu_regs is declared again in
 * wl_threads.c, checked there against the offsets of wl_fpu.S.
 */
#include "wl_fpu.S"
