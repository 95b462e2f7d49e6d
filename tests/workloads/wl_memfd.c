// SPDX-License-Identifier: MIT
/*
 * memfds shared between processes, with names, holes, seals, mappings and descriptors:
 *
 *   one: "cryo one: no resize", 300 pages and 1234 bytes, sealed F_SEAL_SHRINK | F_SEAL_GROW.
 *        Page 0 is a control page; page i of 1-99 holds the stream of seed a + i, 100-199 are
 *        a hole, 200 to the end hold the stream of seed b (the last page only partly: the size
 *        is not whole pages).
 *   two: "cryo two: no write", page i of 64 the stream of seed c + i, mode 0640, sealed
 *        F_SEAL_WRITE.
 *
 *   parent     fds of one (at a random offset) and two; one mapped shared twice (all of it, and
 *              pages 200-231 again: two VMAs of one object), two mapped shared read-only
 *   child A    the same mappings, inherited; no descriptor
 *   child B    the descriptors, inherited (the same open file descriptions as the parent's);
 *              one and two mapped private instead, with pages 1-9 of one and 0-3 of two written
 *              (copied on write: its own, private data)
 *
 * After go each process checks what it holds: names (readlink /proc/self/fd/N), seals
 * (F_GET_SEALS; growing, shrinking and writing must fail where sealed), modes, contents, holes,
 * private copies. Then the parent checks the sharing: a write through one VMA shows through the
 * other and through pread; child A, asked through the control page, writes through its own second
 * VMA and the parent sees it; child B sees a write of the parent through its private mapping
 * (pages it never wrote are still the memfd's), sees a seek of the parent on their shared open
 * file description, and answers through pwrite on its descriptor. The children report through
 * their exit status (and FAIL lines of their own).
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ONE_NAME "cryo one: no resize"
#define ONE_SIZE (300 * WL_PAGE + 1234)
#define ONE_PAGES 301 /* mapped: the last one partly in the file */
#define A_FIRST 1     /* pages of seed a */
#define HOLE_FIRST 100
#define B_FIRST 200	    /* pages of seed b, to the end */
#define SECOND_VMA_PAGES 32 /* pages B_FIRST.. mapped again in the parent */
#define ONE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)
#define TWO_NAME "cryo two: no write"
#define TWO_PAGES 64
#define TWO_SEALS F_SEAL_WRITE
#define ONE_MODE 0777 /* memfd_create's */
#define TWO_MODE 0640
#define B_OWN_ONE 9 /* pages 1-9 of one: child B's own */
#define B_OWN_TWO 4 /* pages 0-3 of two: child B's own */

#define PROBE_PAGE 205	/* the parent writes here, in its second VMA, child B looks */
#define ANSWER_PAGE 210 /* child A writes here, through its second VMA */
#define TIMEOUT_NS (30 * 1000000000ll)
#define ANSWER_MARK 0x5a5a5a5a5a5a5a5aull

enum { CHILD_A, CHILD_B, NR_CHILDREN };
static const char *const child_name[NR_CHILDREN] = {"child A", "child B"};
enum { SET_UP = 1, CHECKED = 2, CHECK_FAILED = 3 };

/* Page 0 of one. */
struct control {
	_Atomic uint64_t state[NR_CHILDREN];
	_Atomic uint64_t request[NR_CHILDREN]; /* after go, from the parent: a random value */
	_Atomic uint64_t answer[NR_CHILDREN];  /* request ^ ANSWER_MARK from the child */
	_Atomic uint64_t probe;		       /* what the parent wrote at PROBE_PAGE */
	_Atomic uint64_t offset;	       /* where the parent seeked one's descriptor to */
};

/* This process's view, recorded before READY. */
static struct {
	int one, two;	    /* descriptors, -1 where closed */
	uint8_t *one_map;   /* one, all of it: shared, or private in child B */
	uint8_t *one_again; /* pages B_FIRST.. of one again, shared; NULL in child B */
	uint8_t *two_map;   /* two: shared read-only, or private in child B */
	bool private_maps;
	uint64_t offset; /* of one's open file description */
	uint64_t seed_a, seed_b, seed_c, seed_own_one, seed_own_two;
} me;

static pid_t children[NR_CHILDREN];
static int64_t deadline; /* of the waits of a phase: failures must not add up their waits */

static struct control *control(void)
{
	return (struct control *)me.one_map;
}

static uint8_t *page(uint8_t *map, int n)
{
	return map + (size_t)n * WL_PAGE;
}

