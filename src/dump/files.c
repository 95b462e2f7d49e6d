// SPDX-License-Identifier: MIT
/*
 * fds-PID.img and files.img. Each descriptor is described from outside (/proc/PID/fd links,
 * fdinfo for offset and flags); the open file description behind it is found among those already
 * seen, in this process or another of the tree, with kcmp, so that descriptors sharing one (dup,
 * 2>&1, inherited at fork, passed over a socket) share it again after restore. A kind cryo cannot
 * restore fails the dump, naming the descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/major.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/files.h"

static const struct file_dumper dumpers[FILE_KIND_MAX] = {
    [FILE_REGULAR] = {"regular file", dump_path_file},
    [FILE_DIRECTORY] = {"directory", dump_path_file},
    [FILE_CHARDEV] = {"character device", dump_path_file},
    [FILE_PIPE] = {"pipe", dump_pipe},
    [FILE_FIFO] = {"named FIFO", dump_fifo},
    [FILE_GHOST] = {"deleted file", dump_ghost},
    [FILE_PTY] = {"pty master", dump_pty},
};

/* An open file description already written, and one descriptor that has it. */
struct known_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int fd;
	uint32_t id;
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The process's descriptor numbers, sorted. */
static int list_fds(pid_t pid, int **fds, size_t *nr)
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

static int unsupported(const struct dump_fd *d, const char *what)
{
	pr_err("fd %d of %d is %s (%s): not supported yet", d->fd, d->pid, d->link, what);
	return -ENOTSUP;
}

static int file_kind(const struct dump_fd *d, uint32_t *kind)
{
	switch (d->st.st_mode & S_IFMT) {
	case S_IFREG:
		/* Deleted, and no other link: only its content can bring it back. */
		*kind = d->st.st_nlink == 0 ? FILE_GHOST : FILE_REGULAR;
		return 0;
	case S_IFDIR:
		*kind = FILE_DIRECTORY;
		break;
	case S_IFCHR:
		/* /dev/ptmx, or /dev/pts/ptmx: its open file description is a pty master. */
		*kind = d->st.st_rdev == makedev(TTYAUX_MAJOR, 2) ? FILE_PTY : FILE_CHARDEV;
		break;
	case S_IFIFO:
		*kind = strncmp(d->link, "pipe:[", 6) ? FILE_FIFO : FILE_PIPE;
		return 0;
	case S_IFSOCK:
		return unsupported(d, "a socket");
	default:
		return unsupported(d, "an anonymous inode or another special file");
	}
	if (path_removed(d))
		return unsupported(d, "deleted");
	return 0;
}

static int describe_fd(struct file_table *files, pid_t pid, int fd, struct dump_fd *d)
{
	char link[64];
	int ret;

	d->pid = pid;
	d->fd = fd;
	d->files = files;
	snprintf(link, sizeof(link), "fd/%d", fd);
	ret = proc_readlink(pid, link, d->link, sizeof(d->link));
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
	if (stat(link, &d->st))
		return pr_perror("cannot stat fd %d of %d (%s)", fd, pid, d->link);
	return proc_parse_fdinfo(pid, fd, &d->fi);
}

/* The id of the open file description of d, if one seen before has it; 0 if none. */
static uint32_t find_known(const struct file_table *files, struct dump_fd *d)
{
	size_t i;

	d->inode_seen = 0;
	for (i = 0; i < files->nr; i++) {
		const struct known_file *k = &files->known[i];

		/* Same inode first: kcmp only where it can say yes. */
		if (k->dev != d->st.st_dev || k->ino != d->st.st_ino)
			continue;
		d->inode_seen = 1;
		if (syscall(SYS_kcmp, k->pid, d->pid, KCMP_FILE, k->fd, d->fd) == 0)
			return k->id;
	}
	return 0;
}

/* A new open file description: its `file` record, its family's, and it is known from now on. */
static int add_file(struct file_table *files, const struct dump_fd *d, uint32_t *id)
{
	struct known_file *grown;
	struct rec_file rec = {
	    .id = files->nr + 1,
	    .open_flags = d->fi.flags & ~O_CLOEXEC,
	    .pos = d->fi.pos,
	};
	int ret;

	ret = file_kind(d, &rec.kind);
	if (ret)
		return ret;
	grown = realloc(files->known, (files->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	files->known = grown;
	ret = img_write(&files->img, REC_FILE, &rec, sizeof(rec));
	if (!ret)
		ret = dumpers[rec.kind].dump(d, &files->img);
	if (!ret)
		ret = dump_description_locks(d, &files->img);
	if (ret)
		return ret;
	grown[files->nr++] = (struct known_file){d->st.st_dev, d->st.st_ino, d->pid, d->fd, rec.id};
	*id = rec.id;
	return 0;
}

/* An fd of the process before the i-th has the same open file description. */
static int seen_in_process(const uint32_t *ids, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (ids[j] == ids[i])
			return 1;
	return 0;
}

static int write_fd(struct img *img, struct file_table *files, pid_t pid, int fd, uint32_t *ids,
		    size_t i)
{
	struct rec_fd rec = {.fd = fd};
	struct dump_fd d;
	int ret;

	ret = describe_fd(files, pid, fd, &d);
	if (!ret)
		ret = check_fd_locks(&d);
	if (ret)
		return ret;
	rec.fd_flags = d.fi.flags & O_CLOEXEC ? FD_CLOEXEC : 0;
	rec.file_id = find_known(files, &d);
	if (!rec.file_id)
		ret = add_file(files, &d, &rec.file_id);
	if (!ret)
		ret = img_write(img, REC_FD, &rec, sizeof(rec));
	ids[i] = rec.file_id;
	/* fdinfo shows the process's POSIX locks under every fd of the description. */
	if (!ret && !seen_in_process(ids, i))
		ret = dump_posix_locks(&d, img);
	return ret;
}

static int write_fds(struct img *img, struct file_table *files, pid_t pid, const int *fds,
		     size_t nr)
{
	uint32_t *ids = calloc(nr + 1, sizeof(*ids));
	size_t i;
	int ret = ids ? 0 : -ENOMEM;

	for (i = 0; i < nr && !ret; i++)
		ret = write_fd(img, files, pid, fds[i], ids, i);
	free(ids);
	return ret;
}

int dump_files(struct dump_task *t, struct file_table *files)
{
	size_t nr = 0;
	int *fds = NULL, ret;
	struct img img;

	ret = list_fds(t->pid, &fds, &nr);
	if (!ret)
		ret = img_create(t->dirfd, IMG_KIND_FILES, t->pid, &img);
	if (!ret)
		ret = img_finish(&img, write_fds(&img, files, t->pid, fds, nr));
	free(fds);
	return ret;
}

int files_begin(struct file_table *files, const struct dump_opts *opts)
{
	int ret;

	memset(files, 0, sizeof(*files));
	files->opts = opts;
	ret = img_create(opts->dirfd, IMG_KIND_FILES_ALL, 0, &files->img);
	files->img_open = !ret;
	return ret;
}

int files_end(struct file_table *files, int ret)
{
	if (files->img_open)
		ret = img_finish(&files->img, ret);
	free(files->known);
	return ret;
}
