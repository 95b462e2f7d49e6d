/* SPDX-License-Identifier: MIT */
/*
 * What cryo and its two freestanding blobs share: the argument areas. Both sides are built from
 * this one header, so it holds only fixed-width types and no pointers into cryo's memory.
 */
#ifndef CRYO_PARASITE_BLOB_H
#define CRYO_PARASITE_BLOB_H

#include <stdint.h>

#define BLOB_NSIG 64
#define BLOB_NR_RLIMITS 16
#define BLOB_NR_ITIMERS 3

/* The kernel's struct sigaction (not glibc's): what rt_sigaction reads and writes. */
struct blob_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct blob_itimer {
	int64_t interval_sec, interval_usec;
	int64_t value_sec, value_usec;
};

struct blob_rlimit {
	uint64_t cur, max;
};

/* The kernel's struct __kernel_itimerspec: what timer_gettime and timer_settime use. */
struct blob_itimerspec {
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};

struct blob_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/* ---- parasite ------------------------------------------------------------------------------ */

/*
 * The parasite connects to cryo's socket (an abstract unix address), then serves commands: cryo
 * sends a u32 command, the parasite fills the answer in this shared area and replies with an
 * s32 status (0 or -errno). PARASITE_CMD_FINI makes it close the socket and trap back to cryo.
 */
enum parasite_cmd {
	PARASITE_CMD_DUMP_SIGACTIONS = 1,
	PARASITE_CMD_DUMP_MISC = 2,
	PARASITE_CMD_FINI = 3,
	PARASITE_CMD_DUMP_TIMERS = 4,
};

struct parasite_misc {
	struct blob_itimer itimers[BLOB_NR_ITIMERS];
	struct blob_rlimit rlimits[BLOB_NR_RLIMITS];
	uint32_t umask;
	uint32_t personality;
	uint64_t brk; /* the program break, known only to the task's mm */
	uint32_t securebits;
	uint32_t dumpable;
	int32_t child_subreaper;
	uint32_t pad;
};

/*
 * POSIX timers, a batch at a time: cryo fills in the IDs (from /proc/PID/timers), the parasite
 * what timer_gettime and timer_getoverrun say of each.
 */
#define PARASITE_TIMER_BATCH 64
struct parasite_timer {
	int32_t id;
	int32_t overrun;
	struct blob_itimerspec spec;
};

struct parasite_timers {
	uint32_t nr;
	uint32_t pad;
	struct parasite_timer timers[PARASITE_TIMER_BATCH];
};

/* What the parasite finds out in each thread, run there in turn (blob_thread_entry). */
struct parasite_thread_state {
	struct blob_stack altstack;
	uint64_t clear_tid;
	int32_t pdeathsig;
	uint32_t pad;
};

struct parasite_args {
	struct parasite_thread_state thread; /* answer of a blob_thread_entry call */
	/* in: where to connect */
	uint16_t sun_family;
	char sun_path[108];
	uint32_t addr_len;
	/* out: answers */
	struct blob_sigaction sigactions[BLOB_NSIG]; /* index signo - 1 */
	struct parasite_misc misc;
	struct parasite_timers timers; /* in and out */
};

/* ---- restorer ------------------------------------------------------------------------------ */

/* A VMA that cryo premapped (content in place) in a slot; the restorer moves it home. */
struct restorer_vma {
	uint64_t start, end; /* final place */
	uint64_t premap;     /* where it is now */
	uint32_t prot;
	uint32_t flags; /* enum rec_vma_flag: what madvise and mlock set again */
};

/* A kernel special mapping ([vdso], [vvar], ...): moved from where the kernel put it. */
struct restorer_special {
	uint64_t now;	/* where the kernel mapped it for this task */
	uint64_t slot;	/* parking place inside the bootstrap region */
	uint64_t start; /* final place */
	uint64_t len;
};

#define RESTORER_MAX_SPECIALS 4

/* A seccomp filter to install: its classic BPF program, in the bootstrap region. */
struct restorer_filter {
	uint64_t insns; /* struct sock_filter[nr_insns] */
	uint32_t nr_insns;
	uint32_t flags; /* SECCOMP_FILTER_FLAG_* */
};

