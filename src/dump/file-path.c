// SPDX-License-Identifier: MIT
/*
 * Files reopened by path at restore: regular files, directories, character devices. What they
 * were (size, inode, device) goes with the path, so that restore can refuse a file that changed.
 */
#include "dump/files.h"

/* The kernel appends " (deleted)" to the link: the link's text itself leads elsewhere or nowhere. */
int path_removed(const struct dump_fd *d)
{
	struct stat st;

	return stat(d->link, &st) || st.st_dev != d->st.st_dev || st.st_ino != d->st.st_ino;
}

int dump_path_file(const struct dump_fd *d, struct img *img)
{
	struct rec_path_file rec = {
	    .size = S_ISREG(d->st.st_mode) ? (uint64_t)d->st.st_size : 0,
	    .dev = d->st.st_dev,
	    .ino = d->st.st_ino,
	    .mode = d->st.st_mode,
	    .rdev = d->st.st_rdev,
	};

	return img_write_str(img, REC_PATH_FILE, &rec, sizeof(rec), d->link);
}
