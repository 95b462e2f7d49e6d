// SPDX-License-Identifier: MIT
#include "blob-lib.h"
#include "syscall.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

static size_t append_str(char *buf, size_t pos, size_t size, const char *s)
{
	while (*s && pos < size)
		buf[pos++] = *s++;
	return pos;
}

static size_t append_long(char *buf, size_t pos, size_t size, long v)
{
	char digits[24];
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	int n = 0;

	do {
		digits[n++] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0 && pos < size)
		buf[pos++] = '-';
	while (n && pos < size)
		buf[pos++] = digits[--n];
	return pos;
}

void blob_report(int fd, const char *msg, long number)
{
	char line[160];
	size_t pos = 0;

	pos = append_str(line, pos, sizeof(line) - 1, "Error: restorer: ");
	pos = append_str(line, pos, sizeof(line) - 1, msg);
	pos = append_str(line, pos, sizeof(line) - 1, " (");
	pos = append_long(line, pos, sizeof(line) - 1, number);
	pos = append_str(line, pos, sizeof(line) - 1, ")");
	line[pos++] = '\n';
	sys_call3(__NR_write, fd, line, pos);
}
