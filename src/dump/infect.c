// SPDX-License-Identifier: MIT
/*
 * Infection: the parasite blob runs inside the stopped task and answers cryo's questions.
 *
 *   1. block every signal (PTRACE_SETSIGMASK), so nothing of the task's runs meanwhile;
 *   2. remote memfd_create + ftruncate, which cryo opens through /proc and maps too: one area
 *      seen by both, holding the blob, its arguments and its stack;
 *   3. remote mmap of it, and close of the task's fd;
 *   4. run the blob: it connects to cryo's socket and serves commands until FINI, then traps;
 *   5. run it once more in each thread, for what each thread keeps of its own (trap mode);
 *   6. cure: remote munmap, registers and signal masks exactly as they were.
 * No byte of the task's own memory is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/remote.h"
#include "dump/dump.h"
#include "parasite-blob.h"

#define PARASITE_STACK_SIZE (64 * 1024)
#define PARASITE_TIMEOUT_MS 10000

struct parasite_ctl {
	struct remote remote;
	int listen_sk, sk;
	void *local;	     /* cryo's view of the shared area */
	uint64_t remote_addr; /* the task's view */
	size_t size;
	size_t args_off;
	struct dump_task *t;
	size_t nr_blocked; /* threads whose signals are blocked, and mask saved */
	int running;	   /* the leader runs the parasite: stop it before anything else */
};

static struct parasite_args *shared_args(const struct parasite_ctl *ctl)
{
	return (struct parasite_args *)((char *)ctl->local + ctl->args_off);
}

static size_t page_align(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

/* A listening seqpacket socket on a fresh abstract address, recorded in the blob's arguments. */
static int open_listener(struct parasite_ctl *ctl, struct parasite_args *args, pid_t pid)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	socklen_t len;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "cryo-parasite-%d-%d-%ld",
		 getpid(), pid, ts.tv_nsec);
	len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1);
	ctl->listen_sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (ctl->listen_sk < 0)
		return pr_perror("cannot create the parasite socket");
	if (bind(ctl->listen_sk, (struct sockaddr *)&addr, len) || listen(ctl->listen_sk, 1))
		return pr_perror("cannot listen for the parasite");
	args->sun_family = AF_UNIX;
	memcpy(args->sun_path, addr.sun_path, sizeof(args->sun_path));
	args->addr_len = len;
	return 0;
}

static int rsys(struct parasite_ctl *ctl, long *res, long nr, long a0, long a1, long a2, long a3,
		long a4, long a5)
{
	int ret = remote_syscall(&ctl->remote, res, nr, a0, a1, a2, a3, a4, a5);

	if (!ret && *res < 0 && *res > -4096) {
		pr_err("system call %ld failed inside %d: %s", nr, ctl->remote.pid,
		       strerror((int)-*res));
		return (int)*res;
	}
	return ret;
}

/* The memfd is created by the task, so that it can map it; cryo opens it through /proc. */
static int map_shared_area(struct parasite_ctl *ctl, const struct dump_task *t)
{
	char path[64];
	long fd, addr, res;
	int local_fd, ret;
	/* memfd_create wants a name in the task's memory: the padding of the ELF header at the
	 * start of the vDSO is zeros, an empty string. */
	uint64_t empty_name = t->vdso->start + 15;

	ret = rsys(ctl, &fd, __NR_memfd_create, empty_name, MFD_CLOEXEC, 0, 0, 0, 0);
	if (ret)
		return ret;
	ret = rsys(ctl, &res, __NR_ftruncate, fd, ctl->size, 0, 0, 0, 0);
	if (!ret)
		ret = rsys(ctl, &addr, __NR_mmap, 0, ctl->size, PROT_READ | PROT_WRITE | PROT_EXEC,
			   MAP_SHARED, fd, 0);
	rsys(ctl, &res, __NR_close, fd, 0, 0, 0, 0, 0);
	if (ret)
		return ret;
	ctl->remote_addr = addr;
	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", t->pid, addr, addr + ctl->size);
	local_fd = open(path, O_RDWR | O_CLOEXEC);
	if (local_fd < 0)
		return pr_perror("cannot open the parasite area of %d", t->pid);
	ctl->local = mmap(NULL, ctl->size, PROT_READ | PROT_WRITE, MAP_SHARED, local_fd, 0);
	close(local_fd);
	if (ctl->local == MAP_FAILED) {
		ctl->local = NULL;
		return pr_perror("cannot map the parasite area of %d", t->pid);
	}
	return 0;
}

