/* SPDX-License-Identifier: MIT */
/* The receive queue of a unix socket, dumped without being consumed (unix-queue.c). */
#ifndef CRYO_DUMP_UNIX_QUEUE_H
#define CRYO_DUMP_UNIX_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "images/image.h"

/* What a receive queue held. */
struct unix_queue_size {
	size_t bytes;
	size_t msgs;
};

/*
 * Every message waiting in the receive queue of fd, cryo's copy of a unix socket of that type, as
 * unix_msg records in img, counted in *size; who names the socket in errors.
 */
int dump_unix_queue(int fd, uint8_t type, const char *who, struct img *img,
		    struct unix_queue_size *size);

#endif
