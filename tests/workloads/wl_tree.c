// SPDX-License-Identifier: MIT
/*
 * A tree of 20 processes on three levels, with four sessions, eight process groups, three
 * zombies and an orphan:
 *
 *   root (session leader: the driver starts it with setsid), PR_SET_CHILD_SUBREAPER
 *   |-- A  setsid()          A1, A2
 *   |-- B  setsid()          B1 setpgid(0, 0), B2, B3 zombie: exit(random)
 *   |-- C  setpgid(0, 0)     C1, C2
 *   |-- D  setpgid(0, 0)     D1 setpgid(0, 0), D2
 *   |-- E                    E1, E2
 *   |-- F  setsid(), forks F1, exits and is reaped before READY
 *   |-- F1 orphan: F's child, reparented to root; in F's session and group, whose leader is gone
 *   |-- Z1 zombie: exit(random)
 *   `-- Z2 zombie: killed by a random signal
 *
 * Every live process holds memory of its own, filled from a seed of its own, on top of the
 * (copy-on-write) memory it inherited from its ancestors, and knows the exit status its parent
 * expects of it: a random code its parent chose before forking it.
 *
 * Without pipes (cryo cannot restore them yet) the processes report through the kernel alone:
 * each one tells that it is set up by creating a file ready.INDEX in the test directory, and
 * after go checks itself, reaps its children and checks their exact wait statuses, then exits
 * with its code, or 1 when anything was wrong. Zombies must be reaped at once, with WNOHANG,
 * and with their exact status: a zombie restored as a process that runs again would not be.
 * F1 must still be the root's child, which chose its exit code before forking F, and the root
 * still a child subreaper.
 * The root prints PASS only when it and all its descendants checked out.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum role {
	PLAIN,
	NEW_SESSION,
	NEW_GROUP,
	ZOMBIE_EXIT,
	ZOMBIE_SIGNAL,
	/* setsid(), forks its children, exits once they are ready: they are orphans */
	ORPHANER,
};

struct node {
	const char *name;
	int parent;
	enum role role;
};

/* Parents come before their children: index in the comments. */
static const struct node nodes[] = {
    {"root", -1, PLAIN},      /* 0 */
    {"A", 0, NEW_SESSION},    /* 1 */
    {"A1", 1, PLAIN},	      /* 2 */
    {"A2", 1, PLAIN},	      /* 3 */
    {"B", 0, NEW_SESSION},    /* 4 */
    {"B1", 4, NEW_GROUP},     /* 5 */
    {"B2", 4, PLAIN},	      /* 6 */
    {"B3", 4, ZOMBIE_EXIT},   /* 7 */
    {"C", 0, NEW_GROUP},      /* 8 */
    {"C1", 8, PLAIN},	      /* 9 */
    {"C2", 8, PLAIN},	      /* 10 */
    {"D", 0, NEW_GROUP},      /* 11 */
    {"D1", 11, NEW_GROUP},    /* 12 */
    {"D2", 11, PLAIN},	      /* 13 */
    {"E", 0, PLAIN},	      /* 14 */
    {"E1", 14, PLAIN},	      /* 15 */
    {"E2", 14, PLAIN},	      /* 16 */
    {"F", 0, ORPHANER},	      /* 17 */
    {"F1", 17, PLAIN},	      /* 18 */
    {"Z1", 0, ZOMBIE_EXIT},   /* 19 */
    {"Z2", 0, ZOMBIE_SIGNAL}, /* 20 */
};
#define NR_NODES (int)(sizeof(nodes) / sizeof(nodes[0]))

/* Signals whose default action kills without a core dump, which would add a flag to the status. */
static const int zombie_signals[] = {SIGHUP,  SIGINT,  SIGUSR1, SIGUSR2,
				     SIGPIPE, SIGALRM, SIGTERM, SIGKILL};

#define MAX_LAYERS 3
#define READY_TIMEOUT_NS (60 * 1000000000ll)