static int start_parasite(struct parasite_ctl *ctl)
{
	struct arch_regs *regs = ctl->remote.regs;
	uint64_t base = ctl->remote_addr;
	struct pollfd pfd = {.fd = ctl->listen_sk, .events = POLLIN};
	int ret;

	memcpy(ctl->local, parasite_image, parasite_file_size);
	ret = arch_get_gp_regs(ctl->remote.pid, regs);
	if (ret)
		return ret;
	arch_prep_call(regs, base + parasite_entry, base + ctl->size, base + ctl->args_off);
	ret = arch_set_gp_regs(ctl->remote.pid, regs);
	if (ret)
		return ret;
	if (ptrace(PTRACE_CONT, ctl->remote.pid, NULL, NULL))
		return pr_perror("cannot start the parasite in %d", ctl->remote.pid);
	ctl->running = 1;
	if (poll(&pfd, 1, PARASITE_TIMEOUT_MS) != 1) {
		pr_err("the parasite in %d did not connect", ctl->remote.pid);
		return -ETIMEDOUT;
	}
	ctl->sk = accept4(ctl->listen_sk, NULL, NULL, SOCK_CLOEXEC);
	if (ctl->sk < 0)
		return pr_perror("cannot accept the parasite of %d", ctl->remote.pid);
	return 0;
}

static int parasite_cmd(struct parasite_ctl *ctl, uint32_t cmd)
{
	struct pollfd pfd = {.fd = ctl->sk, .events = POLLIN};
	int32_t status;

	if (send(ctl->sk, &cmd, sizeof(cmd), MSG_NOSIGNAL) != sizeof(cmd))
		return pr_perror("cannot send command %u to the parasite of %d", cmd,
				 ctl->remote.pid);
	if (poll(&pfd, 1, PARASITE_TIMEOUT_MS) != 1 ||
	    recv(ctl->sk, &status, sizeof(status), 0) != sizeof(status)) {
		pr_err("the parasite of %d did not answer command %u", ctl->remote.pid, cmd);
		return -EIO;
	}
	if (status) {
		pr_err("the parasite of %d failed command %u: %s", ctl->remote.pid, cmd,
		       strerror(-status));
		return status;
	}
	return 0;
}

/* Stop the parasite: FINI, then the trap of its entry code. */
static int stop_parasite(struct parasite_ctl *ctl)
{
	int ret = parasite_cmd(ctl, PARASITE_CMD_FINI);

	if (ret)
		return ret;
	ctl->running = 0;
	return remote_wait_trap(ctl->remote.pid);
}

/* After a failure with the parasite running (or stuck): stop the task wherever it is. */
static int regain_control(struct parasite_ctl *ctl)
{
	pid_t pid = ctl->remote.pid;
	int status;

	ctl->running = 0;
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL))
		return pr_perror("cannot interrupt %d", pid);
	if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status))
		return pr_perror("process %d did not stop", pid);
	return 0;
}

/* Put the process back exactly as it was: no mapping, registers and signal masks as saved. */
static int cure(struct parasite_ctl *ctl)
{
	struct dump_task *t = ctl->t;
	long res;
	size_t i;
	int ret = 0;

	if (ctl->running)
		ret = regain_control(ctl);
	if (ctl->local)
		munmap(ctl->local, ctl->size);
	if (!ret && ctl->remote_addr)
		ret = rsys(ctl, &res, __NR_munmap, ctl->remote_addr, ctl->size, 0, 0, 0, 0);
	if (!ret)
		ret = arch_set_gp_regs(t->pid, t->threads[0].regs);
	for (i = 0; i < ctl->nr_blocked && !ret; i++)
		ret = remote_set_sigmask(t->threads[i].tid, t->threads[i].blocked);
	return ret;
}

/* Nothing of the process's own may run while the parasite does: every signal waits. */
static int block_signals(struct parasite_ctl *ctl)
{
	struct dump_task *t = ctl->t;

	for (; ctl->nr_blocked < t->nr_threads; ctl->nr_blocked++) {
		struct dump_thread *th = &t->threads[ctl->nr_blocked];

		if (ptrace(PTRACE_GETSIGMASK, th->tid, (void *)sizeof(uint64_t), &th->blocked))
			return pr_perror("cannot read the signal mask of %d", th->tid);
		if (remote_set_sigmask(th->tid, ~0ull))
			return -EIO;
	}
	return 0;
}

