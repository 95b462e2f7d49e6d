/* Restorer entry: cryo's child jumps here with rsp on the restorer stack and rdi = arguments. */
	.section .blob.entry, "ax"
	.globl blob_entry
	.type blob_entry, @function
blob_entry:
	andq	$-16, %rsp
	call	restorer_main
	ud2

/*
 * restorer_sigreturn(frame): rsp = frame, then rt_sigreturn. The int3 just before tells cryo, which
 * traces the task, that the next system call is the sigreturn: it steps over it and takes over.
 */
	.text
	.globl restorer_sigreturn
	.type restorer_sigreturn, @function
restorer_sigreturn:
	movq	%rdi, %rsp
	movl	$15, %eax	/* __NR_rt_sigreturn */
	int3
	syscall
	ud2

/*
 * long restorer_clone_thread(struct clone_args *args, size_t size, void (*fn)(void *), void *arg):
 * clone3; the new thread starts on the stack args names and calls fn(arg), which never returns.
 * fn and arg wait in r8 and r9, which the system call preserves.
 */
	.globl restorer_clone_thread
	.type restorer_clone_thread, @function
restorer_clone_thread:
	movq	%rdx, %r8
	movq	%rcx, %r9
	movl	$435, %eax	/* __NR_clone3 */
	syscall
	testq	%rax, %rax
	jnz	1f
	movq	%r9, %rdi
	call	*%r8
	ud2
1:	ret
	.section .note.GNU-stack, "", @progbits
