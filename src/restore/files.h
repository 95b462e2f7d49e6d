/* SPDX-License-Identifier: MIT */
/*
 * Descriptors at restore. Every open file description of files.img is created once, by cryo,
 * before the tree: the pool, at descriptor numbers above every process's. Each process of the
 * tree, a copy of cryo, inherits the whole pool, dup2()s into place the ones its table names and
 * closes the pool once its children have it. A description shared by several processes is so
 * the same one in all of them, with one offset. Each family has its restore half here: the table
 * of files.c lists them.
 */
#ifndef CRYO_RESTORE_FILES_H
#define CRYO_RESTORE_FILES_H

#include <limits.h>
#include <stddef.h>

#include "images/image.h"

/* One open file description of files.img. */
struct image_file {
	struct rec_file rec;
	void *priv; /* its family's records, as its loader keeps them */
	int fd;	    /* in the pool; -1 until opened */
	uint32_t owner_pid; /* the first process of the tree with a descriptor on it */
	uint32_t owner_fd;  /* and that process's lowest descriptor on it */
	struct rec_file_lock *locks; /* flock and OFD locks it holds */
	size_t nr_locks;
	struct rec_file_owner owner; /* who gets its I/O signals, and which (has_owner) */
	int has_owner;
};

struct shmem_table;

struct file_pool {
	struct image_file *files; /* files[id - 1] */
	size_t nr;
	const struct shmem_table *shmem; /* the memfds' objects, created before the pool */
	const char *tty; /* with --shell-job: cryo's terminal, for the tree's terminals */
	int base;	 /* the pool is above every descriptor of every process */
	int size_may_change; /* --skip-file-size-check: a regular file may have another size now */
};

/* The restore half of a family. */
struct file_restorer {
	/* One of the records that follow the file's, in order. */
	int (*load)(struct image_file *f, const struct img *img, const struct img_rec *rec);
	/* Once all are loaded: whether the file has what it needs (files it names among them). */
	int (*check)(const struct file_pool *pool, const struct image_file *f);
	/*
	 * Files of a higher rank are opened after every file of a lower one (NULL: RANK_NORMAL):
	 * an object that needs another to exist first.
	 */
	int (*rank)(const struct image_file *f);
	/*
	 * Optional: once per kind, before any file is opened, for what the files of the family
	 * make together (sockets connected to each other).
	 */
	int (*prepare)(struct file_pool *pool);
	/* Create the open file description: its descriptor (any number), or -errno. */
	int (*open)(struct file_pool *pool, struct image_file *f);
	/* Once every file is open: drop what open kept aside (NULL: nothing). */
	void (*settle)(struct image_file *f);
	/*
	 * In the file's owner, once the owner's whole descriptor table is in place, the pool still
	 * open: what is keyed by the process's descriptor numbers (NULL: nothing). fd is owner_fd.
	 */
	int (*in_owner)(const struct file_pool *pool, const struct image_file *f, int fd);
	/* Once the restored tree runs, once per restorer (NULL: nothing to do then). */
	void (*tree_running)(struct file_pool *pool);
	void (*release)(struct image_file *f);
};

/* The order files are opened in. */
enum file_rank {
	RANK_FIRST,  /* others are opened through it (pty masters) */
	RANK_NORMAL,
	RANK_LAST,   /* needs others open (a TCP connection its listener) */
	FILE_RANKS
};
/* A rank function for the families of RANK_FIRST. */
int rank_first(const struct image_file *f);

/* file-path.c: regular files, directories, character devices. */
extern const struct file_restorer path_file_restorer;
/* tty.c: pty masters */
extern const struct file_restorer pty_restorer;
/* tty.c: the slave of a pty of the pool, by its dumped rdev; -ENOENT if not one of the pool's. */
int open_pty_slave(const struct file_pool *pool, uint32_t rdev, int flags);
/* ghost.c: files deleted while open, whose content is in the images */
extern const struct file_restorer ghost_restorer;
/* What a file reopened by path was (also how a memfd names its object). */
struct path_file {
	struct rec_path_file rec;
	char path[PATH_MAX];
	int link_remap; /* the path is a link made by the dump, removed at settle */
};
int load_path_file(struct image_file *f, const struct img *img, const struct img_rec *rec);
int check_path_file(const struct file_pool *pool, const struct image_file *f);
void release_path_file(struct image_file *f);
/* shmem.c: a memfd, a new open file of its object of shmem.img. */
extern const struct file_restorer memfd_restorer;
/* pipe.c: pipes and named FIFOs */
extern const struct file_restorer pipe_restorer;
/* eventfd.c, signalfd.c, timerfd.c: made again from their one record. */
extern const struct file_restorer eventfd_restorer;
extern const struct file_restorer signalfd_restorer;
extern const struct file_restorer timerfd_restorer;
/* epoll.c: the registrations are added by the owner. */
extern const struct file_restorer epoll_restorer;
/* inotify.c: its watches, by path, with their numbers. */
extern const struct file_restorer inotify_restorer;

/* For families whose file is one record of theirs, of type type, kept in priv. */
int load_single_record(struct image_file *f, const struct img *img, const struct img_rec *rec,
		       uint32_t type);
int check_single_record(const struct file_pool *pool, const struct image_file *f);
/* Any family: a record it does not expect, logged; -EINVAL. */
int unexpected_record(const struct image_file *f, const struct img *img, const struct img_rec *rec);
void release_priv(struct image_file *f);
/* inet.c: TCP and UDP sockets (tcp-conn.c: established connections). */
extern const struct file_restorer inet_restorer;
/* unix-sk.c */
extern const struct file_restorer unix_sk_restorer;

int load_files(int dirfd, struct file_pool *pool);
/* The files of the process's descriptors exist; it owns those no process before it had. */
int claim_files(struct file_pool *pool, uint32_t pid, const struct rec_fd *fds, size_t nr);
/* file-owner.c: f's owner and I/O signal, from files.img. */
int add_file_owner(struct image_file *f, const struct img *img, const struct img_rec *rec);
/* file-owner.c (cryo, once every process has its descriptors): every file's owner and signal. */
int restore_file_owners(const struct file_pool *pool);
/* file-lock.c: a flock or OFD lock of files.img, for f. */
int add_description_lock(struct image_file *f, const struct img *img, const struct img_rec *rec);
/* file-lock.c: f's flock and OFD locks, taken on fd. */
int take_description_locks(const struct image_file *f, int fd);
/* The flags to open f again with: as it was opened, less what only creates, close-on-exec. */
int reopen_flags(const struct image_file *f);
/* Every file, opened at base or above; then the settle pass. */
int open_file_pool(struct file_pool *pool, int base);
/* The tree runs: each restorer's tree_running. */
void files_tree_running(struct file_pool *pool);
/* The highest descriptor of the pool, plus one. */
int file_pool_top(const struct file_pool *pool);
void close_file_pool(struct file_pool *pool);
void free_file_pool(struct file_pool *pool);

#endif
