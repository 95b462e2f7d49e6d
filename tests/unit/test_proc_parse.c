// SPDX-License-Identifier: MIT
/*
 * Unit tests of the /proc parsers: samples taken from a Linux 6.18 x86_64 machine, the live
 * /proc/self files, then broken text: every truncation of every sample, bad numbers, bad
 * layouts. A parser must return the expected error, log exactly one line naming what it parsed,
 * and leave its result untouched. Buffers are copied to exactly their length, without a NUL
 * after them, so that running under valgrind catches any read past the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "dump/proc_parse.h"

/* clang-format off */

/* /proc/PID/smaps of a test program: 11 of its VMAs, with madvise()d flags and a deleted file. */
static const char smaps_sample[] =
	"55797692a000-55797692b000 r-xp 00001000 fe:00 10952918                   /tmp/ppgen/gen\n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   4 kB\n"
	"Pss_Dirty:             4 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd ex mr mw me \n"
	"557988214000-557988235000 rw-p 00000000 00:00 0                          [heap]\n"
	"Size:                132 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   8 kB\n"
	"Pss:                   8 kB\n"
	"Pss_Dirty:             8 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         8 kB\n"
	"Referenced:            8 kB\n"
	"Anonymous:             8 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"7f35b7176000-7f35b7177000 rw-p 00000000 00:00 0 \n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me dc ac \n"
	"7f35b717a000-7f35b717b000 rw-p 00000000 00:00 0 \n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac wf \n"
	"7f35b7182000-7f35b7183000 rw-p 00000000 00:00 0 \n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   4 kB\n"
	"Pss_Dirty:             4 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             4 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                4 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me lo ac \n"
	"7f35b7374000-7f35b7376000 rw-s 00000000 fe:00 10952914                   /tmp/my data (v2).bin (deleted)\n"
	"Size:                  8 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr sh mr mw me ms \n"
	"7f35b7378000-7f35b737c000 r--p 00000000 00:00 0                          [vvar]\n"
	"Size:                 16 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd mr pf io de dd \n"
	"7f35b737c000-7f35b737e000 r--p 00000000 00:00 0                          [vvar_vclock]\n"
	"Size:                  8 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd mr pf io de dd \n"
	"7f35b737e000-7f35b7380000 r-xp 00000000 00:00 0                          [vdso]\n"
	"Size:                  8 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          4 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd ex mr mw me de \n"
	"7fff25f74000-7fff25f95000 rw-p 00000000 00:00 0                          [stack]\n"
	"Size:                132 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  48 kB\n"
	"Pss:                  48 kB\n"
	"Pss_Dirty:            48 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        48 kB\n"
	"Referenced:           48 kB\n"
	"Anonymous:            48 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me gd ac \n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Pss_Dirty:             0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: ex \n";

/* A process named "a) b (c) d" with prctl(PR_SET_NAME). */
static const char stat_sample[] =
	"5394 (a) b (c) d) R 5345 5345 2263 0 -1 4194560 102 0 0 0 0 0 0 0 20 0 1 0 76992 2400256 279 18446744073709551615 94164528582656 94164528584193 140720415934000 0 0 0 16896 4096 1 0 0 0 17 1 0 0 0 0 0 94164528594384 94164528595136 94165196914688 140720415934933 140720415934940 140720415934940 140720415936497 0\n";

/* The same process: supplementary groups, blocked, ignored, caught and pending signals, seccomp. */
static const char status_sample[] =
	"Name:\ta) b (c) d\n"
	"Umask:\t0022\n"
	"State:\tR (running)\n"
	"Tgid:\t5394\n"
	"Ngid:\t0\n"
	"Pid:\t5394\n"
	"PPid:\t5345\n"
	"TracerPid:\t0\n"
	"Uid:\t0\t0\t0\t0\n"
	"Gid:\t0\t0\t0\t0\n"
	"FDSize:\t256\n"
	"Groups:\t4 24 27 1000 \n"
	"NStgid:\t5394\n"
	"NSpid:\t5394\n"
	"NSpgid:\t5345\n"
	"NSsid:\t2263\n"
	"Kthread:\t0\n"
	"VmPeak:\t    2476 kB\n"
	"VmSize:\t    2476 kB\n"
	"VmLck:\t       0 kB\n"
	"VmPin:\t       0 kB\n"
	"VmHWM:\t    1476 kB\n"
	"VmRSS:\t    1476 kB\n"
	"RssAnon:\t     104 kB\n"
	"RssFile:\t    1372 kB\n"
	"RssShmem:\t       0 kB\n"
	"VmData:\t     224 kB\n"
	"VmStk:\t     132 kB\n"
	"VmExe:\t       4 kB\n"
	"VmLib:\t    1528 kB\n"
	"VmPTE:\t      48 kB\n"
	"VmSwap:\t       0 kB\n"
	"HugetlbPages:\t       0 kB\n"
	"CoreDumping:\t0\n"
	"THP_enabled:\t1\n"
	"untag_mask:\t0xffffffffffffffff\n"
	"Threads:\t1\n"
	"SigQ:\t1/96365\n"
	"SigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000200\n"
	"SigBlk:\t0000000000004200\n"
	"SigIgn:\t0000000000001000\n"
	"SigCgt:\t0000000000000001\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t000001fffeffffff\n"
	"CapEff:\t000001fffeffffff\n"
	"CapBnd:\t000001fffeffffff\n"
	"CapAmb:\t0000000000000000\n"
	"NoNewPrivs:\t1\n"
	"Seccomp:\t2\n"
	"Seccomp_filters:\t1\n"
	"Speculation_Store_Bypass:\tvulnerable\n"
	"SpeculationIndirectBranch:\talways enabled\n"
	"Cpus_allowed:\t3\n"
	"Cpus_allowed_list:\t0-1\n"
	"Mems_allowed:\t00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001\n"
	"Mems_allowed_list:\t0\n"
	"voluntary_ctxt_switches:\t1\n"
	"nonvoluntary_ctxt_switches:\t0\n";

/* fdinfo of several kinds of files: the extra lines after ino must be skipped. */
static const char *const fdinfo_samples[] = {
	/* a unix socket with two descriptors in flight in its queue */
	"pos:\t0\n"
	"flags:\t02004002\n"
	"mnt_id:\t9\n"
	"ino:\t1130124\n"
	"scm_fds: 2\n",
	/* a regular file opened O_RDONLY | O_CLOEXEC, at offset 7 */
	"pos:\t7\n"
	"flags:\t02100000\n"
	"mnt_id:\t26\n"
	"ino:\t861\n",
	/* a file locked with flock() */
	"pos:\t0\n"
	"flags:\t0102002\n"
	"mnt_id:\t26\n"
	"ino:\t10952942\n"
	"lock:\t1: FLOCK  ADVISORY  WRITE 5394 fe:00:10952942 0 EOF\n",
	/* eventfd */
	"pos:\t0\n"
	"flags:\t04002\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"eventfd-count:                5\n"
	"eventfd-id: 1\n"
	"eventfd-semaphore: 0\n",
	/* epoll watching the eventfd */
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"tfd:        5 events:       19 data:             1234  pos:0 ino:40e sdev:10\n",
	/* inotify */
	"pos:\t0\n"
	"flags:\t00\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"inotify wd:1 ino:3c51a sdev:fe00000 mask:100 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:1ac5030000000000\n",
	/* timerfd */
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"clockid: 1\n"
	"ticks: 0\n"
	"settime flags: 00\n"
	"it_value: (0, 0)\n"
	"it_interval: (0, 0)\n",
};

/* /proc/PID/timers of a test program, newest first, with gaps in the IDs (0, 2 and 9 deleted). */
static const char timers_sample[] =
	"ID: 12\n"
	"signal: 0/fea3eaae88bf9696\n"
	"notify: none/pid.24442\n"
	"ClockID: -195586\n"
	"ID: 11\n"
	"signal: 0/20b47e4ef07b5912\n"
	"notify: none/pid.24442\n"
	"ClockID: -6\n"
	"ID: 10\n"
	"signal: 0/814d892c2e2df861\n"
	"notify: none/pid.24442\n"
	"ClockID: 1\n"
	"ID: 8\n"
	"signal: 38/8e640211a734d8e4\n"
	"notify: signal/pid.24442\n"
	"ClockID: 1\n"
	"ID: 5\n"
	"signal: 36/a439a8133a1f5b3e\n"
	"notify: signal/tid.24448\n"
	"ClockID: 1\n"
	"ID: 4\n"
	"signal: 12/0000000000000000\n"
	"notify: thread/pid.24442\n"
	"ClockID: 0\n"
	"ID: 1\n"
	"signal: 0/0000000000000000\n"
	"notify: none/pid.24442\n"
	"ClockID: 7\n";

/* The lines of each anonymous-inode family, after the common ones. */
#define FDINFO_HEAD "pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t1038\n"

static const char eventfd_sample[] =
	FDINFO_HEAD
	"eventfd-count:        12345678e\n"
	"eventfd-id: 4\n"
	"eventfd-semaphore: 1\n";

static const char signalfd_sample[] =
	FDINFO_HEAD
	"sigmask:\t0000000800000200\n";

/* A periodic timer of 100 ms, 50.6 ms left */
static const char timerfd_sample[] =
	FDINFO_HEAD
	"clockid: 1\n"
	"ticks: 3\n"
	"settime flags: 01\n"
	"it_value: (0, 50604972)\n"
	"it_interval: (0, 100000000)\n";

/* An eventfd (edge-triggered), a timerfd (one-shot) and a signalfd (exclusive) */
static const char epoll_sample[] =
	FDINFO_HEAD
	"tfd:        4 events: 10000019 data:               2b  pos:0 ino:40e sdev:10\n"
	"tfd:        5 events: 40000019 data:               2a  pos:0 ino:40e sdev:10\n"
	"tfd:        3 events: 80000019 data: ffffffffdeadbeef  pos:0 ino:40e sdev:10\n";

/* A watch in /proc, one of a directory, one of a file, one on a file system without handles */
static const char inotify_sample[] =
	FDINFO_HEAD
	"inotify wd:4 ino:1020f2 sdev:14 mask:fff ignored_mask:0 fhandle-bytes:c fhandle-type:81 f_handle:f22010000000000000000000\n"
	"inotify wd:3 ino:a72296 sdev:fe00000 mask:20000fff ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:9622a70039511239\n"
	"inotify wd:1 ino:3c51a sdev:fe00000 mask:300 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:1ac5030000000000\n"
	"inotify wd:10 ino:7 sdev:2a mask:2 ignored_mask:0 \n";

