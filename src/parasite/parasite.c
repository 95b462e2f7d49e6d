// SPDX-License-Identifier: MIT
/*
 * The parasite: runs inside the dumped task, on a stack in the shared area cryo mapped there, with
 * every signal blocked. It collects what only the task itself can see and answers cryo's commands
 * over a unix socket. It changes nothing: each query that must set something (umask) sets it back.
 */
#include <linux/prctl.h>

#include "blob-lib.h"
#include "blob.h"
#include "syscall.h"

#define AF_UNIX 1
#define SOCK_SEQPACKET 5
#define SOCK_CLOEXEC 02000000

int parasite_main(struct parasite_args *args);
int parasite_thread(struct parasite_args *args);

static int dump_sigactions(struct parasite_args *args)
{
	int sig;

	for (sig = 1; sig <= BLOB_NSIG; sig++) {
		long ret;

		if (sig == 9 || sig == 19) /* SIGKILL, SIGSTOP: no action to read */
			continue;
		ret = sys_call4(__NR_rt_sigaction, sig, 0, &args->sigactions[sig - 1], 8);
		if (ret)
			return ret;
	}
	return 0;
}

static int dump_itimers(struct parasite_misc *misc)
{
	int which;

	for (which = 0; which < BLOB_NR_ITIMERS; which++) {
		long ret = sys_call2(__NR_getitimer, which, &misc->itimers[which]);

		if (ret)
			return ret;
	}
	return 0;
}

static int dump_misc(struct parasite_args *args)
{
	struct parasite_misc *misc = &args->misc;
	long ret;
	int res;

	ret = dump_itimers(misc);
	if (ret)
		return ret;
	/* From inside: prlimit on another process needs CAP_SYS_RESOURCE when uids differ. */
	for (res = 0; res < BLOB_NR_RLIMITS; res++) {
		ret = sys_call4(__NR_prlimit64, 0, res, 0, &misc->rlimits[res]);
		if (ret)
			return ret;
	}
	misc->umask = sys_call1(__NR_umask, 0);
	sys_call1(__NR_umask, misc->umask);
	misc->personality = sys_call1(__NR_personality, 0xffffffff);
	misc->brk = sys_call1(__NR_brk, 0);
	misc->securebits = sys_call1(__NR_prctl, PR_GET_SECUREBITS);
	misc->dumpable = sys_call1(__NR_prctl, PR_GET_DUMPABLE);
	return sys_call2(__NR_prctl, PR_GET_CHILD_SUBREAPER, &misc->child_subreaper);
}

/* Each timer of the batch cryo named: the time left, the interval and the last overrun count. */
static int dump_timers(struct parasite_timers *batch)
{
	uint32_t i;

	if (batch->nr > PARASITE_TIMER_BATCH)
		return -22; /* EINVAL */
	for (i = 0; i < batch->nr; i++) {
		struct parasite_timer *t = &batch->timers[i];
		long ret = sys_call2(__NR_timer_gettime, t->id, &t->spec);

		if (ret)
			return ret;
		ret = sys_call1(__NR_timer_getoverrun, t->id);
		if (ret < 0)
			return ret;
		t->overrun = ret;
	}
	return 0;
}

static int serve(int sk, struct parasite_args *args)
{
	for (;;) {
		uint32_t cmd;
		int32_t status;
		long n = sys_call6(__NR_recvfrom, sk, (long)&cmd, sizeof(cmd), 0, 0, 0);

		if (n != sizeof(cmd))
			return n < 0 ? n : -1; /* cryo went away: return and trap */
		switch (cmd) {
		case PARASITE_CMD_DUMP_SIGACTIONS:
			status = dump_sigactions(args);
			break;
		case PARASITE_CMD_DUMP_MISC:
			status = dump_misc(args);
			break;
		case PARASITE_CMD_DUMP_TIMERS:
			status = dump_timers(&args->timers);
			break;
		case PARASITE_CMD_FINI:
			status = 0;
			break;
		default:
			status = -22; /* EINVAL */
		}
		n = sys_call6(__NR_sendto, sk, (long)&status, sizeof(status), 0, 0, 0);
		if (n != sizeof(status))
			return n < 0 ? n : -1;
		if (cmd == PARASITE_CMD_FINI)
			return 0;
	}
}

int parasite_main(struct parasite_args *args)
{
	long sk, ret;

	sk = sys_call3(__NR_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return sk;
	ret = sys_call3(__NR_connect, sk, &args->sun_family, args->addr_len);
	if (!ret)
		ret = serve(sk, args);
	sys_call1(__NR_close, sk);
	return ret;
}

/* One thread's own state, in that thread; it then traps back to cryo (blob_thread_entry). */
int parasite_thread(struct parasite_args *args)
{
	long ret = sys_call2(__NR_sigaltstack, 0, &args->thread.altstack);

	if (!ret)
		ret = sys_call2(__NR_prctl, PR_GET_TID_ADDRESS, &args->thread.clear_tid);
	if (!ret)
		ret = sys_call2(__NR_prctl, PR_GET_PDEATHSIG, &args->thread.pdeathsig);
	return ret;
}
