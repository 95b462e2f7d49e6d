// SPDX-License-Identifier: MIT
/*
 * The image codec: round trips, the exact bytes on disk, every way a file can be corrupted, and
 * `cryo show`. Expected bytes are built here independently of the writer, from the format as
 * docs/image-format.md states it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "images/image-desc.h"
#include "images/image.h"

#define PID 42

struct fixture {
	char dir[64];
	int dirfd;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/cryo-test-image-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = fx;
	return fx->dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	DIR *d = fdopendir(dup(fx->dirfd));
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fx->dirfd, e->d_name, 0);
	if (d)
		closedir(d);
	close(fx->dirfd);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* ---- what the codec logs: errors go to fd 2 by default, so fd 2 is sent to a file ---------- */

static char logged[16384];
static int saved_stderr = -1;
static FILE *log_file;

static void stderr_to(int fd)
{
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
}

static void stderr_back(void)
{
	dup2(saved_stderr, 2);
	close(saved_stderr);
}

static void log_capture_start(void)
{
	log_file = tmpfile();
	assert_non_null(log_file);
	stderr_to(fileno(log_file));
}

static const char *log_capture_end(void)
{
	size_t n;

	stderr_back();
	rewind(log_file);
	n = fread(logged, 1, sizeof(logged) - 1, log_file);
	logged[n] = '\0';
	fclose(log_file);
	return logged;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The why was logged once, and says what we expect. */
static void assert_logged_once(const char *log, const char *msg)
{
	if (!strstr(log, msg) || count_lines(log) != 1)
		fail_msg("expected one line with \"%s\", logged:\n%s", msg, log);
}

/* ---- files, raw ----------------------------------------------------------------------------- */

static void put_file(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd = openat(dirfd, name, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static size_t get_file(int dirfd, const char *name, void *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size);
	assert_true(n >= 0 && (size_t)n < size);
	close(fd);
	return n;
}

/* An image assembled byte by byte as the format document describes it. */
struct raw {
	uint8_t buf[16384];
	size_t len;
};

static void raw_put(struct raw *r, const void *p, size_t n)
{
	assert_true(r->len + n <= sizeof(r->buf));
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static void raw_header(struct raw *r, uint32_t kind, uint32_t version)
{
	uint32_t hdr[4] = {IMG_MAGIC, kind, version, 0};

	r->len = 0;
	raw_put(r, hdr, sizeof(hdr));
}

static void raw_record(struct raw *r, uint32_t type, const void *payload, uint32_t len)
{
	static const uint8_t zeros[8];
	uint32_t hdr[4] = {type, len, 0, 0};

	hdr[2] = crc32_ieee(crc32_ieee(0, hdr, 8), payload, len);
	raw_put(r, hdr, sizeof(hdr));
	raw_put(r, payload, len);
	raw_put(r, zeros, (8 - len % 8) % 8);
}

/* The end record, counting nr_records before it; raw_record() makes its checksum valid. */
static void raw_end(struct raw *r, uint32_t nr_records)
{
	struct rec_end end = {.nr_records = nr_records};

	raw_record(r, REC_END, &end, sizeof(end));
}

/* ---- one sample of every record type -------------------------------------------------------- */

struct sample {
	uint32_t type;
	uint32_t fixed; /* sizeof the struct of records.h */
	const char *str;
	uint32_t bytes; /* of an opaque or auxv tail */
};

static const struct sample samples[] = {
    {REC_INVENTORY, sizeof(struct rec_inventory), NULL, 0},
    {REC_TASK, sizeof(struct rec_task), NULL, 0},
    {REC_REGS_X86_64, sizeof(struct rec_regs_x86_64), NULL, 0},
    {REC_XSAVE, 0, NULL, 576},
    {REC_SIGACTION, sizeof(struct rec_sigaction), NULL, 0},
    {REC_SIGSTATE, sizeof(struct rec_sigstate), NULL, 0},
    {REC_ITIMER, sizeof(struct rec_itimer), NULL, 0},
    {REC_RLIMIT, sizeof(struct rec_rlimit), NULL, 0},
    {REC_RSEQ, sizeof(struct rec_rseq), NULL, 0},
    {REC_PATH, sizeof(struct rec_path), "/home/user", 0},
    {REC_MM, sizeof(struct rec_mm), NULL, 0},
    {REC_AUXV, 0, NULL, 48},
    {REC_VMA, sizeof(struct rec_vma), "/usr/lib/x86_64-linux-gnu/libc.so.6", 0},
    {REC_PAGE_RUN, sizeof(struct rec_page_run), NULL, 0},
    {REC_FD, sizeof(struct rec_fd), NULL, 0},
    {REC_GROUPS, 0, NULL, 16},
    {REC_THREAD, sizeof(struct rec_thread), NULL, 0},
    {REC_TIDS, 0, NULL, 8},
    {REC_PROCESS, sizeof(struct rec_process), NULL, 0},
    {REC_SIGINFO, 0, NULL, 128},
    {REC_CREDS, sizeof(struct rec_creds), NULL, 0},
    {REC_FILE, sizeof(struct rec_file), NULL, 0},
    {REC_PATH_FILE, sizeof(struct rec_path_file), "/tmp/odd \"name\"\n\x01\xff", 0},
    {REC_PIPE, sizeof(struct rec_pipe), NULL, 0},
    {REC_PIPE_DATA, 0, NULL, 100},
    {REC_SECCOMP, sizeof(struct rec_seccomp), NULL, 0},
    {REC_SECCOMP_FILTER, sizeof(struct rec_seccomp_filter), NULL, 16},
    {REC_SCHED, sizeof(struct rec_sched), NULL, 0},
    {REC_POSIX_TIMER, sizeof(struct rec_posix_timer), NULL, 0},
    {REC_SHMEM, sizeof(struct rec_shmem), "cryo: a memfd", 0},
    {REC_SHMEM_RUN, sizeof(struct rec_shmem_run), NULL, 0},
    {REC_PARENT_RUN, sizeof(struct rec_parent_run), NULL, 0},
    {REC_EVENTFD, sizeof(struct rec_eventfd), NULL, 0},
    {REC_SIGNALFD, sizeof(struct rec_signalfd), NULL, 0},
    {REC_TIMERFD, sizeof(struct rec_timerfd), NULL, 0},
    {REC_EPOLL_TFD, sizeof(struct rec_epoll_tfd), NULL, 0},
    {REC_INOTIFY_WATCH, sizeof(struct rec_inotify_watch), "/tmp/watched dir", 0},
    {REC_INET_SK, sizeof(struct rec_inet_sk), NULL, 0},
    {REC_SOCKOPTS, sizeof(struct rec_sockopts), NULL, 0},
    {REC_TCP_CONN, sizeof(struct rec_tcp_conn), NULL, 0},
    {REC_TCP_SEND_DATA, 0, NULL, 100},
    {REC_TCP_RECV_DATA, 0, NULL, 1},
    {REC_INET_DGRAM, sizeof(struct rec_inet_dgram), NULL, 9},
    {REC_FILE_MORE, sizeof(struct rec_file_more), NULL, 0},
    {REC_UNIX_SK, sizeof(struct rec_unix_sk), NULL, 12},
    {REC_UNIX_PEER_NAME, 0, NULL, 20},
    {REC_UNIX_MSG, sizeof(struct rec_unix_msg), NULL, 300},
    {REC_UNIX_PENDING, sizeof(struct rec_unix_pending), NULL, 0},
    {REC_GHOST_FILE, sizeof(struct rec_ghost_file), "/tmp/a deleted file", 0},
    {REC_GHOST_DATA, 0, NULL, 200},
    {REC_LINK_REMAP, 0, "/tmp/its old name", 0},
    {REC_FILE_LOCK, sizeof(struct rec_file_lock), NULL, 0},
    {REC_PTY, sizeof(struct rec_pty), NULL, 0},
    {REC_PTY_DATA, 0, NULL, 50},
    {REC_FILE_OWNER, sizeof(struct rec_file_owner), NULL, 0},
    /* Last: written by img_close(), not by the caller, and never handed out by img_next(). */
    {REC_END, sizeof(struct rec_end), NULL, 0},
};
#define NR_SAMPLES (sizeof(samples) / sizeof(samples[0]))
/* The samples a caller writes and reads back: all but the end record. */
#define NR_RECORDS (NR_SAMPLES - 1)

/* The payload of sample i into buf; returns its length. */
static uint32_t sample_payload(size_t i, uint8_t *buf)
{
	const struct sample *s = &samples[i];
	uint32_t len = s->fixed + s->bytes, j;

	for (j = 0; j < len; j++)
		buf[j] = (uint8_t)(i * 31 + j * 7 + 1);
	if (s->type == REC_AUXV) {
		uint64_t auxv[6] = {33, 0x7ffff7fc1000, 6, 4096, 0, 0};

		memcpy(buf, auxv, sizeof(auxv));
	}
	if (s->type == REC_END) {
		struct rec_end end = {.nr_records = NR_RECORDS};

		memcpy(buf, &end, sizeof(end));
	}
	if (s->str) {
		strcpy((char *)buf + s->fixed, s->str);
		len += strlen(s->str) + 1;
	}
	return len;
}

static void write_sample(struct img *img, size_t i)
{
	uint8_t buf[1024];
	uint32_t len = sample_payload(i, buf);

	if (samples[i].str)
		assert_int_equal(
		    img_write_str(img, samples[i].type, buf, samples[i].fixed, samples[i].str), 0);
	else
		assert_int_equal(img_write(img, samples[i].type, buf, len), 0);
}

static void write_all_samples(int dirfd, uint32_t kind)
{
	struct img img;
	size_t i;

	assert_int_equal(img_create(dirfd, kind, PID, &img), 0);
	for (i = 0; i < NR_RECORDS; i++)
		write_sample(&img, i);
	assert_int_equal(img_close(&img), 0);
}

static void raw_all_samples(struct raw *r, uint32_t kind)
{
	uint8_t buf[1024];
	size_t i;

	raw_header(r, kind, IMG_VERSION);
	for (i = 0; i < NR_SAMPLES; i++)
		raw_record(r, samples[i].type, buf, sample_payload(i, buf));
}

/* ---- the description table ------------------------------------------------------------------ */

/*
 * Type numbers come in ranges with gaps between them (unused numbers are unknown types): every
 * described type has a sample, and every sample a described type.
 */
static void test_every_type_has_a_sample(void **state)
{
	uint32_t type;
	size_t i;

	assert_int_equal(samples[NR_SAMPLES - 1].type, REC_END);
	for (i = 0; i < NR_SAMPLES; i++)
		if (!rec_desc(samples[i].type))
			fail_msg("sample %zu: record type %u has no description", i, samples[i].type);
	for (type = 1; type < REC_TYPE_MAX; type++) {
		if (!rec_desc(type))
			continue;
		for (i = 0; i < NR_SAMPLES && samples[i].type != type; i++)
			;
		if (i == NR_SAMPLES)
			fail_msg("record type %u has no sample", type);
		assert_int_equal(rec_fixed_size(type), samples[i].fixed);
	}
	for (i = 0; i < NR_SAMPLES; i++)
		if (!rec_desc(samples[i].type))
			fail_msg("sample %zu is of type %u, which has no description", i,
				 samples[i].type);
	assert_int_equal(rec_fixed_size(0), 0);
	assert_int_equal(rec_fixed_size(REC_TYPE_MAX), 0);
}

/* The fields of every type follow each other and cover its struct: none forgotten. */
static void test_desc_fields_cover_structs(void **state)
{
	const struct rec_field *f;
	size_t i;

	for (i = 0; i < NR_SAMPLES; i++) {
		const struct rec_desc *d = rec_desc(samples[i].type);
		unsigned int next = 0;

		assert_non_null(d);
		assert_true(d->min_len >= d->fixed && d->min_len <= d->max_len);
		assert_true(d->max_len <= REC_MAX_PAYLOAD);
		assert_true(d->tail == TAIL_NONE || d->tail_name);
		for (f = d->fields; f && f->name; f++) {
			assert_true(f->count >= 1);
			if (f->offset != next)
				fail_msg("%s: field %s at %u, expected at %u", d->name, f->name,
					 f->offset, next);
			next += f->count * f->width;
		}
		if (next != d->fixed)
			fail_msg("%s: fields cover %u bytes of %u", d->name, next, d->fixed);
	}
}

static void test_crc32(void **state)
{
	uint32_t part = crc32_ieee(0, "1234", 4);

	assert_int_equal(crc32_ieee(0, "123456789", 9), 0xcbf43926);
	assert_int_equal(crc32_ieee(part, "56789", 5), 0xcbf43926);
	assert_int_equal(crc32_ieee(0, "", 0), 0);
}

static void test_names(void **state)
{
	char name[64];

	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_INVENTORY, 7), 0);
	assert_string_equal(name, "inventory.img");
	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_CORE, 42), 0);
	assert_string_equal(name, "core-42.img");
	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_FILES, 42), 0);
	assert_string_equal(name, "fds-42.img");
	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_SHMEM, 0), 0);
	assert_string_equal(name, "shmem.img");
	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_SHMEM_PAGES, 0), 0);
	assert_string_equal(name, "shmem-pages.img");
	log_capture_start();
	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_MAX, 42), -EINVAL);
	assert_int_equal(img_name(name, sizeof(name), IMG_KIND_CORE, 0), -EINVAL);
	assert_int_equal(img_name(name, 8, IMG_KIND_PAGEMAP, 42), -ENAMETOOLONG);
	assert_int_equal(count_lines(log_capture_end()), 3);
}

