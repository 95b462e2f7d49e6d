// SPDX-License-Identifier: MIT
/*
 * The image codec. A record image is built in memory and written when it is closed, and read
 * whole when it is opened: struct img's buf, size and pos are the buffer, its capacity and its
 * fill when writing, the file, its size and the read cursor when reading. Either way pos is the
 * file offset of the next record, which is what error messages quote.
 *
 * The pages image is the exception: its content is far too large for memory, so only its header
 * page goes through here and the caller reads and writes pages on img->fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "image-desc.h"
#include "image.h"

/* The structs are written as they are in memory. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "images are little-endian");
_Static_assert(sizeof(struct img_file_header) == 16, "file header is 16 bytes");
_Static_assert(sizeof(struct img_rec_header) == 16, "record header is 16 bytes");

#define IMG_WBUF_MIN 4096u

int img_name(char *buf, size_t size, uint32_t kind, int pid)
{
	const struct img_kind_desc *k = img_kind_desc(kind);
	int n;

	if (!k) {
		pr_err("unknown image kind %u", kind);
		return -EINVAL;
	}
	if (!k->per_task)
		n = snprintf(buf, size, "%s.img", k->name);
	else if (pid > 0)
		n = snprintf(buf, size, "%s-%d.img", k->name, pid);
	else {
		pr_err("%s image: invalid pid %d", k->name, pid);
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= size) {
		pr_err("%s image name for pid %d does not fit in %zu bytes", k->name, pid, size);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int img_init(struct img *img, uint32_t kind, int pid)
{
	*img = (struct img){.fd = -1, .kind = kind};
	return img_name(img->name, sizeof(img->name), kind, pid);
}

static int create_file(int dirfd, struct img *img)
{
	img->fd =
	    openat(dirfd, img->name, O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (img->fd < 0)
		return pr_perror("%s: cannot create", img->name);
	/* A file left by an earlier dump keeps its mode through O_TRUNC: it may have been wider. */
	if (fchmod(img->fd, 0600) < 0)
		return pr_perror("%s: cannot make it private", img->name);
	return 0;
}

static struct img_file_header file_header(uint32_t kind)
{
	return (struct img_file_header){.magic = IMG_MAGIC, .kind = kind, .version = IMG_VERSION};
}

/* Make room for len more bytes in the write buffer. */
static int wbuf_reserve(struct img *img, size_t len)
{
	size_t cap = img->size ? img->size : IMG_WBUF_MIN;
	uint8_t *buf;

	while (cap - img->pos < len)
		cap *= 2;
	if (cap == img->size)
		return 0;
	buf = realloc(img->buf, cap);
	if (!buf) {
		pr_err("%s: no memory for %zu bytes", img->name, cap);
		return -ENOMEM;
	}
	img->buf = buf;
	img->size = cap;
	return 0;
}

int img_create(int dirfd, uint32_t kind, int pid, struct img *img)
{
	struct img_file_header hdr = file_header(kind);
	int ret;

	ret = img_init(img, kind, pid);
	if (!ret)
		ret = create_file(dirfd, img);
	if (!ret)
		ret = wbuf_reserve(img, sizeof(hdr));
	if (ret) {
		img_release(img);
		return ret;
	}
	memcpy(img->buf, &hdr, sizeof(hdr));
	img->pos = sizeof(hdr);
	return 0;
}

static uint32_t rec_crc(const struct img_rec_header *hdr, const void *payload)
{
	/* type and len are the first 8 bytes of the header */
	return crc32_ieee(crc32_ieee(0, hdr, 8), payload, hdr->len);
}

/* Room for a record of len payload bytes at img->pos; the payload goes to the returned place. */
static int rec_begin(struct img *img, uint32_t type, size_t len, uint8_t **payload)
{
	int ret;

	if (len > REC_MAX_PAYLOAD) {
		pr_err("%s: record at offset %zu: type %u payload of %zu bytes is over %u",
		       img->name, img->pos, type, len, REC_MAX_PAYLOAD);
		return -EINVAL;
	}
	ret = wbuf_reserve(img, sizeof(struct img_rec_header) + rec_padded_len(len));
	if (ret)
		return ret;
	*payload = img->buf + img->pos + sizeof(struct img_rec_header);
	return 0;
}

