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
};

/* One thread, from its thread-TID.img. */
/* Pending signals, in queue order. */
struct sigqueue {
	struct rec_siginfo *info;
	size_t nr;
};

struct image_thread {
	struct rec_thread rec;
	struct arch_regs *regs;
	struct rec_sigstate sigstate;
	struct rec_rseq rseq;
	struct sigqueue sigq; /* its own */
};

struct task_image {
	int pid;
	struct rec_task task;
	struct image_thread *threads; /* the leader first */
	size_t nr_threads;
	struct sigqueue sigq; /* the process's shared queue */
	struct rec_sigaction sigactions[64]; /* index signo - 1; signo 0: none recorded */
	struct rec_itimer itimers[3];
	struct rec_rlimit rlimits[16];
	struct rec_creds creds;
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
/* pages-PID.img, open in ti->pages_fd, its size checked against pagemap-PID.img. */
int open_pages(int dirfd, struct task_image *ti);
void task_image_free(struct task_image *ti);

#endif