/* mountinfo: optional fields, a bind mount of a directory, a mount point with a blank */
static const char mountinfo_sample[] =
	"21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
	"41 26 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
	"52 26 0:50 /a\\134b /mnt/my\\040disk rw master:3 unbindable - tmpfs none rw\n";

/* clang-format on */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- what was logged ------------------------------------------------------------------------ */

static int log_file = -1; /* the file the log goes to */

/* Copy what was logged since the last call to text, forget it, and return how many lines. */
static int take_log(char *text, size_t size)
{
	ssize_t n = pread(log_file, text, size - 1, 0);
	int lines = 0;
	char *p;

	assert_true(n >= 0 && (size_t)n < size - 1);
	text[n] = '\0';
	for (p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(ftruncate(log_file, 0), 0);
	assert_int_equal(lseek(log_file, 0, SEEK_SET), 0);
	return lines;
}

/* rc is 0 and nothing was logged. */
static void check_ok(int rc)
{
	char log[16384];
	int lines = take_log(log, sizeof(log));

	if (rc || lines)
		print_error("expected success, got %d, log:\n%s", rc, log);
	assert_int_equal(rc, 0);
	assert_int_equal(lines, 0);
}

/* rc is err and exactly one line was logged: "Error: " then what. */
static void check_fails(int rc, int err, const char *what)
{
	char log[16384];
	int lines = take_log(log, sizeof(log));
	bool named = !strncmp(log, "Error: ", 7) && !strncmp(log + 7, what, strlen(what));

	if (rc != err || lines != 1 || !named)
		print_error("expected %d and \"Error: %s...\", got %d, log:\n%s", err, what, rc,
			    log);
	assert_int_equal(rc, err);
	assert_int_equal(lines, 1);
	assert_true(named);
}

/* ---- parsing a buffer of exactly len bytes -------------------------------------------------- */

enum kind {
	SMAPS,
	STAT,
	STATUS,
	FDINFO,
	TIMERS,
	EVENTFD,
	SIGNALFD,
	TIMERFD,
	EPOLL,
	INOTIFY,
	MOUNTINFO
};
static const char *const kind_name[] = {"smaps",  "stat",   "status", "fdinfo",
					"timers", "fdinfo", "fdinfo", "fdinfo",
					"fdinfo", "fdinfo", "mountinfo"};

/* Every result a parser gives, filled with PATTERN first to see that a failure leaves it alone. */
struct parsed {
	struct proc_vma *vmas;
	size_t nr;
	struct proc_stat stat;
	struct proc_status status;
	struct proc_fdinfo fdinfo;
	struct proc_timer *timers;
	size_t nr_timers;
	struct proc_eventfd efd;
	struct proc_signalfd sfd;
	struct proc_timerfd tfd;
	struct proc_epoll_tfd *tfds;
	size_t nr_tfds;
	struct proc_inotify_wd *wds;
	size_t nr_wds;
	struct proc_mount *mounts;
	size_t nr_mounts;
};
#define PATTERN 0xa5

static bool untouched(const void *result, size_t size)
{
	const unsigned char *p = result;
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != PATTERN)
			return false;
	return true;
}

/* Parse text[0..len) from a copy of exactly len bytes: valgrind sees any read past it. */
static int parse_len(enum kind kind, const char *text, size_t len, struct parsed *out)
{
	char *copy = malloc(len ? len : 1);
	int rc = -1;

	assert_non_null(copy);
	memcpy(copy, text, len);
	memset(out, PATTERN, sizeof(*out));
	switch (kind) {
	case SMAPS:
		rc = proc_parse_smaps_buf(copy, len, &out->vmas, &out->nr);
		break;
	case STAT:
		rc = proc_parse_stat_buf(copy, len, &out->stat);
		break;
	case STATUS:
		rc = proc_parse_status_buf(copy, len, &out->status);
		break;
	case FDINFO:
		rc = proc_parse_fdinfo_buf(copy, len, &out->fdinfo);
		break;
	case TIMERS:
		rc = proc_parse_timers_buf(copy, len, &out->timers, &out->nr_timers);
		break;
	case EVENTFD:
		rc = proc_parse_eventfd_buf(copy, len, &out->efd);
		break;
	case SIGNALFD:
		rc = proc_parse_signalfd_buf(copy, len, &out->sfd);
		break;
	case TIMERFD:
		rc = proc_parse_timerfd_buf(copy, len, &out->tfd);
		break;
	case EPOLL:
		rc = proc_parse_epoll_buf(copy, len, &out->tfds, &out->nr_tfds);
		break;
	case INOTIFY:
		rc = proc_parse_inotify_buf(copy, len, &out->wds, &out->nr_wds);
		break;
	case MOUNTINFO:
		rc = proc_parse_mountinfo_buf(copy, len, &out->mounts, &out->nr_mounts);
		break;
	}
	free(copy);
	return rc;
}

static void expect_ok(enum kind kind, const char *text, struct parsed *out)
{
	check_ok(parse_len(kind, text, strlen(text), out));
}

/* The parse fails with err, logs one line starting with what, and gives no result. */
static void expect_fails_len(enum kind kind, const char *text, size_t len, int err,
			     const char *what)
{
	struct parsed p;

	check_fails(parse_len(kind, text, len, &p), err, what);
	switch (kind) {
	case SMAPS:
		assert_null(p.vmas);
		assert_int_equal(p.nr, 0);
		break;
	case STAT:
		assert_true(untouched(&p.stat, sizeof(p.stat)));
		break;
	case STATUS:
		assert_true(untouched(&p.status, sizeof(p.status)));
		break;
	case FDINFO:
		assert_true(untouched(&p.fdinfo, sizeof(p.fdinfo)));
		break;
	case TIMERS:
		assert_null(p.timers);
		assert_int_equal(p.nr_timers, 0);
		break;
	case EVENTFD:
		assert_true(untouched(&p.efd, sizeof(p.efd)));
		break;
	case SIGNALFD:
		assert_true(untouched(&p.sfd, sizeof(p.sfd)));
		break;
	case TIMERFD:
		assert_true(untouched(&p.tfd, sizeof(p.tfd)));
		break;
	case EPOLL:
		assert_null(p.tfds);
		assert_int_equal(p.nr_tfds, 0);
		break;
	case INOTIFY:
		assert_null(p.wds);
		assert_int_equal(p.nr_wds, 0);
		break;
	case MOUNTINFO:
		assert_null(p.mounts);
		assert_int_equal(p.nr_mounts, 0);
		break;
	}
}

static void expect_fails(enum kind kind, const char *text, int err, const char *what)
{
	expect_fails_len(kind, text, strlen(text), err, what);
}

/* ---- editing samples ------------------------------------------------------------------------- */

/* Offset of the line of text that starts with key; its number from 1 in *line_no. */
static size_t find_line(const char *text, const char *key, int *line_no)
{
	const char *p = text;
	int n = 1;

	while (strncmp(p, key, strlen(key))) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
		n++;
	}
	if (line_no)
		*line_no = n;
	return p - text;
}

/* Offset just past the line that starts with key. */
static size_t end_of_line(const char *text, const char *key)
{
	return strchr(text + find_line(text, key, NULL), '\n') - text + 1;
}

/* A malloc'd copy of text with the line starting with key replaced by line ("": removed). */
static char *replace_line(const char *text, const char *key, const char *line)
{
	size_t start = find_line(text, key, NULL), end = end_of_line(text, key);
	char *out = malloc(strlen(text) + strlen(line) + 1);

	assert_non_null(out);
	sprintf(out, "%.*s%s%s", (int)start, text, line, text + end);
	return out;
}

/* Whether text[0..len) stops right after a line that starts with key. */
static bool ends_with_line(const char *text, size_t len, const char *key)
{
	size_t start;

	if (!len || text[len - 1] != '\n')
		return false;
	start = len - 1;
	while (start && text[start - 1] != '\n')
		start--;
	return !strncmp(text + start, key, strlen(key));
}

/* How many lines of text[0..len) start with key. */
static size_t count_lines(const char *text, size_t len, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if ((!i || text[i - 1] == '\n') && !strncmp(text + i, key, strlen(key)))
			n++;
	return n;
}

/* Replace the line starting with key: the parse fails with err, naming that line. */
struct line_case {
	const char *key;
	const char *line; /* "": the line is removed and the error names the whole file */
	int err;
};

static void check_line_cases(enum kind kind, const char *sample, const struct line_case *cases,
			     size_t nr)
{
	char what[64], *text;
	size_t i;
	int line_no;

	for (i = 0; i < nr; i++) {
		find_line(sample, cases[i].key, &line_no);
		if (*cases[i].line)
			snprintf(what, sizeof(what), "%s line %d: ", kind_name[kind], line_no);
		else
			snprintf(what, sizeof(what), "%s: no ", kind_name[kind]);
		text = replace_line(sample, cases[i].key, cases[i].line);
		expect_fails(kind, text, cases[i].err, what);
		free(text);
	}
}

/*
 * Parse every prefix of sample, the empty one included. A prefix that complete() accepts is a
 * valid file on its own and must parse (a smaps prefix to the same VMAs as the whole sample);
 * any other must fail with EINVAL.
 */
static void check_truncations(enum kind kind, const char *sample,
			      bool (*complete)(const char *text, size_t len))
{
	size_t len, full = strlen(sample);
	struct parsed whole, p;

	expect_ok(kind, sample, &whole);
	for (len = 0; len <= full; len++) {
		if (!complete(sample, len)) {
			expect_fails_len(kind, sample, len, -EINVAL, kind_name[kind]);
			continue;
		}
		check_ok(parse_len(kind, sample, len, &p));
		if (kind == SMAPS) {
			assert_int_equal(p.nr, count_lines(sample, len, "VmFlags:"));
			assert_memory_equal(p.vmas, whole.vmas, p.nr * sizeof(*p.vmas));
			free(p.vmas);
		}
		/* The newest timers come first: a prefix holds those of the highest IDs. */
		if (kind == TIMERS) {
			assert_int_equal(p.nr_timers, count_lines(sample, len, "ClockID:"));
			assert_memory_equal(p.timers, whole.timers + whole.nr_timers - p.nr_timers,
					    p.nr_timers * sizeof(*p.timers));
			free(p.timers);
		}
		/* Lists: the items of the lines kept. */
		if (kind == EPOLL) {
			assert_int_equal(p.nr_tfds, count_lines(sample, len, "tfd:"));
			assert_memory_equal(p.tfds, whole.tfds, p.nr_tfds * sizeof(*p.tfds));
			free(p.tfds);
		}
		if (kind == INOTIFY) {
			assert_int_equal(p.nr_wds, count_lines(sample, len, "inotify "));
			assert_memory_equal(p.wds, whole.wds, p.nr_wds * sizeof(*p.wds));
			free(p.wds);
		}
		if (kind == MOUNTINFO) {
			assert_int_equal(p.nr_mounts, count_lines(sample, len, ""));
			assert_memory_equal(p.mounts, whole.mounts,
					    p.nr_mounts * sizeof(*p.mounts));
			free(p.mounts);
		}
	}
	if (kind == SMAPS)
		free(whole.vmas);
	if (kind == TIMERS)
		free(whole.timers);
	if (kind == EPOLL)
		free(whole.tfds);
	if (kind == INOTIFY)
		free(whole.wds);
	if (kind == MOUNTINFO)
		free(whole.mounts);
}

