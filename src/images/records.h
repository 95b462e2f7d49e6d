/* SPDX-License-Identifier: MIT */
/*
 * The records of cryo's image files. docs/image-format.md is the prose version of this file.
 *
 * Every record payload is a fixed-width, naturally aligned little-endian struct with no implicit
 * padding (explicit pad fields instead), optionally followed by a variable tail (a NUL-terminated
 * string or an array) whose size is the record length minus the fixed part.
 */
#ifndef CRYO_IMAGES_RECORDS_H
#define CRYO_IMAGES_RECORDS_H

#include <stdint.h>

#define IMG_MAGIC 0x4f595243u /* "CRYO" read as a little-endian u32 */
#define IMG_VERSION 1u
#define IMG_PAGE_SIZE 4096u

/* One kind per image file; the file header names it, so a file cannot be read as another. */
enum img_kind {
	IMG_KIND_INVENTORY = 1, /* inventory.img */
	IMG_KIND_CORE = 2,	/* core-PID.img: registers, signals, per-task settings */
	IMG_KIND_MM = 3,	/* mm-PID.img: address space layout and VMAs */
	IMG_KIND_PAGEMAP = 4,	/* pagemap-PID.img: which pages are stored, where */
	IMG_KIND_PAGES = 5,	/* pages-PID.img: raw page contents, page-aligned, no records */
	IMG_KIND_FILES = 6,	/* fds-PID.img: open file descriptors */
	IMG_KIND_THREAD = 7,	/* thread-TID.img: one thread's registers and own state */
	IMG_KIND_PSTREE = 8,	/* pstree.img: the processes of the tree, parents first */
	IMG_KIND_FILES_ALL = 11, /* files.img: every open file description of the tree */
	IMG_KIND_MAX
};

enum rec_type {
	REC_INVENTORY = 1,
	REC_TASK = 2,
	REC_REGS_X86_64 = 3,
	REC_XSAVE = 4,
	REC_SIGACTION = 5,
	REC_SIGSTATE = 6,
	REC_ITIMER = 7,
	REC_RLIMIT = 8,
	REC_RSEQ = 9,
	REC_PATH = 10,
	REC_MM = 11,
	REC_AUXV = 12,
	REC_VMA = 13,
	REC_PAGE_RUN = 14,
	REC_FD = 15,
	REC_END = 16,
	REC_GROUPS = 17,
	REC_THREAD = 18,
	REC_TIDS = 19,
	REC_PROCESS = 20,
	REC_SIGINFO = 21,
	REC_CREDS = 22,
	REC_FILE = 23,
	REC_PATH_FILE = 24,
	REC_PIPE = 25,
	REC_PIPE_DATA = 26,
	REC_GHOST_FILE = 27,
	REC_GHOST_DATA = 28,
	REC_LINK_REMAP = 29,
	REC_FILE_LOCK = 30,
	REC_PTY = 31,
	REC_PTY_DATA = 32,
	REC_TYPE_MAX
};

enum img_arch {
	IMG_ARCH_X86_64 = 1,
	IMG_ARCH_AARCH64 = 2,
};

/* inventory.img: what was dumped, by whom, for which machine. */
struct rec_inventory {
	uint32_t arch;	    /* enum img_arch */
	uint32_t root_pid;  /* as seen from the dumping cryo's PID namespace */
	uint32_t nr_tasks;
	uint32_t page_size;
	uint64_t dump_time; /* CLOCK_REALTIME, seconds */
};

/* core-PID.img, first record: identity and simple per-task settings. */
struct rec_task {
	uint32_t pid;
	uint32_t ppid;
	uint32_t pgid;
	uint32_t sid;
	uint32_t uid[4]; /* real, effective, saved, fs */
	uint32_t gid[4];
	uint32_t umask;
	uint32_t personality;
	char comm[16];
};

/* The general-purpose registers, in the order of the kernel's struct user_regs_struct. */
struct rec_regs_x86_64 {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};

