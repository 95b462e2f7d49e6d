// SPDX-License-Identifier: MIT
/*
 * cryo restore: load and check every image, plan the bootstrap region, clone the task with its
 * own PID (clone3 + set_tid), let the child rebuild itself and jump into the restorer, and finish
 * it from outside as its tracer. A failure at any point kills what was created.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"
#include "common/util.h"
#include "dump/proc_parse.h"
#include "restore/restore.h"
#include "restorer-blob.h"

/* PID 1 of these machines reaps orphans slowly: a dumped task may linger as a zombie. */
#define PID_FREE_TIMEOUT_MS 10000

static int load_inventory(int dirfd, struct rec_inventory *inv)
{
	struct img_rec rec = {0};
	struct img img;
	int ret;

	ret = img_open(dirfd, IMG_KIND_INVENTORY, 0, &img);
	if (ret)
		return ret;
	/* Exactly one record, the inventory, then the end record. */
	ret = img_next(&img, &rec);
	if (ret == 1 && rec.type == REC_INVENTORY) {
		memcpy(inv, rec.data, sizeof(*inv));
		ret = img_next(&img, &rec);
	}
	if (ret >= 0 && (ret == 1 || !inv->arch)) {
		pr_err("%s: not one inventory record", img.name);
		ret = -EINVAL;
	}
	img_release(&img);
	if (ret)
		return ret;
	if (inv->arch != ARCH_IMG || inv->page_size != IMG_PAGE_SIZE || !inv->nr_tasks) {
		pr_err("inventory.img: images of another machine (arch %u, page size %u, %u tasks)",
		       inv->arch, inv->page_size, inv->nr_tasks);
		return -EINVAL;
	}
	return 0;
}

static int wait_pid_free(pid_t pid)
{
	struct timespec tick = {.tv_nsec = 20 * 1000 * 1000};
	int waited;

	for (waited = 0; waited < PID_FREE_TIMEOUT_MS; waited += 20) {
		char state = proc_task_state(pid);

		if (!state)
			return 0;
		if (state != 'Z' && state != 'X') {
			pr_err("PID %d is in use by a running process", pid);
			return -EBUSY;
		}
		nanosleep(&tick, NULL);
	}
	pr_err("PID %d is still held by a zombie after %d s: its parent has not reaped it", pid,
	       PID_FREE_TIMEOUT_MS / 1000);
	return -EBUSY;
}

static int wait_pids_free(const struct restore_tree *tree)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < tree->nr && !ret; i++)
		ret = wait_pid_free(tree->procs[i].rec.pid);
	for (i = 0; i < tree->plan.nr_helpers && !ret; i++)
		ret = wait_pid_free(tree->plan.helpers[i].pid);
	return ret;
}

static bool tree_uses_seccomp(const struct restore_tree *tree)
{
	size_t i;

	for (i = 0; i < tree->nr; i++)
		if (!tree->procs[i].rec.zombie && uses_seccomp(&tree->procs[i].ti))
			return true;
	return false;
}

/*
 * Trace the root from its first instruction: every thread and process it creates is traced, with
 * the same options. Seccomp filters, which the restorer installs, stay suspended while traced.
 */
static int trace_root(struct restore_tree *tree, pid_t root)
{
	long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEFORK;

	if (tree_uses_seccomp(tree))
		opts |= PTRACE_O_SUSPEND_SECCOMP;
	if (ptrace(PTRACE_SEIZE, root, NULL, (void *)opts))
		return pr_perror("cannot trace the new process %d%s", root,
				 opts & PTRACE_O_SUSPEND_SECCOMP
				     ? " with seccomp suspended (cryo needs CAP_SYS_ADMIN and "
				       "no seccomp of its own)"
				     : "");
	if (write(tree->sync[1], "g", 1) != 1)
		return pr_perror("cannot start the new process %d", root);
	return 0;
}

/* One above cryo's highest descriptor. */
static int above_cryo_fds(void)
{
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int top = 0;

	if (!dir)
		return pr_perror("cannot list cryo's descriptors");
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && atoi(de->d_name) >= top)
			top = atoi(de->d_name) + 1;
	closedir(dir);
	return top;
}

