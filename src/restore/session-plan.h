/* SPDX-License-Identifier: MIT */
/*
 * Who creates whom at restore, so that every process gets its session and process group back.
 *
 * A session can only be inherited at fork, and a process group only joined within its session.
 * So a child in the session its parent had before its own setsid() is forked before that setsid
 * (early); a child whose session leader is gone, reparented to a child subreaper, is forked by a
 * helper task that takes the leader's PID, calls setsid() and exits (the child is reparented to
 * the subreaper again, as it was); a group whose leader is gone gets a helper that takes its PID,
 * leads it and stays a zombie until every member has joined. Members join their groups at the end
 * of the restore, once every leader exists. The dump runs the same plan: what restore could not
 * rebuild is refused before anything is written.
 */
#ifndef CRYO_RESTORE_SESSION_PLAN_H
#define CRYO_RESTORE_SESSION_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "images/records.h"

enum helper_kind {
	HELPER_SESSION = 1, /* setsid(), forks its children, exits; its creator reaps it */
	HELPER_GROUP = 2,   /* setpgid(0, 0), exits; reaped once the members have joined */
};

struct plan_helper {
	uint32_t pid;
	uint32_t creator;
	uint32_t kind; /* enum helper_kind */
};

/* For recs[i]: the process (or helper) that forks it, and whether before that one's setsid(). */
struct plan_proc {
	uint32_t creator;
	uint32_t early;
};

struct session_plan {
	struct plan_proc *procs; /* one per record, in the same order */
	struct plan_helper *helpers;
	size_t nr_helpers;
};

/* recs: the whole tree, parents first, the root first. */
int plan_sessions(const struct rec_process *recs, size_t nr, struct session_plan *plan);
void free_session_plan(struct session_plan *plan);
/* Whether process p joins its group at the end (it neither leads it nor inherits it). */
int joins_group_late(const struct rec_process *recs, size_t nr, const struct rec_process *p);

#endif
