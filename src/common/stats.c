// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#include "common/log.h"
#include "common/stats.h"
#include "common/util.h"

struct stats {
	uint64_t start;			 /* of the command */
	uint64_t spent[STATS_NR_PHASES]; /* the pieces of a phase, added up */
	uint64_t end[STATS_NR_PHASES];	 /* when the last process ended a phase */
	uint64_t count[STATS_NR_COUNTERS];
};

static const char *const phase_names[STATS_NR_PHASES] = {
	[STATS_FREEZE] = "freeze", [STATS_FROZEN] = "frozen", [STATS_LOAD] = "load",
	[STATS_FORK] = "fork",	   [STATS_MEMORY] = "memory", [STATS_WRITE] = "write",
	[STATS_FINISH] = "finish",
};

static const char *const counter_names[STATS_NR_COUNTERS] = {
	[STATS_PAGES_SCANNED] = "pages scanned",   [STATS_PAGES_WRITTEN] = "pages written",
	[STATS_PAGES_SKIPPED] = "pages skipped",   [STATS_PAGES_SHARED] = "pages shared",
	[STATS_PAGES_RESTORED] = "pages restored",
};

/* Until stats_init(), a private record: nothing is lost, nothing is shared. */
static struct stats private_stats;
static struct stats *stats = &private_stats;

uint64_t stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int stats_init(void)
{
	struct stats *shared =
	    mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shared == MAP_FAILED)
		return pr_perror("cannot map the statistics");
	shared->start = stats_now();
	stats = shared;
	return 0;
}

void stats_add_time(enum stats_phase phase, uint64_t since)
{
	__atomic_add_fetch(&stats->spent[phase], stats_now() - since, __ATOMIC_RELAXED);
}

void stats_phase_end(enum stats_phase phase)
{
	uint64_t now = stats_now(), end = __atomic_load_n(&stats->end[phase], __ATOMIC_RELAXED);

	while (end < now && !__atomic_compare_exchange_n(&stats->end[phase], &end, now, 0,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void stats_count(enum stats_counter counter, uint64_t n)
{
	__atomic_add_fetch(&stats->count[counter], n, __ATOMIC_RELAXED);
}

uint64_t stats_get(enum stats_counter counter)
{
	return __atomic_load_n(&stats->count[counter], __ATOMIC_RELAXED);
}

static void print_time(int fd, const char *name, uint64_t ns)
{
	dprintf(fd, "%s time: %.3f ms\n", name, ns / 1e6);
}

static void print_counters(int fd, const enum stats_counter *counters, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		dprintf(fd, "%s: %llu\n", counter_names[counters[i]],
			(unsigned long long)stats_get(counters[i]));
}

void stats_print_dump(int fd)
{
	static const enum stats_phase phases[] = {STATS_FREEZE, STATS_MEMORY, STATS_WRITE,
						  STATS_FROZEN};
	static const enum stats_counter counters[] = {STATS_PAGES_SCANNED, STATS_PAGES_WRITTEN,
						      STATS_PAGES_SKIPPED, STATS_PAGES_SHARED};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(phases); i++)
		print_time(fd, phase_names[phases[i]], stats->spent[phases[i]]);
	print_time(fd, "total", stats_now() - stats->start);
	print_counters(fd, counters, ARRAY_SIZE(counters));
}

/* Each phase from where the one before it ended to where it ended. */
void stats_print_restore(int fd)
{
	static const enum stats_phase phases[] = {STATS_LOAD, STATS_MEMORY, STATS_FORK,
						  STATS_FINISH};
	static const enum stats_counter counters[] = {STATS_PAGES_RESTORED};
	uint64_t from = stats->start;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(phases); i++) {
		uint64_t end = stats->end[phases[i]];

		/* a phase no process reached took no time */
		if (end < from)
			end = from;
		print_time(fd, phase_names[phases[i]], end - from);
		from = end;
	}
	print_time(fd, "total", stats_now() - stats->start);
	print_counters(fd, counters, ARRAY_SIZE(counters));
}
