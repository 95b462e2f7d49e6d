// SPDX-License-Identifier: MIT
/*
 * epoll instances, each registration with random data:
 *
 *   main     level-triggered: an eventfd holding a count, a timerfd that fired, the read end of a
 *            pipe holding bytes, an epoll instance (nested) with a ready eventfd; edge-triggered:
 *            an empty eventfd; EPOLLEXCLUSIVE: an empty eventfd; EPOLLONESHOT: the write end of
 *            a pipe, reported once before the dump (so disabled), and another not reported yet;
 *            an eventfd registered at fd 900 and then closed there (open at another number).
 *   shared   an instance this process shares with its child, where the child registered an
 *            eventfd of its own at fd 950, a number that is another eventfd in this process.
 *
 * After go: the ready ones are reported with their data, again for level-triggered ones, once for
 * the one-shot one, never for the disabled one; the edge-triggered one once per write; the
 * closed one when written through its other number, fd 900 still closed; the child's when it
 * writes, fd 950 here still this process's own eventfd.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLOSED_FD 900
#define CHILD_FD 950
#define TIMEOUT_MS 20000

enum target {
	T_COUNT,     /* eventfd with a count, level-triggered */
	T_EDGE,	     /* empty eventfd, edge-triggered */
	T_TIMER,     /* timerfd that fired */
	T_PIPE,	     /* read end of a pipe with bytes in it */
	T_FIRED,     /* one-shot, reported before the dump */
	T_ONESHOT,   /* one-shot, not reported yet */
	T_EXCLUSIVE, /* empty eventfd, EPOLLEXCLUSIVE */
	T_CLOSED,    /* registered at fd 900, since closed */
	T_NESTED,    /* an epoll instance with a ready eventfd */
	T_CHILD,     /* in the shared instance: the child's eventfd at fd 950 */
	NR_TARGETS
};

static const char *const names[NR_TARGETS] = {
    "count", "edge", "timer", "pipe", "fired", "oneshot", "exclusive", "closed", "nested", "child",
};

static uint64_t data[NR_TARGETS];
static int epfd, shared_epfd, edge_fd, exclusive_fd, closed_fd, count_fd;
static uint64_t fd950_value;
static int child_done[2]; /* the parent closes its end once it saw the child's event */
static pid_t child;

static int must(int ret, const char *what)
{
	if (ret < 0)
		wl_die("%s: %s", what, strerror(errno));
	return ret;
}

static void add(int ep, int fd, uint32_t events, enum target t)
{
	struct epoll_event ev = {.events = events, .data.u64 = data[t]};

	must(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), names[t]);
}

static void put(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		wl_die("write: %s", strerror(errno));
}

/* The targets reported by ep within timeout_ms, a bit each; an unknown data is a failure. */
static unsigned int reported(int ep, int timeout_ms)
{
	struct epoll_event evs[NR_TARGETS + 4];
	unsigned int seen = 0;
	int n, i, t;

	n = epoll_wait(ep, evs, NR_TARGETS + 4, timeout_ms);
	for (i = 0; i < n; i++) {
		for (t = 0; t < NR_TARGETS && evs[i].data.u64 != data[t]; t++)
			;
		if (!wl_check(t < NR_TARGETS, "an event with unknown data %#lx",
			      (unsigned long)evs[i].data.u64))
			continue;
		wl_check(evs[i].events & (t == T_ONESHOT || t == T_FIRED ? EPOLLOUT : EPOLLIN),
			 "%s reported with events %#x", names[t], evs[i].events);
		seen |= 1u << t;
	}
	return seen;
}

static void check_reported(const char *when, unsigned int got, unsigned int want)
{
	char list[256] = "";
	int t;

	for (t = 0; t < NR_TARGETS; t++)
		if ((got ^ want) & (1u << t))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s%s",
				 got & (1u << t) ? "+" : "-", names[t]);
	wl_check(got == want, "%s: reported targets differ (+ extra, - missing):%s", when, list);
}

static int make_eventfd(unsigned int count)
{
	return must(eventfd(count, EFD_NONBLOCK), "eventfd");
}

