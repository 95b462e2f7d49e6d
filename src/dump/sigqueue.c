// SPDX-License-Identifier: MIT
/*
 * Pending signals, read from outside with PTRACE_PEEKSIGINFO without dequeuing them: a thread's
 * own queue, or the process's shared one. Each becomes a REC_SIGINFO, in queue order.
 */
#include <errno.h>
#include <sys/ptrace.h>

#include "common/log.h"
#include "dump/dump.h"
#include "images/image.h"

#define PEEK_BATCH 32

int dump_sigqueue(struct img *img, pid_t tid, int shared)
{
	struct rec_siginfo batch[PEEK_BATCH];
	struct __ptrace_peeksiginfo_args arg = {
		.flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0,
		.nr = PEEK_BATCH,
	};
	long n, i;
	int ret = 0;

	do {
		n = ptrace(PTRACE_PEEKSIGINFO, tid, &arg, batch);
		if (n < 0)
			return pr_perror("cannot read the pending signals of %d", tid);
		for (i = 0; i < n && !ret; i++)
			ret = img_write(img, REC_SIGINFO, &batch[i], sizeof(batch[i]));
		arg.off += n;
	} while (!ret && n == PEEK_BATCH);
	return ret;
}