/* Check the payload in place as a reader would, then seal it with its header and padding. */
static int rec_commit(struct img *img, uint32_t type, uint32_t len)
{
	uint8_t *payload = img->buf + img->pos + sizeof(struct img_rec_header);
	struct img_rec rec = {.type = type, .len = len, .data = payload};
	struct img_rec_header hdr = {.type = type, .len = len};
	int ret;

	ret = img_check_record(img, &rec);
	if (ret)
		return ret;
	img->nr_records++;
	hdr.crc = rec_crc(&hdr, payload);
	memcpy(img->buf + img->pos, &hdr, sizeof(hdr));
	memset(payload + len, 0, rec_padded_len(len) - len);
	img->pos += sizeof(hdr) + rec_padded_len(len);
	return 0;
}

static int write_record(struct img *img, uint32_t type, const void *payload, uint32_t len)
{
	uint8_t *dst;
	int ret;

	ret = rec_begin(img, type, len, &dst);
	if (ret)
		return ret;
	memcpy(dst, payload, len);
	return rec_commit(img, type, len);
}

/* The end record is the codec's own: written by img_close(), never by a caller. */
static int refuse_end(const struct img *img, uint32_t type)
{
	if (type != REC_END)
		return 0;
	pr_err("%s: record at offset %zu: the end record is written by img_close()", img->name,
	       img->pos);
	return -EINVAL;
}

int img_write(struct img *img, uint32_t type, const void *payload, uint32_t len)
{
	return refuse_end(img, type) ?: write_record(img, type, payload, len);
}

int img_write_tail(struct img *img, uint32_t type, const void *fixed, uint32_t fixed_len,
		   const void *tail, size_t tail_len)
{
	uint8_t *dst;
	int ret;

	if (refuse_end(img, type))
		return -EINVAL;
	/* Otherwise the tail would be read from the wrong place. */
	if (fixed_len != rec_fixed_size(type)) {
		pr_err("%s: record at offset %zu: type %u written with a fixed part of %u bytes, "
		       "not %u",
		       img->name, img->pos, type, fixed_len, rec_fixed_size(type));
		return -EINVAL;
	}
	ret = rec_begin(img, type, (size_t)fixed_len + tail_len, &dst);
	if (ret)
		return ret;
	memcpy(dst, fixed, fixed_len);
	memcpy(dst + fixed_len, tail, tail_len);
	return rec_commit(img, type, fixed_len + tail_len);
}

int img_write_str(struct img *img, uint32_t type, const void *fixed, uint32_t fixed_len,
		  const char *str)
{
	return img_write_tail(img, type, fixed, fixed_len, str, strlen(str) + 1);
}

int img_close(struct img *img)
{
	struct rec_end end = {.nr_records = img->nr_records};
	int ret = 0;

	if (img->buf)
		ret = write_record(img, REC_END, &end, sizeof(end));
	if (img->buf && !ret)
		ret = write_all(img->fd, img->buf, img->pos);
	if (ret)
		pr_err("%s: cannot write %zu bytes: %s", img->name, img->pos, strerror(-ret));
	/* Some file systems (NFS) only report a failed write when the file is closed. */
	if (close(img->fd) < 0 && !ret)
		ret = pr_perror("%s: cannot write", img->name);
	img->fd = -1;
	img_release(img);
	return ret;
}

int img_finish(struct img *img, int ret)
{
	int closed = img_close(img);

	return ret ? ret : closed;
}

