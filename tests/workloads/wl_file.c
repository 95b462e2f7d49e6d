// SPDX-License-Identifier: MIT
/*
 * File descriptors: a regular file opened three times (read-write, append-only, read-only), each
 * with its own random offset, a dup of the read-write one at a high number (same open file
 * description, so one offset), /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom, a
 * directory, and the driver's stdin, stdout and stderr (stdout and stderr share one description:
 * 2>&1). After go the same fds must be open on the same files with the same flags, offsets and
 * sharing, and must work: writes land at the offsets, the append goes to the end, reads see the
 * file, each device behaves as itself.
 */
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KCMP_FILE 0 /* <linux/kcmp.h> */
#define FILE_SIZE (64 * 1024)
#define RW_WRITE 100
#define APPEND_WRITE 50
#define RO_READ 100
#define DUP_FD 100
#define MAX_FDS 32

/* What an fd looks like from inside. */
struct fd_state {
	int fd;
	int fd_flags; /* F_GETFD */
	int fl_flags; /* F_GETFL */
	off_t offset; /* -1 where there is none (a pipe, a terminal) */
	dev_t dev, rdev;
	ino_t ino;
	mode_t mode;
	char link[PATH_MAX];
};

static int rw_fd, app_fd, ro_fd, null_fd, zero_fd, full_fd, random_fd, urandom_fd, dir_fd;
static off_t rw_off, app_off, ro_off;
static uint64_t data_seed, rw_seed, app_seed;
static char data_path[PATH_MAX];

static struct fd_state before[MAX_FDS];
static int nr_before;
/* shared[i][j]: before[i] and before[j] are one open file description. */
static bool shared[MAX_FDS][MAX_FDS];
static bool have_kcmp;

static int xopen(const char *path, int flags)
{
	int fd = open(path, flags, 0600);

	if (fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	return fd;
}

static off_t random_offset(void)
{
	return 1 + wl_random_u64() % (FILE_SIZE - RO_READ - 1);
}

static void build(void)
{
	uint8_t *data = malloc(FILE_SIZE);

	wl_path(data_path, sizeof(data_path), "data file");
	data_seed = wl_random_u64();
	rw_seed = wl_random_u64();
	app_seed = wl_random_u64();
	if (!data)
		wl_die("out of memory");
	wl_fill(data, FILE_SIZE, data_seed);

	rw_fd = xopen(data_path, O_RDWR | O_CREAT | O_TRUNC);
	if (write(rw_fd, data, FILE_SIZE) != FILE_SIZE)
		wl_die("write %s: %s", data_path, strerror(errno));
	free(data);
	app_fd = xopen(data_path, O_WRONLY | O_APPEND);
	ro_fd = xopen(data_path, O_RDONLY | O_CLOEXEC);
	rw_off = random_offset();
	app_off = random_offset();
	ro_off = random_offset();
	lseek(rw_fd, rw_off, SEEK_SET);
	lseek(app_fd, app_off, SEEK_SET);
	lseek(ro_fd, ro_off, SEEK_SET);
	if (dup2(rw_fd, DUP_FD) != DUP_FD)
		wl_die("dup2: %s", strerror(errno));
	null_fd = xopen("/dev/null", O_RDWR);
	zero_fd = xopen("/dev/zero", O_RDONLY | O_NONBLOCK);
	full_fd = xopen("/dev/full", O_WRONLY);
	random_fd = xopen("/dev/random", O_RDONLY);
	urandom_fd = xopen("/dev/urandom", O_RDONLY);
	dir_fd = xopen(wl_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static bool is_device(int fd, unsigned int major_nr, unsigned int minor_nr)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_nr &&
	       minor(st.st_rdev) == minor_nr;
}

/* The open fds, from /proc/self/fd, in increasing order. */
static int list_fds(int *fds)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0, i;

	if (!d)
		wl_die("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (n == MAX_FDS)
			wl_die("more than %d fds", MAX_FDS);
		for (i = n++; i > 0 && fds[i - 1] > fd; i--)
			fds[i] = fds[i - 1];
		fds[i] = fd;
	}
	closedir(d);
	return n;
}

static void get_state(int fd, struct fd_state *s)
{
	char proc[64];
	struct stat st;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->fd_flags = fcntl(fd, F_GETFD);
	s->fl_flags = fcntl(fd, F_GETFL);
	s->offset = lseek(fd, 0, SEEK_CUR);
	if (!fstat(fd, &st)) {
		s->dev = st.st_dev;
		s->rdev = st.st_rdev;
		s->ino = st.st_ino;
		s->mode = st.st_mode;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, s->link, sizeof(s->link) - 1);
	s->link[n > 0 ? n : 0] = '\0';
}

static bool same_description(int a, int b)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b) == 0;
}

