// SPDX-License-Identifier: MIT
/*
 * Anonymous memory shared between processes: the parent maps 64 MiB MAP_SHARED | MAP_ANONYMOUS
 * and forks two children, which inherit the mapping. After the fork the writer child fills it
 * with the stream of a seed of its own; the parent and the reader child take that seed into
 * their private memory, and all three check the content before READY.
 *
 * The parent also maps the first MiB a second time (mremap of old size 0 makes a second VMA of
 * the same pages), before the fork: every process has two VMAs of one object.
 *
 * After go, each process checks the 64 MiB against the seed it holds privately (a restore that
 * lost or mixed up the content fails that). Then the parent asks each child, through a control
 * page at the start of the shared memory, to write a random value of the parent's choosing at a
 * random place, and must see it there: content copied into each process without the sharing
 * would leave the child without the request, or the parent without the answer. Last, the
 * parent's two VMAs must show the same bytes, and a write through one shows through the other.
 *
 * Without pipes the children report through their exit status (and FAIL lines of their own).
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHARED_SIZE (64ul << 20)
#define ALIAS_SIZE (1ul << 20)		  /* mapped twice */
#define DATA_SIZE (SHARED_SIZE - WL_PAGE) /* after the control page */
#define TIMEOUT_NS (30 * 1000000000ll)
#define ANSWER_MARK 0x5a5a5a5a5a5a5a5aull

enum { WRITER, READER, NR_CHILDREN };
static const char *const child_name[NR_CHILDREN] = {"writer child", "reader child"};

/* What a child has done, in control->state. */
enum { SET_UP = 1, CHECKED = 2, CHECK_FAILED = 3 };

/* The first page of the shared memory. */
struct control {
	_Atomic uint64_t seed; /* the writer's, once its data is in */
	_Atomic uint64_t state[NR_CHILDREN];
	/* After go: the parent asks child i to write value at offset of the data... */
	_Atomic uint64_t offset[NR_CHILDREN];
	_Atomic uint64_t value[NR_CHILDREN];
	/* ...and the child answers value ^ ANSWER_MARK once it has. */
	_Atomic uint64_t answer[NR_CHILDREN];
};

static struct control *control;
static uint8_t *data, *alias;
static uint64_t seed; /* private: what this process knows the data to be */
static pid_t children[NR_CHILDREN];

/* One time limit for all the waits of a phase, so that failures do not add up their waits. */
static int64_t deadline;

/* Poll *word every millisecond until it is at least min: its value, or 0 after the deadline. */
static uint64_t wait_at_least(_Atomic uint64_t *word, uint64_t min)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};
	uint64_t v;

	while ((v = atomic_load(word)) < min) {
		if (wl_now_ns() > deadline)
			return 0;
		nanosleep(&tick, NULL);
	}
	return v;
}

static uint64_t wait_nonzero(_Atomic uint64_t *word)
{
	return wait_at_least(word, 1);
}

static void check_data_before_ready(const char *who)
{
	size_t first;

	if (wl_verify(data, DATA_SIZE, seed, &first))
		wl_die("%s: the shared data differs at offset %#zx before READY", who, first);
}

/* After go: the whole content, checked, then the parent's request served. */
static void __attribute__((noreturn)) child_after_go(int i)
{
	char what[64];
	uint64_t value, offset;
	bool ok;

	deadline = wl_now_ns() + TIMEOUT_NS;
	snprintf(what, sizeof(what), "%s (pid %d): shared data", child_name[i], (int)getpid());
	ok = wl_check_fill(what, data, DATA_SIZE, seed);
	atomic_store(&control->state[i], ok ? CHECKED : CHECK_FAILED);
	value = wait_nonzero(&control->value[i]);
	if (!wl_check(value, "%s: no request from the parent through the shared memory",
		      child_name[i]))
		_exit(1);
	offset = atomic_load(&control->offset[i]);
	memcpy(data + offset, &value, sizeof(value));
	atomic_store(&control->answer[i], value ^ ANSWER_MARK);
	_exit(ok ? 0 : 1);
}

