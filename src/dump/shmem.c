// SPDX-License-Identifier: MIT
/*
 * shmem.img and shmem-pages.img: the shared memory objects of the tree, each stored once however
 * many VMAs and descriptors of however many processes refer to it. An object is MAP_SHARED
 * anonymous memory (the shmem file the kernel makes for such a mapping, "/dev/zero (deleted)" in
 * maps) or a memfd. VMAs (rec_vma) and descriptors (rec_fd) name their object by its st_dev and
 * st_ino.
 *
 * Everything is read from outside, without the parasite: opening /proc/PID/map_files/START-END
 * or /proc/PID/fd/N gives the very object, whose size and mode fstat tells, its seals
 * F_GET_SEALS, and its content pread, with SEEK_DATA and SEEK_HOLE skipping the holes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/vma.h"
#include "images/image.h"

#define COPY_BUF_SIZE (32u << 20)
#define PAGE_MASK ((uint64_t)IMG_PAGE_SIZE - 1)

struct shmem_object {
	uint64_t dev, ino;
	uint32_t kind; /* enum rec_shmem_kind */
	int fd;	       /* the object, opened read-only through /proc */
};

struct shmem_dump {
	struct shmem_object *objs;
	size_t nr;
	struct img img, pages;
	uint64_t offset; /* of the next run in shmem-pages.img */
	uint64_t pages_stored;
	uint8_t *buf;
};

int fd_is_memfd(const struct stat *st, const char *path)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 0 && is_memfd_path(path);
}

static bool has_object(const struct shmem_dump *d, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (d->objs[i].dev == dev && d->objs[i].ino == ino)
			return true;
	return false;
}

/* Open /proc/PID/<where>: it must be the object named dev and ino, on the kernel's tmpfs. */
static int open_object(pid_t pid, const char *where, uint64_t dev, uint64_t ino)
{
	char path[96];
	struct statfs sfs;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, where);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open the shared memory of %s", path);
	if (fstat(fd, &st) || fstatfs(fd, &sfs)) {
		close(fd);
		return pr_perror("cannot stat %s", path);
	}
	if (st.st_dev != dev || st.st_ino != ino) {
		pr_err("%s is not the object /proc told (inode %lu, not %lu)", path,
		       (unsigned long)st.st_ino, (unsigned long)ino);
		close(fd);
		return -ESTALE;
	}
	if (sfs.f_type != TMPFS_MAGIC) {
		pr_err("%s is shared memory on %s: not supported yet", path,
		       sfs.f_type == HUGETLBFS_MAGIC ? "hugetlbfs"
						     : "a file system other than tmpfs");
		close(fd);
		return -ENOTSUP;
	}
	return fd;
}

/* The object of pid's <where> into the table, opened, unless it is there already. */
static int note_object(struct shmem_dump *d, pid_t pid, const char *where, uint32_t kind,
		       uint64_t dev, uint64_t ino)
{
	struct shmem_object *grown;
	int fd;

	if (has_object(d, dev, ino))
		return 0;
	fd = open_object(pid, where, dev, ino);
	if (fd < 0)
		return fd;
	grown = realloc(d->objs, (d->nr + 1) * sizeof(*grown));
	if (!grown) {
		close(fd);
		return -ENOMEM;
	}
	d->objs = grown;
	d->objs[d->nr++] = (struct shmem_object){.dev = dev, .ino = ino, .kind = kind, .fd = fd};
	return 0;
}

static int note_vmas(struct shmem_dump *d, const struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_vmas && !ret; i++) {
		const struct proc_vma *v = &t->vmas[i];
		char where[64];
		uint32_t kind;

		ret = vma_kind(v, t->pid, &kind);
		if (ret == VMA_SKIP) {
			ret = 0;
			continue;
		}
		if (ret || (kind != VMA_ANON_SHARED && kind != VMA_MEMFD_SHARED &&
			    kind != VMA_MEMFD_PRIVATE))
			continue;
		snprintf(where, sizeof(where), "map_files/%lx-%lx", (unsigned long)v->start,
			 (unsigned long)v->end);
		ret = note_object(d, t->pid, where,
				  kind == VMA_ANON_SHARED ? SHMEM_ANON : SHMEM_MEMFD,
				  makedev(v->dev_major, v->dev_minor), v->ino);
	}
	return ret;
}

/* memfds open in the task, mapped or not. */
static int note_fds(struct shmem_dump *d, pid_t pid)
{
	char where[32], path[PATH_MAX], link[64];
	size_t nr = 0, i;
	int *fds = NULL, ret;
	struct stat st;

	ret = list_fds(pid, &fds, &nr);
	for (i = 0; i < nr && !ret; i++) {
		snprintf(where, sizeof(where), "fd/%d", fds[i]);
		ret = proc_readlink(pid, where, path, sizeof(path));
		if (ret || !is_memfd_path(path))
			continue;
		snprintf(link, sizeof(link), "/proc/%d/%s", pid, where);
		if (stat(link, &st))
			ret = pr_perror("cannot stat fd %d of %d (%s)", fds[i], pid, path);
		else if (fd_is_memfd(&st, path))
			ret = note_object(d, pid, where, SHMEM_MEMFD, st.st_dev, st.st_ino);
	}
	free(fds);
	return ret;
}

