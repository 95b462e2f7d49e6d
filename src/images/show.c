// SPDX-License-Identifier: MIT
/*
 * `cryo show DIR`: every image of a directory, decoded to one JSON document. Records are printed
 * from the same description the codec checks them against (image-desc.c). The document is built
 * in memory and written only when every image decoded, so a corrupted image gives the codec's
 * error and no half document.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "image-desc.h"
#include "image.h"

/* Length of the valid UTF-8 sequence at s, of at most n bytes; 0 if there is none. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	static const struct {
		uint8_t mask, lead;
		uint8_t len;
		uint32_t min;
	} forms[] = {{0xe0, 0xc0, 2, 0x80}, {0xf0, 0xe0, 3, 0x800}, {0xf8, 0xf0, 4, 0x10000}};
	uint32_t cp;
	size_t f, i;

	if (s[0] < 0x80)
		return 1;
	for (f = 0; f < ARRAY_SIZE(forms); f++)
		if ((s[0] & forms[f].mask) == forms[f].lead)
			break;
	if (f == ARRAY_SIZE(forms) || forms[f].len > n)
		return 0;
	cp = s[0] & ~forms[f].mask;
	for (i = 1; i < forms[f].len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past Unicode are not UTF-8. */
	if (cp < forms[f].min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return forms[f].len;
}

/* A JSON string of n bytes: valid UTF-8 as it is, other bytes and controls as \u00XX. */
static void show_str(FILE *out, const void *s, size_t n)
{
	const uint8_t *p = s;

	fputc('"', out);
	while (n) {
		size_t len = utf8_len(p, n);

		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || !len)
			fprintf(out, "\\u%04x", *p);
		else
			fwrite(p, 1, len, out);
		if (!len)
			len = 1;
		p += len;
		n -= len;
	}
	fputc('"', out);
}

static void show_number(FILE *out, uint8_t fmt, const uint8_t *p)
{
	char addr[INET6_ADDRSTRLEN];
	uint32_t u32;
	int32_t i32;
	uint64_t u64;

	switch (fmt) {
	case FMT_U32:
		memcpy(&u32, p, sizeof(u32));
		fprintf(out, "%" PRIu32, u32);
		break;
	case FMT_I32:
		memcpy(&i32, p, sizeof(i32));
		fprintf(out, "%" PRId32, i32);
		break;
	case FMT_U64:
		memcpy(&u64, p, sizeof(u64));
		fprintf(out, "%" PRIu64, u64);
		break;
	case FMT_HEX64:
		memcpy(&u64, p, sizeof(u64));
		fprintf(out, "\"0x%" PRIx64 "\"", u64);
		break;
	case FMT_IP6:
		inet_ntop(AF_INET6, p, addr, sizeof(addr));
		fprintf(out, "\"%s\"", addr);
		break;
	}
}

static void show_field(FILE *out, const struct rec_field *f, const uint8_t *fixed)
{
	const uint8_t *p = fixed + f->offset;
	unsigned int i;

	fprintf(out, ", \"%s\": ", f->name);
	if (f->fmt == FMT_CHARS) {
		show_str(out, p, strnlen((const char *)p, f->count));
		return;
	}
	if (f->count > 1)
		fputc('[', out);
	for (i = 0; i < f->count; i++) {
		if (i)
			fputs(", ", out);
		show_number(out, f->fmt, p + i * f->width);
	}
	if (f->count > 1)
		fputc(']', out);
}

static void show_hex(FILE *out, const uint8_t *p, size_t n)
{
	fputc('"', out);
	while (n--)
		fprintf(out, "%02x", *p++);
	fputc('"', out);
}

static void show_u32s(FILE *out, const uint8_t *p, size_t n)
{
	uint32_t v;
	size_t i;

	fputc('[', out);
	for (i = 0; i < n / sizeof(v); i++) {
		memcpy(&v, p + i * sizeof(v), sizeof(v));
		fprintf(out, "%s%" PRIu32, i ? ", " : "", v);
	}
	fputc(']', out);
}

static void show_pairs(FILE *out, const uint8_t *p, size_t n)
{
	uint64_t pair[2];
	size_t i;

	fputc('[', out);
	for (i = 0; i < n / sizeof(pair); i++) {
		memcpy(pair, p + i * sizeof(pair), sizeof(pair));
		fprintf(out, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "", pair[0], pair[1]);
	}
	fputc(']', out);
}

/* A BPF program as an array of [code, jt, jf, k]. */
static void show_bpf(FILE *out, const uint8_t *p, size_t n)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < n / REC_BPF_INSN_SIZE; i++, p += REC_BPF_INSN_SIZE) {
		uint16_t code;
		uint32_t k;

		memcpy(&code, p, sizeof(code));
		memcpy(&k, p + 4, sizeof(k));
		fprintf(out, "%s[%" PRIu16 ", %u, %u, %" PRIu32 "]", i ? ", " : "", code, p[2],
			p[3], k);
	}
	fputc(']', out);
}