/* A buffer filled from a seed: the process's own, or one inherited from an ancestor. */
struct layer {
	const char *owner;
	uint8_t *buf;
	size_t len;
	uint64_t seed;
};

/*
 * This process, as recorded before READY. A child starts with a copy of its parent's: its
 * layers are the parent's plus its own.
 */
static struct {
	int index;
	pid_t pid, ppid, sid, pgid;
	struct layer layers[MAX_LAYERS];
	int nr_layers;
	bool ok;
} me;

/*
 * The pids of this process, its ancestors and its children (an adopted one's read from its ready
 * file); the wait status each child must end with, chosen by the parent that reaps it.
 */
static pid_t pids[NR_NODES];
static int want_status[NR_NODES];

static bool is_zombie(int index)
{
	return nodes[index].role == ZOMBIE_EXIT || nodes[index].role == ZOMBIE_SIGNAL;
}

/* Exited and reaped before READY: neither a process nor a zombie at dump time. */
static bool is_gone(int index)
{
	return nodes[index].role == ORPHANER;
}

/*
 * The parent of a non-root node once the tree is set up: an orphaner's children belong to the
 * root, a subreaper.
 */
static int final_parent(int index)
{
	int parent = nodes[index].parent;

	return parent < 0 || is_gone(parent) ? 0 : parent;
}

/*
 * wl_check() naming this process, which also fails it: the children do not call wl_finish(),
 * they report through their exit status.
 */
static bool __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	me.ok = false;
	return wl_check(false, "%s (pid %d): %s", nodes[me.index].name, (int)me.pid, why);
}

static void describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal %d%s", WTERMSIG(status),
			 WCOREDUMP(status) ? " (core)" : "");
	else
		snprintf(buf, size, "status %#x", status);
}

/* The wait status child index must end with, chosen at random by its parent. */
static int pick_status(int index)
{
	uint64_t r = wl_random_u64();

	switch (nodes[index].role) {
	case ZOMBIE_EXIT:
		return (int)(1 + r % 255) << 8;
	case ZOMBIE_SIGNAL:
		return zombie_signals[r % (sizeof(zombie_signals) / sizeof(zombie_signals[0]))];
	default:
		/* 2..127: never 1, which means a failed check. */
		return (int)(2 + r % 126) << 8;
	}
}

static void add_layer(size_t len)
{
	struct layer *l = &me.layers[me.nr_layers++];

	l->owner = nodes[me.index].name;
	l->len = len;
	l->seed = wl_random_u64();
	l->buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l->buf == MAP_FAILED)
		wl_die("%s: mmap %zu bytes: %s", l->owner, len, strerror(errno));
	wl_fill(l->buf, len, l->seed);
}

static void record_ids(void)
{
	me.pid = getpid();
	me.ppid = getppid();
	me.sid = getsid(0);
	me.pgid = getpgid(0);
	pids[me.index] = me.pid;
}

/*
 * Become node index, just forked by the process me still describes: take the session or group
 * the node asks for, and check that the kernel agrees with what the tree says it must be.
 */
static void become(int index)
{
	pid_t parent = me.pid, parent_sid = me.sid, parent_pgid = me.pgid;
	enum role role = nodes[index].role;
	bool new_session = role == NEW_SESSION || role == ORPHANER;

	me.index = index;
	if (new_session && setsid() < 0)
		wl_die("%s: setsid: %s", nodes[index].name, strerror(errno));
	if (role == NEW_GROUP && setpgid(0, 0))
		wl_die("%s: setpgid: %s", nodes[index].name, strerror(errno));
	record_ids();
	if (me.ppid != parent || me.sid != (new_session ? me.pid : parent_sid) ||
	    me.pgid != (new_session || role == NEW_GROUP ? me.pid : parent_pgid))
		wl_die("%s: ppid %d sid %d pgid %d do not follow from parent %d (sid %d, pgid %d)",
		       nodes[index].name, me.ppid, me.sid, me.pgid, parent, parent_sid,
		       parent_pgid);
}

