// SPDX-License-Identifier: MIT
/*
 * Pseudo-terminals. A pty master is created by opening /dev/ptmx, which takes the lowest free
 * index: to get the pty's old index back, cryo keeps opening masters until it has that index
 * (and closes the others); if the index is taken, the pty comes back under another, which the
 * log says. The master gets its pair's settings back (termios2, window size, lock, packet mode,
 * owner and mode of the slave), and what it had not read yet (see common/pty.c). Masters are opened
 * before the other files: the slaves of a pty of the tree are opened through their master
 * (TIOCGPTPEER), whatever their index now. A session leader whose controlling terminal it was takes
 * it again (TIOCSCTTY), and the leader of its foreground group makes that group the foreground one
 * again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
/* After sys/ioctl.h: struct termios2, which glibc's <termios.h> would clash with. */
#include <asm/termbits.h>
#include <linux/major.h>

#include "common/log.h"
#include "common/pty.h"
#include "restore/files.h"
#include "restore/restore.h"

/* At most this many other ptys are opened on the way to the old index. */
#define MAX_PTY_TRIES 4096

struct pty_file {
	struct rec_pty rec;
	uint32_t index;	 /* the one it has now */
	uint8_t *unread; /* what the master had not read */
	size_t len;
};

static int load_unread(struct pty_file *p, const struct img_rec *rec)
{
	uint8_t *grown = realloc(p->unread, p->len + rec->len);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + p->len, rec->data, rec->len);
	p->unread = grown;
	p->len += rec->len;
	return 0;
}

