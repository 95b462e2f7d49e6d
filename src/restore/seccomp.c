// SPDX-License-Identifier: MIT
/*
 * Seccomp at restore. The restorer installs the filters (src/parasite/restorer.c): the leader
 * those every thread had, before it creates the other threads, which so share them again as they
 * did; then each thread its own, oldest first, or strict mode. Each thread does so last, while
 * still root, right before its credentials: installing a filter needs CAP_SYS_ADMIN or
 * no_new_privs, and a task that dropped its capabilities without no_new_privs has neither.
 *
 * Nothing cryo does after that may be filtered: its restorer's last system calls (credentials,
 * rt_sigreturn), nor the clean-up cryo runs in the task as its tracer. So cryo traces the tree with
 * PTRACE_O_SUSPEND_SECCOMP: the filters take effect when cryo lets the tree go.
 *
 * Here, in cryo's child, the programs are copied into the bootstrap region, where the restorer
 * finds them once cryo is unmapped.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>

#include "restore/restore.h"

static size_t chain_size(const struct filter_chain *chain)
{
	size_t i, size = chain->nr * sizeof(struct restorer_filter);

	for (i = 0; i < chain->nr; i++)
		size += chain->filters[i].nr_insns * sizeof(struct sock_filter);
	return size;
}

size_t seccomp_area_size(const struct task_image *ti)
{
	size_t i, size = chain_size(&ti->filters);

	for (i = 0; i < ti->nr_threads; i++)
		size += chain_size(&ti->threads[i].filters);
	return size;
}

bool uses_seccomp(const struct task_image *ti)
{
	size_t i;

	for (i = 0; i < ti->nr_threads; i++)
		if (ti->threads[i].seccomp_mode != SECCOMP_MODE_DISABLED)
			return true;
	return false;
}

/* A chain copied to *at, its table then its programs; *at moves past it. */
static uint64_t place_chain(const struct filter_chain *chain, uint64_t *at, uint32_t *nr)
{
	struct restorer_filter *table = (struct restorer_filter *)*at;
	uint64_t insns = *at + chain->nr * sizeof(*table);
	size_t i;

	for (i = 0; i < chain->nr; i++) {
		const struct image_filter *f = &chain->filters[i];
		size_t len = f->nr_insns * sizeof(struct sock_filter);

		table[i] = (struct restorer_filter){
			.insns = insns,
			.nr_insns = f->nr_insns,
			.flags = f->flags,
		};
		memcpy((void *)insns, f->insns, len);
		insns += len;
	}
	*nr = chain->nr;
	*at = insns;
	return (uint64_t)table;
}

void place_seccomp(const struct task_image *ti, const struct bootstrap *bs,
		   struct restorer_args *args)
{
	struct restorer_thread *rt = (struct restorer_thread *)bs->threads;
	uint64_t at = bs->seccomp;
	size_t i;

	args->filters = place_chain(&ti->filters, &at, &args->nr_filters);
	for (i = 0; i < ti->nr_threads; i++) {
		rt[i].seccomp_mode = ti->threads[i].seccomp_mode;
		rt[i].filters = place_chain(&ti->threads[i].filters, &at, &rt[i].nr_filters);
	}
}