/* Check a file header; avail is how many bytes of the file there are to check. */
static int check_header(const struct img *img, const void *buf, size_t avail)
{
	const struct img_kind_desc *k = img_kind_desc(img->kind);
	struct img_file_header hdr;

	if (avail < sizeof(hdr)) {
		pr_err("%s: truncated header (%zu of %zu bytes)", img->name, avail, sizeof(hdr));
		return -EINVAL;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != IMG_MAGIC) {
		pr_err("%s: not a cryo image (magic 0x%08x)", img->name, hdr.magic);
		return -EINVAL;
	}
	if (hdr.version > IMG_VERSION) {
		pr_err("%s: written by a newer cryo (format %u, this cryo reads %u)", img->name,
		       hdr.version, IMG_VERSION);
		return -EPROTO;
	}
	if (hdr.version == 0) {
		pr_err("%s: invalid format version 0", img->name);
		return -EINVAL;
	}
	if (hdr.kind != img->kind) {
		pr_err("%s: image of kind %u, expected %u (%s)", img->name, hdr.kind, img->kind,
		       k->name);
		return -EINVAL;
	}
	if (hdr.flags) {
		pr_err("%s: unknown header flags 0x%x", img->name, hdr.flags);
		return -EINVAL;
	}
	return 0;
}

/* Open a regular file for reading and tell its size. */
static int open_file(int dirfd, struct img *img, size_t *size)
{
	struct stat st;

	img->fd = openat(dirfd, img->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (img->fd < 0)
		return pr_perror("%s: cannot open", img->name);
	if (fstat(img->fd, &st) < 0)
		return pr_perror("%s: cannot stat", img->name);
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s: not a regular file", img->name);
		return -EINVAL;
	}
	*size = st.st_size;
	return 0;
}