/* The memfd's name, from the link of cryo's own descriptor: "/memfd:NAME (deleted)". */
static int memfd_name(const struct shmem_object *o, char *name, size_t size)
{
	char what[32], path[PATH_MAX];
	size_t len;
	int ret;

	snprintf(what, sizeof(what), "fd/%d", o->fd);
	ret = proc_readlink(getpid(), what, path, sizeof(path));
	if (ret)
		return ret;
	len = strlen(path) - strlen(MEMFD_PREFIX) - strlen(DELETED_SUFFIX);
	if (!is_memfd_path(path) || len >= size) {
		pr_err("memfd %s (inode %lu): not a memfd name cryo can keep", path,
		       (unsigned long)o->ino);
		return -EINVAL;
	}
	memcpy(name, path + strlen(MEMFD_PREFIX), len);
	name[len] = '\0';
	return 0;
}

static int record_run(struct shmem_dump *d, uint64_t obj_offset, uint64_t len)
{
	struct rec_shmem_run rec = {
	    .obj_offset = obj_offset,
	    .nr_pages = len / IMG_PAGE_SIZE,
	    .offset = d->offset,
	};

	d->offset += len;
	d->pages_stored += rec.nr_pages;
	return img_write(&d->img, REC_SHMEM_RUN, &rec, sizeof(rec));
}

/* Pages [start, end) of the object; the part of the last one past its size reads as zeros. */
static int copy_run(struct shmem_dump *d, const struct shmem_object *o, uint64_t start,
		    uint64_t end, uint64_t size)
{
	int ret = 0;

	while (!ret && start < end) {
		uint64_t len = end - start < COPY_BUF_SIZE ? end - start : COPY_BUF_SIZE;
		uint64_t have = size - start < len ? size - start : len;

		memset(d->buf + have, 0, len - have);
		ret = pread_all(o->fd, d->buf, have, start);
		if (ret) {
			pr_err("cannot read shared memory object %lu at %lu: %s",
			       (unsigned long)o->ino, (unsigned long)start, strerror(-ret));
			return ret;
		}
		ret = write_all(d->pages.fd, d->buf, len);
		if (ret) {
			pr_err("cannot write shmem-pages.img: %s", strerror(-ret));
			return ret;
		}
		ret = record_run(d, start, len);
		start += len;
	}
	return ret;
}

/* Every run of data, hole after hole skipped. */
static int copy_content(struct shmem_dump *d, const struct shmem_object *o, uint64_t size)
{
	off_t data = 0, hole;
	int ret = 0;

	while (!ret && (uint64_t)data < size) {
		data = lseek(o->fd, data, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			return 0;
		hole = data < 0 ? -1 : lseek(o->fd, data, SEEK_HOLE);
		if (hole < 0)
			return pr_perror("cannot find the data of shared memory object %lu",
					 (unsigned long)o->ino);
		data &= ~PAGE_MASK;
		hole = (hole + PAGE_MASK) & ~PAGE_MASK;
		ret = copy_run(d, o, data, hole, size);
		data = hole;
	}
	return ret;
}

static int write_object(struct shmem_dump *d, const struct shmem_object *o)
{
	struct rec_shmem rec = {.dev = o->dev, .ino = o->ino, .kind = o->kind};
	char name[REC_SHMEM_NAME_MAX + 1] = "";
	struct stat st;
	int seals, ret;

	seals = fcntl(o->fd, F_GET_SEALS);
	if (fstat(o->fd, &st) || seals < 0)
		return pr_perror("cannot read the size and seals of shared memory object %lu",
				 (unsigned long)o->ino);
	rec.size = st.st_size;
	rec.mode = st.st_mode;
	rec.seals = seals;
	ret = o->kind == SHMEM_MEMFD ? memfd_name(o, name, sizeof(name)) : 0;
	if (!ret)
		ret = img_write_str(&d->img, REC_SHMEM, &rec, sizeof(rec), name);
	if (!ret)
		ret = copy_content(d, o, rec.size);
	return ret;
}

static int write_objects(int dirfd, struct shmem_dump *d)
{
	size_t i;
	int ret;

	d->buf = aligned_alloc(IMG_PAGE_SIZE, COPY_BUF_SIZE);
	if (!d->buf)
		return -ENOMEM;
	ret = img_create(dirfd, IMG_KIND_SHMEM, 0, &d->img);
	if (ret)
		return ret;
	ret = img_pages_create(dirfd, IMG_KIND_SHMEM_PAGES, 0, &d->pages);
	if (!ret) {
		use_direct_io(d->pages.fd);
		for (i = 0; i < d->nr && !ret; i++)
			ret = write_object(d, &d->objs[i]);
		ret = img_finish(&d->pages, ret);
	}
	return img_finish(&d->img, ret);
}

int dump_shmem(int dirfd, const struct dump_tree *tree)
{
	struct shmem_dump d = {0};
	size_t i;
	int ret = 0;

	for (i = 0; i < tree->nr_procs && !ret; i++) {
		ret = note_vmas(&d, &tree->procs[i]);
		if (!ret)
			ret = note_fds(&d, tree->procs[i].pid);
	}
	if (!ret)
		ret = write_objects(dirfd, &d);
	if (!ret)
		pr_info("%zu shared memory objects, %lu pages stored", d.nr,
			(unsigned long)d.pages_stored);
	for (i = 0; i < d.nr; i++)
		close(d.objs[i].fd);
	free(d.objs);
	free(d.buf);
	return ret;
}