/* ---- round trips ---------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct fixture *fx = *state;
	uint8_t expect[1024], file[32768];
	struct img_rec rec;
	struct raw raw;
	struct img img;
	struct stat st;
	size_t i;

	write_all_samples(fx->dirfd, IMG_KIND_CORE);

	/* The writer produced exactly the bytes the format describes. */
	raw_all_samples(&raw, IMG_KIND_CORE);
	assert_int_equal(get_file(fx->dirfd, "core-42.img", file, sizeof(file)), raw.len);
	assert_memory_equal(file, raw.buf, raw.len);
	assert_int_equal(fstatat(fx->dirfd, "core-42.img", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(img_open(fx->dirfd, IMG_KIND_CORE, PID, &img), 0);
	for (i = 0; i < NR_RECORDS; i++) {
		uint32_t len = sample_payload(i, expect);

		assert_int_equal(img_next(&img, &rec), 1);
		assert_int_equal(rec.type, samples[i].type);
		assert_int_equal(rec.len, len);
		assert_memory_equal(rec.data, expect, len);
		assert_int_equal((uintptr_t)rec.data % 8, 0);
		assert_string_equal(rec_tail_str(&rec), samples[i].str ? samples[i].str : "");
	}
	assert_int_equal(img_next(&img, &rec), 0);
	img_release(&img);
}

/* Without a record, an image is its header and an end record that counts none. */
static void test_empty_image(void **state)
{
	struct fixture *fx = *state;
	uint8_t file[256];
	struct img_rec rec;
	struct raw raw;
	struct img img;

	assert_int_equal(img_create(fx->dirfd, IMG_KIND_INVENTORY, 0, &img), 0);
	assert_int_equal(img_close(&img), 0);
	raw_header(&raw, IMG_KIND_INVENTORY, IMG_VERSION);
	raw_end(&raw, 0);
	assert_int_equal(get_file(fx->dirfd, "inventory.img", file, sizeof(file)), raw.len);
	assert_memory_equal(file, raw.buf, raw.len);
	assert_int_equal(img_open(fx->dirfd, IMG_KIND_INVENTORY, 0, &img), 0);
	assert_int_equal(img_next(&img, &rec), 0);
	img_release(&img);
}

/* An earlier, wider file gets its mode fixed; a planted symlink is not followed. */
static void test_create_is_private(void **state)
{
	struct fixture *fx = *state;
	struct img img;
	struct stat st;
	int fd;

	fd = openat(fx->dirfd, "core-42.img", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	fchmod(fd, 0644);
	close(fd);
	assert_int_equal(img_create(fx->dirfd, IMG_KIND_CORE, PID, &img), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(fstatat(fx->dirfd, "core-42.img", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(symlinkat("core-42.img", fx->dirfd, "mm-42.img"), 0);
	log_capture_start();
	assert_int_equal(img_create(fx->dirfd, IMG_KIND_MM, PID, &img), -ELOOP);
	assert_logged_once(log_capture_end(), "mm-42.img: cannot create");
}

/* The writer refuses what a reader would refuse, and the image stays readable. */
static void test_writer_refuses_bad_records(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[REC_MAX_PAYLOAD + 8] = {0};
	struct rec_path path = {PATH_CWD, 0};
	struct img_rec rec;
	struct img img;

	assert_int_equal(img_create(fx->dirfd, IMG_KIND_CORE, PID, &img), 0);
	log_capture_start();
	assert_int_equal(img_write(&img, REC_TASK, buf, sizeof(struct rec_task) - 8), -EINVAL);
	assert_logged_once(log_capture_end(), "core-42.img: record at offset 16: task record");
	log_capture_start();
	assert_int_equal(img_write(&img, REC_AUXV, buf, 24), -EINVAL);
	assert_logged_once(log_capture_end(), "not a whole number of pairs");
	log_capture_start();
	assert_int_equal(img_write(&img, REC_TYPE_MAX, buf, 8), -EINVAL);
	assert_logged_once(log_capture_end(), "unknown record type");
	log_capture_start();
	assert_int_equal(img_write(&img, REC_XSAVE, buf, REC_MAX_PAYLOAD + 1), -EINVAL);
	assert_logged_once(log_capture_end(), "is over");
	log_capture_start();
	assert_int_equal(img_write_str(&img, REC_PATH, &path, 4, "/"), -EINVAL);
	assert_logged_once(log_capture_end(), "fixed part of 4 bytes, not 8");
	assert_int_equal(img_write_str(&img, REC_PATH, &path, sizeof(path), "/"), 0);
	assert_int_equal(img_close(&img), 0);

	assert_int_equal(img_open(fx->dirfd, IMG_KIND_CORE, PID, &img), 0);
	assert_int_equal(img_next(&img, &rec), 1);
	assert_string_equal(rec_tail_str(&rec), "/");
	assert_int_equal(img_next(&img, &rec), 0);
	img_release(&img);
}

/* ---- corrupted files ------------------------------------------------------------------------ */

static void expect_open_fails(int dirfd, uint32_t kind, int err, const char *msg)
{
	struct img img;
	int ret;

	log_capture_start();
	ret = img_open(dirfd, kind, PID, &img);
	assert_logged_once(log_capture_end(), msg);
	assert_int_equal(ret, err);
	assert_null(img.buf);
	assert_int_equal(img.fd, -1);
}

/* The file opens, nr_good records read, then the next one is refused. */
static void expect_record_fails(int dirfd, int nr_good, const char *msg)
{
	struct img_rec rec;
	struct img img;
	int ret;

	assert_int_equal(img_open(dirfd, IMG_KIND_CORE, PID, &img), 0);
	while (nr_good--)
		assert_int_equal(img_next(&img, &rec), 1);
	log_capture_start();
	ret = img_next(&img, &rec);
	assert_logged_once(log_capture_end(), msg);
	assert_int_equal(ret, -EINVAL);
	img_release(&img);
}

static void put_raw(int dirfd, const struct raw *r)
{
	put_file(dirfd, "core-42.img", r->buf, r->len);
}

static void test_missing_file(void **state)
{
	struct fixture *fx = *state;

	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -ENOENT, "core-42.img: cannot open");
}

static void test_bad_headers(void **state)
{
	struct fixture *fx = *state;
	struct raw r;

	put_file(fx->dirfd, "core-42.img", "", 0);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EINVAL,
			  "core-42.img: truncated header (0 of 16 bytes)");
	raw_header(&r, IMG_KIND_CORE, IMG_VERSION);
	put_file(fx->dirfd, "core-42.img", r.buf, 10);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EINVAL, "truncated header (10 of 16 bytes)");

	r.buf[0] ^= 1;
	put_raw(fx->dirfd, &r);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EINVAL, "core-42.img: not a cryo image");

	raw_header(&r, IMG_KIND_MM, IMG_VERSION);
	put_raw(fx->dirfd, &r);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EINVAL, "core-42.img: image of kind 3");

	raw_header(&r, IMG_KIND_CORE, IMG_VERSION + 1);
	put_raw(fx->dirfd, &r);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EPROTO,
			  "core-42.img: written by a newer cryo (format 2, this cryo reads 1)");

	raw_header(&r, IMG_KIND_CORE, 0);
	put_raw(fx->dirfd, &r);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EINVAL, "invalid format version 0");

	raw_header(&r, IMG_KIND_CORE, IMG_VERSION);
	r.buf[12] = 1;
	put_raw(fx->dirfd, &r);
	expect_open_fails(fx->dirfd, IMG_KIND_CORE, -EINVAL, "unknown header flags 0x1");

	assert_int_equal(mkdirat(fx->dirfd, "mm-42.img", 0700), 0);
	expect_open_fails(fx->dirfd, IMG_KIND_MM, -EINVAL, "mm-42.img: not a regular file");
	unlinkat(fx->dirfd, "mm-42.img", AT_REMOVEDIR);
}

