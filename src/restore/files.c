// SPDX-License-Identifier: MIT
/*
 * The task's descriptors at restore: each opened again by path (a memfd through its object), at
 * its number, at its offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/restore.h"

int fds_above_task(const struct task_image *ti)
{
	return ti->nr_fds ? (int)ti->fds[ti->nr_fds - 1].rec.fd + 1 : 0;
}

/* The file must still be the one that was open: same kind, and a regular file the same size. */
static int check_same_file(const struct image_fd *f, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return pr_perror("cannot stat %s", f->path);
	if ((st.st_mode & S_IFMT) != (f->rec.mode & S_IFMT)) {
		pr_err("%s (fd %u) is not the kind of file it was at dump time", f->path, f->rec.fd);
		return -ESTALE;
	}
	if (f->rec.kind == FD_REGULAR && (uint64_t)st.st_size != f->rec.size) {
		pr_err("%s (fd %u) changed size since the dump (%lu bytes, now %lu)", f->path,
		       f->rec.fd, (unsigned long)f->rec.size, (unsigned long)st.st_size);
		return -ESTALE;
	}
	if (f->rec.kind == FD_CHARDEV && st.st_rdev != f->rec.rdev) {
		pr_err("%s (fd %u) is not the device it was at dump time", f->path, f->rec.fd);
		return -ESTALE;
	}
	return 0;
}

static int is_terminal_path(const char *path)
{
	return !strncmp(path, "/dev/pts/", 9) || !strncmp(path, "/dev/tty", 8) ||
	       !strcmp(path, "/dev/console");
}

/*
 * A new open file for f: a shell job's terminal is the one cryo runs on now, a memfd its object
 * of shmem.img opened again; other files must be what they were.
 */
static int open_again(const struct image_fd *f, const struct shmem_table *shm, const char *tty)
{
	int flags = (f->rec.open_flags & ~(O_CREAT | O_TRUNC | O_EXCL)) | O_NOCTTY;
	int job_tty = tty[0] && f->rec.kind == FD_CHARDEV && is_terminal_path(f->path);
	const char *path = job_tty ? tty : f->path;
	int fd, ret;

	if (f->rec.kind == FD_MEMFD)
		return shmem_reopen(shm, f->shmem, flags);
	fd = open(path, flags);
	if (fd < 0)
		return pr_perror("cannot open %s again for fd %u", path, f->rec.fd);
	ret = job_tty ? 0 : check_same_file(f, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int open_at_number(const struct image_fd *f, const struct shmem_table *shm, const char *tty)
{
	int fd = open_again(f, shm, tty), ret = 0;

	if (fd < 0)
		return fd;
	if (fd != (int)f->rec.fd && dup2(fd, f->rec.fd) < 0)
		ret = pr_perror("cannot move %s to fd %u", f->path, f->rec.fd);
	if (fd != (int)f->rec.fd)
		close(fd);
	if (!ret && f->rec.kind != FD_CHARDEV &&
	    lseek(f->rec.fd, f->rec.pos, SEEK_SET) != (off_t)f->rec.pos)
		ret = pr_perror("cannot seek %s to %lu", f->path, (unsigned long)f->rec.pos);
	return ret;
}

/* A description inherited from the parent, kept above as inherited[i]: shared, offset and all. */
static int take_inherited(const struct image_fd *f, int from)
{
	int ret = dup2(from, f->rec.fd) < 0 ? pr_perror("cannot place fd %u", f->rec.fd) : 0;

	close(from);
	return ret;
}

int restore_files(const struct task_image *ti, const struct shmem_table *shm, const char *tty,
		  const int *inherited)
{
	size_t i;
	int ret;

	for (i = 0; i < ti->nr_fds; i++) {
		const struct image_fd *f = &ti->fds[i];

		if (f->rec.shared_with >= 0)
			ret = dup2(f->rec.shared_with, f->rec.fd) < 0 ? -errno : 0;
		else if (f->rec.inherit_fd >= 0)
			ret = take_inherited(f, inherited[i]);
		else
			ret = open_at_number(f, shm, tty);
		if (ret)
			return ret;
		if (fcntl(f->rec.fd, F_SETFD, f->rec.fd_flags) < 0)
			return pr_perror("cannot set the flags of fd %u", f->rec.fd);
	}
	return 0;
}