/* Read the whole file into img->buf; a file that shrinks meanwhile is read as it now is. */
static int read_file(struct img *img, size_t size)
{
	img->buf = malloc(size ? size : 1);
	if (!img->buf) {
		pr_err("%s: no memory for %zu bytes", img->name, size);
		return -ENOMEM;
	}
	while (img->size < size) {
		ssize_t n = read(img->fd, img->buf + img->size, size - img->size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pr_perror("%s: cannot read", img->name);
		if (n == 0)
			break;
		img->size += n;
	}
	return 0;
}

int img_open(int dirfd, uint32_t kind, int pid, struct img *img)
{
	size_t size;
	int ret;

	ret = img_init(img, kind, pid);
	if (!ret)
		ret = open_file(dirfd, img, &size);
	if (!ret)
		ret = read_file(img, size);
	if (!ret)
		ret = check_header(img, img->buf, img->size);
	if (ret) {
		img_release(img);
		return ret;
	}
	close(img->fd);
	img->fd = -1;
	img->pos = sizeof(struct img_file_header);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/* Check the record header at img->pos against the bytes that follow it. */
static int check_rec_header(const struct img *img, const struct img_rec_header *hdr)
{
	size_t left = img->size - img->pos - sizeof(*hdr);
	const uint8_t *payload = img->buf + img->pos + sizeof(*hdr);

	if (hdr->len > REC_MAX_PAYLOAD) {
		pr_err("%s: record at offset %zu: length %u is over the maximum %u", img->name,
		       img->pos, hdr->len, REC_MAX_PAYLOAD);
		return -EINVAL;
	}
	if (rec_padded_len(hdr->len) > left) {
		pr_err(
		    "%s: record at offset %zu: truncated payload (%u bytes with padding, %zu left)",
		    img->name, img->pos, rec_padded_len(hdr->len), left);
		return -EINVAL;
	}
	if (rec_crc(hdr, payload) != hdr->crc) {
		pr_err("%s: record at offset %zu: checksum mismatch", img->name, img->pos);
		return -EINVAL;
	}
	if (hdr->reserved) {
		pr_err("%s: record at offset %zu: reserved field is 0x%x, not 0", img->name,
		       img->pos, hdr->reserved);
		return -EINVAL;
	}
	/* The checksum does not cover the padding. */
	if (!all_zero(payload + hdr->len, rec_padded_len(hdr->len) - hdr->len)) {
		pr_err("%s: record at offset %zu: padding is not zero", img->name, img->pos);
		return -EINVAL;
	}
	return 0;
}

/* The end record: the right count, and nothing after it. */
static int check_end(const struct img *img, const struct img_rec *rec)
{
	const struct rec_end *end = rec->data;
	size_t after = img->pos + sizeof(struct img_rec_header) + rec_padded_len(rec->len);

	if (end->nr_records != img->nr_records) {
		pr_err("%s: end record at offset %zu counts %u records, the file has %u", img->name,
		       img->pos, end->nr_records, img->nr_records);
		return -EINVAL;
	}
	if (after != img->size) {
		pr_err("%s: %zu bytes after the end record", img->name, img->size - after);
		return -EINVAL;
	}
	return 0;
}

int img_next(struct img *img, struct img_rec *rec)
{
	struct img_rec_header hdr;
	int ret;

	if (img->pos == img->size) {
		pr_err("%s: truncated at offset %zu: no end record", img->name, img->pos);
		return -EINVAL;
	}
	if (img->size - img->pos < sizeof(hdr)) {
		pr_err("%s: record at offset %zu: truncated record header (%zu of %zu bytes)",
		       img->name, img->pos, img->size - img->pos, sizeof(hdr));
		return -EINVAL;
	}
	memcpy(&hdr, img->buf + img->pos, sizeof(hdr));
	ret = check_rec_header(img, &hdr);
	if (ret)
		return ret;
	*rec = (struct img_rec){hdr.type, hdr.len, img->buf + img->pos + sizeof(hdr)};
	ret = img_check_record(img, rec);
	if (ret)
		return ret;
	if (rec->type == REC_END)
		return check_end(img, rec) ? -EINVAL : 0;
	img->pos += sizeof(hdr) + rec_padded_len(hdr.len);
	img->nr_records++;
	return 1;
}

/* The pairs must fill the tail exactly and end with AT_NULL (type 0). */
static int check_pairs_tail(const struct img *img, const struct img_rec *rec, const char *name)
{
	uint32_t tail_len = rec->len - rec_fixed_size(rec->type);
	uint64_t last_type;

	if (tail_len % 16) {
		pr_err(
		    "%s: record at offset %zu: %s tail of %u bytes is not a whole number of pairs",
		    img->name, img->pos, name, tail_len);
		return -EINVAL;
	}
	memcpy(&last_type, (const uint8_t *)rec->data + rec->len - 16, sizeof(last_type));
	if (last_type) {
		pr_err("%s: record at offset %zu: %s does not end with a pair of type 0", img->name,
		       img->pos, name);
		return -EINVAL;
	}
	return 0;
}

/* The first NUL must be the last byte, so that the string is all of the tail. */
static int check_str_tail(const struct img *img, const struct img_rec *rec, const char *name)
{
	const char *tail = rec_tail_str(rec);
	size_t tail_len = rec->len - rec_fixed_size(rec->type);

	if (memchr(tail, '\0', tail_len) != tail + tail_len - 1) {
		pr_err("%s: record at offset %zu: %s string is not NUL-terminated at its end",
		       img->name, img->pos, name);
		return -EINVAL;
	}
	return 0;
}

/* An array tail holds whole elements of elem_size bytes. */
static int check_array_tail(const struct img *img, const struct img_rec *rec, size_t elem_size,
			    const char *elem)
{
	const struct rec_desc *d = rec_desc(rec->type);

	if ((rec->len - d->fixed) % elem_size) {
		pr_err("%s: record at offset %zu: %s record holds a partial %s", img->name,
		       img->pos, d->name, elem);
		return -EINVAL;
	}
	return 0;
}

int img_check_record(const struct img *img, const struct img_rec *rec)
{
	const struct rec_desc *d = rec_desc(rec->type);

	if (!d) {
		pr_err("%s: record at offset %zu: unknown record type %u", img->name, img->pos,
		       rec->type);
		return -EINVAL;
	}
	if (rec->len < d->min_len || rec->len > d->max_len) {
		if (d->min_len == d->max_len)
			pr_err("%s: record at offset %zu: %s record of %u bytes, expected %u",
			       img->name, img->pos, d->name, rec->len, d->min_len);
		else
			pr_err("%s: record at offset %zu: %s record of %u bytes, expected %u to %u",
			       img->name, img->pos, d->name, rec->len, d->min_len, d->max_len);
		return -EINVAL;
	}
	if (d->tail == TAIL_STR)
		return check_str_tail(img, rec, d->name);
	if (d->tail == TAIL_U64_PAIRS)
		return check_pairs_tail(img, rec, d->name);
	if (d->tail == TAIL_U32S)
		return check_array_tail(img, rec, sizeof(uint32_t), "number");
	if (d->tail == TAIL_BPF)
		return check_array_tail(img, rec, REC_BPF_INSN_SIZE, "instruction");
	return 0;
}

uint32_t rec_fixed_size(uint32_t type)
{
	const struct rec_desc *d = rec_desc(type);

	return d ? d->fixed : 0;
}

const char *rec_tail_str(const struct img_rec *rec)
{
	const struct rec_desc *d = rec_desc(rec->type);

	if (!d || d->tail != TAIL_STR)
		return "";
	return (const char *)rec->data + d->fixed;
}

void img_release(struct img *img)
{
	if (img->fd >= 0)
		close(img->fd);
	free(img->buf);
	img->fd = -1;
	img->buf = NULL;
	img->size = 0;
	img->pos = 0;
}

int img_pages_create(int dirfd, uint32_t kind, int pid, struct img *img)
{
	struct img_file_header hdr = file_header(kind);
	uint8_t page[IMG_PAGE_SIZE] = {0};
	int ret;

	memcpy(page, &hdr, sizeof(hdr));
	ret = img_init(img, kind, pid);
	if (!ret)
		ret = create_file(dirfd, img);
	if (!ret) {
		ret = write_all(img->fd, page, sizeof(page));
		if (ret)
			pr_err("%s: cannot write the header: %s", img->name, strerror(-ret));
	}
	if (ret)
		img_release(img);
	return ret;
}

/* The header page of pages-PID.img: a file header, zeros, then whole pages of data. */
static int check_pages_file(const struct img *img, const uint8_t *page, size_t got, size_t size)
{
	int ret = check_header(img, page, got);

	if (ret)
		return ret;
	if (got < IMG_PAGES_DATA_START) {
		pr_err("%s: truncated header page (%zu of %u bytes)", img->name, got,
		       IMG_PAGES_DATA_START);
		return -EINVAL;
	}
	if (!all_zero(page + sizeof(struct img_file_header),
		      IMG_PAGES_DATA_START - sizeof(struct img_file_header))) {
		pr_err("%s: header page padding is not zero", img->name);
		return -EINVAL;
	}
	if ((size - IMG_PAGES_DATA_START) % IMG_PAGE_SIZE) {
		pr_err("%s: %zu bytes of page data is not a whole number of pages", img->name,
		       size - IMG_PAGES_DATA_START);
		return -EINVAL;
	}
	return 0;
}

int img_pages_open(int dirfd, uint32_t kind, int pid, struct img *img, uint64_t *data_size)
{
	uint8_t page[IMG_PAGES_DATA_START];
	size_t size, got;
	int ret;

	ret = img_init(img, kind, pid);
	if (!ret)
		ret = open_file(dirfd, img, &size);
	if (ret)
		goto fail;
	/* Never more than size, which the checks below rely on. */
	got = size < sizeof(page) ? size : sizeof(page);
	ret = pread_all(img->fd, page, got, 0);
	if (ret) {
		pr_err("%s: cannot read the header: %s", img->name, strerror(-ret));
		goto fail;
	}
	ret = check_pages_file(img, page, got, size);
	if (ret)
		goto fail;
	*data_size = size - IMG_PAGES_DATA_START;
	return 0;
fail:
	img_release(img);
	return ret;
}