/* A valid first record, so that the offset of the second one shows in the messages. */
static void raw_good_start(struct raw *r)
{
	struct rec_path path = {PATH_EXE, 0};
	uint8_t payload[sizeof(path) + 4];

	memcpy(payload, &path, sizeof(path));
	memcpy(payload + sizeof(path), "/sh", 4); /* 12 bytes, padded to 16 */
	raw_header(r, IMG_KIND_CORE, IMG_VERSION);
	raw_record(r, REC_PATH, payload, sizeof(payload));
}
#define SECOND_AT "core-42.img: record at offset 48: "

static void test_truncated_records(void **state)
{
	struct fixture *fx = *state;
	struct rec_task task = {.pid = PID};
	struct raw r;

	raw_good_start(&r);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	r.len -= 8;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, SECOND_AT "truncated payload");

	r.len = 48 + 10;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, SECOND_AT "truncated record header (10 of 16 bytes)");

	/* The padding of the last record is part of the file too. */
	raw_good_start(&r);
	r.len -= 4;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 0, "core-42.img: record at offset 16: truncated payload");
}

static void test_corrupted_record_headers(void **state)
{
	struct fixture *fx = *state;
	struct rec_task task = {.pid = PID};
	uint32_t huge = 0xffffffff;
	struct raw r;

	raw_good_start(&r);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	memcpy(r.buf + 48 + 4, &huge, 4);
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, SECOND_AT "length 4294967295 is over the maximum");

	raw_good_start(&r);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	r.buf[48 + 16 + 5] ^= 0x10;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, SECOND_AT "checksum mismatch");

	raw_good_start(&r);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	r.buf[48 + 8] ^= 1;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, SECOND_AT "checksum mismatch");

	/* Neither the reserved field nor the padding is under the checksum. */
	raw_good_start(&r);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	r.buf[48 + 12] = 7;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, SECOND_AT "reserved field is 0x7, not 0");

	raw_good_start(&r);
	r.buf[r.len - 1] = 1;
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 0, "core-42.img: record at offset 16: padding is not zero");
}

