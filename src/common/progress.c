// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"

#define SHOW_AFTER_NS 1000000000ull
#define REDRAW_NS 100000000ull

/* Shared by the processes that draw, so that together they draw ten times a second at most. */
struct progress {
	int on;
	int shown;
	uint64_t total;
	uint64_t begin;
	uint64_t last_draw;
};

static struct progress *progress; /* NULL: stderr is not a terminal */

/* The line goes where cryo's errors go: its stderr, wherever a restored process moved it. */
static void put(const char *s, int len)
{
	if (write(log_get_err_fd(), s, len) < 0)
		return; /* best effort, as the log */
}

int progress_begin(uint64_t total)
{
	struct progress *p;

	if (!isatty(log_get_err_fd()))
		return 0;
	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return pr_perror("cannot map the progress line");
	*p = (struct progress){.on = 1, .total = total, .begin = stats_now()};
	progress = p;
	return 0;
}

/* One process draws per tenth of a second: the one that moves last_draw. */
static int my_turn(struct progress *p)
{
	uint64_t now = stats_now(), last = __atomic_load_n(&p->last_draw, __ATOMIC_RELAXED);

	if (now - p->begin < SHOW_AFTER_NS || now - last < REDRAW_NS)
		return 0;
	return __atomic_compare_exchange_n(&p->last_draw, &last, now, 0, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

void progress_update(uint64_t done)
{
	char line[64];
	int n;

	if (!progress || !progress->on || !my_turn(progress))
		return;
	n = snprintf(line, sizeof(line), "\rpages %llu / %llu\033[K", (unsigned long long)done,
		     (unsigned long long)progress->total);
	put(line, n);
	progress->shown = 1;
}

void progress_hide(void)
{
	static const char clear[] = "\r\033[K";

	if (!progress || !progress->shown)
		return;
	progress->shown = 0;
	put(clear, sizeof(clear) - 1);
}

void progress_end(void)
{
	if (progress)
		progress->on = 0;
	progress_hide();
}
