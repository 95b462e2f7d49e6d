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
#include "dump/dump.h"
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
static int check_single_process(struct dump_task *t)
{
	char path[64], *children;
	size_t len;
	int ret;

	if (t->status.tgid != t->pid) {
		pr_err("%d is a thread of process %d: dump the process", t->pid, t->status.tgid);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", t->pid, t->pid);
	ret = proc_read_file(path, &children, &len);
	if (ret)
		return ret;
	free(children);
	if (len) {
		pr_err("process %d has child processes: process trees cannot be dumped yet", t->pid);
		return -ENOTSUP;
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
		ret = check_single_process(t);
	if (!ret)
		ret = proc_parse_smaps(t->pid, &t->vmas, &t->nr_vmas);
	if (ret)
		return ret;
	t->vdso = vma_find_vdso(t->vmas, t->nr_vmas);
	return 0;
}

static int write_inventory(const struct dump_task *t)
{
	struct rec_inventory rec = {
		.arch = ARCH_IMG,
		.root_pid = t->pid,
		.nr_tasks = 1,
		.page_size = IMG_PAGE_SIZE,
		.dump_time = time(NULL),
	};
	struct img img;
	int ret;

	ret = img_create(t->dirfd, IMG_KIND_INVENTORY, 0, &img);
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

/* The seized threads, the leader first, each with room for its registers. */
static int alloc_threads(struct dump_task *t, const pid_t *tids, size_t nr)
{
	size_t i;

	t->threads = calloc(nr, sizeof(*t->threads));
	if (!t->threads)
		return -ENOMEM;
	t->nr_threads = nr;
	for (i = 0; i < nr; i++) {
		t->threads[i].tid = tids[i];
		t->threads[i].regs = calloc(1, sizeof(*t->threads[i].regs));
		if (!t->threads[i].regs)
			return -ENOMEM;
	}
	return 0;
}

static void free_threads(struct dump_task *t)
{
	size_t i;

	for (i = 0; i < t->nr_threads; i++)
		free(t->threads[i].regs);
	free(t->threads);
}

/* With the task seized: everything, in the order that fails early and changes nothing first. */
static int dump_seized(struct dump_task *t)
{
	int ret;

	ret = collect_proc(t);
	if (!ret)
		ret = read_registers(t);
	if (!ret)
		ret = dump_files(t);
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
	/* Last: an image directory without an inventory is an incomplete dump. */
	if (!ret)
		ret = write_inventory(t);
	return ret;
}

int cryo_dump(const struct dump_opts *opts)
{
	struct dump_task t = {.pid = opts->pid, .dirfd = opts->dirfd};
	pid_t *tids;
	size_t nr;
	int ret, how;

	ret = check_target(opts->pid);
	if (ret)
		return ret;
	unlinkat(opts->dirfd, "inventory.img", 0);
	ret = seize_process(opts->pid, &tids, &nr);
	if (ret)
		return ret;
	ret = alloc_threads(&t, tids, nr);
	if (!ret)
		ret = dump_seized(&t);
	how = ret || opts->leave_running ? RELEASE_RUN
	      : opts->leave_stopped	 ? RELEASE_STOPPED
					 : RELEASE_KILL;
	if (release_process(opts->pid, tids, nr, how) && !ret)
		ret = -EIO;
	if (!ret)
		pr_info("dump of %d done (%zu threads)", opts->pid, nr);
	free_threads(&t);
	free(t.vmas);
	free(tids);
	return ret;
}
