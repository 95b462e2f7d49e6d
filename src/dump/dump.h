/* SPDX-License-Identifier: MIT */
/* The dump side: what the steps of a dump share about the task being dumped. */
#ifndef CRYO_DUMP_DUMP_H
#define CRYO_DUMP_DUMP_H

#include <stdint.h>
#include <sys/types.h>

#include "dump/proc_parse.h"
#include "parasite/blob.h"

struct arch_regs;

struct dump_opts {
	pid_t pid;
	int dirfd;
	int leave_running;
	int leave_stopped;
};

/* Everything collected about one task before it is written. */
struct dump_task {
	pid_t pid;
	int dirfd;
	struct proc_stat stat;
	struct proc_status status;
	struct proc_vma *vmas;
	size_t nr_vmas;
	const struct proc_vma *vdso; /* NULL if the task has none */
	struct arch_regs *regs;
	uint64_t blocked; /* signal mask, as PTRACE_GETSIGMASK read it */
	struct blob_sigaction sigactions[BLOB_NSIG];
	struct parasite_misc misc;
};

int cryo_dump(const struct dump_opts *opts);

/* seize.c: stop the task with ptrace without it noticing; let it go. */
int seize_task(pid_t pid);
int release_task(pid_t pid, int how);
enum release_how { RELEASE_RUN, RELEASE_STOPPED, RELEASE_KILL };

/* infect.c: run the parasite in the task and collect what only the task can see. */
int parasite_collect(struct dump_task *t);

/* task.c, mm.c, pages.c, files.c: one image each. */
int dump_core(struct dump_task *t);
int dump_mm(struct dump_task *t);
int dump_pages(struct dump_task *t);
int dump_files(struct dump_task *t);

#endif