/* Records with a valid checksum whose content does not fit their type. */
static void expect_bad_payload(int dirfd, uint32_t type, const void *payload, uint32_t len,
			       const char *msg)
{
	struct raw r;

	raw_good_start(&r);
	raw_record(&r, type, payload, len);
	put_raw(dirfd, &r);
	expect_record_fails(dirfd, 1, msg);
}

static void test_bad_payloads(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[1024] = {0};
	uint64_t auxv[4] = {6, 4096, 33, 1};

	expect_bad_payload(fx->dirfd, 99, buf, 8, SECOND_AT "unknown record type 99");
	expect_bad_payload(fx->dirfd, 0, buf, 8, SECOND_AT "unknown record type 0");
	expect_bad_payload(fx->dirfd, REC_TASK, buf, sizeof(struct rec_task) + 8,
			   SECOND_AT "task record of 80 bytes, expected 72");
	expect_bad_payload(fx->dirfd, REC_MM, buf, 0, SECOND_AT "mm record of 0 bytes");
	expect_bad_payload(fx->dirfd, REC_XSAVE, buf, 100,
			   SECOND_AT "xsave record of 100 bytes, expected 512 to 65536");
	expect_bad_payload(fx->dirfd, REC_AUXV, buf, 40,
			   SECOND_AT "auxv tail of 40 bytes is not a whole number of pairs");
	expect_bad_payload(fx->dirfd, REC_AUXV, auxv, sizeof(auxv),
			   SECOND_AT "auxv does not end with a pair of type 0");
	expect_bad_payload(fx->dirfd, REC_PATH, buf, 8, SECOND_AT "path record of 8 bytes");
	expect_bad_payload(fx->dirfd, REC_SECCOMP_FILTER, buf, 8,
			   SECOND_AT "seccomp_filter record of 8 bytes, expected 16 to 32776");
	expect_bad_payload(fx->dirfd, REC_SECCOMP_FILTER, buf, 20,
			   SECOND_AT "seccomp_filter record holds a partial instruction");
	expect_bad_payload(fx->dirfd, REC_END, buf, 16,
			   SECOND_AT "end record of 16 bytes, expected 8");

	memcpy(buf + 8, "/abc", 4);
	expect_bad_payload(fx->dirfd, REC_PATH, buf, 12, SECOND_AT "path string is not NUL");
	/* A NUL inside would silently cut the path short. */
	memcpy(buf + 8, "/a\0c", 5);
	expect_bad_payload(fx->dirfd, REC_PATH, buf, 13, SECOND_AT "path string is not NUL");
}

