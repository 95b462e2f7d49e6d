// SPDX-License-Identifier: MIT
/*
 * Pipes and named FIFOs. Each end is an open file description of its own; all name the pipe by
 * its inode. The bytes in flight are read without being consumed: cryo opens the pipe anew
 * through /proc/PID/fd/N and tee(2)s its content into a pipe of its own, which it then reads.
 * They are written after the first end of the pipe the dump meets (the others' records have
 * none). A FIFO is a pipe with a path, which it is reopened by: one whose path is gone cannot be.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/files.h"

/* Copy what the pipe holds into a pipe of cryo's of the same capacity, and write it out. */
static int write_content(int pipe_fd, int capacity, struct img *img)
{
	static char buf[REC_PIPE_DATA_MAX];
	int copy[2], ret = 0;
	ssize_t n;

	if (pipe2(copy, O_NONBLOCK | O_CLOEXEC))
		return pr_perror("cannot create a pipe");
	if (fcntl(copy[1], F_SETPIPE_SZ, capacity) < 0)
		ret = pr_perror("cannot size a pipe to %d bytes", capacity);
	if (!ret && tee(pipe_fd, copy[1], capacity, SPLICE_F_NONBLOCK) < 0 && errno != EAGAIN)
		ret = pr_perror("cannot copy the bytes in a pipe");
	close(copy[1]);
	while (!ret && (n = read(copy[0], buf, sizeof(buf))) > 0)
		ret = img_write(img, REC_PIPE_DATA, buf, n);
	close(copy[0]);
	return ret;
}

int dump_pipe(const struct dump_fd *d, struct file_table *files)
{
	struct rec_pipe rec = {.pipe_ino = d->st.st_ino};
	char path[64];
	int fd, ret, capacity;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", d->pid, d->fd);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open the pipe of fd %d of %d", d->fd, d->pid);
	capacity = fcntl(fd, F_GETPIPE_SZ);
	if (capacity < 0)
		ret =
		    pr_perror("cannot read the capacity of the pipe of fd %d of %d", d->fd, d->pid);
	else
		ret = 0;
	rec.capacity = capacity;
	if (!ret)
		ret = img_write(&files->img, REC_PIPE, &rec, sizeof(rec));
	if (!ret && !d->inode_seen)
		ret = write_content(fd, capacity, &files->img);
	close(fd);
	return ret;
}

int dump_fifo(const struct dump_fd *d, struct file_table *files)
{
	int ret;

	if (path_removed(d)) {
		pr_err("fd %d of %d is the named FIFO %s, whose path was removed: it cannot be "
		       "opened again",
		       d->fd, d->pid, d->link);
		return -ENOTSUP;
	}
	ret = dump_path_file(d, files);
	return ret ? ret : dump_pipe(d, files);
}