/* A zombie-to-be ends at once, as its parent chose: an exit code or a signal. */
static __attribute__((noreturn)) void die_now(int index)
{
	int status = want_status[index];
	sigset_t set;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	/* A background job of a non-interactive shell inherits SIGINT ignored: undo that. */
	signal(WTERMSIG(status), SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, WTERMSIG(status));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(WTERMSIG(status));
	_exit(126);
}

/* Block until child index is a zombie, leaving it one (WNOWAIT), and check how it ended. */
static void await_zombie(int index)
{
	siginfo_t si = {0};
	int status = want_status[index];

	while (waitid(P_PID, pids[index], &si, WEXITED | WNOWAIT)) {
		if (errno != EINTR)
			wl_die("%s: waitid: %s", nodes[index].name, strerror(errno));
	}
	if (WIFEXITED(status) ? si.si_code != CLD_EXITED || si.si_status != WEXITSTATUS(status)
			      : si.si_code != CLD_KILLED || si.si_status != WTERMSIG(status))
		wl_die("%s ended with code %d, status %d, not as chosen (%#x)", nodes[index].name,
		       si.si_code, si.si_status, status);
}

static void ready_path(char *buf, size_t size, int index)
{
	char name[32];

	snprintf(name, sizeof(name), "ready.%d", index);
	wl_path(buf, size, name);
}

/* The ready file holds the pid, for the root to find an orphan: it appears whole (rename). */
static void mark_ready(void)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	ready_path(path, sizeof(path), me.index);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%d\n", (int)me.pid) < 0 || fclose(f) || rename(tmp, path))
		wl_die("%s: create %s: %s", nodes[me.index].name, path, strerror(errno));
}

/* Until node index has created its ready file. */
static void await_ready(int index, int64_t deadline)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	char path[PATH_MAX];

	ready_path(path, sizeof(path), index);
	while (access(path, F_OK)) {
		if (wl_now_ns() > deadline)
			wl_die("%s never got ready", nodes[index].name);
		nanosleep(&tick, NULL);
	}
}

static pid_t ready_pid(int index)
{
	char path[PATH_MAX], *text;
	pid_t pid;

	ready_path(path, sizeof(path), index);
	text = wl_read_file(path, NULL);
	pid = (pid_t)strtol(text, NULL, 10);
	free(text);
	if (pid <= 0)
		wl_die("%s: no pid in %s", nodes[index].name, path);
	return pid;
}

/*
 * An orphaner exited once its children were ready: reap it, checking how it ended, and adopt its
 * children, now this process's (a subreaper's).
 */
static void reap_orphaner(int index)
{
	int i;

	await_zombie(index);
	if (waitpid(pids[index], NULL, 0) != pids[index])
		wl_die("%s: waitpid: %s", nodes[index].name, strerror(errno));
	for (i = 0; i < NR_NODES; i++)
		if (nodes[i].parent == index)
			pids[i] = ready_pid(i);
}

static void run_child(int index) __attribute__((noreturn));

/*
 * Fork the children of this process, wait until those meant to be zombies are, and reap the
 * orphaners. The exit codes of orphans to adopt are chosen here too: they inherit them.
 */
static void spawn_children(void)
{
	int i;

	for (i = 1; i < NR_NODES; i++)
		if (final_parent(i) == me.index)
			want_status[i] = pick_status(i);
	for (i = 0; i < NR_NODES; i++) {
		if (nodes[i].parent != me.index)
			continue;
		/* The child must not inherit output still buffered: it would print it again. */
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0)
			wl_die("%s: fork: %s", nodes[me.index].name, strerror(errno));
		if (!pids[i])
			run_child(i);
	}
	for (i = 0; i < NR_NODES; i++) {
		if (nodes[i].parent == me.index && is_zombie(i))
			await_zombie(i);
		if (nodes[i].parent == me.index && is_gone(i))
			reap_orphaner(i);
	}
}

/*
 * Own memory of 64 KiB to 2 MiB, then the children: they inherit it, and share its pages with
 * this process (copy-on-write) since nobody writes to them again.
 */
