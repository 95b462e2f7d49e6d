// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/vma.h"
#include "images/records.h"

static const struct {
	const char *name;
	uint32_t kind;
} special_vmas[] = {
	{"[vdso]", VMA_VDSO},
	{"[vvar]", VMA_VVAR},
	{"[vvar_vclock]", VMA_VVAR_VCLOCK},
};

static const struct {
	uint32_t proc;
	uint32_t rec;
} vma_flags[] = {
	{PVMF_GROWSDOWN, VMAF_GROWSDOWN},   {PVMF_DONTFORK, VMAF_DONTFORK},
	{PVMF_DONTDUMP, VMAF_DONTDUMP},	    {PVMF_WIPEONFORK, VMAF_WIPEONFORK},
	{PVMF_HUGEPAGE, VMAF_HUGEPAGE},	    {PVMF_NOHUGEPAGE, VMAF_NOHUGEPAGE},
	{PVMF_MERGEABLE, VMAF_MERGEABLE},   {PVMF_RANDOM, VMAF_RANDOM},
	{PVMF_SEQUENTIAL, VMAF_SEQUENTIAL}, {PVMF_LOCKED, VMAF_LOCKED},
    {PVMF_MAYWRITE, VMAF_MAYWRITE},
};

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

int is_memfd_path(const char *path)
{
	return !strncmp(path, MEMFD_PREFIX, strlen(MEMFD_PREFIX)) &&
	       ends_with(path, DELETED_SUFFIX);
}

static int unsupported(const struct proc_vma *v, pid_t pid, const char *why)
{
	pr_err("VMA %lx-%lx (%s) of %d %s: not supported yet", (unsigned long)v->start,
	       (unsigned long)v->end, v->name[0] ? v->name : "anonymous", pid, why);
	return -ENOTSUP;
}

int vma_kind(const struct proc_vma *v, pid_t pid, uint32_t *kind)
{
	size_t i;

	if (!strcmp(v->name, "[vsyscall]"))
		return VMA_SKIP;
	for (i = 0; i < ARRAY_SIZE(special_vmas); i++) {
		if (!strcmp(v->name, special_vmas[i].name)) {
			*kind = special_vmas[i].kind;
			return VMA_KEEP;
		}
	}
	if (v->vmflags & (PVMF_IO | PVMF_PFNMAP))
		return unsupported(v, pid, "maps device memory");
	if (!v->name[0] || v->name[0] == '[' || !strcmp(v->name, "/dev/zero (deleted)")) {
		*kind = v->shared ? VMA_ANON_SHARED : VMA_ANON_PRIVATE;
		return VMA_KEEP;
	}
	if (is_memfd_path(v->name)) {
		*kind = v->shared ? VMA_MEMFD_SHARED : VMA_MEMFD_PRIVATE;
		return VMA_KEEP;
	}
	if (!strncmp(v->name, "/SYSV", 5) && ends_with(v->name, DELETED_SUFFIX))
		return unsupported(v, pid, "is SysV shared memory (shmat)");
	if (ends_with(v->name, DELETED_SUFFIX))
		return unsupported(v, pid, "maps a deleted file");
	if (v->name[0] != '/')
		return unsupported(v, pid, "is of an unknown kind");
	*kind = v->shared ? VMA_FILE_SHARED : VMA_FILE_PRIVATE;
	return VMA_KEEP;
}

uint32_t vma_rec_flags(uint32_t vmflags)
{
	uint32_t flags = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vma_flags); i++)
		if (vmflags & vma_flags[i].proc)
			flags |= vma_flags[i].rec;
	return flags;
}

const char *vma_path(const struct proc_vma *v)
{
	return v->name;
}

const struct proc_vma *vma_find_vdso(const struct proc_vma *vmas, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(vmas[i].name, "[vdso]"))
			return &vmas[i];
	return NULL;
}
