/* SPDX-License-Identifier: MIT */
/*
 * A task's images loaded and checked as a whole before anything is created: a restore that
 * would fail on a bad image fails here, with nothing started yet.
 */
#ifndef CRYO_RESTORE_TASK_IMAGE_H
#define CRYO_RESTORE_TASK_IMAGE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "images/image.h"

struct arch_regs;

struct image_vma {
	struct rec_vma rec;
	char path[PATH_MAX];
	int shmem; /* its object in the tree's struct shmem_table, -1 if none */
};

/* One thread, from its thread-TID.img. */
/* Pending signals, in queue order. */
struct sigqueue {
	struct rec_siginfo *info;
	size_t nr;
};

/* A seccomp filter: its flags and classic BPF program. */
struct image_filter {
	uint32_t flags;
	uint32_t nr_insns;
	uint64_t *insns; /* struct sock_filter[nr_insns], 8 bytes each */
};

/* Seccomp filters in install order, the oldest first. */
struct filter_chain {
	struct image_filter *filters;
	size_t nr;
};

/* One thread, from its thread-TID.img. */
struct image_thread {
	struct rec_thread rec;
	struct arch_regs *regs;
	struct rec_sigstate sigstate;
	struct rec_rseq rseq;
	struct sigqueue sigq; /* its own */
	struct rec_sched sched;
	uint32_t seccomp_mode;	     /* SECCOMP_MODE_* */
	struct filter_chain filters; /* its own, above the process's */
};

struct task_image {
	int pid;
	struct rec_task task;
	struct image_thread *threads; /* the leader first */
	size_t nr_threads;
	struct sigqueue sigq; /* the process's shared queue */
	struct filter_chain filters; /* every thread's first seccomp filters, shared */
	struct rec_sigaction sigactions[64]; /* index signo - 1; signo 0: none recorded */
	struct rec_itimer itimers[3];
	struct rec_rlimit rlimits[16];
	struct rec_creds creds;
	struct rec_posix_timer *timers; /* in increasing ID order */
	size_t nr_timers;
	uint32_t groups[REC_GROUPS_MAX];
	uint32_t nr_groups;
	char cwd[PATH_MAX], root[PATH_MAX], exe[PATH_MAX];

	struct rec_mm mm;
	uint64_t auxv[64 * 2];
	uint32_t auxv_len; /* bytes */
	struct image_vma *vmas;
	size_t nr_vmas;

	struct rec_page_run *runs;
	size_t nr_runs;
	struct rec_parent_run *parent_runs; /* pages shared with the parent, in address order */
	size_t nr_parent_runs;
	int pages_fd; /* pages-PID.img, open */

	struct rec_fd *fds; /* in increasing fd order */
	size_t nr_fds;
	struct image_lock *locks; /* POSIX locks, each with the fd it is taken through */
	size_t nr_locks;
};

/* A POSIX lock of fds-PID.img. */
struct image_lock {
	uint32_t fd;
	struct rec_file_lock rec;
};

int task_image_load(int dirfd, int pid, struct task_image *ti);
const struct image_vma *find_vma(const struct task_image *ti, uint64_t addr);
/* timers.c: a timer's thread is one of the task's, and this kernel can restore timer IDs. */
int check_timers(const struct task_image *ti);
/* pages-PID.img, open in ti->pages_fd, its size checked against pagemap-PID.img. */
int open_pages(int dirfd, struct task_image *ti);
void task_image_free(struct task_image *ti);

/* A shared memory object of shmem.img, its stored runs, and once created, its descriptor. */
struct image_shmem {
	struct rec_shmem rec;
	char name[REC_SHMEM_NAME_MAX + 1];
	struct rec_shmem_run *runs;
	size_t nr_runs;
	int fd; /* read-write, -1 until created */
};

struct shmem_table {
	struct image_shmem *objs;
	size_t nr;
};

/*
 * shmem-image.c: shmem.img loaded and checked, with the size of shmem-pages.img; then every VMA
 * of ti that maps an object is linked to it (image_vma.shmem).
 */
int shmem_table_load(int dirfd, struct shmem_table *t);
int shmem_table_link(const struct shmem_table *t, struct task_image *ti);
/* The memfd object with this dev and ino, or -1. */
int shmem_find_memfd(const struct shmem_table *t, uint64_t dev, uint64_t ino);
void shmem_table_free(struct shmem_table *t);

#endif
