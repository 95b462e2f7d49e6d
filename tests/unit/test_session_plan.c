// SPDX-License-Identifier: MIT
/*
 * Unit tests of the session plan: which process forks which, before or after its setsid(), and
 * which helper tasks a tree needs, on small hand-made trees; and the trees it must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "restore/session-plan.h"

/* pid, ppid, pgid, sid, zombie, exit status, subreaper, shares files, name */
#define PROC(pid, ppid, pgid, sid) {pid, ppid, pgid, sid, 0, 0, 0, 0, "p"}
#define ZOMBIE(pid, ppid, pgid, sid) {pid, ppid, pgid, sid, 1, 0, 0, 0, "z"}
#define SUBREAPER(pid, ppid, pgid, sid) {pid, ppid, pgid, sid, 0, 0, 1, 0, "s"}
#define SHARES_FILES(pid, ppid, pgid, sid) {pid, ppid, pgid, sid, 0, 0, 0, 1, "f"}
#define NR(recs) (sizeof(recs) / sizeof(recs[0]))

static void test_plain_tree(void **state)
{
	/* root leads session 10; 11 its own group; 12 in root's; 13 a new session */
	const struct rec_process recs[] = {PROC(10, 1, 10, 10), PROC(11, 10, 11, 10),
					   PROC(12, 11, 11, 10), PROC(13, 10, 13, 13)};
	struct session_plan plan;
	size_t i;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.nr_helpers, 0);
	for (i = 1; i < NR(recs); i++) {
		assert_int_equal(plan.procs[i].creator, recs[i].ppid);
		assert_int_equal(plan.procs[i].early, 0);
	}
	assert_false(joins_group_late(recs, NR(recs), &recs[1])); /* leads it */
	assert_true(joins_group_late(recs, NR(recs), &recs[2]));
	assert_false(joins_group_late(recs, NR(recs), &recs[3])); /* session leader */
	free_session_plan(&plan);
}

/* 11 forked 12 in session 10, then called setsid(), then forked 13. */
static void test_child_of_former_session(void **state)
{
	const struct rec_process recs[] = {PROC(10, 1, 10, 10), PROC(11, 10, 11, 11),
					   PROC(12, 11, 10, 10), PROC(13, 11, 11, 11)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.procs[2].early, 1);
	assert_int_equal(plan.procs[3].early, 0);
	assert_int_equal(plan.nr_helpers, 0);
	free_session_plan(&plan);
}

/* The former session two levels down: 12 leads, its child 13 needs 11's session, 11 needs 10's. */
static void test_former_session_chain(void **state)
{
	const struct rec_process recs[] = {PROC(10, 1, 10, 10), PROC(11, 10, 11, 11),
					   PROC(12, 11, 12, 12), PROC(13, 12, 11, 11)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.procs[3].early, 1);
	assert_int_equal(plan.procs[2].early, 0);
	free_session_plan(&plan);
}

/* Orphans 12 and 13 of a dead session leader 11, reparented to the subreaper root. */
static void test_dead_session_leader(void **state)
{
	const struct rec_process recs[] = {SUBREAPER(10, 1, 10, 10), PROC(12, 10, 11, 11),
					   PROC(13, 10, 11, 11)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.nr_helpers, 1);
	assert_int_equal(plan.helpers[0].pid, 11);
	assert_int_equal(plan.helpers[0].creator, 10);
	assert_int_equal(plan.helpers[0].kind, HELPER_SESSION);
	assert_int_equal(plan.procs[1].creator, 11);
	assert_int_equal(plan.procs[2].creator, 11);
	free_session_plan(&plan);
}

/* The same, but the dead leader is still a zombie of the subreaper: it forks them itself. */
static void test_zombie_session_leader(void **state)
{
	const struct rec_process recs[] = {SUBREAPER(10, 1, 10, 10), ZOMBIE(11, 10, 11, 11),
					   PROC(12, 10, 11, 11)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.nr_helpers, 0);
	assert_int_equal(plan.procs[2].creator, 11);
	free_session_plan(&plan);
}

static void test_dead_session_leader_no_subreaper(void **state)
{
	const struct rec_process recs[] = {PROC(10, 1, 10, 10), PROC(12, 10, 11, 11)};
	struct session_plan plan;

	(void)state;
	assert_int_not_equal(plan_sessions(recs, NR(recs), &plan), 0);
}

/* 12 and 13 in group 11, whose leader is gone: root, in their session, creates the helper. */
static void test_dead_group_leader(void **state)
{
	const struct rec_process recs[] = {SUBREAPER(10, 1, 10, 10), PROC(12, 10, 11, 10),
					   PROC(13, 12, 11, 10)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.nr_helpers, 1);
	assert_int_equal(plan.helpers[0].pid, 11);
	assert_int_equal(plan.helpers[0].creator, 10);
	assert_int_equal(plan.helpers[0].kind, HELPER_GROUP);
	free_session_plan(&plan);
}

/* Group 11's leader is alive but has moved to group 14: nothing can take PID 11. */
static void test_group_leader_moved(void **state)
{
	const struct rec_process recs[] = {PROC(10, 1, 10, 10), PROC(11, 10, 14, 10),
					   PROC(12, 11, 11, 10), PROC(14, 10, 14, 10)};
	struct session_plan plan;

	(void)state;
	assert_int_not_equal(plan_sessions(recs, NR(recs), &plan), 0);
}

/* A process sharing its parent's descriptor table must be created by that parent. */
static void test_shared_files(void **state)
{
	const struct rec_process by_parent[] = {PROC(10, 1, 10, 10), SHARES_FILES(11, 10, 11, 10),
						SHARES_FILES(12, 11, 10, 10)};
	const struct rec_process orphan[] = {SUBREAPER(10, 1, 10, 10),
					     SHARES_FILES(12, 10, 11, 11)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(by_parent, NR(by_parent), &plan), 0);
	assert_int_equal(plan.procs[1].creator, 10);
	assert_int_equal(plan.procs[2].creator, 11);
	free_session_plan(&plan);
	/* 12's session helper 11 forks it: it could not have 10's table. */
	assert_int_not_equal(plan_sessions(orphan, NR(orphan), &plan), 0);
}

/* The root of a shell job: its group and session are the shell's, outside the tree. */
static void test_shell_job(void **state)
{
	const struct rec_process recs[] = {PROC(10, 5, 10, 3), PROC(11, 10, 10, 3)};
	const struct rec_process in_shell_group[] = {PROC(10, 5, 4, 3), PROC(11, 10, 4, 3)};
	struct session_plan plan;

	(void)state;
	assert_int_equal(plan_sessions(recs, NR(recs), &plan), 0);
	assert_int_equal(plan.nr_helpers, 0);
	free_session_plan(&plan);
	assert_int_equal(plan_sessions(in_shell_group, NR(in_shell_group), &plan), 0);
	assert_int_equal(plan.nr_helpers, 0);
	assert_false(joins_group_late(in_shell_group, 2, &in_shell_group[1]));
	free_session_plan(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_tree),
	    cmocka_unit_test(test_shared_files),
	    cmocka_unit_test(test_child_of_former_session),
	    cmocka_unit_test(test_former_session_chain),
	    cmocka_unit_test(test_dead_session_leader),
	    cmocka_unit_test(test_zombie_session_leader),
	    cmocka_unit_test(test_dead_session_leader_no_subreaper),
	    cmocka_unit_test(test_dead_group_leader),
	    cmocka_unit_test(test_group_leader_moved),
	    cmocka_unit_test(test_shell_job),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
