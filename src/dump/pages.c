// SPDX-License-Identifier: MIT
/*
 * pagemap-PID.img and pages-PID.img: the content of every page the task has, read from outside.
 *
 * PAGEMAP_SCAN finds, VMA by VMA, the runs of pages worth storing: present or swapped, never the
 * shared zero page, and in a private file or memfd mapping only the pages the task changed (a
 * page still the file's is found in the file at restore); shared anonymous memory and shared
 * memfd mappings are stored once in shmem.img instead. Runs are read into a large buffer (see
 * read_runs), written to pages-PID.img in one write.
 *
 * A private page a child still shares with its parent since fork (the same physical page at the
 * same address, /proc/PID/pagemap tells) is not stored again: a parent run names it, and restore
 * shares it again.
 *
 * The statistics count the pages scanned, written and skipped (scanned = written + skipped) and
 * time the scan and the copies as the memory phase, the writes as the write phase.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stats.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/vma.h"
#include "images/image.h"

#define COPY_BUF_SIZE (32u << 20)
#define MAX_IOV 1024
#define SCAN_REGIONS 512
#define PM_CHUNK 512 /* pagemap entries read at once */
#define PM_PRESENT (1ull << 63)
#define PM_EXCLUSIVE (1ull << 56)
#define PM_PFN_MASK ((1ull << 55) - 1)

/* Runs gathered for one write, with their records. */
struct page_batch {
	struct iovec iov[MAX_IOV];
	bool pin[MAX_IOV]; /* read with process_vm_readv (else through /proc/PID/mem) */
	int nr;
	size_t bytes;
};

struct page_dump {
	pid_t pid;
	int pagemap_fd, mem_fd;
	int parent_pagemap_fd; /* -1 for the root */
	struct img pagemap, pages;
	uint64_t offset; /* of the next run in pages-PID.img */
	uint8_t *buf;
	struct page_batch batch;
	uint64_t pages_stored;
};

/* Pages written or skipped are done with, of all the pages the scan will look at. */
static void show_progress(void)
{
	progress_update(stats_get(STATS_PAGES_WRITTEN) + stats_get(STATS_PAGES_SKIPPED));
}

static int record_run(struct page_dump *d, uint64_t vaddr, size_t len)
{
	struct rec_page_run rec = {
		.vaddr = vaddr,
		.nr_pages = len / IMG_PAGE_SIZE,
		.offset = d->offset,
	};

	d->offset += len;
	d->pages_stored += rec.nr_pages;
	stats_count(STATS_PAGES_WRITTEN, rec.nr_pages);
	return img_write(&d->pagemap, REC_PAGE_RUN, &rec, sizeof(rec));
}

static int write_pages(struct page_dump *d, size_t len)
{
	uint64_t t0 = stats_now();
	int ret = write_all(d->pages.fd, d->buf, len);

	stats_add_time(STATS_WRITE, t0);
	if (ret)
		pr_err("cannot write pages-%d.img: %s", d->pid, strerror(-ret));
	return ret;
}

/*
 * Pages only this process maps are read with process_vm_readv, many runs in one call. The others
 * go through /proc/PID/mem, one read per run: process_vm_readv pins the pages it reads, which
 * makes the kernel copy a page still shared copy-on-write (the tree would come out of a dump -R
 * using more memory, and a child's page would no longer be its parent's); and it cannot read
 * what PROT_NONE hides.
 */
static int read_pinned(struct page_dump *d, int first, int end, uint8_t *to, size_t len)
{
	struct iovec local = {.iov_base = to, .iov_len = len};
	ssize_t n = process_vm_readv(d->pid, &local, 1, &d->batch.iov[first], end - first, 0);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EIO;
}

