// SPDX-License-Identifier: MIT
/*
 * One process of the tree rebuilding itself, in a copy of cryo: it copies its descriptors out of
 * the pool (a child created with its parent's table, CLONE_FILES, finds them there), finds its
 * bootstrap region and premaps its memory there (before its children exist, so that they share
 * its pages as after fork), creates its children with their PIDs around its own setsid (each
 * goes on from here, or dies again if it was a zombie), tells cryo where its region is and jumps
 * into the restorer. Cryo's descriptors in a shared table are closed by its first owner once the
 * others are done with them. Any failure ends it; cryo, its tracer, then kills the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/stats.h"
#include "common/util.h"
#include "restore/restore.h"
#include "restorer-blob.h"

/* A session leader leads again, a group leader too; members join their groups at the end. */
static int restore_session(const struct rec_process *p)
{
	if (p->sid == p->pid) {
		if (setsid() < 0)
			return pr_perror("cannot make %u a session leader", p->pid);
	} else if (p->pgid == p->pid && setpgid(0, 0)) {
		return pr_perror("cannot make %u a process group leader", p->pid);
	}
	return 0;
}

/*
 * A zombie's group: joined now, as it dies at once. A group led from another branch may not exist
 * yet: then the zombie keeps its parent's, which only a wait for that group could tell.
 */
static void join_zombie_group(const struct rec_process *p)
{
	if (p->pgid != p->pid && p->sid != p->pid && getpgid(0) != (pid_t)p->pgid &&
	    setpgid(0, p->pgid))
		pr_warn("zombie %u could not join its group %u: it stays in %d", p->pid, p->pgid,
			getpgid(0));
}

/*
 * --shell-job, cryo being the foreground job of its terminal: the root's group, which a shell
 * made a job of its own, becomes the foreground one in cryo's place, or reading its terminal
 * would stop it (SIGTTIN). Still in cryo's session, with SIGTTOU blocked, it may; and before
 * its descriptor table is rebuilt, while it still has cryo's terminal.
 */
static int take_terminal(const struct restore_tree *tree, const struct rec_process *p)
{
	if (tree->tty_fd < 0 || p->pgid != p->pid || p->sid == p->pid)
		return 0;
	if (setpgid(0, 0))
		return pr_perror("cannot make %u a process group leader", p->pid);
	if (tcsetpgrp(tree->tty_fd, p->pid))
		return pr_perror("cannot make group %u the foreground job of %s", p->pid,
				 tree->tty);
	return 0;
}

/* A zombie is created, and dies again the way it did: its parent will reap that. */
static void __attribute__((noreturn)) die_again(const struct rec_process *p)
{
	int status = p->exit_status;
	sigset_t set;

	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}

pid_t clone_with_pid(pid_t pid, uint64_t flags, int exit_signal)
{
	struct clone_args args = {
		.flags = flags,
		.exit_signal = exit_signal,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};
	pid_t child = syscall(SYS_clone3, &args, sizeof(args));

	if (child < 0) {
		if (errno == EEXIST)
			pr_err("PID %d was taken by another process in the meantime", pid);
		else
			pr_perror("cannot create a process with PID %d", pid);
	}
	return child;
}

static void __attribute__((noreturn)) become(struct restore_tree *tree, size_t idx);

static void close_pipe(int ends[2])
{
	close(ends[0]);
	close(ends[1]);
	ends[0] = ends[1] = -1;
}

/* Before the first child that will share this process's descriptor table: its pipe. */
static int open_sharers_pipe(struct restore_tree *tree)
{
	if (tree->sharers_done[0] < 0 && pipe2(tree->sharers_done, O_CLOEXEC))
		return pr_perror("cannot make a pipe for the processes sharing a descriptor table");
	return 0;
}

/* The processes this one forks (the plan says which), before or after its setsid. */
static int create_children(struct restore_tree *tree, uint32_t creator, uint32_t early)
{
	size_t i;
	int ret;

	for (i = 1; i < tree->nr; i++) {
		const struct plan_proc *plan = &tree->plan.procs[i];
		int shares = tree->procs[i].rec.shares_files;
		pid_t child;

		if (plan->creator != creator || plan->early != early)
			continue;
		ret = shares ? open_sharers_pipe(tree) : 0;
		if (ret)
			return ret;
		child = clone_with_pid(tree->procs[i].rec.pid, shares ? CLONE_FILES : 0, SIGCHLD);
		if (child < 0)
			return -errno;
		if (child == 0)
			become(tree, i);
		tree->nr_sharers += shares;
	}
	return 0;
}

/*
 * Just forked: a child sharing its parent's descriptor table keeps the parent's pipe to say when
 * it is done; another child has a copy of that pipe, which it closes.
 */
