// SPDX-License-Identifier: MIT
/*
 * --link-remap (criu's name): a file whose path was deleted while it was open, but which still
 * has another link (so it is not a ghost), cannot be found by any path restore could know. With
 * the option, the dump links it back into the directory of its old path, under a name of cryo's
 * (cryo_link_remap.INODE), and the file is reopened by that name at restore, which removes the
 * link. Without it, the dump fails. A failed dump removes the links it made.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/dump.h"
#include "dump/files.h"

/* DIR/cryo_link_remap.INODE, DIR the directory of the old path. */
static int remap_name(const char *old, ino_t ino, char *name, size_t size)
{
	const char *slash = strrchr(old, '/');
	int dir_len = slash ? (int)(slash - old) : 0;

	if (snprintf(name, size, "%.*s/cryo_link_remap.%lu", dir_len, old, (unsigned long)ino) >=
	    (int)size) {
		pr_err("%s: the path of its link remap is too long", old);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* name is a link to d's inode: made now, or left by an earlier dump (-R) of the same file. */
static int make_link(const struct dump_fd *d, struct file_table *files, const char *name)
{
	char proc[64], **grown;
	struct stat st;

	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", d->pid, d->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW)) {
		if (errno == EEXIST && !stat(name, &st) && st.st_dev == d->st.st_dev &&
		    st.st_ino == d->st.st_ino)
			return 0;
		return pr_perror("cannot link fd %d of %d (%s) back as %s", d->fd, d->pid, d->link,
				 name);
	}
	grown = realloc(files->remaps, (files->nr_remaps + 1) * sizeof(*grown));
	if (grown)
		files->remaps = grown;
	if (!grown || !(grown[files->nr_remaps] = strdup(name))) {
		unlink(name);
		return -ENOMEM;
	}
	files->nr_remaps++;
	pr_info("fd %d of %d (%s): linked back as %s", d->fd, d->pid, d->link, name);
	return 0;
}

int dump_link_remap(const struct dump_fd *d, struct file_table *files)
{
	char old[PATH_MAX], name[PATH_MAX];
	int ret;

	if (!files->opts->link_remap) {
		pr_err(
		    "fd %d of %d is %s, deleted but still linked elsewhere (%lu links): dump with "
		    "--link-remap to link it back",
		    d->fd, d->pid, d->link, (unsigned long)d->st.st_nlink);
		return -ENOTSUP;
	}
	deleted_path(d, old, sizeof(old));
	ret = remap_name(old, d->st.st_ino, name, sizeof(name));
	if (!ret && !d->inode_seen)
		ret = make_link(d, files, name);
	if (!ret)
		ret = write_path_file(d, &files->img, name);
	return ret ? ret : img_write(&files->img, REC_LINK_REMAP, old, strlen(old) + 1);
}

void end_link_remaps(struct file_table *files, int failed)
{
	size_t i;

	for (i = 0; i < files->nr_remaps; i++) {
		if (failed && unlink(files->remaps[i]))
			pr_warn("cannot remove the link remap %s: %s", files->remaps[i],
				strerror(errno));
		free(files->remaps[i]);
	}
	free(files->remaps);
	files->remaps = NULL;
	files->nr_remaps = 0;
}
