// SPDX-License-Identifier: MIT
/*
 * The restorer: the last code of cryo that a restored task runs. cryo's child prepared everything
 * it could from C (files, signal actions, memory premapped with its content in slots of the
 * bootstrap region); what remains would pull the ground from under cryo's own feet, so it happens
 * here, with nothing but system calls:
 *   park the kernel's special mappings, unmap everything of cryo, move each premapped VMA home
 *   with its protection, put the special mappings where the task had them, set the mm layout,
 *   rlimits, interval timers; install the seccomp filters every thread shares; clone the other
 *   threads with their own TIDs; create the POSIX timers, queue the pending signals; then each
 *   thread sets what is its own (rseq, robust list, clear_child_tid, name, seccomp, credentials)
 *   and rt_sigreturns into its saved registers. cryo traces every thread: it catches each
 *   sigreturn, unmaps this region and lets the task go.
 */
#include <linux/filter.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/signal.h>
#include <linux/time.h>

#include "blob-lib.h"
#include "blob.h"
#include "common/kernel-compat.h"
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
long restorer_clone_thread(struct clone_args *args, unsigned long size, void (*fn)(void *),
			   void *arg);

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


static void set_rlimits(struct restorer_args *args)
{
	int res;

	for (res = 0; res < BLOB_NR_RLIMITS; res++) {
		long ret = sys_call4(__NR_prlimit64, 0, res, &args->rlimits[res], 0);

		if (ret)
			fail(args, RST_RLIMIT, "cannot set an rlimit, resource", res);
	}
}

#define SECBIT_NO_SETUID_FIXUP (1u << 2)
#define CAPABILITY_VERSION_3 0x20080522

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* Capabilities outside the bounding set go first: dropping them needs CAP_SETPCAP. */
static long drop_bounding(const struct restorer_args *args)
{
	uint32_t cap;

	for (cap = 0; cap <= args->last_cap && cap < 64; cap++) {
		long ret;

		if (args->cap_bnd & (1ull << cap))
			continue;
		ret = sys_call2(__NR_prctl, PR_CAPBSET_DROP, cap);
		if (ret)
			return ret;
	}
	return 0;
}

static long set_caps(const struct restorer_args *args)
{
	struct cap_header hdr = {.version = CAPABILITY_VERSION_3};
	struct cap_data data[2] = {
		{args->cap_eff, args->cap_prm, args->cap_inh},
		{args->cap_eff >> 32, args->cap_prm >> 32, args->cap_inh >> 32},
	};
	uint32_t cap;
	long ret = sys_call2(__NR_capset, &hdr, data);

	for (cap = 0; !ret && cap <= args->last_cap && cap < 64; cap++)
		if (args->cap_amb & (1ull << cap))
			ret = sys_call5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return ret;
}

/*
 * Last of the privileged steps, in each thread: ids and privileges are per thread. While still
 * root: the bounding set, then the ids with the setuid fixup off (so that no capability is lost on
 * the way), then the task's securebits, capabilities, ambient set, no_new_privs and dumpable.
 */
