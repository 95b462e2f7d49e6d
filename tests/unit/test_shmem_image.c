// SPDX-License-Identifier: MIT
/*
 * shmem.img at restore: a good image loads whole, every inconsistency of its records (with each
 * other and with shmem-pages.img) is refused with one line naming it, and VMAs and descriptors
 * are linked to their objects, or refused when shmem.img does not hold them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/image.h"
#include "restore/task-image.h"

#define PAGE IMG_PAGE_SIZE

static char dir[] = "/tmp/cryo-test-shmem-XXXXXX";
static int img_dir = -1;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	img_dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return img_dir < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	unlinkat(img_dir, "shmem.img", 0);
	unlinkat(img_dir, "shmem-pages.img", 0);
	close(img_dir);
	return rmdir(dir);
}

/* ---- what is logged: errors go to fd 2, sent to a file meanwhile ------------------------ */

static char logged[4096];
static int saved_stderr;
static FILE *log_file;

static void log_capture_start(void)
{
	log_file = tmpfile();
	assert_non_null(log_file);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(log_file), 2);
}

static const char *log_capture_end(void)
{
	size_t n;

	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(log_file);
	n = fread(logged, 1, sizeof(logged) - 1, log_file);
	logged[n] = '\0';
	fclose(log_file);
	return logged;
}

static void assert_logged_once(const char *log, const char *msg)
{
	const char *nl = strchr(log, '\n');

	if (!strstr(log, msg) || !nl || nl[1])
		fail_msg("expected one line with \"%s\", logged:\n%s", msg, log);
}

/* ---- images ---------------------------------------------------------------------------------- */

/* One record of shmem.img to be: an object (with its name) or a run. */
struct rec {
	uint32_t type;
	struct rec_shmem obj;
	const char *name;
	struct rec_shmem_run run;
};

#define OBJ(dev_, ino_, size_, kind_, seals_, name_)                                               \
	{                                                                                          \
		REC_SHMEM,                                                                         \
		    {.dev = dev_,                                                                  \
		     .ino = ino_,                                                                  \
		     .size = size_,                                                                \
		     .kind = kind_,                                                                \
		     .seals = seals_,                                                              \
		     .mode = 0100777},                                                             \
		    name_,                                                                         \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}
#define RUN(at, pages, off)                                                                        \
	{                                                                                          \
		REC_SHMEM_RUN, {0}, NULL,                                                          \
		{                                                                                  \
			.obj_offset = at, .nr_pages = pages, .offset = off                         \
		}                                                                                  \
	}
#define END                                                                                        \
	{                                                                                          \
		0, {0}, NULL,                                                                      \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* shmem.img with recs, shmem-pages.img with data_pages pages. */
static void write_images(const struct rec *recs, uint64_t data_pages)
{
	static const uint8_t page[PAGE];
	struct img img;
	uint64_t i;

	assert_int_equal(img_create(img_dir, IMG_KIND_SHMEM, 0, &img), 0);
	for (; recs->type; recs++) {
		if (recs->type == REC_SHMEM)
			assert_int_equal(img_write_str(&img, REC_SHMEM, &recs->obj,
						       sizeof(recs->obj), recs->name),
					 0);
		else
			assert_int_equal(img_write(&img, recs->type, &recs->run, sizeof(recs->run)),
					 0);
	}
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_pages_create(img_dir, IMG_KIND_SHMEM_PAGES, 0, &img), 0);
	for (i = 0; i < data_pages; i++)
		assert_int_equal(write(img.fd, page, PAGE), PAGE);
	assert_int_equal(img_close(&img), 0);
}

/* Shared anonymous memory of 2 pages, all stored; a memfd of 10000 bytes, pages 0 and 2 stored. */
static const struct rec good[] = {
    OBJ(1, 100, 2 * PAGE, SHMEM_ANON, 1, ""),
    RUN(0, 2, 0),
    OBJ(1, 101, 10000, SHMEM_MEMFD, 6, "cryo: a memfd"),
    RUN(0, 1, 2 * PAGE),
    RUN(2 * PAGE, 1, 3 * PAGE),
    END,
};

static void test_good(void **state)
{
	struct shmem_table t;

	(void)state;
	write_images(good, 4);
	assert_int_equal(shmem_table_load(img_dir, &t), 0);
	assert_int_equal(t.nr, 2);
	assert_int_equal(t.objs[0].rec.ino, 100);
	assert_int_equal(t.objs[0].nr_runs, 1);
	assert_int_equal(t.objs[0].fd, -1);
	assert_string_equal(t.objs[1].name, "cryo: a memfd");
	assert_int_equal(t.objs[1].rec.size, 10000);
	assert_int_equal(t.objs[1].rec.seals, 6);
	assert_int_equal(t.objs[1].nr_runs, 2);
	assert_int_equal(t.objs[1].runs[1].obj_offset, 2 * PAGE);
	assert_int_equal(t.objs[1].runs[1].offset, 3 * PAGE);
	shmem_table_free(&t);
}

static void test_empty(void **state)
{
	static const struct rec none[] = {END};
	struct shmem_table t;

	(void)state;
	write_images(none, 0);
	assert_int_equal(shmem_table_load(img_dir, &t), 0);
	assert_int_equal(t.nr, 0);
	shmem_table_free(&t);
}

