// SPDX-License-Identifier: MIT
/*
 * One process of the tree rebuilding itself, in a copy of cryo: it takes its session and group,
 * creates its children with their PIDs (each goes on from here, or dies again if it was a
 * zombie), finds its bootstrap region and tells cryo where it is, reopens its files, premaps its
 * memory and jumps into the restorer. Any failure ends it; cryo, its tracer, then kills the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/util.h"
#include "restore/restore.h"
#include "restorer-blob.h"

/* A session or group leader leads again; otherwise it is its parent's (checked at dump). */
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

pid_t clone_with_pid(pid_t pid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
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

static int create_children(struct restore_tree *tree, size_t idx)
{
	uint32_t pid = tree->procs[idx].rec.pid;
	size_t i;

	for (i = idx + 1; i < tree->nr; i++) {
		pid_t child;

		if (tree->procs[i].rec.ppid != pid)
			continue;
		child = clone_with_pid(tree->procs[i].rec.pid);
		if (child < 0)
			return -errno;
		if (child > 0)
			continue;
		if (tree->procs[i].rec.zombie)
			die_again(&tree->procs[i].rec);
		restore_process(tree, i);
	}
	return 0;
}

/* One above both the task's highest descriptor and cryo's own. */
static int service_fd_base(const struct task_image *ti)
{
	int base = fds_above_task(ti);
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return pr_perror("cannot list cryo's descriptors");
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && atoi(de->d_name) >= base)
			base = atoi(de->d_name) + 1;
	closedir(dir);
	return base;
}

/* One of cryo's descriptors, moved to base or above (the old one is closed with the rest). */
static int move_above(int *fd, int base)
{
	*fd = fcntl(*fd, F_DUPFD_CLOEXEC, base);
	return *fd < 0 ? pr_perror("cannot move cryo's descriptors") : 0;
}

/*
 * The descriptor table, emptied for the process's own: what it inherited from its parent and
 * keeps goes above, with the descriptors cryo still needs (log, images, the report pipe, the
 * shared memory objects); all else is closed. inherited[i] is where ti->fds[i] waits, when it
 * is inherited.
 */
static int empty_fd_table(struct restore_tree *tree, struct task_image *ti, int *inherited)
{
	int base = service_fd_base(ti);
	int *service[] = {&tree->dirfd, &tree->report[1]};
	int log = log_get_fd(), err = log_get_err_fd();
	size_t i;
	int ret = 0;

	if (base < 0)
		return base;
	log = fcntl(log, F_DUPFD_CLOEXEC, base);
	err = fcntl(err, F_DUPFD_CLOEXEC, base);
	if (log < 0 || err < 0)
		return pr_perror("cannot move cryo's log");
	log_set_fd(log);
	log_set_err_fd(err);
	for (i = 0; i < ARRAY_SIZE(service) && !ret; i++)
		ret = move_above(service[i], base);
	for (i = 0; i < tree->shmem.nr && !ret; i++)
		ret = move_above(&tree->shmem.objs[i].fd, base);
	if (ret)
		return ret;
	for (i = 0; i < ti->nr_fds; i++) {
		int from = ti->fds[i].rec.inherit_fd;

		inherited[i] = from < 0 ? -1 : fcntl(from, F_DUPFD_CLOEXEC, base);
		if (from >= 0 && inherited[i] < 0)
			return pr_perror("cannot keep fd %d from the parent", from);
	}
	if (syscall(SYS_close_range, 0, base - 1, 0))
		return pr_perror("cannot close cryo's descriptors");
	return 0;
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

/* Its descriptors first: its children inherit them, as they did at fork. */
static int rebuild_fd_table(struct restore_tree *tree, struct task_image *ti)
{
	int *inherited = calloc(ti->nr_fds + 1, sizeof(int));
	int ret = inherited ? 0 : -ENOMEM;

	if (!ret)
		ret = empty_fd_table(tree, ti, inherited);
	if (!ret)
		ret = restore_files(ti, &tree->shmem, tree->tty, inherited);
	free(inherited);
	return ret;
}

/* What cryo's copy needs no more once the children exist and the region is known. */
static int leave_cryo(struct restore_tree *tree, struct task_image *ti)
{
	int ret = open_pages(tree->dirfd, ti);

	close(tree->dirfd);
	close(tree->report[1]);
	return ret;
}

void restore_process(struct restore_tree *tree, size_t idx)
{
	struct restore_proc *p = &tree->procs[idx];
	struct task_image *ti = &p->ti;
	struct restorer_args *args;
	int ret;

	ret = wait_traced(tree, idx);
	if (!ret)
		ret = restore_session(&p->rec);
	if (!ret)
		ret = rebuild_fd_table(tree, ti);
	if (!ret)
		ret = create_children(tree, idx);
	if (!ret)
		ret = plan_bootstrap(ti, &p->bs);
	if (!ret)
		ret = report_bootstrap(tree, p);
	if (!ret)
		ret = leave_cryo(tree, ti);
	if (ret)
		_exit(1);
	args = (struct restorer_args *)p->bs.args;
	ret = restore_task_settings(ti);
	if (!ret)
		ret = premap_memory(ti, &tree->shmem, &p->bs, args);
	if (!ret)
		ret = prepare_restorer(ti, &p->bs, args, log_get_fd());
	if (ret)
		_exit(1);
	shmem_close(&tree->shmem); /* the task's own mappings and descriptors keep them */
	close(ti->pages_fd);
	close(log_get_err_fd()); /* the restorer reports to log_fd only */
	arch_jump_to_blob(p->bs.blob + restorer_entry, p->bs.stack_top, p->bs.args);
}
