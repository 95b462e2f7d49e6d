// SPDX-License-Identifier: MIT
/*
 * An inotify instance (O_NONBLOCK) watching, in the test's directory:
 *
 *   dir      a directory, IN_CREATE | IN_DELETE, wd 1;
 *            (wd 2 was a watch removed before the dump: a gap)
 *   file     a file, IN_MODIFY, wd 3;
 *   oneshot  a file, IN_MODIFY | IN_ONESHOT, wd 4.
 *
 * After go: nothing is queued; a file created in the directory, a write to each file are reported
 * with their wd (the numbers kept, gap included), the one-shot watch then goes (IN_IGNORED); a
 * new watch gets wd 5.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIMEOUT_MS 20000

static int in, wd_dir, wd_file, wd_oneshot;
static char dir[PATH_MAX], file[PATH_MAX], oneshot[PATH_MAX], name[32];

static int watch(const char *path, uint32_t mask)
{
	int wd = inotify_add_watch(in, path, mask);

	if (wd < 0)
		wl_die("inotify_add_watch %s: %s", path, strerror(errno));
	return wd;
}

static void create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		wl_die("create %s: %s", path, strerror(errno));
	close(fd);
}

static void make_watches(void)
{
	char gap[PATH_MAX];
	char buf[4096];

	wl_path(dir, sizeof(dir), "dir");
	wl_path(file, sizeof(file), "file");
	wl_path(oneshot, sizeof(oneshot), "oneshot");
	wl_path(gap, sizeof(gap), "gap");
	if (mkdir(dir, 0700) || mkdir(gap, 0700))
		wl_die("mkdir: %s", strerror(errno));
	create(file);
	create(oneshot);
	in = inotify_init1(IN_NONBLOCK);
	if (in < 0)
		wl_die("inotify_init1: %s", strerror(errno));
	wd_dir = watch(dir, IN_CREATE | IN_DELETE);
	if (inotify_rm_watch(in, watch(gap, IN_ALL_EVENTS)))
		wl_die("inotify_rm_watch: %s", strerror(errno));
	wd_file = watch(file, IN_MODIFY);
	wd_oneshot = watch(oneshot, IN_MODIFY | IN_ONESHOT);
	if (wd_dir != 1 || wd_file != 3 || wd_oneshot != 4)
		wl_die("watches %d, %d, %d, want 1, 3, 4", wd_dir, wd_file, wd_oneshot);
	/* The IN_IGNORED of the removed watch: nothing is left queued at the dump. */
	while (read(in, buf, sizeof(buf)) > 0)
		;
	snprintf(name, sizeof(name), "new-%08lx", (unsigned long)(wl_random_u64() & 0xffffffff));
}

static void append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, "x", 1) != 1)
		wl_check(false, "write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The next event: waits for one; false when none came. */
static bool next_event(struct inotify_event *ev, char *ev_name, size_t size)
{
	static char buf[4096] __attribute__((aligned(8)));
	static size_t len, at;
	struct pollfd p = {.fd = in, .events = POLLIN};
	const struct inotify_event *e;
	ssize_t n;

	if (at == len) {
		if (poll(&p, 1, TIMEOUT_MS) != 1 || (n = read(in, buf, sizeof(buf))) <= 0)
			return false;
		len = n;
		at = 0;
	}
	e = (const struct inotify_event *)(buf + at);
	*ev = *e;
	snprintf(ev_name, size, "%s", e->len ? e->name : "");
	at += sizeof(*e) + e->len;
	return true;
}

static void expect_event(const char *what, int wd, uint32_t mask, const char *want_name)
{
	struct inotify_event ev = {0};
	char got_name[NAME_MAX + 1] = "";

	if (!wl_check(next_event(&ev, got_name, sizeof(got_name)), "%s: no event", what))
		return;
	wl_check(ev.wd == wd && (ev.mask & ~IN_ISDIR) == mask && !strcmp(got_name, want_name),
		 "%s: event wd %d mask %#x name '%s', want wd %d mask %#x name '%s'", what, ev.wd,
		 ev.mask, got_name, wd, mask, want_name);
}

static void check_watches(void)
{
	char path[PATH_MAX + sizeof(name)], buf[4096];

	wl_check(fcntl(in, F_GETFL) & O_NONBLOCK, "the instance lost O_NONBLOCK");
	wl_check(read(in, buf, sizeof(buf)) < 0 && errno == EAGAIN, "events queued before any");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	create(path);
	expect_event("created in the directory", wd_dir, IN_CREATE, name);
	append(file);
	expect_event("file written", wd_file, IN_MODIFY, "");
	append(oneshot);
	expect_event("one-shot file written", wd_oneshot, IN_MODIFY, "");
	expect_event("one-shot watch gone", wd_oneshot, IN_IGNORED, "");
	append(oneshot);
	unlink(path);
	expect_event("deleted in the directory", wd_dir, IN_DELETE, name);
	wl_check(watch(dir, IN_CREATE) == wd_dir, "the directory's watch changed number");
	wl_path(path, PATH_MAX, "gap");
	wl_check(watch(path, IN_CREATE) == 5, "a new watch is not wd 5");
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	make_watches();
	wl_ready();
	wl_wait_go();
	check_watches();
	return wl_finish();
}
