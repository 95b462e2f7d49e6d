// SPDX-License-Identifier: MIT
/*
 * Seccomp at dump. A thread's mode is the "Seccomp:" line of its /proc status; its filters are
 * read through ptrace, each with its flags (PTRACE_SECCOMP_GET_METADATA), in install order: index
 * 0 of PTRACE_SECCOMP_GET_FILTER is the oldest filter (ptrace(2) says the newest, but the flags
 * read and the errno that wins after a restore say the kernel counts from the oldest).
 *
 * A filter would judge the parasite's system calls too, and strict mode would kill it at its
 * first one: a thread under seccomp is traced with PTRACE_O_SUSPEND_SECCOMP, which lets its
 * system calls through for as long as cryo traces it.
 *
 * Threads created after a filter was installed share it. The filters every thread of the process
 * has, oldest first, are written once in core-PID.img; the leader installs them again before it
 * creates the other threads, which share them as they did. What a thread installed on top of
 * them goes in its own thread-TID.img.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "common/log.h"
#include "dump/dump.h"
#include "images/image.h"

/* The kernel's limit of instructions on a thread's whole chain, each filter counting 4 more. */
#define CHAIN_MAX_INSNS 32768

static int thread_mode(pid_t tid, uint32_t *mode)
{
	struct proc_status st;
	int ret = proc_parse_status(tid, &st);

	if (ret)
		return ret;
	if (st.seccomp < 0 || st.seccomp > SECCOMP_MODE_FILTER) {
		pr_err("thread %d: unknown seccomp mode %d", tid, st.seccomp);
		return -EINVAL;
	}
	*mode = st.seccomp;
	return 0;
}

int seccomp_suspend(pid_t tid)
{
	uint32_t mode;
	int ret = thread_mode(tid, &mode);

	if (ret || mode == SECCOMP_MODE_DISABLED)
		return ret;
	if (ptrace(PTRACE_SETOPTIONS, tid, NULL, (void *)PTRACE_O_SUSPEND_SECCOMP))
		return pr_perror("thread %d runs under seccomp and cryo cannot suspend it "
				 "(cryo needs CAP_SYS_ADMIN and no seccomp of its own)",
				 tid);
	return 0;
}

/* The kernel reports the LOG flag only, today: another one may mean what cryo cannot restore. */
static int refuse_flags(pid_t tid, unsigned long index, uint64_t flags)
{
	pr_err("seccomp filter %lu of thread %d has flags %#llx: not supported yet", index, tid,
	       (unsigned long long)flags);
	return -ENOTSUP;
}

/* The filter at index (0: the oldest) into f; 1 when there is none (the chain ends). */
static int read_filter(pid_t tid, unsigned long index, struct dump_filter *f)
{
	struct __ptrace_seccomp_metadata md = {.filter_off = index};
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, NULL);
	int ret = 0;

	if (n < 0 && errno == ENOENT)
		return 1;
	if (n <= 0)
		return pr_perror("cannot read seccomp filter %lu of thread %d", index, tid);
	if (n > REC_BPF_MAX_INSNS) {
		pr_err("seccomp filter %lu of thread %d has %ld instructions", index, tid, n);
		return -EINVAL;
	}
	f->insns = calloc(n, sizeof(struct sock_filter));
	if (!f->insns)
		return -ENOMEM;
	f->nr_insns = n;
	if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, f->insns) != n)
		ret = pr_perror("cannot read seccomp filter %lu of thread %d", index, tid);
	else if (ptrace(PTRACE_SECCOMP_GET_METADATA, tid, (void *)sizeof(md), &md) < 0)
		ret = pr_perror("cannot read the flags of seccomp filter %lu of thread %d", index,
				tid);
	else if (md.flags & ~(uint64_t)SECCOMP_FILTER_FLAG_LOG)
		ret = refuse_flags(tid, index, md.flags);
	f->flags = md.flags;
	if (ret) {
		free(f->insns);
		f->insns = NULL;
	}
	return ret;
}

/* Every filter of the thread, the oldest first. */
static int read_chain(pid_t tid, struct dump_seccomp *sc)
{
	size_t insns = 0;
	int ret;

	for (;;) {
		struct dump_filter *grown;

		if (insns > CHAIN_MAX_INSNS) {
			pr_err("thread %d: seccomp filters longer than the kernel allows", tid);
			return -EINVAL;
		}
		grown = realloc(sc->filters, (sc->nr + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sc->filters = grown;
		ret = read_filter(tid, sc->nr, &grown[sc->nr]);
		if (ret)
			break;
		insns += grown[sc->nr].nr_insns + 4;
		sc->nr++;
	}
	if (ret < 0)
		return ret;
	if (!sc->nr) {
		pr_err("thread %d is in seccomp filter mode without a filter", tid);
		return -EINVAL;
	}
	return 0;
}

static int same_filter(const struct dump_filter *a, const struct dump_filter *b)
{
	return a->flags == b->flags && a->nr_insns == b->nr_insns &&
	       !memcmp(a->insns, b->insns, a->nr_insns * sizeof(struct sock_filter));
}

/* How many filters, from the oldest, every thread has. */
static size_t shared_filters(const struct dump_task *t)
{
	const struct dump_seccomp *leader = &t->threads[0].seccomp;
	size_t nr = leader->nr, i, j;

	for (i = 1; i < t->nr_threads; i++) {
		const struct dump_seccomp *sc = &t->threads[i].seccomp;

		for (j = 0;
		     j < nr && j < sc->nr && same_filter(&leader->filters[j], &sc->filters[j]); j++)
			;
		nr = j;
	}
	return nr;
}

int collect_seccomp(struct dump_task *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < t->nr_threads && !ret; i++) {
		struct dump_thread *th = &t->threads[i];

		ret = thread_mode(th->tid, &th->seccomp.mode);
		if (!ret && th->seccomp.mode == SECCOMP_MODE_FILTER)
			ret = read_chain(th->tid, &th->seccomp);
	}
	if (!ret)
		t->nr_shared_filters = shared_filters(t);
	return ret;
}

static int write_filters(struct img *img, const struct dump_filter *f, size_t nr)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < nr && !ret; i++) {
		struct rec_seccomp_filter rec = {.flags = f[i].flags};

		ret = img_write_tail(img, REC_SECCOMP_FILTER, &rec, sizeof(rec), f[i].insns,
				     f[i].nr_insns * sizeof(struct sock_filter));
	}
	return ret;
}

int dump_seccomp_shared(struct img *core, const struct dump_task *t)
{
	return write_filters(core, t->threads[0].seccomp.filters, t->nr_shared_filters);
}

int dump_seccomp_thread(struct img *img, const struct dump_task *t, const struct dump_thread *th)
{
	struct rec_seccomp rec = {.mode = th->seccomp.mode};
	int ret;

	ret = img_write(img, REC_SECCOMP, &rec, sizeof(rec));
	if (ret || th->seccomp.mode != SECCOMP_MODE_FILTER)
		return ret;
	return write_filters(img, th->seccomp.filters + t->nr_shared_filters,
			     th->seccomp.nr - t->nr_shared_filters);
}

void free_seccomp(struct dump_seccomp *sc)
{
	size_t i;

	for (i = 0; i < sc->nr; i++)
		free(sc->filters[i].insns);
	free(sc->filters);
	sc->filters = NULL;
	sc->nr = 0;
}
