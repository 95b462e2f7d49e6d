/* Parasite entry: cryo sets rsp to the parasite stack and rdi to the argument area. */
	.section .blob.entry, "ax"
	.globl blob_entry
	.type blob_entry, @function
blob_entry:
	andq	$-16, %rsp
	call	parasite_main
	/* The return value stays in rax for cryo to read; the trap hands control back. */
	int3

/* One call in one thread: the same, with parasite_thread. */
	.globl blob_thread_entry
	.type blob_thread_entry, @function
blob_thread_entry:
	andq	$-16, %rsp
	call	parasite_thread
	int3
	.section .note.GNU-stack, "", @progbits
