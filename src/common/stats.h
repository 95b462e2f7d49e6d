/* SPDX-License-Identifier: MIT */
/*
 * What a dump or a restore measures, for --display-stats and the progress line: how long each
 * phase took and how many pages went through. The record lives in a page shared with every
 * process forked after stats_init(): the processes a restore creates count the pages they read
 * into it. A count is one atomic add, a timed piece two reads of CLOCK_MONOTONIC.
 */
#ifndef CRYO_COMMON_STATS_H
#define CRYO_COMMON_STATS_H

#include <stdint.h>

enum stats_phase {
	STATS_FREEZE, /* dump: seizing every thread of the tree */
	STATS_FROZEN, /* dump: from the start of the freeze until the tree is let go */
	STATS_LOAD,   /* restore: reading and checking the images, waiting for the PIDs */
	STATS_FORK,   /* restore: creating the processes, each with its descriptors */
	STATS_MEMORY, /* dump: PAGEMAP_SCAN and copying pages; restore: premapping, reading pages */
	STATS_WRITE,  /* dump: writing the pages to the images */
	STATS_FINISH, /* restore: the restorers, the threads, letting the tree go */
	STATS_NR_PHASES,
};

enum stats_counter {
	STATS_PAGES_SCANNED,  /* dump: pages of the VMAs PAGEMAP_SCAN looked at */
	STATS_PAGES_WRITTEN,  /* dump: pages stored in the images */
	STATS_PAGES_SKIPPED,  /* dump: scanned but not stored: never touched, zero, file's own */
	STATS_PAGES_SHARED,   /* dump: not stored, still shared copy-on-write with the parent */
	STATS_PAGES_RESTORED, /* restore: pages read back into the processes */
	STATS_NR_COUNTERS,
};

/* Before anything is counted or forked: the shared record, and the start of the command. */
int stats_init(void);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t stats_now(void);
/* A phase done in pieces (the memory and write phases of a dump alternate): one more piece. */
void stats_add_time(enum stats_phase phase, uint64_t since);
/*
 * The phases of a restore follow one another, but each process of the tree goes through them on
 * its own: a phase is over when the last process says so, and the next one starts there.
 */
void stats_phase_end(enum stats_phase phase);
void stats_count(enum stats_counter counter, uint64_t n);
uint64_t stats_get(enum stats_counter counter);
/* The times in ms and the counts, one "name: value" line each, on fd. */
void stats_print_dump(int fd);
void stats_print_restore(int fd);

#endif