/* A NUL byte anywhere is refused, naming its offset. */
static void check_nul_byte(enum kind kind, const char *sample)
{
	char *text = strdup(sample), what[64];

	assert_non_null(text);
	text[10] = '\0';
	snprintf(what, sizeof(what), "%s: NUL byte at offset 10", kind_name[kind]);
	expect_fails_len(kind, text, strlen(sample), -EINVAL, what);
	free(text);
}

/* ---- smaps ----------------------------------------------------------------------------------- */

static void test_smaps_sample(void **state)
{
	static const struct {
		uint64_t start, end, pgoff, ino;
		uint32_t prot, dev_major, vmflags;
		int shared;
		const char *name;
	} want[] = {
	    {0x55797692a000, 0x55797692b000, 0x1000, 10952918, PROT_READ | PROT_EXEC, 0xfe,
	     PVMF_MAYWRITE, 0, "/tmp/ppgen/gen"},
	    {0x557988214000, 0x557988235000, 0, 0, PROT_READ | PROT_WRITE, 0, PVMF_MAYWRITE, 0,
	     "[heap]"},
	    {0x7f35b7176000, 0x7f35b7177000, 0, 0, PROT_READ | PROT_WRITE, 0,
	     PVMF_DONTFORK | PVMF_MAYWRITE, 0, ""},
	    {0x7f35b717a000, 0x7f35b717b000, 0, 0, PROT_READ | PROT_WRITE, 0,
	     PVMF_WIPEONFORK | PVMF_MAYWRITE, 0, ""},
	    {0x7f35b7182000, 0x7f35b7183000, 0, 0, PROT_READ | PROT_WRITE, 0,
	     PVMF_LOCKED | PVMF_MAYWRITE, 0, ""},
	    {0x7f35b7374000, 0x7f35b7376000, 0, 10952914, PROT_READ | PROT_WRITE, 0xfe,
	     PVMF_SHARED | PVMF_MAYWRITE, 1, "/tmp/my data (v2).bin (deleted)"},
	    {0x7f35b7378000, 0x7f35b737c000, 0, 0, PROT_READ, 0,
	     PVMF_PFNMAP | PVMF_IO | PVMF_DONTDUMP, 0, "[vvar]"},
	    {0x7f35b737c000, 0x7f35b737e000, 0, 0, PROT_READ, 0,
	     PVMF_PFNMAP | PVMF_IO | PVMF_DONTDUMP, 0, "[vvar_vclock]"},
	    {0x7f35b737e000, 0x7f35b7380000, 0, 0, PROT_READ | PROT_EXEC, 0, PVMF_MAYWRITE, 0,
	     "[vdso]"},
	    {0x7fff25f74000, 0x7fff25f95000, 0, 0, PROT_READ | PROT_WRITE, 0,
	     PVMF_GROWSDOWN | PVMF_MAYWRITE, 0, "[stack]"},
	    {0xffffffffff600000, 0xffffffffff601000, 0, 0, PROT_EXEC, 0, 0, 0, "[vsyscall]"},
	};
	struct parsed p;
	size_t i;

	expect_ok(SMAPS, smaps_sample, &p);
	assert_int_equal(p.nr, ARRAY_SIZE(want));
	for (i = 0; i < p.nr; i++) {
		assert_int_equal(p.vmas[i].start, want[i].start);
		assert_int_equal(p.vmas[i].end, want[i].end);
		assert_int_equal(p.vmas[i].pgoff, want[i].pgoff);
		assert_int_equal(p.vmas[i].prot, want[i].prot);
		assert_int_equal(p.vmas[i].shared, want[i].shared);
		assert_int_equal(p.vmas[i].dev_major, want[i].dev_major);
		assert_int_equal(p.vmas[i].dev_minor, 0);
		assert_int_equal(p.vmas[i].ino, want[i].ino);
		assert_int_equal(p.vmas[i].vmflags, want[i].vmflags);
		assert_string_equal(p.vmas[i].name, want[i].name);
	}
	free(p.vmas);
}

static void test_smaps_all_vmflags(void **state)
{
	struct parsed p;

	/* Every code cryo knows, one it does not ("zz"), and no trailing blank. */
	expect_ok(SMAPS,
		  "1000-2000 rw-p 00000000 00:00 0 \n"
		  "VmFlags: gd dc dd wf hg nh mg rr sr lo sh io pf mw zz\n"
		  "2000-3000 rw-p 00000000 00:00 0 \n"
		  "VmFlags:\n",
		  &p);
	assert_int_equal(p.nr, 2);
	assert_int_equal(p.vmas[0].vmflags, (PVMF_MAYWRITE << 1) - 1);
	assert_int_equal(p.vmas[1].vmflags, 0);
	free(p.vmas);
}

/* A header with name, then an empty VmFlags line. */
static char *vma_with_name(const char *name)
{
	static const char head[] = "1000-2000 r--p 00000000 08:01 12 ", tail[] = "\nVmFlags: \n";
	char *text = malloc(sizeof(head) + strlen(name) + sizeof(tail));

	assert_non_null(text);
	sprintf(text, "%s%s%s", head, name, tail);
	return text;
}

static void test_smaps_names(void **state)
{
	static const char *const names[] = {
	    "/a b/c  d (deleted)",
	    "/tmp/x (deleted) (deleted)",
	    "[anon:my name]",
	    "/memfd:x (deleted)",
	};
	char long_name[PATH_MAX + 1], *text;
	struct parsed p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		text = vma_with_name(names[i]);
		expect_ok(SMAPS, text, &p);
		assert_string_equal(p.vmas[0].name, names[i]);
		assert_int_equal(p.vmas[0].dev_major, 8);
		assert_int_equal(p.vmas[0].dev_minor, 1);
		free(p.vmas);
		free(text);
	}

	memset(long_name, 'n', sizeof(long_name));
	long_name[0] = '/';
	long_name[PATH_MAX - 1] = '\0';
	text = vma_with_name(long_name);
	expect_ok(SMAPS, text, &p);
	assert_string_equal(p.vmas[0].name, long_name);
	free(p.vmas);
	free(text);

	long_name[PATH_MAX - 1] = 'n';
	long_name[PATH_MAX] = '\0';
	text = vma_with_name(long_name);
	expect_fails(SMAPS, text, -ENAMETOOLONG, "smaps line 1: name longer than 4095");
	free(text);
}

static void test_smaps_adjacent(void **state)
{
	struct parsed p;

	expect_ok(SMAPS,
		  "1000-2000 rw-p 00000000 00:00 0 \nVmFlags: \n"
		  "2000-3000 rw-p 00000000 00:00 0 \nVmFlags: \n",
		  &p);
	assert_int_equal(p.nr, 2);
	free(p.vmas);
}

static bool smaps_complete(const char *text, size_t len)
{
	return ends_with_line(text, len, "VmFlags:");
}

static void test_smaps_truncated(void **state)
{
	check_truncations(SMAPS, smaps_sample, smaps_complete);
}

#define VMA(range) range " rw-p 00000000 00:00 0 \nVmFlags: rd wr \n"

static void test_smaps_corrupt(void **state)
{
	static const struct {
		const char *text;
		int err;
		int line; /* 0: the error is about the whole text */
	} cases[] = {
	    {"zzzz-1000 rw-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000 rw-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"-2000 rw-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000- rw-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"0x1000-0x2000 rw-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-+2000 rw-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {VMA("2000-1000"), -EINVAL, 1},
	    {VMA("1000-1000"), -EINVAL, 1},
	    {VMA("1001-2000"), -EINVAL, 1},
	    {VMA("1000-2800"), -EINVAL, 1},
	    {VMA("10000000000000000-10000000000001000"), -EINVAL, 1},
	    {VMA("1000-2000") VMA("1800-3000"), -EINVAL, 3},
	    {VMA("1000-3000") VMA("2000-4000"), -EINVAL, 3},
	    {VMA("3000-4000") VMA("1000-2000"), -EINVAL, 3},
	    {VMA("1000-2000") VMA("1000-2000"), -EINVAL, 3},
	    {"1000-2000 rwxq 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw- 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 RW-p 00000000 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 0000000g 00:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 0000 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:zz 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 100000000:00 0 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00 -1 \nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00 12a /x\nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00 18446744073709551616\nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00\nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p\nVmFlags: \n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00 0 \nSize: 4 kB\n" VMA("2000-3000"), -EINVAL, 3},
	    {VMA("1000-2000") "2000-3000 rw-p 00000000 00:00 0 \nSize: 4 kB\n", -EINVAL, 4},
	    {VMA("1000-2000") "VmFlags: rd\n", -EINVAL, 3},
	    {"Size: 4 kB\n" VMA("1000-2000"), -EINVAL, 1},
	    {"VmFlags: rd\n" VMA("1000-2000"), -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00 0 \nVmFlags: rd r\n", -EINVAL, 2},
	    {"1000-2000 rw-p 00000000 00:00 0 \nVmFlags: rd rdd\n", -EINVAL, 2},
	    {VMA("1000-2000") "hello world\n", -EINVAL, 3},
	    {VMA("1000-2000") "\n", -EINVAL, 3},
	    {"\n", -EINVAL, 1},
	    {"1000-2000 rw-p 00000000 00:00 0 \nVmFlags: rd", -EINVAL, 0},
	    {"", -EINVAL, 0},
	};
	char what[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].line)
			snprintf(what, sizeof(what), "smaps line %d: ", cases[i].line);
		else
			snprintf(what, sizeof(what), "smaps: ");
		expect_fails(SMAPS, cases[i].text, cases[i].err, what);
	}
	check_nul_byte(SMAPS, smaps_sample);
}

static const struct proc_vma *find_vma(const struct proc_vma *vmas, size_t nr, uintptr_t addr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (vmas[i].start <= addr && addr < vmas[i].end)
			return &vmas[i];
	return NULL;
}

static const struct proc_vma *find_vma_named(const struct proc_vma *vmas, size_t nr,
					     const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(vmas[i].name, name))
			return &vmas[i];
	return NULL;
}

