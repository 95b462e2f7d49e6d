// SPDX-License-Identifier: MIT
/*
 * Files reopened by path at restore: regular files, directories, character devices. What they
 * were (size, inode, device) goes with the path, so that restore can refuse a file that changed.
 */
#include <stdio.h>
#include <string.h>

#include "dump/files.h"

/* The kernel appends " (deleted)" to the link: the link's text itself leads elsewhere or nowhere.
 */
int path_removed(const struct dump_fd *d)
{
	struct stat st;

	return stat(d->link, &st) || st.st_dev != d->st.st_dev || st.st_ino != d->st.st_ino;
}

void deleted_path(const struct dump_fd *d, char *path, size_t size)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(d->link), cut = sizeof(deleted) - 1;

	if (len >= cut && !strcmp(d->link + len - cut, deleted))
		len -= cut;
	snprintf(path, size, "%.*s", (int)len, d->link);
}

int write_path_file(const struct dump_fd *d, struct img *img, const char *path)
{
	struct rec_path_file rec = {
	    .size = S_ISREG(d->st.st_mode) ? (uint64_t)d->st.st_size : 0,
	    .dev = d->st.st_dev,
	    .ino = d->st.st_ino,
	    .mode = d->st.st_mode,
	    .rdev = d->st.st_rdev,
	};

	return img_write_str(img, REC_PATH_FILE, &rec, sizeof(rec), path);
}

int dump_path_file(const struct dump_fd *d, struct file_table *files)
{
	return write_path_file(d, &files->img, d->link);
}

int dump_regular_file(const struct dump_fd *d, struct file_table *files)
{
	if (path_removed(d))
		return dump_link_remap(d, files);
	return dump_path_file(d, files);
}
