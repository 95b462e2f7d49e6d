/* SPDX-License-Identifier: MIT */
/*
 * The progress line: while a dump or a restore moves pages, "pages DONE / TOTAL" on one line of
 * cryo's stderr, redrawn in place (\r) at most ten times a second once the pages have taken more
 * than a second, and only when stderr is a terminal: tests and logs never see it. Any process
 * forked after progress_begin() may draw it (each process of a restore reads its own pages).
 */
#ifndef CRYO_COMMON_PROGRESS_H
#define CRYO_COMMON_PROGRESS_H

#include <stdint.h>

int progress_begin(uint64_t total);
void progress_update(uint64_t done);
/* Clear the line if it is shown (before a log message): the next update draws it again. */
void progress_hide(void);
/* Clear the line for good. */
void progress_end(void);

#endif