/* Under valgrind too, where the main thread runs on a stack valgrind mapped, not "[stack]". */
static void test_smaps_live(void **state)
{
	char path[] = "/tmp/cryo proc_parse (test) XXXXXX", deleted[PATH_MAX];
	uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
	const struct proc_vma *v;
	struct proc_vma *vmas;
	char *shared, *anon;
	int fd;
	size_t nr;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(shared != MAP_FAILED);
	assert_int_equal(unlink(path), 0);
	close(fd);
	snprintf(deleted, sizeof(deleted), "%s (deleted)", path);
	/* Three pages; MADV_DONTFORK on the middle one makes it a VMA of its own. */
	anon = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	assert_int_equal(madvise(anon + 4096, 4096, MADV_DONTFORK), 0);

	check_ok(proc_parse_smaps(getpid(), &vmas, &nr));

	v = find_vma_named(vmas, nr, "[stack]");
	assert_non_null(v);
	assert_int_equal(v->prot, PROT_READ | PROT_WRITE);
	assert_true(v->vmflags & PVMF_GROWSDOWN);

	v = find_vma(vmas, nr, (uintptr_t)shared);
	assert_non_null(v);
	assert_int_equal(v->start, (uintptr_t)shared);
	assert_int_equal(v->end, (uintptr_t)shared + 8192);
	assert_true(v->shared);
	assert_true(v->vmflags & PVMF_SHARED);
	assert_string_equal(v->name, deleted);

	v = find_vma(vmas, nr, (uintptr_t)anon + 4096);
	assert_non_null(v);
	assert_int_equal(v->start, (uintptr_t)anon + 4096);
	assert_int_equal(v->end, (uintptr_t)anon + 2 * 4096);
	assert_int_equal(v->prot, PROT_READ);
	assert_false(v->shared);
	assert_int_equal(v->vmflags & PVMF_DONTFORK, PVMF_DONTFORK);
	assert_string_equal(v->name, "");

	v = find_vma(vmas, nr, (uintptr_t)test_smaps_live);
	assert_non_null(v);
	assert_true(v->prot & PROT_EXEC);
	assert_false(v->shared);

	if (vdso) {
		v = find_vma(vmas, nr, vdso);
		assert_non_null(v);
		assert_string_equal(v->name, "[vdso]");
	}
	free(vmas);
	munmap(shared, 8192);
	munmap(anon, 3 * 4096);
}

/* ---- stat ------------------------------------------------------------------------------------ */

/* "1 (comm) S 4 5 ... last\n": field n holds n, but field bad holds value (field 2: no parens). */
static void make_stat(char *buf, size_t size, const char *comm, int last, int bad,
		      const char *value)
{
	size_t off = 0;
	int n;

	for (n = 1; n <= last; n++) {
		if (n == bad)
			off += snprintf(buf + off, size - off, "%s ", value);
		else if (n == 2)
			off += snprintf(buf + off, size - off, "(%s) ", comm);
		else if (n == 3)
			off += snprintf(buf + off, size - off, "S ");
		else
			off += snprintf(buf + off, size - off, "%d ", n);
		assert_true(off < size);
	}
	buf[off - 1] = '\n';
}

static void test_stat_sample(void **state)
{
	struct parsed p;

	expect_ok(STAT, stat_sample, &p);
	assert_int_equal(p.stat.pid, 5394);
	assert_string_equal(p.stat.comm, "a) b (c) d");
	assert_int_equal(p.stat.state, 'R');
	assert_int_equal(p.stat.ppid, 5345);
	assert_int_equal(p.stat.pgid, 5345);
	assert_int_equal(p.stat.sid, 2263);
	assert_int_equal(p.stat.flags, 4194560);
	assert_int_equal(p.stat.num_threads, 1);
	assert_int_equal(p.stat.start_time, 76992);
	assert_int_equal(p.stat.start_code, 94164528582656);
	assert_int_equal(p.stat.end_code, 94164528584193);
	assert_int_equal(p.stat.start_stack, 140720415934000);
	assert_int_equal(p.stat.start_data, 94164528594384);
	assert_int_equal(p.stat.end_data, 94164528595136);
	assert_int_equal(p.stat.start_brk, 94165196914688);
	assert_int_equal(p.stat.arg_start, 140720415934933);
	assert_int_equal(p.stat.arg_end, 140720415934940);
	assert_int_equal(p.stat.env_start, 140720415934940);
	assert_int_equal(p.stat.env_end, 140720415936497);
	assert_int_equal(p.stat.exit_code, 0);
}

/* Field n holds n: each member comes from the field proc(5) gives; more fields are fine. */
static void test_stat_field_numbers(void **state)
{
	char text[512];
	struct parsed p;

	make_stat(text, sizeof(text), "x", 60, 0, NULL);
	expect_ok(STAT, text, &p);
	assert_int_equal(p.stat.pid, 1);
	assert_int_equal(p.stat.ppid, 4);
	assert_int_equal(p.stat.pgid, 5);
	assert_int_equal(p.stat.sid, 6);
	assert_int_equal(p.stat.flags, 9);
	assert_int_equal(p.stat.num_threads, 20);
	assert_int_equal(p.stat.start_time, 22);
	assert_int_equal(p.stat.start_code, 26);
	assert_int_equal(p.stat.end_code, 27);
	assert_int_equal(p.stat.start_stack, 28);
	assert_int_equal(p.stat.start_data, 45);
	assert_int_equal(p.stat.end_data, 46);
	assert_int_equal(p.stat.start_brk, 47);
	assert_int_equal(p.stat.arg_start, 48);
	assert_int_equal(p.stat.arg_end, 49);
	assert_int_equal(p.stat.env_start, 50);
	assert_int_equal(p.stat.env_end, 51);
	assert_int_equal(p.stat.exit_code, 52);
}

static void test_stat_comm(void **state)
{
	static const struct {
		const char *comm, *want;
	} cases[] = {
	    {"a b", "a b"},
	    {")", ")"},
	    {"(", "("},
	    {") 4 5 (", ") 4 5 ("},
	    {"(x)) ", "(x)) "},
	    {"", ""},
	    {"tab\there", "tab\there"},
	    {"new\nline", "new\nline"},
	    /* workqueue workers show more than the 15 bytes of comm */
	    {"kworker/u8:0-events_unbound", "kworker/u8:0-ev"},
	};
	char text[512];
	struct parsed p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_stat(text, sizeof(text), cases[i].comm, 52, 0, NULL);
		expect_ok(STAT, text, &p);
		assert_string_equal(p.stat.comm, cases[i].want);
		assert_int_equal(p.stat.state, 'S');
		assert_int_equal(p.stat.ppid, 4);
		assert_int_equal(p.stat.exit_code, 52);
	}
}

static bool stat_complete(const char *text, size_t len)
{
	return len == strlen(text);
}

static void test_stat_truncated(void **state)
{
	check_truncations(STAT, stat_sample, stat_complete);
}

static void test_stat_corrupt(void **state)
{
	static const struct {
		int last, bad;
		const char *value, *what;
	} cases[] = {
	    {51, 0, NULL, "stat: 51 fields, expected at least 52"},
	    {3, 0, NULL, "stat: 3 fields"},
	    {52, 1, "abc", "stat: pid"},
	    {52, 1, "1 2", "stat: pid"},
	    {52, 1, "-1", "stat: pid"},
	    {52, 1, "", "stat: pid"},
	    {52, 2, "x", "stat: no (comm)"},
	    {52, 2, "(x", "stat: no (comm)"},
	    {52, 2, "x)", "stat: no (comm)"},
	    {52, 2, ")x(", "stat: no (comm)"},
	    {52, 3, "RS", "stat: bad state"},
	    {52, 4, "-1", "stat: ppid"},
	    {52, 4, "2147483648", "stat: ppid"},
	    {52, 5, "+5", "stat: pgid"},
	    {52, 9, "4294967296", "stat: flags"},
	    {52, 20, "0x10", "stat: num_threads"},
	    {52, 22, "18446744073709551616", "stat: start_time"},
	    {52, 22, "99999999999999999999999", "stat: start_time"},
	    {52, 45, "1e3", "stat: start_data"},
	    {52, 52, "1x", "stat: exit_code"},
	    {52, 52, "2147483648", "stat: exit_code"},
	};
	char text[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_stat(text, sizeof(text), "x", cases[i].last, cases[i].bad, cases[i].value);
		expect_fails(STAT, text, -EINVAL, cases[i].what);
	}
	expect_fails(STAT, "", -EINVAL, "stat: empty");
	expect_fails(STAT, "\n", -EINVAL, "stat: no (comm)");
	check_nul_byte(STAT, stat_sample);
}

static void test_stat_live(void **state)
{
	char comm[16] = "";
	struct proc_stat st;

	assert_int_equal(prctl(PR_GET_NAME, comm), 0);
	check_ok(proc_parse_stat(getpid(), &st));
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.pgid, getpgrp());
	assert_int_equal(st.sid, getsid(0));
	assert_string_equal(st.comm, comm);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.num_threads, 1);
	assert_true(st.start_code < st.end_code);
	assert_true(st.start_data < st.end_data);
	assert_true(st.arg_start < st.arg_end);
	assert_true(st.env_start < st.env_end);
	assert_int_equal(st.exit_code, 0);
}

/* ---- status ---------------------------------------------------------------------------------- */

static void test_status_sample(void **state)
{
	struct parsed p;
	const struct proc_status *st = &p.status;

	expect_ok(STATUS, status_sample, &p);
	assert_int_equal(st->state, 'R');
	assert_int_equal(st->tgid, 5394);
	assert_int_equal(st->ppid, 5345);
	assert_int_equal(st->tracer_pid, 0);
	assert_int_equal(st->uid[0] | st->uid[1] | st->uid[2] | st->uid[3], 0);
	assert_int_equal(st->gid[0] | st->gid[1] | st->gid[2] | st->gid[3], 0);
	assert_int_equal(st->nr_groups, 4);
	assert_int_equal(st->groups[0], 4);
	assert_int_equal(st->groups[1], 24);
	assert_int_equal(st->groups[2], 27);
	assert_int_equal(st->groups[3], 1000);
	assert_int_equal(st->sig_pending, 0);
	assert_int_equal(st->shd_pending, 0x200);
	assert_int_equal(st->sig_blocked, 0x4200);
	assert_int_equal(st->sig_ignored, 0x1000);
	assert_int_equal(st->sig_caught, 0x1);
	assert_int_equal(st->cap_inh, 0);
	assert_int_equal(st->cap_prm, 0x1fffeffffff);
	assert_int_equal(st->cap_eff, 0x1fffeffffff);
	assert_int_equal(st->cap_bnd, 0x1fffeffffff);
	assert_int_equal(st->cap_amb, 0);
	assert_int_equal(st->threads, 1);
	assert_int_equal(st->no_new_privs, 1);
	assert_int_equal(st->seccomp, 2);
	assert_int_equal(st->nspid_depth, 1);
}