/* One thread to be: the leader is the task itself, the others the restorer clones. */
#define RESTORER_THREAD_STACK (16 * 1024)
struct restorer_thread {
	uint32_t tid;
	uint32_t rseq_len;
	uint64_t rseq_addr;
	uint32_t rseq_sig;
	uint32_t nr_sigq;
	uint64_t clear_tid;
	uint64_t robust_list, robust_len;
	uint64_t sigframe;  /* stack pointer for its rt_sigreturn */
	uint64_t stack_top; /* its restorer stack (not used by the leader) */
	uint32_t pdeathsig;
	uint32_t pad;
	uint64_t args;	    /* back to struct restorer_args */
	uint64_t sigq;	    /* its pending signals: struct blob_siginfo[nr_sigq] */
	char comm[16];
	uint32_t seccomp_mode; /* SECCOMP_MODE_* */
	uint32_t nr_filters;
	uint64_t filters; /* its own seccomp filters, above the process's: restorer_filter[] */
};

/* A pending signal to queue again: the kernel's siginfo. */
struct blob_siginfo {
	uint8_t info[128];
};

/* The kernel's struct sigevent (64 bytes): what timer_create reads. */
struct blob_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid; /* SIGEV_THREAD_ID */
	int32_t pad[11];
};

/*
 * A POSIX timer: created with its ID, then armed with the time it had left. overrun > 0: the
 * restorer makes the kernel count that many overruns first (see restore_timers()).
 */
struct restorer_timer {
	int32_t id;
	int32_t clock;
	struct blob_sigevent event;
	struct blob_itimerspec spec;
	int32_t overrun;
	int32_t pad;
};

/* prctl(PR_SET_MM, PR_SET_MM_MAP): the kernel's struct prctl_mm_map. */
struct blob_mm_map {
	uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv; /* pointer, set by the restorer to its own copy */
	uint32_t auxv_size;
	uint32_t exe_fd;
};

enum restorer_step {
	RST_OK = 0,
	RST_PARK_SPECIAL,
	RST_UNMAP_CRYO,
	RST_PERSONALITY,
	RST_MOVE_VMA,
	RST_PROTECT_VMA,
	RST_MADVISE_VMA,
	RST_PLACE_SPECIAL,
	RST_MM_MAP,
	RST_RSEQ,
	RST_RLIMIT,
	RST_CREDS,
	RST_ITIMER,
	RST_CLONE_THREAD,
	RST_THREAD_STATE,
	RST_SIGQUEUE,
	RST_SECCOMP,
	RST_TIMER,
	RST_NR_STEPS,
};

struct restorer_args {
	/* the region holding the restorer, its arguments, stack and premapped VMAs: kept */
	uint64_t bootstrap_start, bootstrap_len;
	uint64_t task_size; /* everything else below this is unmapped */

	uint64_t vmas; /* struct restorer_vma[nr_vmas], inside the bootstrap region */
	uint32_t nr_vmas;
	uint32_t nr_specials;
	struct restorer_special specials[RESTORER_MAX_SPECIALS];

	struct blob_mm_map mm;
	uint64_t auxv[64 * 2];

	uint32_t personality;
	uint32_t nr_threads;
	uint64_t threads; /* struct restorer_thread[nr_threads], the leader first */
	uint64_t sigq;	  /* the process's pending signals: struct blob_siginfo[nr_sigq] */
	uint32_t nr_sigq;
	uint32_t nr_filters;
	uint64_t filters; /* every thread's seccomp filters: struct restorer_filter[nr_filters] */
	uint32_t nr_timers;
	uint64_t timers; /* struct restorer_timer[nr_timers], in ID order */

	uint32_t uid[3], gid[3]; /* real, effective, saved */
	uint32_t nr_groups;
	uint32_t groups[64];
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t securebits;
	uint32_t no_new_privs;
	uint32_t dumpable;
	uint32_t last_cap; /* the highest capability this kernel knows */
	struct blob_rlimit rlimits[BLOB_NR_RLIMITS];
	struct blob_itimer itimers[BLOB_NR_ITIMERS];

	int32_t log_fd; /* the restorer reports a failure here before it exits */
	int32_t exe_fd;
};

#endif