static void expect_load_fails(const struct rec *recs, uint64_t data_pages, const char *msg)
{
	struct shmem_table t;
	int ret;

	write_images(recs, data_pages);
	log_capture_start();
	ret = shmem_table_load(img_dir, &t);
	assert_logged_once(log_capture_end(), msg);
	assert_int_equal(ret, -EINVAL);
	shmem_table_free(&t);
}

static void test_bad(void **state)
{
	static const struct rec run_first[] = {RUN(0, 1, 0), END};
	static const struct rec twice[] = {OBJ(1, 5, PAGE, SHMEM_MEMFD, 0, "a"),
					   OBJ(1, 5, PAGE, SHMEM_MEMFD, 0, "b"), END};
	static const struct rec kind[] = {OBJ(1, 5, PAGE, 3, 0, ""), END};
	static const struct rec seals[] = {OBJ(1, 5, PAGE, SHMEM_MEMFD, 0x40, "a"), END};
	static const struct rec anon_name[] = {OBJ(1, 5, PAGE, SHMEM_ANON, 1, "a"), END};
	static const struct rec anon_size[] = {OBJ(1, 5, PAGE + 1, SHMEM_ANON, 1, ""), END};
	static const struct rec past_end[] = {OBJ(1, 5, 10000, SHMEM_MEMFD, 0, "a"),
					      RUN(2 * PAGE, 2, 0), END};
	static const struct rec unaligned[] = {OBJ(1, 5, 10000, SHMEM_MEMFD, 0, "a"),
					       RUN(100, 1, 0), END};
	static const struct rec overlap[] = {OBJ(1, 5, 10000, SHMEM_MEMFD, 0, "a"), RUN(0, 2, 0),
					     RUN(PAGE, 1, 2 * PAGE), END};
	static const struct rec offset[] = {OBJ(1, 5, 10000, SHMEM_MEMFD, 0, "a"), RUN(0, 1, 0),
					    RUN(PAGE, 1, 2 * PAGE), END};
	static const struct rec other[] = {{REC_PAGE_RUN, {0}, NULL, {0}}, END};

	(void)state;
	expect_load_fails(run_first, 1, "shmem.img: a run before any object");
	expect_load_fails(twice, 0, "shmem.img: an object comes twice");
	expect_load_fails(kind, 0, "shmem.img: an object of an unknown kind");
	expect_load_fails(seals, 0, "shmem.img: an object with unknown seals");
	expect_load_fails(anon_name, 0, "shmem.img: shared anonymous memory with a name");
	expect_load_fails(anon_size, 0, "shmem.img: shared anonymous memory with a name or a size");
	expect_load_fails(past_end, 2, "shmem.img: a run with a bad range");
	expect_load_fails(unaligned, 1, "shmem.img: a run with a bad range");
	expect_load_fails(overlap, 3, "shmem.img: runs out of order");
	expect_load_fails(offset, 2, "shmem.img: a run with a bad offset");
	expect_load_fails(other, 0, "shmem.img: record of a kind that does not belong here");
	expect_load_fails(good, 3,
			  "shmem-pages.img: holds 12288 bytes of pages, shmem.img describes 16384");
}

/* ---- links ----------------------------------------------------------------------------------- */

static void test_link(void **state)
{
	struct image_vma vmas[] = {
	    {.rec = {.start = 0x1000, .end = 0x2000, .kind = VMA_ANON_PRIVATE}, .shmem = -1},
	    {.rec = {.start = 0x2000, .end = 0x4000, .kind = VMA_ANON_SHARED, .dev = 1, .ino = 100},
	     .shmem = -1},
	    {.rec =
		 {.start = 0x4000, .end = 0x5000, .kind = VMA_MEMFD_PRIVATE, .dev = 1, .ino = 101},
	     .shmem = -1},
	};
	struct task_image ti = {.pid = 7, .vmas = vmas, .nr_vmas = 3};
	struct shmem_table t;
	int ret;

	(void)state;
	write_images(good, 4);
	assert_int_equal(shmem_table_load(img_dir, &t), 0);
	assert_int_equal(shmem_table_link(&t, &ti), 0);
	assert_int_equal(vmas[0].shmem, -1);
	assert_int_equal(vmas[1].shmem, 0);
	assert_int_equal(vmas[2].shmem, 1);
	/* A memfd descriptor finds its object by dev and ino; only a memfd one. */
	assert_int_equal(shmem_find_memfd(&t, 1, 101), 1);
	assert_int_equal(shmem_find_memfd(&t, 1, 100), -1);
	assert_int_equal(shmem_find_memfd(&t, 1, 102), -1);

	/* A memfd mapping of the anonymous object, and a memfd shmem.img does not hold. */
	vmas[2].rec.ino = 100;
	log_capture_start();
	ret = shmem_table_link(&t, &ti);
	assert_logged_once(log_capture_end(), "mm-7.img: VMA 4000-5000 maps shared memory (inode "
					      "100) that shmem.img does not hold");
	assert_int_equal(ret, -EINVAL);
	shmem_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_link),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
