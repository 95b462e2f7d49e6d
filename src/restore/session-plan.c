// SPDX-License-Identifier: MIT
/* The creation plan of session-plan.h: computed from the records alone. */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "restore/session-plan.h"

static const struct rec_process *find_rec(const struct rec_process *recs, size_t nr, uint32_t pid)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (recs[i].pid == pid)
			return &recs[i];
	return NULL;
}

/* The root's group when it lies outside the tree (a shell's job): nothing to rebuild. */
static int outside_group(const struct rec_process *recs, size_t nr, uint32_t pgid)
{
	return pgid == recs[0].pgid && pgid != recs[0].pid && !find_rec(recs, nr, pgid);
}

int joins_group_late(const struct rec_process *recs, size_t nr, const struct rec_process *p)
{
	return p->pgid != p->pid && p->sid != p->pid && !outside_group(recs, nr, p->pgid);
}

static int add_helper(struct session_plan *plan, uint32_t pid, uint32_t creator, uint32_t kind)
{
	struct plan_helper *grown;
	size_t i;

	for (i = 0; i < plan->nr_helpers; i++) {
		if (plan->helpers[i].pid != pid)
			continue;
		if (plan->helpers[i].creator == creator && plan->helpers[i].kind == kind)
			return 0;
		pr_err("session or group %u would need two helper tasks with its PID", pid);
		return -ENOTSUP;
	}
	grown = realloc(plan->helpers, (plan->nr_helpers + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	plan->helpers = grown;
	grown[plan->nr_helpers++] = (struct plan_helper){pid, creator, kind};
	return 0;
}

/*
 * A child whose session its parent cannot give it: the session's leader is gone (or a zombie now)
 * and the child was reparented to its parent, a child subreaper, when that leader exited.
 */
static int plan_lost_session(const struct rec_process *recs, size_t nr, size_t child,
			     uint32_t session, struct session_plan *plan)
{
	const struct rec_process *c = &recs[child];
	const struct rec_process *parent = find_rec(recs, nr, c->ppid);
	const struct rec_process *leader = find_rec(recs, nr, session);

	if (!parent->subreaper) {
		pr_err("process %u is in session %u, which its parent %u cannot give it", c->pid,
		       session, c->ppid);
		return -ENOTSUP;
	}
	plan->procs[child].creator = session;
	if (!leader)
		return add_helper(plan, session, parent->pid, HELPER_SESSION);
	/* A dead leader still a zombie of the same parent forks it before it dies again. */
	if (leader->zombie && leader->ppid == parent->pid && leader->sid == session)
		return 0;
	pr_err("process %u is in session %u, whose leader is elsewhere in the tree", c->pid,
	       session);
	return -ENOTSUP;
}

/*
 * need[i]: the session process i must be forked in (0: any). Children come after their parent,
 * so walking backwards settles every child's need before its parent's.
 */
static int plan_session_creators(const struct rec_process *recs, size_t nr, uint32_t *need,
				 struct session_plan *plan)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		need[i] = recs[i].sid != recs[i].pid ? recs[i].sid : 0;
		plan->procs[i].creator = recs[i].ppid;
	}
	for (i = nr - 1; i > 0 && !ret; i--) {
		const struct rec_process *parent = find_rec(recs, nr, recs[i].ppid);
		size_t p = parent - recs;

		if (!need[i] || need[i] == parent->sid)
			continue;
		/* A leader's children forked before its setsid() are in its former session. */
		if (p && parent->sid == parent->pid && (!need[p] || need[p] == need[i])) {
			need[p] = need[i];
			plan->procs[i].early = 1;
			continue;
		}
		ret = plan_lost_session(recs, nr, i, need[i], plan);
	}
	return ret;
}

/* The first live process of a session: it forks the helpers of that session's groups. */
static const struct rec_process *session_member(const struct rec_process *recs, size_t nr,
						uint32_t sid)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (recs[i].sid == sid && !recs[i].zombie)
			return &recs[i];
	return NULL;
}

static int has_session_helper(const struct session_plan *plan, uint32_t pid)
{
	size_t i;

	for (i = 0; i < plan->nr_helpers; i++)
		if (plan->helpers[i].pid == pid && plan->helpers[i].kind == HELPER_SESSION)
			return 1;
	return 0;
}

/*
 * A group whose leader is gone: a helper with its PID leads it until the members have joined.
 * A session helper's setsid() made that group already: its children were born in it.
 */
static int plan_group(const struct rec_process *recs, size_t nr, const struct rec_process *p,
		      struct session_plan *plan)
{
	const struct rec_process *leader = find_rec(recs, nr, p->pgid);
	const struct rec_process *creator;

	if (!joins_group_late(recs, nr, p) || (leader && leader->pgid == leader->pid) ||
	    has_session_helper(plan, p->pgid))
		return 0;
	if (leader) {
		pr_err("process %u is in group %u, whose leader has moved to another group", p->pid,
		       p->pgid);
		return -ENOTSUP;
	}
	creator = session_member(recs, nr, p->sid);
	if (!creator) {
		pr_err("group %u of process %u is in a session with no live process", p->pgid,
		       p->pid);
		return -ENOTSUP;
	}
	return add_helper(plan, p->pgid, creator->pid, HELPER_GROUP);
}

/* A descriptor table is shared at clone(): only by the process's own parent. */
static int check_files_creator(const struct rec_process *p, const struct plan_proc *plan)
{
	if (!p->shares_files || plan->creator == p->ppid)
		return 0;
	pr_err("process %u shares its parent %u's descriptor table, but its session makes %u "
	       "create it: not supported",
	       p->pid, p->ppid, plan->creator);
	return -ENOTSUP;
}

int plan_sessions(const struct rec_process *recs, size_t nr, struct session_plan *plan)
{
	uint32_t *need = calloc(nr, sizeof(*need));
	size_t i;
	int ret;

	plan->procs = calloc(nr, sizeof(*plan->procs));
	plan->helpers = NULL;
	plan->nr_helpers = 0;
	ret = need && plan->procs ? plan_session_creators(recs, nr, need, plan) : -ENOMEM;
	for (i = 0; i < nr && !ret; i++)
		ret = plan_group(recs, nr, &recs[i], plan);
	for (i = 0; i < nr && !ret; i++)
		ret = check_files_creator(&recs[i], &plan->procs[i]);
	free(need);
	if (ret)
		free_session_plan(plan);
	return ret;
}

void free_session_plan(struct session_plan *plan)
{
	free(plan->procs);
	free(plan->helpers);
	plan->procs = NULL;
	plan->helpers = NULL;
	plan->nr_helpers = 0;
}
