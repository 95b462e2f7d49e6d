/* SPDX-License-Identifier: MIT */
/* What a VMA of /proc/PID/smaps is to cryo: its kind, its flags, its path. */
#ifndef CRYO_DUMP_VMA_H
#define CRYO_DUMP_VMA_H

#include <stdint.h>
#include <sys/types.h>

#include "dump/proc_parse.h"

enum { VMA_KEEP = 0, VMA_SKIP = 1 };

/* VMA_KEEP with *kind set, VMA_SKIP ([vsyscall]), or an error naming what cryo cannot dump. */
int vma_kind(const struct proc_vma *v, pid_t pid, uint32_t *kind);
uint32_t vma_rec_flags(uint32_t vmflags);
/* The path (or special name) recorded for the VMA. */
const char *vma_path(const struct proc_vma *v);
/*
 * How /proc names a memfd, in maps and in fd links: "/memfd:NAME (deleted)". (A deleted tmpfs
 * file of that very path looks the same, and is taken for a memfd.)
 */
#define MEMFD_PREFIX "/memfd:"
#define DELETED_SUFFIX " (deleted)"
int is_memfd_path(const char *path);

/* The [vdso] among vmas, or NULL. */
const struct proc_vma *vma_find_vdso(const struct proc_vma *vmas, size_t nr);

#endif
