// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "common/kernel-compat.h"
#include "common/util.h"

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

static int has_process_vm_readv(void)
{
	char src[8] = "cryo", dst[8] = {0};
	struct iovec l = {dst, sizeof(dst)}, r = {src, sizeof(src)};

	return process_vm_readv(getpid(), &l, 1, &r, 1, 0) == sizeof(src);
}

static int has_pagemap_scan(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	struct page_region region;
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (uintptr_t)page,
		.end = (uintptr_t)page + sizeof(page),
		.vec = (uintptr_t)&region,
		.vec_len = 1,
		.category_anyof_mask = PAGE_IS_PRESENT,
	};
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = ioctl(fd, PAGEMAP_SCAN, &arg) >= 0;
	close(fd);
	return ok;
}

/* Asking for our own PID: EEXIST means the kernel understood set_tid. */
static int has_clone3_set_tid(void)
{
	pid_t self = getpid();
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&self,
		.set_tid_size = 1,
	};
	long ret = syscall(SYS_clone3, &args, sizeof(args));

	if (ret == 0)
		_exit(0);
	if (ret > 0)
		waitpid(ret, NULL, 0);
	return ret < 0 && errno == EEXIST;
}

static int has_prctl_mm_map(void)
{
	unsigned int size = 0;

	return prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &size, 0, 0) == 0 && size > 0;
}

static int has_kcmp(void)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0) >= 0;
}

/* A registration compared with itself (dump of epoll instances). */
static int has_kcmp_epoll(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), ev = eventfd(0, EFD_CLOEXEC), ok;
	struct epoll_event e = {.events = EPOLLIN};
	struct kcmp_epoll_slot slot = {.efd = ep, .tfd = ev};

	ok = ep >= 0 && ev >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) &&
	     syscall(SYS_kcmp, getpid(), getpid(), KCMP_EPOLL_TFD, ev, &slot) == 0;
	close(ep);
	close(ev);
	return ok;
}

/* cryo's own descriptor on a target's open file description (dump of anonymous-inode files). */
static int has_pidfd_getfd(void)
{
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0), fd;

	if (pidfd < 0)
		return 0;
	fd = syscall(SYS_pidfd_getfd, pidfd, pidfd, 0);
	close(pidfd);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Setting 0 expirations is refused (EINVAL) where the ioctl exists (CONFIG_CHECKPOINT_RESTORE). */
static int has_timerfd_set_ticks(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), ok;
	uint64_t zero = 0;

	ok = fd >= 0 && ioctl(fd, TFD_IOC_SET_TICKS, &zero) < 0 && errno == EINVAL;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int has_map_files(void)
{
	return access("/proc/self/map_files", R_OK) == 0;
}

static int has_userfaultfd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Linux 6.15: POSIX timers created with the IDs they had. */
static int has_timer_restore_ids(void)
{
	return prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET, 0, 0, 0) >= 0;
}

/* Established TCP connections are dumped and restored in repair mode (CAP_NET_ADMIN). */
static int has_tcp_repair(void)
{
	int sk = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1, ok;

	if (sk < 0)
		return 0;
	ok = setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) == 0;
	close(sk);
	return ok;
}

/* unix_diag answers a dump request (its first message is a socket, or the end of none). */
static int has_unix_diag(void)
{
	struct {
		struct nlmsghdr hdr;
		struct unix_diag_req req;
	} msg = {
	    .hdr = {.nlmsg_len = sizeof(msg),
		    .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	    .req = {.sdiag_family = AF_UNIX, .udiag_states = ~0u},
	};
	struct nlmsghdr answer[64];
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), ok;

	if (nl < 0)
		return 0;
	ok = send(nl, &msg, sizeof(msg), 0) == sizeof(msg) &&
	     recv(nl, answer, sizeof(answer), 0) > 0 && answer[0].nlmsg_type != NLMSG_ERROR;
	close(nl);
	return ok;
}

static int has_vdso(void)
{
	return getauxval(AT_SYSINFO_EHDR) != 0;
}

/* PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_GETSIGMASK and the rseq query on a real child. */
static int has_ptrace_features(void)
{
	uint64_t mask;
	uint8_t rseq[24];
	int status, ok;
	pid_t child = fork();

	if (child == 0) {
		pause();
		_exit(0);
	}
	if (child < 0)
		return 0;
	ok = ptrace(PTRACE_SEIZE, child, NULL, NULL) == 0 &&
	     ptrace(PTRACE_INTERRUPT, child, NULL, NULL) == 0 &&
	     waitpid(child, &status, __WALL) == child && status >> 16 == PTRACE_EVENT_STOP &&
	     ptrace(PTRACE_GETSIGMASK, child, (void *)sizeof(mask), &mask) == 0 &&
	     ptrace(PTRACE_GET_RSEQ_CONFIGURATION, child, (void *)sizeof(rseq), rseq) > 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, __WALL);
	return ok;
}

/* A child with a seccomp filter: traced with it suspended, its filter and flags read back. */
static int has_ptrace_seccomp(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	struct __ptrace_seccomp_metadata md = {0};
	int sync[2], status, ok;
	pid_t child;
	char c;

	if (pipe2(sync, O_CLOEXEC))
		return 0;
	child = fork();
	if (child == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ||
		    write(sync[1], "s", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	ok = child > 0 && read(sync[0], &c, 1) == 1 &&
	     ptrace(PTRACE_SEIZE, child, NULL, (void *)PTRACE_O_SUSPEND_SECCOMP) == 0 &&
	     ptrace(PTRACE_INTERRUPT, child, NULL, NULL) == 0 &&
	     waitpid(child, &status, __WALL) == child &&
	     ptrace(PTRACE_SECCOMP_GET_FILTER, child, NULL, NULL) == 1 &&
	     ptrace(PTRACE_SECCOMP_GET_METADATA, child, (void *)sizeof(md), &md) > 0;
	close(sync[0]);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, __WALL);
	}
	return ok;
}

static const struct {
	const char *name;
	int (*probe)(void);
} features[] = {
	{"ptrace seize, interrupt, sigmask, rseq query", has_ptrace_features},
	{"ptrace seccomp suspend, filter and flags query", has_ptrace_seccomp},
	{"process_vm_readv", has_process_vm_readv},
	{"pagemap PAGEMAP_SCAN", has_pagemap_scan},
	{"clone3 with set_tid", has_clone3_set_tid},
	{"prctl PR_SET_MM_MAP", has_prctl_mm_map},
	{"kcmp", has_kcmp},
	{"kcmp KCMP_EPOLL_TFD", has_kcmp_epoll},
	{"pidfd_getfd", has_pidfd_getfd},
	{"timerfd TFD_IOC_SET_TICKS", has_timerfd_set_ticks},
	{"/proc/PID/map_files", has_map_files},
	{"userfaultfd", has_userfaultfd},
	{"vDSO", has_vdso},
	{"prctl PR_TIMER_CREATE_RESTORE_IDS", has_timer_restore_ids},
	{"TCP repair mode", has_tcp_repair},
	{"sock_diag for unix sockets", has_unix_diag},
};

int cryo_check(void)
{
	size_t i;
	int missing = 0;

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		int ok = features[i].probe();

		printf("%-48s %s\n", features[i].name, ok ? "yes" : "no");
		missing += !ok;
	}
	printf(missing ? "%d feature(s) missing\n" : "Looks good.\n", missing);
	return missing ? -1 : 0;
}