static void build(void)
{
	add_layer((16 + wl_random_u64() % 497) * WL_PAGE);
	spawn_children();
}

/* After go: the same process, in the same place of the tree, with the same memory. */
static void check_self(void)
{
	int parent = final_parent(me.index), i;

	check(getpid() == me.pid, "getpid() is %d", (int)getpid());
	/* The root's parent is whoever restored it: only its descendants know theirs. */
	if (me.index)
		check(getppid() == pids[parent], "parent %d, want %d (%s)", (int)getppid(),
		      (int)pids[parent], nodes[parent].name);
	check(getsid(0) == me.sid, "session %d, want %d", (int)getsid(0), (int)me.sid);
	check(getpgid(0) == me.pgid, "group %d, want %d", (int)getpgid(0), (int)me.pgid);
	for (i = 0; i < me.nr_layers; i++) {
		char what[64];

		snprintf(what, sizeof(what), "%s (pid %d): memory of %s", nodes[me.index].name,
			 (int)me.pid, me.layers[i].owner);
		if (!wl_check_fill(what, me.layers[i].buf, me.layers[i].len, me.layers[i].seed))
			me.ok = false;
	}
}

/* Reap child index and check its exact wait status. */
static void reap_child(int index)
{
	char got[64], want[64];
	int status;
	pid_t r;

	/* A zombie is dead already: it must not have to be waited for. */
	do
		r = waitpid(pids[index], &status, is_zombie(index) ? WNOHANG : 0);
	while (r < 0 && errno == EINTR);
	if (!check(r == pids[index], "waitpid(%s, pid %d) returned %d (%s)", nodes[index].name,
		   (int)pids[index], (int)r, r ? strerror(errno) : "still running"))
		return;
	describe_status(status, got, sizeof(got));
	describe_status(want_status[index], want, sizeof(want));
	check(status == want_status[index], "%s (pid %d) ended with %s, want %s", nodes[index].name,
	      (int)pids[index], got, want);
}

static void reap_children(void)
{
	int i, status;
	pid_t r;

	for (i = 1; i < NR_NODES; i++)
		if (final_parent(i) == me.index && !is_gone(i))
			reap_child(i);
	r = waitpid(-1, &status, WNOHANG);
	check(r < 0 && errno == ECHILD, "a child nobody forked: waitpid(-1) returned %d", (int)r);
}

/*
 * An orphaner, once its children are set up (their parent checked): exits, leaving them to the
 * root, with the code the root chose.
 */
static __attribute__((noreturn)) void leave_orphans(int index)
{
	int64_t deadline = wl_now_ns() + READY_TIMEOUT_NS;
	int i;

	for (i = 0; i < NR_NODES; i++)
		if (nodes[i].parent == index)
			await_ready(i, deadline);
	exit(WEXITSTATUS(want_status[index]));
}

/* A live child: set up, tell the root, wait for go, check, report through the exit status. */
static void run_child(int index)
{
	become(index);
	if (is_zombie(index))
		die_now(index);
	build();
	if (is_gone(index))
		leave_orphans(index);
	mark_ready();
	wl_wait_go();
	me.ok = true;
	check_self();
	reap_children();
	exit(me.ok ? WEXITSTATUS(want_status[index]) : 1);
}

/* The root: until every live descendant has created its ready file. */
static void wait_tree_ready(void)
{
	int64_t deadline = wl_now_ns() + READY_TIMEOUT_NS;
	int i;

	for (i = 1; i < NR_NODES; i++)
		if (!is_zombie(i) && !is_gone(i))
			await_ready(i, deadline);
}

static void check_subreaper(void)
{
	int subreaper = -1;

	if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper))
		subreaper = -errno;
	check(subreaper == 1, "PR_GET_CHILD_SUBREAPER gives %d, want 1", subreaper);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	me.index = 0;
	record_ids();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		wl_die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	build();
	wait_tree_ready();
	wl_ready();
	wl_wait_go();
	me.ok = true;
	check_self();
	check_subreaper();
	reap_children();
	return wl_finish();
}
