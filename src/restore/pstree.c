// SPDX-License-Identifier: MIT
/*
 * The tree at restore: pstree.img read and checked, the images of every live process, and
 * shmem.img, whose objects they share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/restore.h"

struct restore_proc *find_proc(struct restore_tree *tree, uint32_t pid)
{
	size_t i;

	for (i = 0; i < tree->nr; i++)
		if (tree->procs[i].rec.pid == pid)
			return &tree->procs[i];
	return NULL;
}

static int bad(const char *why, uint32_t pid)
{
	pr_err("pstree.img: process %u: %s", pid, why);
	return -EINVAL;
}

/* The root first, each parent before its children, no pid twice. */
static int check_process(struct restore_tree *tree, const struct rec_process *p, uint32_t root)
{
	if (!p->pid || p->zombie > 1 || p->shares_files > 1 || find_proc(tree, p->pid))
		return bad("bad or repeated record", p->pid);
	if (p->shares_files && (!tree->nr || p->zombie))
		return bad("the root or a zombie cannot share a descriptor table", p->pid);
	if (!tree->nr && (p->pid != root || p->zombie))
		return bad("the tree does not start with the live root", p->pid);
	if (tree->nr && !find_proc(tree, p->ppid))
		return bad("its parent comes after it, or is not in the tree", p->pid);
	return 0;
}

static int add_process(struct restore_tree *tree, const struct img_rec *rec, uint32_t root)
{
	const struct rec_process *p = rec->data;
	struct restore_proc *grown;
	int ret;

	if (rec->type != REC_PROCESS)
		return bad("record of a kind that does not belong here", 0);
	ret = check_process(tree, p, root);
	if (ret)
		return ret;
	grown = realloc(tree->procs, (tree->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	tree->procs = grown;
	memset(&grown[tree->nr], 0, sizeof(*grown));
	grown[tree->nr].rec = *p;
	grown[tree->nr].ti.pages_fd = -1;
	tree->nr++;
	return 0;
}

static int read_pstree(int dirfd, uint32_t root, uint32_t nr_tasks, struct restore_tree *tree)
{
	struct img_rec rec;
	struct img img;
	int ret;

	ret = img_open(dirfd, IMG_KIND_PSTREE, 0, &img);
	if (ret)
		return ret;
	while ((ret = img_next(&img, &rec)) == 1) {
		ret = add_process(tree, &rec, root);
		if (ret)
			break;
	}
	img_release(&img);
	if (!ret && tree->nr != nr_tasks) {
		pr_err("pstree.img lists %zu processes, inventory.img %u", tree->nr, nr_tasks);
		ret = -EINVAL;
	}
	return ret;
}

/* The root has no parent in the tree to share pages with. */
static int check_root_pages(const struct restore_tree *tree)
{
	if (tree->procs[0].ti.nr_parent_runs) {
		pr_err("pagemap-%u.img: the root shares pages with a parent outside the tree",
		       tree->procs[0].rec.pid);
		return -EINVAL;
	}
	return 0;
}

/* A process sharing its parent's descriptor table has the same descriptors. */
static int check_shared_fd_tables(struct restore_tree *tree)
{
	size_t i;

	for (i = 1; i < tree->nr; i++) {
		const struct restore_proc *p = &tree->procs[i];
		const struct task_image *parent = &find_proc(tree, p->rec.ppid)->ti;

		if (p->rec.shares_files &&
		    (p->ti.nr_fds != parent->nr_fds ||
		     (p->ti.nr_fds &&
		      memcmp(p->ti.fds, parent->fds, p->ti.nr_fds * sizeof(*p->ti.fds))))) {
			pr_err("fds-%u.img: not the descriptors of its parent %u, whose table it "
			       "shares",
			       p->rec.pid, p->rec.ppid);
			return -EINVAL;
		}
	}
	return 0;
}

/* The plan works on the records alone, gathered in one array. */
static int plan_tree(struct restore_tree *tree)
{
	size_t i;

	tree->recs = calloc(tree->nr, sizeof(*tree->recs));
	if (!tree->recs)
		return -ENOMEM;
	for (i = 0; i < tree->nr; i++)
		tree->recs[i] = tree->procs[i].rec;
	return plan_sessions(tree->recs, tree->nr, &tree->plan);
}

int is_helper(const struct restore_tree *tree, pid_t pid)
{
	size_t i;

	for (i = 0; i < tree->plan.nr_helpers; i++)
		if (tree->plan.helpers[i].pid == (uint32_t)pid)
			return 1;
	return 0;
}

int load_restore_tree(int dirfd, uint32_t root, uint32_t nr_tasks, struct restore_tree *tree)
{
	size_t i;
	int ret;

	memset(tree, 0, sizeof(*tree));
	tree->sync[0] = tree->sync[1] = tree->report[0] = tree->report[1] = -1;
	tree->tty_fd = -1;
	tree->sharers_done[0] = tree->sharers_done[1] = tree->parent_done = -1;
	tree->dirfd = dirfd;
	ret = read_pstree(dirfd, root, nr_tasks, tree);
	if (!ret)
		ret = shmem_table_load(dirfd, &tree->shmem);
	for (i = 0; !ret && i < tree->nr; i++)
		if (!tree->procs[i].rec.zombie)
			ret = task_image_load(dirfd, tree->procs[i].rec.pid, &tree->procs[i].ti);
	if (!ret)
		ret = load_files(dirfd, &tree->files);
	tree->files.tty = tree->tty;
	tree->files.shmem = &tree->shmem;
	for (i = 0; !ret && i < tree->nr; i++)
		ret = claim_files(&tree->files, tree->procs[i].rec.pid, tree->procs[i].ti.fds,
				  tree->procs[i].ti.nr_fds)
			  ?: shmem_table_link(&tree->shmem, &tree->procs[i].ti);
	if (!ret)
		ret = check_root_pages(tree);
	if (!ret)
		ret = check_shared_fd_tables(tree);
	if (!ret)
		ret = plan_tree(tree);
	return ret;
}

void free_restore_tree(struct restore_tree *tree)
{
	size_t i;
	int j;

	for (i = 0; i < tree->nr; i++)
		task_image_free(&tree->procs[i].ti);
	free(tree->procs);
	free_session_plan(&tree->plan);
	free_file_pool(&tree->files);
	free(tree->recs);
	shmem_table_free(&tree->shmem);
	for (j = 0; j < 2; j++) {
		if (tree->sync[j] >= 0)
			close(tree->sync[j]);
		if (tree->report[j] >= 0)
			close(tree->report[j]);
	}
}
