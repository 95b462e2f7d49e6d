// SPDX-License-Identifier: MIT
/*
 * Files reopened by path: regular files (at their offset), directories, character devices. The
 * file must still be the one that was open. With --shell-job, a terminal is cryo's own terminal.
 * A link_remap record says the path is a link the dump made (--link-remap) to a file deleted
 * while open: once every file is open (settle), the link is removed, and the file deleted again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/files.h"

int load_path_file(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct path_file *p = f->priv;

	if (rec->type == REC_LINK_REMAP && p && !p->link_remap && S_ISREG(p->rec.mode)) {
		p->link_remap = 1;
		return 0;
	}
	if (rec->type != REC_PATH_FILE || f->priv) {
		pr_err("%s: file %u: unexpected record %u", img->name, f->rec.id, rec->type);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(&p->rec, rec->data, sizeof(p->rec));
	strncpy(p->path, rec_tail_str(rec), sizeof(p->path) - 1);
	f->priv = p;
	return 0;
}

int check_path_file(const struct file_pool *pool, const struct image_file *f)
{
	if (!f->priv) {
		pr_err("files.img: file %u has no path", f->rec.id);
		return -EINVAL;
	}
	return 0;
}

/* Same kind, and a regular file the same size (unless allowed); a device the same device. */
static int check_same_file(const struct file_pool *pool, const struct path_file *p, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return pr_perror("cannot stat %s", p->path);
	if ((st.st_mode & S_IFMT) != (p->rec.mode & S_IFMT)) {
		pr_err("%s is not the kind of file it was at dump time", p->path);
		return -ESTALE;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size != p->rec.size) {
		if (!pool->size_may_change) {
			pr_err("%s changed size since the dump (%lu bytes, now %lu); "
			       "--skip-file-size-check accepts that",
			       p->path, (unsigned long)p->rec.size, (unsigned long)st.st_size);
			return -ESTALE;
		}
		pr_warn("%s changed size since the dump (%lu bytes, now %lu): accepted", p->path,
			(unsigned long)p->rec.size, (unsigned long)st.st_size);
	}
	if (S_ISCHR(st.st_mode) && st.st_rdev != p->rec.rdev) {
		pr_err("%s is not the device it was at dump time", p->path);
		return -ESTALE;
	}
	return 0;
}

static int is_terminal_path(const char *path)
{
	return !strncmp(path, "/dev/pts/", 9) || !strncmp(path, "/dev/tty", 8) ||
	       !strcmp(path, "/dev/console");
}

static int open_path_file(struct file_pool *pool, struct image_file *f)
{
	const struct path_file *p = f->priv;
	int flags = reopen_flags(f);
	int job_tty = pool->tty[0] && S_ISCHR(p->rec.mode) && is_terminal_path(p->path);
	const char *path = job_tty ? pool->tty : p->path;
	int fd, ret;

	/* The slave of a pty of the tree: through its master, whatever its index now. */
	fd = S_ISCHR(p->rec.mode) ? open_pty_slave(pool, p->rec.rdev, flags) : -ENOENT;
	if (fd != -ENOENT)
		return fd;
	fd = open(path, flags);
	if (fd < 0)
		return pr_perror("cannot open %s again", path);
	ret = job_tty ? 0 : check_same_file(pool, p, fd);
	if (!ret && !S_ISCHR(p->rec.mode) && !(f->rec.open_flags & O_PATH) &&
	    lseek(fd, f->rec.pos, SEEK_SET) != (off_t)f->rec.pos)
		ret = pr_perror("cannot seek %s to %lu", p->path, (unsigned long)f->rec.pos);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static void settle_path_file(struct image_file *f)
{
	struct path_file *p = f->priv;

	/* Every file of the inode opened this link: one removes it, the others find it gone. */
	if (p->link_remap && f->fd >= 0 && unlink(p->path) && errno != ENOENT)
		pr_warn("cannot remove the link remap %s: %s", p->path, strerror(errno));
}

void release_path_file(struct image_file *f)
{
	free(f->priv);
}

const struct file_restorer path_file_restorer = {
    .load = load_path_file,
    .check = check_path_file,
    .open = open_path_file,
    .settle = settle_path_file,
    .release = release_path_file,
};