/* "Groups:\t" then count ids, each followed by a blank, as the kernel writes it. */
static void groups_line(char *buf, size_t size, unsigned int count)
{
	size_t off = snprintf(buf, size, "Groups:\t");
	unsigned int i;

	for (i = 0; i < count; i++)
		off += snprintf(buf + off, size - off, "%u ", 100 + i);
	snprintf(buf + off, size - off, "%s\n", count ? "" : " ");
	assert_true(off + 2 < size);
}

static void test_status_variants(void **state)
{
	char line[1024], *text;
	struct parsed p;

	text = replace_line(status_sample, "NSpid:", "NSpid:\t5394\t1\t7\n");
	expect_ok(STATUS, text, &p);
	assert_int_equal(p.status.nspid_depth, 3);
	free(text);

	text = replace_line(status_sample, "Uid:", "Uid:\t1000\t1001\t1002\t4294967295\n");
	expect_ok(STATUS, text, &p);
	assert_int_equal(p.status.uid[0], 1000);
	assert_int_equal(p.status.uid[1], 1001);
	assert_int_equal(p.status.uid[2], 1002);
	assert_int_equal(p.status.uid[3], 4294967295u);
	free(text);

	text = replace_line(status_sample, "SigCgt:", "SigCgt:\tFFFFFFFFFFFFFFFF\n");
	expect_ok(STATUS, text, &p);
	assert_int_equal(p.status.sig_caught, UINT64_MAX);
	free(text);

	groups_line(line, sizeof(line), 0);
	text = replace_line(status_sample, "Groups:", line);
	expect_ok(STATUS, text, &p);
	assert_int_equal(p.status.nr_groups, 0);
	free(text);

	groups_line(line, sizeof(line), 64);
	text = replace_line(status_sample, "Groups:", line);
	expect_ok(STATUS, text, &p);
	assert_int_equal(p.status.nr_groups, 64);
	assert_int_equal(p.status.groups[63], 163);
	free(text);

	groups_line(line, sizeof(line), 65);
	text = replace_line(status_sample, "Groups:", line);
	expect_fails(STATUS, text, -E2BIG, "status line 12: 65 supplementary groups");
	free(text);

	/* Only the keys cryo uses are mandatory. */
	expect_ok(STATUS,
		  "State:\tS (sleeping)\nTgid:\t7\nPPid:\t1\nUid:\t0\t0\t0\t0\n"
		  "Gid:\t0\t0\t0\t0\nThreads:\t3\nSigBlk:\t0000000000000001\n",
		  &p);
	assert_int_equal(p.status.state, 'S');
	assert_int_equal(p.status.threads, 3);
	assert_int_equal(p.status.sig_blocked, 1);
	assert_int_equal(p.status.nr_groups, 0);
}

static bool status_complete(const char *text, size_t len)
{
	return len && text[len - 1] == '\n' && len >= end_of_line(text, "SigBlk:");
}

static void test_status_truncated(void **state)
{
	check_truncations(STATUS, status_sample, status_complete);
}

static void test_status_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"State:", "", -EINVAL},
	    {"Tgid:", "", -EINVAL},
	    {"PPid:", "", -EINVAL},
	    {"Uid:", "", -EINVAL},
	    {"Gid:", "", -EINVAL},
	    {"Threads:", "", -EINVAL},
	    {"SigBlk:", "", -EINVAL},
	    {"SigBlk:", "SigBlk:\t00000000000000zz\n", -EINVAL},
	    {"SigBlk:", "SigBlk:\t10000000000000000\n", -EINVAL},
	    {"SigBlk:", "SigBlk:\t-1\n", -EINVAL},
	    {"SigBlk:", "SigBlk:\n", -EINVAL},
	    {"SigBlk:", "SigBlk:\t0 0\n", -EINVAL},
	    {"CapEff:", "CapEff:\t0x1fffeffffff\n", -EINVAL},
	    {"Uid:", "Uid:\t0\t0\t0\n", -EINVAL},
	    {"Uid:", "Uid:\t0\t0\t0\t0\t0\n", -EINVAL},
	    {"Uid:", "Uid:\t4294967296\t0\t0\t0\n", -EINVAL},
	    {"Gid:", "Gid:\t0\t0\tx\t0\n", -EINVAL},
	    {"Tgid:", "Tgid:\t-1\n", -EINVAL},
	    {"Tgid:", "Tgid:\t2147483648\n", -EINVAL},
	    {"Tgid:", "Tgid:\t12 13\n", -EINVAL},
	    {"Tgid:", "Tgid:\t12x\n", -EINVAL},
	    {"State:", "State:\t\n", -EINVAL},
	    {"State:", "State:\tRS (running)\n", -EINVAL},
	    {"Threads:", "Threads:\t4294967296\n", -EINVAL},
	    {"NSpid:", "NSpid:\t\n", -EINVAL},
	    {"NSpid:", "NSpid:\t1\t-2\n", -EINVAL},
	    {"Groups:", "Groups:\t4 x \n", -EINVAL},
	    {"Seccomp:", "Seccomp:\t99999999999\n", -EINVAL},
	    {"Ngid:", "Tgid:\t1\n", -EINVAL}, /* a second Tgid line */
	};

	check_line_cases(STATUS, status_sample, cases, ARRAY_SIZE(cases));
	expect_fails(STATUS, "", -EINVAL, "status: empty");
	expect_fails(STATUS, "\n", -EINVAL, "status: no State line");
	check_nul_byte(STATUS, status_sample);
}

/* A running task, a zombie, and a pid that is gone. */
static void test_task_state_live(void **state)
{
	pid_t child = fork();
	siginfo_t info;

	(void)state;
	if (child == 0)
		_exit(0);
	assert_true(child > 0);
	assert_int_equal(proc_task_state(getpid()), 'R');
	/* Until it is a zombie: waited for without reaping it. */
	assert_int_equal(waitid(P_PID, child, &info, WEXITED | WNOWAIT), 0);
	assert_int_equal(proc_task_state(child), 'Z');
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(proc_task_state(child), 0);
}

static void test_status_live(void **state)
{
	sigset_t set, old;
	struct proc_status st;
	int nr_groups = getgroups(0, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
	check_ok(proc_parse_status(getpid(), &st));
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);

	assert_int_equal(st.state, 'R');
	assert_int_equal(st.tgid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.uid[0], getuid());
	assert_int_equal(st.uid[1], geteuid());
	assert_int_equal(st.gid[0], getgid());
	assert_int_equal(st.gid[1], getegid());
	if (nr_groups <= 64)
		assert_int_equal(st.nr_groups, nr_groups);
	assert_true(st.sig_blocked & (1ull << (SIGUSR2 - 1)));
	assert_int_equal(st.threads, 1);
	assert_int_equal(st.no_new_privs, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	assert_true(st.nspid_depth >= 1);
}

/* ---- fdinfo ---------------------------------------------------------------------------------- */

static void test_fdinfo_samples(void **state)
{
#define WANT_FDINFO(pos_, flags_, mnt_id_, ino_)                                                   \
	{                                                                                          \
		.pos = pos_, .flags = flags_, .mnt_id = mnt_id_, .ino = ino_                       \
	}
	static const struct proc_fdinfo want[] = {
	    {.flags = 02004002, .mnt_id = 9, .ino = 1130124, .scm_fds = 2},
	    WANT_FDINFO(7, 02100000, 26, 861),
	    {.flags = 0102002,
	     .mnt_id = 26,
	     .ino = 10952942,
	     .nr_locks = 1,
	     .locks = {{PROC_LOCK_FLOCK, 1, 0, UINT64_MAX}}},
	    WANT_FDINFO(0, 04002, 17, 1038),
	    WANT_FDINFO(0, 02, 17, 1038),
	    WANT_FDINFO(0, 00, 17, 1038),
	    WANT_FDINFO(0, 02, 17, 1038),
	};
#undef WANT_FDINFO
	struct parsed p;
	size_t i;

	assert_int_equal(ARRAY_SIZE(want), ARRAY_SIZE(fdinfo_samples));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		expect_ok(FDINFO, fdinfo_samples[i], &p);
		assert_memory_equal(&p.fdinfo, &want[i], sizeof(want[i]));
	}
}

static void test_fdinfo_variants(void **state)
{
	struct parsed p;

	/* The fdinfo of an io_uring has lines with no ':'. */
	expect_ok(FDINFO,
		  "pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t9\nPollList:\n  op=1, task_works=0\n",
		  &p);
	assert_int_equal(p.fdinfo.ino, 9);
	expect_ok(FDINFO, "pos:\t18446744073709551615\nflags:\t037777777777\n", &p);
	assert_int_equal(p.fdinfo.pos, UINT64_MAX);
	assert_int_equal(p.fdinfo.flags, UINT32_MAX);
	assert_int_equal(p.fdinfo.mnt_id, 0);
	assert_int_equal(p.fdinfo.ino, 0);
}

/* POSIX, OFD, lease lines: kinds, types and ranges. */
static void test_fdinfo_locks(void **state)
{
	static const struct proc_lock want[] = {
	    {PROC_LOCK_POSIX, 1, 10, 29},
	    {PROC_LOCK_POSIX, 0, 100, UINT64_MAX},
	    {PROC_LOCK_OFD, 0, 5, 11},
	    {PROC_LOCK_OTHER, 0, 0, 0},
	};
	struct parsed p;

	expect_ok(FDINFO,
		  "pos:\t0\nflags:\t02\nmnt_id:\t26\nino:\t9\n"
		  "lock:\t1: POSIX  ADVISORY  WRITE 29045 fe:00:10953118 10 29\n"
		  "lock:\t2: POSIX  ADVISORY  READ 29045 fe:00:10953118 100 EOF\n"
		  "lock:\t3: OFDLCK ADVISORY  READ -1 fe:00:10953273 5 11\n"
		  "lock:\t4: LEASE  ACTIVE    READ 29045 fe:00:10953273 0 EOF\n",
		  &p);
	assert_int_equal(p.fdinfo.nr_locks, 4);
	assert_memory_equal(p.fdinfo.locks, want, sizeof(want));
	expect_fails(FDINFO, "pos:\t0\nflags:\t02\nlock:\t1: POSIX  ADVISORY  WRITE 1 0:0:9 10 9\n",
		     -EINVAL, "fdinfo line 3: lock ends before it starts");
	expect_fails(FDINFO, "pos:\t0\nflags:\t02\nlock:\t1: FLOCK  ADVISORY  BOTH 1 0:0:9 0 EOF\n",
		     -EINVAL, "fdinfo line 3: a lock neither READ nor WRITE");
	expect_fails(FDINFO, "pos:\t0\nflags:\t02\nlock:\t1: POSIX  ADVISORY  READ 1 0:0:9 x EOF\n",
		     -EINVAL, "fdinfo line 3: lock start");
}

