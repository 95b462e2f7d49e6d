// SPDX-License-Identifier: MIT
/*
 * cryo dump: seize the task, collect, write the images, then kill it, leave it running or leave
 * it stopped. Any failure leaves it running as it was: parasite cured, tracer detached.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"
#include "dump/dump.h"
#include "dump/files.h"
#include "dump/vma.h"
#include "images/image.h"

/* cryo cannot dump itself, nor a process it runs inside of. */
static int check_not_ancestor(pid_t pid)
{
	pid_t p = getpid();

	while (p > 1) {
		struct proc_stat st;

		if (p == pid) {
			pr_err("process %d is cryo itself or one of its ancestors", pid);
			return -EINVAL;
		}
		if (proc_parse_stat(p, &st))
			return -EINVAL;
		p = st.ppid;
	}
	if (pid == 1) {
		pr_err("process 1 is an ancestor of cryo: it cannot be dumped from here");
		return -EINVAL;
	}
	return 0;
}

#define PF_KTHREAD 0x00200000

static int check_target(pid_t pid)
{
	struct proc_stat st;
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (pid <= 0 || access(path, F_OK)) {
		pr_err("no process with PID %d", pid);
		return -ESRCH;
	}
	if (proc_parse_stat(pid, &st))
		return -ESRCH;
	if (st.flags & PF_KTHREAD) {
		pr_err("%d is a kernel thread: it cannot be dumped", pid);
		return -EINVAL;
	}
	return check_not_ancestor(pid);
}

/* What issue-by-issue growth has not reached yet is refused before anything is touched. */
static int check_process(struct dump_task *t)
{
	if (t->status.tgid != t->pid) {
		pr_err("%d is a thread of process %d: dump the process", t->pid, t->status.tgid);
		return -EINVAL;
	}
	return 0;
}

static int collect_proc(struct dump_task *t)
{
	int ret;

	ret = proc_parse_stat(t->pid, &t->stat);
	if (!ret)
		ret = proc_parse_status(t->pid, &t->status);
	if (!ret)
		ret = check_process(t);
	if (!ret)
		ret = proc_parse_smaps(t->pid, &t->vmas, &t->nr_vmas);
	if (!ret)
		ret = collect_timers(t);
	if (ret)
		return ret;
	t->vdso = vma_find_vdso(t->vmas, t->nr_vmas);
	return 0;
}

static int write_inventory(int dirfd, const struct dump_tree *tree)
{
	struct rec_inventory rec = {
		.arch = ARCH_IMG,
		.root_pid = tree->recs[0].pid,
		.nr_tasks = tree->nr_recs,
		.page_size = IMG_PAGE_SIZE,
		.dump_time = time(NULL),
	};
	struct img img;
	int ret;

	ret = img_create(dirfd, IMG_KIND_INVENTORY, 0, &img);
	if (ret)
		return ret;
	ret = img_write(&img, REC_INVENTORY, &rec, sizeof(rec));
	return img_finish(&img, ret);
}

static int read_registers(struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_threads && !ret; i++)
		ret = arch_get_regs(t->threads[i].tid, t->threads[i].regs);
	return ret;
}

/* One seized process: everything, in the order that fails early and changes nothing first. */
static int dump_process(struct dump_task *t, struct file_table *files)
{
	int ret;

	ret = read_registers(t);
	if (!ret)
		ret = collect_seccomp(t);
	if (!ret)
		ret = dump_files(t, files);
	if (!ret)
		ret = parasite_collect(t);
	if (!ret)
		ret = dump_core(t);
	if (!ret)
		ret = dump_threads(t);
	if (!ret)
		ret = dump_mm(t);
	if (!ret)
		ret = dump_pages(t);
	return ret;
}

/* The progress line counts to every page the scan will look at, in every process. */
static int begin_progress(const struct dump_tree *tree)
{
	uint64_t total = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < tree->nr_procs && !ret; i++)
		ret = pages_to_scan(&tree->procs[i], &total);
	return ret ? ret : progress_begin(total);
}

/* Each process's parent, for the memory it still shares with it. */
static void link_parents(struct dump_tree *tree)
{
	size_t i, j;

	for (i = 1; i < tree->nr_procs; i++)
		for (j = 0; j < i; j++)
			if (tree->procs[j].pid == tree->procs[i].parent)
				tree->procs[i].parent_task = &tree->procs[j];
}

static int dump_tree(const struct dump_opts *opts, struct dump_tree *tree)
{
	struct file_table files = {0};
	size_t i;
	int ret = 0;

	link_parents(tree);
	for (i = 0; i < tree->nr_procs && !ret; i++)
		ret = collect_proc(&tree->procs[i]);
	/* Objects shared between processes: once for the whole tree. */
	if (!ret)
		ret = dump_shmem(opts->dirfd, tree);
	if (!ret)
		ret = begin_progress(tree);
	if (!ret)
		ret = files_begin(&files, opts, tree);
	for (i = 0; i < tree->nr_procs && !ret; i++)
		ret = dump_process(&tree->procs[i], &files);
	if (!ret)
		ret = check_tree_ids(tree);
	if (!ret)
		ret = write_pstree(opts->dirfd, tree);
	/* After every refusal: the end of files.img may read what changes the tree. */
	ret = files_end(&files, ret);
	/* Last: an image directory without an inventory is an incomplete dump. */
	if (!ret)
		ret = write_inventory(opts->dirfd, tree);
	end_link_remaps(&files, ret);
	return ret;
}

int cryo_dump(const struct dump_opts *opts)
{
	struct dump_tree tree;
	uint64_t freeze;
	int ret, how;

	ret = stats_init();
	if (!ret)
		ret = check_target(opts->pid);
	if (ret)
		return ret;
	unlinkat(opts->dirfd, "inventory.img", 0);
	freeze = stats_now();
	ret = seize_tree(opts->pid, opts->dirfd, &tree);
	stats_add_time(STATS_FREEZE, freeze);
	if (ret)
		return ret;
	tcp_conns_begin(opts->tcp_established);
	ret = dump_tree(opts, &tree);
	progress_end();
	how = ret || opts->leave_running ? RELEASE_RUN
	      : opts->leave_stopped	 ? RELEASE_STOPPED
					 : RELEASE_KILL;
	/* Before the tree runs again: a program cannot use a connection in repair mode. */
	tcp_conns_end(how == RELEASE_RUN);
	if (release_tree(&tree, how) && !ret)
		ret = -EIO;
	stats_add_time(STATS_FROZEN, freeze);
	if (!ret)
		pr_info("dump of %d done (%zu processes)", opts->pid, tree.nr_recs);
	free_dump_tree(&tree);
	if (!ret && opts->display_stats)
		stats_print_dump(STDOUT_FILENO);
	return ret;
}
