// SPDX-License-Identifier: MIT
/*
 * Loading a task's images: the codec checks each record on its own (type, size, checksum); here
 * each record is checked against the others: one of each where one is due, VMAs sorted and
 * disjoint, page runs inside VMAs that store pages and within pages-PID.img, descriptors unique.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "common/log.h"
#include "restore/task-image.h"

#define IMG_PAGE_MASK ((uint64_t)IMG_PAGE_SIZE - 1)

static int bad(const struct img *img, const char *why)
{
	pr_err("%s: %s", img->name, why);
	return -EINVAL;
}

static int copy_path(const struct img *img, const struct img_rec *rec, char *dst, size_t size)
{
	const char *s = rec_tail_str(rec);

	if (strlen(s) >= size)
		return bad(img, "path too long");
	strcpy(dst, s);
	return 0;
}

static int take_path(const struct img *img, const struct img_rec *rec, struct task_image *ti)
{
	const struct rec_path *p = rec->data;

	switch (p->kind) {
	case PATH_CWD:
		return copy_path(img, rec, ti->cwd, sizeof(ti->cwd));
	case PATH_ROOT:
		return copy_path(img, rec, ti->root, sizeof(ti->root));
	case PATH_EXE:
		return copy_path(img, rec, ti->exe, sizeof(ti->exe));
	}
	return bad(img, "unknown path kind");
}

/* What is being loaded: the task, the thread whose image it is, the records seen once. */
struct loader {
	struct task_image *ti;
	struct image_thread *th;
	unsigned seen; /* bit per record type that must come once */
};

typedef int (*take_fn)(const struct img *img, const struct img_rec *rec, struct loader *l);

/* A record that may come once per image. */
static int once(const struct img *img, const struct img_rec *rec, struct loader *l)
{
	if (l->seen & (1u << rec->type))
		return bad(img, "record repeated");
	l->seen |= 1u << rec->type;
	return 0;
}

static int take_u32s(const struct img *img, const struct img_rec *rec, uint32_t *dst,
		     uint32_t *nr, size_t max)
{
	if (rec->len % sizeof(uint32_t) || rec->len / sizeof(uint32_t) > max)
		return bad(img, "bad list of ids");
	memcpy(dst, rec->data, rec->len);
	*nr = rec->len / sizeof(uint32_t);
	return 0;
}

static int take_tids(const struct img *img, const struct img_rec *rec, struct task_image *ti)
{
	const uint32_t *tids = rec->data;
	size_t i, nr = rec->len / sizeof(uint32_t);

	if (!nr || tids[0] != (uint32_t)ti->pid)
		return bad(img, "the thread list does not start with the process");
	ti->threads = calloc(nr, sizeof(*ti->threads));
	if (!ti->threads)
		return -ENOMEM;
	ti->nr_threads = nr;
	for (i = 0; i < nr; i++) {
		ti->threads[i].rec.tid = tids[i];
		ti->threads[i].regs = calloc(1, sizeof(*ti->threads[i].regs));
		if (!ti->threads[i].regs)
			return -ENOMEM;
		if (!tids[i] || (i && tids[i] == tids[0]))
			return bad(img, "bad thread id");
	}
	return 0;
}

