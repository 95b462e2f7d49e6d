// SPDX-License-Identifier: MIT
/*
 * shmem.img at restore, loaded and checked before anything is created: every object once, of a
 * known kind and with known seals, its runs inside it, in order, and contiguous in
 * shmem-pages.img, which holds exactly their pages. Then the VMAs and memfd descriptors of each
 * process are linked to the object they name by st_dev and st_ino, which shmem.img must hold,
 * of the right kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kernel-compat.h"
#include "common/log.h"
#include "restore/task-image.h"

#define PAGE_MASK ((uint64_t)IMG_PAGE_SIZE - 1)
#define KNOWN_SEALS                                                                                \
	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE |          \
	 F_SEAL_EXEC)

static int bad(const char *why)
{
	pr_err("shmem.img: %s", why);
	return -EINVAL;
}

static int find_object(const struct shmem_table *t, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->objs[i].rec.dev == dev && t->objs[i].rec.ino == ino)
			return i;
	return -1;
}

static int check_object(const struct shmem_table *t, const struct rec_shmem *o, const char *name)
{
	if (find_object(t, o->dev, o->ino) >= 0)
		return bad("an object comes twice");
	if (o->kind != SHMEM_ANON && o->kind != SHMEM_MEMFD)
		return bad("an object of an unknown kind");
	if (o->seals & ~KNOWN_SEALS || !S_ISREG(o->mode) || o->size > INT64_MAX)
		return bad("an object with unknown seals, a bad mode or size");
	/* The kernel makes shared anonymous memory as long as its first mapping. */
	if (o->kind == SHMEM_ANON && (name[0] || !o->size || o->size & PAGE_MASK))
		return bad("shared anonymous memory with a name or a size not of whole pages");
	return 0;
}

static int add_object(struct shmem_table *t, const struct img_rec *rec)
{
	const struct rec_shmem *o = rec->data;
	const char *name = rec_tail_str(rec);
	struct image_shmem *grown;
	int ret;

	ret = check_object(t, o, name);
	if (ret)
		return ret;
	grown = realloc(t->objs, (t->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	t->objs = grown;
	grown[t->nr] = (struct image_shmem){.rec = *o, .fd = -1};
	strcpy(grown[t->nr].name, name); /* the codec checked its length */
	t->nr++;
	return 0;
}

/* A run of the last object: inside it, after the run before, where the page data goes on. */
static int add_run(struct shmem_table *t, const struct rec_shmem_run *r, uint64_t *offset)
{
	struct image_shmem *o = t->nr ? &t->objs[t->nr - 1] : NULL;
	const struct rec_shmem_run *prev = o && o->nr_runs ? &o->runs[o->nr_runs - 1] : NULL;
	uint64_t len = r->nr_pages * IMG_PAGE_SIZE, end = r->obj_offset + len;
	struct rec_shmem_run *grown;

	if (!o)
		return bad("a run before any object");
	if (!r->nr_pages || r->nr_pages > (UINT64_MAX >> 13) || r->obj_offset & PAGE_MASK ||
	    end < r->obj_offset || end > ((o->rec.size + PAGE_MASK) & ~PAGE_MASK))
		return bad("a run with a bad range");
	if (prev && prev->obj_offset + prev->nr_pages * IMG_PAGE_SIZE > r->obj_offset)
		return bad("runs out of order");
	if (r->offset != *offset)
		return bad("a run with a bad offset");
	grown = realloc(o->runs, (o->nr_runs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	o->runs = grown;
	o->runs[o->nr_runs++] = *r;
	*offset += len;
	return 0;
}

static int read_records(struct img *img, struct shmem_table *t, uint64_t *data)
{
	struct img_rec rec;
	int ret;

	while ((ret = img_next(img, &rec)) == 1) {
		if (rec.type == REC_SHMEM)
			ret = add_object(t, &rec);
		else if (rec.type == REC_SHMEM_RUN)
			ret = add_run(t, rec.data, data);
		else
			ret = bad("record of a kind that does not belong here");
		if (ret)
			return ret;
	}
	return ret;
}

/* shmem-pages.img holds exactly the pages of the runs. */
static int check_pages(int dirfd, uint64_t needed)
{
	uint64_t size;
	struct img img;
	int ret;

	ret = img_pages_open(dirfd, IMG_KIND_SHMEM_PAGES, 0, &img, &size);
	if (ret)
		return ret;
	img_release(&img);
	if (size != needed) {
		pr_err("shmem-pages.img: holds %lu bytes of pages, shmem.img describes %lu",
		       (unsigned long)size, (unsigned long)needed);
		return -EINVAL;
	}
	return 0;
}

int shmem_table_load(int dirfd, struct shmem_table *t)
{
	uint64_t data = 0;
	struct img img;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = img_open(dirfd, IMG_KIND_SHMEM, 0, &img);
	if (ret)
		return ret;
	ret = read_records(&img, t, &data);
	img_release(&img);
	return ret ? ret : check_pages(dirfd, data);
}

/* The object of dev and ino if it is of that kind: its index, or -1. */
static int find_of_kind(const struct shmem_table *t, uint64_t dev, uint64_t ino, uint32_t kind)
{
	int i = find_object(t, dev, ino);

	return i >= 0 && t->objs[i].rec.kind == kind ? i : -1;
}

static int is_shmem_vma(uint32_t kind)
{
	return kind == VMA_ANON_SHARED || kind == VMA_MEMFD_SHARED || kind == VMA_MEMFD_PRIVATE;
}

int shmem_find_memfd(const struct shmem_table *t, uint64_t dev, uint64_t ino)
{
	return find_of_kind(t, dev, ino, SHMEM_MEMFD);
}

int shmem_table_link(const struct shmem_table *t, struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_vmas; i++) {
		struct image_vma *v = &ti->vmas[i];

		if (!is_shmem_vma(v->rec.kind))
			continue;
		v->shmem = find_of_kind(t, v->rec.dev, v->rec.ino,
					v->rec.kind == VMA_ANON_SHARED ? SHMEM_ANON : SHMEM_MEMFD);
		if (v->shmem < 0) {
			pr_err(
			    "mm-%d.img: VMA %lx-%lx maps shared memory (inode %lu) that shmem.img "
			    "does not hold",
			    ti->pid, (unsigned long)v->rec.start, (unsigned long)v->rec.end,
			    (unsigned long)v->rec.ino);
			return -EINVAL;
		}
	}
	return 0;
}

void shmem_table_free(struct shmem_table *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		if (t->objs[i].fd >= 0)
			close(t->objs[i].fd);
		free(t->objs[i].runs);
	}
	free(t->objs);
	t->objs = NULL;
	t->nr = 0;
}
