/* SPDX-License-Identifier: MIT */
/*
 * What the socket families share at dump. Each reads its socket through cryo's own copy of it
 * (grab_file), which the process does not see.
 */
#ifndef CRYO_DUMP_SOCKET_H
#define CRYO_DUMP_SOCKET_H

#include <stdint.h>

#include "common/inet-addr.h"
#include "dump/files.h"

/* getsockopt() of an int option; the error names the option, the fd and the process. */
int sock_get_u32(int sk, int level, int name, const char *what, const struct dump_fd *d,
		 uint32_t *val);
/* sockopts.c: the SOL_SOCKET options, as a sockopts record. */
int dump_sockopts(int sk, const struct dump_fd *d, struct img *img);
/* tcp-conn.c: an established connection from src to dst, in repair mode from now on. */
int dump_tcp_conn(int sk, const struct dump_fd *d, const struct inet_endpoint *src,
		  const struct inet_endpoint *dst, struct img *img);

#endif
