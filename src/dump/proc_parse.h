/* SPDX-License-Identifier: MIT */
/*
 * Parsers of /proc/PID files. Each has a *_buf form that parses text already read, so that the
 * unit tests can feed it corrupted and truncated input: malformed text gives -EINVAL with one
 * logged line naming the file and the line, never a crash or a half-filled result.
 */
#ifndef CRYO_DUMP_PROC_PARSE_H
#define CRYO_DUMP_PROC_PARSE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bits of smaps' VmFlags line that cryo cares about. */
enum proc_vmflag {
	PVMF_GROWSDOWN = 1u << 0,  /* gd */
	PVMF_DONTFORK = 1u << 1,   /* dc */
	PVMF_DONTDUMP = 1u << 2,   /* dd */
	PVMF_WIPEONFORK = 1u << 3, /* wf */
	PVMF_HUGEPAGE = 1u << 4,   /* hg */
	PVMF_NOHUGEPAGE = 1u << 5, /* nh */
	PVMF_MERGEABLE = 1u << 6,  /* mg */
	PVMF_RANDOM = 1u << 7,	   /* rr */
	PVMF_SEQUENTIAL = 1u << 8, /* sr */
	PVMF_LOCKED = 1u << 9,	   /* lo */
	PVMF_SHARED = 1u << 10,	   /* sh */
	PVMF_IO = 1u << 11,	   /* io: device memory, cannot be dumped */
	PVMF_PFNMAP = 1u << 12,	   /* pf */
	PVMF_MAYWRITE = 1u << 13,  /* mw: mprotect may add PROT_WRITE */
};

/* One line of /proc/PID/smaps with its VmFlags. */
struct proc_vma {
	uint64_t start, end;
	uint64_t pgoff;
	uint32_t prot;	 /* PROT_READ | PROT_WRITE | PROT_EXEC */
	int shared;	 /* 's' in the permissions */
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint32_t vmflags; /* enum proc_vmflag */
	char name[PATH_MAX]; /* path, "[heap]", "[stack]", "[vdso]", ... or "" */
};

/* /proc/PID/smaps: every VMA in address order; *vmas is malloc'd, free() it. */
int proc_parse_smaps(pid_t pid, struct proc_vma **vmas, size_t *nr);
int proc_parse_smaps_buf(const char *buf, size_t len, struct proc_vma **vmas, size_t *nr);

/* The fields of /proc/PID/stat that cryo uses. */
struct proc_stat {
	pid_t pid;
	char comm[16];
	char state;
	pid_t ppid, pgid, sid;
	uint32_t flags;
	uint64_t num_threads;
	uint64_t start_time;
	uint64_t start_code, end_code, start_stack;
	uint64_t start_data, end_data, start_brk;
	uint64_t arg_start, arg_end, env_start, env_end;
	int exit_code;
};
int proc_parse_stat(pid_t pid, struct proc_stat *st);
int proc_parse_stat_buf(const char *buf, size_t len, struct proc_stat *st);

/* The fields of /proc/PID/status that cryo uses. */
struct proc_status {
	char state;
	pid_t tgid, ppid, tracer_pid;
	uint32_t uid[4], gid[4]; /* real, effective, saved, fs */
	uint32_t nr_groups;
	uint32_t groups[64];
	uint64_t sig_pending, shd_pending, sig_blocked, sig_ignored, sig_caught;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t threads;
	int no_new_privs;
	int seccomp;
	uint32_t nspid_depth; /* how many ids the NSpid line has */
};
int proc_parse_status(pid_t pid, struct proc_status *st);
int proc_parse_status_buf(const char *buf, size_t len, struct proc_status *st);

/* A "lock:" line of fdinfo: a lock held through the descriptor (a lock waited for is not one). */
enum proc_lock_kind {
	PROC_LOCK_OTHER = 0, /* a lease, a delegation: only its name is read */
	PROC_LOCK_FLOCK = 1,
	PROC_LOCK_POSIX = 2,
	PROC_LOCK_OFD = 3,
};
struct proc_lock {
	uint32_t kind;	/* enum proc_lock_kind */
	uint32_t write; /* 1: WRITE, 0: READ */
	uint64_t start;
	uint64_t end; /* the last byte, UINT64_MAX for "EOF" */
};
#define PROC_FDINFO_MAX_LOCKS 16

/* /proc/PID/fdinfo/FD. */
struct proc_fdinfo {
	uint64_t pos;
	uint32_t flags; /* octal in the file: O_* | O_CLOEXEC for close-on-exec */
	uint32_t mnt_id;
	uint64_t ino;
	uint32_t scm_fds; /* a unix socket: descriptors in flight in its receive queue */
	uint32_t nr_locks;
	struct proc_lock locks[PROC_FDINFO_MAX_LOCKS];
};
int proc_parse_fdinfo(pid_t pid, int fd, struct proc_fdinfo *fi);
int proc_parse_fdinfo_buf(const char *buf, size_t len, struct proc_fdinfo *fi);

