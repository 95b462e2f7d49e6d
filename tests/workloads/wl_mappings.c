// SPDX-License-Identifier: MIT
/*
 * Shared and file-backed memory, each mapping without an fd left open: a MAP_SHARED anonymous
 * mapping, a MAP_PRIVATE mapping of a file at an offset with every other page written (copied
 * on write; the others are still the file's), and a MAP_SHARED mapping of a file written through
 * memory. After go the layout and contents must be the same, the private copies must not have
 * reached the file, and each mapping must still be what it was: writes through the shared file
 * mapping show in the file and back, a child's writes show in the shared anonymous mapping but
 * not in the private one.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHARED_ANON_SIZE (4ul << 20)
#define PRIV_FILE_PAGES 256
#define PRIV_MAP_FIRST 64 /* the mapping starts at this page of the file */
#define PRIV_MAP_PAGES 128
#define SHARED_FILE_SIZE (256ul * 1024)

static uint8_t *shared_anon, *priv, *shared_file;
static uint64_t anon_seed, file_seed, cow_seed, shared_seed;
static char priv_path[PATH_MAX], shared_path[PATH_MAX];
static char *maps[3];

static void *map(size_t len, int flags, int fd, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (p == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	return p;
}

/* Page i of the private file holds the stream of file_seed + i. */
static void write_private_file(void)
{
	uint8_t page[WL_PAGE];
	int fd, i;

	wl_path(priv_path, sizeof(priv_path), "private file");
	fd = open(priv_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		wl_die("open %s: %s", priv_path, strerror(errno));
	for (i = 0; i < PRIV_FILE_PAGES; i++) {
		wl_fill(page, WL_PAGE, file_seed + i);
		if (write(fd, page, WL_PAGE) != WL_PAGE)
			wl_die("write %s: %s", priv_path, strerror(errno));
	}
	priv = map(PRIV_MAP_PAGES * WL_PAGE, MAP_PRIVATE, fd, PRIV_MAP_FIRST * WL_PAGE);
	close(fd);
	/* Even pages become private copies; odd ones stay the file's page cache. */
	for (i = 0; i < PRIV_MAP_PAGES; i += 2)
		wl_fill(priv + i * WL_PAGE, WL_PAGE, cow_seed + i);
}

static void write_shared_file(void)
{
	int fd;

	wl_path(shared_path, sizeof(shared_path), "shared file");
	fd = open(shared_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, SHARED_FILE_SIZE))
		wl_die("%s: %s", shared_path, strerror(errno));
	shared_file = map(SHARED_FILE_SIZE, MAP_SHARED, fd, 0);
	close(fd);
	wl_fill(shared_file, SHARED_FILE_SIZE, shared_seed);
}

static void build(void)
{
	anon_seed = wl_random_u64();
	file_seed = wl_random_u64();
	cow_seed = wl_random_u64();
	shared_seed = wl_random_u64();
	shared_anon = map(SHARED_ANON_SIZE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	wl_fill(shared_anon, SHARED_ANON_SIZE, anon_seed);
	write_private_file();
	write_shared_file();
	maps[0] = wl_maps((uintptr_t)shared_anon, (uintptr_t)shared_anon + SHARED_ANON_SIZE);
	maps[1] = wl_maps((uintptr_t)priv, (uintptr_t)priv + PRIV_MAP_PAGES * WL_PAGE);
	maps[2] = wl_maps((uintptr_t)shared_file, (uintptr_t)shared_file + SHARED_FILE_SIZE);
}

static int open_or_fail(const char *path)
{
	int fd = open(path, O_RDWR);

	wl_check(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static void check_private(void)
{
	uint8_t page[WL_PAGE];
	char what[64];
	int fd, i;

	for (i = 0; i < PRIV_MAP_PAGES; i++) {
		snprintf(what, sizeof(what), "private file mapping, %s page %d",
			 i % 2 ? "file" : "written", i);
		wl_check_fill(what, priv + i * WL_PAGE, WL_PAGE,
			      i % 2 ? file_seed + PRIV_MAP_FIRST + i : cow_seed + i);
	}
	fd = open_or_fail(priv_path);
	for (i = 0; fd >= 0 && i < PRIV_FILE_PAGES; i++) {
		snprintf(what, sizeof(what), "private file on disk, page %d", i);
		if (!wl_check(pread(fd, page, WL_PAGE, i * WL_PAGE) == WL_PAGE, "read %s", what) ||
		    !wl_check_fill(what, page, WL_PAGE, file_seed + i))
			break;
	}
	close(fd);
}

/* Writes either way between the shared file mapping and the file. */
static void check_shared_file(void)
{
	uint64_t a = wl_random_u64(), b = wl_random_u64(), got = 0;
	off_t off_a = 8 * (wl_random_u64() % (SHARED_FILE_SIZE / 8));
	off_t off_b = (off_a + SHARED_FILE_SIZE / 2) % SHARED_FILE_SIZE;
	int fd;

	wl_check_fill("shared file mapping", shared_file, SHARED_FILE_SIZE, shared_seed);
	fd = open_or_fail(shared_path);
	if (fd < 0)
		return;
	memcpy(shared_file + off_a, &a, 8);
	wl_check(pread(fd, &got, 8, off_a) == 8 && got == a,
		 "a write in the shared file mapping did not reach %s", shared_path);
	wl_check(pwrite(fd, &b, 8, off_b) == 8 && !memcmp(shared_file + off_b, &b, 8),
		 "a write to %s does not show in its shared mapping", shared_path);
	close(fd);
}

/* A child writes to both anonymous and private mappings: only the shared write shows here. */
static void check_sharing_with_child(void)
{
	uint64_t a = wl_random_u64(), before_priv, in_anon;
	int status;
	pid_t child;

	memcpy(&before_priv, priv, 8);
	child = fork();
	if (child < 0)
		wl_die("fork: %s", strerror(errno));
	if (child == 0) {
		memcpy(shared_anon, &a, 8);
		memcpy(priv, &a, 8);
		_exit(0);
	}
	waitpid(child, &status, 0);
	memcpy(&in_anon, shared_anon, 8);
	wl_check(in_anon == a, "shared anonymous mapping: the child's write does not show");
	wl_check(!memcmp(priv, &before_priv, 8), "private file mapping: the child's write shows");
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	wl_check_maps("shared anonymous mapping", maps[0], (uintptr_t)shared_anon,
		      (uintptr_t)shared_anon + SHARED_ANON_SIZE);
	wl_check_maps("private file mapping", maps[1], (uintptr_t)priv,
		      (uintptr_t)priv + PRIV_MAP_PAGES * WL_PAGE);
	wl_check_maps("shared file mapping", maps[2], (uintptr_t)shared_file,
		      (uintptr_t)shared_file + SHARED_FILE_SIZE);
	wl_check_fill("shared anonymous mapping", shared_anon, SHARED_ANON_SIZE, anon_seed);
	check_private();
	check_shared_file();
	check_sharing_with_child();
	return wl_finish();
}