static void set_creds(struct restorer_args *args)
{
	long ret;

	ret = sys_call2(__NR_prctl, PR_SET_SECUREBITS, args->securebits | SECBIT_NO_SETUID_FIXUP);
	if (!ret)
		ret = drop_bounding(args);
	if (!ret)
		ret = sys_call2(__NR_setgroups, args->nr_groups, args->groups);
	if (!ret)
		ret = sys_call3(__NR_setresgid, args->gid[0], args->gid[1], args->gid[2]);
	if (!ret)
		ret = sys_call3(__NR_setresuid, args->uid[0], args->uid[1], args->uid[2]);
	if (!ret)
		ret = sys_call2(__NR_prctl, PR_SET_SECUREBITS, args->securebits);
	if (!ret)
		ret = set_caps(args);
	if (!ret && args->no_new_privs)
		ret = sys_call5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (!ret && args->dumpable <= 1)
		ret = sys_call2(__NR_prctl, PR_SET_DUMPABLE, args->dumpable);
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

/*
 * Signals pending at dump are queued again, to this thread or to the process: every signal is
 * blocked until rt_sigreturn sets the task's mask, so they wait, in their order, as they did.
 */
static void queue_signals(struct restorer_args *args, const struct blob_siginfo *q, uint32_t nr,
			  long tid)
{
	uint32_t i;

	for (i = 0; i < nr; i++) {
		int signo = *(const int *)q[i].info; /* si_signo comes first */
		long ret;

		if (signo == 9 || signo == 19) /* SIGKILL, SIGSTOP: not to be queued again */
			continue;
		ret = tid ? sys_call4(__NR_rt_tgsigqueueinfo, sys_call0(__NR_getpid), tid, signo,
				      q[i].info)
			  : sys_call3(__NR_rt_sigqueueinfo, sys_call0(__NR_getpid), signo, q[i].info);
		if (ret)
			fail(args, RST_SIGQUEUE, "cannot queue a pending signal again", ret);
	}
}

/*
 * Seccomp filters, oldest first. While still root: CAP_SYS_ADMIN installs them without
 * no_new_privs. They filter nothing the restorer still does: cryo traces every thread with
 * PTRACE_O_SUSPEND_SECCOMP until it lets the task go.
 */
static void install_filters(struct restorer_args *args, uint64_t filters, uint32_t nr)
{
	const struct restorer_filter *f = (const struct restorer_filter *)filters;
	uint32_t i;

	for (i = 0; i < nr; i++) {
		struct sock_fprog prog = {
			.len = f[i].nr_insns,
			.filter = (struct sock_filter *)f[i].insns,
		};
		long ret = sys_call3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, f[i].flags, &prog);

		if (ret)
			fail(args, RST_SECCOMP, "cannot install a seccomp filter", ret);
	}
}

/* The thread's own filters, above the shared ones it inherited from the leader; or strict mode. */
static void set_seccomp(struct restorer_args *args, const struct restorer_thread *t)
{
	long ret;

	install_filters(args, t->filters, t->nr_filters);
	if (t->seccomp_mode != SECCOMP_MODE_STRICT)
		return;
	ret = sys_call3(__NR_seccomp, SECCOMP_SET_MODE_STRICT, 0, 0);
	if (ret)
		fail(args, RST_SECCOMP, "cannot enter seccomp strict mode", ret);
}

/* ---- POSIX timers ---------------------------------------------------------------------------- */

#define NSEC_PER_SEC 1000000000ll
#define MAX_STRAY_SIGNALS 8

/* Signals taken by rt_sigtimedwait that were not the one waited for: queued again after. */
struct strays {
	uint32_t nr;
	struct blob_siginfo info[MAX_STRAY_SIGNALS];
};

static void create_timers(struct restorer_args *args, const struct restorer_timer *timers)
{
	uint32_t i;
	long ret;

	ret = sys_call2(__NR_prctl, PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON);
	if (ret)
		fail(args, RST_TIMER, "cannot create timers with given IDs (prctl)", ret);
	for (i = 0; i < args->nr_timers; i++) {
		int id = timers[i].id; /* in this mode, the ID the timer is to have */

		ret = sys_call3(__NR_timer_create, timers[i].clock, &timers[i].event, &id);
		if (ret)
			fail(args, RST_TIMER, "cannot create a POSIX timer", ret);
	}
	sys_call2(__NR_prctl, PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_OFF);
}

/*
 * A timer's overrun count is set only when one of its signals is delivered: the kernel counts
 * the intervals by which the signal came late and arms the timer for the next one. So the timer
 * is armed, absolute, overrun + 1 intervals before it is due: it fires at once, and its signal
 * is taken here, which makes the kernel count the overruns and arm it where it was due. (On
 * CLOCK_REALTIME the timer then follows changes of the wall clock, as an absolute one does.)
 * Other signals taken meanwhile are kept in strays.
 */
static long replay_overrun(const struct restorer_timer *t, struct strays *strays)
{
	struct blob_itimerspec at = t->spec;
	struct {
		int64_t sec, nsec;
	} now, wait = {1, 0};
	uint64_t set = 1ull << (t->event.signo - 1);
	int64_t due;
	siginfo_t info;
	long ret = sys_call2(__NR_clock_gettime, t->clock, &now);

	if (ret)
		return ret;
	due = now.sec * NSEC_PER_SEC + now.nsec + t->spec.value_sec * NSEC_PER_SEC +
	      t->spec.value_nsec -
	      (t->overrun + 1ll) * (t->spec.interval_sec * NSEC_PER_SEC + t->spec.interval_nsec);
	at.value_sec = due / NSEC_PER_SEC;
	at.value_nsec = due % NSEC_PER_SEC;
	ret = sys_call4(__NR_timer_settime, t->id, TIMER_ABSTIME, &at, 0);
	while (!ret) {
		ret = sys_call4(__NR_rt_sigtimedwait, &set, &info, &wait, 8);
		if (ret < 0)
			return ret;
		if (info.si_code == SI_TIMER && info.si_tid == t->id)
			return 0;
		if (strays->nr == MAX_STRAY_SIGNALS)
			return -28; /* ENOSPC */
		memcpy(strays->info[strays->nr++].info, &info, sizeof(info));
		ret = 0;
	}
	return ret;
}