static int load_pty(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct pty_file *p = f->priv;

	if (rec->type == REC_PTY_DATA && p)
		return load_unread(p, rec);
	if (rec->type != REC_PTY || p) {
		pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(&p->rec, rec->data, sizeof(p->rec));
	f->priv = p;
	return 0;
}

static int check_pty(const struct file_pool *pool, const struct image_file *f)
{
	if (!f->priv) {
		pr_err("files.img: pty master %u has no pty record", f->rec.id);
		return -EINVAL;
	}
	return 0;
}

/* A new pty (quietly: running out of descriptors on the way to an index is no error). */
static int new_master(int flags, uint32_t *index)
{
	int fd = open("/dev/ptmx", (flags & ~O_ACCMODE) | O_RDWR | O_NOCTTY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, TIOCGPTN, index)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A master of index `want` if it is free; else of the first index free. */
static int master_at(uint32_t want, int flags, uint32_t *got)
{
	int others[MAX_PTY_TRIES], nr = 0, fd;

	while ((fd = new_master(flags, got)) >= 0 && *got < want && nr < MAX_PTY_TRIES)
		others[nr++] = fd; /* below the old index: held until we are past it */
	while (nr)
		close(others[--nr]);
	if (fd < 0)
		fd = new_master(flags, got);
	if (fd < 0) {
		errno = -fd;
		return pr_perror("cannot open /dev/ptmx for pty %u", want);
	}
	if (*got != want)
		pr_warn("pty %u is taken: it comes back as pty %u", want, *got);
	return fd;
}

static int set_settings(int fd, const struct pty_file *p)
{
	const struct rec_pty *r = &p->rec;
	struct termios2 t = {
	    .c_iflag = r->iflag,
	    .c_oflag = r->oflag,
	    .c_cflag = r->cflag,
	    .c_lflag = r->lflag,
	    .c_line = r->line,
	    .c_ispeed = r->ispeed,
	    .c_ospeed = r->ospeed,
	};
	struct winsize ws = {r->rows, r->cols, r->xpixel, r->ypixel};
	int unlock = 0;
	char slave[64];

	memcpy(t.c_cc, r->cc, sizeof(t.c_cc));
	snprintf(slave, sizeof(slave), "/dev/pts/%u", p->index);
	if (!r->locked && ioctl(fd, TIOCSPTLCK, &unlock))
		return pr_perror("cannot unlock pty %u", p->index);
	if (r->packet && ioctl(fd, TIOCPKT, &r->packet))
		return pr_perror("cannot put pty %u in packet mode", p->index);
	if (ioctl(fd, TCSETS2, &t) || ioctl(fd, TIOCSWINSZ, &ws))
		return pr_perror("cannot set the settings of pty %u", p->index);
	if (pty_refill(fd, &t, p->unread, p->len))
		return -EIO;
	if (chown(slave, r->slave_uid, r->slave_gid) || chmod(slave, r->slave_mode))
		return pr_perror("cannot set the owner and mode of %s", slave);
	return 0;
}

static int open_pty(struct file_pool *pool, struct image_file *f)
{
	struct pty_file *p = f->priv;
	int fd = master_at(p->rec.index, reopen_flags(f), &p->index), ret;

	(void)pool;
	if (fd < 0)
		return fd;
	ret = set_settings(fd, p);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static void release_pty(struct image_file *f)
{
	struct pty_file *p = f->priv;

	if (p)
		free(p->unread);
	free(p);
}

const struct file_restorer pty_restorer = {
    .load = load_pty,
    .check = check_pty,
    .open = open_pty,
    .rank = rank_first,
    .release = release_pty,
};

/* The master of the pool for pty `index` as it was dumped, or NULL. */
static const struct image_file *pool_master(const struct file_pool *pool, uint32_t index)
{
	size_t i;

	for (i = 0; i < pool->nr; i++)
		if (pool->files[i].rec.kind == FILE_PTY && pool->files[i].fd >= 0 &&
		    ((struct pty_file *)pool->files[i].priv)->rec.index == index)
			return &pool->files[i];
	return NULL;
}

static int open_peer(const struct image_file *master, int flags)
{
	const struct pty_file *p = master->priv;
	int fd = ioctl(master->fd, TIOCGPTPEER, flags | O_NOCTTY | O_CLOEXEC);

	return fd < 0 ? pr_perror("cannot open the slave of pty %u", p->index) : fd;
}

int open_pty_slave(const struct file_pool *pool, uint32_t rdev, int flags)
{
	uint32_t major = major(rdev), index = (major - UNIX98_PTY_SLAVE_MAJOR) * 256 + minor(rdev);
	const struct image_file *master;

	if (major < UNIX98_PTY_SLAVE_MAJOR ||
	    major >= UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT)
		return -ENOENT;
	master = pool_master(pool, index);
	return master ? open_peer(master, flags) : -ENOENT;
}

/* p leads the session of the pty: it becomes its controlling terminal. */
static int take_ctty(const struct image_file *master, const struct rec_process *p)
{
	int fd = open_peer(master, O_RDWR), ret = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, TIOCSCTTY, 0))
		ret = pr_perror("process %u cannot take pty %u as its controlling terminal", p->pid,
				((struct pty_file *)master->priv)->index);
	close(fd);
	return ret;
}

/* p leads the pty's foreground group, in the pty's session. */
static int take_foreground(const struct image_file *master, const struct rec_process *p)
{
	int fd = open_peer(master, O_RDWR), ret = 0;

	if (fd < 0)
		return fd;
	if (tcsetpgrp(fd, p->pid))
		ret = pr_perror("group %u cannot become the foreground one of pty %u", p->pid,
				((struct pty_file *)master->priv)->index);
	close(fd);
	return ret;
}

int restore_ctty(const struct file_pool *pool, const struct rec_process *p)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < pool->nr && !ret; i++) {
		const struct image_file *f = &pool->files[i];
		const struct pty_file *pty = f->priv;

		if (f->rec.kind != FILE_PTY || f->fd < 0 || pty->rec.sid != p->sid)
			continue;
		if (p->pid == p->sid)
			ret = take_ctty(f, p);
		else if (p->pid == p->pgid && p->pid == pty->rec.fg_pgid)
			ret = take_foreground(f, p);
	}
	return ret;
}
