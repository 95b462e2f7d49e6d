// SPDX-License-Identifier: MIT
/*
 * Address-space layout: an arena of small ranges with different protections (guard pages around
 * a buffer, read-only data, code, data hidden behind PROT_NONE), holes punched with munmap, and
 * ranges carrying madvise() and mlock() flags; plus a MAP_GROWSDOWN region. After go,
 * /proc/self/smaps must show the same VMAs with the same VmFlags, the contents must be intact,
 * the code must run, the protections must still fault, and the stack-like region must grow.
 */
#include "workload.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define RW (PROT_READ | PROT_WRITE)
#define MLOCK (-1) /* pseudo-advice: mlock() the range */
#define NO_ADVICE 0

enum kind {
	MAPPED,	  /* kept, without content */
	DATA,	  /* kept, with random content */
	UNMAPPED, /* a hole */
	EDGE,	  /* a hole keeping the arena apart from other mappings */
};

/*
 * The arena, page by page. Neighbours always differ (hole, protection or flags), so the kernel
 * merges none of them, before the dump or after the restore.
 */
static const struct range {
	const char *what;
	int first, pages;
	enum kind kind;
	int prot;
	int advice;
} layout[] = {
    {"edge", 0, 1, EDGE, 0, NO_ADVICE},
    {"guard below", 1, 1, MAPPED, PROT_NONE, NO_ADVICE},
    {"guarded buffer", 2, 8, DATA, RW, NO_ADVICE},
    {"guard above", 10, 1, MAPPED, PROT_NONE, NO_ADVICE},
    {"hole", 11, 1, UNMAPPED, 0, NO_ADVICE},
    {"read-only data", 12, 4, DATA, PROT_READ, NO_ADVICE},
    {"code", 16, 4, DATA, PROT_READ | PROT_EXEC, NO_ADVICE},
    {"data before hole", 20, 4, DATA, RW, NO_ADVICE},
    {"hole in a mapping", 24, 2, UNMAPPED, 0, NO_ADVICE},
    {"data after hole", 26, 4, DATA, RW, NO_ADVICE},
    {"data behind PROT_NONE", 30, 4, DATA, PROT_NONE, NO_ADVICE},
    {"hole", 34, 1, UNMAPPED, 0, NO_ADVICE},
    {"MADV_DONTFORK", 35, 4, DATA, RW, MADV_DONTFORK},
    {"MADV_DONTDUMP", 39, 4, DATA, RW, MADV_DONTDUMP},
    {"MADV_WIPEONFORK", 43, 4, DATA, RW, MADV_WIPEONFORK},
    {"MADV_HUGEPAGE", 47, 4, DATA, RW, MADV_HUGEPAGE},
    {"MADV_NOHUGEPAGE", 51, 4, DATA, RW, MADV_NOHUGEPAGE},
    {"MADV_RANDOM", 55, 4, DATA, RW, MADV_RANDOM},
    {"MADV_SEQUENTIAL", 59, 4, DATA, RW, MADV_SEQUENTIAL},
    {"MADV_MERGEABLE", 63, 4, DATA, RW, MADV_MERGEABLE},
    {"mlock", 67, 4, DATA, RW, MLOCK},
    {"edge", 71, 1, EDGE, 0, NO_ADVICE},
};

#define ARENA_PAGES 72
/* The arena without its edges, whose neighbours are none of this test's business. */
#define ARENA_START ((uintptr_t)arena + WL_PAGE)
#define ARENA_END ((uintptr_t)arena + (ARENA_PAGES - 1) * WL_PAGE)
#define CODE_INDEX 6
#define HIDDEN_INDEX 10

/* The MAP_GROWSDOWN region sits at the top of a PROT_NONE reservation, with a gap to grow in. */
#define RESERVE_SIZE (1ul << 20)
#define GAP_START (RESERVE_SIZE / 2)
#define STACK_SIZE (64ul * 1024)

static uint8_t *arena;
static uint64_t seed;
static uint32_t code_value;
static uint8_t *reserve, *stack;
static uint64_t stack_seed;
static char *maps_arena, *maps_stack;

static uint8_t *range_addr(const struct range *r)
{
	return arena + r->first * WL_PAGE;
}

static size_t range_len(const struct range *r)
{
	return r->pages * WL_PAGE;
}

/* mov $code_value, %eax; ret */
#define CODE_SIZE 6
static void write_code(uint8_t *p)
{
	p[0] = 0xb8;
	memcpy(p + 1, &code_value, 4);
	p[5] = 0xc3;
}

/* The code range holds random data after the code: check it on a copy with the code undone. */
static void check_code_data(const struct range *r, uint64_t range_seed)
{
	uint8_t *copy = malloc(range_len(r)), stream[CODE_SIZE];

	if (!copy)
		wl_die("out of memory");
	memcpy(copy, range_addr(r), range_len(r));
	wl_fill(stream, CODE_SIZE, range_seed);
	memcpy(copy, stream, CODE_SIZE);
	wl_check_fill("code range (its data after the code)", copy, range_len(r), range_seed);
	free(copy);
}

