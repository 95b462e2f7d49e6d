// SPDX-License-Identifier: MIT
/*
 * Regular files opened with the flags that change how they work, at high descriptor numbers:
 *
 *   append    O_APPEND, at fd 1030: a write lands at the end, wherever the offset was;
 *   nonblock  O_NONBLOCK | O_NOATIME, at fd 1500;
 *   direct    O_DIRECT (on a file system that has it), at fd 2000, at an aligned offset: an
 *             aligned read there gives the file's bytes, an unaligned one EINVAL;
 *   path      O_PATH, on a file and on a directory: no read, but fstat and *at() work;
 *   renamed   opened as "before", renamed "after" (another directory) while open: /proc shows
 *             the new path, writes land in the file found there.
 *
 * After go each must have its flags (F_GETFL), offset, inode and behaviour.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE (256 * 1024)
#define APPEND_FD 1030
#define NONBLOCK_FD 1500
#define DIRECT_FD 2000
#define ALIGN 4096

struct flagged {
	int fd;
	int flags; /* F_GETFL at start */
	off_t offset;
	ino_t ino;
};

static struct flagged append, nonblock, direct, path_file, path_dir, renamed;
static char data_path[PATH_MAX], renamed_path[PATH_MAX];
static uint64_t seed;
static bool have_direct;

static void keep(struct flagged *f, int fd, int at, off_t offset)
{
	struct stat st;

	if (fd < 0)
		wl_die("open: %s", strerror(errno));
	if (at >= 0 && (dup2(fd, at) != at || close(fd)))
		wl_die("dup2 %d: %s", at, strerror(errno));
	f->fd = at >= 0 ? at : fd;
	if (offset && lseek(f->fd, offset, SEEK_SET) != offset)
		wl_die("lseek: %s", strerror(errno));
	f->flags = fcntl(f->fd, F_GETFL);
	f->offset = offset;
	fstat(f->fd, &st);
	f->ino = st.st_ino;
}

static void build(void)
{
	char before[PATH_MAX], dir[PATH_MAX - 16];
	uint8_t *buf = malloc(SIZE);
	int fd;

	wl_path(data_path, sizeof(data_path), "flags data");
	seed = wl_random_u64();
	fd = open(data_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (!buf || fd < 0)
		wl_die("create %s: %s", data_path, strerror(errno));
	wl_fill(buf, SIZE, seed);
	if (write(fd, buf, SIZE) != SIZE)
		wl_die("write %s: %s", data_path, strerror(errno));
	close(fd);
	free(buf);

	keep(&append, open(data_path, O_WRONLY | O_APPEND), APPEND_FD, 1 + wl_random_u64() % 1000);
	keep(&nonblock, open(data_path, O_RDONLY | O_NONBLOCK | O_NOATIME), NONBLOCK_FD,
	     wl_random_u64() % SIZE);
	fd = open(data_path, O_RDONLY | O_DIRECT);
	have_direct = fd >= 0;
	if (have_direct)
		keep(&direct, fd, DIRECT_FD, ALIGN * (1 + wl_random_u64() % (SIZE / ALIGN - 2)));
	else
		wl_note("O_DIRECT: %s, not checked on %s", strerror(errno), wl_dir());
	keep(&path_file, open(data_path, O_PATH), -1, 0);
	keep(&path_dir, open(wl_dir(), O_PATH | O_DIRECTORY), -1, 0);

	wl_path(before, sizeof(before), "before");
	wl_path(dir, sizeof(dir), "moved to");
	snprintf(renamed_path, sizeof(renamed_path), "%s/after", dir);
	keep(&renamed, open(before, O_RDWR | O_CREAT | O_EXCL, 0600), -1, 0);
	if (write(renamed.fd, "0123456789", 10) != 10 || mkdir(dir, 0700) ||
	    rename(before, renamed_path))
		wl_die("rename %s: %s", before, strerror(errno));
	renamed.offset = 10;
}

/* Same flags, offset and inode as at start. */
static void check_same(const char *what, const struct flagged *f)
{
	struct stat st;
	int flags = fcntl(f->fd, F_GETFL);
	off_t offset = f->flags & O_PATH ? 0 : lseek(f->fd, 0, SEEK_CUR);

	wl_check(flags == f->flags, "%s (fd %d): flags %#o, want %#o", what, f->fd, flags,
		 f->flags);
	wl_check(offset == f->offset, "%s (fd %d): offset %ld, want %ld", what, f->fd, (long)offset,
		 (long)f->offset);
	wl_check(!fstat(f->fd, &st) && st.st_ino == f->ino, "%s (fd %d): not the same file", what,
		 f->fd);
}

static void check_append(void)
{
	uint64_t token = wl_random_u64(), got = 0;
	struct stat st;

	check_same("O_APPEND", &append);
	wl_check(write(APPEND_FD, &token, sizeof(token)) == sizeof(token) &&
		     !stat(data_path, &st) && st.st_size == SIZE + sizeof(token),
		 "O_APPEND: the write did not go to the end");
	wl_check(pread(nonblock.fd, &got, sizeof(got), SIZE) == sizeof(got) && got == token,
		 "O_APPEND: the end of the file is not what was written");
}

static void check_direct(void)
{
	uint8_t *buf, *all = malloc(SIZE);

	if (!have_direct)
		return;
	check_same("O_DIRECT", &direct);
	if (posix_memalign((void **)&buf, ALIGN, 2 * ALIGN) || !all)
		wl_die("out of memory");
	wl_fill(all, SIZE, seed);
	wl_check(read(DIRECT_FD, buf, ALIGN) == ALIGN && !memcmp(buf, all + direct.offset, ALIGN),
		 "O_DIRECT: an aligned read did not give the file's bytes");
	wl_check(pread(DIRECT_FD, buf + 1, ALIGN, 0) < 0 && errno == EINVAL,
		 "O_DIRECT: an unaligned read did not fail with EINVAL (not direct I/O)");
	free(buf);
	free(all);
}

static void check_path(void)
{
	char c;
	struct stat st;

	check_same("O_PATH file", &path_file);
	check_same("O_PATH directory", &path_dir);
	wl_check(read(path_file.fd, &c, 1) < 0 && errno == EBADF,
		 "O_PATH: a read did not fail with EBADF");
	wl_check(!fstatat(path_dir.fd, "flags data", &st, 0) && st.st_ino == path_file.ino,
		 "O_PATH directory: no \"flags data\" in it");
}

static void check_renamed(void)
{
	char proc[64], link[PATH_MAX], buf[16] = {0};
	ssize_t n;
	int fd;

	check_same("renamed", &renamed);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", renamed.fd);
	n = readlink(proc, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	wl_check(!strcmp(link, renamed_path), "renamed: fd %d is %s, want %s", renamed.fd, link,
		 renamed_path);
	fd = open(renamed_path, O_RDONLY);
	wl_check(write(renamed.fd, "ab", 2) == 2 && fd >= 0 && read(fd, buf, sizeof(buf)) == 12 &&
		     !strcmp(buf, "0123456789ab"),
		 "renamed: %s holds \"%s\", want \"0123456789ab\"", renamed_path, buf);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	check_same("O_NONBLOCK|O_NOATIME", &nonblock);
	check_append();
	check_direct();
	check_path();
	check_renamed();
	return wl_finish();
}
