/* SPDX-License-Identifier: MIT */
/* The restore side: the steps a restored task goes through, and what they share. */
#ifndef CRYO_RESTORE_RESTORE_H
#define CRYO_RESTORE_RESTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "parasite/blob.h"
#include "restore/files.h"
#include "restore/session-plan.h"
#include "restore/task-image.h"

struct restore_opts {
	int dirfd;
	int detach;
	int shell_job; /* terminal descriptors become cryo's terminal */
	const char *pidfile;
	int display_stats; /* times and page counts on stdout once the tree runs */
	int file_locks;	   /* the images' file locks are taken again; without, they are refused */
	int skip_file_size_check; /* a file reopened by path may have changed size since the dump */
};

int cryo_restore(const struct restore_opts *opts);

/*
 * The bootstrap region, reserved in a hole of the task's future address space:
 *   [premapped VMAs][parked special mappings][restorer blob][arguments, VMA table, threads,
 *   pending signals, seccomp filters, POSIX timers]
 *   [restorer stack][per thread: its signal frame, its restorer stack]
 * Everything the restorer needs once cryo is unmapped lives here.
 */
struct bootstrap {
	uint64_t start, len;
	uint64_t slots;	   /* premapped VMAs */
	uint64_t specials; /* parking for [vdso] and friends */
	uint64_t blob;
	uint64_t args;	   /* struct restorer_args */
	uint64_t vmas;	   /* struct restorer_vma[] */
	uint64_t threads;      /* struct restorer_thread[] */
	uint64_t sigq;	       /* struct blob_siginfo[]: the process's pending signals, then each
				* thread's */
	uint64_t seccomp;      /* seccomp filters: the process's, then each thread's */
	uint64_t timers;       /* struct restorer_timer[] */
	uint64_t stack_top;    /* the leader's restorer stack */
	uint64_t thread_areas; /* each thread's signal frame and restorer stack */
};

/* Per thread in the bootstrap region: its signal frame, then its restorer stack. */
#define SIGFRAME_SIZE (REC_XSAVE_MAX + 4096)
#define THREAD_AREA_SIZE (SIGFRAME_SIZE + RESTORER_THREAD_STACK)
_Static_assert(THREAD_AREA_SIZE % IMG_PAGE_SIZE == 0, "thread areas are page-aligned");

/*
 * memory.c: choose and reserve the region (in cryo, before the task is cloned: the child inherits
 * the reservation), then, in the child, premap every VMA with its content and fill the VMA table.
 */
int plan_bootstrap(const struct task_image *ti, struct bootstrap *bs);
int premap_memory(const struct task_image *ti, const struct shmem_table *shm,
		  const struct bootstrap *bs, const struct bootstrap *parent,
		  struct restorer_args *args);
/*
 * cow.c: a VMA with pages shared with the parent takes its part of the parent's premapped copy
 * (parent: the parent's bootstrap region, inherited at fork); then the rest of that region goes.
 */
int has_parent_runs(const struct task_image *ti, const struct image_vma *v);
int take_parents_copy(const struct task_image *ti, const struct image_vma *v,
		      const struct bootstrap *parent, uint64_t slot);
int drop_parents_region(const struct bootstrap *parent);
/* files.c: the task's descriptors, at their numbers, copies of the pool's. */
int restore_files(const struct task_image *ti, const struct file_pool *pool);
int fds_above_task(const struct task_image *ti);
/*
 * shmem.c: the objects of shmem.img, created and filled by cryo before the tree (every process
 * inherits their descriptors), reopened by each process that maps or holds one, and sealed by
 * cryo once every process has mapped its own; shmem_seal() then closes them.
 */
int shmem_create(int dirfd, struct shmem_table *t);
/* A new open file of object i, with open(2) flags. */
int shmem_reopen(const struct shmem_table *t, int i, int flags);
void shmem_close(struct shmem_table *t);
int shmem_seal(struct shmem_table *t);
/* task.c: per-task settings done from C, and the restorer's arguments. */
int restore_task_settings(const struct task_image *ti);
int prepare_restorer(const struct task_image *ti, struct bootstrap *bs,
		     struct restorer_args *args, int log_fd);
