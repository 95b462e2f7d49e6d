// SPDX-License-Identifier: MIT
/*
 * Memory at restore. cryo cannot map the task's VMAs where they belong: its own code and data may
 * be there. So each VMA is premapped in a slot of the bootstrap region, a hole of the task's
 * layout, and its pages are read straight into it; the restorer later moves each one home with
 * mremap, which moves page tables, not bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"
#include "common/util.h"
#include "dump/proc_parse.h"
#include "restore/restore.h"
#include "restorer-blob.h"

#define PAGE_ALIGN(x) (((x) + IMG_PAGE_SIZE - 1) & ~(uint64_t)(IMG_PAGE_SIZE - 1))
#define RESTORER_STACK_SIZE (64 * 1024)
#define LOWEST_ADDR (1ull << 16)
#define REGION_ALIGN (2ull << 20)

static int is_special(uint32_t kind)
{
	return kind == VMA_VDSO || kind == VMA_VVAR || kind == VMA_VVAR_VCLOCK;
}

static uint64_t vma_len(const struct image_vma *v)
{
	return v->rec.end - v->rec.start;
}

static size_t pending_signals(const struct task_image *ti)
{
	size_t i, nr = ti->sigq.nr;

	for (i = 0; i < ti->nr_threads; i++)
		nr += ti->threads[i].sigq.nr;
	return nr;
}

static void layout(const struct task_image *ti, struct bootstrap *bs)
{
	uint64_t slots = 0, specials = 0, off;
	size_t i;

	for (i = 0; i < ti->nr_vmas; i++) {
		if (is_special(ti->vmas[i].rec.kind))
			specials += vma_len(&ti->vmas[i]);
		else
			slots += vma_len(&ti->vmas[i]);
	}
	bs->slots = 0;
	bs->specials = slots;
	bs->blob = bs->specials + specials;
	bs->args = bs->blob + PAGE_ALIGN(restorer_mem_size);
	bs->vmas = bs->args + PAGE_ALIGN(sizeof(struct restorer_args));
	bs->threads = bs->vmas + PAGE_ALIGN(ti->nr_vmas * sizeof(struct restorer_vma));
	bs->sigq = bs->threads + PAGE_ALIGN(ti->nr_threads * sizeof(struct restorer_thread));
	bs->seccomp = bs->sigq + PAGE_ALIGN(pending_signals(ti) * sizeof(struct blob_siginfo));
	bs->timers = bs->seccomp + PAGE_ALIGN(seccomp_area_size(ti));
	off = bs->timers + PAGE_ALIGN(ti->nr_timers * sizeof(struct restorer_timer));
	bs->stack_top = off + RESTORER_STACK_SIZE;
	bs->thread_areas = bs->stack_top;
	bs->len = bs->thread_areas + ti->nr_threads * THREAD_AREA_SIZE;
}

static void relocate(struct bootstrap *bs, uint64_t start)
{
	bs->start = start;
	bs->slots += start;
	bs->specials += start;
	bs->blob += start;
	bs->args += start;
	bs->vmas += start;
	bs->threads += start;
	bs->sigq += start;
	bs->seccomp += start;
	bs->timers += start;
	bs->stack_top += start;
	bs->thread_areas += start;
}

/* Reserve len bytes at addr if nothing of cryo's is there. */
static int try_reserve(uint64_t addr, uint64_t len)
{
	void *p = mmap((void *)addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if ((uint64_t)p != addr) { /* a kernel without MAP_FIXED_NOREPLACE */
		munmap(p, len);
		return -EEXIST;
	}
	return 0;
}

/* In a hole [lo, hi) of the task's layout: its middle, top or bottom, whichever is free. */
static int reserve_in_hole(uint64_t lo, uint64_t hi, uint64_t len, uint64_t *addr)
{
	uint64_t candidates[3], first, last;
	int i;

	first = (lo + REGION_ALIGN - 1) & ~(REGION_ALIGN - 1);
	if (hi < len || first > hi - len)
		return -ENOSPC;
	last = (hi - len) & ~(REGION_ALIGN - 1);
	candidates[0] = (first + (last - first) / 2) & ~(REGION_ALIGN - 1);
	candidates[1] = last;
	candidates[2] = first;
	for (i = 0; i < 3; i++) {
		if (!try_reserve(candidates[i], len)) {
			*addr = candidates[i];
			return 0;
		}
	}
	return -EEXIST;
}

int plan_bootstrap(const struct task_image *ti, struct bootstrap *bs)
{
	uint64_t lo = LOWEST_ADDR, task_size = arch_task_size(), addr;
	size_t i;

	layout(ti, bs);
	for (i = 0; i <= ti->nr_vmas; i++) {
		uint64_t hi = i < ti->nr_vmas ? ti->vmas[i].rec.start : task_size;

		if (hi > lo && !reserve_in_hole(lo, hi, bs->len, &addr)) {
			relocate(bs, addr);
			pr_debug("bootstrap region at %lx-%lx", (unsigned long)addr,
				 (unsigned long)(addr + bs->len));
			return 0;
		}
		if (i < ti->nr_vmas)
			lo = ti->vmas[i].rec.end;
	}
	pr_err("no room for the restorer in the address space of %d", ti->pid);
	return -ENOMEM;
}

static int open_mapped_file(const struct image_vma *v, int flags)
{
	struct stat st;
	int fd = open(v->path, flags | O_CLOEXEC);

	if (fd < 0)
		return pr_perror("cannot open %s, mapped at %lx", v->path,
				 (unsigned long)v->rec.start);
	if (fstat(fd, &st) == 0 && st.st_dev == v->rec.dev && st.st_ino != v->rec.ino) {
		pr_err("%s, mapped at %lx, is not the file it was at dump time", v->path,
		       (unsigned long)v->rec.start);
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * A shared memory object, opened again for one of its VMAs: read-write only for a shared mapping
 * that could be made writable, so that one that could not stays so (and a memfd can be sealed
 * against writes with it mapped).
 */
static int open_shmem(const struct image_vma *v, const struct shmem_table *shm)
{
	int writable = v->rec.kind != VMA_MEMFD_PRIVATE && v->rec.flags & VMAF_MAYWRITE;

	return shmem_reopen(shm, v->shmem, writable ? O_RDWR : O_RDONLY);
}

static int premap_vma(const struct image_vma *v, const struct shmem_table *shm, uint64_t slot)
{
	int flags = MAP_FIXED | (v->rec.flags & VMAF_GROWSDOWN ? MAP_GROWSDOWN : 0);
	int prot = PROT_READ | PROT_WRITE, fd = -1;
	void *p;

	switch (v->rec.kind) {
	case VMA_ANON_PRIVATE:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case VMA_FILE_PRIVATE:
		flags |= MAP_PRIVATE;
		fd = open_mapped_file(v, O_RDONLY);
		break;
	case VMA_FILE_SHARED:
		flags |= MAP_SHARED;
		prot = v->rec.prot;
		fd = open_mapped_file(v, v->rec.prot & PROT_WRITE ? O_RDWR : O_RDONLY);
		break;
	case VMA_ANON_SHARED:
	case VMA_MEMFD_SHARED:
		/* The content is the object's already. */
		flags |= MAP_SHARED;
		prot = v->rec.prot;
		fd = open_shmem(v, shm);
		break;
	case VMA_MEMFD_PRIVATE:
		flags |= MAP_PRIVATE;
		fd = open_shmem(v, shm);
		break;
	}
	if (fd < 0 && v->rec.kind != VMA_ANON_PRIVATE)
		return fd;
	p = mmap((void *)slot, vma_len(v), prot, flags, fd, fd < 0 ? 0 : v->rec.pgoff);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return pr_perror("cannot premap VMA %lx-%lx (%s)", (unsigned long)v->rec.start,
				 (unsigned long)v->rec.end, v->path[0] ? v->path : "anonymous");
	return 0;
}

/* Read a run of pages straight into its premapped place, faulted in in one go first. */
static int fill_run(const struct task_image *ti, const struct rec_page_run *r, uint64_t to)
{
	uint64_t len = r->nr_pages * IMG_PAGE_SIZE;
	int ret;

	madvise((void *)to, len, MADV_POPULATE_WRITE);
	ret = pread_all(ti->pages_fd, (void *)to, len, IMG_PAGES_DATA_START + r->offset);
	if (ret) {
		pr_err("cannot read pages-%d.img at %lu: %s", ti->pid, (unsigned long)r->offset,
		       strerror(-ret));
		return ret;
	}
	stats_count(STATS_PAGES_RESTORED, r->nr_pages);
	progress_update(stats_get(STATS_PAGES_RESTORED));
	return 0;
}

static int fill_pages(const struct task_image *ti, const struct restorer_vma *rv)
{
	size_t r, v = 0;
	int ret;

	use_direct_io(ti->pages_fd);
	for (r = 0; r < ti->nr_runs; r++) {
		const struct rec_page_run *run = &ti->runs[r];

		/* runs and VMAs are both sorted: walk them together */
		while (rv[v].end <= run->vaddr)
			v++;
		ret = fill_run(ti, run, rv[v].premap + run->vaddr - rv[v].start);
		if (ret)
			return ret;
	}
	return 0;
}

/* Where the kernel mapped this task's own [vdso] and friends, by name. */
static int find_current_special(const struct proc_vma *cur, size_t nr, const char *name,
				uint64_t len, uint64_t *now)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (strcmp(cur[i].name, name))
			continue;
		if (cur[i].end - cur[i].start != len) {
			pr_err("%s of this kernel is %lu bytes, the dumped task's was %lu: restore "
			       "on the kernel it was dumped on",
			       name, (unsigned long)(cur[i].end - cur[i].start),
			       (unsigned long)len);
			return -EINVAL;
		}
		*now = cur[i].start;
		return 0;
	}
	pr_err("this kernel gives no %s, the dumped task had one", name);
	return -EINVAL;
}

static int plan_specials(const struct task_image *ti, const struct bootstrap *bs,
			 struct restorer_args *args)
{
	struct proc_vma *cur;
	uint64_t slot = bs->specials;
	size_t nr, i;
	int ret;

	ret = proc_parse_smaps(getpid(), &cur, &nr);
	if (ret)
		return ret;
	for (i = 0; i < ti->nr_vmas && !ret; i++) {
		const struct image_vma *v = &ti->vmas[i];
		struct restorer_special *s = &args->specials[args->nr_specials];

		if (!is_special(v->rec.kind))
			continue;
		if (args->nr_specials == RESTORER_MAX_SPECIALS) {
			ret = -E2BIG;
			break;
		}
		ret = find_current_special(cur, nr, v->path, vma_len(v), &s->now);
		s->slot = slot;
		s->start = v->rec.start;
		s->len = vma_len(v);
		slot += s->len;
		args->nr_specials++;
	}
	free(cur);
	return ret;
}

/* The restorer's part of the region: its code, arguments, frame and stack. */
static int map_restorer_area(const struct bootstrap *bs)
{
	uint64_t len = bs->start + bs->len - bs->blob;

	if (mmap((void *)bs->blob, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return pr_perror("cannot map the restorer area");
	return 0;
}

int premap_memory(const struct task_image *ti, const struct shmem_table *shm,
		  const struct bootstrap *bs, const struct bootstrap *parent,
		  struct restorer_args *args)
{
	struct restorer_vma *rv = (struct restorer_vma *)bs->vmas;
	uint64_t slot = bs->slots;
	size_t i;
	int ret;

	ret = map_restorer_area(bs);
	if (ret)
		return ret;
	args->nr_vmas = 0;
	args->vmas = bs->vmas;
	for (i = 0; i < ti->nr_vmas; i++) {
		const struct image_vma *v = &ti->vmas[i];

		if (is_special(v->rec.kind))
			continue;
		ret = parent && has_parent_runs(ti, v) ? take_parents_copy(ti, v, parent, slot)
						       : premap_vma(v, shm, slot);
		if (ret)
			return ret;
		rv[args->nr_vmas++] = (struct restorer_vma){
			.start = v->rec.start,
			.end = v->rec.end,
			.premap = slot,
			.prot = v->rec.prot,
			.flags = v->rec.flags & ~VMAF_GROWSDOWN,
		};
		slot += vma_len(v);
	}
	if (parent)
		ret = drop_parents_region(parent);
	if (!ret)
		ret = fill_pages(ti, rv);
	if (!ret)
		ret = plan_specials(ti, bs, args);
	return ret;
}
