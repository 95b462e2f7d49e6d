// SPDX-License-Identifier: MIT
/* The helpers of the workload protocol; see workload.h. */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char *go_path;
static char dir[PATH_MAX];
static int failures;

void wl_init(int argc, char **argv)
{
	char *d;

	/* Absolute: some workloads change directory. */
	if (argc < 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: %s /ABSOLUTE/GO_FILE [ARGS...]\n", argv[0]);
		exit(2);
	}
	go_path = argv[1];
	/* dirname() may modify its argument: work on a copy. */
	if (snprintf(dir, sizeof(dir), "%s", go_path) >= (int)sizeof(dir))
		wl_die("go path too long");
	d = dirname(dir);
	memmove(dir, d, strlen(d) + 1);
}

const char *wl_go_path(void)
{
	return go_path;
}

const char *wl_dir(void)
{
	return dir;
}

void wl_path(char *buf, size_t size, const char *name)
{
	if (snprintf(buf, size, "%s/%s", dir, name) >= (int)size)
		wl_die("path %s/%s too long", dir, name);
}

int wl_ready(void)
{
	int n = printf("READY\n");

	fflush(stdout);
	return n;
}

bool wl_go_exists(void)
{
	return access(go_path, F_OK) == 0;
}

void wl_wait_go(void)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

	while (!wl_go_exists())
		nanosleep(&tick, NULL);
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void wl_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("FAIL: setup: ", fmt, ap);
	va_end(ap);
	exit(1);
}

bool wl_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	failures++;
	va_start(ap, fmt);
	vreport("FAIL: ", fmt, ap);
	va_end(ap);
	return false;
}

void wl_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("NOTE: ", fmt, ap);
	va_end(ap);
}

int wl_finish(void)
{
	if (failures)
		return 1;
	printf("PASS\n");
	fflush(stdout);
	return 0;
}

int wl_failures(void)
{
	return failures;
}

void wl_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			wl_die("getrandom: %s", strerror(errno));
		p += n;
		len -= n;
	}
}

uint64_t wl_random_u64(void)
{
	uint64_t v;

	wl_random(&v, sizeof(v));
	return v;
}

