/* SPDX-License-Identifier: MIT */
/* What dump and restore both do to a pty. */
#ifndef CRYO_COMMON_PTY_H
#define CRYO_COMMON_PTY_H

#include <stddef.h>

struct termios2;

/*
 * Put len bytes where the master reads what its slave side wrote, as they are: written through
 * a slave of cryo's own with output processing off (OPOST), then the settings t again.
 */
int pty_refill(int master, const struct termios2 *t, const void *buf, size_t len);

#endif
