// SPDX-License-Identifier: MIT
/*
 * The restorer: the last code of cryo that a restored task runs. cryo's child prepared everything
 * it could from C (files, signal actions, memory premapped with its content in slots of the
 * bootstrap region); what remains would pull the ground from under cryo's own feet, so it happens
 * here, with nothing but system calls:
 *   park the kernel's special mappings, unmap everything of cryo, move each premapped VMA home
 *   with its protection, put the special mappings where the task had them, set the mm layout,
 *   rseq, rlimits, credentials, timers, and rt_sigreturn into the saved registers.
 * cryo traces the task: it catches the sigreturn, unmaps this region and lets the task go.
 */
#include <linux/mman.h>
#include <linux/prctl.h>

#include "blob-lib.h"
#include "blob.h"
#include "images/records.h"
#include "syscall.h"

#ifndef MREMAP_FIXED
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif

/* Each VMA flag cryo records and the madvise advice that sets it. */
static const struct {
	uint32_t flag;
	int advice;
} vma_advice[] = {
	{VMAF_DONTFORK, MADV_DONTFORK},	    {VMAF_DONTDUMP, MADV_DONTDUMP},
	{VMAF_WIPEONFORK, MADV_WIPEONFORK}, {VMAF_HUGEPAGE, MADV_HUGEPAGE},
	{VMAF_NOHUGEPAGE, MADV_NOHUGEPAGE}, {VMAF_MERGEABLE, MADV_MERGEABLE},
	{VMAF_RANDOM, MADV_RANDOM},	    {VMAF_SEQUENTIAL, MADV_SEQUENTIAL},
};

void restorer_main(struct restorer_args *args);
void restorer_sigreturn(uint64_t frame) __attribute__((noreturn));

static void __attribute__((noreturn)) fail(struct restorer_args *args, int step, const char *what,
					   long err)
{
	blob_report(args->log_fd, what, err);
	sys_call1(__NR_exit_group, 100 + step);
	__builtin_unreachable();
}

static long move(uint64_t from, uint64_t len, uint64_t to)
{
	long ret = sys_call5(__NR_mremap, from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);

	return ret == (long)to ? 0 : ret;
}

static void park_specials(struct restorer_args *args)
{
	uint32_t i;

	for (i = 0; i < args->nr_specials; i++) {
		struct restorer_special *s = &args->specials[i];
		long ret = move(s->now, s->len, s->slot);

		if (ret)
			fail(args, RST_PARK_SPECIAL, "cannot park a vDSO mapping", ret);
	}
}

/* Everything outside the bootstrap region is cryo's: the executable, libc, heap, stack. */
static void unmap_cryo(struct restorer_args *args)
{
	uint64_t end = args->bootstrap_start + args->bootstrap_len;
	long ret;

	ret = sys_call2(__NR_munmap, 0, args->bootstrap_start);
	if (!ret && end < args->task_size)
		ret = sys_call2(__NR_munmap, end, args->task_size - end);
	if (ret)
		fail(args, RST_UNMAP_CRYO, "cannot unmap cryo", ret);
}

static void apply_advice(struct restorer_args *args, const struct restorer_vma *v)
{
	uint32_t i;

	for (i = 0; i < sizeof(vma_advice) / sizeof(vma_advice[0]); i++) {
		long ret;

		if (!(v->flags & vma_advice[i].flag))
			continue;
		ret = sys_call3(__NR_madvise, v->start, v->end - v->start, vma_advice[i].advice);
		if (ret)
			fail(args, RST_MADVISE_VMA, "madvise failed", ret);
	}
}

static void place_vmas(struct restorer_args *args)
{
	const struct restorer_vma *vmas = (const struct restorer_vma *)args->vmas;
	uint32_t i;

	for (i = 0; i < args->nr_vmas; i++) {
		const struct restorer_vma *v = &vmas[i];
		long ret = move(v->premap, v->end - v->start, v->start);

		if (ret)
			fail(args, RST_MOVE_VMA, "cannot move a VMA home", ret);
		ret = sys_call3(__NR_mprotect, v->start, v->end - v->start, v->prot);
		if (ret)
			fail(args, RST_PROTECT_VMA, "cannot set a VMA's protection", ret);
		apply_advice(args, v);
		if (v->flags & VMAF_LOCKED)
			ret = sys_call2(__NR_mlock, v->start, v->end - v->start);
		if (ret)
			fail(args, RST_MADVISE_VMA, "cannot lock a VMA", ret);
	}
}

static void place_specials(struct restorer_args *args)
{
	uint32_t i;

	for (i = 0; i < args->nr_specials; i++) {
		struct restorer_special *s = &args->specials[i];
		long ret = move(s->slot, s->len, s->start);

		if (ret)
			fail(args, RST_PLACE_SPECIAL, "cannot place a vDSO mapping", ret);
	}
}

static void set_mm(struct restorer_args *args)
{
	long ret;

	args->mm.auxv = (uint64_t)args->auxv;
	ret = sys_call5(__NR_prctl, PR_SET_MM, PR_SET_MM_MAP, &args->mm, sizeof(args->mm), 0);
	if (ret)
		fail(args, RST_MM_MAP, "prctl(PR_SET_MM_MAP) failed", ret);
	sys_call1(__NR_close, args->mm.exe_fd);
}

static void set_rseq(struct restorer_args *args)
{
	long ret;

	if (!args->rseq_len)
		return;
	ret = sys_call4(__NR_rseq, args->rseq_addr, args->rseq_len, 0, args->rseq_sig);
	if (ret)
		fail(args, RST_RSEQ, "cannot register rseq", ret);
}

static void set_rlimits(struct restorer_args *args)
{
	int res;

	for (res = 0; res < BLOB_NR_RLIMITS; res++) {
		long ret = sys_call4(__NR_prlimit64, 0, res, &args->rlimits[res], 0);

		if (ret)
			fail(args, RST_RLIMIT, "cannot set an rlimit, resource", res);
	}
}

/* Last of the privileged steps: after setresuid the task may not be allowed anything else. */
static void set_creds(struct restorer_args *args)
{
	long ret;

	ret = sys_call2(__NR_setgroups, args->nr_groups, args->groups);
	if (!ret)
		ret = sys_call3(__NR_setresgid, args->gid[0], args->gid[1], args->gid[2]);
	if (!ret)
		ret = sys_call3(__NR_setresuid, args->uid[0], args->uid[1], args->uid[2]);
	if (ret)
		fail(args, RST_CREDS, "cannot set credentials", ret);
}

static void set_itimers(struct restorer_args *args)
{
	int which;

	for (which = 0; which < BLOB_NR_ITIMERS; which++) {
		long ret = sys_call3(__NR_setitimer, which, &args->itimers[which], 0);

		if (ret)
			fail(args, RST_ITIMER, "cannot arm an itimer", ret);
	}
}

void restorer_main(struct restorer_args *args)
{
	long ret;

	park_specials(args);
	unmap_cryo(args);
	/* Before the VMAs get their protections: READ_IMPLIES_EXEC changes what mprotect sets. */
	ret = sys_call1(__NR_personality, args->personality);
	if (ret < 0)
		fail(args, RST_PERSONALITY, "cannot set the personality", ret);
	place_vmas(args);
	place_specials(args);
	set_mm(args);
	set_rseq(args);
	set_rlimits(args);
	set_creds(args);
	set_itimers(args);
	sys_call1(__NR_close, args->log_fd);
	restorer_sigreturn(args->sigframe);
}