static uint64_t wait_at_least(_Atomic uint64_t *word, uint64_t min)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};
	uint64_t v;

	while ((v = atomic_load(word)) < min) {
		if (wl_now_ns() > deadline)
			return 0;
		nanosleep(&tick, NULL);
	}
	return v;
}

static void *map(int fd, size_t pages, int prot, int flags, int first)
{
	void *p = mmap(NULL, pages * WL_PAGE, prot, flags, fd, (off_t)first * WL_PAGE);

	if (p == MAP_FAILED)
		wl_die("mmap of a memfd: %s", strerror(errno));
	return p;
}

static void pwrite_or_die(int fd, const void *buf, size_t len, off_t off)
{
	if (pwrite(fd, buf, len, off) != (ssize_t)len)
		wl_die("pwrite to a memfd: %s", strerror(errno));
}

/* Page i of buf, for i in [first, first + n), gets the stream of seed + i. */
static void fill_pages(uint8_t *buf, int first, int n, uint64_t seed)
{
	int i;

	for (i = first; i < first + n; i++)
		wl_fill(page(buf, i), WL_PAGE, seed + i);
}

/* Pages [first, first + n) of buf as fill_pages() made them. */
static bool check_pages(const char *what, uint8_t *buf, int first, int n, uint64_t seed)
{
	char page_what[160];
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(page_what, sizeof(page_what), "%s, page %d", what, i);
		if (!wl_check_fill(page_what, page(buf, i), WL_PAGE, seed + i))
			return false;
	}
	return true;
}

static int create_memfd(const char *name, off_t size)
{
	int fd = memfd_create(name, MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, size))
		wl_die("memfd %s: %s", name, strerror(errno));
	return fd;
}