static bool fdinfo_complete(const char *text, size_t len)
{
	return len && text[len - 1] == '\n' && len >= end_of_line(text, "flags:");
}

static void test_fdinfo_truncated(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fdinfo_samples); i++)
		check_truncations(FDINFO, fdinfo_samples[i], fdinfo_complete);
}

static void test_fdinfo_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"pos:", "", -EINVAL},
	    {"flags:", "", -EINVAL},
	    {"flags:", "flags:\t0800\n", -EINVAL},
	    {"flags:", "flags:\t-1\n", -EINVAL},
	    {"flags:", "flags:\t040000000000\n", -EINVAL},
	    {"flags:", "flags:\t0x10\n", -EINVAL},
	    {"pos:", "pos:\t18446744073709551616\n", -EINVAL},
	    {"pos:", "pos:\t\n", -EINVAL},
	    {"pos:", "pos:\t1 2\n", -EINVAL},
	    {"mnt_id:", "mnt_id:\tx\n", -EINVAL},
	    {"ino:", "ino:\t-5\n", -EINVAL},
	    {"ino:", "pos:\t1\n", -EINVAL}, /* a second pos line */
	};

	check_line_cases(FDINFO, fdinfo_samples[0], cases, ARRAY_SIZE(cases));
	expect_fails(FDINFO, "", -EINVAL, "fdinfo: empty");
	expect_fails(FDINFO, "\n", -EINVAL, "fdinfo: no pos line");
	check_nul_byte(FDINFO, fdinfo_samples[1]);
}

static void test_fdinfo_live(void **state)
{
	struct proc_fdinfo fi;
	struct stat st;
	int fd;

	char path[] = "/tmp/cryo-fdinfo-XXXXXX";

	fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(write(fd, path, 20), 20);
	assert_int_equal(lseek(fd, 12, SEEK_SET), 12);
	assert_int_equal(fstat(fd, &st), 0);
	check_ok(proc_parse_fdinfo(getpid(), fd, &fi));
	close(fd);
	assert_int_equal(fi.pos, 12);
	assert_int_equal(fi.flags & O_ACCMODE, O_RDWR);
	assert_int_equal(fi.flags & O_CLOEXEC, O_CLOEXEC);
	assert_int_equal(fi.ino, st.st_ino);
	assert_true(fi.mnt_id > 0);
}

/* ---- timers ---------------------------------------------------------------------------------- */

static void test_timers_sample(void **state)
{
	static const struct proc_timer want[] = {
	    {1, 7, 0, SIGEV_NONE, 0, 24442, 0},
	    {4, 0, 12, SIGEV_THREAD, 0, 24442, 0},
	    {5, 1, 36, SIGEV_SIGNAL | SIGEV_THREAD_ID, 0xa439a8133a1f5b3e, 24448, 0},
	    {8, 1, 38, SIGEV_SIGNAL, 0x8e640211a734d8e4, 24442, 0},
	    {10, 1, 0, SIGEV_NONE, 0x814d892c2e2df861, 24442, 0},
	    {11, -6, 0, SIGEV_NONE, 0x20b47e4ef07b5912, 24442, 0},
	    {12, -195586, 0, SIGEV_NONE, 0xfea3eaae88bf9696, 24442, 0},
	};
	struct parsed p;

	expect_ok(TIMERS, timers_sample, &p);
	assert_int_equal(p.nr_timers, ARRAY_SIZE(want));
	assert_memory_equal(p.timers, want, sizeof(want));
	free(p.timers);
}

static void test_timers_variants(void **state)
{
	struct parsed p;

	/* No timers: an empty file, the only /proc file that may be. */
	expect_ok(TIMERS, "", &p);
	assert_null(p.timers);
	assert_int_equal(p.nr_timers, 0);

	/* The extremes: the highest ID, any signal number with SIGEV_NONE, the lowest clock. */
	expect_ok(TIMERS,
		  "ID: 2147483647\nsignal: -7/ffffffffffffffff\nnotify: none/pid.0\n"
		  "ClockID: -2147483648\nID: 0\nsignal: 64/0\nnotify: signal/tid.2147483647\n"
		  "ClockID: 2147483647\n",
		  &p);
	assert_int_equal(p.nr_timers, 2);
	assert_int_equal(p.timers[0].id, 0);
	assert_int_equal(p.timers[0].target, INT32_MAX);
	assert_int_equal(p.timers[0].clock, INT32_MAX);
	assert_int_equal(p.timers[1].id, INT32_MAX);
	assert_int_equal(p.timers[1].signo, -7);
	assert_int_equal(p.timers[1].sigval, UINT64_MAX);
	assert_int_equal(p.timers[1].clock, INT32_MIN);
	free(p.timers);
}

static bool timers_complete(const char *text, size_t len)
{
	return !len || ends_with_line(text, len, "ClockID:");
}

static void test_timers_truncated(void **state)
{
	check_truncations(TIMERS, timers_sample, timers_complete);
}

static void test_timers_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"ID: 12", "ID: -1\n", -EINVAL},
	    {"ID: 12", "ID: 2147483648\n", -EINVAL},
	    {"ID: 12", "ID: 12 13\n", -EINVAL},
	    {"ID: 12", "ID:\n", -EINVAL},
	    {"ID: 12", "Id: 12\n", -EINVAL},
	    {"ID: 12", "IDs: 12\n", -EINVAL},
	    {"ID: 12", "signal: 0/0\n", -EINVAL},
	    {"ID: 11", "ID: 12\n", -EINVAL}, /* listed twice */
	    {"signal: 0/fea3", "signal: 34\n", -EINVAL},
	    {"signal: 0/fea3", "signal: 34/\n", -EINVAL},
	    {"signal: 0/fea3", "signal: /0\n", -EINVAL},
	    {"signal: 0/fea3", "signal: x/0\n", -EINVAL},
	    {"signal: 0/fea3", "signal: 2147483648/0\n", -EINVAL},
	    {"signal: 0/fea3", "signal: 34/0x10\n", -EINVAL},
	    {"signal: 0/fea3", "signal: 34/10000000000000000\n", -EINVAL},
	    {"signal: 0/fea3", "signal: 34/12 34\n", -EINVAL},
	    {"notify: none", "notify: none/tid.5\n", -EINVAL},
	    {"notify: none", "notify: thread/tid.5\n", -EINVAL},
	    {"notify: none", "notify: bogus/pid.5\n", -EINVAL},
	    {"notify: none", "notify: signal/pgid.5\n", -EINVAL},
	    {"notify: none", "notify: signal/pid5\n", -EINVAL},
	    {"notify: none", "notify: signal.pid/5\n", -EINVAL},
	    {"notify: none", "notify: signal/pid.-5\n", -EINVAL},
	    {"notify: none", "notify: signal/pid.\n", -EINVAL},
	    {"notify: none", "notify: signal\n", -EINVAL},
	    {"ClockID: -195586", "ClockID: -2147483649\n", -EINVAL},
	    {"ClockID: -195586", "ClockID: 2147483648\n", -EINVAL},
	    {"ClockID: -195586", "ClockID: --2\n", -EINVAL},
	    {"ClockID: -195586", "ClockID: -\n", -EINVAL},
	    {"ClockID: -195586", "ClockID: +2\n", -EINVAL},
	    {"ClockID: -195586", "ClockID:\n", -EINVAL},
	    {"ClockID: -195586", "ClockID: 1 2\n", -EINVAL},
	};

	check_line_cases(TIMERS, timers_sample, cases, ARRAY_SIZE(cases));
	expect_fails(TIMERS, "\n", -EINVAL, "timers line 1: '' where ID: was expected");
	expect_fails(TIMERS, "ID: 1\nnotify: none/pid.1\nsignal: 0/0\nClockID: 1\n", -EINVAL,
		     "timers line 2: 'notify");
	expect_fails(TIMERS, "ID: 1\nsignal: 0/0\nnotify: none/pid.1\n", -EINVAL,
		     "timers: timer without its ClockID line");
	check_nul_byte(TIMERS, timers_sample);
}

/* Timers of this process: a signal with a sigval, one aimed at this thread, one without signal. */
static void test_timers_live(void **state)
{
	struct sigevent signal_ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 2};
	struct sigevent thread_ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR2};
	struct sigevent none_ev = {.sigev_notify = SIGEV_NONE};
	struct proc_timer *timers;
	int ids[3], i;
	size_t nr;

	signal_ev.sigev_value.sival_ptr = (void *)0x1234abcdull;
	thread_ev._sigev_un._tid = gettid();
	assert_int_equal(syscall(SYS_timer_create, CLOCK_BOOTTIME, &signal_ev, &ids[0]), 0);
	assert_int_equal(syscall(SYS_timer_create, CLOCK_MONOTONIC, &thread_ev, &ids[1]), 0);
	assert_int_equal(syscall(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, &none_ev, &ids[2]), 0);
	check_ok(proc_parse_timers(getpid(), &timers, &nr));
	for (i = 0; i < 3; i++)
		assert_int_equal(syscall(SYS_timer_delete, ids[i]), 0);

	assert_int_equal(nr, 3);
	assert_true(ids[0] < ids[1] && ids[1] < ids[2]);
	assert_int_equal(timers[0].id, ids[0]);
	assert_int_equal(timers[0].clock, CLOCK_BOOTTIME);
	assert_int_equal(timers[0].notify, SIGEV_SIGNAL);
	assert_int_equal(timers[0].signo, SIGRTMIN + 2);
	assert_int_equal(timers[0].sigval, 0x1234abcd);
	assert_int_equal(timers[0].target, getpid());
	assert_int_equal(timers[1].notify, SIGEV_SIGNAL | SIGEV_THREAD_ID);
	assert_int_equal(timers[1].signo, SIGUSR2);
	assert_int_equal(timers[1].target, gettid());
	/* The kernel keeps the process CPU clock as "CPU time of pid 0, scheduler kind". */
	assert_int_equal(timers[2].clock, -6);
	assert_int_equal(timers[2].notify, SIGEV_NONE);
	free(timers);

	check_ok(proc_parse_timers(getpid(), &timers, &nr));
	assert_null(timers);
	assert_int_equal(nr, 0);
}

/* ---- the fdinfo lines of anonymous-inode files ---------------------------------------------- */

static bool complete_after(const char *text, size_t len, const char *key)
{
	return len && text[len - 1] == '\n' && len >= end_of_line(text, key);
}

