// SPDX-License-Identifier: MIT
/*
 * inotify. fdinfo lists every watch: its wd, its mask and the inode it watches (device, inode
 * number and, where the file system gives one, a file handle). A watch is restored by path: the
 * handle is opened (open_by_handle_at, through a mount of that device) and its path read back from
 * /proc/self/fd; that path must lead to the very inode, which also refuses a deleted one. Events
 * queued and not read yet cannot be read without taking them from the process: they are dropped,
 * with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/files.h"

/* The kernel's encoding of a device number in fdinfo: major << 20 | minor. */
static dev_t kernel_dev(uint32_t sdev)
{
	return makedev(sdev >> 20, sdev & 0xfffff);
}

static int cmp_wd(const void *a, const void *b)
{
	const struct proc_inotify_wd *x = a, *y = b;

	return (x->wd > y->wd) - (x->wd < y->wd);
}

/* The path of the watched inode seen through the mount m, if it leads there. */
static int path_through(const struct proc_mount *m, const struct proc_inotify_wd *w, char *path)
{
	struct {
		struct file_handle fh;
		uint8_t bytes[PROC_HANDLE_MAX];
	} h = {.fh = {.handle_bytes = w->handle_bytes, .handle_type = w->handle_type}};
	int mount_fd, fd = -1;
	char link[64];
	struct stat st;
	ssize_t n = -1;

	memcpy(h.fh.f_handle, w->handle, w->handle_bytes);
	/* Not O_PATH: open_by_handle_at refuses such a descriptor. */
	mount_fd = open(m->mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount_fd >= 0)
		fd = open_by_handle_at(mount_fd, &h.fh, O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, PATH_MAX - 1);
		close(fd);
	}
	if (mount_fd >= 0)
		close(mount_fd);
	if (n <= 0 || n >= PATH_MAX - 1)
		return -ENOENT;
	path[n] = '\0';
	if (lstat(path, &st) || st.st_ino != w->ino || st.st_dev != kernel_dev(w->sdev))
		return -ENOENT;
	return 0;
}

/* A path of the inode w watches, tried through each mount of its device, whole ones first. */
static int watch_path(const struct dump_fd *d, const struct proc_inotify_wd *w,
		      const struct proc_mount *mounts, size_t nr, char *path)
{
	dev_t dev = kernel_dev(w->sdev);
	int whole;
	size_t i;

	if (w->handle_type == PROC_UNKNOWN) {
		pr_err("inotify fd %d of %d: watch %u is on inode %lu of device %u:%u, whose file "
		       "system gives no file handle: its path cannot be found",
		       d->fd, d->pid, w->wd, (unsigned long)w->ino, major(dev), minor(dev));
		return -ENOTSUP;
	}
	for (whole = 1; whole >= 0; whole--)
		for (i = 0; i < nr; i++)
			if (makedev(mounts[i].dev_major, mounts[i].dev_minor) == dev &&
			    (strcmp(mounts[i].root, "/") == 0) == whole &&
			    !path_through(&mounts[i], w, path))
				return 0;
	pr_err("inotify fd %d of %d: watch %u: inode %lu of device %u:%u has no path (deleted, "
	       "or not under any mount cryo sees)",
	       d->fd, d->pid, w->wd, (unsigned long)w->ino, major(dev), minor(dev));
	return -ENOENT;
}

static void warn_pending_events(const struct dump_fd *d)
{
	int fd = grab_file(d), bytes = 0;

	if (fd >= 0 && !ioctl(fd, FIONREAD, &bytes) && bytes > 0)
		pr_warn("inotify fd %d of %d: %d bytes of events not read yet are dropped", d->fd,
			d->pid, bytes);
	if (fd >= 0)
		close(fd);
}

static int write_watches(const struct dump_fd *d, struct file_table *files,
			 const struct proc_inotify_wd *wds, size_t nr)
{
	static char path[PATH_MAX];
	struct proc_mount *mounts = NULL;
	size_t nr_mounts = 0, i;
	int ret = 0;

	if (nr)
		ret = proc_parse_mountinfo(getpid(), &mounts, &nr_mounts);
	for (i = 0; i < nr && !ret; i++) {
		struct rec_inotify_watch rec = {.wd = wds[i].wd, .mask = wds[i].mask};

		ret = watch_path(d, &wds[i], mounts, nr_mounts, path);
		if (!ret)
			ret =
			    img_write_str(&files->img, REC_INOTIFY_WATCH, &rec, sizeof(rec), path);
	}
	free(mounts);
	return ret;
}

int dump_inotify(const struct dump_fd *d, struct file_table *files)
{
	struct proc_inotify_wd *wds;
	size_t nr;
	int ret;

	ret = proc_parse_inotify(d->pid, d->fd, &wds, &nr);
	if (ret)
		return ret;
	qsort(wds, nr, sizeof(*wds), cmp_wd);
	warn_pending_events(d);
	ret = write_watches(d, files, wds, nr);
	free(wds);
	return ret;
}
