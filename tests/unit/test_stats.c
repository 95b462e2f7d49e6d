// SPDX-License-Identifier: MIT
/*
 * Unit tests of the statistics: what processes forked after stats_init() count reaches the
 * process that prints them; a restore's phases, each over when the last process ends it, follow
 * one another and fit in the total; the lines printed are the ones the README shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/stats.h"

#define MS 1000000ull

/* What print writes, as a string. */
static char *printed(void (*print)(int fd))
{
	int fd = memfd_create("stats", 0);
	char *buf = calloc(1, 4096);
	ssize_t n;

	assert_true(fd >= 0 && buf);
	print(fd);
	n = pread(fd, buf, 4095, 0);
	assert_true(n > 0);
	close(fd);
	return buf;
}

/* The number of "name: number ..." in text, which must be there. */
static double value_of(const char *text, const char *name)
{
	const char *line = text;
	size_t len = strlen(name);

	while (line && (strncmp(line, name, len) || strncmp(line + len, ": ", 2))) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		fail_msg("no line '%s: ...' in:\n%s", name, text);
	return strtod(line + len + 2, NULL);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * MS};

	nanosleep(&ts, NULL);
}

/* Each fn in a child process, all at once, as the processes of a restore run. */
static void in_children(void (*const *fns)(void), int nr)
{
	int i, status;

	for (i = 0; i < nr; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			fns[i]();
			_exit(0);
		}
	}
	for (i = 0; i < nr; i++) {
		assert_true(wait(&status) > 0);
		assert_int_equal(status, 0);
	}
}

static void count_a_thousand(void)
{
	stats_count(STATS_PAGES_RESTORED, 1000);
}

static void test_children_count(void **state)
{
	static void (*const fns[])(void) = {count_a_thousand, count_a_thousand, count_a_thousand};

	assert_int_equal(stats_init(), 0);
	stats_count(STATS_PAGES_RESTORED, 5);
	in_children(fns, 3);
	assert_int_equal(stats_get(STATS_PAGES_RESTORED), 3005);
	assert_int_equal(stats_get(STATS_PAGES_WRITTEN), 0);
}

static void memory_in_5ms(void)
{
	sleep_ms(5);
	stats_phase_end(STATS_MEMORY);
	stats_phase_end(STATS_FORK);
}

static void memory_in_30ms(void)
{
	sleep_ms(30);
	stats_phase_end(STATS_MEMORY);
	stats_phase_end(STATS_FORK);
}

/* The memory phase is over when the last process ends it, not the first. */
static void test_restore_phases_follow(void **state)
{
	static void (*const fns[])(void) = {memory_in_30ms, memory_in_5ms};
	double load, fork, memory, finish, total;
	char *out;

	assert_int_equal(stats_init(), 0);
	stats_phase_end(STATS_LOAD);
	in_children(fns, 2);
	stats_phase_end(STATS_FINISH);
	out = printed(stats_print_restore);
	load = value_of(out, "load time");
	fork = value_of(out, "fork time");
	memory = value_of(out, "memory time");
	finish = value_of(out, "finish time");
	total = value_of(out, "total time");
	assert_true(memory >= 30.0);
	assert_true(load + fork + memory + finish <= total);
	assert_int_equal(value_of(out, "pages restored"), 0);
	free(out);
}

static void test_dump_lines(void **state)
{
	static const char *const names[] = {
	    "freeze time",   "memory time",   "write time",    "frozen time",  "total time",
	    "pages scanned", "pages written", "pages skipped", "pages shared",
	};
	char *out, *line;
	size_t i;

	assert_int_equal(stats_init(), 0);
	stats_add_time(STATS_WRITE, stats_now() - 3 * MS);
	stats_add_time(STATS_WRITE, stats_now() - 4 * MS);
	stats_count(STATS_PAGES_SCANNED, 12);
	stats_count(STATS_PAGES_WRITTEN, 7);
	stats_count(STATS_PAGES_SKIPPED, 5);
	out = printed(stats_print_dump);
	/* one line each, in this order, times in ms with three decimals */
	for (i = 0, line = out; i < sizeof(names) / sizeof(names[0]); i++) {
		char *end = strchr(line, '\n');
		double v;
		char unit[3];

		assert_non_null(end);
		assert_memory_equal(line, names[i], strlen(names[i]));
		if (strstr(names[i], " time")) {
			assert_int_equal(sscanf(line + strlen(names[i]), ": %lf %2s", &v, unit), 2);
			assert_string_equal(unit, "ms");
			assert_int_equal(end[-7], '.');
		}
		line = end + 1;
	}
	assert_string_equal(line, "");
	assert_true(value_of(out, "write time") >= 7.0);
	assert_int_equal(value_of(out, "pages scanned"), 12);
	assert_int_equal(value_of(out, "pages written"), 7);
	assert_int_equal(value_of(out, "pages skipped"), 5);
	assert_int_equal(value_of(out, "pages shared"), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_children_count),
	    cmocka_unit_test(test_restore_phases_follow),
	    cmocka_unit_test(test_dump_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
