// SPDX-License-Identifier: MIT
/*
 * Pending signals, read from outside with PTRACE_PEEKSIGINFO without dequeuing them: a thread's
 * own queue, or the process's shared one. Each becomes a REC_SIGINFO, in queue order, but for
 * the signals of POSIX timers that the kernel would drop (see timer_signal_dropped()).
 */
#include <errno.h>
#include <sys/ptrace.h>

#include "common/log.h"
#include "dump/dump.h"
#include "images/image.h"

#define PEEK_BATCH 32

int dump_sigqueue(struct img *img, const struct dump_task *t, pid_t tid, int shared)
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
			if (!timer_signal_dropped(t, &batch[i]))
				ret = img_write(img, REC_SIGINFO, &batch[i], sizeof(batch[i]));
		arg.off += n;
	} while (!ret && n == PEEK_BATCH);
	return ret;
}
