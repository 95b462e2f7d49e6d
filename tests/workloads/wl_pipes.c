// SPDX-License-Identifier: MIT
/*
 * Pipes and descriptors shared between processes:
 *
 *   full    random bytes in flight (written before the dump, read after), a capacity of 256 KiB
 *           set with F_SETPIPE_SZ, the read end O_NONBLOCK, the write end also at fd 1500 with
 *           close-on-exec;
 *   ended   random bytes in flight and no writer left: after them, end of file;
 *   link    read by this process, written by its child after go: still one pipe between them;
 *   file    a regular file open in both, one open file description: the child writes through it
 *           after go, and the parent's offset moves (one offset, as before the dump).
 *
 * The child checks its side and reports through its exit status.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAPACITY (256 * 1024)
#define HIGH_FD 1500
#define CHILD_WRITES 777
#define TIMEOUT_MS 20000

static int full[2], ended[2], link_pipe[2], file_fd;
static uint8_t *full_data, *ended_data;
static size_t full_len, ended_len;
static uint64_t token;
static pid_t child;

static void *random_bytes(size_t len)
{
	uint8_t *buf = malloc(len);

	if (!buf)
		wl_die("malloc: %s", strerror(errno));
	wl_random(buf, len);
	return buf;
}

static void put(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		wl_die("write %zu bytes into fd %d: %s", len, fd, strerror(errno));
}

static void make_pipes(void)
{
	char path[PATH_MAX];

	if (pipe(full) || pipe(ended) || pipe(link_pipe))
		wl_die("pipe: %s", strerror(errno));
	if (fcntl(full[1], F_SETPIPE_SZ, CAPACITY) < 0)
		wl_die("F_SETPIPE_SZ: %s", strerror(errno));
	fcntl(full[0], F_SETFL, O_NONBLOCK);
	full_len = 100000 + wl_random_u64() % 100000;
	full_data = random_bytes(full_len);
	put(full[1], full_data, full_len);
	if (dup3(full[1], HIGH_FD, O_CLOEXEC) != HIGH_FD)
		wl_die("dup3: %s", strerror(errno));
	ended_len = 1 + wl_random_u64() % 60000;
	ended_data = random_bytes(ended_len);
	put(ended[1], ended_data, ended_len);
	close(ended[1]);
	wl_path(path, sizeof(path), "shared-file");
	file_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file_fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	put(file_fd, "x", 1);
	token = wl_random_u64();
}

/* The child: after go, one write into the shared file, then the token into the pipe. */
static void run_child(void)
{
	static char buf[CHILD_WRITES];

	close(link_pipe[0]);
	wl_wait_go();
	memset(buf, 'c', sizeof(buf));
	if (write(file_fd, buf, sizeof(buf)) != sizeof(buf) ||
	    write(link_pipe[1], &token, sizeof(token)) != sizeof(token))
		_exit(1);
	_exit(0);
}

static void check_bytes(const char *what, int fd, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len + 1);
	size_t done = 0;
	ssize_t n;

	while (got && done < len && (n = read(fd, got + done, len + 1 - done)) > 0)
		done += n;
	wl_check(got && done == len && !memcmp(got, want, len),
		 "%s: %zu bytes read back, want %zu, %s", what, done, len,
		 got && done == len && !memcmp(got, want, len) ? "same" : "different");
	free(got);
}

static void check_full(void)
{
	uint8_t more[3] = {1, 2, 3}, back[4];

	wl_check(fcntl(full[1], F_GETPIPE_SZ) == CAPACITY, "capacity is %d, want %d",
		 fcntl(full[1], F_GETPIPE_SZ), CAPACITY);
	wl_check(fcntl(full[0], F_GETFL) & O_NONBLOCK, "the read end lost O_NONBLOCK");
	wl_check(fcntl(HIGH_FD, F_GETFD) == FD_CLOEXEC, "fd %d lost close-on-exec", HIGH_FD);
	check_bytes("the bytes in flight", full[0], full_data, full_len);
	/* Still open for writing, through fd 1500 too: no end of file, just nothing yet. */
	wl_check(read(full[0], back, 1) < 0 && errno == EAGAIN, "an empty pipe did not say EAGAIN");
	put(HIGH_FD, more, sizeof(more));
	wl_check(read(full[0], back, sizeof(back)) == sizeof(more) && !memcmp(back, more, 3),
		 "fd %d is not the write end of the pipe", HIGH_FD);
}

static void check_ended(void)
{
	char c;

	check_bytes("the bytes left by a gone writer", ended[0], ended_data, ended_len);
	wl_check(read(ended[0], &c, 1) == 0, "no end of file after the writer's bytes");
}

static void check_link(void)
{
	struct pollfd p = {.fd = link_pipe[0], .events = POLLIN};
	uint64_t got = 0;
	int status = -1;
	off_t offset;

	wl_check(poll(&p, 1, TIMEOUT_MS) == 1, "nothing came from the child");
	wl_check(read(link_pipe[0], &got, sizeof(got)) == sizeof(got) && got == token,
		 "the child's token is %#lx, want %#lx", (unsigned long)got, (unsigned long)token);
	waitpid(child, &status, 0);
	wl_check(status == 0, "the child ended with %#x", status);
	/* The child's write moved the one offset both share. */
	offset = lseek(file_fd, 0, SEEK_CUR);
	wl_check(offset == 1 + CHILD_WRITES, "the shared offset is %ld, want %d", (long)offset,
		 1 + CHILD_WRITES);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	make_pipes();
	fflush(stdout);
	child = fork();
	if (child < 0)
		wl_die("fork: %s", strerror(errno));
	if (child == 0)
		run_child();
	close(link_pipe[1]);
	wl_ready();
	wl_wait_go();
	check_full();
	check_ended();
	check_link();
	return wl_finish();
}
