/* SPDX-License-Identifier: MIT */
/*
 * The protocol shared by every workload program (wl_*.c):
 *
 *   wl_NAME GO_FILE [ARGS...]
 *
 * The workload builds its state, prints READY and waits until GO_FILE exists; the test driver
 * dumps and restores it meanwhile. Then the workload checks its state from inside, prints PASS,
 * or one "FAIL: why" line per broken check, and exits 0 or 1. The directory of GO_FILE is the
 * test's private temporary directory: workloads create their files there.
 *
 * Everything checked after go must be state that only a real checkpoint/restore carries over:
 * random values generated at start, kernel objects, registers, timers.
 */
#ifndef CRYO_TESTS_WORKLOAD_H
#define CRYO_TESTS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WL_PAGE 4096ul

/* Parse argv (GO_FILE first); exits with a usage line when it is missing. */
void wl_init(int argc, char **argv);
const char *wl_go_path(void);
/* The directory holding GO_FILE. */
const char *wl_dir(void);
/* buf = wl_dir()/name; dies if it does not fit. */
void wl_path(char *buf, size_t size, const char *name);

/* Print READY, flushed; returns the number of bytes written. */
int wl_ready(void);
bool wl_go_exists(void);
/* Poll for GO_FILE every 10 ms; signals interrupting the sleep are fine. */
void wl_wait_go(void);

/* Setup failed before READY: print "FAIL: setup: ..." and exit 1. */
void wl_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* After go: when !ok, print "FAIL: ..." and remember the failure. Returns ok. */
bool wl_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A remark that is neither PASS nor FAIL (a sub-check skipped on this machine). */
void wl_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print PASS when no check failed; the exit status for main(). */
int wl_finish(void);
/* How many checks failed so far (for a child process, which reports by its exit status). */
int wl_failures(void);

/* Random bytes from getrandom(). */
void wl_random(void *buf, size_t len);
uint64_t wl_random_u64(void);

/*
 * Fill buf with the pseudo-random stream of seed. Word i of the stream depends only on the seed
 * and i, so wl_verify() can say where a damaged buffer differs.
 */
void wl_fill(void *buf, size_t len, uint64_t seed);
/* Pages (4 KiB, counted from buf) differing from the stream; *first: first bad byte offset. */
size_t wl_verify(const void *buf, size_t len, uint64_t seed, size_t *first);
/* wl_verify() reported with wl_check(), naming the buffer. */
bool wl_check_fill(const char *what, const void *buf, size_t len, uint64_t seed);

/* A whole (small, /proc) file, NUL-terminated, malloc'd; *len excludes the NUL. */
char *wl_read_file(const char *path, size_t *len);

/*
 * The VMAs of /proc/self/smaps meeting [start, end), one line each: the maps line, then its
 * VmFlags without the accounting flags "ac" and "nr" (they follow from how a mapping was created,
 * not from anything the process can see). Shmem inode numbers, which no restore can keep, show as
 * '*'. malloc'd text, for comparing the layout before and after go.
 */
char *wl_maps(uintptr_t start, uintptr_t end);
/* Compare a wl_maps() snapshot with the current one, printing both when they differ. */
bool wl_check_maps(const char *what, const char *before, uintptr_t start, uintptr_t end);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t wl_now_ns(void);

/*
 * The system call thread tid of this process is blocked in, from /proc/self/task/TID/syscall:
 * its number, -1 when the thread runs in user space (or is being traced), -2 when there is no
 * such thread.
 */
long wl_task_syscall(pid_t tid);
/* Poll wl_task_syscall(tid) until it is nr; false after timeout_ns. */
bool wl_wait_syscall(pid_t tid, long nr, int64_t timeout_ns);

#endif