/* One record, already checked by img_next(), as a JSON object. */
static void show_record(FILE *out, const struct img_rec *rec)
{
	const struct rec_desc *d = rec_desc(rec->type);
	const uint8_t *tail = (const uint8_t *)rec->data + d->fixed;
	size_t tail_len = rec->len - d->fixed;
	const struct rec_field *f;

	fprintf(out, "    {\"type\": \"%s\"", d->name);
	for (f = d->fields; f && f->name; f++)
		if (f->fmt != FMT_PAD)
			show_field(out, f, rec->data);
	if (d->tail != TAIL_NONE)
		fprintf(out, ", \"%s\": ", d->tail_name);
	if (d->tail == TAIL_STR)
		show_str(out, tail, tail_len - 1);
	else if (d->tail == TAIL_CHARS)
		show_str(out, tail, tail_len);
	else if (d->tail == TAIL_BYTES)
		show_hex(out, tail, tail_len);
	else if (d->tail == TAIL_U64_PAIRS)
		show_pairs(out, tail, tail_len);
	else if (d->tail == TAIL_U32S)
		show_u32s(out, tail, tail_len);
	else if (d->tail == TAIL_BPF)
		show_bpf(out, tail, tail_len);
	fputc('}', out);
}

static void show_image_start(FILE *out, const struct img *img)
{
	fputs("{\"file\": ", out);
	show_str(out, img->name, strlen(img->name));
	fprintf(out, ", \"kind\": \"%s\"", img_kind_desc(img->kind)->name);
}

static int show_records(FILE *out, int dirfd, uint32_t kind, int pid)
{
	struct img_file_header hdr;
	struct img_rec rec;
	struct img img;
	int ret, nr = 0;

	ret = img_open(dirfd, kind, pid, &img);
	if (ret)
		return ret;
	/* img_open() checked the header at the start of the buffer; show its version. */
	memcpy(&hdr, img.buf, sizeof(hdr));
	show_image_start(out, &img);
	fprintf(out, ", \"version\": %" PRIu32 ", \"records\": [", hdr.version);
	while ((ret = img_next(&img, &rec)) > 0) {
		fputs(nr++ ? ",\n" : "\n", out);
		show_record(out, &rec);
	}
	fputs("\n  ]}", out);
	img_release(&img);
	return ret;
}

static int show_pages(FILE *out, int dirfd, uint32_t kind, int pid)
{
	uint64_t data_size;
	struct img img;
	int ret;

	ret = img_pages_open(dirfd, kind, pid, &img, &data_size);
	if (ret)
		return ret;
	show_image_start(out, &img);
	fprintf(out, ", \"data_bytes\": %" PRIu64 "}", data_size);
	img_release(&img);
	return 0;
}

/* The kind and pid a file name stands for, if it is the name cryo gives an image. */
static int parse_name(const char *name, uint32_t *kind, int *pid)
{
	char canonical[sizeof(((struct img *)0)->name)];
	uint32_t k;

	for (k = 0; k < IMG_KIND_MAX; k++) {
		const struct img_kind_desc *d = img_kind_desc(k);
		size_t n = d ? strlen(d->name) : 0;
		long v = 0;

		if (!d || strncmp(name, d->name, n))
			continue;
		if (d->per_task) {
			v = name[n] == '-' ? strtol(name + n + 1, NULL, 10) : 0;
			if (v <= 0 || v > INT_MAX)
				continue;
		}
		/* Whatever strtol() skipped or accepted, only the exact name is an image. */
		if (!img_name(canonical, sizeof(canonical), k, v) && !strcmp(canonical, name)) {
			*kind = k;
			*pid = v;
			return 0;
		}
	}
	pr_err("%s: not the name of a cryo image", name);
	return -EINVAL;
}

static int show_file(FILE *out, int dirfd, const char *name)
{
	uint32_t kind;
	int pid, ret;

	ret = parse_name(name, &kind, &pid);
	if (ret)
		return ret;
	if (img_kind_desc(kind)->raw_pages)
		return show_pages(out, dirfd, kind, pid);
	return show_records(out, dirfd, kind, pid);
}

/* The whole document, in a malloc'd *text of *len bytes. */
static int show_all(int dirfd, struct dirent **files, int n, char **text, size_t *len)
{
	FILE *out = open_memstream(text, len);
	int i, ret = 0;
	bool failed;

	if (!out)
		return pr_perror("cannot open a memory stream");
	fputs("{\"images\": [", out);
	for (i = 0; i < n && !ret; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		ret = show_file(out, dirfd, files[i]->d_name);
	}
	fputs("\n]}\n", out);
	failed = ferror(out);
	if (fclose(out) || failed) {
		pr_err("no memory for the JSON document");
		ret = ret ? ret : -ENOMEM;
	}
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

static int is_image_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".img");
}

/* strcmp, not the locale's collation: the same directory always gives the same document. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int img_show_dir(const char *dir, int out_fd)
{
	struct dirent **files;
	char *text = NULL;
	size_t len = 0;
	int i, n, dirfd, ret;

	n = scandir(dir, &files, is_image_file, by_name);
	if (n < 0)
		return pr_perror("%s: cannot list the directory", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		ret = pr_perror("%s: cannot open the directory", dir);
	else
		ret = show_all(dirfd, files, n, &text, &len);
	if (!ret) {
		ret = write_all(out_fd, text, len);
		if (ret)
			pr_err("cannot write the JSON document: %s", strerror(-ret));
	}
	free(text);
	if (dirfd >= 0)
		close(dirfd);
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return ret;
}
