// SPDX-License-Identifier: MIT
/*
 * inotify. A new instance watches each path again with its mask, in increasing wd order. The
 * kernel numbers watches one after the other (cyclically, never reusing a number until it wraps),
 * so a wd is kept by creating and removing a stand-in watch for every number missing below it;
 * the IN_IGNORED events that removing them queues are read away before the process runs. Only
 * the numbers the watches have are kept: the next new watch gets the number after the highest
 * one, where the original instance may have been further on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "restore/files.h"

struct watch {
	struct rec_inotify_watch rec;
	char path[PATH_MAX];
};

struct inotify_file {
	struct watch *watches; /* in increasing wd order */
	size_t nr;
};

static int load_inotify(struct image_file *f, const struct img *img, const struct img_rec *rec)
{
	struct inotify_file *in = f->priv;
	const struct rec_inotify_watch *w = rec->data;
	struct watch *grown;

	if (rec->type != REC_INOTIFY_WATCH)
		return unexpected_record(f, img, rec);
	if (!in) {
		in = calloc(1, sizeof(*in));
		if (!in)
			return -ENOMEM;
		f->priv = in;
	}
	if (!w->wd || w->wd > INT32_MAX || (in->nr && in->watches[in->nr - 1].rec.wd >= w->wd)) {
		pr_err("%s: inotify file %u: watch %u out of order", img->name, f->rec.id, w->wd);
		return -EINVAL;
	}
	grown = realloc(in->watches, (in->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	in->watches = grown;
	grown[in->nr].rec = *w;
	strncpy(grown[in->nr].path, rec_tail_str(rec), PATH_MAX - 1);
	grown[in->nr++].path[PATH_MAX - 1] = '\0';
	return 0;
}

static int check_inotify(const struct file_pool *pool, const struct image_file *f)
{
	return 0; /* an instance may watch nothing */
}

/* A directory none of the watches is on, for the stand-ins. */
static const char *stand_in_path(const struct inotify_file *in)
{
	static const char *const candidates[] = {"/", "/proc", "/dev", "/sys", "/tmp"};
	struct stat cand, st;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(candidates); i++) {
		if (stat(candidates[i], &cand))
			continue;
		for (j = 0; j < in->nr; j++)
			if (!stat(in->watches[j].path, &st) && st.st_dev == cand.st_dev &&
			    st.st_ino == cand.st_ino)
				break;
		if (j == in->nr)
			return candidates[i];
	}
	return NULL;
}

/* Numbers up to wd (excluded) taken and given back, from *next on; *skipped counts them. */
static int skip_numbers(int fd, const char *stand_in, uint32_t wd, uint32_t *next,
			uint32_t *skipped)
{
	int got;

	for (; *next < wd; (*skipped)++) {
		got = inotify_add_watch(fd, stand_in, IN_ATTRIB);
		if (got < 0 || inotify_rm_watch(fd, got))
			return pr_perror("cannot skip watch number %u with %s", *next, stand_in);
		*next = got + 1;
	}
	return 0;
}

static int add_watch(int fd, const struct watch *w, uint32_t *next)
{
	int got = inotify_add_watch(fd, w->path, w->rec.mask | IN_DONT_FOLLOW);

	if (got < 0)
		return pr_perror("cannot watch %s again", w->path);
	if ((uint32_t)got != w->rec.wd)
		pr_warn("the inotify watch of %s comes back as wd %d, not %u", w->path, got,
			w->rec.wd);
	*next = got + 1;
	return 0;
}

/*
 * The IN_IGNORED events of the stand-ins, and any other event since the watches were added: the
 * instance is O_NONBLOCK until open_file sets its flags.
 */
static void drop_events(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int add_watches(int fd, const struct inotify_file *in)
{
	const char *stand_in = stand_in_path(in);
	uint32_t next = 1, skipped = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < in->nr && !ret; i++) {
		if (next < in->watches[i].rec.wd && !stand_in)
			pr_warn("no directory left to keep the inotify watch numbers with: %s "
				"comes back with another",
				in->watches[i].path);
		else
			ret = skip_numbers(fd, stand_in, in->watches[i].rec.wd, &next, &skipped);
		if (!ret)
			ret = add_watch(fd, &in->watches[i], &next);
	}
	if (skipped)
		drop_events(fd);
	return ret;
}

static int open_inotify(struct file_pool *pool, struct image_file *f)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), ret;

	if (fd < 0)
		return pr_perror("cannot create an inotify instance");
	ret = f->priv ? add_watches(fd, f->priv) : 0;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static void release_inotify(struct image_file *f)
{
	struct inotify_file *in = f->priv;

	if (in)
		free(in->watches);
	release_priv(f);
}

const struct file_restorer inotify_restorer = {
    .load = load_inotify,
    .check = check_inotify,
    .open = open_inotify,
    .release = release_inotify,
};
