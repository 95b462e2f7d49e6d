// SPDX-License-Identifier: MIT
/* Per-task settings at restore: those done from C in cryo's child, and the restorer's arguments. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "restore/restore.h"
#include "restorer-blob.h"

/* Handler addresses are only numbers until the memory is back: every signal is blocked here. */
static int restore_sigactions(const struct task_image *ti)
{
	int sig;

	for (sig = 1; sig <= 64; sig++) {
		const struct rec_sigaction *a = &ti->sigactions[sig - 1];
		struct blob_sigaction act = {
			.handler = a->handler,
			.flags = a->flags,
			.restorer = a->restorer,
			.mask = a->mask,
		};

		if (!a->signo)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof(act.mask)))
			return pr_perror("cannot set the action of signal %d", sig);
	}
	return 0;
}

/* The size of the original struct rseq: glibc registers at least that much. */
#define RSEQ_ORIG_SIZE 32

/*
 * A child inherits its parent's rseq registration: cryo's, pointing into cryo's TLS. The kernel
 * allows one registration per thread, so cryo's goes before the task's can be made. glibc's
 * __rseq_size is the size of the features in use, which may be less than what it registered.
 */
static int forget_cryo_rseq(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	unsigned int len = __rseq_size < RSEQ_ORIG_SIZE ? RSEQ_ORIG_SIZE : __rseq_size;

	if (__rseq_size && syscall(SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG))
		return pr_perror("cannot unregister cryo's rseq area");
	return 0;
}

int restore_task_settings(const struct task_image *ti)
{
	char comm[sizeof(ti->task.comm) + 1] = {0};
	int ret;

	ret = forget_cryo_rseq();
	if (ret)
		return ret;
	if (strcmp(ti->root, "/") && chroot(ti->root))
		return pr_perror("cannot change root to %s", ti->root);
	if (chdir(ti->cwd))
		return pr_perror("cannot change directory to %s", ti->cwd);
	umask(ti->task.umask);
	ret = restore_sigactions(ti);
	if (ret)
		return ret;
	memcpy(comm, ti->task.comm, sizeof(ti->task.comm));
	if (prctl(PR_SET_NAME, comm))
		return pr_perror("cannot set the name of %d", ti->pid);
	return 0;
}

/*
 * Arming a CPU-time itimer, the kernel adds one tick to its value (so it never fires early): the
 * dumped value already holds the tick of the task's own setitimer. Measured on a probe timer of
 * this child, whose timers the restorer sets anyway.
 */
static uint64_t cpu_itimer_tick_us(void)
{
	struct itimerval probe = {.it_value = {.tv_sec = 1000}}, got;

	if (setitimer(ITIMER_PROF, &probe, NULL) || getitimer(ITIMER_PROF, &got))
		return 0;
	return (got.it_value.tv_sec - 1000) * 1000000 + got.it_value.tv_usec;
}

static void to_blob_itimer(const struct rec_itimer *it, uint64_t tick_us, struct blob_itimer *b)
{
	uint64_t value = it->value_us > tick_us ? it->value_us - tick_us : it->value_us;

	/*
	 * A periodic timer that has fired is re-armed only when its signal is dequeued: dumped in
	 * between, it reads 0 left. 0 would disarm it: it fires at once instead, as it had.
	 */
	if (!value && it->interval_us)
		value = 1;
	b->interval_sec = it->interval_us / 1000000;
	b->interval_usec = it->interval_us % 1000000;
	b->value_sec = value / 1000000;
	b->value_usec = value % 1000000;
}

static void fill_mm(const struct task_image *ti, struct restorer_args *args, int exe_fd)
{
	const struct rec_mm *mm = &ti->mm;

	args->mm = (struct blob_mm_map){
		.start_code = mm->start_code,
		.end_code = mm->end_code,
		.start_data = mm->start_data,
		.end_data = mm->end_data,
		.start_brk = mm->start_brk,
		.brk = mm->brk,
		.start_stack = mm->start_stack,
		.arg_start = mm->arg_start,
		.arg_end = mm->arg_end,
		.env_start = mm->env_start,
		.env_end = mm->env_end,
		.auxv_size = ti->auxv_len,
		.exe_fd = exe_fd,
	};
	memcpy(args->auxv, ti->auxv, ti->auxv_len);
}

/* The highest capability number of the running kernel. */
static uint32_t last_cap(void)
{
	char buf[16] = {0};
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? (uint32_t)atoi(buf) : 40;
}

