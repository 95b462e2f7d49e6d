// SPDX-License-Identifier: MIT
/*
 * Named FIFOs (mkfifo), reopened by their paths, with their bytes in flight:
 *
 *   duplex  a reader (O_NONBLOCK) and a writer, random bytes in flight, a capacity of 128 KiB;
 *   rdwr    one descriptor opened read-write, at a high number, random bytes in flight;
 *   ended   random bytes in flight and no writer left: after them, end of file.
 *
 * After go each descriptor must be on the FIFO that still has its path (same inode), give back
 * exactly the bytes that were in flight, and still work: a write on the writer comes out of the
 * reader.
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

#define CAPACITY (128 * 1024)
#define RDWR_FD 700

struct fifo {
	const char *name;
	char path[PATH_MAX];
	uint8_t *data;
	size_t len;
};

static struct fifo duplex = {.name = "fifo duplex"}, rdwr = {.name = "fifo rdwr"},
		   ended = {.name = "fifo ended"};
static int duplex_r, duplex_w, ended_r;

static int open_fifo(struct fifo *f, int flags)
{
	int fd = open(f->path, flags);

	if (fd < 0)
		wl_die("open %s: %s", f->path, strerror(errno));
	return fd;
}

static void make_fifo(struct fifo *f, size_t min, size_t spread)
{
	wl_path(f->path, sizeof(f->path), f->name);
	if (mkfifo(f->path, 0600))
		wl_die("mkfifo %s: %s", f->path, strerror(errno));
	f->len = min + wl_random_u64() % spread;
	f->data = malloc(f->len);
	if (!f->data)
		wl_die("out of memory");
	wl_random(f->data, f->len);
}

static void put(int fd, const struct fifo *f)
{
	if (write(fd, f->data, f->len) != (ssize_t)f->len)
		wl_die("write %zu bytes into %s: %s", f->len, f->path, strerror(errno));
}

static void build(void)
{
	int w;

	make_fifo(&duplex, 70000, 50000);
	duplex_r = open_fifo(&duplex, O_RDONLY | O_NONBLOCK);
	duplex_w = open_fifo(&duplex, O_WRONLY);
	if (fcntl(duplex_w, F_SETPIPE_SZ, CAPACITY) < 0)
		wl_die("F_SETPIPE_SZ: %s", strerror(errno));
	put(duplex_w, &duplex);

	make_fifo(&rdwr, 1, 60000);
	if (dup2(open_fifo(&rdwr, O_RDWR), RDWR_FD) != RDWR_FD)
		wl_die("dup2: %s", strerror(errno));
	put(RDWR_FD, &rdwr);
	fcntl(RDWR_FD, F_SETFL, O_NONBLOCK);

	make_fifo(&ended, 1, 60000);
	ended_r = open_fifo(&ended, O_RDONLY | O_NONBLOCK);
	w = open_fifo(&ended, O_WRONLY);
	put(w, &ended);
	close(w);
}

/* fd is on the FIFO found at the FIFO's path, and /proc names that path. */
static void check_same_fifo(int fd, const struct fifo *f)
{
	char proc[64], link[PATH_MAX];
	struct stat by_fd, by_path;
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	wl_check(!strcmp(link, f->path), "fd %d is %s, want %s", fd, link, f->path);
	wl_check(!fstat(fd, &by_fd) && !stat(f->path, &by_path) && S_ISFIFO(by_fd.st_mode) &&
		     by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev,
		 "fd %d is not the FIFO %s", fd, f->path);
}

static void check_bytes(int fd, const struct fifo *f)
{
	uint8_t *got = malloc(f->len + 1);
	size_t done = 0;
	ssize_t n;

	while (got && done <= f->len && (n = read(fd, got + done, f->len + 1 - done)) > 0)
		done += n;
	wl_check(got && done == f->len && !memcmp(got, f->data, f->len),
		 "%s: %zu bytes read back, want %zu, %s", f->name, done, f->len,
		 got && done == f->len && !memcmp(got, f->data, f->len) ? "same" : "different");
	free(got);
}

/* Still a FIFO between writer and reader: nothing more for now, then what is written. */
static void check_flow(int r, int w, const char *what)
{
	uint64_t token = wl_random_u64(), got = 0;

	wl_check(read(r, &got, 1) < 0 && errno == EAGAIN, "%s: an empty FIFO did not say EAGAIN",
		 what);
	wl_check(write(w, &token, sizeof(token)) == sizeof(token) &&
		     read(r, &got, sizeof(got)) == sizeof(got) && got == token,
		 "%s: what was written did not come out", what);
}

int main(int argc, char **argv)
{
	char c;

	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	check_same_fifo(duplex_r, &duplex);
	check_same_fifo(duplex_w, &duplex);
	check_same_fifo(RDWR_FD, &rdwr);
	check_same_fifo(ended_r, &ended);
	wl_check(fcntl(duplex_w, F_GETPIPE_SZ) == CAPACITY, "capacity %d, want %d",
		 fcntl(duplex_w, F_GETPIPE_SZ), CAPACITY);
	wl_check((fcntl(duplex_r, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == (O_RDONLY | O_NONBLOCK) &&
		     (fcntl(duplex_w, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == O_WRONLY &&
		     (fcntl(RDWR_FD, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == (O_RDWR | O_NONBLOCK),
		 "access modes or O_NONBLOCK not as opened");
	check_bytes(duplex_r, &duplex);
	check_flow(duplex_r, duplex_w, duplex.name);
	check_bytes(RDWR_FD, &rdwr);
	check_flow(RDWR_FD, RDWR_FD, rdwr.name);
	check_bytes(ended_r, &ended);
	wl_check(read(ended_r, &c, 1) == 0, "%s: no end of file after the bytes", ended.name);
	return wl_finish();
}