/* blob_thread_entry in one thread, until its trap; then its registers as they were. */
static int collect_thread(struct parasite_ctl *ctl, struct dump_thread *th)
{
	struct arch_regs *regs = ctl->remote.regs;
	uint64_t base = ctl->remote_addr;
	int ret, restored;

	ret = arch_get_gp_regs(th->tid, regs);
	if (ret)
		return ret;
	arch_prep_call(regs, base + parasite_thread_entry, base + ctl->size, base + ctl->args_off);
	ret = arch_set_gp_regs(th->tid, regs);
	if (!ret && ptrace(PTRACE_CONT, th->tid, NULL, NULL))
		ret = pr_perror("cannot run the parasite in thread %d", th->tid);
	if (!ret)
		ret = remote_wait_trap(th->tid);
	if (!ret)
		ret = arch_get_gp_regs(th->tid, regs);
	if (!ret && arch_syscall_result(regs)) {
		pr_err("the parasite failed in thread %d: %s", th->tid,
		       strerror((int)-arch_syscall_result(regs)));
		ret = -EIO;
	}
	th->state = shared_args(ctl)->thread;
	restored = arch_set_gp_regs(th->tid, th->regs);
	return ret ? ret : restored;
}

static int collect_threads(struct parasite_ctl *ctl, struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_threads && !ret; i++)
		ret = collect_thread(ctl, &t->threads[i]);
	return ret;
}

/* The state of each POSIX timer, a batch of IDs at a time. */
static int collect_timer_states(struct parasite_ctl *ctl, struct dump_task *t)
{
	struct parasite_timers *batch = &shared_args(ctl)->timers;
	size_t done, i;
	int ret = 0;

	for (done = 0; done < t->nr_timers && !ret; done += batch->nr) {
		size_t left = t->nr_timers - done;

		batch->nr = left < PARASITE_TIMER_BATCH ? left : PARASITE_TIMER_BATCH;
		for (i = 0; i < batch->nr; i++)
			batch->timers[i].id = t->timers[done + i].proc.id;
		ret = parasite_cmd(ctl, PARASITE_CMD_DUMP_TIMERS);
		for (i = 0; i < batch->nr && !ret; i++)
			t->timers[done + i].state = batch->timers[i];
	}
	return ret;
}

static int run_commands(struct parasite_ctl *ctl, struct dump_task *t)
{
	struct parasite_args *args = shared_args(ctl);
	int ret;

	ret = parasite_cmd(ctl, PARASITE_CMD_DUMP_SIGACTIONS);
	if (!ret)
		ret = parasite_cmd(ctl, PARASITE_CMD_DUMP_MISC);
	if (!ret)
		ret = collect_timer_states(ctl, t);
	if (ret)
		return ret;
	memcpy(t->sigactions, args->sigactions, sizeof(t->sigactions));
	t->misc = args->misc;
	return 0;
}

static int infect_and_run(struct parasite_ctl *ctl, struct dump_task *t)
{
	struct parasite_args args = {0};
	int ret;

	ret = open_listener(ctl, &args, t->pid);
	if (!ret)
		ret = map_shared_area(ctl, t);
	if (ret)
		return ret;
	memcpy((char *)ctl->local + ctl->args_off, &args, sizeof(args));
	ret = start_parasite(ctl);
	if (ret)
		return ret;
	ret = run_commands(ctl, t);
	if (ret) {
		/* Let the parasite close its socket and trap; if it cannot, cure() stops it. */
		stop_parasite(ctl);
		return ret;
	}
	ret = stop_parasite(ctl);
	return ret ? ret : collect_threads(ctl, t);
}

int parasite_collect(struct dump_task *t)
{
	struct parasite_ctl ctl = {.listen_sk = -1, .sk = -1, .t = t};
	int ret, cured;

	if (!t->vdso) {
		pr_err("process %d has no vDSO: cryo cannot run code inside it", t->pid);
		return -ENOTSUP;
	}
	ctl.args_off = page_align(parasite_mem_size);
	ctl.size = ctl.args_off + page_align(sizeof(struct parasite_args)) + PARASITE_STACK_SIZE;
	ret = remote_init(&ctl.remote, t->pid, t->vdso->start, t->vdso->end);
	if (!ret)
		ret = block_signals(&ctl);
	if (!ret)
		ret = infect_and_run(&ctl, t);
	cured = ctl.remote.regs ? cure(&ctl) : 0;
	if (ctl.sk >= 0)
		close(ctl.sk);
	if (ctl.listen_sk >= 0)
		close(ctl.listen_sk);
	remote_fini(&ctl.remote);
	return ret ? ret : cured;
}
