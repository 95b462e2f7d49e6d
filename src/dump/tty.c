// SPDX-License-Identifier: MIT
/*
 * Pseudo-terminals. A pty master (/dev/ptmx) cannot be reopened by its path (that creates a new
 * pty): cryo takes a descriptor of its own on the very open file description (pidfd_getfd) and
 * reads what the master's ioctls tell of the pair: its index, lock, packet mode, settings
 * (termios2), window size, and which session has it as controlling terminal. Its slaves stay
 * character devices reopened by path, which restore opens through the master instead. The bytes the
 * slave side wrote and the master has not read are read out, and put back at once (see
 * common/pty.c); those the master wrote and the slave side has not read are not carried over: the
 * log says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
/* After sys/ioctl.h: struct termios2, which glibc's <termios.h> would clash with. */
#include <asm/termbits.h>

#include "common/log.h"
#include "common/pty.h"
#include "dump/files.h"

/* The master's descriptor in the target, as one of cryo's. */
static int grab_master(const struct dump_fd *d)
{
	int pidfd = syscall(SYS_pidfd_open, d->pid, 0), fd;

	if (pidfd < 0)
		return pr_perror("cannot open a pidfd of %d", d->pid);
	fd = syscall(SYS_pidfd_getfd, pidfd, d->fd, 0);
	close(pidfd);
	if (fd < 0)
		return pr_perror("cannot take a copy of fd %d of %d (pty master)", d->fd, d->pid);
	return fd;
}

static void read_settings(int fd, struct rec_pty *rec, const struct termios2 *t,
			  const struct winsize *ws)
{
	pid_t sid = 0, pgrp = 0;

	/* ENOTTY: the pty is no session's controlling terminal. */
	if (ioctl(fd, TIOCGSID, &sid) || ioctl(fd, TIOCGPGRP, &pgrp))
		sid = pgrp = 0;
	rec->sid = sid;
	rec->fg_pgid = pgrp;
	rec->line = t->c_line;
	rec->iflag = t->c_iflag;
	rec->oflag = t->c_oflag;
	rec->cflag = t->c_cflag;
	rec->lflag = t->c_lflag;
	rec->ispeed = t->c_ispeed;
	rec->ospeed = t->c_ospeed;
	memcpy(rec->cc, t->c_cc, sizeof(t->c_cc));
	rec->rows = ws->ws_row;
	rec->cols = ws->ws_col;
	rec->xpixel = ws->ws_xpixel;
	rec->ypixel = ws->ws_ypixel;
}

/* The slave's owner and mode, which devpts gave it when the master was opened. */
static int read_slave(const struct dump_fd *d, struct rec_pty *rec)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/pts/%u", rec->index);
	if (stat(path, &st))
		return pr_perror("fd %d of %d: cannot stat %s", d->fd, d->pid, path);
	rec->slave_uid = st.st_uid;
	rec->slave_gid = st.st_gid;
	rec->slave_mode = st.st_mode & 07777;
	return 0;
}

/* What the master has to read: read out, then put back as it was. */
static int take_unread(int fd, const struct termios2 *t, uint8_t **buf, size_t *len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int pending = 0;
	ssize_t n;

	*buf = NULL;
	*len = 0;
	if (ioctl(fd, FIONREAD, &pending) || pending <= 0)
		return 0;
	*buf = malloc(pending);
	if (!*buf)
		return -ENOMEM;
	/* poll first: the tree's descriptor, which this one shares, may block. */
	while (*len < (size_t)pending && poll(&p, 1, 0) == 1 &&
	       (n = read(fd, *buf + *len, pending - *len)) > 0)
		*len += n;
	return pty_refill(fd, t, *buf, *len);
}

static int write_unread(struct img *img, const uint8_t *buf, size_t len)
{
	size_t off, n;
	int ret = 0;

	for (off = 0; off < len && !ret; off += n) {
		n = len - off < REC_PTY_DATA_MAX ? len - off : REC_PTY_DATA_MAX;
		ret = img_write(img, REC_PTY_DATA, buf + off, n);
	}
	return ret;
}

/*
 * What the slave side has to read is in its line discipline, edited (canonical mode): it cannot be
 * read out without a trace, only counted, through a slave of cryo's own.
 */
static void warn_unread_input(const struct dump_fd *d, int fd, const struct rec_pty *rec)
{
	int slave = ioctl(fd, TIOCGPTPEER, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), n = 0;

	if (slave < 0)
		return;
	if (!ioctl(slave, FIONREAD, &n) && n > 0)
		pr_warn("pty %u (fd %d of %d): %d bytes its slave side has not read are not "
			"carried over",
			rec->index, d->fd, d->pid, n);
	close(slave);
}

int dump_pty(const struct dump_fd *d, struct file_table *files)
{
	struct img *img = &files->img;
	struct rec_pty rec = {0};
	struct termios2 t;
	struct winsize ws;
	int fd = grab_master(d), locked = 0, packet = 0, ret;
	uint8_t *unread = NULL;
	size_t len = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, TIOCGPTN, &rec.index) || ioctl(fd, TIOCGPTLCK, &locked) ||
	    ioctl(fd, TIOCGPKT, &packet) || ioctl(fd, TCGETS2, &t) || ioctl(fd, TIOCGWINSZ, &ws))
		ret = pr_perror("cannot read the pty of fd %d of %d", d->fd, d->pid);
	else
		ret = read_slave(d, &rec);
	if (!ret) {
		rec.locked = locked;
		rec.packet = packet;
		read_settings(fd, &rec, &t, &ws);
		warn_unread_input(d, fd, &rec);
		ret = take_unread(fd, &t, &unread, &len);
	}
	if (!ret)
		ret = img_write(img, REC_PTY, &rec, sizeof(rec));
	if (!ret)
		ret = write_unread(img, unread, len);
	free(unread);
	close(fd);
	return ret;
}
