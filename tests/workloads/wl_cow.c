// SPDX-License-Identifier: MIT
/*
 * Copy-on-write sharing after fork: the parent fills MiB (default 512) of private memory with
 * pseudo-random bytes, then forks 10 children, which inherit it and write one page of it each
 * (that page becomes theirs alone). The memory the tree uses is measured as the sum of the
 * proportional set sizes (Pss of /proc/PID/smaps_rollup: a page shared by n processes counts 1/n
 * in each) before READY and after go: restored without the sharing, it would be about 11 times
 * as much. It must stay within 10%. Then every process checks every byte of the buffer, its own
 * page included, and the children report through their exit status.
 *
 *   wl_cow GO_FILE [MiB]
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_CHILDREN 10
#define TOLERANCE 0.10

static uint8_t *buf;
static size_t len;
static uint64_t seed;
static pid_t children[NR_CHILDREN];

/* The page child i writes, and what it writes there. */
static size_t own_page(int i)
{
	return (len / WL_PAGE / NR_CHILDREN) * i + 7;
}

static uint64_t own_seed(int i)
{
	return seed ^ (0x9e3779b97f4a7c15ull * (i + 1));
}

static long pss_kib(pid_t pid)
{
	char path[64], *text, *line;
	long kib = -1;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	text = wl_read_file(path, &n);
	line = text ? strstr(text, "\nPss:") : NULL;
	if (line)
		kib = strtol(line + 5, NULL, 10);
	free(text);
	return kib;
}

/* The memory of the whole tree, in KiB. */
static long tree_pss(void)
{
	long total = pss_kib(getpid());
	int i;

	for (i = 0; i < NR_CHILDREN; i++)
		total += pss_kib(children[i]);
	return total;
}

/* The buffer as process i (-1: the parent) must see it. */
static bool check_buffer(int i)
{
	char what[64];
	bool ok = true;
	size_t page, first;

	snprintf(what, sizeof(what), "the buffer of %s %d", i < 0 ? "the parent" : "child", i);
	if (i < 0)
		return wl_check_fill(what, buf, len, seed);
	/* Around its own page, the parent's bytes; on it, its own. */
	page = own_page(i);
	if (wl_verify(buf, len, seed, &first) != 1 || first / WL_PAGE != page)
		ok = wl_check(false, "%s differs from the parent's elsewhere than its page", what);
	return wl_check_fill(what, buf + page * WL_PAGE, WL_PAGE, own_seed(i)) && ok;
}

static int written[2]; /* each child tells the parent its page is written */

static void run_child(int i)
{
	wl_fill(buf + own_page(i) * WL_PAGE, WL_PAGE, own_seed(i));
	if (write(written[1], "w", 1) != 1)
		_exit(1);
	close(written[1]);
	wl_wait_go();
	_exit(check_buffer(i) ? 0 : 1);
}

int main(int argc, char **argv)
{
	long before, after;
	int i, status;

	wl_init(argc, argv);
	len = (argc > 2 ? strtoul(argv[2], NULL, 10) : 512) << 20;
	seed = wl_random_u64();
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		wl_die("mmap %zu bytes: %s", len, strerror(errno));
	wl_fill(buf, len, seed);
	if (pipe(written))
		wl_die("pipe: %s", strerror(errno));
	for (i = 0; i < NR_CHILDREN; i++) {
		fflush(stdout);
		children[i] = fork();
		if (children[i] < 0)
			wl_die("fork: %s", strerror(errno));
		if (!children[i])
			run_child(i);
	}
	close(written[1]);
	for (i = 0; i < NR_CHILDREN; i++)
		if (read(written[0], &status, 1) != 1)
			wl_die("child %d never wrote its page", i);
	close(written[0]);
	before = tree_pss();
	wl_ready();
	wl_wait_go();
	after = tree_pss();
	wl_check(before > 0 && after > 0 && after <= before * (1 + TOLERANCE) &&
		     after >= before * (1 - TOLERANCE),
		 "the tree uses %ld KiB, %ld KiB before: not within %d%%", after, before,
		 (int)(TOLERANCE * 100));
	printf("tree memory: %ld KiB before, %ld KiB after\n", before, after);
	check_buffer(-1);
	for (i = 0; i < NR_CHILDREN; i++) {
		waitpid(children[i], &status, 0);
		wl_check(status == 0, "child %d ended with status %#x", i, status);
	}
	return wl_finish();
}
