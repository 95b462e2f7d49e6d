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

#include <stddef.h>

#include "images/image.h"

/* One open file description of files.img. */
struct image_file {
	struct rec_file rec;
	void *priv; /* its family's records, as its loader keeps them */
	int fd;	    /* in the pool; -1 until opened */
	struct rec_file_lock *locks; /* flock and OFD locks it holds */
	size_t nr_locks;
};

struct file_pool {
	struct image_file *files; /* files[id - 1] */
	size_t nr;
	const char *tty; /* with --shell-job: cryo's terminal, for the tree's terminals */
	int base;	 /* the pool is above every descriptor of every process */
};

/* The restore half of a family. */
struct file_restorer {
	/* One of the records that follow the file's, in order. */
	int (*load)(struct image_file *f, const struct img *img, const struct img_rec *rec);
	/* Once all are loaded: whether the file has what it needs. */
	int (*check)(const struct image_file *f);
	/* Create the open file description: its descriptor (any number), or -errno. */
	int (*open)(struct file_pool *pool, struct image_file *f);
	/* Once every file is open: drop what open kept aside (NULL: nothing). */
	void (*settle)(struct image_file *f);
	void (*release)(struct image_file *f);
	int opens_first; /* others open through it: opened before the rest */
};

/* file-path.c: regular files, directories, character devices. */
extern const struct file_restorer path_file_restorer;
/* tty.c: pty masters */
extern const struct file_restorer pty_restorer;
/* tty.c: the slave of a pty of the pool, by its dumped rdev; -ENOENT if not one of the pool's. */
int open_pty_slave(const struct file_pool *pool, uint32_t rdev, int flags);
/* ghost.c: files deleted while open, whose content is in the images */
extern const struct file_restorer ghost_restorer;
/* pipe.c: pipes and named FIFOs */
extern const struct file_restorer pipe_restorer;

int load_files(int dirfd, struct file_pool *pool);
/* file-lock.c: a flock or OFD lock of files.img, for f. */
int add_description_lock(struct image_file *f, const struct img *img, const struct img_rec *rec);
/* file-lock.c: f's flock and OFD locks, taken on fd. */
int take_description_locks(const struct image_file *f, int fd);
/* The flags to open f again with: as it was opened, less what only creates, close-on-exec. */
int reopen_flags(const struct image_file *f);
/* Every file, opened at base or above; then the settle pass. */
int open_file_pool(struct file_pool *pool, int base);
/* The highest descriptor of the pool, plus one. */
int file_pool_top(const struct file_pool *pool);
void close_file_pool(struct file_pool *pool);
void free_file_pool(struct file_pool *pool);

#endif