/* ---- the end record ------------------------------------------------------------------------- */

/* A file cut between two records, or right after its header, is truncated: it has no end. */
static void test_missing_end_record(void **state)
{
	struct fixture *fx = *state;
	struct rec_task task = {.pid = PID};
	struct raw r;

	raw_good_start(&r);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 2, "core-42.img: truncated at offset 136: no end record");

	raw_header(&r, IMG_KIND_CORE, IMG_VERSION);
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 0, "core-42.img: truncated at offset 16: no end record");
}

/* The checksum is valid: only the count is wrong, as when records were cut out of the middle. */
static void test_end_record_wrong_count(void **state)
{
	struct fixture *fx = *state;
	struct raw r;

	raw_good_start(&r);
	raw_end(&r, 2);
	put_raw(fx->dirfd, &r);
	expect_record_fails(
	    fx->dirfd, 1, "core-42.img: end record at offset 48 counts 2 records, the file has 1");

	raw_good_start(&r);
	raw_end(&r, 0);
	put_raw(fx->dirfd, &r);
	expect_record_fails(
	    fx->dirfd, 1, "core-42.img: end record at offset 48 counts 0 records, the file has 1");
}

static void test_bytes_after_end_record(void **state)
{
	static const uint8_t zeros[8];
	struct fixture *fx = *state;
	struct raw r;

	raw_good_start(&r);
	raw_end(&r, 1);
	raw_put(&r, zeros, sizeof(zeros));
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, "core-42.img: 8 bytes after the end record");

	raw_good_start(&r);
	raw_end(&r, 1);
	raw_put(&r, zeros, 3);
	put_raw(fx->dirfd, &r);
	expect_record_fails(fx->dirfd, 1, "core-42.img: 3 bytes after the end record");
}

/* Two images glued together: the first end record, right as it is, is not the end of the file. */
static void test_end_record_in_the_middle(void **state)
{
	struct fixture *fx = *state;
	struct rec_task task = {.pid = PID};
	struct raw r;

	raw_good_start(&r);
	raw_end(&r, 1);
	raw_record(&r, REC_TASK, &task, sizeof(task));
	raw_end(&r, 2);
	put_raw(fx->dirfd, &r);
	/* The task record (16 + 72 bytes) and the second end record (16 + 8) follow. */
	expect_record_fails(fx->dirfd, 1, "core-42.img: 112 bytes after the end record");
}

/* ---- pages ---------------------------------------------------------------------------------- */

