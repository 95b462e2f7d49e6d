// SPDX-License-Identifier: MIT
/*
 * Shared memory objects at restore. cryo creates each object of shmem.img once, before the tree:
 * a memfd with its name, or, for shared anonymous memory, the kernel's own "/dev/zero" object,
 * made by an mmap(MAP_SHARED | MAP_ANONYMOUS) as long as it and opened through
 * /proc/self/map_files; it fills it from shmem-pages.img through a mapping of its own (holes stay
 * holes), then cuts it to its size and gives it its mode.
 *
 * The objects reach the processes by inheritance: cryo creates the root, and each process its
 * children, by fork (clone3), so descriptors open in cryo when it creates the root are in every
 * process of the tree, with no socket to pass them over and no order to agree on. Each process
 * keeps them above its own descriptors with cryo's other ones, reopens the memfds it holds open
 * and maps its objects through new opens of /proc/self/fd/N, then closes them before it jumps
 * into the restorer. Every process holds every object for a while: that costs descriptor
 * numbers, nothing else.
 *
 * Seals come last: F_SEAL_WRITE refuses writable shared mappings, F_SEAL_FUTURE_WRITE new ones
 * (which a process may have made before the seal). cryo adds them when every process has mapped
 * its objects and waits at its last trap, then closes its own descriptors: from then on the
 * tree's mappings and descriptors keep the objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "restore/restore.h"

#define PAGE_ALIGN(x) (((x) + IMG_PAGE_SIZE - 1) & ~(uint64_t)(IMG_PAGE_SIZE - 1))

/* How an object is named in messages. */
static const char *object_name(const struct image_shmem *o)
{
	return o->rec.kind == SHMEM_MEMFD ? o->name : "(shared anonymous memory)";
}

/* The kernel's object for MAP_SHARED | MAP_ANONYMOUS, len bytes, mapped at *map. */
static int create_anon(struct image_shmem *o, uint64_t len, void **map)
{
	char path[64];
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ret;

	if (p == MAP_FAILED)
		return pr_perror("cannot create %lu bytes of shared anonymous memory",
				 (unsigned long)len);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)p,
		 (unsigned long)p + len);
	o->fd = open(path, O_RDWR | O_CLOEXEC);
	if (o->fd < 0) {
		ret = pr_perror("cannot open %s", path);
		munmap(p, len);
		return ret;
	}
	*map = p;
	return 0;
}

/* A memfd of len bytes (whole pages), mapped at *map unless empty. */
static int create_memfd(struct image_shmem *o, uint64_t len, void **map)
{
	void *p;

	o->fd = memfd_create(o->name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (o->fd < 0)
		return pr_perror("cannot create memfd %s", o->name);
	if (ftruncate(o->fd, len))
		return pr_perror("cannot make memfd %s %lu bytes long", o->name,
				 (unsigned long)len);
	if (!len)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd, 0);
	if (p == MAP_FAILED)
		return pr_perror("cannot map memfd %s", o->name);
	*map = p;
	return 0;
}

/* Each run read straight into the object, faulted in in one go first. */
static int fill(const struct image_shmem *o, uint8_t *map, int pages_fd)
{
	size_t i;
	int ret;

	for (i = 0; i < o->nr_runs; i++) {
		const struct rec_shmem_run *r = &o->runs[i];
		uint64_t len = r->nr_pages * IMG_PAGE_SIZE;

		madvise(map + r->obj_offset, len, MADV_POPULATE_WRITE);
		ret =
		    pread_all(pages_fd, map + r->obj_offset, len, IMG_PAGES_DATA_START + r->offset);
		if (ret) {
			pr_err("cannot read shmem-pages.img at %lu: %s", (unsigned long)r->offset,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* A memfd's exact size and mode, before any seal can forbid them. */
static int finish_memfd(const struct image_shmem *o)
{
	if (ftruncate(o->fd, o->rec.size))
		return pr_perror("cannot cut memfd %s to %lu bytes", o->name,
				 (unsigned long)o->rec.size);
	if (fchmod(o->fd, o->rec.mode & 07777))
		return pr_perror("cannot set the mode of memfd %s", o->name);
	return 0;
}

static int create_object(struct image_shmem *o, int pages_fd)
{
	uint64_t len = PAGE_ALIGN(o->rec.size);
	void *map = NULL;
	int ret;

	ret = o->rec.kind == SHMEM_ANON ? create_anon(o, len, &map) : create_memfd(o, len, &map);
	if (!ret)
		ret = fill(o, map, pages_fd);
	if (map)
		munmap(map, len);
	if (!ret && o->rec.kind == SHMEM_MEMFD)
		ret = finish_memfd(o);
	return ret;
}

int shmem_create(int dirfd, struct shmem_table *t)
{
	uint64_t size;
	struct img img;
	size_t i;
	int ret;

	ret = img_pages_open(dirfd, IMG_KIND_SHMEM_PAGES, 0, &img, &size);
	if (ret)
		return ret;
	use_direct_io(img.fd);
	for (i = 0; i < t->nr && !ret; i++)
		ret = create_object(&t->objs[i], img.fd);
	img_release(&img);
	if (!ret && t->nr)
		pr_info("%zu shared memory objects created", t->nr);
	return ret;
}

int shmem_reopen(const struct shmem_table *t, int i, int flags)
{
	const struct image_shmem *o = &t->objs[i];
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", o->fd);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open shared memory object %s again", object_name(o));
	return fd;
}

void shmem_close(struct shmem_table *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		if (t->objs[i].fd >= 0)
			close(t->objs[i].fd);
		t->objs[i].fd = -1;
	}
}

/* Shared anonymous memory is born with F_SEAL_SEAL, which is all it can have. */
int shmem_seal(struct shmem_table *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr && !ret; i++) {
		const struct image_shmem *o = &t->objs[i];

		if (o->rec.kind == SHMEM_MEMFD && o->rec.seals &&
		    fcntl(o->fd, F_ADD_SEALS, o->rec.seals))
			ret = pr_perror("cannot seal memfd %s (seals %#x)", o->name, o->rec.seals);
	}
	shmem_close(t);
	return ret;
}

/* A memfd descriptor's open file description: its object opened again, at its offset. */
static int open_memfd(struct file_pool *pool, struct image_file *f)
{
	const struct path_file *p = f->priv;
	int i = shmem_find_memfd(pool->shmem, p->rec.dev, p->rec.ino), fd;

	if (i < 0) {
		pr_err("files.img: file %u is a memfd (inode %lu) that shmem.img does not hold",
		       f->rec.id, (unsigned long)p->rec.ino);
		return -EINVAL;
	}
	fd = shmem_reopen(pool->shmem, i, f->rec.open_flags & ~(O_CREAT | O_TRUNC | O_EXCL));
	if (fd >= 0 && lseek(fd, f->rec.pos, SEEK_SET) != (off_t)f->rec.pos) {
		close(fd);
		return pr_perror("cannot seek memfd %s to %lu", p->path, (unsigned long)f->rec.pos);
	}
	return fd;
}

const struct file_restorer memfd_restorer = {
    .load = load_path_file,
    .check = check_path_file,
    .open = open_memfd,
    .release = release_path_file,
};
