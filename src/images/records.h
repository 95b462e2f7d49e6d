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
	IMG_KIND_SHMEM = 9,	/* shmem.img: shared memory objects (shared anonymous, memfd) */
	IMG_KIND_SHMEM_PAGES = 10, /* shmem-pages.img: their contents, as pages-PID.img */
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
	REC_SECCOMP = 27,
	REC_SECCOMP_FILTER = 28,
	REC_SCHED = 29,
	REC_POSIX_TIMER = 30,
	REC_SHMEM = 31,
	REC_SHMEM_RUN = 32,
	REC_PARENT_RUN = 33,
	REC_EVENTFD = 34,
	REC_SIGNALFD = 35,
	REC_TIMERFD = 36,
	REC_EPOLL_TFD = 37,
	REC_INOTIFY_WATCH = 38,
	REC_INET_SK = 39,
	REC_SOCKOPTS = 40,
	REC_TCP_CONN = 41,
	REC_TCP_SEND_DATA = 42,
	REC_TCP_RECV_DATA = 43,
	REC_INET_DGRAM = 44,
	REC_FILE_MORE = 45,
	REC_UNIX_SK = 46,
	REC_UNIX_PEER_NAME = 47,
	REC_UNIX_MSG = 48,
	REC_UNIX_PENDING = 49,
	REC_GHOST_FILE = 50,
	REC_GHOST_DATA = 51,
	REC_LINK_REMAP = 52,
	REC_FILE_LOCK = 53,
	REC_PTY = 54,
	REC_PTY_DATA = 55,
	REC_FILE_OWNER = 56,
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
	uint32_t shares_files; /* 1: it has its parent's descriptor table (clone CLONE_FILES) */
	char comm[16];	      /* its name: a zombie has nothing else to show it */
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

/*
 * core-PID.img: one per POSIX timer (timer_create), in increasing ID order. The time left is
 * what timer_gettime() said at dump; it is armed again with that much left at restore.
 */
