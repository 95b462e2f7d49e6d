/* SPDX-License-Identifier: MIT */
/* Small helpers both sides use. */
#ifndef CRYO_COMMON_UTIL_H
#define CRYO_COMMON_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* readlink of /proc/PID/<what> into buf, NUL-terminated; logs and fails on truncation. */
int proc_readlink(pid_t pid, const char *what, char *buf, size_t size);
/* cryo's own descriptor on the open file description of fd of pid (pidfd_getfd), or -errno. */
int grab_fd(pid_t pid, int fd);
/* Write all of buf, retrying short writes. */
int write_all(int fd, const void *buf, size_t len);
/*
 * Page data bypasses the page cache where the file system allows it (O_DIRECT): the device copies
 * it straight from or to where it belongs, instead of a second copy through fresh cache pages.
 * Elsewhere buffered I/O stays, only slower. Buffers, offsets and sizes must be page-aligned.
 */
void use_direct_io(int fd);
/* Read exactly len bytes at offset, or fail. */
int pread_all(int fd, void *buf, size_t len, off_t off);

#endif
