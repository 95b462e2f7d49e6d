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

int has_parent_runs(const struct task_image *ti, const struct image_vma *v)
{
	size_t i;

	for (i = 0; i < ti->nr_parent_runs; i++)
		if (ti->parent_runs[i].vaddr >= v->rec.start &&
		    ti->parent_runs[i].vaddr < v->rec.end)
			return 1;
	return 0;
}

/* The end of the stored or shared pages of v that start at addr, or addr if none does. */
static uint64_t covered_until(const struct task_image *ti, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ti->nr_runs; i++)
		if (ti->runs[i].vaddr == addr)
			return addr + ti->runs[i].nr_pages * IMG_PAGE_SIZE;
	for (i = 0; i < ti->nr_parent_runs; i++)
		if (ti->parent_runs[i].vaddr == addr)
			return addr + ti->parent_runs[i].nr_pages * IMG_PAGE_SIZE;
	return addr;
}

/* The first stored or shared page of v at addr or above, or v's end. */
static uint64_t next_covered(const struct task_image *ti, const struct image_vma *v, uint64_t addr)
{
	uint64_t next = v->rec.end;
	size_t i;

	for (i = 0; i < ti->nr_runs; i++)
		if (ti->runs[i].vaddr >= addr && ti->runs[i].vaddr < next)
			next = ti->runs[i].vaddr;
	for (i = 0; i < ti->nr_parent_runs; i++)
		if (ti->parent_runs[i].vaddr >= addr && ti->parent_runs[i].vaddr < next)
			next = ti->parent_runs[i].vaddr;
	return next;
}

/* The pages of v, premapped at slot, that the child had neither stored nor shared. */
static int forget_unshared(const struct task_image *ti, const struct image_vma *v, uint64_t slot)
{
	uint64_t addr = v->rec.start;

	while (addr < v->rec.end) {
		uint64_t end = covered_until(ti, addr), gap_end;

		if (end > addr) {
			addr = end;
			continue;
		}
		gap_end = next_covered(ti, v, addr);
		if (madvise((void *)(slot + addr - v->rec.start), gap_end - addr, MADV_DONTNEED))
			return pr_perror("cannot drop pages %lx-%lx", (unsigned long)addr,
					 (unsigned long)gap_end);
		addr = gap_end;
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
