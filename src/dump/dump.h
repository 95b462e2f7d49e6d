/* SPDX-License-Identifier: MIT */
/* The dump side: what the steps of a dump share about the task being dumped. */
#ifndef CRYO_DUMP_DUMP_H
#define CRYO_DUMP_DUMP_H

#include <stdint.h>
#include <sys/types.h>

#include "dump/proc_parse.h"
#include "images/records.h"
#include "parasite/blob.h"

struct arch_regs;

struct dump_opts {
	pid_t pid;
	int dirfd;
	int leave_running;
	int leave_stopped;
	int display_stats; /* times and page counts on stdout at the end */
	int file_locks;	   /* the locks the tree holds are dumped; without, they are refused */
	int link_remap;	   /* a deleted file still linked elsewhere is linked back at dump */
	uint64_t ghost_limit; /* the largest deleted file whose content goes into the images */
};

/* What the kernel keeps per thread. */
struct dump_thread {
	pid_t tid;
	struct arch_regs *regs;
	uint64_t blocked; /* signal mask, as PTRACE_GETSIGMASK read it */
	struct parasite_thread_state state; /* altstack, clear_tid: from the parasite */
};

/* Everything collected about one process before it is written. */
struct dump_task {
	pid_t pid;
	pid_t parent; /* in the tree; 0 for the root */
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
int dump_sigqueue(struct img *img, pid_t tid, int shared);

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

#endif