static int take_siginfo(const struct img_rec *rec, struct sigqueue *q)
{
	struct rec_siginfo *grown = realloc(q->info, (q->nr + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	q->info = grown;
	memcpy(&grown[q->nr++], rec->data, sizeof(*grown));
	return 0;
}

/* A seccomp filter at the end of chain; the codec checked its program is whole instructions. */
static int take_filter(const struct img *img, const struct img_rec *rec, struct filter_chain *chain)
{
	const struct rec_seccomp_filter *f = rec->data;
	uint32_t bytes = rec->len - sizeof(*f);
	struct image_filter *grown;

	/* Any other flag would change more than the filter (TSYNC, NEW_LISTENER's descriptor). */
	if (f->flags & ~SECCOMP_FILTER_FLAG_LOG)
		return bad(img, "seccomp filter with flags other than LOG");
	grown = realloc(chain->filters, (chain->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	chain->filters = grown;
	grown[chain->nr] = (struct image_filter){
		.flags = f->flags,
		.nr_insns = bytes / REC_BPF_INSN_SIZE,
		.insns = malloc(bytes),
	};
	if (!grown[chain->nr].insns)
		return -ENOMEM;
	memcpy(grown[chain->nr].insns, f + 1, bytes);
	chain->nr++;
	return 0;
}

/* In increasing ID order; what refers to threads is checked once they are known. */
static int take_timer(const struct img *img, const struct img_rec *rec, struct task_image *ti)
{
	const struct rec_posix_timer *t = rec->data;
	struct rec_posix_timer *grown;

	if (t->id < 0 || (ti->nr_timers && ti->timers[ti->nr_timers - 1].id >= t->id))
		return bad(img, "POSIX timers out of order");
	if (t->overrun < 0 || (t->notify != SIGEV_NONE && (t->signo < 1 || t->signo > 64)))
		return bad(img, "POSIX timer with a bad signal or overrun");
	if (t->notify != SIGEV_SIGNAL && t->notify != SIGEV_NONE && t->notify != SIGEV_THREAD &&
	    t->notify != (SIGEV_SIGNAL | SIGEV_THREAD_ID))
		return bad(img, "POSIX timer with an unknown notification");
	grown = realloc(ti->timers, (ti->nr_timers + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ti->timers = grown;
	grown[ti->nr_timers++] = *t;
	return 0;
}

static int take_core_rec(const struct img *img, const struct img_rec *rec, struct loader *l)
{
	const struct rec_sigaction *sa = rec->data;
	const struct rec_itimer *it = rec->data;
	const struct rec_rlimit *rl = rec->data;
	struct task_image *ti = l->ti;

	switch (rec->type) {
	case REC_TASK:
		memcpy(&ti->task, rec->data, sizeof(ti->task));
		if (once(img, rec, l))
			return -EINVAL;
		return ti->task.pid == (uint32_t)ti->pid ? 0 : bad(img, "pid does not match");
	case REC_TIDS:
		return once(img, rec, l) ?: take_tids(img, rec, ti);
	case REC_CREDS:
		memcpy(&ti->creds, rec->data, sizeof(ti->creds));
		return once(img, rec, l);
	case REC_SIGACTION:
		if (sa->signo < 1 || sa->signo > 64 || ti->sigactions[sa->signo - 1].signo)
			return bad(img, "bad or repeated signal action");
		ti->sigactions[sa->signo - 1] = *sa;
		return 0;
	case REC_ITIMER:
		if (it->which >= 3)
			return bad(img, "bad itimer");
		ti->itimers[it->which] = *it;
		return 0;
	case REC_RLIMIT:
		if (rl->resource >= 16)
			return bad(img, "bad rlimit");
		ti->rlimits[rl->resource] = *rl;
		return 0;
	case REC_GROUPS:
		return once(img, rec, l) ?:
		       take_u32s(img, rec, ti->groups, &ti->nr_groups, REC_GROUPS_MAX);
	case REC_PATH:
		return take_path(img, rec, ti);
	case REC_SIGINFO:
		return take_siginfo(rec, &ti->sigq);
	case REC_SECCOMP_FILTER:
		return take_filter(img, rec, &ti->filters);
	case REC_POSIX_TIMER:
		return take_timer(img, rec, ti);
	}
	return bad(img, "record of a kind that does not belong here");
}

static int take_thread_rec(const struct img *img, const struct img_rec *rec, struct loader *l)
{
	struct image_thread *th = l->th;
	int ret = arch_read_regs_rec(rec, th->regs);

	if (ret)
		return ret < 0 ? bad(img, "bad register record") : once(img, rec, l);
	switch (rec->type) {
	case REC_THREAD:
		if (((const struct rec_thread *)rec->data)->tid != th->rec.tid)
			return bad(img, "thread id does not match");
		memcpy(&th->rec, rec->data, sizeof(th->rec));
		return once(img, rec, l);
	case REC_SIGSTATE:
		memcpy(&th->sigstate, rec->data, sizeof(th->sigstate));
		return once(img, rec, l);
	case REC_RSEQ:
		memcpy(&th->rseq, rec->data, sizeof(th->rseq));
		return once(img, rec, l);
	case REC_SIGINFO:
		return take_siginfo(rec, &th->sigq);
	case REC_SCHED:
		memcpy(&th->sched, rec->data, sizeof(th->sched));
		return once(img, rec, l);
	case REC_SECCOMP:
		th->seccomp_mode = ((const struct rec_seccomp *)rec->data)->mode;
		return once(img, rec, l);
	case REC_SECCOMP_FILTER:
		return take_filter(img, rec, &th->filters);
	}
	return bad(img, "record of a kind that does not belong here");
}

/* Iterate over the records of one image, handing each to take(). */
static int load_image(int dirfd, uint32_t kind, int id, take_fn take, struct loader *l)
{
	struct img_rec rec;
	struct img img;
	int ret;

	ret = img_open(dirfd, kind, id, &img);
	if (ret)
		return ret;
	while ((ret = img_next(&img, &rec)) == 1) {
		ret = take(&img, &rec, l);
		if (ret)
			break;
	}
	img_release(&img);
	return ret;
}

/* The kernel's limit on the instructions of a thread's chain, each filter counting 4 more. */
#define CHAIN_MAX_INSNS 32768

static size_t chain_insns(const struct filter_chain *chain)
{
	size_t i, n = 0;

	for (i = 0; i < chain->nr; i++)
		n += chain->filters[i].nr_insns + 4;
	return n;
}

/* Filters exactly in filter mode, and no more of them than the kernel takes. */
static int check_seccomp(const struct task_image *ti, const struct image_thread *th,
			 const char *name)
{
	size_t nr = ti->filters.nr + th->filters.nr;

	if (th->seccomp_mode > SECCOMP_MODE_FILTER ||
	    (th->seccomp_mode == SECCOMP_MODE_FILTER) != (nr > 0)) {
		pr_err("%s: seccomp mode %u with %zu filters", name, th->seccomp_mode, nr);
		return -EINVAL;
	}
	if (chain_insns(&ti->filters) + chain_insns(&th->filters) > CHAIN_MAX_INSNS) {
		pr_err("%s: seccomp filters longer than the kernel allows", name);
		return -EINVAL;
	}
	return 0;
}

static int load_threads(int dirfd, struct task_image *ti)
{
	const unsigned needed = 1u << REC_THREAD | 1u << REC_SIGSTATE | 1u << REC_RSEQ |
				1u << REC_SCHED | 1u << REC_SECCOMP;
	size_t i;
	int ret;

	for (i = 0; i < ti->nr_threads; i++) {
		struct loader l = {.ti = ti, .th = &ti->threads[i]};
		int tid = ti->threads[i].rec.tid;
		char name[64];

		ret = load_image(dirfd, IMG_KIND_THREAD, tid, take_thread_rec, &l);
		if (ret)
			return ret;
		img_name(name, sizeof(name), IMG_KIND_THREAD, tid);
		if ((l.seen & needed) != needed) {
			pr_err("%s: records missing", name);
			return -EINVAL;
		}
		if (arch_regs_complete(ti->threads[i].regs, name) ||
		    check_seccomp(ti, &ti->threads[i], name))
			return -EINVAL;
	}
	return 0;
}

static int check_vma(const struct img *img, const struct task_image *ti,
		     const struct rec_vma *v)
{
	const struct image_vma *prev = ti->nr_vmas ? &ti->vmas[ti->nr_vmas - 1] : NULL;

	if (v->start >= v->end || (v->start | v->end | v->pgoff) & IMG_PAGE_MASK)
		return bad(img, "VMA with a bad range");
	if (prev && prev->rec.end > v->start)
		return bad(img, "VMAs overlap or are out of order");
	if (v->kind < VMA_ANON_PRIVATE || v->kind > VMA_MEMFD_PRIVATE || v->prot > 7)
		return bad(img, "VMA of an unknown kind or protection");
	return 0;
}

static int add_vma(const struct img *img, const struct img_rec *rec, struct task_image *ti)
{
	const struct rec_vma *v = rec->data;
	struct image_vma *grown;
	int ret;

	ret = check_vma(img, ti, v);
	if (ret)
		return ret;
	grown = realloc(ti->vmas, (ti->nr_vmas + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ti->vmas = grown;
	grown[ti->nr_vmas].rec = *v;
	grown[ti->nr_vmas].shmem = -1;
	ret = copy_path(img, rec, grown[ti->nr_vmas].path, sizeof(grown->path));
	if (ret)
		return ret;
	if ((v->kind == VMA_FILE_PRIVATE || v->kind == VMA_FILE_SHARED) &&
	    grown[ti->nr_vmas].path[0] != '/')
		return bad(img, "file VMA without a path");
	ti->nr_vmas++;
	return 0;
}

static int take_mm_rec(const struct img *img, const struct img_rec *rec, struct loader *l)
{
	struct task_image *ti = l->ti;

	switch (rec->type) {
	case REC_MM:
		memcpy(&ti->mm, rec->data, sizeof(ti->mm));
		return once(img, rec, l);
	case REC_AUXV:
		if (rec->len > sizeof(ti->auxv))
			return bad(img, "auxv too long");
		memcpy(ti->auxv, rec->data, rec->len);
		ti->auxv_len = rec->len;
		return once(img, rec, l);
	case REC_PATH:
		return take_path(img, rec, ti);
	case REC_VMA:
		return add_vma(img, rec, ti);
	}
	return bad(img, "record of a kind that does not belong here");
}

/* A run must lie inside one VMA that stores pages; runs come in address order. */
static int check_run(const struct img *img, const struct task_image *ti,
		     const struct rec_page_run *r, uint64_t expected_offset)
{
	uint64_t len = r->nr_pages * IMG_PAGE_SIZE;
	size_t i;

	if (!r->nr_pages || r->nr_pages > (UINT64_MAX >> 13) || r->vaddr & IMG_PAGE_MASK ||
	    r->vaddr + len < r->vaddr)
		return bad(img, "page run with a bad range");
	if (r->offset != expected_offset)
		return bad(img, "page run with a bad offset");
	if (ti->nr_runs && ti->runs[ti->nr_runs - 1].vaddr >= r->vaddr)
		return bad(img, "page runs out of order");
	for (i = 0; i < ti->nr_vmas; i++) {
		const struct rec_vma *v = &ti->vmas[i].rec;

		if (r->vaddr >= v->start && r->vaddr + len <= v->end &&
		    vma_kind_stores_pages(v->kind))
			return 0;
	}
	return bad(img, "page run outside of any VMA that stores pages");
}

/* The VMA holding addr, or NULL. */
const struct image_vma *find_vma(const struct task_image *ti, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ti->nr_vmas; i++)
		if (addr >= ti->vmas[i].rec.start && addr < ti->vmas[i].rec.end)
			return &ti->vmas[i];
	return NULL;
}

/* Pages shared with the parent: in a private VMA, in address order (checked with the parent's). */
static int take_parent_run(const struct img *img, struct task_image *ti,
			   const struct rec_parent_run *r)
{
	uint64_t len = r->nr_pages * IMG_PAGE_SIZE;
	struct rec_parent_run *grown;
	const struct image_vma *v = find_vma(ti, r->vaddr);

	if (!r->nr_pages || r->nr_pages > (UINT64_MAX >> 13) || r->vaddr & IMG_PAGE_MASK ||
	    r->vaddr + len < r->vaddr || !v || r->vaddr + len > v->rec.end ||
	    (v->rec.kind != VMA_ANON_PRIVATE && v->rec.kind != VMA_FILE_PRIVATE))
		return bad(img, "parent run outside of any private VMA");
	if (ti->nr_parent_runs && ti->parent_runs[ti->nr_parent_runs - 1].vaddr >= r->vaddr)
		return bad(img, "parent runs out of order");
	grown = realloc(ti->parent_runs, (ti->nr_parent_runs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ti->parent_runs = grown;
	ti->parent_runs[ti->nr_parent_runs++] = *r;
	return 0;
}

static int take_pagemap_rec(const struct img *img, const struct img_rec *rec, struct loader *l)
{
	struct task_image *ti = l->ti;
	const struct rec_page_run *r = rec->data;
	uint64_t offset = 0;
	struct rec_page_run *grown;
	int ret;

	if (rec->type == REC_PARENT_RUN)
		return take_parent_run(img, ti, rec->data);
	if (rec->type != REC_PAGE_RUN)
		return bad(img, "record of a kind that does not belong here");
	if (ti->nr_runs) {
		const struct rec_page_run *last = &ti->runs[ti->nr_runs - 1];

		offset = last->offset + last->nr_pages * IMG_PAGE_SIZE;
	}
	ret = check_run(img, ti, r, offset);
	if (ret)
		return ret;
	grown = realloc(ti->runs, (ti->nr_runs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ti->runs = grown;
	ti->runs[ti->nr_runs++] = *r;
	return 0;
}

/* A POSIX lock, through the fd before it. */
static int take_lock_rec(const struct img *img, const struct img_rec *rec, struct task_image *ti)
{
	const struct rec_file_lock *r = rec->data;
	struct image_lock *grown;

	if (!ti->nr_fds || r->kind != FILE_LOCK_POSIX || r->write > 1)
		return bad(img, "a file lock that is not a POSIX lock after a descriptor");
	grown = realloc(ti->locks, (ti->nr_locks + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ti->locks = grown;
	grown[ti->nr_locks++] = (struct image_lock){ti->fds[ti->nr_fds - 1].fd, *r};
	return 0;
}

static int take_fd_rec(const struct img *img, const struct img_rec *rec, struct loader *l)
{
	struct task_image *ti = l->ti;
	const struct rec_fd *f = rec->data;
	struct rec_fd *grown;

	if (rec->type == REC_FILE_LOCK)
		return take_lock_rec(img, rec, ti);
	if (rec->type != REC_FD)
		return bad(img, "record of a kind that does not belong here");
	if (f->fd > INT32_MAX || (ti->nr_fds && ti->fds[ti->nr_fds - 1].fd >= f->fd))
		return bad(img, "descriptors out of order");
	if (!f->file_id)
		return bad(img, "descriptor of no file");
	grown = realloc(ti->fds, (ti->nr_fds + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ti->fds = grown;
	grown[ti->nr_fds++] = *f;
	return 0;
}

static int check_complete(const struct task_image *ti, unsigned core_seen, unsigned mm_seen)
{
	const unsigned core_needed =
		1u << REC_TASK | 1u << REC_TIDS | 1u << REC_GROUPS | 1u << REC_CREDS;
	const unsigned mm_needed = 1u << REC_MM | 1u << REC_AUXV;

	if ((core_seen & core_needed) != core_needed || !ti->cwd[0] || !ti->root[0]) {
		pr_err("core-%d.img: records missing", ti->pid);
		return -EINVAL;
	}
	if ((mm_seen & mm_needed) != mm_needed || !ti->exe[0]) {
		pr_err("mm-%d.img: records missing", ti->pid);
		return -EINVAL;
	}
	return 0;
}

int open_pages(int dirfd, struct task_image *ti)
{
	struct img img;
	uint64_t size, needed = 0;
	int ret;

	ret = img_pages_open(dirfd, IMG_KIND_PAGES, ti->pid, &img, &size);
	if (ret)
		return ret;
	ti->pages_fd = img.fd;
	if (ti->nr_runs) {
		const struct rec_page_run *last = &ti->runs[ti->nr_runs - 1];

		needed = last->offset + last->nr_pages * IMG_PAGE_SIZE;
	}
	if (needed != size) {
		pr_err("%s: holds %lu bytes of pages, pagemap-%d.img describes %lu", img.name,
		       (unsigned long)size, ti->pid, (unsigned long)needed);
		return -EINVAL;
	}
	return 0;
}

int task_image_load(int dirfd, int pid, struct task_image *ti)
{
	struct loader core = {.ti = ti}, mm = {.ti = ti}, other = {.ti = ti};
	int ret;

	memset(ti, 0, sizeof(*ti));
	ti->pid = pid;
	ti->pages_fd = -1;
	ret = load_image(dirfd, IMG_KIND_CORE, pid, take_core_rec, &core);
	if (!ret)
		ret = load_image(dirfd, IMG_KIND_MM, pid, take_mm_rec, &mm);
	if (!ret)
		ret = load_image(dirfd, IMG_KIND_PAGEMAP, pid, take_pagemap_rec, &other);
	if (!ret)
		ret = load_image(dirfd, IMG_KIND_FILES, pid, take_fd_rec, &other);
	if (!ret)
		ret = check_complete(ti, core.seen, mm.seen);
	if (!ret)
		ret = load_threads(dirfd, ti);
	if (!ret)
		ret = check_timers(ti);
	/* Checked now; each process opens its own when it restores. */
	if (!ret)
		ret = open_pages(dirfd, ti);
	if (ti->pages_fd >= 0)
		close(ti->pages_fd);
	ti->pages_fd = -1;
	return ret;
}

static void free_chain(struct filter_chain *chain)
{
	size_t i;

	for (i = 0; i < chain->nr; i++)
		free(chain->filters[i].insns);
	free(chain->filters);
}

void task_image_free(struct task_image *ti)
{
	size_t i;

	if (ti->pages_fd >= 0)
		close(ti->pages_fd);
	for (i = 0; i < ti->nr_threads; i++) {
		free(ti->threads[i].regs);
		free(ti->threads[i].sigq.info);
		free_chain(&ti->threads[i].filters);
	}
	free(ti->sigq.info);
	free_chain(&ti->filters);
	free(ti->timers);
	free(ti->locks);
	free(ti->threads);
	free(ti->vmas);
	free(ti->runs);
	free(ti->parent_runs);
	free(ti->fds);
}
