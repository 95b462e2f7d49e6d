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
	if (inv->arch != ARCH_IMG || inv->page_size != IMG_PAGE_SIZE || inv->nr_tasks != 1) {
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

struct child_ctx {
	struct task_image *ti;
	struct bootstrap *bs;
	int sync_fd; /* read end: the parent has seized us */
};

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

/*
 * cryo's descriptors the child still needs go above the task's and cryo's, then everything below
 * is closed: the task's descriptors are opened into an empty table.
 */
static int move_service_fds(struct child_ctx *c, int *log_fd)
{
	int base = service_fd_base(c->ti);
	int fds[] = {log_get_fd(), log_get_err_fd(), c->ti->pages_fd, c->sync_fd};
	size_t i;

	if (base < 0)
		return base;
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, base);

		if (moved < 0)
			return pr_perror("cannot move cryo's descriptor %d", fds[i]);
		fds[i] = moved;
	}
	if (syscall(SYS_close_range, 0, base - 1, 0))
		return pr_perror("cannot close cryo's descriptors");
	log_set_fd(fds[0]);
	log_set_err_fd(fds[1]);
	*log_fd = fds[0];
	c->ti->pages_fd = fds[2];
	c->sync_fd = fds[3];
	return 0;
}

static void __attribute__((noreturn)) child_main(struct child_ctx *c)
{
	struct restorer_args *args = (struct restorer_args *)c->bs->args;
	char go;
	int log_fd = -1, ret;

	ret = move_service_fds(c, &log_fd);
	if (!ret && read(c->sync_fd, &go, 1) != 1)
		ret = -EPIPE; /* cryo died before it could trace us */
	if (!ret)
		ret = restore_files(c->ti);
	if (!ret)
		ret = restore_task_settings(c->ti);
	if (!ret)
		ret = premap_memory(c->ti, c->bs, args);
	if (!ret)
		ret = prepare_restorer(c->ti, c->bs, args, log_fd);
	if (ret)
		_exit(1);
	close(c->sync_fd);
	close(c->ti->pages_fd);
	close(log_get_err_fd()); /* the restorer reports to log_fd only */
	arch_jump_to_blob(c->bs->blob + restorer_entry, c->bs->stack_top, c->bs->args);
}

static pid_t clone_with_pid(pid_t pid)
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

/* Trace the child from its first instruction: every thread it clones is traced too. */
static int trace_child(pid_t child, int sync_fd)
{
	long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE;

	if (ptrace(PTRACE_SEIZE, child, NULL, (void *)opts))
		return pr_perror("cannot trace the new process %d", child);
	if (write(sync_fd, "g", 1) != 1)
		return pr_perror("cannot start the new process %d", child);
	return 0;
}

static int kill_child(pid_t child)
{
	kill(child, SIGKILL);
	waitpid(child, NULL, __WALL);
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

/* Without -d cryo stays the parent and ends as the task ends, with its status. */
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

static int run_restore(const struct restore_opts *opts, struct task_image *ti)
{
	struct bootstrap bs;
	struct child_ctx c = {.ti = ti, .bs = &bs};
	sigset_t all, old;
	int sync[2], ret;
	pid_t child;

	ret = wait_pid_free(ti->pid);
	if (!ret)
		ret = plan_bootstrap(ti, &bs);
	if (ret)
		return ret;
	if (pipe2(sync, O_CLOEXEC))
		return pr_perror("cannot create a pipe");
	c.sync_fd = sync[0];
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = clone_with_pid(ti->pid);
	if (child == 0)
		child_main(&c);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sync[0]);
	if (child < 0) {
		close(sync[1]);
		return -errno;
	}
	ret = trace_child(child, sync[1]);
	close(sync[1]);
	if (!ret)
		ret = wait_restorer(child, ti);
	if (!ret)
		ret = finish_restore(child, ti, &bs);
	if (!ret && opts->pidfile)
		ret = write_pidfile(opts->pidfile, child);
	if (ret)
		return kill_child(child);
	pr_info("process %d restored", child);
	return opts->detach ? 0 : wait_restored(child);
}

/* Threads stopped inside system calls execute them again (see arch_restart_syscall). */
static void restart_syscalls(struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_threads; i++)
		arch_restart_syscall(ti->threads[i].regs);
}

int cryo_restore(const struct restore_opts *opts)
{
	struct rec_inventory inv = {0};
	struct task_image ti;
	int ret;

	ret = load_inventory(opts->dirfd, &inv);
	if (ret)
		return ret;
	ret = task_image_load(opts->dirfd, inv.root_pid, &ti);
	if (!ret) {
		restart_syscalls(&ti);
		ret = run_restore(opts, &ti);
	}
	task_image_free(&ti);
	return ret;
}