/* The fds and their sharing, into st[] and sh[][]; returns how many. */
static int snapshot(struct fd_state *st, bool sh[MAX_FDS][MAX_FDS])
{
	int fds[MAX_FDS], n = list_fds(fds), i, j;

	for (i = 0; i < n; i++)
		get_state(fds[i], &st[i]);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			sh[i][j] = have_kcmp && same_description(fds[i], fds[j]);
	return n;
}

/* The index of fd in before[], or -1. */
static int index_of(int fd)
{
	int i;

	for (i = 0; i < nr_before; i++)
		if (before[i].fd == fd)
			return i;
	return -1;
}

static void check_fds(off_t ready_len)
{
	static struct fd_state now[MAX_FDS];
	static bool now_shared[MAX_FDS][MAX_FDS];
	/* Take it all before printing anything: a FAIL line moves stdout's offset. */
	int n = snapshot(now, now_shared), out = index_of(1), i, j;

	wl_check(n == nr_before, "%d fds open, want %d", n, nr_before);
	for (i = 0; i < nr_before && i < n; i++) {
		const struct fd_state *b = &before[i], *s = &now[i];
		off_t want_off = b->offset;

		if (!wl_check(s->fd == b->fd, "fd %d open, want fd %d", s->fd, b->fd))
			return;
		/* READY went to stdout after the snapshot. */
		if (out >= 0 && (i == out || shared[i][out]))
			want_off += ready_len;
		wl_check(
		    s->dev == b->dev && s->ino == b->ino && s->rdev == b->rdev &&
			s->mode == b->mode && !strcmp(s->link, b->link),
		    "fd %d: %s (dev %#lx ino %lu rdev %#lx mode %o), want %s (%#lx %lu %#lx %o)",
		    b->fd, s->link, s->dev, s->ino, s->rdev, s->mode, b->link, b->dev, b->ino,
		    b->rdev, b->mode);
		wl_check(s->fd_flags == b->fd_flags && s->fl_flags == b->fl_flags,
			 "fd %d: fd flags %#x, file flags %#o, want %#x, %#o", b->fd, s->fd_flags,
			 s->fl_flags, b->fd_flags, b->fl_flags);
		wl_check(s->offset == want_off, "fd %d: offset %ld, want %ld", b->fd, s->offset,
			 want_off);
		for (j = i + 1; j < nr_before && j < n; j++)
			wl_check(now_shared[i][j] == shared[i][j],
				 "fds %d and %d: %s open file description(s), want %s", b->fd,
				 before[j].fd, now_shared[i][j] ? "one" : "two",
				 shared[i][j] ? "one" : "two");
	}
}

