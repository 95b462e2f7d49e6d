// SPDX-License-Identifier: MIT
/* core-PID.img: identity, threads, signal actions and the small per-process settings. */
#include <limits.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "images/image.h"

static int write_task(struct img *img, const struct dump_task *t)
{
	struct rec_task rec = {
		.pid = t->pid,
		.ppid = t->stat.ppid,
		.pgid = t->stat.pgid,
		.sid = t->stat.sid,
		.umask = t->misc.umask,
		.personality = t->misc.personality,
	};

	memcpy(rec.uid, t->status.uid, sizeof(rec.uid));
	memcpy(rec.gid, t->status.gid, sizeof(rec.gid));
	memcpy(rec.comm, t->stat.comm, sizeof(rec.comm));
	return img_write(img, REC_TASK, &rec, sizeof(rec));
}

static int write_groups(struct img *img, const struct dump_task *t)
{
	return img_write(img, REC_GROUPS, t->status.groups,
			 t->status.nr_groups * sizeof(t->status.groups[0]));
}

static int write_creds(struct img *img, const struct dump_task *t)
{
	const struct proc_status *st = &t->status;
	struct rec_creds rec = {
		.cap_inh = st->cap_inh,
		.cap_prm = st->cap_prm,
		.cap_eff = st->cap_eff,
		.cap_bnd = st->cap_bnd,
		.cap_amb = st->cap_amb,
		.securebits = t->misc.securebits,
		.no_new_privs = st->no_new_privs,
		.dumpable = t->misc.dumpable,
	};

	return img_write(img, REC_CREDS, &rec, sizeof(rec));
}

static int write_tids(struct img *img, const struct dump_task *t)
{
	uint32_t tids[REC_TIDS_MAX];
	size_t i;

	if (t->nr_threads > REC_TIDS_MAX) {
		pr_err("process %d has %zu threads, cryo takes at most %u", t->pid, t->nr_threads,
		       REC_TIDS_MAX);
		return -E2BIG;
	}
	for (i = 0; i < t->nr_threads; i++)
		tids[i] = t->threads[i].tid;
	return img_write(img, REC_TIDS, tids, t->nr_threads * sizeof(tids[0]));
}

static int write_sigactions(struct img *img, const struct dump_task *t)
{
	int sig, ret;

	for (sig = 1; sig <= BLOB_NSIG; sig++) {
		const struct blob_sigaction *a = &t->sigactions[sig - 1];
		struct rec_sigaction rec = {
			.signo = sig,
			.handler = a->handler,
			.flags = a->flags,
			.restorer = a->restorer,
			.mask = a->mask,
		};

		if (sig == 9 || sig == 19) /* SIGKILL, SIGSTOP */
			continue;
		ret = img_write(img, REC_SIGACTION, &rec, sizeof(rec));
		if (ret)
			return ret;
	}
	return 0;
}

static int write_limits(struct img *img, const struct dump_task *t)
{
	int i, ret = 0;

	for (i = 0; i < BLOB_NR_ITIMERS && !ret; i++) {
		const struct blob_itimer *it = &t->misc.itimers[i];
		struct rec_itimer rec = {
			.which = i,
			.interval_us = it->interval_sec * 1000000 + it->interval_usec,
			.value_us = it->value_sec * 1000000 + it->value_usec,
		};

		ret = img_write(img, REC_ITIMER, &rec, sizeof(rec));
	}
	for (i = 0; i < BLOB_NR_RLIMITS && !ret; i++) {
		struct rec_rlimit rec = {
			.resource = i,
			.cur = t->misc.rlimits[i].cur,
			.max = t->misc.rlimits[i].max,
		};

		ret = img_write(img, REC_RLIMIT, &rec, sizeof(rec));
	}
	return ret;
}


/* A REC_PATH record of what /proc/PID/<what> links to (cwd, root, exe). */
int dump_proc_link(struct img *img, pid_t pid, uint32_t kind, const char *what)
{
	struct rec_path rec = {.kind = kind};
	char path[PATH_MAX];
	int ret;

	ret = proc_readlink(pid, what, path, sizeof(path));
	if (ret)
		return ret;
	return img_write_str(img, REC_PATH, &rec, sizeof(rec), path);
}

int dump_core(struct dump_task *t)
{
	struct img img;
	int ret;

	ret = img_create(t->dirfd, IMG_KIND_CORE, t->pid, &img);
	if (ret)
		return ret;
	ret = write_task(&img, t);
	if (!ret)
		ret = write_groups(&img, t);
	if (!ret)
		ret = write_creds(&img, t);
	if (!ret)
		ret = dump_seccomp_shared(&img, t);
	if (!ret)
		ret = write_tids(&img, t);
	if (!ret)
		ret = write_sigactions(&img, t);
	if (!ret)
		ret = write_limits(&img, t);
	if (!ret)
		ret = write_timers(&img, t);
	if (!ret)
		ret = dump_sigqueue(&img, t, t->pid, 1);
	if (!ret)
		ret = dump_proc_link(&img, t->pid, PATH_CWD, "cwd");
	if (!ret)
		ret = dump_proc_link(&img, t->pid, PATH_ROOT, "root");
	return img_finish(&img, ret);
}
