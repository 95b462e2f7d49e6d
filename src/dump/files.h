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
#include "common/util.h"
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

struct file_table;
struct dump_opts;
struct dump_tree;

/* The dump half of a family: the records that follow its `file` record. */
struct file_dumper {
	const char *name;
	/*
	 * Before the file's own record (NULL: nothing to do): the files it refers to are written
	 * first, so that dump can name them by id (file_id_at finds them then).
	 */
	int (*add_refs)(const struct dump_fd *d, struct file_table *files);
	/* Its records, into files->img. */
	int (*dump)(const struct dump_fd *d, struct file_table *files);
	/* Optional: once, before the first descriptor of the tree. */
	int (*begin)(const struct dump_opts *opts, const struct dump_tree *tree);
	/*
	 * Optional: once, after the last descriptor, before files.img is closed: what the family
	 * could only read last, written after a file_more (when ret, the dump so far, is 0); then
	 * drop what it kept.
	 */
	int (*end)(struct img *img, int ret);
};

/* A file_more record: what follows adds to file id. */
int files_write_more(struct img *img, uint32_t id);

/* file-path.c: a regular file, a directory, a character device, reopened by path. */
int dump_path_file(const struct dump_fd *d, struct file_table *files);
/* file-path.c: the same for a regular file, linked back first if its path is gone (link-remap.c). */
int dump_regular_file(const struct dump_fd *d, struct file_table *files);
/* file-path.c: the path the descriptor was opened through is gone (the kernel says deleted). */
int path_removed(const struct dump_fd *d);
/* file-path.c: the path the descriptor had, without the kernel's " (deleted)". */
void deleted_path(const struct dump_fd *d, char *path, size_t size);
/* file-path.c: the path_file record of d, with that path. */
int write_path_file(const struct dump_fd *d, struct img *img, const char *path);
/* pipe.c: one end of a pipe, and the bytes in flight in it (with the first end seen). */
int dump_pipe(const struct dump_fd *d, struct file_table *files);
/* pipe.c: a named FIFO, its path then as a pipe. */
int dump_fifo(const struct dump_fd *d, struct file_table *files);

/* ghost.c: a regular file deleted while open, its content with the first description of it. */
int dump_ghost(const struct dump_fd *d, struct file_table *files);
/*
 * link-remap.c: a file deleted while open but still linked elsewhere, linked back at dump under a
 * new name in its directory (--link-remap), and reopened by that name.
 */
int dump_link_remap(const struct dump_fd *d, struct file_table *files);
/* The end of the dump: the links it made are removed if it failed, kept if not. */
void end_link_remaps(struct file_table *files, int failed);

/* tty.c: a pty master: the pair's index, settings and session. */
int dump_pty(const struct dump_fd *d, struct file_table *files);

/* file-owner.c: who gets d's I/O signals and which signal, if it has either. */
int dump_file_owner(const struct dump_fd *d, struct img *img);

/* file-lock.c: refuse d's locks without --file-locks, and leases. */
int check_fd_locks(const struct dump_fd *d, const struct dump_opts *opts);
/* file-lock.c: d's flock and OFD locks, after its open file description's records. */
int dump_description_locks(const struct dump_fd *d, struct img *img);
/* file-lock.c: d's POSIX locks, after its fd record. */
int dump_posix_locks(const struct dump_fd *d, struct img *img);
/* eventfd.c: its counter. */
int dump_eventfd(const struct dump_fd *d, struct file_table *files);
/* signalfd.c: its mask. */
int dump_signalfd(const struct dump_fd *d, struct file_table *files);
/* timerfd.c: its clock, next expiry, interval and the expirations not read yet. */
int dump_timerfd(const struct dump_fd *d, struct file_table *files);
/* epoll.c: every registered target, each a file of its own (added first). */
int add_epoll_targets(const struct dump_fd *d, struct file_table *files);
int dump_epoll(const struct dump_fd *d, struct file_table *files);
/* inotify.c: every watch, by path. */
int dump_inotify(const struct dump_fd *d, struct file_table *files);

/* inet.c: a TCP or UDP socket, IPv4 or IPv6 (tcp-conn.c: an established connection). */
int dump_inet(const struct dump_fd *d, struct file_table *files);
/*
 * tcp-conn.c: established connections are dumped only when allowed (--tcp-established). Each
 * one dumped is locked (netlock.h) and left in repair mode; at the end, resume (the tree runs
 * on: -R, or a failed dump) turns repair mode off and unlocks them, otherwise they stay so: the
 * processes die and their connections close without a word to the peer, locked until restore.
 */
void tcp_conns_begin(int allowed);
void tcp_conns_end(int resume);
/* unix-sk.c: a unix socket (only unix and inet sockets are dumped). */
int dump_unix_sk(const struct dump_fd *d, struct file_table *files);
int unix_sk_begin(const struct dump_opts *opts, const struct dump_tree *tree);
int unix_sk_end(struct img *img, int ret);
/* 0 if sock_diag lists the unix socket of d (what the unix family dumps from), else an error. */
int unix_sk_known(const struct dump_fd *d);

/* Every open file description of the tree seen so far, and files.img. */
struct dump_tree;
struct known_file;
struct file_table {
	struct known_file *known;
	size_t nr;
	struct img img;
	int img_open;
	const struct dump_opts *opts;
	const struct dump_tree *tree; /* whose descriptors find_fd() looks through */
	char **remaps; /* the links --link-remap made */
	size_t nr_remaps;
};

int files_begin(struct file_table *files, const struct dump_opts *opts,
		const struct dump_tree *tree);
int files_end(struct file_table *files, int ret);

/* The id of the open file description at fd of pid: its records are written first if new. */
int file_id_at(struct file_table *files, pid_t pid, int fd, uint32_t *id);
/* The first descriptor of the tree, in tree and fd order, that match says 1 of; -ENOENT if none. */
typedef int (*fd_match_fn)(pid_t pid, int fd, const void *arg);
int find_fd(const struct file_table *files, fd_match_fn match, const void *arg, pid_t *pid,
	    int *fd);
/*
 * cryo's own descriptor on the open file description of d (pidfd_getfd): what the target sees
 * through it, cryo sees. Close it when done.
 */
static inline int grab_file(const struct dump_fd *d)
{
	return grab_fd(d->pid, d->fd);
}

#endif
