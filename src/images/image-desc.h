/* SPDX-License-Identifier: MIT */
/*
 * Private to src/images/: the one description of every image kind and record type. The codec
 * checks records against it and `cryo show` prints them from it, so a new record type is one
 * entry in image-desc.c, not edits in two places.
 */
#ifndef CRYO_IMAGES_IMAGE_DESC_H
#define CRYO_IMAGES_IMAGE_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What follows the fixed part of a record. */
enum rec_tail {
	TAIL_NONE,
	TAIL_STR,	/* NUL-terminated string, the NUL being the last byte */
	TAIL_BYTES,	/* opaque bytes */
	TAIL_U64_PAIRS, /* (type, value) pairs of u64, the last one of type 0 */
	TAIL_U32S,	/* an array of u32 (ids) */
	TAIL_BPF,	/* classic BPF instructions: u16 code, u8 jt, u8 jf, u32 k */
	TAIL_CHARS,	/* bytes that are mostly text, NULs included (unix socket addresses) */
};

/* How `cryo show` prints a field of the fixed part. */
enum field_fmt {
	FMT_U32,   /* decimal number */
	FMT_I32,   /* signed decimal number */
	FMT_U64,   /* decimal number */
	FMT_HEX64, /* "0x..." string: addresses, masks, register values */
	FMT_CHARS, /* char array, up to its first NUL, as a string */
	FMT_IP6,   /* 16-byte address in network order, as an IPv6 address string */
	FMT_PAD,   /* not shown: listed so that the fields of a struct account for all its bytes */
};

struct rec_field {
	const char *name; /* NULL ends a field list */
	uint16_t offset;
	uint16_t count; /* > 1: an array of numbers, or the size of a char array */
	uint8_t width;	/* of one element: 4 or 8, 1 for a char */
	uint8_t fmt;	/* enum field_fmt */
};

struct rec_desc {
	const char *name; /* NULL: no such record type */
	uint32_t fixed;	  /* size of the fixed part */
	uint32_t min_len; /* payload length bounds, tail included */
	uint32_t max_len;
	uint8_t tail;	       /* enum rec_tail */
	const char *tail_name; /* the tail's key in `cryo show` */
	const struct rec_field *fields;
};

struct img_kind_desc {
	const char *name; /* also the file name prefix: "core" for core-PID.img */
	bool per_task;	  /* NAME-PID.img rather than NAME.img */
	bool raw_pages;	  /* a header page then page data, like pages-PID.img: no records */
};

/* NULL for an unknown type or kind. */
const struct rec_desc *rec_desc(uint32_t type);
const struct img_kind_desc *img_kind_desc(uint32_t kind);

/* Size on disk of a payload with its padding. */
static inline uint32_t rec_padded_len(uint32_t len)
{
	return (len + 7u) & ~7u;
}

#endif
