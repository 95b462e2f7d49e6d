# x86_64 flags for the freestanding blobs: no CET landing pads (the blobs are entered by a jump
# from cryo or from a register set through ptrace, never through an indirect-branch check).
set(ARCH_BLOB_CFLAGS -fcf-protection=none)