static void fill_state(const struct task_image *ti, struct restorer_args *args)
{
	uint64_t tick_us = cpu_itimer_tick_us();
	int i;

	args->personality = ti->task.personality;
	args->cap_inh = ti->creds.cap_inh;
	args->cap_prm = ti->creds.cap_prm;
	args->cap_eff = ti->creds.cap_eff;
	args->cap_bnd = ti->creds.cap_bnd;
	args->cap_amb = ti->creds.cap_amb;
	args->securebits = ti->creds.securebits;
	args->no_new_privs = ti->creds.no_new_privs;
	args->dumpable = ti->creds.dumpable;
	args->last_cap = last_cap();
	args->nr_groups = ti->nr_groups;
	memcpy(args->groups, ti->groups, ti->nr_groups * sizeof(ti->groups[0]));
	for (i = 0; i < 3; i++) {
		args->uid[i] = ti->task.uid[i];
		args->gid[i] = ti->task.gid[i];
		to_blob_itimer(&ti->itimers[i], i == ITIMER_REAL ? 0 : tick_us, &args->itimers[i]);
	}
	for (i = 0; i < BLOB_NR_RLIMITS; i++) {
		args->rlimits[i].cur = ti->rlimits[i].cur;
		args->rlimits[i].max = ti->rlimits[i].max;
	}
}

/* A queue of pending signals copied to *at in the bootstrap region, which moves past it. */
static uint64_t place_sigqueue(const struct sigqueue *q, uint64_t *at, uint32_t *nr)
{
	uint64_t where = *at;

	memcpy((void *)where, q->info, q->nr * sizeof(*q->info));
	*at += q->nr * sizeof(struct blob_siginfo);
	*nr = q->nr;
	return where;
}

/* Each thread: what it sets itself, and its signal frame in its own area. */
static int fill_threads(const struct task_image *ti, const struct bootstrap *bs,
			struct restorer_args *args)
{
	struct restorer_thread *rt = (struct restorer_thread *)bs->threads;
	uint64_t sigq = bs->sigq;
	size_t i;
	int ret;

	args->threads = bs->threads;
	args->nr_threads = ti->nr_threads;
	args->sigq = place_sigqueue(&ti->sigq, &sigq, &args->nr_sigq);
	for (i = 0; i < ti->nr_threads; i++) {
		const struct image_thread *th = &ti->threads[i];
		uint64_t area = bs->thread_areas + i * THREAD_AREA_SIZE;

		rt[i] = (struct restorer_thread){
			.tid = th->rec.tid,
			.rseq_addr = th->rseq.addr,
			.rseq_len = th->rseq.len,
			.rseq_sig = th->rseq.sig,
			.clear_tid = th->rec.clear_tid,
			.robust_list = th->rec.robust_list,
			.robust_len = th->rec.robust_len,
			.stack_top = area + THREAD_AREA_SIZE,
			.pdeathsig = th->rec.pdeathsig,
			.args = (uintptr_t)args,
		};
		rt[i].sigq = place_sigqueue(&th->sigq, &sigq, &rt[i].nr_sigq);
		memcpy(rt[i].comm, th->rec.comm, sizeof(rt[i].comm));
		rt[i].comm[sizeof(rt[i].comm) - 1] = '\0';
		ret = arch_build_sigframe((void *)area, SIGFRAME_SIZE, th->regs, &th->sigstate,
					  &rt[i].sigframe);
		if (ret)
			return ret;
	}
	return 0;
}

/* The executable, for PR_SET_MM_MAP: above every descriptor of the task, closed by the restorer. */
static int open_exe(const struct task_image *ti)
{
	int fd = open(ti->exe, O_RDONLY | O_CLOEXEC), high;

	if (fd < 0)
		return pr_perror("cannot open the executable %s", ti->exe);
	high = fcntl(fd, F_DUPFD_CLOEXEC, fds_above_task(ti));
	close(fd);
	if (high < 0)
		return pr_perror("cannot move the executable's descriptor");
	return high;
}

int prepare_restorer(const struct task_image *ti, struct bootstrap *bs,
		     struct restorer_args *args, int log_fd)
{
	int exe_fd, ret;

	exe_fd = open_exe(ti);
	if (exe_fd < 0)
		return exe_fd;
	memcpy((void *)bs->blob, restorer_image, restorer_file_size);
	args->bootstrap_start = bs->start;
	args->bootstrap_len = bs->len;
	args->task_size = arch_task_size();
	args->log_fd = log_fd;
	fill_mm(ti, args, exe_fd);
	fill_state(ti, args);
	fill_timers(ti, bs, args);
	ret = fill_threads(ti, bs, args);
	if (!ret)
		place_seccomp(ti, bs, args);
	return ret;
}