static void make_main(void)
{
	struct itimerspec its = {.it_value = {0, 1000000}};
	int p[2], q[2], q2[2], timer, nested, nested_ev;

	epfd = must(epoll_create1(0), "epoll_create1");
	count_fd = make_eventfd(7);
	add(epfd, count_fd, EPOLLIN, T_COUNT);
	edge_fd = make_eventfd(0);
	add(epfd, edge_fd, EPOLLIN | EPOLLET, T_EDGE);
	timer = must(timerfd_create(CLOCK_MONOTONIC, 0), "timerfd_create");
	must(timerfd_settime(timer, 0, &its, NULL), "timerfd_settime");
	add(epfd, timer, EPOLLIN, T_TIMER);
	must(pipe(p), "pipe");
	if (write(p[1], "bytes", 5) != 5)
		wl_die("write: %s", strerror(errno));
	add(epfd, p[0], EPOLLIN, T_PIPE);
	must(pipe(q), "pipe");
	add(epfd, q[1], EPOLLOUT | EPOLLONESHOT, T_FIRED);
	exclusive_fd = make_eventfd(0);
	add(epfd, exclusive_fd, EPOLLIN | EPOLLEXCLUSIVE, T_EXCLUSIVE);
	closed_fd = make_eventfd(0);
	must(dup2(closed_fd, CLOSED_FD), "dup2");
	add(epfd, CLOSED_FD, EPOLLIN, T_CLOSED);
	close(CLOSED_FD);
	nested = must(epoll_create1(0), "epoll_create1");
	nested_ev = make_eventfd(1);
	must(epoll_ctl(nested, EPOLL_CTL_ADD, nested_ev, &(struct epoll_event){.events = EPOLLIN}),
	     "nested");
	add(epfd, nested, EPOLLIN, T_NESTED);
	usleep(50000); /* the timer fires */
	check_reported("before the dump", reported(epfd, 0),
		       1u << T_COUNT | 1u << T_TIMER | 1u << T_PIPE | 1u << T_FIRED |
			   1u << T_NESTED);
	must(pipe(q2), "pipe");
	add(epfd, q2[1], EPOLLOUT | EPOLLONESHOT, T_ONESHOT);
}

/*
 * The child registers an eventfd of its own at fd 950, and writes it after go. It stays until the
 * parent has seen it: its exit would take the registration away.
 */
static void run_child(int ready)
{
	int fd = make_eventfd(0);
	char c;

	if (dup2(fd, CHILD_FD) != CHILD_FD)
		_exit(2);
	close(fd);
	add(shared_epfd, CHILD_FD, EPOLLIN, T_CHILD);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	close(child_done[1]);
	wl_wait_go();
	put(CHILD_FD, 1);
	_exit(read(child_done[0], &c, 1) == 0 ? 0 : 4);
}

static void make_shared(void)
{
	int sync[2], fd;
	char c;

	shared_epfd = must(epoll_create1(0), "epoll_create1");
	must(pipe(sync), "pipe");
	must(pipe(child_done), "pipe");
	fflush(stdout);
	child = must(fork(), "fork");
	if (child == 0)
		run_child(sync[1]);
	close(sync[1]);
	close(child_done[0]);
	if (read(sync[0], &c, 1) != 1)
		wl_die("the child did not register its eventfd");
	close(sync[0]);
	/* Here fd 950 is another eventfd, with a count of its own. */
	fd950_value = 1 + wl_random_u64() % 1000000;
	fd = make_eventfd(0);
	put(fd, fd950_value);
	must(dup2(fd, CHILD_FD), "dup2");
	close(fd);
}

static void check_main(void)
{
	unsigned int level = 1u << T_COUNT | 1u << T_TIMER | 1u << T_PIPE | 1u << T_NESTED;
	struct epoll_event ev = {.events = EPOLLIN};

	check_reported("first wait", reported(epfd, 0), level | 1u << T_ONESHOT);
	check_reported("second wait", reported(epfd, 0), level);
	put(edge_fd, 1);
	check_reported("edge written", reported(epfd, 0), level | 1u << T_EDGE);
	check_reported("edge not written again", reported(epfd, 0), level);
	put(edge_fd, 1);
	check_reported("edge written again", reported(epfd, 0), level | 1u << T_EDGE);
	put(exclusive_fd, 1);
	check_reported("exclusive written", reported(epfd, 0), level | 1u << T_EXCLUSIVE);
	put(closed_fd, 1);
	check_reported("closed written", reported(epfd, 0),
		       level | 1u << T_EXCLUSIVE | 1u << T_CLOSED);
	wl_check(fcntl(CLOSED_FD, F_GETFD) < 0 && errno == EBADF, "fd %d is open", CLOSED_FD);
	wl_check(epoll_ctl(epfd, EPOLL_CTL_ADD, count_fd, &ev) < 0 && errno == EEXIST,
		 "the count eventfd is not registered any more");
}

static void check_shared(void)
{
	uint64_t v = 0;
	int status = -1;

	check_reported("shared", reported(shared_epfd, TIMEOUT_MS), 1u << T_CHILD);
	close(child_done[1]);
	waitpid(child, &status, 0);
	wl_check(status == 0, "the child ended with %#x", status);
	wl_check(read(CHILD_FD, &v, sizeof(v)) == sizeof(v) && v == fd950_value,
		 "fd %d reads %lu, want its own count %lu", CHILD_FD, (unsigned long)v,
		 (unsigned long)fd950_value);
}

int main(int argc, char **argv)
{
	int t;

	wl_init(argc, argv);
	for (t = 0; t < NR_TARGETS; t++)
		data[t] = wl_random_u64();
	make_main();
	make_shared();
	wl_ready();
	wl_wait_go();
	check_main();
	check_shared();
	return wl_finish();
}