struct rec_posix_timer {
	int32_t id;
	int32_t clock;	 /* clockid as the kernel keeps it: a CPU-time clock is negative */
	uint32_t notify; /* SIGEV_SIGNAL 0, SIGEV_NONE 1, SIGEV_THREAD 2, | SIGEV_THREAD_ID 4 */
	int32_t signo;
	uint64_t sigval;
	uint32_t tid;	      /* SIGEV_THREAD_ID: the thread signalled, else 0 */
	int32_t overrun;      /* timer_getoverrun(): of the last signal delivered */
	uint64_t value_ns;    /* time left, 0: disarmed */
	uint64_t interval_ns; /* 0: one-shot */
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

/*
 * thread-TID.img: the thread's seccomp mode. A thread with filters (mode 2) runs the chain of the
 * REC_SECCOMP_FILTER records of core-PID.img, which every thread of the process has (installed
 * once, shared), then the REC_SECCOMP_FILTER records of its own thread image.
 */
struct rec_seccomp {
	uint32_t mode; /* the kernel's SECCOMP_MODE_*: 0 off, 1 strict, 2 filter */
	uint32_t pad;
};

/*
 * REC_SECCOMP_FILTER: one seccomp filter, in install order (the oldest first). The tail is its
 * classic BPF program, struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k, 8 bytes each.
 */
struct rec_seccomp_filter {
	uint32_t flags; /* SECCOMP_FILTER_FLAG_LOG */
	uint32_t pad;
};

#define REC_BPF_INSN_SIZE 8u
#define REC_BPF_MAX_INSNS 4096u /* BPF_MAXINSNS */

/* thread-TID.img: how the scheduler treats the thread, and its timer slack. */
struct rec_sched {
	uint32_t policy;   /* SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5, DEADLINE 6 */
	uint32_t priority; /* FIFO, RR: 1 to 99; 0 otherwise */
	uint64_t flags;	   /* SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN */
	int32_t nice;	   /* -20 to 19, kept by FIFO and RR threads too */
	uint32_t ioprio;   /* (class << 13) | level, as ioprio_get gives it; 0: never set */
	uint64_t runtime;  /* ns: of DEADLINE; of the others, the time slice (Linux 6.12 on) */
	uint64_t deadline, period; /* DEADLINE, in nanoseconds */
	uint64_t timerslack_ns;
	uint64_t cpus[16]; /* the CPUs it may run on: bit n % 64 of word n / 64 for CPU n */
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
	VMA_ANON_SHARED = 4,  /* content in its object of shmem.img */
	VMA_VDSO = 5,	      /* the kernel's special mappings: placed, never stored */
	VMA_VVAR = 6,
	VMA_VVAR_VCLOCK = 7,
	VMA_MEMFD_SHARED = 8,  /* content in the memfd's object of shmem.img */
	VMA_MEMFD_PRIVATE = 9, /* only pages that differ from the memfd are stored */
};

/* Whether pagemap-PID.img stores pages of a VMA of this kind (shmem objects keep their own). */
static inline int vma_kind_stores_pages(uint32_t kind)
{
	return kind == VMA_ANON_PRIVATE || kind == VMA_FILE_PRIVATE || kind == VMA_MEMFD_PRIVATE;
}

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
	VMAF_MAYWRITE = 1u << 10, /* mprotect may add PROT_WRITE (shared: the file is writable) */
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

/*
 * pagemap-PID.img, beside the page runs: pages the process still shares copy-on-write with its
 * parent (the same physical page at the same address since fork). They are not stored again: at
 * restore the process takes its parent's premapped copy of the VMA and so shares them again.
 */
struct rec_parent_run {
	uint64_t vaddr;
	uint64_t nr_pages;
};

/* The family of an open file description: which dump and restore halves handle it. */
enum rec_file_kind {
	FILE_REGULAR = 1,
	FILE_DIRECTORY = 2,
	FILE_CHARDEV = 3,
	FILE_PIPE = 4,
	FILE_MEMFD = 5, /* the memfd of shmem.img with the same dev and ino */
	FILE_EVENTFD = 6,
	FILE_SIGNALFD = 7,
	FILE_TIMERFD = 8,
	FILE_EPOLL = 9,
	FILE_INOTIFY = 10,
	FILE_INET = 11, /* a TCP or UDP socket, IPv4 or IPv6 */
	FILE_UNIX_SK = 12,
	FILE_FIFO = 13,	 /* a named FIFO: a pipe reopened by its path */
	FILE_GHOST = 14, /* a regular file deleted while open: its content is in the images */
	FILE_PTY = 15,	 /* the master of a pseudo-terminal (/dev/ptmx); its slaves are paths */
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

/* After an eventfd: its counter. Its O_NONBLOCK is the `file`'s. */
struct rec_eventfd {
	uint64_t count;
	uint32_t semaphore; /* 1: EFD_SEMAPHORE, each read takes 1 */
	uint32_t pad;
};

/* After a signalfd: the signals it reads, bit signo - 1. */
struct rec_signalfd {
	uint64_t sigmask;
};

/*
 * After a timerfd. The time of the next expiry is the time left (relative: frozen time does not
 * count, as for interval timers) or, with TFD_TIMER_ABSTIME, the absolute time on its clock; 0 and
 * 0: disarmed.
 */
struct rec_timerfd {
	uint32_t clockid;
	uint32_t settime_flags; /* TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET */
	uint64_t ticks;		/* expirations not read yet */
	uint64_t value_sec;
	uint64_t interval_sec;
	uint32_t value_nsec;
	uint32_t interval_nsec;
};

/* After an epoll instance: one per registered target, keyed by (target, tfd) as in the kernel. */
struct rec_epoll_tfd {
	uint32_t tfd;	    /* the descriptor number it was registered with */
	uint32_t target_id; /* the target's open file description, a `file` of files.img */
	uint32_t events;    /* EPOLLIN ..., EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE, ... */
	uint32_t pad;
	uint64_t data;
};

/* After an inotify instance: one per watch, in increasing wd order; the tail is the path. */
struct rec_inotify_watch {
	uint32_t wd;
	uint32_t mask; /* IN_* events, IN_ONESHOT, IN_EXCL_UNLINK */
};

/*
 * shmem.img: one per shared memory object of the tree, named by the st_dev and st_ino that VMAs
 * (rec_vma) and descriptors (rec_fd) quote; its REC_SHMEM_RUN records follow it. The tail is
 * the memfd's name (without "memfd:"), "" for shared anonymous memory.
 */
enum rec_shmem_kind {
	SHMEM_ANON = 1,	 /* mmap(MAP_SHARED | MAP_ANONYMOUS): "/dev/zero (deleted)" */
	SHMEM_MEMFD = 2, /* memfd_create() */
};

struct rec_shmem {
	uint64_t dev;
	uint64_t ino;
	uint64_t size;	/* bytes, as fstat tells */
	uint32_t kind;	/* enum rec_shmem_kind */
	uint32_t seals; /* F_SEAL_*, as F_GET_SEALS tells */
	uint32_t mode;	/* st_mode */
	uint32_t pad;
};

/* The longest memfd name the kernel takes: NAME_MAX minus "memfd:". */
#define REC_SHMEM_NAME_MAX 249u

/*
 * A run of stored pages of the object before it, in offset order; holes are not stored. The
 * content is at `offset` in shmem-pages.img, run after run contiguous.
 */
struct rec_shmem_run {
	uint64_t obj_offset; /* in the object, page-aligned */
	uint64_t nr_pages;
	uint64_t offset;
};

/*
 * After an inet socket: what it is and where it is bound and connected. Addresses are 16 bytes in
 * network order, an IPv4 address as its IPv4-mapped IPv6 form (::ffff:a.b.c.d); ports in host
 * order. The TCP fields are 0 for UDP.
 */
struct rec_inet_sk {
	uint32_t family;   /* AF_INET, AF_INET6 */
	uint32_t sock_type; /* SOCK_STREAM, SOCK_DGRAM */
	uint32_t protocol; /* IPPROTO_TCP, IPPROTO_UDP */
	uint32_t state;	   /* enum inet_sk_state */
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
	uint32_t src_port; /* 0: not bound */
	uint32_t dst_port; /* 0: not connected */
	uint32_t src_scope; /* sin6_scope_id of a link-local address */
	uint32_t dst_scope;
	uint32_t backlog; /* of a listening socket, as listen() was given it (capped by somaxconn) */
	uint32_t v6only;  /* IPV6_V6ONLY */
	uint32_t tos;	  /* IP_TOS, or IPV6_TCLASS */
	uint32_t nodelay; /* TCP_NODELAY */
	uint32_t cork;	  /* TCP_CORK */
	uint32_t keepidle; /* TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT */
	uint32_t keepintvl;
	uint32_t keepcnt;
};

/* The kernel's socket states that cryo restores (its TCP_* numbers, which UDP sockets use too). */
enum inet_sk_state {
	INET_ESTABLISHED = 1, /* a TCP connection, or a connected UDP socket */
	INET_CLOSED = 7,      /* neither listening nor connected: bound or not */
	INET_LISTEN = 10,
};

/* After a socket's own record: its SOL_SOCKET options. */
struct rec_sockopts {
	uint32_t reuseaddr;
	uint32_t reuseport;
	uint32_t keepalive;
	uint32_t broadcast;
	uint32_t oobinline;
	uint32_t priority;
	uint32_t mark;
	uint32_t rcvlowat;
	uint32_t sndbuf;   /* SO_SNDBUF as getsockopt() says, twice what setsockopt() was given */
	uint32_t rcvbuf;
	uint32_t buf_lock; /* SO_BUF_LOCK: 1 sndbuf, 2 rcvbuf set by the program (no autotuning) */
	uint32_t linger_on;
	uint32_t linger_secs;
	uint32_t bound_ifindex; /* SO_BINDTOIFINDEX, 0: none */
	int32_t peek_off;	/* SO_PEEK_OFF, -1: off */
	uint32_t pad;
	uint64_t rcvtimeo_us;
	uint64_t sndtimeo_us;
};

/*
 * After an established TCP connection (state INET_ESTABLISHED), as TCP_REPAIR reads it: sequence
 * numbers, queues, window and the options agreed with the peer. Its queues follow, in
 * tcp_send_data and tcp_recv_data records.
 */
struct rec_tcp_conn {
	uint32_t send_seq;   /* TCP_QUEUE_SEQ of the send queue: the sequence after its last byte */
	uint32_t recv_seq;   /* of the receive queue: the next byte expected from the peer */
	uint32_t send_len;   /* bytes in the send queue, sent but not acknowledged or not sent */
	uint32_t unsent_len; /* of those, the ones never sent (the last ones) */
	uint32_t recv_len;   /* bytes received, not read by the program */
	uint32_t mss;	     /* TCP_MAXSEG */
	uint32_t options;    /* TCPI_OPT_*: 1 timestamps, 2 SACK, 4 window scale */
	uint32_t snd_wscale;
	uint32_t rcv_wscale;
	uint32_t timestamp; /* TCP_TIMESTAMP: the connection's clock */
	uint32_t snd_wl1;   /* TCP_REPAIR_WINDOW */
	uint32_t snd_wnd;
	uint32_t max_window;
	uint32_t rcv_wnd;
	uint32_t rcv_wup;
	uint32_t pad;
};

/*
 * REC_TCP_SEND_DATA, REC_TCP_RECV_DATA: the bytes of a queue, in order, in records of at most
 * REC_TCP_DATA_MAX bytes (the whole payload).
 */
#define REC_TCP_DATA_MAX (64u * 1024u)

/* After a UDP socket: one per datagram waiting to be read, in order; the tail is its bytes. */
struct rec_inet_dgram {
	uint8_t src_addr[16]; /* who sent it, as in rec_inet_sk */
	uint32_t src_port;
	uint32_t pad;
};
#define REC_INET_DGRAM_MAX (64u * 1024u - sizeof(struct rec_inet_dgram))

/*
 * files.img: the records that follow add to file `id`, met before. What a family can read only at
 * the end of the dump (it changes the tree) comes last this way.
 */
struct rec_file_more {
	uint32_t id;
	uint32_t pad;
};

/*
 * How a unix socket is connected, and so how restore connects it again: not at all (listeners
 * included); to peer_ino, a socket of the tree; to a socket since closed; to a socket outside the
 * tree (a unix_peer_name follows if it had an address); waiting in the queue of peer_ino, a
 * listener of the tree, to be accepted.
 */
enum rec_unix_peer {
	UNIX_PEER_NONE = 0,
	UNIX_PEER_TREE = 1,
	UNIX_PEER_CLOSED = 2,
	UNIX_PEER_EXTERNAL = 3,
	UNIX_PEER_PENDING = 4,
};

enum rec_unix_flag {
	UNIX_SK_LISTENING = 1u << 0,
	UNIX_SK_PASSCRED = 1u << 1,  /* SO_PASSCRED */
	UNIX_SK_PASSSEC = 1u << 2,   /* SO_PASSSEC */
	UNIX_SK_PASSPIDFD = 1u << 3, /* SO_PASSPIDFD */
	UNIX_SK_PATH_GONE = 1u << 4, /* bound to a path whose socket file was removed since */
};

/* The longest address of a unix socket: the size of sun_path. */
#define REC_UNIX_NAME_MAX 108u

/*
 * After a unix socket: what it is, how it is connected, its options. The tail is its address, the
 * bytes of sun_path the kernel keeps (a path with its NUL, or an abstract name: a NUL then bytes);
 * empty when it has none.
 */
struct rec_unix_sk {
	uint64_t ino;	      /* its inode, by which the records of other sockets name it */
	uint64_t peer_ino;    /* peer TREE: the peer; PENDING: the listener; else 0 */
	uint64_t rcvtimeo_us; /* SO_RCVTIMEO, 0: none */
	uint64_t sndtimeo_us; /* SO_SNDTIMEO */
	uint32_t type;	      /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint32_t peer;	      /* enum rec_unix_peer */
	uint32_t shutdown;    /* 1: receiving shut down, 2: sending, as the kernel keeps it */
	uint32_t flags;	      /* enum rec_unix_flag */
	uint32_t backlog;     /* of a listener */
	uint32_t sndbuf;      /* SO_SNDBUF, as getsockopt gives it */
	uint32_t rcvbuf;      /* SO_RCVBUF */
	int32_t peek_off;     /* SO_PEEK_OFF, -1: off */
	uint32_t file_mode;   /* of its socket file, when bound to a path still there */
	uint32_t file_uid;
	uint32_t file_gid;
	uint32_t pad;
};

/*
 * REC_UNIX_PEER_NAME: after a unix_sk of peer EXTERNAL: the address of that peer, the whole
 * payload, as in unix_sk's tail.
 */

enum rec_unix_msg_flag {
	UNIX_MSG_MORE = 1u << 0, /* a datagram too long for one record: it goes on in the next */
};

/*
 * A message waiting to be received, in queue order: after a unix_sk, in its receive queue (bytes of
 * a stream, or a datagram); after a unix_pending, sent by the client into that connection. The tail
 * is the sender's address (addr_len bytes, datagrams only), then the bytes.
 */
struct rec_unix_msg {
	uint32_t flags;	   /* enum rec_unix_msg_flag */
	uint32_t addr_len; /* at most REC_UNIX_NAME_MAX */
};

/*
 * After a listening unix socket (in a file_more: they are read last), one per connection waiting
 * to be accepted, in queue order; the unix_msg records after it are what it holds.
 */
struct rec_unix_pending {
	uint64_t client_ino; /* its client, a socket of the tree; 0: the client is closed */
};

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
 * In files.img, after the records of an open file description that has an owner (F_SETOWN_EX)
 * or a signal (F_SETSIG): who gets its I/O signals (SIGIO with O_ASYNC), and which signal.
 */
struct rec_file_owner {
	uint32_t type; /* F_OWNER_TID 0, F_OWNER_PID 1, F_OWNER_PGRP 2 */
	int32_t pid;   /* the thread, process or group, 0: none */
	uint32_t signum; /* F_SETSIG: 0 is SIGIO */
	uint32_t pad;
};

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
