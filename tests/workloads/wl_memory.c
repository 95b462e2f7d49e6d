// SPDX-License-Identifier: MIT
/*
 * Private memory of every common kind, 256 MiB in all (argv[2]: another size in MiB, used by
 * bench/): anonymous mappings, a sparse mapping whose untouched pages must still read as zero,
 * the brk heap (malloc), and the program's .data (a private file mapping, copied on write) and
 * .bss. Every byte is pseudo-random from a seed drawn at start; after go the streams are
 * generated again and compared, which also says where a restore went wrong.
 */
#include "workload.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MiB (1ul << 20)
#define DATA_SIZE (2 * MiB)
#define BSS_SIZE (6 * MiB)
/* Heap chunks below the mmap threshold, so that malloc takes them from brk. */
#define HEAP_CHUNK MiB
#define SPARSE_STRIDE 5 /* one page in five is written */

/* Initialized, so it lives in .data, backed by the executable until written. */
static uint8_t data_area[DATA_SIZE] __attribute__((aligned(4096))) = {1};
static uint8_t bss_area[BSS_SIZE] __attribute__((aligned(4096)));

struct region {
	const char *what;
	uint8_t *addr;
	size_t len;
	uint64_t seed;
};

static struct region regions[8];
static size_t nr_regions;
static uint8_t **heap_chunks;
static size_t nr_heap_chunks;
static uint64_t heap_seed;
static uint8_t *sparse;
static size_t sparse_len;
static uint64_t sparse_seed;

static void add_region(const char *what, void *addr, size_t len)
{
	struct region *r = &regions[nr_regions++];

	r->what = what;
	r->addr = addr;
	r->len = len;
	r->seed = wl_random_u64();
	wl_fill(addr, len, r->seed);
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		wl_die("mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

static void build_heap(size_t len)
{
	uintptr_t brk_end;
	size_t i;

	if (!mallopt(M_MMAP_THRESHOLD, 4 * HEAP_CHUNK))
		wl_die("mallopt(M_MMAP_THRESHOLD) failed");
	nr_heap_chunks = len / HEAP_CHUNK;
	heap_chunks = calloc(nr_heap_chunks, sizeof(*heap_chunks));
	if (!heap_chunks)
		wl_die("calloc: out of memory");
	heap_seed = wl_random_u64();
	for (i = 0; i < nr_heap_chunks; i++) {
		heap_chunks[i] = malloc(HEAP_CHUNK);
		if (!heap_chunks[i])
			wl_die("malloc: out of memory");
		wl_fill(heap_chunks[i], HEAP_CHUNK, heap_seed + i);
	}
	/* Make sure this tests the brk heap, not more anonymous mappings. */
	brk_end = (uintptr_t)sbrk(0);
	for (i = 0; i < nr_heap_chunks; i++)
		if ((uintptr_t)heap_chunks[i] >= brk_end)
			wl_die("malloc chunk %p is not in the brk heap (ends at %#lx)",
			       (void *)heap_chunks[i], (unsigned long)brk_end);
}

static void build_sparse(size_t len)
{
	size_t page;

	sparse_len = len;
	sparse = map_anon(len);
	sparse_seed = wl_random_u64();
	for (page = 0; page < len / WL_PAGE; page += SPARSE_STRIDE)
		wl_fill(sparse + page * WL_PAGE, WL_PAGE, sparse_seed + page);
}

static void check_heap(void)
{
	char what[64];
	size_t i;

	for (i = 0; i < nr_heap_chunks; i++) {
		snprintf(what, sizeof(what), "heap chunk %zu", i);
		wl_check_fill(what, heap_chunks[i], HEAP_CHUNK, heap_seed + i);
	}
}

static void check_sparse(void)
{
	static const uint8_t zero[WL_PAGE];
	size_t page, bad_zero = 0;
	char what[64];

	for (page = 0; page < sparse_len / WL_PAGE; page++) {
		uint8_t *p = sparse + page * WL_PAGE;

		if (page % SPARSE_STRIDE == 0) {
			snprintf(what, sizeof(what), "sparse mapping, page %zu", page);
			wl_check_fill(what, p, WL_PAGE, sparse_seed + page);
		} else if (memcmp(p, zero, WL_PAGE)) {
			bad_zero++;
		}
	}
	wl_check(!bad_zero, "sparse mapping %p: %zu never-written page(s) are not zero",
		 (void *)sparse, bad_zero);
}

int main(int argc, char **argv)
{
	size_t total = 256 * MiB, i;

	wl_init(argc, argv);
	if (argc > 2) {
		total = strtoul(argv[2], NULL, 10) * MiB;
		if (total < 64 * MiB)
			wl_die("size %s: at least 64 MiB", argv[2]);
	}

	add_region("anonymous mapping A", map_anon(total / 8 * 3), total / 8 * 3);
	add_region("anonymous mapping B", map_anon(total / 4), total / 4);
	add_region("anonymous mapping C", map_anon(total / 8), total / 8);
	add_region(".data array", data_area, DATA_SIZE);
	add_region(".bss array", bss_area, BSS_SIZE);
	build_heap(total / 16 * 3);
	build_sparse(total / 32);

	wl_ready();
	wl_wait_go();

	for (i = 0; i < nr_regions; i++)
		wl_check_fill(regions[i].what, regions[i].addr, regions[i].len, regions[i].seed);
	check_heap();
	check_sparse();
	return wl_finish();
}
