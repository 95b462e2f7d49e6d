// SPDX-License-Identifier: MIT
/*
 * The end of a restore, in cryo, which traces every thread of the new process. Each thread's
 * restorer code traps just before its rt_sigreturn; cryo steps each over its sigreturn, so that it
 * holds its saved registers, then unmaps the bootstrap region with one remote call, sets each
 * thread's scheduling settings and thread pointer and lets the threads go.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "arch.h"
#include "common/log.h"
#include "common/remote.h"
#include "restore/restore.h"

static void report_fault(pid_t tid, int sig)
{
	siginfo_t si = {0};

	ptrace(PTRACE_GETSIGINFO, tid, NULL, &si);
	pr_err("thread %d of the new process got signal %d (code %d, address %p) while it was "
	       "being restored",
	       tid, sig, si.si_code, si.si_addr);
}

static int report_end(pid_t pid, int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;

	if (code > 100 && code < 100 + RST_NR_STEPS)
		pr_err("the restorer of %d failed at step %d", pid, code - 100);
	else if (WIFSIGNALED(status))
		pr_err("the new process %d was killed by signal %d while it was being restored", pid,
		       WTERMSIG(status));
	else
		pr_err("the new process %d exited with %d while it was being restored", pid, code);
	return -ECHILD;
}

/* A process that was a zombie dies again under cryo's eyes; a signal it dies of goes on. */
static int zombie_event(pid_t tid, int status, size_t *died)
{
	if (!WIFSTOPPED(status)) {
		(*died)++;
		return 0;
	}
	if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)(status >> 16 ? 0 : WSTOPSIG(status))))
		return pr_perror("cannot resume %d", tid);
	return 0;
}

static void count_expected(const struct restore_tree *tree, size_t *threads, size_t *zombies)
{
	size_t i;

	*threads = *zombies = 0;
	for (i = 0; i < tree->nr; i++) {
		*threads += tree->procs[i].ti.nr_threads;
		*zombies += tree->procs[i].rec.zombie;
	}
}

/* The process a thread belongs to: its tgid from /proc (the tid itself for a leader). */
static struct restore_proc *proc_of(struct restore_tree *tree, pid_t tid)
{
	struct restore_proc *p = find_proc(tree, tid);
	size_t i, j;

	for (i = 0; !p && i < tree->nr; i++)
		for (j = 0; j < tree->procs[i].ti.nr_threads; j++)
			if (tree->procs[i].ti.threads[j].rec.tid == (uint32_t)tid)
				p = &tree->procs[i];
	return p;
}

int wait_restorers(struct restore_tree *tree)
{
	size_t threads, zombies, trapped = 0, died = 0;
	pid_t root = tree->procs[0].rec.pid;

	count_expected(tree, &threads, &zombies);
	while (trapped < threads || died < zombies) {
		struct restore_proc *p;
		int status, event, ret;
		pid_t tid = waitpid(-1, &status, __WALL);

		if (tid < 0)
			return pr_perror("cannot wait for the new processes");
		p = proc_of(tree, tid);
		if (!p && WIFEXITED(status) && !WEXITSTATUS(status) && is_helper(tree, tid))
			continue; /* a session helper, done */
		if (p && p->rec.zombie) {
			ret = zombie_event(tid, status, &died);
			if (ret)
				return ret;
			continue;
		}
		if (!WIFSTOPPED(status))
			return report_end(p ? (pid_t)p->rec.pid : root, status);
		event = status >> 16;
		/* A clone or fork reported, or a new task's first stop: let it go on. */
		if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
		    event == PTRACE_EVENT_STOP) {
			if (ptrace(PTRACE_CONT, tid, NULL, NULL))
				return pr_perror("cannot resume thread %d", tid);
			continue;
		}
		if (WSTOPSIG(status) != SIGTRAP) {
			report_fault(tid, WSTOPSIG(status));
			return -ECHILD;
		}
		trapped++;
	}
	return 0;
}

/* Where each process found room for its bootstrap region, as it told cryo. */
int read_reports(struct restore_tree *tree)
{
	size_t threads, zombies, i;

	count_expected(tree, &threads, &zombies);
	for (i = 0; i < tree->nr - zombies; i++) {
		struct bootstrap_report r;
		struct restore_proc *p;

		if (read(tree->report[0], &r, sizeof(r)) != sizeof(r)) {
			pr_err("a new process did not say where it restores from");
			return -EIO;
		}
		p = find_proc(tree, r.pid);
		if (!p || p->rec.zombie)
			return -EINVAL;
		p->bs = r.bs;
	}
	return 0;
}

