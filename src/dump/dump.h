/* SPDX-License-Identifier: MIT */
/* The dump side: what the steps of a dump share about the task being dumped. */
#ifndef CRYO_DUMP_DUMP_H
#define CRYO_DUMP_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dump/proc_parse.h"
#include "images/records.h"
#include "parasite/blob.h"

struct arch_regs;
struct img;

struct dump_opts {
	pid_t pid;
	int dirfd;
	int leave_running;
	int leave_stopped;
	int display_stats; /* times and page counts on stdout at the end */
	int tcp_established; /* established TCP connections are dumped (repair mode, locked) */
	int ext_unix_sk; /* unix sockets connected outside the tree are connected again */
	int skip_in_flight; /* connections waiting to be accepted by a listener are left out */
	int file_locks;	   /* the locks the tree holds are dumped; without, they are refused */
	int link_remap;	   /* a deleted file still linked elsewhere is linked back at dump */
	uint64_t ghost_limit; /* the largest deleted file whose content goes into the images */
};

/* A seccomp filter: its classic BPF program and its flags. */
struct dump_filter {
	uint32_t flags; /* SECCOMP_FILTER_FLAG_LOG */
	uint32_t nr_insns;
	void *insns; /* struct sock_filter[nr_insns] */
};

/* A thread's seccomp mode and filters. */
struct dump_seccomp {
	uint32_t mode;		     /* SECCOMP_MODE_* */
	struct dump_filter *filters; /* the oldest first */
	size_t nr;
};

/* What the kernel keeps per thread. */
struct dump_thread {
	pid_t tid;
	struct arch_regs *regs;
	uint64_t blocked; /* signal mask, as PTRACE_GETSIGMASK read it */
	struct parasite_thread_state state; /* altstack, clear_tid: from the parasite */
	struct dump_seccomp seccomp;
};

/* A POSIX timer: what /proc/PID/timers shows, and what only the task itself can read. */
struct dump_timer {
	struct proc_timer proc;
	struct parasite_timer state; /* timer_gettime, timer_getoverrun: from the parasite */
};

/* Everything collected about one process before it is written. */
struct dump_task {
	pid_t pid;
	pid_t parent; /* in the tree; 0 for the root */
	const struct dump_task *parent_task; /* NULL for the root */
	int dirfd;
	struct proc_stat stat;
	struct proc_status status;
	struct proc_vma *vmas;
	size_t nr_vmas;
	const struct proc_vma *vdso; /* NULL if the task has none */
	struct dump_thread *threads; /* the leader first */
	size_t nr_threads;
	struct blob_sigaction sigactions[BLOB_NSIG];
	struct parasite_misc misc;
	size_t nr_shared_filters; /* the oldest seccomp filters, which every thread has */
	struct dump_timer *timers; /* in increasing ID order */
	size_t nr_timers;
};

int cryo_dump(const struct dump_opts *opts);

/*
 * seize.c: stop every thread of the process with ptrace without it noticing (threads that
 * appear meanwhile included), and let them go. *tids is malloc'd, the leader first.
 */
int seize_process(pid_t pid, pid_t **tids, size_t *nr);
enum release_how { RELEASE_RUN, RELEASE_STOPPED, RELEASE_KILL };
int release_process(pid_t pid, const pid_t *tids, size_t nr, int how);

/* pstree.c: the process and its descendants, seized; pstree.img. */
struct dump_tree {
	struct dump_task *procs; /* the live ones, seized, parents first */
	size_t nr_procs;
	struct rec_process *recs; /* every one, zombies included, parents first */
	size_t nr_recs;
};
int seize_tree(pid_t root, int dirfd, struct dump_tree *tree);
int release_tree(struct dump_tree *tree, int how);
int check_tree_ids(struct dump_tree *tree);
int write_pstree(int dirfd, const struct dump_tree *tree);
void free_dump_tree(struct dump_tree *tree);

/* infect.c: run the parasite in the task and collect what only the task can see. */
int parasite_collect(struct dump_task *t);

/* sigqueue.c: the pending signals of a thread (shared: of its process) into img. */
struct img;
int dump_sigqueue(struct img *img, const struct dump_task *t, pid_t tid, int shared);

/*
 * timers.c: the POSIX timers of /proc/PID/timers, refused if cryo cannot restore them (their
 * state then comes from the parasite); their records; whether a queued timer signal is one the
 * kernel would drop.
 */
int collect_timers(struct dump_task *t);
int write_timers(struct img *img, const struct dump_task *t);
struct rec_siginfo;
bool timer_signal_dropped(const struct dump_task *t, const struct rec_siginfo *info);

/*
 * seccomp.c: a seized thread under seccomp is traced with its filters suspended; each thread's
 * mode and filters, the ones every thread has written once in core-PID.img.
 */
int seccomp_suspend(pid_t tid);
int collect_seccomp(struct dump_task *t);
int dump_seccomp_shared(struct img *core, const struct dump_task *t);
int dump_seccomp_thread(struct img *img, const struct dump_task *t, const struct dump_thread *th);
void free_seccomp(struct dump_seccomp *sc);

/* sched.c: how the scheduler treats a thread, read from outside. */
int dump_sched(struct img *img, pid_t tid);

/* task.c, thread.c, mm.c, pages.c, files.c: one image each (thread.c: one per thread). */
int dump_core(struct dump_task *t);
int dump_proc_link(struct img *img, pid_t pid, uint32_t kind, const char *what);
int dump_threads(struct dump_task *t);
int dump_mm(struct dump_task *t);
int dump_pages(struct dump_task *t);
/* pages.c: how many pages dump_pages() will scan (what the progress line counts to). */
int pages_to_scan(const struct dump_task *t, uint64_t *nr);
struct file_table;
int dump_files(struct dump_task *t, struct file_table *files);
/* files.c: the task's descriptor numbers, sorted, in a malloc'd *fds. */
int list_fds(pid_t pid, int **fds, size_t *nr);

/*
 * shmem.c: shmem.img and shmem-pages.img, every shared memory object (MAP_SHARED anonymous
 * memory, memfd) that a process of the tree maps or holds open, once each.
 */
int dump_shmem(int dirfd, const struct dump_tree *tree);
/* A descriptor (its stat and link) that is a memfd. */
struct stat;
int fd_is_memfd(const struct stat *st, const char *path);

#endif
