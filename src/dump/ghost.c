// SPDX-License-Identifier: MIT
/*
 * Ghost files: regular files deleted while open, with no link left (as criu calls them). Only
 * their content can bring them back, so it goes into files.img with the first open file
 * description of the inode, up to --ghost-limit bytes (1 MiB by default); a bigger one fails the
 * dump. Restore creates the file again at the path it had, opens it and deletes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/dump.h"
#include "dump/files.h"

/* The content, read through a descriptor of cryo's own on the same inode. */
static int write_content(const struct dump_fd *d, struct img *img)
{
	static char buf[REC_GHOST_DATA_MAX];
	uint64_t off = 0, size = d->st.st_size;
	char path[64];
	int fd, ret = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", d->pid, d->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("cannot open deleted file %s of %d", d->link, d->pid);
	while (!ret && off < size) {
		n = pread(fd, buf, size - off < sizeof(buf) ? size - off : sizeof(buf), off);
		if (n <= 0) {
			pr_err("cannot read deleted file %s of %d at %lu: %s", d->link, d->pid,
			       (unsigned long)off, n ? strerror(errno) : "end of file");
			ret = -EIO;
			break;
		}
		ret = img_write(img, REC_GHOST_DATA, buf, n);
		off += n;
	}
	close(fd);
	return ret;
}

int dump_ghost(const struct dump_fd *d, struct file_table *files)
{
	uint64_t limit = files->opts->ghost_limit;
	struct img *img = &files->img;
	struct rec_ghost_file rec = {
	    .size = d->st.st_size,
	    .dev = d->st.st_dev,
	    .ino = d->st.st_ino,
	    .mode = d->st.st_mode,
	    .uid = d->st.st_uid,
	    .gid = d->st.st_gid,
	    .mtime_sec = d->st.st_mtim.tv_sec,
	    .mtime_nsec = d->st.st_mtim.tv_nsec,
	};
	char path[PATH_MAX];
	int ret;

	if ((uint64_t)d->st.st_size > limit) {
		pr_err("fd %d of %d is %s, deleted, of %lu bytes: more than the ghost limit of %lu "
		       "bytes (--ghost-limit)",
		       d->fd, d->pid, d->link, (unsigned long)d->st.st_size, (unsigned long)limit);
		return -EFBIG;
	}
	deleted_path(d, path, sizeof(path));
	ret = img_write_str(img, REC_GHOST_FILE, &rec, sizeof(rec), path);
	if (!ret && !d->inode_seen)
		ret = write_content(d, img);
	return ret;
}