/*
 * REC_XSAVE: the task's XSAVE area exactly as PTRACE_GETREGSET(NT_X86_XSTATE) returns it; the
 * whole payload is the variable tail. Its software-reserved bytes say which features it holds.
 */
#define REC_XSAVE_MAX (64u * 1024u)

/* REC_GROUPS: the supplementary groups, the whole payload an array of u32 gids. */
#define REC_GROUPS_MAX 64u

/* pstree.img: one per process of the tree, the root first, every parent before its children. */
struct rec_process {
	uint32_t pid;
	uint32_t ppid; /* the root's is outside the tree */
	uint32_t pgid;
	uint32_t sid;
	uint32_t zombie;      /* 1: dead, not reaped: only this record */
	uint32_t exit_status; /* of a zombie, as wait() reports it */
	uint32_t subreaper;   /* PR_SET_CHILD_SUBREAPER: orphans below it are reparented to it */
};

/*
 * A pending signal, in the order of its queue: the process's shared queue in core-PID.img, a
 * thread's own in thread-TID.img. The siginfo as the kernel gives it (128 bytes).
 */
struct rec_siginfo {
	uint8_t info[128];
};

/* core-PID.img: the privileges beyond uids and gids. */
struct rec_creds {
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t securebits;
	uint32_t no_new_privs;
	uint32_t dumpable;
	uint32_t pad;
};

/* REC_TIDS, in core-PID.img: the threads of the process, leader first, an array of u32. */
#define REC_TIDS_MAX 4096u

/*
 * thread-TID.img, first record: what the kernel keeps per thread. The registers (REC_REGS_*,
 * REC_XSAVE), signal mask and alternate stack (REC_SIGSTATE) and rseq area (REC_RSEQ) follow.
 */
struct rec_thread {
	uint32_t tid;
	uint32_t pdeathsig; /* PR_SET_PDEATHSIG: the signal it gets when its parent dies, or 0 */
	uint64_t clear_tid;   /* set_tid_address: zeroed and woken when the thread exits */
	uint64_t robust_list; /* set_robust_list head, 0: none */
	uint64_t robust_len;
	char comm[16];
};