static int read_runs(struct page_dump *d)
{
	struct page_batch *b = &d->batch;
	uint8_t *to = d->buf;
	int i = 0, j, ret = 0;

	while (i < b->nr && !ret) {
		size_t len = 0;

		for (j = i; j < b->nr && b->pin[j] == b->pin[i] && (j == i || b->pin[i]); j++)
			len += b->iov[j].iov_len;
		ret = b->pin[i] ? read_pinned(d, i, j, to, len)
				: pread_all(d->mem_fd, to, len, (off_t)b->iov[i].iov_base);
		to += len;
		i = j;
	}
	return ret;
}

static int read_batch(struct page_dump *d)
{
	uint64_t t0 = stats_now();
	int ret = read_runs(d);

	stats_add_time(STATS_MEMORY, t0);
	if (ret == -ESRCH || ret == -EIO)
		pr_err("cannot read the memory of %d (did it exit during the dump?): %s", d->pid,
		       strerror(-ret));
	else if (ret)
		pr_err("cannot read the memory of %d: %s", d->pid, strerror(-ret));
	return ret;
}

static int flush_batch(struct page_dump *d)
{
	struct page_batch *b = &d->batch;
	int i, ret;

	if (!b->nr)
		return 0;
	ret = read_batch(d);
	if (!ret)
		ret = write_pages(d, b->bytes);
	for (i = 0; i < b->nr && !ret; i++)
		ret = record_run(d, (uint64_t)b->iov[i].iov_base, b->iov[i].iov_len);
	b->nr = 0;
	b->bytes = 0;
	show_progress();
	return ret;
}

static int add_run(struct page_dump *d, uint64_t start, uint64_t end, bool pin)
{
	struct page_batch *b = &d->batch;
	int ret = 0;

	while (!ret && start < end) {
		size_t room = COPY_BUF_SIZE - b->bytes;
		size_t len = end - start < room ? end - start : room;

		b->iov[b->nr].iov_base = (void *)start;
		b->iov[b->nr].iov_len = len;
		b->pin[b->nr] = pin;
		b->nr++;
		b->bytes += len;
		start += len;
		if (b->nr == MAX_IOV || b->bytes == COPY_BUF_SIZE)
			ret = flush_batch(d);
	}
	return ret;
}

static int record_parent_run(struct page_dump *d, uint64_t start, uint64_t end)
{
	struct rec_parent_run rec = {.vaddr = start, .nr_pages = (end - start) / IMG_PAGE_SIZE};

	stats_count(STATS_PAGES_SHARED, rec.nr_pages);
	stats_count(STATS_PAGES_SKIPPED, rec.nr_pages);
	return img_write(&d->pagemap, REC_PARENT_RUN, &rec, sizeof(rec));
}

enum page_class { PAGE_PARENTS, PAGE_PINNED, PAGE_UNPINNED };

/* How a present or swapped page is dumped, from its pagemap entry and its parent's (or 0). */
static enum page_class classify(uint64_t mine, uint64_t parents, bool readable)
{
	uint64_t pfn = mine & PM_PFN_MASK;

	if (!(mine & PM_PRESENT))
		return PAGE_UNPINNED;
	if (!(mine & PM_EXCLUSIVE) && pfn && (parents & PM_PRESENT) &&
	    pfn == (parents & PM_PFN_MASK))
		return PAGE_PARENTS;
	return (mine & PM_EXCLUSIVE) && readable ? PAGE_PINNED : PAGE_UNPINNED;
}

static int emit(struct page_dump *d, enum page_class class, uint64_t start, uint64_t end)
{
	if (class == PAGE_PARENTS)
		return record_parent_run(d, start, end);
	return add_run(d, start, end, class == PAGE_PINNED);
}

/* The pagemap entries of n pages from addr; with no parent_fd, zeros. */
static int read_entries(struct page_dump *d, int fd, uint64_t addr, size_t n, uint64_t *entries)
{
	int ret;

	if (fd < 0) {
		memset(entries, 0, n * sizeof(*entries));
		return 0;
	}
	ret = pread_all(fd, entries, n * sizeof(*entries), addr / IMG_PAGE_SIZE * sizeof(*entries));
	if (ret)
		pr_err("cannot read the page frames of %d at %lx: %s", d->pid,
		       (unsigned long)addr, strerror(-ret));
	return ret;
}

