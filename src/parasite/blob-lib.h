/* SPDX-License-Identifier: MIT */
/* The little of a C library that the freestanding blobs need. */
#ifndef CRYO_PARASITE_BLOB_LIB_H
#define CRYO_PARASITE_BLOB_LIB_H

#include <stddef.h>

/* The compiler may emit calls to these even with -fno-builtin (struct copies). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Write "<prefix><message> (<number>)\n" to fd: the blobs' only way to explain a failure. */
void blob_report(int fd, const char *msg, long number);

#endif