/* The shared memory objects, which every process maps from: moved above the pool. */
static int move_shmem_fds(struct shmem_table *shmem, int above)
{
	size_t i;

	for (i = 0; i < shmem->nr; i++) {
		int fd = fcntl(shmem->objs[i].fd, F_DUPFD_CLOEXEC, above);

		if (fd < 0)
			return pr_perror("cannot move a shared memory object above the tree's fds");
		close(shmem->objs[i].fd);
		shmem->objs[i].fd = fd;
	}
	return 0;
}

/*
 * What the processes still need of cryo's (log, images, report pipe): copies above the pool. The
 * report pipe's write end moves: cryo must see its end when every process is gone.
 */
static int move_service_fds(struct restore_tree *tree, int above)
{
	int log = fcntl(log_get_fd(), F_DUPFD_CLOEXEC, above);
	int err = fcntl(log_get_err_fd(), F_DUPFD_CLOEXEC, above);
	int dirfd = fcntl(tree->dirfd, F_DUPFD_CLOEXEC, above);
	int report = fcntl(tree->report[1], F_DUPFD_CLOEXEC, above);

	if (log < 0 || err < 0 || dirfd < 0 || report < 0)
		return pr_perror("cannot move cryo's descriptors above the tree's");
	log_set_fd(log);
	log_set_err_fd(err);
	tree->dirfd = dirfd;
	close(tree->report[1]);
	tree->report[1] = report;
	return 0;
}

/*
 * Every open file description of the tree, above every descriptor of every process and of cryo;
 * cryo's own that the processes need, above those. Each process closes all below the pool.
 */
static int open_files(struct restore_tree *tree)
{
	int base = above_cryo_fds();
	size_t i;
	int ret;

	if (base < 0)
		return base;
	for (i = 0; i < tree->nr; i++)
		if (fds_above_task(&tree->procs[i].ti) > base)
			base = fds_above_task(&tree->procs[i].ti);
	ret = open_file_pool(&tree->files, base);
	if (!ret)
		ret = move_shmem_fds(&tree->shmem, file_pool_top(&tree->files));
	return ret ? ret : move_service_fds(tree, file_pool_top(&tree->files));
}

