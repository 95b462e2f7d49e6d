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
		struct proc_stat st;
		char path[32];

		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (access(path, F_OK))
			return 0;
		if (proc_parse_stat(pid, &st) == 0 && st.state != 'Z') {
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
	return ret;
}

/* Trace the root from its first instruction: every thread and process it creates is traced. */
static int trace_root(struct restore_tree *tree, pid_t root)
{
	long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEFORK;

	if (ptrace(PTRACE_SEIZE, root, NULL, (void *)opts))
		return pr_perror("cannot trace the new process %d", root);
	if (write(tree->sync[1], "g", 1) != 1)
		return pr_perror("cannot start the new process %d", root);
	return 0;
}

/* After a failure: nothing created may stay. Every process is traced by cryo, and reaped. */
static int kill_tree(struct restore_tree *tree)
{
	size_t i;

	for (i = 0; i < tree->nr; i++)
		kill(tree->procs[i].rec.pid, SIGKILL);
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

/* The root is cloned with every signal blocked: the processes unblock what they had. */
static pid_t create_root(struct restore_tree *tree)
{
	sigset_t all, old;
	pid_t root;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	root = clone_with_pid(tree->procs[0].rec.pid);
	if (root == 0)
		restore_process(tree, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return root;
}

static int run_restore(const struct restore_opts *opts, struct restore_tree *tree)
{
	pid_t root;
	int ret;

	ret = wait_pids_free(tree);
	if (!ret)
		ret = shmem_create(tree->dirfd, &tree->shmem);
	if (ret)
		return ret;
	if (pipe2(tree->sync, O_CLOEXEC) || pipe2(tree->report, O_CLOEXEC))
		return pr_perror("cannot create a pipe");
	root = create_root(tree);
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
		ret = finish_restore(tree);
	if (!ret && opts->pidfile)
		ret = write_pidfile(opts->pidfile, root);
	if (ret)
		return kill_tree(tree);
	pr_info("process %d restored, with %zu processes in its tree", root, tree->nr);
	return opts->detach ? 0 : wait_restored(root);
}

/* --shell-job: the terminal cryo runs on, which the tree's terminal descriptors become. */
static int find_terminal(char *tty, size_t size)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (isatty(fd) && !ttyname_r(fd, tty, size))
			return 0;
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

	ret = load_inventory(opts->dirfd, &inv);
	if (ret)
		return ret;
	ret = load_restore_tree(opts->dirfd, inv.root_pid, inv.nr_tasks, &tree);
	if (!ret && opts->shell_job)
		ret = find_terminal(tree.tty, sizeof(tree.tty));
	if (!ret) {
		restart_syscalls(&tree);
		ret = run_restore(opts, &tree);
	}
	free_restore_tree(&tree);
	return ret;
}