static bool eventfd_complete(const char *text, size_t len)
{
	return complete_after(text, len, "eventfd-count:");
}

static bool signalfd_complete(const char *text, size_t len)
{
	return complete_after(text, len, "sigmask:");
}

static bool timerfd_complete(const char *text, size_t len)
{
	return complete_after(text, len, "it_interval:");
}

/* A list: any whole lines. */
static bool lines_complete(const char *text, size_t len)
{
	return len && text[len - 1] == '\n';
}

static void test_eventfd(void **state)
{
	struct parsed p;

	expect_ok(EVENTFD, eventfd_sample, &p);
	assert_int_equal(p.efd.count, 0x12345678e);
	assert_int_equal(p.efd.semaphore, 1);
	/* Older kernels have no eventfd-semaphore line. */
	expect_ok(EVENTFD, FDINFO_HEAD "eventfd-count:                0\neventfd-id: 1\n", &p);
	assert_int_equal(p.efd.count, 0);
	assert_int_equal(p.efd.semaphore, PROC_UNKNOWN);
	expect_ok(EVENTFD, "eventfd-count: fffffffffffffffe\n", &p);
	assert_int_equal(p.efd.count, 0xfffffffffffffffe);
	check_truncations(EVENTFD, eventfd_sample, eventfd_complete);
	check_nul_byte(EVENTFD, eventfd_sample);
}

static void test_eventfd_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"eventfd-count:", "", -EINVAL},
	    {"eventfd-count:", "eventfd-count: 0x5\n", -EINVAL},
	    {"eventfd-count:", "eventfd-count: 1ffffffffffffffff\n", -EINVAL},
	    {"eventfd-count:", "eventfd-count: 5 5\n", -EINVAL},
	    {"eventfd-semaphore:", "eventfd-semaphore: 2\n", -EINVAL},
	    {"eventfd-semaphore:", "eventfd-count: 5\n", -EINVAL},
	};

	check_line_cases(EVENTFD, eventfd_sample, cases, ARRAY_SIZE(cases));
}

static void test_signalfd(void **state)
{
	static const struct line_case cases[] = {
	    {"sigmask:", "", -EINVAL},
	    {"sigmask:", "sigmask:\t\n", -EINVAL},
	    {"sigmask:", "sigmask:\t00000008 00000200\n", -EINVAL},
	    {"sigmask:", "sigmask:\t10000000800000200\n", -EINVAL},
	};
	struct parsed p;

	expect_ok(SIGNALFD, signalfd_sample, &p);
	assert_int_equal(p.sfd.sigmask, 0x800000200);
	check_truncations(SIGNALFD, signalfd_sample, signalfd_complete);
	check_line_cases(SIGNALFD, signalfd_sample, cases, ARRAY_SIZE(cases));
}

static void test_timerfd(void **state)
{
	struct parsed p;

	expect_ok(TIMERFD, timerfd_sample, &p);
	assert_int_equal(p.tfd.clockid, 1);
	assert_int_equal(p.tfd.ticks, 3);
	assert_int_equal(p.tfd.settime_flags, 1);
	assert_int_equal(p.tfd.value[0], 0);
	assert_int_equal(p.tfd.value[1], 50604972);
	assert_int_equal(p.tfd.interval[0], 0);
	assert_int_equal(p.tfd.interval[1], 100000000);
	expect_ok(TIMERFD,
		  "clockid: 7\nticks: 18446744073709551615\nsettime flags: 03\n"
		  "it_value: (9223372036854775807, 999999999)\nit_interval: (12, 0)\n",
		  &p);
	assert_int_equal(p.tfd.clockid, 7);
	assert_int_equal(p.tfd.ticks, UINT64_MAX);
	assert_int_equal(p.tfd.settime_flags, 3);
	assert_int_equal(p.tfd.value[0], INT64_MAX);
	assert_int_equal(p.tfd.value[1], 999999999);
	assert_int_equal(p.tfd.interval[0], 12);
	check_truncations(TIMERFD, timerfd_sample, timerfd_complete);
}

static void test_timerfd_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"clockid:", "", -EINVAL},
	    {"ticks:", "", -EINVAL},
	    {"settime flags:", "", -EINVAL},
	    {"it_value:", "", -EINVAL},
	    {"it_interval:", "", -EINVAL},
	    {"clockid:", "clockid: -1\n", -EINVAL},
	    {"settime flags:", "settime flags: 08\n", -EINVAL},
	    {"it_value:", "it_value: (0 5)\n", -EINVAL},
	    {"it_value:", "it_value: 0, 5)\n", -EINVAL},
	    {"it_value:", "it_value: (0, 5\n", -EINVAL},
	    {"it_value:", "it_value: (0, 5) 6\n", -EINVAL},
	    {"it_value:", "it_value: (, 5)\n", -EINVAL},
	    {"it_value:", "it_value: (0, )\n", -EINVAL},
	    {"it_value:", "it_value: (-1, 5)\n", -EINVAL},
	    {"it_value:", "it_value: (9223372036854775808, 5)\n", -EINVAL},
	    {"it_interval:", "it_interval: (0, 1000000000)\n", -EINVAL},
	    {"it_interval:", "it_interval:\n", -EINVAL},
	};

	check_line_cases(TIMERFD, timerfd_sample, cases, ARRAY_SIZE(cases));
}

static void test_epoll(void **state)
{
	static const struct proc_epoll_tfd want[] = {
	    {4, 0x10000019, 0x2b},
	    {5, 0x40000019, 0x2a},
	    {3, 0x80000019, 0xffffffffdeadbeef},
	};
	struct parsed p;

	expect_ok(EPOLL, epoll_sample, &p);
	assert_int_equal(p.nr_tfds, ARRAY_SIZE(want));
	assert_memory_equal(p.tfds, want, sizeof(want));
	free(p.tfds);
	/* An epoll instance with nothing registered. */
	expect_ok(EPOLL, FDINFO_HEAD, &p);
	assert_null(p.tfds);
	assert_int_equal(p.nr_tfds, 0);
	check_truncations(EPOLL, epoll_sample, lines_complete);
	check_nul_byte(EPOLL, epoll_sample);
}

static void test_epoll_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"tfd:        5", "tfd: x events: 19 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: -5 events: 19 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: 2147483648 events: 19 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 events: 19\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 events: 19 data:\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 events 19 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 events: 19 events: 19 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 events: 100000000 data: 1\n", -EINVAL},
	    {"tfd:        5", "tfd: 5 events: 19 data: 1 pos:\n", -EINVAL},
	    {"tfd:        5", "tfd:\n", -EINVAL},
	};

	check_line_cases(EPOLL, epoll_sample, cases, ARRAY_SIZE(cases));
}

static void test_inotify(void **state)
{
	static const uint8_t proc_handle[] = {0xf2, 0x20, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t dir_handle[] = {0x96, 0x22, 0xa7, 0x00, 0x39, 0x51, 0x12, 0x39};
	struct parsed p;

	expect_ok(INOTIFY, inotify_sample, &p);
	assert_int_equal(p.nr_wds, 4);
	assert_int_equal(p.wds[0].wd, 4);
	assert_int_equal(p.wds[0].ino, 0x1020f2);
	assert_int_equal(p.wds[0].sdev, 0x14);
	assert_int_equal(p.wds[0].mask, 0xfff);
	assert_int_equal(p.wds[0].handle_type, 0x81);
	assert_int_equal(p.wds[0].handle_bytes, sizeof(proc_handle));
	assert_memory_equal(p.wds[0].handle, proc_handle, sizeof(proc_handle));
	assert_int_equal(p.wds[1].wd, 3);
	assert_int_equal(p.wds[1].sdev, 0xfe00000);
	assert_int_equal(p.wds[1].mask, 0x20000fff);
	assert_int_equal(p.wds[1].handle_type, 1);
	assert_int_equal(p.wds[1].handle_bytes, sizeof(dir_handle));
	assert_memory_equal(p.wds[1].handle, dir_handle, sizeof(dir_handle));
	assert_int_equal(p.wds[2].wd, 1);
	assert_int_equal(p.wds[2].mask, 0x300);
	assert_int_equal(p.wds[3].wd, 16);
	assert_int_equal(p.wds[3].handle_type, PROC_UNKNOWN);
	assert_int_equal(p.wds[3].handle_bytes, 0);
	free(p.wds);
	check_truncations(INOTIFY, inotify_sample, lines_complete);
	check_nul_byte(INOTIFY, inotify_sample);
}

static void test_inotify_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"inotify wd:1", "inotify wd:zz ino:1 sdev:1 mask:1\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:80000000 ino:1 sdev:1 mask:1\n", -EINVAL},
	    {"inotify wd:1", "inotify ino:1 sdev:1 mask:1\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 sdev:1 mask:1\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 mask:1\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:1\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:100000000 mask:1\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:1 mask:1 wd:2\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:1 mask:1 garbage\n", -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-type:1 f_handle:abc\n",
	     -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-type:1 f_handle:zz\n",
	     -EINVAL},
	    {"inotify wd:1", "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-type:1 f_handle:\n",
	     -EINVAL},
	};
	char zeros[2 * PROC_HANDLE_MAX + 3], text[sizeof(zeros) + 64];

	check_line_cases(INOTIFY, inotify_sample, cases, ARRAY_SIZE(cases));
	/* A handle longer than MAX_HANDLE_SZ. */
	memset(zeros, '0', sizeof(zeros) - 1);
	zeros[sizeof(zeros) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-type:1 f_handle:%s\n", zeros);
	expect_fails(INOTIFY, text, -EINVAL, "fdinfo line 1: bad f_handle");
	/* A handle needs its type, and the other way round. */
	expect_fails(INOTIFY, "inotify wd:1 ino:1 sdev:1 mask:1 f_handle:00\n", -EINVAL,
		     "fdinfo: watch 1: f_handle without fhandle-type");
	expect_fails(INOTIFY, "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-type:1\n", -EINVAL,
		     "fdinfo: watch 1: f_handle without fhandle-type");
}

