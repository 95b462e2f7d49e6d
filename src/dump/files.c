// SPDX-License-Identifier: MIT
/*
 * fds-PID.img: the task's file descriptors. Each is described from outside (/proc/PID/fd links,
 * fdinfo for offset and flags); descriptors that share one open file description (dup, 2>&1)
 * are found with kcmp and restored shared. A memfd is named by its dev and ino, its object is in
 * shmem.img. A kind cryo cannot restore yet fails the dump, naming the descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "images/image.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int list_fds(pid_t pid, int **fds, size_t *nr)
{
	char path[64];
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return pr_perror("cannot open %s", path);
	*fds = NULL;
	*nr = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (*nr == cap) {
			int *grown = realloc(*fds, (cap = cap * 2 + 16) * sizeof(int));

			if (!grown) {
				closedir(dir);
				return -ENOMEM;
			}
			*fds = grown;
		}
		(*fds)[(*nr)++] = atoi(de->d_name);
	}
	closedir(dir);
	qsort(*fds, *nr, sizeof(int), cmp_int);
	return 0;
}

static int fd_kind(pid_t pid, int fd, const struct stat *st, const char *path, uint32_t *kind)
{
	if (fd_is_memfd(st, path))
		*kind = FD_MEMFD;
	else if (S_ISREG(st->st_mode))
		*kind = FD_REGULAR;
	else if (S_ISDIR(st->st_mode))
		*kind = FD_DIRECTORY;
	else if (S_ISCHR(st->st_mode))
		*kind = FD_CHARDEV;
	else {
		pr_err("fd %d of %d is %s: this kind of file is not supported yet", fd, pid, path);
		return -ENOTSUP;
	}
	if ((*kind == FD_REGULAR || *kind == FD_DIRECTORY) && st->st_nlink == 0) {
		pr_err("fd %d of %d is %s, deleted: not supported yet", fd, pid, path);
		return -ENOTSUP;
	}
	return 0;
}

/* The first of fds[0..nr) of pid1 with the same open file description as fd of pid2, or -1. */
static int same_file(pid_t pid1, const int *fds, size_t nr, pid_t pid2, int fd)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (syscall(SYS_kcmp, pid1, pid2, KCMP_FILE, fds[i], fd) == 0)
			return fds[i];
	return -1;
}

static int describe_fd(pid_t pid, int fd, struct rec_fd *rec, char *path, size_t size)
{
	struct proc_fdinfo fi;
	char link[64];
	struct stat st;
	int ret;

	snprintf(link, sizeof(link), "fd/%d", fd);
	ret = proc_readlink(pid, link, path, size);
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
	if (stat(link, &st))
		return pr_perror("cannot stat fd %d of %d (%s)", fd, pid, path);
	ret = fd_kind(pid, fd, &st, path, &rec->kind);
	if (!ret)
		ret = proc_parse_fdinfo(pid, fd, &fi);
	if (ret)
		return ret;
	rec->fd = fd;
	rec->open_flags = fi.flags & ~O_CLOEXEC;
	rec->fd_flags = fi.flags & O_CLOEXEC ? FD_CLOEXEC : 0;
	rec->pos = fi.pos;
	rec->size = rec->kind == FD_REGULAR ? (uint64_t)st.st_size : 0;
	rec->dev = st.st_dev;
	rec->ino = st.st_ino;
	rec->mode = st.st_mode;
	rec->rdev = st.st_rdev;
	return 0;
}

/*
 * Descriptors sharing one open file description: within the process (dup), or with the parent
 * (inherited at fork), which restore recreates by inheriting them the same way.
 */
static void find_sharing(const struct dump_task *t, const int *fds, size_t i,
			 const int *parent_fds, size_t nr_parent, struct rec_fd *rec)
{
	rec->shared_with = same_file(t->pid, fds, i, t->pid, fds[i]);
	rec->inherit_fd = rec->shared_with < 0
				  ? same_file(t->parent, parent_fds, nr_parent, t->pid, fds[i])
				  : -1;
}

static int write_fds(struct img *img, const struct dump_task *t, const int *fds, size_t nr,
		     const int *parent_fds, size_t nr_parent)
{
	char path[PATH_MAX];
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		struct rec_fd rec = {0};

		ret = describe_fd(t->pid, fds[i], &rec, path, sizeof(path));
		if (ret)
			return ret;
		find_sharing(t, fds, i, parent_fds, nr_parent, &rec);
		ret = img_write_str(img, REC_FD, &rec, sizeof(rec), path);
		if (ret)
			return ret;
	}
	return 0;
}

int dump_files(struct dump_task *t)
{
	size_t nr = 0, nr_parent = 0;
	int *fds = NULL, *parent_fds = NULL, ret;
	struct img img;

	ret = list_fds(t->pid, &fds, &nr);
	if (!ret && t->parent)
		ret = list_fds(t->parent, &parent_fds, &nr_parent);
	if (!ret)
		ret = img_create(t->dirfd, IMG_KIND_FILES, t->pid, &img);
	if (!ret)
		ret = img_finish(&img, write_fds(&img, t, fds, nr, parent_fds, nr_parent));
	free(fds);
	free(parent_fds);
	return ret;
}