static void take_sharers_pipe(struct restore_tree *tree, const struct rec_process *p)
{
	if (p->shares_files)
		tree->parent_done = tree->sharers_done[1];
	else if (tree->sharers_done[0] >= 0)
		close_pipe(tree->sharers_done);
	tree->sharers_done[0] = tree->sharers_done[1] = -1;
	tree->nr_sharers = 0;
}

/* Until every child sharing this process's table is done with cryo's descriptors in it. */
static int wait_sharers(struct restore_tree *tree)
{
	char done;
	size_t i;

	for (i = 0; i < tree->nr_sharers; i++)
		if (read(tree->sharers_done[0], &done, 1) != 1)
			return pr_perror("a process sharing a descriptor table did not finish");
	if (tree->sharers_done[0] >= 0)
		close_pipe(tree->sharers_done);
	return 0;
}

/* A helper leading a session whose leader is gone: it forks that session's processes and exits. */
static void __attribute__((noreturn)) lead_session(struct restore_tree *tree, pid_t pid)
{
	if (setsid() < 0) {
		pr_perror("helper %d cannot create its session", pid);
		_exit(1);
	}
	_exit(create_children(tree, pid, 0) ? 1 : 0);
}

/* A helper leading a group whose leader is gone: a zombie until the members have joined. */
static void __attribute__((noreturn)) lead_group(pid_t pid)
{
	if (setpgid(0, 0)) {
		pr_perror("helper %d cannot create its process group", pid);
		_exit(1);
	}
	_exit(0);
}

/*
 * The helpers this process creates. They end with no signal to it (it must not find a SIGCHLD
 * of cryo's making). A session helper is reaped at once, its children reparented here; a group
 * helper is not traced and stays a zombie until join_groups reaps it.
 */
static int create_helpers(struct restore_tree *tree, uint32_t creator)
{
	size_t i;

	for (i = 0; i < tree->plan.nr_helpers; i++) {
		const struct plan_helper *h = &tree->plan.helpers[i];
		int session = h->kind == HELPER_SESSION;
		pid_t pid;

		if (h->creator != creator)
			continue;
		pid = clone_with_pid(h->pid, session ? 0 : CLONE_UNTRACED, 0);
		if (pid < 0)
			return -errno;
		if (pid == 0 && session)
			lead_session(tree, h->pid);
		if (pid == 0)
			lead_group(h->pid);
		if (session && waitpid(pid, NULL, __WALL) != pid)
			return pr_perror("cannot reap helper %d", pid);
	}
	return 0;
}

/* Forked by a helper, it waits until the helper's exit has given it back its parent. */
static int wait_reparented(const struct rec_process *p, uint32_t helper)
{
	pid_t ppid;

	while ((ppid = getppid()) == (pid_t)helper)
		usleep(1000);
	if ((uint32_t)ppid == p->ppid)
		return 0;
	pr_err("process %u, orphaned by helper %u, went to %d instead of its parent %u", p->pid,
	       helper, ppid, p->ppid);
	return -ECHILD;
}

/* Its own session and group, with the children forked before and after it takes them. */
static int restore_family(struct restore_tree *tree, const struct rec_process *p)
{
	int ret = 0;

	if (p->subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1))
		ret = pr_perror("cannot make %u a child subreaper", p->pid);
	if (!ret)
		ret = create_children(tree, p->pid, 1);
	if (!ret)
		ret = restore_session(p);
	/* Before the session's other processes exist: they find it has its terminal. */
	if (!ret && !p->zombie)
		ret = restore_ctty(&tree->files, p);
	if (!ret)
		ret = create_children(tree, p->pid, 0);
	if (!ret)
		ret = create_helpers(tree, p->pid);
	return ret;
}

/* A zombie: its family as a live one's, then it dies again. */
static void __attribute__((noreturn)) restore_zombie(struct restore_tree *tree, size_t idx)
{
	const struct rec_process *p = &tree->procs[idx].rec;

	char comm[sizeof(p->comm) + 1] = {0};

	if (restore_family(tree, p))
		_exit(1);
	join_zombie_group(p);
	memcpy(comm, p->comm, sizeof(p->comm));
	prctl(PR_SET_NAME, comm);
	die_again(p);
}

/*
 * The descriptor table, emptied for the process's own: below the pool, nothing of cryo's stays
 * (cryo moved what it still needs above the pool); then each descriptor is a copy of its file.
 */
static int rebuild_fd_table(struct restore_tree *tree, struct task_image *ti)
{
	if (tree->parent_done >= 0)
		return 0; /* its parent's table, rebuilt already */
	if (syscall(SYS_close_range, 0, tree->files.base - 1, 0))
		return pr_perror("cannot close cryo's descriptors");
	return restore_files(ti, &tree->files);
}

static int report_bootstrap(struct restore_tree *tree, struct restore_proc *p)
{
	struct bootstrap_report r = {.pid = p->rec.pid, .bs = p->bs};

	if (write(tree->report[1], &r, sizeof(r)) != sizeof(r))
		return pr_perror("cannot tell cryo where process %u restores from", p->rec.pid);
	return 0;
}