/* One POSIX timer (timer_create) of /proc/PID/timers. */
struct proc_timer {
	int32_t id;
	int32_t clock;	 /* as the kernel keeps it: CPU-time clocks are negative, pid or tid inside */
	int32_t signo;	 /* any number with SIGEV_NONE, which has no signal */
	uint32_t notify; /* SIGEV_SIGNAL, _NONE, _THREAD, or SIGEV_SIGNAL | SIGEV_THREAD_ID */
	uint64_t sigval;
	int32_t target; /* the pid, or with SIGEV_THREAD_ID the tid, signalled; 0: it is gone */
	uint32_t pad;
};
/* Every timer, in increasing ID order; *timers is malloc'd (NULL when none), free() it. */
int proc_parse_timers(pid_t pid, struct proc_timer **timers, size_t *nr);
int proc_parse_timers_buf(const char *buf, size_t len, struct proc_timer **timers, size_t *nr);

/*
 * The lines anonymous-inode files add to their fdinfo (see proc_pid_fdinfo(5)). Each parser reads
 * only its own lines, and a missing mandatory one is an error.
 */
#define PROC_UNKNOWN UINT32_MAX

/* eventfd-count (hex), eventfd-semaphore (PROC_UNKNOWN: the kernel does not show it). */
struct proc_eventfd {
	uint64_t count;
	uint32_t semaphore;
};
int proc_parse_eventfd(pid_t pid, int fd, struct proc_eventfd *efd);
int proc_parse_eventfd_buf(const char *buf, size_t len, struct proc_eventfd *efd);

/* sigmask (hex): bit signo - 1. */
struct proc_signalfd {
	uint64_t sigmask;
};
int proc_parse_signalfd(pid_t pid, int fd, struct proc_signalfd *sfd);
int proc_parse_signalfd_buf(const char *buf, size_t len, struct proc_signalfd *sfd);

struct proc_timerfd {
	uint32_t clockid;
	uint32_t settime_flags; /* octal in the file */
	uint64_t ticks;		/* expirations since the last read, as the timer counted them */
	uint64_t value[2];	/* it_value: seconds, nanoseconds left until the next expiry */
	uint64_t interval[2];	/* it_interval */
};
int proc_parse_timerfd(pid_t pid, int fd, struct proc_timerfd *tfd);
int proc_parse_timerfd_buf(const char *buf, size_t len, struct proc_timerfd *tfd);

/* One "tfd: N events: X data: Y ..." line of an epoll instance. */
struct proc_epoll_tfd {
	uint32_t tfd;
	uint32_t events;
	uint64_t data;
};
/* Every registration, in the kernel's order; *tfds is malloc'd (NULL if none), free() it. */
int proc_parse_epoll(pid_t pid, int fd, struct proc_epoll_tfd **tfds, size_t *nr);
int proc_parse_epoll_buf(const char *buf, size_t len, struct proc_epoll_tfd **tfds, size_t *nr);

#define PROC_HANDLE_MAX 128 /* MAX_HANDLE_SZ */

/* One "inotify wd:..." line: a watch, and the file handle of its inode when the kernel has one. */
struct proc_inotify_wd {
	uint32_t wd;
	uint32_t mask;
	uint64_t ino;
	uint32_t sdev;	       /* the kernel's encoding: major << 20 | minor */
	uint32_t handle_type;  /* PROC_UNKNOWN: no handle shown */
	uint32_t handle_bytes; /* of handle */
	uint8_t handle[PROC_HANDLE_MAX];
};
/* Every watch, in the kernel's order; *wds is malloc'd (NULL if none), free() it. */
int proc_parse_inotify(pid_t pid, int fd, struct proc_inotify_wd **wds, size_t *nr);
int proc_parse_inotify_buf(const char *buf, size_t len, struct proc_inotify_wd **wds, size_t *nr);

/* One line of /proc/PID/mountinfo. */
struct proc_mount {
	uint32_t mnt_id;
	uint32_t dev_major, dev_minor;
	char root[PATH_MAX]; /* the directory of the file system mounted there */
	char mount_point[PATH_MAX];
};
/* Every mount, in the file's order; *mounts is malloc'd, free() it. */
int proc_parse_mountinfo(pid_t pid, struct proc_mount **mounts, size_t *nr);
int proc_parse_mountinfo_buf(const char *buf, size_t len, struct proc_mount **mounts, size_t *nr);

/* The task's state letter of /proc/TID/stat ('R', 'S', 'Z', ...), or 0 when it is gone. */
char proc_task_state(pid_t tid);

/* Read a whole /proc file into a malloc'd NUL-terminated buffer. */
int proc_read_file(const char *path, char **buf, size_t *len);

#endif