/* The kernel's own lines, from this process's descriptors. */
static void test_anon_fdinfo_live(void **state)
{
	struct itimerspec its = {.it_interval = {3, 0}, .it_value = {100, 0}};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 0x123456789abcdef};
	char dir[] = "/tmp/cryo-inotify-XXXXXX";
	struct proc_epoll_tfd *tfds;
	struct proc_inotify_wd *wds;
	struct proc_signalfd sfd;
	struct proc_timerfd tfd;
	struct proc_eventfd efd;
	int e, s, t, ep, in, wd;
	uint64_t add = 1u << 20;
	struct stat st;
	sigset_t mask;
	size_t nr;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	e = eventfd(7, EFD_SEMAPHORE | EFD_CLOEXEC);
	s = signalfd(-1, &mask, SFD_CLOEXEC);
	t = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	in = inotify_init1(IN_CLOEXEC);
	assert_true(e >= 0 && s >= 0 && t >= 0 && ep >= 0 && in >= 0);
	assert_int_equal(write(e, &add, sizeof(add)), sizeof(add));
	assert_int_equal(timerfd_settime(t, 0, &its, NULL), 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev), 0);
	assert_non_null(mkdtemp(dir));
	wd = inotify_add_watch(in, dir, IN_CREATE | IN_ONESHOT);
	assert_true(wd > 0);
	assert_int_equal(stat(dir, &st), 0);

	check_ok(proc_parse_eventfd(getpid(), e, &efd));
	assert_int_equal(efd.count, 7 + add);
	assert_true(efd.semaphore == 1 || efd.semaphore == PROC_UNKNOWN);
	check_ok(proc_parse_signalfd(getpid(), s, &sfd));
	assert_int_equal(sfd.sigmask, 1ull << (SIGUSR2 - 1));
	check_ok(proc_parse_timerfd(getpid(), t, &tfd));
	assert_int_equal(tfd.clockid, CLOCK_BOOTTIME);
	assert_int_equal(tfd.ticks, 0);
	assert_true(tfd.value[0] >= 98 && tfd.value[0] < 100);
	assert_int_equal(tfd.interval[0], 3);
	check_ok(proc_parse_epoll(getpid(), ep, &tfds, &nr));
	assert_int_equal(nr, 1);
	assert_int_equal(tfds[0].tfd, e);
	assert_int_equal(tfds[0].data, ev.data.u64);
	assert_int_equal(tfds[0].events & (EPOLLIN | EPOLLET), EPOLLIN | EPOLLET);
	free(tfds);
	check_ok(proc_parse_inotify(getpid(), in, &wds, &nr));
	assert_int_equal(nr, 1);
	assert_int_equal(wds[0].wd, wd);
	assert_int_equal(wds[0].ino, st.st_ino);
	assert_int_equal(wds[0].mask, IN_CREATE | IN_ONESHOT);
	free(wds);
	rmdir(dir);
	close(e);
	close(s);
	close(t);
	close(ep);
	close(in);
}

/* ---- mountinfo ------------------------------------------------------------------------------- */

static void test_mountinfo(void **state)
{
	struct parsed p;

	expect_ok(MOUNTINFO, mountinfo_sample, &p);
	assert_int_equal(p.nr_mounts, 4);
	assert_int_equal(p.mounts[0].mnt_id, 21);
	assert_int_equal(p.mounts[0].dev_major, 0);
	assert_int_equal(p.mounts[0].dev_minor, 20);
	assert_string_equal(p.mounts[0].root, "/");
	assert_string_equal(p.mounts[0].mount_point, "/proc");
	assert_int_equal(p.mounts[1].dev_major, 254);
	assert_string_equal(p.mounts[1].mount_point, "/");
	assert_string_equal(p.mounts[2].root, "/run/netns");
	assert_int_equal(p.mounts[3].mnt_id, 52);
	assert_string_equal(p.mounts[3].root, "/a\\b");
	assert_string_equal(p.mounts[3].mount_point, "/mnt/my disk");
	free(p.mounts);
	check_truncations(MOUNTINFO, mountinfo_sample, lines_complete);
	check_nul_byte(MOUNTINFO, mountinfo_sample);
}

static void test_mountinfo_corrupt(void **state)
{
	static const struct line_case cases[] = {
	    {"26 1", "x 1 254:0 / / rw - ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 -1 254:0 / / rw - ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 1 254 / / rw - ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 1 fe:0 / / rw - ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 1 254:0\n", -EINVAL},
	    {"26 1", "26 1 254:0 /\n", -EINVAL},
	    {"26 1", "26 1 254:0 / / rw ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 1 254:0 / / rw - ext4\n", -EINVAL},
	    {"26 1", "26 1 254:0 / /a\\04 rw - ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 1 254:0 / /a\\400 rw - ext4 /dev/vda rw\n", -EINVAL},
	    {"26 1", "26 1 254:0 / /a\\0x1 rw - ext4 /dev/vda rw\n", -EINVAL},
	};
	char *line = malloc(PATH_MAX + 64);

	check_line_cases(MOUNTINFO, mountinfo_sample, cases, ARRAY_SIZE(cases));
	/* A mount point of PATH_MAX bytes does not fit with its NUL. */
	assert_non_null(line);
	strcpy(line, "1 1 0:1 / /");
	memset(line + strlen(line), 'a', PATH_MAX - 1);
	strcpy(line + 11 + PATH_MAX - 1, " rw - t s\n");
	expect_fails(MOUNTINFO, line, -ENAMETOOLONG, "mountinfo line 1: mount point longer");
	free(line);
}

static void test_mountinfo_live(void **state)
{
	struct proc_mount *mounts;
	struct stat st;
	size_t nr, i;
	bool root = false;

	assert_int_equal(stat("/", &st), 0);
	check_ok(proc_parse_mountinfo(getpid(), &mounts, &nr));
	for (i = 0; i < nr; i++)
		root |= !strcmp(mounts[i].mount_point, "/") &&
			makedev(mounts[i].dev_major, mounts[i].dev_minor) == st.st_dev;
	free(mounts);
	assert_true(root);
}

/* ---- reading files, and the messages of the pid forms ---------------------------------------- */

static void test_read_file(void **state)
{
	char *buf;
	size_t len;

	/* Larger than the first 4096-byte buffer. */
	check_ok(proc_read_file("/proc/self/smaps", &buf, &len));
	assert_true(len > 4096);
	assert_int_equal(strlen(buf), len);
	assert_int_equal(buf[len - 1], '\n');
	free(buf);

	check_fails(proc_read_file("/proc/self/no-such-file", &buf, &len), -ENOENT,
		    "Cannot open /proc/self/no-such-file");
}

static void test_pid_forms_name_the_file(void **state)
{
	struct proc_vma sentinel, *vmas = &sentinel;
	struct proc_timer timer, *timers;
	struct proc_status status;
	struct proc_fdinfo fi;
	struct proc_stat st;
	size_t nr = 1;

	/* No task has the pid INT_MAX: pid_max is at most 4194304. */
	check_fails(proc_parse_stat(INT_MAX, &st), -ENOENT, "Cannot open /proc/2147483647/stat");
	check_fails(proc_parse_status(INT_MAX, &status), -ENOENT,
		    "Cannot open /proc/2147483647/status");
	check_fails(proc_parse_fdinfo(getpid(), 12345, &fi), -ENOENT, "Cannot open /proc/");
	check_fails(proc_parse_smaps(INT_MAX, &vmas, &nr), -ENOENT,
		    "Cannot open /proc/2147483647/smaps");
	assert_null(vmas);
	assert_int_equal(nr, 0);
	timers = &timer;
	nr = 1;
	check_fails(proc_parse_timers(INT_MAX, &timers, &nr), -ENOENT,
		    "Cannot open /proc/2147483647/timers");
	assert_null(timers);
	assert_int_equal(nr, 0);

	/* A kernel thread has an empty smaps: the message names /proc/2/smaps. */
	if (access("/proc/2/stat", R_OK))
		skip();
	check_ok(proc_parse_stat(2, &st));
	if (!(st.flags & 0x00200000)) /* PF_KTHREAD */
		skip();
	check_fails(proc_parse_smaps(2, &vmas, &nr), -EINVAL, "/proc/2/smaps: empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_smaps_sample),
	    cmocka_unit_test(test_smaps_all_vmflags),
	    cmocka_unit_test(test_smaps_names),
	    cmocka_unit_test(test_smaps_adjacent),
	    cmocka_unit_test(test_smaps_truncated),
	    cmocka_unit_test(test_smaps_corrupt),
	    cmocka_unit_test(test_smaps_live),
	    cmocka_unit_test(test_stat_sample),
	    cmocka_unit_test(test_stat_field_numbers),
	    cmocka_unit_test(test_stat_comm),
	    cmocka_unit_test(test_stat_truncated),
	    cmocka_unit_test(test_stat_corrupt),
	    cmocka_unit_test(test_stat_live),
	    cmocka_unit_test(test_status_sample),
	    cmocka_unit_test(test_status_variants),
	    cmocka_unit_test(test_status_truncated),
	    cmocka_unit_test(test_status_corrupt),
	    cmocka_unit_test(test_status_live),
	    cmocka_unit_test(test_task_state_live),
	    cmocka_unit_test(test_fdinfo_samples),
	    cmocka_unit_test(test_fdinfo_variants),
	    cmocka_unit_test(test_fdinfo_locks),
	    cmocka_unit_test(test_fdinfo_truncated),
	    cmocka_unit_test(test_fdinfo_corrupt),
	    cmocka_unit_test(test_fdinfo_live),
	    cmocka_unit_test(test_eventfd),
	    cmocka_unit_test(test_eventfd_corrupt),
	    cmocka_unit_test(test_signalfd),
	    cmocka_unit_test(test_timerfd),
	    cmocka_unit_test(test_timerfd_corrupt),
	    cmocka_unit_test(test_epoll),
	    cmocka_unit_test(test_epoll_corrupt),
	    cmocka_unit_test(test_inotify),
	    cmocka_unit_test(test_inotify_corrupt),
	    cmocka_unit_test(test_anon_fdinfo_live),
	    cmocka_unit_test(test_mountinfo),
	    cmocka_unit_test(test_mountinfo_corrupt),
	    cmocka_unit_test(test_mountinfo_live),
	    cmocka_unit_test(test_timers_sample),
	    cmocka_unit_test(test_timers_variants),
	    cmocka_unit_test(test_timers_truncated),
	    cmocka_unit_test(test_timers_corrupt),
	    cmocka_unit_test(test_timers_live),
	    cmocka_unit_test(test_read_file),
	    cmocka_unit_test(test_pid_forms_name_the_file),
	};
	int real_stderr = dup(STDERR_FILENO);
	FILE *log = tmpfile();

	/*
	 * log.c writes to fd 2: make fd 2 a file that check_ok() and check_fails() read, and
	 * give cmocka's own messages (the stderr FILE) a copy of the real stderr.
	 */
	if (real_stderr < 0 || !log || dup2(fileno(log), STDERR_FILENO) < 0) {
		perror("cannot capture the log");
		return 1;
	}
	stderr = fdopen(real_stderr, "w");
	if (!stderr)
		return 1;
	setvbuf(stderr, NULL, _IONBF, 0);
	log_file = STDERR_FILENO;
	log_set_fd(log_file);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