/*
 * seccomp.c: the bytes of the filters in the bootstrap region; whether a thread runs under
 * seccomp (cryo then traces with it suspended); the filters copied for the restorer.
 */
size_t seccomp_area_size(const struct task_image *ti);
bool uses_seccomp(const struct task_image *ti);
void place_seccomp(const struct task_image *ti, const struct bootstrap *bs,
		   struct restorer_args *args);
/* sched.c: a thread's scheduling settings, set from outside. */
int restore_sched(pid_t tid, const struct rec_sched *s);

/* timers.c: the POSIX timers for the restorer, in the bootstrap region. */
void fill_timers(const struct task_image *ti, const struct bootstrap *bs,
		 struct restorer_args *args);
/* One process of the tree to restore. */
struct restore_proc {
	struct rec_process rec;
	struct task_image ti; /* a live process's images */
	struct bootstrap bs;  /* its bootstrap region, as the process reported it */
};

/* The whole tree, and the pipes between cryo and the processes it creates. */
struct restore_tree {
	struct restore_proc *procs; /* parents first, the root first */
	size_t nr;
	int dirfd;     /* the images, where each process opens its pages */
	int sync[2];   /* cryo to the root: "you are traced, go on" */
	char tty[64];  /* with --shell-job: cryo's terminal, for the tree's terminal descriptors */
	int tty_fd;    /* and, when cryo is its foreground job, cryo's descriptor on it; or -1 */
	struct file_pool files; /* every open file description, created before the tree */
	int report[2]; /* each live process to cryo: where its bootstrap region is */
	int detach;    /* cryo leaves: the root's parent dies when the restore is done */
	struct rec_process *recs; /* the records of procs, in one array */
	struct session_plan plan; /* who forks whom, and the helper tasks */
	struct shmem_table shmem; /* the objects shared between processes and VMAs */
	/*
	 * In a process whose children share its descriptor table (CLONE_FILES): each writes a byte
	 * here once done with cryo's descriptors, which are then closed; -1 while it has none.
	 */
	int sharers_done[2];
	size_t nr_sharers;
	int parent_done; /* in such a child: its parent's sharers_done[1]; else -1 */
};

/* What a process tells cryo before it jumps into the restorer. */
struct bootstrap_report {
	int32_t pid;
	int32_t pad;
	struct bootstrap bs;
};

/* file-lock.c: the images hold no lock, or --file-locks allows them. */
int check_file_locks(const struct restore_tree *tree, int allowed);
/* file-lock.c (in the process, once the pool is closed): its POSIX locks. */
int restore_posix_locks(const struct task_image *ti);

/* tty.c (in the process, once in its session and group): the pty it had as controlling
 * terminal, and its group in the pty's foreground. */
int restore_ctty(const struct file_pool *pool, const struct rec_process *p);

/* pstree.c: pstree.img, and the images of every live process, checked. */
int load_restore_tree(int dirfd, uint32_t root_pid, uint32_t nr_tasks, struct restore_tree *tree);
void free_restore_tree(struct restore_tree *tree);
struct restore_proc *find_proc(struct restore_tree *tree, uint32_t pid);

/* process.c (in the new process): create its children, then rebuild itself. */
void restore_process(struct restore_tree *tree, size_t idx) __attribute__((noreturn));
/*
 * clone3 with set_tid: the child with that PID, in this PID namespace, sending exit_signal to its
 * parent when it ends; flags: CLONE_UNTRACED, CLONE_FILES or 0.
 */
pid_t clone_with_pid(pid_t pid, uint64_t flags, int exit_signal);
int is_helper(const struct restore_tree *tree, pid_t pid);

/*
 * finish.c (in cryo, the tracer of every thread of every new process): wait until each thread has
 * reached the trap before its sigreturn (and each zombie has died again), then let them all go.
 */
int wait_restorers(struct restore_tree *tree);
/* One system call in a restored process stopped at its end (from its vDSO). */
int restored_syscall(const struct restore_proc *p, long *res, long nr, long a0, long a1, long a2,
		     long a3);
/* groups.c: each process joins its group, then the group helpers are reaped. */
int join_groups(struct restore_tree *tree);
int read_reports(struct restore_tree *tree);
int finish_restore(struct restore_tree *tree);

#endif