/* Use every fd, and check that the file holds what these uses must have made of it. */
static void check_io(void)
{
	size_t size = FILE_SIZE + APPEND_WRITE;
	uint8_t *want = malloc(size), *got = malloc(size), buf[RO_READ];
	struct stat st;
	ino_t ino;
	ssize_t n;

	if (!want || !got)
		wl_die("out of memory");
	wl_fill(want, FILE_SIZE, data_seed);
	wl_fill(want + rw_off, RW_WRITE, rw_seed);
	wl_fill(want + FILE_SIZE, APPEND_WRITE, app_seed);

	memcpy(buf, want + rw_off, RW_WRITE);
	wl_check(write(rw_fd, buf, RW_WRITE) == RW_WRITE, "write fd %d: %s", rw_fd,
		 strerror(errno));
	wl_check(lseek(DUP_FD, 0, SEEK_CUR) == rw_off + RW_WRITE,
		 "fd %d: offset %ld after a write on fd %d, want %ld", DUP_FD,
		 lseek(DUP_FD, 0, SEEK_CUR), rw_fd, rw_off + RW_WRITE);
	memcpy(buf, want + FILE_SIZE, APPEND_WRITE);
	wl_check(write(app_fd, buf, APPEND_WRITE) == APPEND_WRITE, "write fd %d: %s", app_fd,
		 strerror(errno));
	wl_check(lseek(app_fd, 0, SEEK_CUR) == (off_t)size, "O_APPEND fd %d: offset %ld, want %zu",
		 app_fd, lseek(app_fd, 0, SEEK_CUR), size);
	n = read(ro_fd, buf, RO_READ);
	wl_check(n == RO_READ && !memcmp(buf, want + ro_off, RO_READ),
		 "read fd %d at offset %ld: %zd bytes, not the file's", ro_fd, ro_off, n);

	fstat(rw_fd, &st);
	n = pread(ro_fd, got, size, 0);
	wl_check(st.st_size == (off_t)size && n == (ssize_t)size && !memcmp(got, want, size),
		 "%s: %ld bytes, want %zu, or not the expected content", data_path, st.st_size,
		 size);
	free(want);
	free(got);

	wl_check(write(null_fd, buf, 10) == 10 && read(null_fd, buf, 10) == 0,
		 "fd %d does not behave as /dev/null", null_fd);
	memset(buf, 0xff, sizeof(buf));
	wl_check(read(zero_fd, buf, sizeof(buf)) == sizeof(buf) && !buf[0] &&
		     !memcmp(buf, buf + 1, sizeof(buf) - 1),
		 "fd %d does not behave as /dev/zero", zero_fd);
	wl_check(write(full_fd, buf, 10) < 0 && errno == ENOSPC,
		 "fd %d does not behave as /dev/full", full_fd);
	wl_check(is_device(random_fd, 1, 8) && read(random_fd, buf, 16) == 16,
		 "fd %d is not /dev/random, or gives no bytes", random_fd);
	wl_check(is_device(urandom_fd, 1, 9) && read(urandom_fd, buf, 16) == 16,
		 "fd %d is not /dev/urandom, or gives no bytes", urandom_fd);
	fstat(rw_fd, &st);
	ino = st.st_ino;
	wl_check(!fstatat(dir_fd, "data file", &st, 0) && st.st_ino == ino,
		 "directory fd %d: no \"data file\" in it (%s)", dir_fd, strerror(errno));
}

/* stdout and stderr (2>&1): a write on one moves the offset of the other. */
static void check_stdout_stderr(void)
{
	static const char line[] = "NOTE: written on stderr\n";
	int out = index_of(1), err = index_of(2);
	off_t off;

	if (out < 0 || err < 0 || !shared[out][err])
		return;
	fflush(stdout);
	off = lseek(1, 0, SEEK_CUR);
	if (write(2, line, sizeof(line) - 1) != sizeof(line) - 1)
		wl_check(false, "write on stderr: %s", strerror(errno));
	wl_check(lseek(1, 0, SEEK_CUR) == off + (off_t)sizeof(line) - 1,
		 "stdout offset %ld after a write on stderr, want %ld", lseek(1, 0, SEEK_CUR),
		 off + (off_t)sizeof(line) - 1);
}

int main(int argc, char **argv)
{
	off_t ready_len;

	wl_init(argc, argv);
	have_kcmp = same_description(0, 0) || same_description(1, 1);
	if (!have_kcmp)
		wl_note("kcmp: %s, sharing between fds not compared", strerror(errno));
	build();
	nr_before = snapshot(before, shared);
	ready_len = wl_ready();
	wl_wait_go();

	check_fds(ready_len);
	check_io();
	check_stdout_stderr();
	return wl_finish();
}
