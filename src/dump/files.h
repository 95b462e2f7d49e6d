/* SPDX-License-Identifier: MIT */
/*
 * Descriptors at dump. files.c walks each process's descriptor table and finds which open file
 * description each one is (kcmp); each description is written once to files.img, as a `file`
 * record followed by the records of its family. A family is a dump half (here), a restore half
 * of the same name under src/restore/ and its records: the table of files.c lists them.
 */
#ifndef CRYO_DUMP_FILES_H
#define CRYO_DUMP_FILES_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "dump/proc_parse.h"
#include "images/image.h"

/* One descriptor of a process, as seen from outside. */
struct dump_fd {
	pid_t pid;
	int fd;
	char link[PATH_MAX]; /* what /proc/PID/fd/FD points to */
	struct stat st;	     /* of the file it is open on */
	struct proc_fdinfo fi;
	int inode_seen; /* an open file description of the same inode was dumped before */
};

/* The dump half of a family: the records that follow its `file` record. */
struct file_dumper {
	const char *name;
	int (*dump)(const struct dump_fd *d, struct img *img);
};

/* file-path.c: the path the descriptor was opened through is gone (the kernel says deleted). */
int path_removed(const struct dump_fd *d);
/* file-path.c: a regular file, a directory, a character device, reopened by path. */
int dump_path_file(const struct dump_fd *d, struct img *img);
/* pipe.c: one end of a pipe, and the bytes in flight in it (with the first end seen). */
int dump_pipe(const struct dump_fd *d, struct img *img);
/* pipe.c: a named FIFO, its path then as a pipe. */
int dump_fifo(const struct dump_fd *d, struct img *img);

/* Every open file description of the tree seen so far, and files.img. */
struct known_file;
struct file_table {
	struct known_file *known;
	size_t nr;
	struct img img;
	int img_open;
};

int files_begin(struct file_table *files, int dirfd);
int files_end(struct file_table *files, int ret);

#endif
