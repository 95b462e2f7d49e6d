// SPDX-License-Identifier: MIT
/*
 * Files deleted while open (dumped with --link-remap):
 *
 *   ghost     random content, mode 0640, an old modification time, deleted; open twice (two
 *             open file descriptions, one read-write at a random offset, one read-only) and a
 *             dup of the first at a high number;
 *   tmpfile   an O_TMPFILE with random content: never had a name;
 *   reused    deleted, then a new file created at its path: the new one must stay as it is (the
 *             deleted one comes back under a name beside it, which /proc shows);
 *   remapped  deleted, but still linked as "other link": --link-remap. After a dump -R
 *             (WL_MODE=leave-running), the link the dump made is there, to the same inode.
 *
 * After go: each is the content it had, still deleted (no link, or only "other link", which is
 * the same inode again), /proc names it "PATH (deleted)", the descriptions of one inode are one
 * file (a write through one is read through the other), offsets and attributes are kept, and no
 * file of cryo's is left in the directory.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HIGH_FD 1100
#define OLD_MTIME 1000000000

struct deleted {
	const char *name;
	char path[PATH_MAX];
	size_t size;
	uint64_t seed;
	int fd;
	off_t offset;
};

static struct deleted ghost = {.name = "ghost file"}, tmpfile_ = {.name = "tmp file"},
		      reused = {.name = "reused name"}, remapped = {.name = "remapped file"};
static int ghost_ro;
static char other_link[PATH_MAX];
static uint64_t new_seed;

static void fill(int fd, struct deleted *d)
{
	uint8_t *buf = malloc(d->size);

	d->seed = wl_random_u64();
	if (!buf)
		wl_die("out of memory");
	wl_fill(buf, d->size, d->seed);
	if (pwrite(fd, buf, d->size, 0) != (ssize_t)d->size)
		wl_die("write %s: %s", d->path, strerror(errno));
	free(buf);
}

static void create(struct deleted *d, size_t min, size_t spread)
{
	wl_path(d->path, sizeof(d->path), d->name);
	d->size = min + wl_random_u64() % spread;
	d->fd = open(d->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (d->fd < 0)
		wl_die("create %s: %s", d->path, strerror(errno));
	fill(d->fd, d);
	d->offset = wl_random_u64() % d->size;
	lseek(d->fd, d->offset, SEEK_SET);
}

static void build(void)
{
	struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {OLD_MTIME, 123456789}};
	char proc[64];
	ssize_t n;
	int fd;

	create(&ghost, 100000, 500000);
	fchmod(ghost.fd, 0640);
	futimens(ghost.fd, times);
	ghost_ro = open(ghost.path, O_RDONLY);
	if (ghost_ro < 0 || dup2(ghost.fd, HIGH_FD) != HIGH_FD || unlink(ghost.path))
		wl_die("%s: %s", ghost.path, strerror(errno));

	tmpfile_.fd = open(wl_dir(), O_TMPFILE | O_RDWR, 0600);
	if (tmpfile_.fd < 0)
		wl_die("O_TMPFILE: %s", strerror(errno));
	tmpfile_.size = 1 + wl_random_u64() % 100000;
	fill(tmpfile_.fd, &tmpfile_);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tmpfile_.fd);
	n = readlink(proc, tmpfile_.path, sizeof(tmpfile_.path) - 1);
	if (n < 10)
		wl_die("readlink %s: %s", proc, strerror(errno));
	tmpfile_.path[n - 10] = '\0'; /* without " (deleted)" */

	create(&reused, 1000, 10000);
	unlink(reused.path);
	fd = open(reused.path, O_RDWR | O_CREAT | O_EXCL, 0600);
	new_seed = wl_random_u64();
	if (fd < 0 || write(fd, &new_seed, sizeof(new_seed)) != sizeof(new_seed))
		wl_die("%s: %s", reused.path, strerror(errno));
	close(fd);

	create(&remapped, 1000, 100000);
	wl_path(other_link, sizeof(other_link), "other link");
	if (link(remapped.path, other_link) || unlink(remapped.path))
		wl_die("%s: %s", remapped.path, strerror(errno));
}

static bool same_content(int fd, const struct deleted *d)
{
	uint8_t *buf = malloc(d->size + 1);
	size_t first;
	bool ok;

	ok = buf && pread(fd, buf, d->size + 1, 0) == (ssize_t)d->size &&
	     !wl_verify(buf, d->size, d->seed, &first);
	free(buf);
	return ok;
}

