/* SPDX-License-Identifier: MIT */
/* Raw system calls for the freestanding blobs (parasite, restorer): no libc there. */
#ifndef CRYO_ARCH_X86_64_SYSCALL_H
#define CRYO_ARCH_X86_64_SYSCALL_H

#include <asm/unistd.h>

static inline long sys_call6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 asm("r10") = a4;
	register long r8 asm("r8") = a5;
	register long r9 asm("r9") = a6;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

#define sys_call0(nr) sys_call6(nr, 0, 0, 0, 0, 0, 0)
#define sys_call1(nr, a) sys_call6(nr, (long)(a), 0, 0, 0, 0, 0)
#define sys_call2(nr, a, b) sys_call6(nr, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys_call3(nr, a, b, c) sys_call6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys_call4(nr, a, b, c, d) sys_call6(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys_call5(nr, a, b, c, d, e)                                                             \
	sys_call6(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#endif