static void test_pages(void **state)
{
	struct fixture *fx = *state;
	uint8_t page[IMG_PAGE_SIZE], back[IMG_PAGE_SIZE];
	uint64_t data_size;
	struct img img;

	memset(page, 0xa5, sizeof(page));
	assert_int_equal(img_pages_create(fx->dirfd, IMG_KIND_PAGES, PID, &img), 0);
	assert_int_equal(write(img.fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(write(img.fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(img_close(&img), 0);

	assert_int_equal(img_pages_open(fx->dirfd, IMG_KIND_PAGES, PID, &img, &data_size), 0);
	assert_int_equal(data_size, 2 * IMG_PAGE_SIZE);
	assert_int_equal(pread(img.fd, back, sizeof(back), IMG_PAGES_DATA_START + IMG_PAGE_SIZE),
			 sizeof(back));
	assert_memory_equal(back, page, sizeof(page));
	img_release(&img);
}

static void expect_pages_fail(int dirfd, int err, const char *msg)
{
	uint64_t data_size;
	struct img img;
	int ret;

	log_capture_start();
	ret = img_pages_open(dirfd, IMG_KIND_PAGES, PID, &img, &data_size);
	assert_logged_once(log_capture_end(), msg);
	assert_int_equal(ret, err);
	assert_int_equal(img.fd, -1);
}

static void test_bad_pages(void **state)
{
	struct fixture *fx = *state;
	uint8_t file[IMG_PAGES_DATA_START + IMG_PAGE_SIZE + 100] = {0};
	struct raw r;

	expect_pages_fail(fx->dirfd, -ENOENT, "pages-42.img: cannot open");
	raw_header(&r, IMG_KIND_PAGES, IMG_VERSION);
	memcpy(file, r.buf, r.len);
	put_file(fx->dirfd, "pages-42.img", file, sizeof(file));
	expect_pages_fail(fx->dirfd, -EINVAL,
			  "pages-42.img: 4196 bytes of page data is not a whole number of pages");
	put_file(fx->dirfd, "pages-42.img", file, 2000);
	expect_pages_fail(fx->dirfd, -EINVAL, "truncated header page (2000 of 4096 bytes)");
	put_file(fx->dirfd, "pages-42.img", file, 0);
	expect_pages_fail(fx->dirfd, -EINVAL, "truncated header (0 of 16 bytes)");
	file[100] = 1;
	put_file(fx->dirfd, "pages-42.img", file, IMG_PAGES_DATA_START);
	expect_pages_fail(fx->dirfd, -EINVAL, "header page padding is not zero");

	raw_header(&r, IMG_KIND_CORE, IMG_VERSION);
	memset(file, 0, sizeof(file));
	memcpy(file, r.buf, r.len);
	put_file(fx->dirfd, "pages-42.img", file, IMG_PAGES_DATA_START);
	expect_pages_fail(fx->dirfd, -EINVAL, "pages-42.img: image of kind 2, expected 5");
}

/* ---- fuzz: every flipped byte, every truncation --------------------------------------------- */

/* Read a whole image, checking every record handed out; 0 and *nr, or the error. */
static int read_image(int dirfd, int *nr)
{
	struct img_rec rec;
	struct img img;
	int ret;

	*nr = 0;
	ret = img_open(dirfd, IMG_KIND_CORE, PID, &img);
	if (ret)
		return ret;
	while ((ret = img_next(&img, &rec)) > 0) {
		const uint8_t *data = rec.data;

		assert_true(data >= img.buf && data + rec.len <= img.buf + img.size);
		assert_int_equal(img_check_record(&img, &rec), 0);
		(*nr)++;
	}
	img_release(&img);
	return ret;
}

/* The first way a corrupted image went wrong, if any. */
static char fuzz_failure[128];

static void fuzz_flips(int dirfd, const struct raw *good)
{
	struct raw bad;
	size_t i;
	int nr;

	/* Every single flipped byte is caught: by the header checks, the CRC or the zero checks. */
	for (i = 0; i < good->len && !fuzz_failure[0]; i++) {
		bad = *good;
		bad.buf[i] ^= 0xff;
		put_raw(dirfd, &bad);
		if (read_image(dirfd, &nr) >= 0)
			snprintf(fuzz_failure, sizeof(fuzz_failure), "flipped byte %zu unnoticed",
				 i);
	}
}

static void fuzz_cuts(int dirfd, const struct raw *good, const size_t *boundary)
{
	size_t i, b = 0;
	struct raw bad;
	int nr, ret;

	/*
	 * Every cut is an error, a cut between records too: the records before it read, then the
	 * end record is missing.
	 */
	for (i = 0; i < good->len && !fuzz_failure[0]; i++) {
		bad = *good;
		bad.len = i;
		put_raw(dirfd, &bad);
		ret = read_image(dirfd, &nr);
		if (boundary[b] == i) {
			if (ret != -EINVAL || nr != (int)b)
				snprintf(fuzz_failure, sizeof(fuzz_failure),
					 "cut at record boundary %zu: %d, %d records", i, ret, nr);
			b++;
		} else if (ret >= 0) {
			snprintf(fuzz_failure, sizeof(fuzz_failure), "cut at %zu unnoticed", i);
		}
	}
}

static void test_fuzz(void **state)
{
	struct fixture *fx = *state;
	size_t boundary[NR_SAMPLES + 1], i;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct raw good;
	int nr;

	raw_all_samples(&good, IMG_KIND_CORE);
	boundary[0] = sizeof(struct img_file_header);
	for (i = 0; i < NR_SAMPLES; i++) {
		uint32_t len;

		memcpy(&len, good.buf + boundary[i] + 4, 4);
		boundary[i + 1] = boundary[i] + 16 + rec_padded_len(len);
	}
	assert_int_equal(boundary[NR_SAMPLES], good.len);
	/* Unharmed, the image reads whole: every error below is the harm's doing. */
	put_raw(fx->dirfd, &good);
	assert_int_equal(read_image(fx->dirfd, &nr), 0);
	assert_int_equal(nr, NR_RECORDS);

	assert_true(devnull >= 0);
	stderr_to(devnull);
	fuzz_flips(fx->dirfd, &good);
	fuzz_cuts(fx->dirfd, &good, boundary);
	stderr_back();
	close(devnull);
	if (fuzz_failure[0])
		fail_msg("%s", fuzz_failure);
}

/* ---- cryo show ------------------------------------------------------------------------------ */

/* A small JSON checker: returns the end of the value at p, or NULL if it is not JSON. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	start = p;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > start ? p : NULL;
}

/* An array or an object, of values or of "key": value members. */
static const char *json_list(const char *p, char close, bool members)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			p = json_string(json_ws(p));
			if (!p || *(p = json_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_value(p);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{')
		return json_list(p, '}', true);
	if (*p == '[')
		return json_list(p, ']', false);
	if (*p == '"')
		return json_string(p);
	return json_number(p);
}

static bool json_valid(const char *s)
{
	const char *end = json_value(s);

	return end && !*json_ws(end);
}

static void test_json_checker(void **state)
{
	assert_true(json_valid("{\"a\": [1, -2, \"x\\u0001\"], \"b\": {}}"));
	assert_false(json_valid("{\"a\": [1, 2}"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("\"a\nb\""));
	assert_false(json_valid("[1] x"));
}

static void write_show_dir(int dirfd)
{
	struct rec_task task = {.pid = PID, .ppid = 1, .uid = {1, 2, 3, 4}, .comm = "sleep"};
	struct rec_inventory inv = {.arch = IMG_ARCH_X86_64, .root_pid = PID, .nr_tasks = 1};
	struct rec_vma vma = {.start = 0x400000, .end = 0x401000, .kind = VMA_FILE_PRIVATE};
	struct rec_page_run run = {.vaddr = 0x7f0000000000, .nr_pages = 1};
	struct rec_fd fd = {.fd = 3, .file_id = 1};
	struct rec_file file = {.id = 1, .kind = FILE_REGULAR};
	struct rec_path_file path_file = {.size = 10};
	struct rec_file timer_file = {.id = 2, .kind = FILE_TIMERFD};
	struct rec_timerfd timer = {1, 1, 5, 2, 3, 4, 6};
	struct rec_file epoll_file = {.id = 3, .kind = FILE_EPOLL};
	struct rec_epoll_tfd tfd = {.tfd = 7, .target_id = 2, .events = 0x80000001, .data = 0xabc};
	struct rec_file inotify_file = {.id = 4, .kind = FILE_INOTIFY};
	struct rec_inotify_watch watch = {.wd = 3, .mask = 0x300};
	struct {
		struct rec_unix_sk sk;
		char name[8];
	} unix_sk = {{.ino = 77, .type = 5, .peek_off = -1}, "\0abc\n"};
	struct rec_file_lock lock = {.kind = FILE_LOCK_FLOCK, .write = 1};
	struct rec_path cwd = {.kind = PATH_CWD};
	/* A seccomp filter: load the architecture, allow. */
	struct {
		struct rec_seccomp_filter rec;
		uint16_t code[2][4]; /* code, jt and jf, k in two u16 */
	} filter = {{.flags = 2}, {{0x20, 0, 4, 0}, {0x06, 0, 0, 0x7fff}}};
	struct rec_shmem shmem = {
	    .dev = 1, .ino = 3152, .size = 10000, .kind = SHMEM_MEMFD, .seals = 6, .mode = 0100777};
	struct rec_shmem_run shmem_run = {.obj_offset = 8192, .nr_pages = 2};
	struct rec_inet_sk inet = {.family = 2, .src_port = 8080, .dst_port = 41000,
				   .src_addr = {[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1},
				   .dst_addr = {[0] = 0xfd, [15] = 2}};
	uint64_t auxv[4] = {6, 4096, 0, 0};
	uint8_t page[IMG_PAGE_SIZE] = {0};
	struct img img;

	/* Every record type, with arbitrary bytes in every field. */
	write_all_samples(dirfd, IMG_KIND_CORE);
	assert_int_equal(renameat(dirfd, "core-42.img", dirfd, "core-7.img"), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_INVENTORY, 0, &img), 0);
	assert_int_equal(img_write(&img, REC_INVENTORY, &inv, sizeof(inv)), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_CORE, PID, &img), 0);
	assert_int_equal(img_write(&img, REC_TASK, &task, sizeof(task)), 0);
	/* Overlong, surrogate, past U+10FFFF, cut short; then a valid 4-byte sequence. */
	assert_int_equal(
	    img_write_str(&img, REC_PATH, &cwd, sizeof(cwd),
			  "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82/\xf0\x9f\x98\x80"),
	    0);
	assert_int_equal(img_write(&img, REC_SECCOMP_FILTER, &filter, sizeof(filter)), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_MM, PID, &img), 0);
	assert_int_equal(img_write(&img, REC_AUXV, auxv, sizeof(auxv)), 0);
	assert_int_equal(img_write_str(&img, REC_VMA, &vma, sizeof(vma), "/bin/sleep"), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_PAGEMAP, PID, &img), 0);
	assert_int_equal(img_write(&img, REC_PAGE_RUN, &run, sizeof(run)), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_pages_create(dirfd, IMG_KIND_PAGES, PID, &img), 0);
	assert_int_equal(write(img.fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_FILES, PID, &img), 0);
	assert_int_equal(img_write(&img, REC_FD, &fd, sizeof(fd)), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_FILES_ALL, 0, &img), 0);
	assert_int_equal(img_write(&img, REC_FILE, &file, sizeof(file)), 0);
	assert_int_equal(img_write_str(&img, REC_PATH_FILE, &path_file, sizeof(path_file),
				       "a\"b\\c\nd\x01\xff\xc3\xa9"),
			 0);
	assert_int_equal(img_write(&img, REC_FILE, &timer_file, sizeof(timer_file)), 0);
	assert_int_equal(img_write(&img, REC_TIMERFD, &timer, sizeof(timer)), 0);
	assert_int_equal(img_write(&img, REC_FILE, &epoll_file, sizeof(epoll_file)), 0);
	assert_int_equal(img_write(&img, REC_EPOLL_TFD, &tfd, sizeof(tfd)), 0);
	assert_int_equal(img_write(&img, REC_FILE, &inotify_file, sizeof(inotify_file)), 0);
	assert_int_equal(
	    img_write_str(&img, REC_INOTIFY_WATCH, &watch, sizeof(watch), "/tmp/watched"), 0);
	assert_int_equal(img_write(&img, REC_INET_SK, &inet, sizeof(inet)), 0);
	/* An abstract name: a NUL, then bytes, none after. */
	assert_int_equal(img_write(&img, REC_UNIX_SK, &unix_sk, sizeof(unix_sk.sk) + 5), 0);
	assert_int_equal(img_write(&img, REC_FILE_LOCK, &lock, sizeof(lock)), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_create(dirfd, IMG_KIND_SHMEM, 0, &img), 0);
	assert_int_equal(img_write_str(&img, REC_SHMEM, &shmem, sizeof(shmem), "cryo: one"), 0);
	assert_int_equal(img_write(&img, REC_SHMEM_RUN, &shmem_run, sizeof(shmem_run)), 0);
	assert_int_equal(img_close(&img), 0);
	assert_int_equal(img_pages_create(dirfd, IMG_KIND_SHMEM_PAGES, 0, &img), 0);
	assert_int_equal(write(img.fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(write(img.fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(img_close(&img), 0);
	put_file(dirfd, "notes.txt", "not an image", 12);
}

/* Run show on the fixture's directory: its return value, what it wrote in out. */
static int run_show(struct fixture *fx, char *out, size_t size)
{
	FILE *f = tmpfile();
	size_t n;
	int ret;

	assert_non_null(f);
	ret = img_show_dir(fx->dir, fileno(f));
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

static void assert_in_order(const char *text, const char *const *parts)
{
	const char *p = text;

	for (; *parts; parts++) {
		p = strstr(p, *parts);
		if (!p)
			fail_msg("missing, or out of order: %s", *parts);
	}
}

static void test_show(void **state)
{
	static const char *const expect[] = {
	    "{\"images\": [",
	    "{\"file\": \"core-42.img\", \"kind\": \"core\", \"version\": 1, \"records\": [",
	    "{\"type\": \"task\", \"pid\": 42, \"ppid\": 1, \"pgid\": 0, \"sid\": 0, "
	    "\"uid\": [1, 2, 3, 4], \"gid\": [0, 0, 0, 0], \"umask\": 0, \"personality\": 0, "
	    "\"comm\": \"sleep\"}",
	    "{\"type\": \"path\", \"kind\": 1, \"path\": \"\\u00c0\\u00af\\u00ed\\u00a0\\u0080"
	    "\\u00f4\\u0090\\u0080\\u0080\\u00e2\\u0082/\xf0\x9f\x98\x80\"}",
	    "{\"type\": \"seccomp_filter\", \"flags\": 2, \"program\": [[32, 0, 0, 4], "
	    "[6, 0, 0, 2147418112]]}",
	    "\"file\": \"core-7.img\"",
	    "\"type\": \"regs_x86_64\"",
	    "\"type\": \"xsave\", \"data\": \"",
	    "{\"type\": \"fd\", \"fd\": 3, \"fd_flags\": 0, \"file_id\": 1}",
	    "{\"file\": \"files.img\", \"kind\": \"files\"",
	    "{\"type\": \"file\", \"id\": 1, \"kind\": 1,",
	    "{\"type\": \"path_file\", \"size\": 10,",
	    "\"path\": \"a\\\"b\\\\c\\u000ad\\u0001\\u00ff\xc3\xa9\"}",
	    "{\"type\": \"timerfd\", \"clockid\": 1, \"settime_flags\": 1, \"ticks\": 5, "
	    "\"value_sec\": 2, \"interval_sec\": 3, \"value_nsec\": 4, \"interval_nsec\": 6}",
	    "{\"type\": \"epoll_tfd\", \"tfd\": 7, \"target_id\": 2, \"events\": 2147483649, "
	    "\"data\": \"0xabc\"}",
	    "{\"type\": \"inotify_watch\", \"wd\": 3, \"mask\": 768, \"path\": \"/tmp/watched\"}",
	    "{\"type\": \"inet_sk\", \"family\": 2, \"sock_type\": 0, \"protocol\": 0, \"state\": 0, "
	    "\"src_addr\": \"::ffff:127.0.0.1\", \"dst_addr\": \"fd00::2\", \"src_port\": 8080, "
	    "\"dst_port\": 41000,",
	    "{\"type\": \"unix_sk\", \"ino\": 77, \"peer_ino\": 0,",
	    "\"type\": 5,",
	    "\"peek_off\": -1,",
	    "\"name\": \"\\u0000abc\\u000a\"}",
	    "{\"type\": \"file_lock\", \"kind\": 1, \"write\": 1, \"start\": 0, \"len\": 0}",
	    "{\"file\": \"inventory.img\", \"kind\": \"inventory\"",
	    "{\"type\": \"auxv\", \"auxv\": [[6, 4096], [0, 0]]}",
	    "{\"type\": \"vma\", \"start\": \"0x400000\", \"end\": \"0x401000\",",
	    "\"name\": \"/bin/sleep\"}",
	    "\"vaddr\": \"0x7f0000000000\"",
	    "{\"file\": \"pages-42.img\", \"kind\": \"pages\", \"data_bytes\": 4096}",
	    "{\"file\": \"shmem-pages.img\", \"kind\": \"shmem-pages\", \"data_bytes\": 8192}",
	    "{\"file\": \"shmem.img\", \"kind\": \"shmem\", \"version\": 1, \"records\": [",
	    "{\"type\": \"shmem\", \"dev\": 1, \"ino\": 3152, \"size\": 10000, \"kind\": 2, "
	    "\"seals\": 6, \"mode\": 33279, \"name\": \"cryo: one\"}",
	    "{\"type\": \"shmem_run\", \"obj_offset\": 8192, \"nr_pages\": 2, \"offset\": 0}",
	    "]}\n",
	    NULL,
	};
	struct fixture *fx = *state;
	static char out[65536];

	write_show_dir(fx->dirfd);
	assert_int_equal(run_show(fx, out, sizeof(out)), 0);
	if (!json_valid(out))
		fail_msg("not JSON:\n%s", out);
	assert_in_order(out, expect);
	assert_null(strstr(out, "notes"));
	assert_null(strstr(out, "\"type\": \"end\""));
}

static void test_show_empty_dir(void **state)
{
	struct fixture *fx = *state;
	char out[256];

	assert_int_equal(run_show(fx, out, sizeof(out)), 0);
	assert_true(json_valid(out));
	assert_string_equal(out, "{\"images\": [\n]}\n");
}

static void test_show_corrupted(void **state)
{
	struct fixture *fx = *state;
	uint8_t file[4096];
	char out[4096];
	size_t len, end = sizeof(struct img_rec_header) + sizeof(struct rec_end);
	int ret;

	write_show_dir(fx->dirfd);
	len = get_file(fx->dirfd, "mm-42.img", file, sizeof(file));
	file[len - end - 9] ^= 0x40; /* in the payload of the record before the end record */
	put_file(fx->dirfd, "mm-42.img", file, len);
	log_capture_start();
	ret = run_show(fx, out, sizeof(out));
	assert_logged_once(log_capture_end(), "mm-42.img: record at offset 64: checksum mismatch");
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(out, "");
}

static void test_show_odd_names(void **state)
{
	struct fixture *fx = *state;
	char out[256];
	int ret;

	write_show_dir(fx->dirfd);
	assert_int_equal(renameat(fx->dirfd, "mm-42.img", fx->dirfd, "mm-042.img"), 0);
	log_capture_start();
	ret = run_show(fx, out, sizeof(out));
	assert_logged_once(log_capture_end(), "mm-042.img: not the name of a cryo image");
	assert_int_equal(ret, -EINVAL);

	log_capture_start();
	ret = img_show_dir("/nonexistent-cryo-dir", 1);
	assert_logged_once(log_capture_end(), "/nonexistent-cryo-dir: cannot list");
	assert_int_equal(ret, -ENOENT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_type_has_a_sample),
	    cmocka_unit_test(test_desc_fields_cover_structs),
	    cmocka_unit_test(test_crc32),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_json_checker),
	    T(test_round_trip),
	    T(test_empty_image),
	    T(test_create_is_private),
	    T(test_writer_refuses_bad_records),
	    T(test_missing_file),
	    T(test_bad_headers),
	    T(test_truncated_records),
	    T(test_corrupted_record_headers),
	    T(test_bad_payloads),
	    T(test_missing_end_record),
	    T(test_end_record_wrong_count),
	    T(test_bytes_after_end_record),
	    T(test_end_record_in_the_middle),
	    T(test_pages),
	    T(test_bad_pages),
	    T(test_fuzz),
	    T(test_show),
	    T(test_show_empty_dir),
	    T(test_show_corrupted),
	    T(test_show_odd_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