/* Pages [start, end), found by the scan, in runs of one class each. */
static int dump_region(struct page_dump *d, int parent_fd, bool readable, uint64_t start,
		       uint64_t end)
{
	uint64_t mine[PM_CHUNK], parents[PM_CHUNK];
	int ret = 0;

	while (!ret && start < end) {
		size_t n = (end - start) / IMG_PAGE_SIZE, i = 0, j;

		n = n < PM_CHUNK ? n : PM_CHUNK;
		ret = read_entries(d, d->pagemap_fd, start, n, mine);
		if (!ret)
			ret = read_entries(d, parent_fd, start, n, parents);
		for (; i < n && !ret; i = j) {
			enum page_class class = classify(mine[i], parents[i], readable);

			for (j = i + 1; j < n && classify(mine[j], parents[j], readable) == class; j++)
				;
			ret = emit(d, class, start + i * IMG_PAGE_SIZE, start + j * IMG_PAGE_SIZE);
		}
		start += n * IMG_PAGE_SIZE;
	}
	return ret;
}

/*
 * Whether v may still share pages with the parent: a private VMA inside one of the parent's of
 * the same kind (and file, at the same offset), whose premapped copy restore can take.
 */
static int inherited(const struct dump_task *parent, const struct proc_vma *v, uint32_t kind)
{
	size_t i;

	if (!parent || (kind != VMA_ANON_PRIVATE && kind != VMA_FILE_PRIVATE))
		return 0;
	for (i = 0; i < parent->nr_vmas; i++) {
		const struct proc_vma *p = &parent->vmas[i];
		uint32_t parent_kind;

		if (p->start > v->start || p->end < v->end)
			continue;
		if (vma_kind(p, parent->pid, &parent_kind) != VMA_KEEP || parent_kind != kind)
			return 0;
		return kind == VMA_ANON_PRIVATE ||
		       (p->dev_major == v->dev_major && p->dev_minor == v->dev_minor &&
			p->ino == v->ino && p->pgoff + (v->start - p->start) == v->pgoff);
	}
	return 0;
}

/* Which pages of a VMA are stored: the PAGEMAP_SCAN masks for its kind. */
static void scan_masks(uint32_t kind, struct pm_scan_arg *arg)
{
	arg->category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	/* "inverted + mask": the category must be absent */
	arg->category_inverted = PAGE_IS_PFNZERO;
	arg->category_mask = PAGE_IS_PFNZERO;
	if (kind == VMA_FILE_PRIVATE || kind == VMA_MEMFD_PRIVATE) {
		arg->category_inverted |= PAGE_IS_FILE;
		arg->category_mask |= PAGE_IS_FILE;
	}
}

/* What one PAGEMAP_SCAN walked over: the pages it did not return are skipped. */
static void count_scanned(const struct pm_scan_arg *arg, const struct page_region *regions, long n)
{
	uint64_t walked = (arg->walk_end - arg->start) / IMG_PAGE_SIZE, found = 0;
	long i;

	for (i = 0; i < n; i++)
		found += (regions[i].end - regions[i].start) / IMG_PAGE_SIZE;
	stats_count(STATS_PAGES_SCANNED, walked);
	stats_count(STATS_PAGES_SKIPPED, walked - found);
	show_progress();
}