static void build_arena(void)
{
	size_t i;

	arena = mmap(NULL, ARENA_PAGES * WL_PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	seed = wl_random_u64();
	code_value = wl_random_u64();
	for (i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const struct range *r = &layout[i];
		uint8_t *p = range_addr(r);
		int ret = 0;

		if (r->kind == UNMAPPED || r->kind == EDGE) {
			if (munmap(p, range_len(r)))
				wl_die("munmap %s: %s", r->what, strerror(errno));
			continue;
		}
		if (r->kind == DATA)
			wl_fill(p, range_len(r), seed + i);
		if (i == CODE_INDEX)
			write_code(p);
		if (r->advice == MLOCK)
			ret = mlock(p, range_len(r));
		else if (r->advice != NO_ADVICE)
			ret = madvise(p, range_len(r), r->advice);
		/* A kernel without THP or KSM refuses their advice; the range stays plain. */
		if (ret && errno == EINVAL)
			wl_note("%s: %s, not tested", r->what, strerror(errno));
		else if (ret)
			wl_die("%s: %s", r->what, strerror(errno));
		if (r->prot != RW && mprotect(p, range_len(r), r->prot))
			wl_die("mprotect %s: %s", r->what, strerror(errno));
	}
}

static void build_stack(void)
{
	reserve =
	    mmap(NULL, RESERVE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (reserve == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	if (munmap(reserve + GAP_START, RESERVE_SIZE - GAP_START))
		wl_die("munmap: %s", strerror(errno));
	stack = mmap(reserve + RESERVE_SIZE - STACK_SIZE, STACK_SIZE, RW,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	if (stack == MAP_FAILED)
		wl_die("mmap MAP_GROWSDOWN: %s", strerror(errno));
	stack_seed = wl_random_u64();
	wl_fill(stack, STACK_SIZE, stack_seed);
}

static sigjmp_buf probe_env;
static volatile int probe_code;
static void *volatile probe_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	probe_code = si->si_code;
	probe_addr = si->si_addr;
	siglongjmp(probe_env, 1);
}

/* Touch one byte: 0 when the access goes through, else the si_code of the SIGSEGV. */
static int probe(uint8_t *p, bool write)
{
	volatile uint8_t *v = p;

	probe_code = 0;
	probe_addr = NULL;
	if (!sigsetjmp(probe_env, 1)) {
		if (write)
			*v = 0x5a;
		else
			(void)*v;
	}
	return probe_code;
}

static void check_fault(const char *what, uint8_t *p, bool write, int want)
{
	static const char *const codes[] = {"no fault", "SEGV_MAPERR", "SEGV_ACCERR"};
	int got = probe(p, write);

	wl_check(got == want && (!want || probe_addr == p), "%s %s %p: %s (at %p), want %s",
		 write ? "writing" : "reading", what, (void *)p,
		 got >= 0 && got <= SEGV_ACCERR ? codes[got] : "?", probe_addr, codes[want]);
}

static void check_arena(void)
{
	uint32_t (*code)(void) = (uint32_t(*)(void))range_addr(&layout[CODE_INDEX]);
	const struct range *hidden = &layout[HIDDEN_INDEX];
	size_t i;

	for (i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const struct range *r = &layout[i];
		uint8_t *p = range_addr(r);

		if (r->kind == EDGE) {
			continue;
		} else if (r->kind == UNMAPPED) {
			check_fault(r->what, p, false, SEGV_MAPERR);
		} else if (r->prot == PROT_NONE) {
			check_fault(r->what, p, false, SEGV_ACCERR);
		} else {
			if (!(r->prot & PROT_WRITE))
				check_fault(r->what, p + WL_PAGE, true, SEGV_ACCERR);
			if (i == CODE_INDEX)
				check_code_data(r, seed + i);
			else if (r->kind == DATA)
				wl_check_fill(r->what, p, range_len(r), seed + i);
		}
	}
	wl_check(code() == code_value, "code returned %#x, want %#x", code(), code_value);
	if (mprotect(range_addr(hidden), range_len(hidden), PROT_READ))
		wl_die("mprotect: %s", strerror(errno));
	wl_check_fill(hidden->what, range_addr(hidden), range_len(hidden), seed + HIDDEN_INDEX);
}

/* Start of the VMA holding addr, from /proc/self/maps; 0 if none. */
static uintptr_t vma_start(uintptr_t addr)
{
	char *maps = wl_read_file("/proc/self/maps", NULL), *line;
	uintptr_t found = 0;

	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= addr && addr < hi) {
			found = lo;
			break;
		}
	}
	free(maps);
	return found;
}

static void check_stack(void)
{
	uint8_t *below = stack - WL_PAGE;

	wl_check_fill("MAP_GROWSDOWN region", stack, STACK_SIZE, stack_seed);
	check_fault("the page below the MAP_GROWSDOWN region", below, true, 0);
	wl_check(vma_start((uintptr_t)below) == (uintptr_t)below,
		 "MAP_GROWSDOWN region did not grow down to %p", (void *)below);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};

	wl_init(argc, argv);
	/* The stack first: its reservation could otherwise take the arena's edge holes. */
	build_stack();
	build_arena();
	maps_arena = wl_maps(ARENA_START, ARENA_END);
	maps_stack = wl_maps((uintptr_t)reserve, (uintptr_t)reserve + RESERVE_SIZE);
	wl_ready();
	wl_wait_go();

	wl_check_maps("arena", maps_arena, ARENA_START, ARENA_END);
	wl_check_maps("MAP_GROWSDOWN region", maps_stack, (uintptr_t)reserve,
		      (uintptr_t)reserve + RESERVE_SIZE);
	sigaction(SIGSEGV, &sa, NULL);
	check_arena();
	check_stack();
	return wl_finish();
}