/* one: seed a through the mapping, seed b through the descriptor, the hole untouched. */
static void build_one(void)
{
	size_t b_len = ONE_SIZE - B_FIRST * WL_PAGE;
	uint8_t *b_buf = malloc(b_len);

	if (!b_buf)
		wl_die("out of memory");
	me.one = create_memfd(ONE_NAME, ONE_SIZE);
	me.one_map = map(me.one, ONE_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	me.one_again = map(me.one, SECOND_VMA_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED, B_FIRST);
	fill_pages(me.one_map, A_FIRST, HOLE_FIRST - A_FIRST, me.seed_a);
	wl_fill(b_buf, b_len, me.seed_b);
	pwrite_or_die(me.one, b_buf, b_len, B_FIRST * WL_PAGE);
	free(b_buf);
	if (fcntl(me.one, F_ADD_SEALS, ONE_SEALS))
		wl_die("seal %s: %s", ONE_NAME, strerror(errno));
	me.offset = 8 + wl_random_u64() % ONE_SIZE;
	if (lseek(me.one, me.offset, SEEK_SET) != (off_t)me.offset)
		wl_die("lseek: %s", strerror(errno));
}

/* two: written, sealed against writes, then mapped (read-only, as the seal wants). */
static void build_two(void)
{
	uint8_t *buf = malloc(TWO_PAGES * WL_PAGE);

	if (!buf)
		wl_die("out of memory");
	me.two = create_memfd(TWO_NAME, TWO_PAGES * WL_PAGE);
	fill_pages(buf, 0, TWO_PAGES, me.seed_c);
	pwrite_or_die(me.two, buf, TWO_PAGES * WL_PAGE, 0);
	free(buf);
	if (fchmod(me.two, TWO_MODE) || fcntl(me.two, F_ADD_SEALS, TWO_SEALS))
		wl_die("seal %s: %s", TWO_NAME, strerror(errno));
	me.two_map = map(me.two, TWO_PAGES, PROT_READ, MAP_SHARED, 0);
}

/* Child B: private mappings instead of the shared ones, with pages of its own. */
static void go_private(void)
{
	munmap(me.one_map, ONE_PAGES * WL_PAGE);
	munmap(me.one_again, SECOND_VMA_PAGES * WL_PAGE);
	munmap(me.two_map, TWO_PAGES * WL_PAGE);
	me.one_again = NULL;
	me.one_map = map(me.one, ONE_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	me.two_map = map(me.two, TWO_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	me.private_maps = true;
	me.seed_own_one = wl_random_u64();
	me.seed_own_two = wl_random_u64();
	fill_pages(me.one_map, A_FIRST, B_OWN_ONE, me.seed_own_one);
	fill_pages(me.two_map, 0, B_OWN_TWO, me.seed_own_two);
}

/* Child B writes to the memfd itself, through its descriptor: its mapping is private. */
static void set_word(_Atomic uint64_t *word, uint64_t v)
{
	if (!me.private_maps) {
		atomic_store(word, v);
		return;
	}
	pwrite_or_die(me.one, &v, sizeof(v), (uint8_t *)word - me.one_map);
}

/* ---- checks ------------------------------------------------------------------------------- */

static void check_fd(int fd, const char *name, uint32_t seals, mode_t mode, const char *who)
{
	char link[64], got[PATH_MAX], want[PATH_MAX];
	struct stat st = {0};
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	snprintf(want, sizeof(want), "/memfd:%s (deleted)", name);
	n = readlink(link, got, sizeof(got) - 1);
	got[n < 0 ? 0 : n] = '\0';
	wl_check(!strcmp(got, want), "%s: fd %d is '%s', want '%s'", who, fd, got, want);
	wl_check(fcntl(fd, F_GET_SEALS) == (int)seals, "%s: %s has seals %#x, want %#x", who, name,
		 fcntl(fd, F_GET_SEALS), seals);
	fstat(fd, &st);
	wl_check((st.st_mode & 07777) == mode, "%s: %s has mode %o, want %o", who, name,
		 st.st_mode & 07777, mode);
}

/* Size and seals of one, which must hold: no growing, no shrinking, by truncate or write. */
static void check_one_seals(const char *who)
{
	struct stat st = {0};
	char c = 1;

	fstat(me.one, &st);
	wl_check(st.st_size == ONE_SIZE, "%s: %s is %ld bytes, want %ld", who, ONE_NAME,
		 (long)st.st_size, (long)ONE_SIZE);
	wl_check(ftruncate(me.one, ONE_SIZE + WL_PAGE) && errno == EPERM,
		 "%s: %s could grow: its seals are gone", who, ONE_NAME);
	wl_check(pwrite(me.one, &c, 1, ONE_SIZE) < 0 && errno == EPERM,
		 "%s: %s could grow by a write past its end", who, ONE_NAME);
	wl_check(ftruncate(me.one, ONE_SIZE - WL_PAGE) && errno == EPERM,
		 "%s: %s could shrink: its seals are gone", who, ONE_NAME);
}

/* two refuses writes, and its shared mappings cannot become writable. */
static void check_two_seals(const char *who)
{
	char c = 1;
	void *p;

	if (me.two >= 0) {
		wl_check(pwrite(me.two, &c, 1, 0) < 0 && errno == EPERM,
			 "%s: %s could be written: its seal is gone", who, TWO_NAME);
		p = mmap(NULL, WL_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, me.two, 0);
		wl_check(p == MAP_FAILED, "%s: %s could be mapped writable", who, TWO_NAME);
		if (p != MAP_FAILED)
			munmap(p, WL_PAGE);
	}
	if (!me.private_maps)
		wl_check(mprotect(me.two_map, WL_PAGE, PROT_READ | PROT_WRITE) < 0,
			 "%s: the shared mapping of %s could be made writable", who, TWO_NAME);
}

/*
 * The hole of one is still a hole, checked without touching it through a mapping, and through
 * an open file description of its own: SEEK_DATA and SEEK_HOLE move the offset.
 */
static void check_hole(const char *who)
{
	uint8_t buf[WL_PAGE], zero[WL_PAGE] = {0};
	char path[64];
	off_t data, hole;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", me.one);
	fd = open(path, O_RDONLY);
	if (!wl_check(fd >= 0, "%s: open %s: %s", who, path, strerror(errno)))
		return;
	data = lseek(fd, HOLE_FIRST * WL_PAGE, SEEK_DATA);
	hole = lseek(fd, 0, SEEK_HOLE);
	close(fd);

	wl_check(hole == HOLE_FIRST * WL_PAGE && data == B_FIRST * WL_PAGE,
		 "%s: the hole of %s is at %ld, its data goes on at %ld, want %ld and %ld", who,
		 ONE_NAME, (long)hole, (long)data, (long)(HOLE_FIRST * WL_PAGE),
		 (long)(B_FIRST * WL_PAGE));
	wl_check(pread(me.one, buf, WL_PAGE, (HOLE_FIRST + 7) * WL_PAGE) == WL_PAGE &&
		     !memcmp(buf, zero, WL_PAGE),
		 "%s: the hole of %s reads as something else than zeros", who, ONE_NAME);
}

/* What one and two hold, through this process's mappings (and descriptor, if it has one). */
static void check_contents(const char *who)
{
	size_t b_len = ONE_SIZE - B_FIRST * WL_PAGE, tail = ONE_PAGES * WL_PAGE - ONE_SIZE;
	int own_one = me.private_maps ? A_FIRST + B_OWN_ONE : A_FIRST;
	int own_two = me.private_maps ? B_OWN_TWO : 0;
	uint8_t zero[WL_PAGE] = {0}, *b_buf = malloc(b_len);
	char what[128];

	/* Child B's own pages and the memfd's, side by side in one private mapping. */
	snprintf(what, sizeof(what), "%s: %s, its own pages", who, ONE_NAME);
	check_pages(what, me.one_map, A_FIRST, own_one - A_FIRST, me.seed_own_one);
	snprintf(what, sizeof(what), "%s: %s, pages of seed a", who, ONE_NAME);
	check_pages(what, me.one_map, own_one, HOLE_FIRST - own_one, me.seed_a);
	snprintf(what, sizeof(what), "%s: %s, pages of seed b", who, ONE_NAME);
	wl_check_fill(what, page(me.one_map, B_FIRST), b_len, me.seed_b);
	wl_check(!memcmp(me.one_map + ONE_SIZE, zero, tail), "%s: %s: bytes past its end", who,
		 ONE_NAME);
	if (me.one_again) {
		snprintf(what, sizeof(what), "%s: %s, its second mapping", who, ONE_NAME);
		wl_check_fill(what, me.one_again, SECOND_VMA_PAGES * WL_PAGE, me.seed_b);
	}
	if (me.one >= 0 && b_buf) {
		snprintf(what, sizeof(what), "%s: %s read with pread", who, ONE_NAME);
		if (wl_check(pread(me.one, b_buf, b_len, B_FIRST * WL_PAGE) == (ssize_t)b_len,
			     "%s: pread: %s", what, strerror(errno)))
			wl_check_fill(what, b_buf, b_len, me.seed_b);
	}
	free(b_buf);
	snprintf(what, sizeof(what), "%s: %s, its own pages", who, TWO_NAME);
	check_pages(what, me.two_map, 0, own_two, me.seed_own_two);
	snprintf(what, sizeof(what), "%s: %s", who, TWO_NAME);
	check_pages(what, me.two_map, own_two, TWO_PAGES - own_two, me.seed_c);
}

static bool check_all(const char *who)
{
	if (me.one >= 0) {
		check_fd(me.one, ONE_NAME, ONE_SEALS, ONE_MODE, who);
		check_fd(me.two, TWO_NAME, TWO_SEALS, TWO_MODE, who);
		wl_check(lseek(me.one, 0, SEEK_CUR) == (off_t)me.offset,
			 "%s: %s is at offset %ld, want %lu", who, ONE_NAME,
			 (long)lseek(me.one, 0, SEEK_CUR), (unsigned long)me.offset);
		/* Before anything reads the hole through a mapping. */
		check_hole(who);
		check_one_seals(who);
	}
	check_two_seals(who);
	check_contents(who);
	return wl_failures() == 0;
}

/* ---- the children --------------------------------------------------------------------------- */

/* Child A: writes the parent's value through its second VMA of one. */
static bool serve_a(uint64_t value)
{
	memcpy(page(me.one_again, ANSWER_PAGE - B_FIRST), &value, sizeof(value));
	return true;
}

/*
 * Child B: the parent's write shows through its private mapping (a page it never wrote), and
 * the parent's seek on their shared open file description shows on its descriptor.
 */
static bool serve_b(void)
{
	uint64_t probe = atomic_load(&control()->probe), seen, offset;
	bool ok;

	memcpy(&seen, page(me.one_map, PROBE_PAGE), sizeof(seen));
	ok = wl_check(seen == probe,
		      "child B: the parent wrote %#lx to %s, its private mapping shows %#lx",
		      (unsigned long)probe, ONE_NAME, (unsigned long)seen);
	offset = atomic_load(&control()->offset);
	return wl_check(lseek(me.one, 0, SEEK_CUR) == (off_t)offset,
			"child B: the parent seeked %s to %lu, its descriptor is at %ld", ONE_NAME,
			(unsigned long)offset, (long)lseek(me.one, 0, SEEK_CUR)) &&
	       ok;
}

static void __attribute__((noreturn)) run_child(int i)
{
	uint64_t request;
	bool ok;

	if (i == CHILD_A) {
		close(me.one);
		close(me.two);
		me.one = me.two = -1;
	} else {
		go_private();
	}
	set_word(&control()->state[i], SET_UP);
	wl_wait_go();
	deadline = wl_now_ns() + TIMEOUT_NS;
	ok = check_all(child_name[i]);
	set_word(&control()->state[i], ok ? CHECKED : CHECK_FAILED);
	request = wait_at_least(&control()->request[i], 1);
	if (!wl_check(request, "%s: no request from the parent through %s", child_name[i],
		      ONE_NAME))
		_exit(1);
	ok &= i == CHILD_A ? serve_a(request) : serve_b();
	set_word(&control()->answer[i], request ^ ANSWER_MARK);
	_exit(ok ? 0 : 1);
}

/* ---- the parent ----------------------------------------------------------------------------- */

static void build(void)
{
	int i;

	me.seed_a = wl_random_u64();
	me.seed_b = wl_random_u64();
	me.seed_c = wl_random_u64();
	build_one();
	build_two();
	deadline = wl_now_ns() + TIMEOUT_NS;
	for (i = 0; i < NR_CHILDREN; i++) {
		fflush(stdout);
		children[i] = fork();
		if (children[i] < 0)
			wl_die("fork: %s", strerror(errno));
		if (!children[i])
			run_child(i);
	}
	for (i = 0; i < NR_CHILDREN; i++)
		if (!wait_at_least(&control()->state[i], SET_UP))
			wl_die("%s never got ready", child_name[i]);
}

/* Within the parent: a write through one VMA shows through the other and through pread. */
static uint64_t check_own_sharing(void)
{
	uint64_t v = wl_random_u64() | 1, got = 0, again;

	memcpy(page(me.one_map, PROBE_PAGE), &v, sizeof(v));
	memcpy(&again, page(me.one_again, PROBE_PAGE - B_FIRST), sizeof(again));
	wl_check(again == v,
		 "parent: a write through one mapping of %s does not show through the "
		 "other",
		 ONE_NAME);
	wl_check(pread(me.one, &got, sizeof(got), PROBE_PAGE * WL_PAGE) == sizeof(got) && got == v,
		 "parent: a write through the mapping of %s does not show to pread", ONE_NAME);
	return v;
}

/* Child A's write through its second mapping, seen through the parent's mapping and by pread. */
static void check_answer_page(uint64_t value)
{
	uint64_t got = 0;

	wl_check(!memcmp(page(me.one_map, ANSWER_PAGE), &value, sizeof(value)),
		 "child A wrote through its second mapping of %s, the parent's mapping does not "
		 "show it",
		 ONE_NAME);
	wl_check(
	    pread(me.one, &got, sizeof(got), ANSWER_PAGE * WL_PAGE) == sizeof(got) && got == value,
	    "child A wrote through its second mapping of %s, pread does not show it", ONE_NAME);
}

/* Ask child i for an answer through one; child A also writes the value at ANSWER_PAGE. */
static void ask(int i)
{
	uint64_t value = wl_random_u64() | 1;

	atomic_store(&control()->request[i], value);
	if (!wl_check(wait_at_least(&control()->answer[i], 1) == (value ^ ANSWER_MARK),
		      "%s did not answer through %s", child_name[i], ONE_NAME))
		return;
	if (i == CHILD_A)
		check_answer_page(value);
}

static void check_sharing(void)
{
	uint64_t offset = wl_random_u64() % ONE_SIZE;
	int i;

	for (i = 0; i < NR_CHILDREN; i++)
		wl_check(wait_at_least(&control()->state[i], CHECKED) == CHECKED,
			 "%s did not check what it holds", child_name[i]);
	atomic_store(&control()->probe, check_own_sharing());
	if (lseek(me.one, offset, SEEK_SET) != (off_t)offset)
		wl_check(false, "parent: lseek: %s", strerror(errno));
	atomic_store(&control()->offset, offset);
	ask(CHILD_A);
	ask(CHILD_B);
}

static void reap_children(void)
{
	int i, status;

	for (i = 0; i < NR_CHILDREN; i++) {
		pid_t r = waitpid(children[i], &status, 0);

		wl_check(r == children[i] && WIFEXITED(status) && !WEXITSTATUS(status),
			 "%s (pid %d) ended with status %#x", child_name[i], (int)children[i],
			 r == children[i] ? status : -1);
	}
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();
	deadline = wl_now_ns() + TIMEOUT_NS;
	check_all("parent");
	check_sharing();
	reap_children();
	return wl_finish();
}