/* Its content, its offset, deleted with nlinks links left, and /proc's "PATH (deleted)". */
static void check_deleted(int fd, const struct deleted *d, off_t offset, nlink_t nlinks)
{
	char proc[64], link[PATH_MAX], want[PATH_MAX + 16];
	struct stat st;
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%s (deleted)", d->path);
	if (d == &reused)
		wl_check(!strncmp(link, d->path, strlen(d->path)) && strstr(link, " (deleted)"),
			 "fd %d is %s, want %s... (deleted)", fd, link, d->path);
	else if (d != &remapped)
		wl_check(!strcmp(link, want), "fd %d is %s, want %s", fd, link, want);
	if (fstat(fd, &st))
		memset(&st, 0, sizeof(st));
	wl_check(S_ISREG(st.st_mode) && st.st_nlink == nlinks && st.st_size == (off_t)d->size,
		 "%s (fd %d): %lu links and %ld bytes, want %lu and %zu", d->name, fd,
		 (unsigned long)st.st_nlink, (long)st.st_size, (unsigned long)nlinks, d->size);
	wl_check(same_content(fd, d), "%s (fd %d): not the content it had", d->name, fd);
	wl_check(lseek(fd, 0, SEEK_CUR) == offset, "%s (fd %d): offset %ld, want %ld", d->name, fd,
		 (long)lseek(fd, 0, SEEK_CUR), (long)offset);
}

static void check_ghost(void)
{
	uint64_t token = wl_random_u64(), got = 0;
	struct stat a, b;

	check_deleted(ghost.fd, &ghost, ghost.offset, 0);
	check_deleted(ghost_ro, &ghost, 0, 0);
	if (fstat(ghost.fd, &a) || fstat(ghost_ro, &b))
		wl_die("fstat: %s", strerror(errno));
	wl_check((a.st_mode & 07777) == 0640 && a.st_mtim.tv_sec == OLD_MTIME &&
		     a.st_mtim.tv_nsec == 123456789,
		 "%s: mode %o, mtime %ld.%09ld, want 640 and %d.123456789", ghost.name,
		 a.st_mode & 07777, (long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec, OLD_MTIME);
	wl_check(a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		 "%s: its two descriptions are not one file", ghost.name);
	wl_check(pwrite(ghost.fd, &token, sizeof(token), 8) == sizeof(token) &&
		     pread(ghost_ro, &got, sizeof(got), 8) == sizeof(got) && got == token,
		 "%s: a write through one description is not read through the other", ghost.name);
	wl_check(lseek(HIGH_FD, 0, SEEK_CUR) == ghost.offset && write(HIGH_FD, "x", 1) == 1 &&
		     lseek(ghost.fd, 0, SEEK_CUR) == ghost.offset + 1,
		 "fd %d is not a dup of fd %d (one offset)", HIGH_FD, ghost.fd);
}

static void check_reused(void)
{
	uint64_t got = 0;
	struct stat st;
	int fd = open(reused.path, O_RDONLY);

	check_deleted(reused.fd, &reused, reused.offset, 0);
	wl_check(fd >= 0 && !fstat(fd, &st) && st.st_size == sizeof(got) &&
		     read(fd, &got, sizeof(got)) == sizeof(got) && got == new_seed,
		 "the new file at %s is not as it was", reused.path);
	if (fd >= 0)
		close(fd);
}

/* The file is the one linked as `link`. */
static void check_linked(const char *link)
{
	struct stat st, by_link;

	wl_check(!fstat(remapped.fd, &st) && !stat(link, &by_link) && st.st_ino == by_link.st_ino &&
		     st.st_dev == by_link.st_dev,
		 "%s is not the file linked as %s", remapped.name, link);
}

/* After dump -R: the link the dump made, to the same file (then removed, as a restore would). */
static void check_remap_link(void)
{
	char name[PATH_MAX];
	struct stat st;

	fstat(remapped.fd, &st);
	snprintf(name, sizeof(name), "%s/cryo_link_remap.%lu", wl_dir(), (unsigned long)st.st_ino);
	check_linked(name);
	unlink(name);
}

static void check_remapped(bool leave_running)
{
	if (leave_running)
		check_remap_link();
	check_deleted(remapped.fd, &remapped, remapped.offset, 1);
	check_linked(other_link);
	wl_check(access(remapped.path, F_OK) && errno == ENOENT, "%s exists again", remapped.path);
}

/* Nothing but the workload's files and the driver's in the directory. */
static void check_directory(void)
{
	DIR *dir = opendir(wl_dir());
	struct dirent *e;

	while (dir && (e = readdir(dir)))
		wl_check(strncmp(e->d_name, "cryo", 4) && !strstr(e->d_name, ghost.name) &&
			     !strstr(e->d_name, tmpfile_.name),
			 "%s/%s was left behind", wl_dir(), e->d_name);
	if (dir)
		closedir(dir);
}

int main(int argc, char **argv)
{
	const char *mode = getenv("WL_MODE");

	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	check_ghost();
	check_deleted(tmpfile_.fd, &tmpfile_, 0, 0);
	check_reused();
	check_remapped(mode && !strcmp(mode, "leave-running"));
	check_directory();
	return wl_finish();
}