static void __attribute__((noreturn)) run_child(int i)
{
	if (i == WRITER) {
		seed = wl_random_u64() | 1;
		wl_fill(data, DATA_SIZE, seed);
		atomic_store(&control->seed, seed);
	} else {
		seed = wait_nonzero(&control->seed);
		if (!seed)
			wl_die("%s: the writer's data never came", child_name[i]);
		check_data_before_ready(child_name[i]);
	}
	atomic_store(&control->state[i], SET_UP);
	wl_wait_go();
	child_after_go(i);
}

static void build(void)
{
	int i;

	deadline = wl_now_ns() + TIMEOUT_NS;
	control =
	    mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (control == MAP_FAILED)
		wl_die("mmap %lu bytes: %s", SHARED_SIZE, strerror(errno));
	data = (uint8_t *)control + WL_PAGE;
	alias = mremap(control, 0, ALIAS_SIZE, MREMAP_MAYMOVE);
	if (alias == MAP_FAILED)
		wl_die("mremap to map the shared memory twice: %s", strerror(errno));
	for (i = 0; i < NR_CHILDREN; i++) {
		fflush(stdout);
		children[i] = fork();
		if (children[i] < 0)
			wl_die("fork: %s", strerror(errno));
		if (!children[i])
			run_child(i);
	}
	for (i = 0; i < NR_CHILDREN; i++)
		if (!wait_nonzero(&control->state[i]))
			wl_die("the %s never got ready", child_name[i]);
	seed = atomic_load(&control->seed);
	check_data_before_ready("parent");
}

/* Child i writes a value of ours where we say: we must see it there. */
static void check_sharing(int i, uint64_t offset)
{
	uint64_t value = wl_random_u64() | 1, got;

	atomic_store(&control->offset[i], offset);
	atomic_store(&control->value[i], value);
	if (!wl_check(wait_nonzero(&control->answer[i]) == (value ^ ANSWER_MARK),
		      "the %s did not answer through the shared memory", child_name[i]))
		return;
	memcpy(&got, data + offset, sizeof(got));
	wl_check(got == value, "the %s wrote %#lx at %#lx, the parent sees %#lx", child_name[i],
		 (unsigned long)value, (unsigned long)offset, (unsigned long)got);
}

/* The two VMAs of the first MiB are one memory. */
static void check_alias(void)
{
	uint64_t value = wl_random_u64(), got;
	size_t offset = WL_PAGE + 8 * (wl_random_u64() % ((ALIAS_SIZE - WL_PAGE) / 8));

	wl_check(!memcmp(alias, control, ALIAS_SIZE),
		 "parent: the two mappings of the first MiB show different bytes");
	memcpy(alias + offset, &value, sizeof(value));
	memcpy(&got, (uint8_t *)control + offset, sizeof(got));
	wl_check(got == value, "parent: a write through the second mapping of the first MiB does "
			       "not show through the first");
}

static void reap_children(void)
{
	int i, status;

	for (i = 0; i < NR_CHILDREN; i++) {
		pid_t r = waitpid(children[i], &status, 0);

		wl_check(r == children[i] && WIFEXITED(status) && !WEXITSTATUS(status),
			 "the %s (pid %d) ended with status %#x", child_name[i], (int)children[i],
			 r == children[i] ? status : -1);
	}
}

int main(int argc, char **argv)
{
	uint64_t offset;
	int i;

	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	deadline = wl_now_ns() + TIMEOUT_NS;
	wl_check_fill("parent: the data the writer child wrote", data, DATA_SIZE, seed);
	/* The children check the whole content before anything is written again. */
	for (i = 0; i < NR_CHILDREN; i++)
		wl_check(wait_at_least(&control->state[i], CHECKED) == CHECKED,
			 "the %s did not check its shared data", child_name[i]);
	offset = 8 * (wl_random_u64() % (DATA_SIZE / 16));
	check_sharing(WRITER, offset);
	check_sharing(READER, offset + DATA_SIZE / 2);
	reap_children();
	check_alias();
	return wl_finish();
}