/* splitmix64 of (seed, i): a good mix, and word i needs no state from word i-1. */
static uint64_t stream_word(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void wl_fill(void *buf, size_t len, uint64_t seed)
{
	size_t words = len / 8, i;
	uint64_t w;

	for (i = 0; i < words; i++) {
		w = stream_word(seed, i);
		memcpy((uint8_t *)buf + i * 8, &w, 8);
	}
	w = stream_word(seed, words);
	memcpy((uint8_t *)buf + words * 8, &w, len % 8);
}

size_t wl_verify(const void *buf, size_t len, uint64_t seed, size_t *first)
{
	size_t words = (len + 7) / 8, bad_pages = 0, last_bad_page = SIZE_MAX, i;

	*first = SIZE_MAX;
	for (i = 0; i < words; i++) {
		size_t n = len - i * 8 < 8 ? len - i * 8 : 8;
		uint64_t want = stream_word(seed, i);

		if (!memcmp((const uint8_t *)buf + i * 8, &want, n))
			continue;
		if (*first == SIZE_MAX)
			*first = i * 8;
		if (i * 8 / WL_PAGE != last_bad_page) {
			last_bad_page = i * 8 / WL_PAGE;
			bad_pages++;
		}
	}
	return bad_pages;
}

bool wl_check_fill(const char *what, const void *buf, size_t len, uint64_t seed)
{
	size_t first, bad = wl_verify(buf, len, seed, &first);

	return wl_check(!bad, "%s (%zu bytes at %p): %zu page(s) differ, first at offset %#zx",
			what, len, buf, bad, first);
}

char *wl_read_file(const char *path, size_t *len)
{
	size_t size = 4096, used = 0;
	char *buf = malloc(size);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	for (;;) {
		if (used + 1 == size) {
			size *= 2;
			buf = realloc(buf, size);
			if (!buf)
				wl_die("read %s: out of memory", path);
		}
		n = read(fd, buf + used, size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			wl_die("read %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		used += n;
	}
	close(fd);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

/* Append s (n bytes) to the malloc'd string *out of length *len. */
static void append(char **out, size_t *len, const char *s, size_t n)
{
	*out = realloc(*out, *len + n + 1);
	if (!*out)
		wl_die("out of memory");
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

/* Shmem objects (shared anonymous memory, SysV segments, memfds) get new inodes on restore. */
static bool is_shmem_path(const char *path)
{
	return !strcmp(path, "/dev/zero (deleted)") || !strncmp(path, "/SYSV", 5) ||
	       !strncmp(path, "/memfd:", 7);
}

/* A smaps header line without its inode when it names shmem; columns as in /proc/PID/maps. */
static void append_maps_line(char **out, size_t *len, const char *line, size_t n)
{
	char copy[PATH_MAX + 128], range[64], perms[8], off[32], dev[16];
	int path_at = 0;
	unsigned long ino;

	if (n >= sizeof(copy))
		wl_die("smaps line too long");
	memcpy(copy, line, n);
	copy[n] = '\0';
	if (sscanf(copy, "%63s %7s %31s %15s %lu %n", range, perms, off, dev, &ino, &path_at) ==
		5 &&
	    path_at && is_shmem_path(copy + path_at)) {
		char fixed[sizeof(copy) + 32];
		int m = snprintf(fixed, sizeof(fixed), "%s %s %s %s * %s", range, perms, off, dev,
				 copy + path_at);

		append(out, len, fixed, m);
		return;
	}
	append(out, len, line, n);
}

/* The VmFlags value without the accounting flags. */
static void append_vmflags(char **out, size_t *len, const char *flags, size_t n)
{
	size_t i = 0;

	append(out, len, " |", 2);
	while (i < n) {
		size_t w = 0;

		while (i < n && flags[i] == ' ')
			i++;
		while (i + w < n && flags[i + w] != ' ')
			w++;
		if (w &&
		    !(w == 2 && (!memcmp(flags + i, "ac", 2) || !memcmp(flags + i, "nr", 2)))) {
			append(out, len, " ", 1);
			append(out, len, flags + i, w);
		}
		i += w;
	}
}

char *wl_maps(uintptr_t start, uintptr_t end)
{
	char *smaps = wl_read_file("/proc/self/smaps", NULL), *out = NULL, *line, *next;
	size_t len = 0;
	bool keep = false;

	append(&out, &len, "", 0);
	for (line = smaps; *line; line = next) {
		size_t n = strcspn(line, "\n");
		unsigned long lo, hi;
		char dash;

		next = line + n + (line[n] == '\n');
		/* A VMA header is "lo-hi perms ...": the only lines whose first word has a dash. */
		if (sscanf(line, "%lx%c%lx ", &lo, &dash, &hi) == 3 && dash == '-') {
			keep = lo < end && hi > start;
			if (keep)
				append_maps_line(&out, &len, line, n);
		} else if (keep && !strncmp(line, "VmFlags:", 8)) {
			append_vmflags(&out, &len, line + 8, n - 8);
			append(&out, &len, "\n", 1);
		}
	}
	free(smaps);
	return out;
}

bool wl_check_maps(const char *what, const char *before, uintptr_t start, uintptr_t end)
{
	char *now = wl_maps(start, end);
	bool ok = !strcmp(before, now);

	if (!wl_check(ok, "%s: the mappings changed", what))
		printf("before:\n%snow:\n%s", before, now);
	free(now);
	return ok;
}

int64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

long wl_task_syscall(pid_t tid)
{
	char path[64], buf[256];
	ssize_t n;
	long nr;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -2;
	buf[n] = '\0';
	/* "running", or the number and arguments of the call: "202 0x... ..." */
	if (sscanf(buf, "%ld", &nr) != 1)
		return -1;
	return nr;
}

bool wl_wait_syscall(pid_t tid, long nr, int64_t timeout_ns)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};
	int64_t deadline = wl_now_ns() + timeout_ns;

	while (wl_task_syscall(tid) != nr) {
		if (wl_now_ns() > deadline)
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}