/*
 * Every timer is created with its own ID, once the threads it may signal exist, then armed with
 * the time it had left, relative, the overruns counted again where the dump saw some. Before
 * the pending signals are queued: no signal of theirs can be taken for a timer's.
 */
static void restore_timers(struct restorer_args *args)
{
	const struct restorer_timer *timers = (const struct restorer_timer *)args->timers;
	struct strays strays = {0};
	uint32_t i;

	if (!args->nr_timers)
		return;
	create_timers(args, timers);
	for (i = 0; i < args->nr_timers; i++) {
		const struct restorer_timer *t = &timers[i];
		long ret = 0;

		if (t->overrun)
			ret = replay_overrun(t, &strays);
		else if (t->spec.value_sec || t->spec.value_nsec)
			ret = sys_call4(__NR_timer_settime, t->id, 0, &t->spec, 0);
		if (ret)
			fail(args, RST_TIMER, "cannot arm a POSIX timer", ret);
	}
	queue_signals(args, strays.info, strays.nr, 0);
}

/* What each thread keeps of its own, set by the thread itself, then its saved registers. */
static void __attribute__((noreturn)) finish_thread(struct restorer_thread *t)
{
	struct restorer_args *args = (struct restorer_args *)t->args;
	long ret = 0;

	if (t->robust_list)
		ret = sys_call2(__NR_set_robust_list, t->robust_list, t->robust_len);
	if (ret)
		fail(args, RST_THREAD_STATE, "cannot set the robust futex list of thread", t->tid);
	sys_call1(__NR_set_tid_address, t->clear_tid);
	if (t->rseq_len)
		ret = sys_call4(__NR_rseq, t->rseq_addr, t->rseq_len, 0, t->rseq_sig);
	if (ret)
		fail(args, RST_RSEQ, "cannot register rseq", ret);
	ret = sys_call2(__NR_prctl, PR_SET_NAME, t->comm);
	if (ret)
		fail(args, RST_THREAD_STATE, "cannot set the name of thread", t->tid);
	queue_signals(args, (const struct blob_siginfo *)t->sigq, t->nr_sigq, t->tid);
	set_seccomp(args, t);
	set_creds(args);
	/* After the credentials: changing them clears it. */
	ret = sys_call2(__NR_prctl, PR_SET_PDEATHSIG, t->pdeathsig);
	if (ret)
		fail(args, RST_THREAD_STATE, "cannot set the parent death signal of thread", t->tid);
	restorer_sigreturn(t->sigframe);
}

static void thread_entry(void *arg)
{
	finish_thread(arg);
}

/* Before credentials are dropped: choosing a TID (set_tid) needs CAP_SYS_ADMIN. */
static void clone_threads(struct restorer_args *args)
{
	struct restorer_thread *threads = (struct restorer_thread *)args->threads;
	uint32_t i;

	for (i = 1; i < args->nr_threads; i++) {
		struct restorer_thread *t = &threads[i];
		struct clone_args ca = {
			.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				 CLONE_SYSVSEM,
			.stack = t->stack_top - RESTORER_THREAD_STACK,
			.stack_size = RESTORER_THREAD_STACK,
			.set_tid = (uint64_t)&t->tid,
			.set_tid_size = 1,
		};
		long ret = restorer_clone_thread(&ca, sizeof(ca), thread_entry, t);

		if (ret < 0)
			fail(args, RST_CLONE_THREAD, "cannot create a thread", ret);
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
	set_rlimits(args);
	set_itimers(args);
	/* Inherited by the threads cloned next: shared, as they were. */
	install_filters(args, args->filters, args->nr_filters);
	clone_threads(args);
	restore_timers(args);
	queue_signals(args, (const struct blob_siginfo *)args->sigq, args->nr_sigq, 0);
	/* The other threads' failures now only show in the exit status cryo reports. */
	sys_call1(__NR_close, args->log_fd);
	finish_thread((struct restorer_thread *)args->threads);
}
