// SPDX-License-Identifier: MIT
/*
 * The process tree: the dumped process and all its descendants, found through
 * /proc/PID/task/TID/children and seized parent first (a stopped parent forks no more), and
 * pstree.img, which lists them with their sessions, groups and zombies.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "dump/dump.h"
#include "images/image.h"
#include "restore/session-plan.h"

static int add_rec(struct dump_tree *tree, const struct proc_stat *st, int zombie)
{
	struct rec_process *grown = realloc(tree->recs, (tree->nr_recs + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	tree->recs = grown;
	grown[tree->nr_recs] = (struct rec_process){
		.pid = st->pid,
		.ppid = st->ppid,
		.pgid = st->pgid,
		.sid = st->sid,
		.zombie = zombie,
		.exit_status = zombie ? st->exit_code : 0,
	};
	memcpy(grown[tree->nr_recs++].comm, st->comm, sizeof(st->comm));
	return 0;
}

/* Seize a live process of the tree and give it room for its threads' registers. */
static int add_process(struct dump_tree *tree, pid_t pid, pid_t parent, int dirfd)
{
	struct dump_task *grown = realloc(tree->procs, (tree->nr_procs + 1) * sizeof(*grown));
	struct dump_task *t;
	pid_t *tids;
	size_t nr, i;
	int ret;

	if (!grown)
		return -ENOMEM;
	tree->procs = grown;
	ret = seize_process(pid, &tids, &nr);
	if (ret)
		return ret;
	t = &grown[tree->nr_procs];
	*t = (struct dump_task){.pid = pid, .parent = parent, .dirfd = dirfd, .nr_threads = nr};
	t->threads = calloc(nr, sizeof(*t->threads));
	if (!t->threads) {
		release_process(pid, tids, nr, RELEASE_RUN);
		free(tids);
		return -ENOMEM;
	}
	tree->nr_procs++;
	for (i = 0; i < nr; i++) {
		t->threads[i].tid = tids[i];
		t->threads[i].regs = calloc(1, sizeof(*t->threads[i].regs));
		if (!t->threads[i].regs)
			ret = -ENOMEM;
	}
	free(tids);
	return ret;
}

/* The children of every thread of a (seized) process, as /proc lists them. */
static int read_children(const struct dump_task *t, char **list)
{
	size_t i, used = 0;
	int ret = 0;

	*list = calloc(1, 1);
	for (i = 0; *list && i < t->nr_threads && !ret; i++) {
		char path[64], *part, *grown;
		size_t len;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", t->pid,
			 t->threads[i].tid);
		ret = proc_read_file(path, &part, &len);
		if (ret)
			break;
		grown = realloc(*list, used + len + 2);
		if (grown) {
			memcpy(grown + used, part, len);
			used += len;
			grown[used++] = ' ';
			grown[used] = '\0';
		}
		free(part);
		*list = grown;
	}
	return *list ? ret : -ENOMEM;
}

/*
 * A child that exited between the listing and its seize: its stopped parent has not reaped it, so
 * it is a zombie now, unless the parent does not wait for its children (then it is gone).
 */
static int add_exited_child(struct dump_tree *tree, pid_t pid)
{
	struct proc_stat st;
	char state = proc_task_state(pid);

	if (!state)
		return 0;
	if (state != 'Z' || proc_parse_stat(pid, &st)) {
		pr_err("child %d of the tree exited while being seized, but is not a zombie", pid);
		return -ESRCH;
	}
	return add_rec(tree, &st, 1);
}

static int add_child(struct dump_tree *tree, pid_t pid, pid_t parent, int dirfd)
{
	struct proc_stat st;
	int ret;

	ret = proc_parse_stat(pid, &st);
	if (ret)
		return ret;
	if (st.state == 'Z')
		return add_rec(tree, &st, 1);
	ret = add_process(tree, pid, parent, dirfd);
	if (ret == -ESRCH)
		return add_exited_child(tree, pid);
	/* Seized now, nothing changes any more: its record is read again. */
	if (!ret)
		ret = proc_parse_stat(pid, &st);
	return ret ? ret : add_rec(tree, &st, 0);
}

static int add_children(struct dump_tree *tree, size_t idx, int dirfd)
{
	char *list, *word, *save = NULL;
	int ret;

	ret = read_children(&tree->procs[idx], &list);
	for (word = strtok_r(list, " ", &save); !ret && word; word = strtok_r(NULL, " ", &save))
		ret = add_child(tree, atoi(word), tree->procs[idx].pid, dirfd);
	free(list);
	return ret;
}

static struct rec_process *find_rec(const struct dump_tree *tree, uint32_t pid)
{
	size_t i;

	for (i = 0; i < tree->nr_recs; i++)
		if (tree->recs[i].pid == pid)
			return &tree->recs[i];
	return NULL;
}

static int same_fd_table(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_FILES, 0, 0) == 0;
}