/* The root waits until cryo traces it; its descendants are traced from their first instant. */
static int wait_traced(struct restore_tree *tree, size_t idx)
{
	char go;

	if (idx == 0 && read(tree->sync[0], &go, 1) != 1)
		return -EPIPE; /* cryo died before it could trace us */
	return 0;
}

/*
 * What cryo's copy needs no more once the children exist and the region is known: closed once
 * every process sharing the table is done with it, by the table's first owner.
 */
static int leave_cryo(struct restore_tree *tree)
{
	int ret = wait_sharers(tree);

	if (tree->parent_done >= 0)
		return ret;
	close_file_pool(&tree->files);
	close(tree->dirfd);
	close(tree->report[1]);
	return ret;
}

/* The last of cryo's descriptors this process used: closed, or left to the table's owner. */
static void leave_cryo_last(struct restore_tree *tree)
{
	char done = 1;

	if (tree->parent_done >= 0) {
		if (write(tree->parent_done, &done, 1) != 1)
			pr_perror("cannot tell the parent its descriptor table is free");
		return;
	}
	shmem_close(&tree->shmem); /* the task's own mappings and descriptors keep them */
	close(log_get_err_fd());   /* the restorer reports to log_fd only */
}

/* The root's parent is cryo, which leaves after a detached restore: that death is not its parent's. */
static void drop_pdeathsig(const struct restore_proc *p, struct restorer_args *args)
{
	struct restorer_thread *threads = (struct restorer_thread *)args->threads;
	uint32_t i;

	for (i = 0; i < args->nr_threads; i++) {
		if (threads[i].pdeathsig)
			pr_warn("thread %u of %u: its parent death signal %u is not set again, as "
				"its parent is cryo, which leaves (restore -d)",
				threads[i].tid, p->rec.pid, threads[i].pdeathsig);
		threads[i].pdeathsig = 0;
	}
}

/* A process or a zombie of the tree, just forked by its creator. */
static void become(struct restore_tree *tree, size_t idx)
{
	const struct rec_process *p = &tree->procs[idx].rec;
	uint32_t creator = tree->plan.procs[idx].creator;

	take_sharers_pipe(tree, p);
	if (creator != p->ppid && wait_reparented(p, creator))
		_exit(1);
	if (p->zombie)
		restore_zombie(tree, idx);
	restore_process(tree, idx);
}

/* The parent's bootstrap region, inherited at fork, where its premapped memory is; or NULL. */
static const struct bootstrap *parents_region(struct restore_tree *tree, size_t idx)
{
	const struct restore_proc *parent = idx ? find_proc(tree, tree->procs[idx].rec.ppid) : NULL;

	return parent ? &parent->bs : NULL;
}

/* Its memory, before its children exist: they inherit it, sharing its pages as after fork. */
static int restore_memory(struct restore_tree *tree, size_t idx)
{
	struct restore_proc *p = &tree->procs[idx];
	int ret;

	ret = plan_bootstrap(&p->ti, &p->bs);
	if (!ret)
		ret = open_pages(tree->dirfd, &p->ti);
	if (!ret)
		ret = premap_memory(&p->ti, &tree->shmem, &p->bs, parents_region(tree, idx),
				    (struct restorer_args *)p->bs.args);
	if (p->ti.pages_fd >= 0)
		close(p->ti.pages_fd);
	stats_phase_end(STATS_MEMORY);
	return ret;
}

void restore_process(struct restore_tree *tree, size_t idx)
{
	struct restore_proc *p = &tree->procs[idx];
	struct task_image *ti = &p->ti;
	struct restorer_args *args;
	int ret;

	ret = wait_traced(tree, idx);
	if (!ret && idx == 0)
		ret = take_terminal(tree, &p->rec);
	if (!ret)
		ret = rebuild_fd_table(tree, ti);
	if (!ret)
		ret = restore_memory(tree, idx);
	if (!ret)
		ret = restore_family(tree, &p->rec);
	if (!ret)
		ret = report_bootstrap(tree, p);
	ret = leave_cryo(tree) ?: ret;
	if (ret)
		_exit(1);
	stats_phase_end(STATS_FORK);
	args = (struct restorer_args *)p->bs.args;
	ret = restore_task_settings(ti);
	if (!ret)
		ret = prepare_restorer(ti, &p->bs, args, log_get_fd());
	/* Last: closing any descriptor of a file (premap does) drops the POSIX locks on it. */
	if (!ret)
		ret = restore_posix_locks(ti);
	if (ret)
		_exit(1);
	if (idx == 0 && tree->detach)
		drop_pdeathsig(p, args);
	leave_cryo_last(tree);
	arch_jump_to_blob(p->bs.blob + restorer_entry, p->bs.stack_top, p->bs.args);
}