/* After a failure: nothing created may stay. Every process is traced by cryo, and reaped. */
static int kill_tree(struct restore_tree *tree)
{
	size_t i;

	for (i = 0; i < tree->nr; i++)
		kill(tree->procs[i].rec.pid, SIGKILL);
	for (i = 0; i < tree->plan.nr_helpers; i++)
		kill(tree->plan.helpers[i].pid, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	return -ECHILD;
}

static int write_pidfile(const char *path, pid_t pid)
{
	char buf[16];
	int fd, n, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return pr_perror("cannot create the pidfile %s", path);
	n = snprintf(buf, sizeof(buf), "%d", pid);
	ret = write_all(fd, buf, n);
	close(fd);
	return ret ? pr_perror("cannot write the pidfile %s", path) : 0;
}

/* Without -d cryo stays the root's parent and ends as it ends, with its status. */
static int wait_restored(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return pr_perror("cannot wait for %d", pid);
	if (WIFSIGNALED(status)) {
		pr_info("restored process %d was killed by signal %d", pid, WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/*
 * --shell-job: once the job is over, its terminal goes back to cryo's group, as a shell takes it
 * back from a job that ended (see take_terminal). cryo is in the background: SIGTTOU is blocked.
 */
static void give_terminal_back(const struct restore_tree *tree)
{
	sigset_t ttou, old;

	if (tree->tty_fd < 0)
		return;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	if (tcsetpgrp(tree->tty_fd, getpgrp()))
		pr_warn("cannot take %s back from the job: %s", tree->tty, strerror(errno));
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The root is cloned with every signal blocked: the processes unblock what they had. */
static pid_t create_root(struct restore_tree *tree)
{
	sigset_t all, old;
	pid_t root;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	root = clone_with_pid(tree->procs[0].rec.pid, 0, SIGCHLD);
	if (root == 0)
		restore_process(tree, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return root;
}

/* What the progress line counts to: the pages of every process. */
static uint64_t pages_to_restore(const struct restore_tree *tree)
{
	uint64_t nr = 0;
	size_t i, j;

	for (i = 0; i < tree->nr; i++)
		for (j = 0; !tree->procs[i].rec.zombie && j < tree->procs[i].ti.nr_runs; j++)
			nr += tree->procs[i].ti.runs[j].nr_pages;
	return nr;
}

/* cryo reads the reports once every process has written its own: the pipe holds them all. */
static int size_report_pipe(const struct restore_tree *tree)
{
	size_t need = tree->nr * sizeof(struct bootstrap_report);

	if (need > (size_t)fcntl(tree->report[0], F_GETPIPE_SZ) &&
	    fcntl(tree->report[0], F_SETPIPE_SZ, need) < 0)
		return pr_perror("cannot make room for the reports of %zu processes", tree->nr);
	return 0;
}

static int run_restore(const struct restore_opts *opts, struct restore_tree *tree)
{
	pid_t root;
	int ret;

	ret = wait_pids_free(tree);
	if (!ret)
		ret = shmem_create(tree->dirfd, &tree->shmem);
	if (!ret)
		ret = progress_begin(pages_to_restore(tree));
	if (ret)
		return ret;
	tree->detach = opts->detach;
	if (pipe2(tree->sync, O_CLOEXEC) || pipe2(tree->report, O_CLOEXEC))
		return pr_perror("cannot create a pipe");
	ret = size_report_pipe(tree);
	if (ret)
		return ret;
	ret = open_files(tree);
	if (ret)
		return ret;
	stats_phase_end(STATS_LOAD);
	root = create_root(tree);
	close_file_pool(&tree->files);
	close(tree->sync[0]);
	close(tree->report[1]);
	tree->sync[0] = tree->report[1] = -1;
	if (root < 0)
		return -errno;
	ret = trace_root(tree, root);
	if (!ret)
		ret = wait_restorers(tree);
	/* Every process has mapped its shared memory and waits at its last trap. */
	if (!ret)
		ret = shmem_seal(&tree->shmem);
	if (!ret)
		ret = read_reports(tree);
	if (!ret)
		ret = restore_file_owners(&tree->files);
	if (!ret)
		ret = finish_restore(tree);
	stats_phase_end(STATS_FINISH);
	progress_end();
	if (!ret && opts->pidfile)
		ret = write_pidfile(opts->pidfile, root);
	if (ret) {
		ret = kill_tree(tree);
		give_terminal_back(tree);
		return ret;
	}
	files_tree_running(&tree->files);
	pr_info("process %d restored, with %zu processes in its tree", root, tree->nr);
	if (opts->display_stats)
		stats_print_restore(STDOUT_FILENO);
	if (opts->detach)
		return 0;
	ret = wait_restored(root);
	give_terminal_back(tree);
	return ret;
}

/*
 * --shell-job: the terminal cryo runs on, which the tree's terminal descriptors become; if the
 * shell made cryo its foreground job, the restored job takes that place (see take_terminal).
 */
static int find_terminal(struct restore_tree *tree)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (!isatty(fd) || ttyname_r(fd, tree->tty, sizeof(tree->tty)))
			continue;
		if (tcgetpgrp(fd) == getpgrp())
			tree->tty_fd = fd;
		return 0;
	}
	pr_err("--shell-job: cryo does not run on a terminal");
	return -ENOTTY;
}

/* Threads stopped inside system calls execute them again (see arch_restart_syscall). */
static void restart_syscalls(struct restore_tree *tree)
{
	size_t i, j;

	for (i = 0; i < tree->nr; i++)
		for (j = 0; j < tree->procs[i].ti.nr_threads; j++)
			arch_restart_syscall(tree->procs[i].ti.threads[j].regs);
}

int cryo_restore(const struct restore_opts *opts)
{
	struct rec_inventory inv = {0};
	struct restore_tree tree;
	int ret;

	ret = stats_init();
	if (!ret)
		ret = load_inventory(opts->dirfd, &inv);
	if (ret)
		return ret;
	ret = load_restore_tree(opts->dirfd, inv.root_pid, inv.nr_tasks, &tree);
	tree.files.size_may_change = opts->skip_file_size_check;
	if (!ret)
		ret = check_file_locks(&tree, opts->file_locks);
	if (!ret && opts->shell_job)
		ret = find_terminal(&tree);
	if (!ret) {
		restart_syscalls(&tree);
		ret = run_restore(opts, &tree);
	}
	free_restore_tree(&tree);
	return ret;
}