/* kcmp orders descriptor tables: sorted by it, the processes sharing one stand together. */
static int cmp_fd_table(const void *a, const void *b)
{
	const struct dump_task *x = *(const struct dump_task *const *)a;
	const struct dump_task *y = *(const struct dump_task *const *)b;
	long order = syscall(SYS_kcmp, x->pid, y->pid, KCMP_FILES, 0, 0);

	return order == 1 ? -1 : order == 2 ? 1 : 0;
}

/*
 * The processes of one table: restore shares it again only as clone(CLONE_FILES) gave it, each
 * process but the first owner having it from its parent.
 */
static int mark_sharers(struct dump_tree *tree, struct dump_task *const *group, size_t nr)
{
	const struct dump_task *owner = NULL;
	size_t i;

	for (i = 0; i < nr && nr > 1; i++) {
		const struct dump_task *t = group[i];

		if (t->parent && same_fd_table(t->parent, t->pid)) {
			find_rec(tree, t->pid)->shares_files = 1;
			continue;
		}
		if (owner) {
			pr_err("processes %d and %d share a descriptor table that neither has from "
			       "its parent: not supported",
			       owner->pid, t->pid);
			return -ENOTSUP;
		}
		owner = t;
	}
	return 0;
}

/* Which processes share their parent's descriptor table; a table shared otherwise is refused. */
static int find_shared_fd_tables(struct dump_tree *tree)
{
	struct dump_task **by_table = malloc(tree->nr_procs * sizeof(*by_table));
	size_t i, start, end;
	int ret = 0;

	if (!by_table)
		return -ENOMEM;
	for (i = 0; i < tree->nr_procs; i++)
		by_table[i] = &tree->procs[i];
	qsort(by_table, tree->nr_procs, sizeof(*by_table), cmp_fd_table);
	for (start = 0; start < tree->nr_procs && !ret; start = end) {
		for (end = start + 1;
		     end < tree->nr_procs && same_fd_table(by_table[start]->pid, by_table[end]->pid);
		     end++)
			;
		ret = mark_sharers(tree, by_table + start, end - start);
	}
	free(by_table);
	return ret;
}

/*
 * The child subreapers, which the parasite found out, and the shared descriptor tables; then the
 * restore's plan, run here so that a tree whose sessions or groups restore could not rebuild is
 * refused now.
 */
int check_tree_ids(struct dump_tree *tree)
{
	struct session_plan plan;
	size_t i;
	int ret;

	for (i = 0; i < tree->nr_procs; i++)
		find_rec(tree, tree->procs[i].pid)->subreaper = !!tree->procs[i].misc.child_subreaper;
	ret = find_shared_fd_tables(tree);
	if (!ret)
		ret = plan_sessions(tree->recs, tree->nr_recs, &plan);
	if (!ret)
		free_session_plan(&plan);
	return ret;
}

int seize_tree(pid_t root, int dirfd, struct dump_tree *tree)
{
	struct proc_stat st;
	size_t i;
	int ret;

	memset(tree, 0, sizeof(*tree));
	ret = add_process(tree, root, 0, dirfd);
	if (ret == -ESRCH)
		pr_err("process %d exited while being seized", root);
	if (!ret)
		ret = proc_parse_stat(root, &st);
	if (!ret)
		ret = add_rec(tree, &st, 0);
	/* Breadth first: procs grows behind i, parents always before their children. */
	for (i = 0; !ret && i < tree->nr_procs; i++)
		ret = add_children(tree, i, dirfd);
	if (ret)
		release_tree(tree, RELEASE_RUN);
	return ret;
}

int release_tree(struct dump_tree *tree, int how)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < tree->nr_procs; i++) {
		struct dump_task *t = &tree->procs[i];
		pid_t tids[REC_TIDS_MAX];
		size_t j;

		for (j = 0; j < t->nr_threads && j < REC_TIDS_MAX; j++)
			tids[j] = t->threads[j].tid;
		if (release_process(t->pid, tids, j, how))
			ret = -EIO;
	}
	return ret;
}

int write_pstree(int dirfd, const struct dump_tree *tree)
{
	struct img img;
	size_t i;
	int ret;

	ret = img_create(dirfd, IMG_KIND_PSTREE, 0, &img);
	if (ret)
		return ret;
	for (i = 0; i < tree->nr_recs && !ret; i++)
		ret = img_write(&img, REC_PROCESS, &tree->recs[i], sizeof(tree->recs[i]));
	return img_finish(&img, ret);
}

void free_dump_tree(struct dump_tree *tree)
{
	size_t i, j;

	for (i = 0; i < tree->nr_procs; i++) {
		for (j = 0; j < tree->procs[i].nr_threads; j++) {
			free(tree->procs[i].threads[j].regs);
			free_seccomp(&tree->procs[i].threads[j].seccomp);
		}
		free(tree->procs[i].threads);
		free(tree->procs[i].vmas);
		free(tree->procs[i].timers);
	}
	free(tree->procs);
	free(tree->recs);
}