static int syscall_stop(pid_t tid)
{
	int status;

	if (ptrace(PTRACE_SYSCALL, tid, NULL, NULL))
		return pr_perror("cannot resume %d", tid);
	if (waitpid(tid, &status, __WALL) != tid)
		return pr_perror("cannot wait for %d", tid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		pr_err("restored thread %d did not reach its sigreturn (status %#x)", tid, status);
		return -EINVAL;
	}
	return 0;
}

static int step_over_sigreturn(pid_t tid, struct arch_regs *regs)
{
	int ret;

	ret = syscall_stop(tid); /* entry */
	if (!ret)
		ret = arch_get_gp_regs(tid, regs);
	if (!ret && arch_syscall_nr(regs) != SYS_rt_sigreturn) {
		pr_err("restored thread %d: system call %ld where rt_sigreturn was due", tid,
		       arch_syscall_nr(regs));
		return -EINVAL;
	}
	if (!ret)
		ret = syscall_stop(tid); /* exit: the saved registers are in place */
	if (!ret)
		ret = arch_get_gp_regs(tid, regs);
	return ret;
}

static const struct image_vma *find_vdso(const struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_vmas; i++)
		if (ti->vmas[i].rec.kind == VMA_VDSO)
			return &ti->vmas[i];
	return NULL;
}

int restored_syscall(const struct restore_proc *p, long *res, long nr, long a0, long a1, long a2,
		     long a3)
{
	const struct image_vma *vdso = find_vdso(&p->ti);
	struct remote r = {0};
	int ret;

	if (!vdso) {
		pr_err("restored process %u has no vDSO to run the last clean-up from", p->rec.pid);
		return -ENOTSUP;
	}
	ret = remote_init(&r, p->rec.pid, vdso->rec.start, vdso->rec.end);
	if (!ret)
		ret = remote_syscall(&r, res, nr, a0, a1, a2, a3, 0, 0);
	remote_fini(&r);
	return ret;
}

/* The restorer's region goes: one munmap. */
static int unmap_bootstrap(const struct restore_proc *p)
{
	long res = 0;
	int ret;

	ret = restored_syscall(p, &res, SYS_munmap, p->bs.start, p->bs.len, 0, 0);
	if (!ret && res) {
		pr_err("cannot unmap the restorer from %u: %ld", p->rec.pid, res);
		ret = -EINVAL;
	}
	return ret;
}

static int let_go(const struct task_image *ti, struct arch_regs *final)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < ti->nr_threads && !ret; i++) {
		pid_t tid = ti->threads[i].rec.tid;

		arch_copy_tls(&final[i], ti->threads[i].regs);
		ret = arch_set_gp_regs(tid, &final[i]);
	}
	for (i = 0; i < ti->nr_threads && !ret; i++)
		if (ptrace(PTRACE_DETACH, ti->threads[i].rec.tid, NULL, NULL))
			ret = pr_perror("cannot detach from %d", ti->threads[i].rec.tid);
	return ret;
}

/*
 * Each live process: its threads past their sigreturns, its restorer unmapped, then the scheduling
 * settings of each thread, which nothing of cryo's is left to run under.
 */
static int finish_process(const struct restore_proc *p, struct arch_regs *final)
{
	const struct task_image *ti = &p->ti;
	size_t i;
	int ret = 0;

	for (i = 0; i < ti->nr_threads && !ret; i++)
		ret = step_over_sigreturn(ti->threads[i].rec.tid, &final[i]);
	if (!ret)
		ret = unmap_bootstrap(p);
	for (i = 0; i < ti->nr_threads && !ret; i++)
		ret = restore_sched(ti->threads[i].rec.tid, &ti->threads[i].sched);
	return ret;
}

/* Every process is finished before any is let go: none runs while another is half done. */
int finish_restore(struct restore_tree *tree)
{
	struct arch_regs **final = calloc(tree->nr, sizeof(*final));
	size_t i;
	int ret = final ? 0 : -ENOMEM;

	for (i = 0; i < tree->nr && !ret; i++) {
		if (tree->procs[i].rec.zombie)
			continue;
		final[i] = calloc(tree->procs[i].ti.nr_threads, sizeof(**final));
		ret = final[i] ? finish_process(&tree->procs[i], final[i]) : -ENOMEM;
	}
	if (!ret)
		ret = join_groups(tree);
	for (i = 0; i < tree->nr && !ret; i++)
		if (!tree->procs[i].rec.zombie)
			ret = let_go(&tree->procs[i].ti, final[i]);
	for (i = 0; final && i < tree->nr; i++)
		free(final[i]);
	free(final);
	return ret;
}
