/* SPDX-License-Identifier: MIT */
/*
 * The image codec: every image file is a header followed by typed, length-prefixed, checksummed
 * records (pages-PID.img excepted: a header page, then raw pages). A reader trusts nothing it
 * reads: every length, count and offset is checked, and a bad file gives -EINVAL (corrupted),
 * -EPROTO (written by a newer cryo) or -ENOENT (missing) with one logged line naming the file.
 */
#ifndef CRYO_IMAGES_IMAGE_H
#define CRYO_IMAGES_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"

/* On disk, first 16 bytes of every image file. */
struct img_file_header {
	uint32_t magic;	  /* IMG_MAGIC */
	uint32_t kind;	  /* enum img_kind */
	uint32_t version; /* IMG_VERSION */
	uint32_t flags;	  /* 0 */
};

/* On disk, before every record payload; payload follows, padded with zeros to 8 bytes. */
struct img_rec_header {
	uint32_t type;	   /* enum rec_type */
	uint32_t len;	   /* payload length in bytes, without padding */
	uint32_t crc;	   /* CRC-32 (IEEE) of type, len and payload */
	uint32_t reserved; /* 0 */
};

/* An open image file, for writing or reading. */
struct img {
	int fd;
	uint32_t kind;
	char name[64];
	/* reading: the whole file, checked record by record */
	uint8_t *buf;
	size_t size;
	size_t pos;
	uint32_t nr_records; /* written or read so far, for the end record */
};

/* A record handed out by img_next(): data points into the image buffer, 8-byte aligned. */
struct img_rec {
	uint32_t type;
	uint32_t len;
	const void *data;
};

/* The file name of an image kind for a task ("core-42.img"); pid is ignored for the inventory. */
int img_name(char *buf, size_t size, uint32_t kind, int pid);

/* Create (0600, refusing to follow a link) and write the header. */
int img_create(int dirfd, uint32_t kind, int pid, struct img *img);
int img_write(struct img *img, uint32_t type, const void *payload, uint32_t len);
/* Write a fixed struct followed by tail_len bytes of tail. */
int img_write_tail(struct img *img, uint32_t type, const void *fixed, uint32_t fixed_len,
		   const void *tail, size_t tail_len);
/* Write a fixed struct followed by a NUL-terminated string as its tail. */
int img_write_str(struct img *img, uint32_t type, const void *fixed, uint32_t fixed_len,
		  const char *str);
/* Add the end record, flush and close; reports a failed write (full disk) as an error. */
int img_close(struct img *img);
/* Close after writing, whatever happened: the first error of the writer's ret and the close. */
int img_finish(struct img *img, int ret);

/* Open, read whole, check the header. */
int img_open(int dirfd, uint32_t kind, int pid, struct img *img);
/*
 * 1 and *rec on a record, 0 at the end record (which it checks and does not hand out), negative
 * on a corrupted record or a file that ends without its end record (logged).
 */
int img_next(struct img *img, struct img_rec *rec);
/*
 * Check a record against what its type must be: known type, payload at least the fixed size of
 * the type and at most its maximum, a string tail NUL-terminated. Called by img_next().
 */
int img_check_record(const struct img *img, const struct img_rec *rec);
/* Size of the fixed part of a record type; 0 for an unknown type. */
uint32_t rec_fixed_size(uint32_t type);
/* The string tail of a record that has one ("" when the record has none). */
const char *rec_tail_str(const struct img_rec *rec);
void img_release(struct img *img);

/*
 * pages-PID.img (IMG_KIND_PAGES) and shmem-pages.img (IMG_KIND_SHMEM_PAGES): a header padded to
 * one page, then the runs of pagemap-PID.img (shmem.img) back to back.
 */
int img_pages_create(int dirfd, uint32_t kind, int pid, struct img *img);
int img_pages_open(int dirfd, uint32_t kind, int pid, struct img *img, uint64_t *data_size);
/* The file offset where page data starts. */
#define IMG_PAGES_DATA_START IMG_PAGE_SIZE

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

/* `cryo show DIR`: every image of the directory as one JSON document on fd. */
int img_show_dir(const char *dir, int out_fd);

#endif
