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
	uint32_t file_id; /* of its open file description in files.img, once known */
};

struct dump_opts;
struct dump_tree;

/* The dump half of a family: the records that follow its `file` record. */
struct file_dumper {
	const char *name;
	int (*dump)(const struct dump_fd *d, struct img *img);
	/* Optional: once, before the first descriptor of the tree. */
	int (*begin)(const struct dump_opts *opts, const struct dump_tree *tree);
	/*
	 * Optional: once, after the last descriptor, before files.img is closed: what the family
	 * could only read last, written after a file_more (when ret, the dump so far, is 0); then
	 * drop what it kept.
	 */
	int (*end)(struct img *img, int ret);
};

/* cryo's own descriptor on the open file description of fd of pid (pidfd_getfd), or -errno. */
int dump_fd_grab(pid_t pid, int fd);
/* A file_more record: what follows adds to file id. */
int files_write_more(struct img *img, uint32_t id);

/* file-path.c: a regular file, a directory, a character device, reopened by path. */
int dump_path_file(const struct dump_fd *d, struct img *img);
/* pipe.c: one end of a pipe, and the bytes in flight in it (with the first end seen). */
int dump_pipe(const struct dump_fd *d, struct img *img);
/* unix-sk.c: which family a socket is of (only unix sockets are dumped). */
int socket_kind(const struct dump_fd *d, uint32_t *kind);
int dump_unix_sk(const struct dump_fd *d, struct img *img);
int unix_sk_begin(const struct dump_opts *opts, const struct dump_tree *tree);
int unix_sk_end(struct img *img, int ret);

/* Every open file description of the tree seen so far, and files.img. */
struct known_file;
struct file_table {
	struct known_file *known;
	size_t nr;
	struct img img;
	int img_open;
};

int files_begin(struct file_table *files, const struct dump_opts *opts,
		const struct dump_tree *tree);
int files_end(struct file_table *files, int ret);

#endif
