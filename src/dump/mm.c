// SPDX-License-Identifier: MIT
/* mm-PID.img: the address space layout (prctl_mm_map fields, auxv, exe) and every VMA. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/vma.h"
#include "images/image.h"

static int write_layout(struct img *img, const struct dump_task *t)
{
	const struct proc_stat *st = &t->stat;
	struct rec_mm rec = {
		.start_code = st->start_code,
		.end_code = st->end_code,
		.start_data = st->start_data,
		.end_data = st->end_data,
		.start_brk = st->start_brk,
		.brk = t->misc.brk,
		.start_stack = st->start_stack,
		.arg_start = st->arg_start,
		.arg_end = st->arg_end,
		.env_start = st->env_start,
		.env_end = st->env_end,
	};

	return img_write(img, REC_MM, &rec, sizeof(rec));
}

static int write_auxv(struct img *img, pid_t pid)
{
	char path[64], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	if (len > REC_AUXV_MAX || len % 16) {
		pr_err("%s: unexpected size %zu", path, len);
		free(buf);
		return -EINVAL;
	}
	ret = img_write(img, REC_AUXV, buf, len);
	free(buf);
	return ret;
}

static int write_vmas(struct img *img, const struct dump_task *t)
{
	size_t i;
	int ret;

	for (i = 0; i < t->nr_vmas; i++) {
		const struct proc_vma *v = &t->vmas[i];
		struct rec_vma rec = {
			.start = v->start,
			.end = v->end,
			.pgoff = v->pgoff,
			.prot = v->prot,
			.flags = vma_rec_flags(v->vmflags),
			.dev = makedev(v->dev_major, v->dev_minor),
			.ino = v->ino,
		};

		ret = vma_kind(v, t->pid, &rec.kind);
		if (ret < 0)
			return ret;
		if (ret == VMA_SKIP)
			continue;
		ret = img_write_str(img, REC_VMA, &rec, sizeof(rec), vma_path(v));
		if (ret)
			return ret;
	}
	return 0;
}

int dump_mm(struct dump_task *t)
{
	struct img img;
	int ret;

	ret = img_create(t->dirfd, IMG_KIND_MM, t->pid, &img);
	if (ret)
		return ret;
	ret = write_layout(&img, t);
	if (!ret)
		ret = write_auxv(&img, t->pid);
	if (!ret)
		ret = dump_proc_link(&img, t->pid, PATH_EXE, "exe");
	if (!ret)
		ret = write_vmas(&img, t);
	return img_finish(&img, ret);
}
