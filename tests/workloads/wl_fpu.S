/* SPDX-License-Identifier: MIT */
/*
 * int fpu_hold(const struct fpu_regs *in, struct fpu_regs *out, const char *go, int level)
 *
 * Load every register of `in` (general-purpose, x87, MXCSR, vector, AVX-512 masks), wait for the
 * go file with raw system calls only (they preserve all of these registers, while libc could use
 * them), then store every register into `out`. level: 0 xmm0-15, 1 ymm0-15, 2 zmm0-31 and k0-7.
 * The layout of struct fpu_regs is in wl_fpu.c, checked there against these offsets.
 */

#define SYS_access 21
#define SYS_nanosleep 35

#define GPR 0    /* rbx rbp rdx r8 r9 r10 r12 r13 r14 r15 */
#define X87 80   /* 8 int64, loaded with fild */
#define FCW 144
#define MXCSR 148
#define KMASK 152
#define VEC 256  /* 32 x 64 bytes */

/* Locals, above the saved registers. */
#define L_OUT 0
#define L_GO 8
#define L_LEVEL 16
#define L_MXCSR 24
#define L_FCW 28
#define L_SIZE 40

	.section .rodata
	.balign 8
tick:	.quad 0, 10000000	/* 10 ms */

	.text
	.globl fpu_hold
	.type fpu_hold, @function
fpu_hold:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	sub	$L_SIZE, %rsp
	mov	%rsi, L_OUT(%rsp)
	mov	%rdx, L_GO(%rsp)
	mov	%ecx, L_LEVEL(%rsp)
	/* The caller's control words come back at the end. */
	stmxcsr	L_MXCSR(%rsp)
	fnstcw	L_FCW(%rsp)

	fldcw	FCW(%rdi)
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	fildq	X87 + \i * 8(%rdi)
	.endr
	ldmxcsr	MXCSR(%rdi)

	cmp	$2, %ecx
	je	1f
	cmp	$1, %ecx
	je	2f
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	VEC + \i * 64(%rdi), %xmm\i
	.endr
	jmp	3f
2:	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	VEC + \i * 64(%rdi), %ymm\i
	.endr
	jmp	3f
1:	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu64 VEC + \i * 64(%rdi), %zmm\i
	.endr
	.irp i, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vmovdqu64 VEC + \i * 64(%rdi), %zmm\i
	.endr
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	kmovq	KMASK + \i * 8(%rdi), %k\i
	.endr
3:
	mov	%rdi, %rax
	mov	GPR + 0(%rax), %rbx
	mov	GPR + 8(%rax), %rbp
	mov	GPR + 16(%rax), %rdx
	mov	GPR + 24(%rax), %r8
	mov	GPR + 32(%rax), %r9
	mov	GPR + 40(%rax), %r10
	mov	GPR + 48(%rax), %r12
	mov	GPR + 56(%rax), %r13
	mov	GPR + 64(%rax), %r14
	mov	GPR + 72(%rax), %r15

	/* while (access(go, F_OK) != 0) nanosleep(&tick, NULL); syscall clobbers rax, rcx, r11. */
4:	mov	L_GO(%rsp), %rdi
	xor	%esi, %esi
	mov	$SYS_access, %eax
	syscall
	test	%rax, %rax
	jz	5f
	lea	tick(%rip), %rdi
	xor	%esi, %esi
	mov	$SYS_nanosleep, %eax
	syscall
	jmp	4b

5:	mov	L_OUT(%rsp), %rax
	mov	%rbx, GPR + 0(%rax)
	mov	%rbp, GPR + 8(%rax)
	mov	%rdx, GPR + 16(%rax)
	mov	%r8, GPR + 24(%rax)
	mov	%r9, GPR + 32(%rax)
	mov	%r10, GPR + 40(%rax)
	mov	%r12, GPR + 48(%rax)
	mov	%r13, GPR + 56(%rax)
	mov	%r14, GPR + 64(%rax)
	mov	%r15, GPR + 72(%rax)

	mov	L_LEVEL(%rsp), %ecx
	cmp	$2, %ecx
	je	1f
	cmp	$1, %ecx
	je	2f
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	%xmm\i, VEC + \i * 64(%rax)
	.endr
	jmp	3f
2:	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	%ymm\i, VEC + \i * 64(%rax)
	.endr
	vzeroupper
	jmp	3f
1:	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu64 %zmm\i, VEC + \i * 64(%rax)
	.endr
	.irp i, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vmovdqu64 %zmm\i, VEC + \i * 64(%rax)
	.endr
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	kmovq	%k\i, KMASK + \i * 8(%rax)
	.endr
	vzeroupper
3:
	fnstcw	FCW(%rax)
	stmxcsr	MXCSR(%rax)
	/* st(0) is the last value loaded: pop them back in reverse order. */
	.irp i, 7, 6, 5, 4, 3, 2, 1, 0
	fistpq	X87 + \i * 8(%rax)
	.endr
	ldmxcsr	L_MXCSR(%rsp)
	fldcw	L_FCW(%rsp)

	add	$L_SIZE, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	xor	%eax, %eax
	ret
	.size fpu_hold, . - fpu_hold

	.section .note.GNU-stack, "", @progbits
