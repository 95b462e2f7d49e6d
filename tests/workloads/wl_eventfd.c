// SPDX-License-Identifier: MIT
/*
 * eventfds:
 *
 *   counter    a random 64-bit count, O_NONBLOCK: one read returns it exactly, the next EAGAIN;
 *   semaphore  EFD_SEMAPHORE with a random count N: each read returns 1, N times, then nothing;
 *   shared     one eventfd in this process and its child: the child adds a random value after
 *              go, the parent reads it there, on top of what it held (still one counter);
 *   empty      count 0, blocking: not readable until written.
 *
 * The child checks nothing itself and reports through its exit status.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_MS 20000

static int counter, semaphore, shared, empty;
static uint64_t counter_value, shared_value, child_adds;
static unsigned int sem_count;
static pid_t child;

static void add(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		wl_die("write %lu into an eventfd: %s", (unsigned long)v, strerror(errno));
}

static int make(unsigned int initial, int flags)
{
	int fd = eventfd(initial, flags);

	if (fd < 0)
		wl_die("eventfd: %s", strerror(errno));
	return fd;
}

static void make_eventfds(void)
{
	/* Above 2^32: eventfd()'s own initial value could not hold it. */
	counter_value = (wl_random_u64() >> 2) + (1ull << 40);
	counter = make(0, EFD_NONBLOCK);
	add(counter, counter_value);
	sem_count = 3 + wl_random_u64() % 200;
	semaphore = make(sem_count, EFD_SEMAPHORE | EFD_NONBLOCK);
	shared_value = 1 + wl_random_u64() % 1000000;
	child_adds = 1 + wl_random_u64() % 1000000;
	shared = make(0, 0);
	add(shared, shared_value);
	empty = make(0, 0);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void check_counter(void)
{
	uint64_t v = 0;

	wl_check(fcntl(counter, F_GETFL) & O_NONBLOCK, "the counter lost O_NONBLOCK");
	wl_check(read(counter, &v, sizeof(v)) == sizeof(v) && v == counter_value,
		 "the counter reads %#lx, want %#lx", (unsigned long)v,
		 (unsigned long)counter_value);
	wl_check(read(counter, &v, sizeof(v)) < 0 && errno == EAGAIN,
		 "the counter is not empty after its read");
}

static void check_semaphore(void)
{
	unsigned int i, ones = 0;
	uint64_t v;

	for (i = 0; i < sem_count + 1; i++)
		if (read(semaphore, &v, sizeof(v)) == sizeof(v))
			ones += v == 1;
		else
			break;
	wl_check(i == sem_count && ones == sem_count,
		 "the semaphore gave %u reads (%u of 1), want %u of 1", i, ones, sem_count);
}

static void check_shared(void)
{
	uint64_t v = 0;
	int status = -1;

	waitpid(child, &status, 0);
	wl_check(status == 0, "the child ended with %#x", status);
	wl_check(readable(shared, TIMEOUT_MS), "the shared eventfd is not readable");
	wl_check(read(shared, &v, sizeof(v)) == sizeof(v) && v == shared_value + child_adds,
		 "the shared eventfd reads %lu, want %lu + %lu", (unsigned long)v,
		 (unsigned long)shared_value, (unsigned long)child_adds);
}

static void check_empty(void)
{
	uint64_t v = 0;

	wl_check(!readable(empty, 0), "the empty eventfd is readable");
	wl_check(!(fcntl(empty, F_GETFL) & O_NONBLOCK), "the empty eventfd became O_NONBLOCK");
	add(empty, 5);
	wl_check(read(empty, &v, sizeof(v)) == sizeof(v) && v == 5,
		 "the empty eventfd reads %lu after 5 was written", (unsigned long)v);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	make_eventfds();
	fflush(stdout);
	child = fork();
	if (child < 0)
		wl_die("fork: %s", strerror(errno));
	if (child == 0) {
		wl_wait_go();
		_exit(write(shared, &child_adds, sizeof(child_adds)) == sizeof(child_adds) ? 0 : 1);
	}
	wl_ready();
	wl_wait_go();
	check_counter();
	check_semaphore();
	check_shared();
	check_empty();
	return wl_finish();
}
