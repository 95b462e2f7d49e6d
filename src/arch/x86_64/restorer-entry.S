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
	.section .note.GNU-stack, "", @progbits