static int dump_vma_pages(struct page_dump *d, const struct dump_task *t,
			  const struct proc_vma *v, uint32_t kind)
{
	int from_parent = inherited(t->parent_task, v, kind);
	struct page_region regions[SCAN_REGIONS];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = v->start,
		.end = v->end,
		.vec = (uintptr_t)regions,
		.vec_len = SCAN_REGIONS,
	};
	int ret = 0;

	scan_masks(kind, &arg);
	while (!ret && arg.start < arg.end) {
		uint64_t t0 = stats_now();
		long i, n = ioctl(d->pagemap_fd, PAGEMAP_SCAN, &arg);

		stats_add_time(STATS_MEMORY, t0);
		if (n < 0)
			return pr_perror("PAGEMAP_SCAN of %d at %lx", d->pid,
					 (unsigned long)arg.start);
		count_scanned(&arg, regions, n);
		for (i = 0; i < n && !ret; i++)
			ret = dump_region(d, from_parent ? d->parent_pagemap_fd : -1,
					  v->prot & PROT_READ, regions[i].start, regions[i].end);
		arg.start = arg.walk_end;
	}
	return ret;
}

/* 1 if the pages of the VMA are scanned (and *kind set), 0 if not, or an error. */
static int is_scanned(const struct proc_vma *v, pid_t pid, uint32_t *kind)
{
	int ret = vma_kind(v, pid, kind);

	if (ret == VMA_SKIP)
		return 0;
	if (ret)
		return ret;
	return vma_kind_stores_pages(*kind);
}

int pages_to_scan(const struct dump_task *t, uint64_t *nr)
{
	size_t i;

	for (i = 0; i < t->nr_vmas; i++) {
		const struct proc_vma *v = &t->vmas[i];
		uint32_t kind;
		int ret = is_scanned(v, t->pid, &kind);

		if (ret < 0)
			return ret;
		if (ret)
			*nr += (v->end - v->start) / IMG_PAGE_SIZE;
	}
	return 0;
}

static int dump_all_vmas(struct page_dump *d, const struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_vmas && !ret; i++) {
		uint32_t kind;

		ret = is_scanned(&t->vmas[i], t->pid, &kind);
		if (ret > 0)
			ret = dump_vma_pages(d, t, &t->vmas[i], kind);
	}
	return ret ? ret : flush_batch(d);
}

static int open_proc(pid_t pid, const char *what)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open %s", path);
	return fd;
}

int dump_pages(struct dump_task *t)
{
	struct page_dump *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	d->pid = t->pid;
	d->pages.fd = d->pagemap.fd = -1;
	d->pagemap_fd = open_proc(t->pid, "pagemap");
	d->mem_fd = open_proc(t->pid, "mem");
	d->parent_pagemap_fd = t->parent_task ? open_proc(t->parent, "pagemap") : -1;
	d->buf = aligned_alloc(IMG_PAGE_SIZE, COPY_BUF_SIZE);
	ret = d->pagemap_fd < 0 ? d->pagemap_fd : d->mem_fd < 0 ? d->mem_fd : 0;
	if (!ret && t->parent_task && d->parent_pagemap_fd < 0)
		ret = d->parent_pagemap_fd;
	if (!ret && !d->buf)
		ret = -ENOMEM;
	if (!ret)
		ret = img_create(t->dirfd, IMG_KIND_PAGEMAP, t->pid, &d->pagemap);
	if (!ret)
		ret = img_pages_create(t->dirfd, IMG_KIND_PAGES, t->pid, &d->pages);
	if (!ret) {
		use_direct_io(d->pages.fd);
		ret = dump_all_vmas(d, t);
	}
	if (d->pagemap.fd >= 0)
		ret = img_finish(&d->pagemap, ret);
	if (d->pages.fd >= 0)
		ret = img_finish(&d->pages, ret);
	if (!ret)
		pr_info("%d: %lu pages stored", t->pid, (unsigned long)d->pages_stored);
	if (d->pagemap_fd >= 0)
		close(d->pagemap_fd);
	if (d->mem_fd >= 0)
		close(d->mem_fd);
	if (d->parent_pagemap_fd >= 0)
		close(d->parent_pagemap_fd);
	free(d->buf);
	free(d);
	return ret;
}
