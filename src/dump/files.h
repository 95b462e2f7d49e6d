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

struct file_table;

/* One descriptor of a process, as seen from outside. */
struct dump_fd {
	struct file_table *files; /* the dump's, with its options */
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
/* file-path.c: the path the descriptor had, without the kernel's " (deleted)". */
void deleted_path(const struct dump_fd *d, char *path, size_t size);
/* file-path.c: the path_file record of d, with that path. */
int write_path_file(const struct dump_fd *d, struct img *img, const char *path);
/* file-path.c: a regular file, a directory, a character device, reopened by path. */
int dump_path_file(const struct dump_fd *d, struct img *img);
/* pipe.c: one end of a pipe, and the bytes in flight in it (with the first end seen). */
int dump_pipe(const struct dump_fd *d, struct img *img);
/* pipe.c: a named FIFO, its path then as a pipe. */
int dump_fifo(const struct dump_fd *d, struct img *img);

/* ghost.c: a regular file deleted while open, its content with the first description of it. */
int dump_ghost(const struct dump_fd *d, struct img *img);
/*
 * link-remap.c: a file deleted while open but still linked elsewhere, linked back at dump under a
 * new name in its directory (--link-remap), and reopened by that name.
 */
int dump_link_remap(const struct dump_fd *d, struct img *img);
/* The end of the dump: the links it made are removed if it failed, kept if not. */
void end_link_remaps(struct file_table *files, int failed);

/* tty.c: a pty master: the pair's index, settings and session. */
int dump_pty(const struct dump_fd *d, struct img *img);

/* file-lock.c: refuse d's locks without --file-locks, and leases. */
int check_fd_locks(const struct dump_fd *d);
/* file-lock.c: d's flock and OFD locks, after its open file description's records. */
int dump_description_locks(const struct dump_fd *d, struct img *img);
/* file-lock.c: d's POSIX locks, after its fd record. */
int dump_posix_locks(const struct dump_fd *d, struct img *img);

/* Every open file description of the tree seen so far, and files.img. */
struct known_file;
struct dump_opts;
struct file_table {
	const struct dump_opts *opts;
	struct known_file *known;
	size_t nr;
	struct img img;
	int img_open;
	char **remaps; /* the links --link-remap made */
	size_t nr_remaps;
};

int files_begin(struct file_table *files, const struct dump_opts *opts);
int files_end(struct file_table *files, int ret);

#endif
