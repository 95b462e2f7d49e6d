// SPDX-License-Identifier: MIT
/*
 * thread-TID.img, one per thread: what the kernel keeps per thread. Registers, signal mask and
 * rseq are read through ptrace; the robust futex list with get_robust_list; the alternate stack
 * and the clear_child_tid address by the parasite, run in that thread; the name from /proc;
 * scheduling settings (sched.c) and seccomp (seccomp.c) from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "images/image.h"

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

struct ptrace_rseq_config {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

static int read_comm(pid_t pid, pid_t tid, char comm[16])
{
	char path[64], buf[32] = {0};
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return pr_perror("cannot read %s", path);
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	memcpy(comm, buf, 16); /* at most 15 characters and a NUL: TASK_COMM_LEN */
	return 0;
}

static int write_thread_rec(struct img *img, pid_t pid, const struct dump_thread *th)
{
	struct rec_thread rec = {
	    .tid = th->tid,
	    .pdeathsig = th->state.pdeathsig,
	    .clear_tid = th->state.clear_tid,
	};
	size_t len;
	void *head;
	int ret;

	if (syscall(SYS_get_robust_list, th->tid, &head, &len))
		return pr_perror("cannot read the robust futex list of %d", th->tid);
	rec.robust_list = (uintptr_t)head;
	rec.robust_len = len;
	ret = read_comm(pid, th->tid, rec.comm);
	return ret ? ret : img_write(img, REC_THREAD, &rec, sizeof(rec));
}

static int write_sigstate(struct img *img, const struct dump_thread *th)
{
	struct rec_sigstate st = {
		.blocked = th->blocked,
		.ss_sp = th->state.altstack.sp,
		.ss_size = th->state.altstack.size,
		.ss_flags = th->state.altstack.flags,
	};

	return img_write(img, REC_SIGSTATE, &st, sizeof(st));
}

static int write_rseq(struct img *img, const struct dump_thread *th)
{
	struct ptrace_rseq_config conf = {0};
	struct rec_rseq rec;

	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid, (void *)sizeof(conf), &conf) < 0)
		return pr_perror("cannot read the rseq registration of %d", th->tid);
	rec = (struct rec_rseq){
		.addr = conf.rseq_abi_pointer,
		.len = conf.rseq_abi_size,
		.sig = conf.signature,
	};
	return img_write(img, REC_RSEQ, &rec, sizeof(rec));
}

static int dump_thread(const struct dump_task *t, const struct dump_thread *th)
{
	struct img img;
	int ret;

	ret = img_create(t->dirfd, IMG_KIND_THREAD, th->tid, &img);
	if (ret)
		return ret;
	ret = write_thread_rec(&img, t->pid, th);
	if (!ret)
		ret = arch_write_regs(&img, th->regs);
	if (!ret)
		ret = write_sigstate(&img, th);
	if (!ret)
		ret = write_rseq(&img, th);
	if (!ret)
		ret = dump_sigqueue(&img, t, th->tid, 0);
	if (!ret)
		ret = dump_sched(&img, th->tid);
	if (!ret)
		ret = dump_seccomp_thread(&img, t, th);
	return img_finish(&img, ret);
}

int dump_threads(struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_threads && !ret; i++)
		ret = dump_thread(t, &t->threads[i]);
	return ret;
}
