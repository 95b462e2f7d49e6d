// SPDX-License-Identifier: MIT
/*
 * Process groups, last: by now every group leader (or helper standing for a dead one) exists, so
 * each member joins its group with one setpgid run inside it; then the group helpers, zombies
 * until now, are reaped by the processes that created them.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/log.h"
#include "restore/restore.h"

static int join_group(struct restore_tree *tree, const struct restore_proc *p)
{
	long res = 0;
	int ret;

	if (p->rec.zombie || !joins_group_late(tree->recs, tree->nr, &p->rec))
		return 0;
	ret = restored_syscall(p, &res, SYS_setpgid, 0, p->rec.pgid, 0, 0);
	if (!ret && res) {
		pr_err("process %u cannot join its process group %u: %s", p->rec.pid, p->rec.pgid,
		       strerror((int)-res));
		ret = -EPERM;
	}
	return ret;
}

static int reap_helper(struct restore_tree *tree, const struct plan_helper *h)
{
	const struct restore_proc *creator = find_proc(tree, h->creator);
	long res = 0;
	int ret;

	if (h->kind != HELPER_GROUP)
		return 0;
	ret = restored_syscall(creator, &res, SYS_wait4, h->pid, 0, __WALL, 0);
	if (!ret && res != h->pid) {
		pr_err("process %u cannot reap the helper %u of group %u: %ld", h->creator, h->pid,
		       h->pid, res);
		ret = -ECHILD;
	}
	return ret;
}

int join_groups(struct restore_tree *tree)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < tree->nr && !ret; i++)
		ret = join_group(tree, &tree->procs[i]);
	for (i = 0; i < tree->plan.nr_helpers && !ret; i++)
		ret = reap_helper(tree, &tree->plan.helpers[i]);
	return ret;
}