/* One per catchable signal. */
struct rec_sigaction {
	uint32_t signo;
	uint32_t pad;
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct rec_sigstate {
	uint64_t blocked;
	uint64_t ss_sp;
	uint64_t ss_size;
	uint32_t ss_flags;
	uint32_t pad;
};

/* One per interval timer (ITIMER_REAL, _VIRTUAL, _PROF), times in microseconds. */
struct rec_itimer {
	uint32_t which;
	uint32_t pad;
	uint64_t interval_us;
	uint64_t value_us;
};

struct rec_rlimit {
	uint32_t resource;
	uint32_t pad;
	uint64_t cur; /* UINT64_MAX is RLIM_INFINITY */
	uint64_t max;
};

/* The rseq area registered by the task (len 0: none). */
struct rec_rseq {
	uint64_t addr;
	uint32_t len;
	uint32_t sig;
};

enum rec_path_kind {
	PATH_CWD = 1,
	PATH_ROOT = 2,
	PATH_EXE = 3,
};

/* A path the task refers to; the NUL-terminated path is the tail. */
struct rec_path {
	uint32_t kind; /* enum rec_path_kind */
	uint32_t pad;
};

/* mm-PID.img, first record: the fields of prctl(PR_SET_MM_MAP). */
struct rec_mm {
	uint64_t start_code, end_code;
	uint64_t start_data, end_data;
	uint64_t start_brk, brk;
	uint64_t start_stack;
	uint64_t arg_start, arg_end;
	uint64_t env_start, env_end;
};

/* REC_AUXV: the tail is the auxiliary vector, pairs of u64 (type, value) ending with AT_NULL. */
#define REC_AUXV_MAX (128u * 16u)

enum rec_vma_kind {
	VMA_ANON_PRIVATE = 1, /* heap, stack, anonymous mmap */
	VMA_FILE_PRIVATE = 2, /* binary, libraries: only pages that differ from the file are stored */
	VMA_FILE_SHARED = 3,  /* content stays in the file */
	VMA_ANON_SHARED = 4,
	VMA_VDSO = 5,	      /* the kernel's special mappings: placed, never stored */
	VMA_VVAR = 6,
	VMA_VVAR_VCLOCK = 7,
};

/* VMA flags worth carrying over, as set by mmap or madvise. */
enum rec_vma_flag {
	VMAF_GROWSDOWN = 1u << 0,
	VMAF_DONTFORK = 1u << 1,  /* MADV_DONTFORK */
	VMAF_DONTDUMP = 1u << 2,  /* MADV_DONTDUMP */
	VMAF_WIPEONFORK = 1u << 3, /* MADV_WIPEONFORK */
	VMAF_HUGEPAGE = 1u << 4,  /* MADV_HUGEPAGE */
	VMAF_NOHUGEPAGE = 1u << 5, /* MADV_NOHUGEPAGE */
	VMAF_MERGEABLE = 1u << 6, /* MADV_MERGEABLE */
	VMAF_RANDOM = 1u << 7,	  /* MADV_RANDOM */
	VMAF_SEQUENTIAL = 1u << 8, /* MADV_SEQUENTIAL */
	VMAF_LOCKED = 1u << 9,	  /* mlock */
};

/* One per VMA, in address order; the tail is the file path or special name ("" if none). */
struct rec_vma {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff; /* file offset in bytes */
	uint32_t kind;	/* enum rec_vma_kind */
	uint32_t prot;	/* PROT_* */
	uint32_t flags; /* enum rec_vma_flag */
	uint32_t pad;
	uint64_t dev; /* st_dev of the mapped file, to tell it changed */
	uint64_t ino;
};

/*
 * pagemap-PID.img: runs of stored pages in address order. The content of a run is at `offset` in
 * pages-PID.img, which is page-aligned and, run after run, contiguous.
 */
struct rec_page_run {
	uint64_t vaddr;
	uint64_t nr_pages;
	uint64_t offset;
};

/* The family of an open file description: which dump and restore halves handle it. */
enum rec_file_kind {
	FILE_REGULAR = 1,
	FILE_DIRECTORY = 2,
	FILE_CHARDEV = 3,
	FILE_PIPE = 4,
	FILE_FIFO = 5,	/* a named FIFO: a pipe reopened by its path */
	FILE_GHOST = 6, /* a regular file deleted while open: its content is in the images */
	FILE_PTY = 7,	/* the master of a pseudo-terminal (/dev/ptmx); its slaves are paths */
	FILE_KIND_MAX
};

/* fds-PID.img: one per descriptor, in increasing fd order. */
struct rec_fd {
	uint32_t fd;
	uint32_t fd_flags; /* FD_CLOEXEC */
	uint32_t file_id;  /* the open file description, a REC_FILE of files.img */
	uint32_t pad;
};

/*
 * files.img: one per open file description of the tree, however many descriptors of however many
 * processes share it (kcmp tells); its family's own records follow it.
 */
struct rec_file {
	uint32_t id; /* 1, 2, ... in order */
	uint32_t kind; /* enum rec_file_kind */
	uint32_t open_flags; /* O_* as in /proc/PID/fdinfo flags, O_CLOEXEC left out */
	uint32_t pad;
	uint64_t pos;
};

/* After a regular file, directory or character device: what it was; the tail is its path. */
struct rec_path_file {
	uint64_t size; /* of a regular file, to refuse one that changed */
	uint64_t dev;
	uint64_t ino;
	uint32_t mode;
	uint32_t rdev;
};

/*
 * After a pipe end, or a FIFO's path_file: the pipe (its inode, shared by all its ends) and its
 * capacity.
 */
struct rec_pipe {
	uint64_t pipe_ino;
	uint32_t capacity; /* F_GETPIPE_SZ */
	uint32_t pad;
};

/*
 * REC_PIPE_DATA: after the first end of a pipe, the bytes in flight in it, in order, in records of
 * at most REC_PIPE_DATA_MAX bytes (the whole payload).
 */
#define REC_PIPE_DATA_MAX (64u * 1024u)

/*
 * After a deleted file's `file`: what it was; the tail is the path it had (without the kernel's
 * " (deleted)"), where restore creates it again, opens it and deletes it.
 */
struct rec_ghost_file {
	uint64_t size; /* of the content, in ghost_data records after the first file of the inode */
	uint64_t dev;  /* st_dev and st_ino it had: the files of one inode share one again */
	uint64_t ino;
	uint32_t mode; /* st_mode */
	uint32_t uid;
	uint32_t gid;
	uint32_t mtime_nsec;
	uint64_t mtime_sec;
};

/*
 * REC_GHOST_DATA: the content of a deleted file, in order, in records of at most
 * REC_GHOST_DATA_MAX bytes (the whole payload), after the first file of its inode.
 */
#define REC_GHOST_DATA_MAX (64u * 1024u)

/*
 * REC_LINK_REMAP: after the path_file of a file deleted while open but linked elsewhere, which
 * --link-remap linked back at dump under the path_file's path: the whole payload is the path it
 * had been opened through (a string). Restore opens the link, then removes it.
 */

enum rec_lock_kind {
	FILE_LOCK_FLOCK = 1, /* flock(2): held by the open file description */
	FILE_LOCK_POSIX = 2, /* fcntl(F_SETLK): held by the process */
	FILE_LOCK_OFD = 3,   /* fcntl(F_OFD_SETLK): held by the open file description */
};

/*
 * A file lock (--file-locks): flock and OFD locks in files.img after the records of the open
 * file description that holds them; POSIX locks in fds-PID.img after the fd they were taken
 * through (the first of that open file description in the process).
 */
struct rec_file_lock {
	uint32_t kind;	/* enum rec_lock_kind */
	uint32_t write; /* 1: exclusive (F_WRLCK, LOCK_EX), 0: shared (F_RDLCK, LOCK_SH) */
	uint64_t start; /* the byte range, as fcntl takes it; 0, 0 for flock */
	uint64_t len;	/* 0: to the end of the file, however long */
};

/*
 * After a pty master's `file`: the pseudo-terminal, its settings (those of its slave side, which
 * the master's ioctls reach) and which session has it as controlling terminal. Its slaves are
 * character devices of files.img (path /dev/pts/INDEX, rdev major 136 to 143), opened through
 * this master at restore.
 */
struct rec_pty {
	uint32_t index;	 /* TIOCGPTN: N of /dev/pts/N */
	uint32_t locked; /* TIOCGPTLCK: the slave cannot be opened yet (no unlockpt) */
	uint32_t slave_uid, slave_gid, slave_mode; /* of /dev/pts/N */
	uint32_t sid;	  /* TIOCGSID: the session it is the controlling terminal of, or 0 */
	uint32_t fg_pgid; /* TIOCGPGRP: that session's foreground process group, or 0 */
	uint32_t line;	  /* termios2 (TCGETS2): c_line, the line discipline */
	uint32_t iflag, oflag, cflag, lflag;
	uint32_t ispeed, ospeed;
	uint32_t rows, cols, xpixel, ypixel; /* TIOCGWINSZ */
	char cc[20];			     /* c_cc, 19 control characters, and a zero */
	uint32_t packet;		     /* TIOCGPKT: the master reads in packet mode */
};

/*
 * REC_PTY_DATA: after a pty's `pty`, the bytes its slave side wrote that its master had not read
 * yet, in order, in records of at most REC_PTY_DATA_MAX bytes (the whole payload).
 */
#define REC_PTY_DATA_MAX (64u * 1024u)

/*
 * The last record of every record image, written by the codec itself: a file cut between two
 * records would otherwise read as a valid, shorter image.
 */
struct rec_end {
	uint32_t nr_records; /* before this one */
	uint32_t pad;
};

/* The largest payload of any record; the reader refuses anything longer. */
#define REC_MAX_PAYLOAD (REC_XSAVE_MAX)

#endif
