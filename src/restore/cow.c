// SPDX-License-Identifier: MIT
/*
 * Memory a process still shared copy-on-write with its parent at dump time (parent runs of its
 * pagemap). The parent premaps its memory before it forks its children, so each child inherits
 * the parent's premapped copy, sharing its pages as after a fork. A child's VMA holding parent
 * runs takes its part of that copy (mremap moves the mapping, the pages stay shared), forgets the
 * pages it had neither stored nor shared (they were never touched, or were dropped: MADV_DONTNEED
 * makes them so again), and its own pages are then written over it, each breaking the sharing of
 * its page alone. Everything else of the parent's region is unmapped.
 */
#include <errno.h>
#include <sys/mman.h>

#include "common/log.h"
#include "restore/restore.h"

/*
 * The page runs and the parent runs of a task: both sorted by address, neither overlapping
 * itself, both starting with the same two fields (vaddr, nr_pages).
 */
struct run_list {
	const uint8_t *base;
	size_t nr, stride;
};

static struct run_list own_runs(const struct task_image *ti)
{
	return (struct run_list){(const uint8_t *)ti->runs, ti->nr_runs, sizeof(*ti->runs)};
}

static struct run_list parent_runs(const struct task_image *ti)
{
	return (struct run_list){(const uint8_t *)ti->parent_runs, ti->nr_parent_runs,
				 sizeof(*ti->parent_runs)};
}

static uint64_t run_start(const struct run_list *l, size_t i)
{
	return ((const uint64_t *)(l->base + i * l->stride))[0];
}

static uint64_t run_end(const struct run_list *l, size_t i)
{
	return run_start(l, i) + ((const uint64_t *)(l->base + i * l->stride))[1] * IMG_PAGE_SIZE;
}

/* The index of the first run that ends after addr (nr if none does). */
static size_t first_after(const struct run_list *l, uint64_t addr)
{
	size_t lo = 0, hi = l->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (run_end(l, mid) > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int has_parent_runs(const struct task_image *ti, const struct image_vma *v)
{
	struct run_list shared = parent_runs(ti);
	size_t i = first_after(&shared, v->rec.start);

	return i < shared.nr && run_start(&shared, i) < v->rec.end;
}

/* The first page at addr or above that a run of l at or after index i covers, or limit. */
static uint64_t next_start(const struct run_list *l, size_t i, uint64_t limit)
{
	return i < l->nr && run_start(l, i) < limit ? run_start(l, i) : limit;
}

/*
 * The pages of v, premapped at slot, that the child had neither stored nor shared: walked with
 * one cursor in each sorted list of runs.
 */
static int forget_unshared(const struct task_image *ti, const struct image_vma *v, uint64_t slot)
{
	struct run_list own = own_runs(ti), shared = parent_runs(ti);
	size_t a = first_after(&own, v->rec.start), b = first_after(&shared, v->rec.start);
	uint64_t addr = v->rec.start;

	while (addr < v->rec.end) {
		uint64_t next = next_start(&shared, b, next_start(&own, a, v->rec.end));

		if (next <= addr) { /* a run covers addr: past it */
			if (a < own.nr && run_start(&own, a) <= addr)
				addr = run_end(&own, a++);
			else
				addr = run_end(&shared, b++);
			continue;
		}
		if (madvise((void *)(slot + addr - v->rec.start), next - addr, MADV_DONTNEED))
			return pr_perror("cannot drop pages %lx-%lx", (unsigned long)addr,
					 (unsigned long)next);
		addr = next;
	}
	return 0;
}

int take_parents_copy(const struct task_image *ti, const struct image_vma *v,
		      const struct bootstrap *parent, uint64_t slot)
{
	const struct restorer_args *args = (const struct restorer_args *)parent->args;
	const struct restorer_vma *rv = (const struct restorer_vma *)parent->vmas;
	uint64_t len = v->rec.end - v->rec.start;
	uint32_t i;

	for (i = 0; i < args->nr_vmas; i++) {
		uint64_t from = rv[i].premap + v->rec.start - rv[i].start;

		if (rv[i].start > v->rec.start || rv[i].end < v->rec.end)
			continue;
		if (mremap((void *)from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)slot) ==
		    MAP_FAILED)
			return pr_perror("cannot take the parent's copy of %lx-%lx",
					 (unsigned long)v->rec.start, (unsigned long)v->rec.end);
		return forget_unshared(ti, v, slot);
	}
	pr_err("VMA %lx-%lx shares pages with the parent, which has no VMA holding it",
	       (unsigned long)v->rec.start, (unsigned long)v->rec.end);
	return -EINVAL;
}

int drop_parents_region(const struct bootstrap *parent)
{
	if (munmap((void *)parent->start, parent->len))
		return pr_perror("cannot unmap the parent's restore region");
	return 0;
}
