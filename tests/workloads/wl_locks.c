// SPDX-License-Identifier: MIT
/*
 * File locks (dumped and restored with --file-locks):
 *
 *   flocked   flock(LOCK_EX);
 *   posix     POSIX locks through a descriptor also dup'd: a write lock on bytes 10 to 29 and a
 *             read lock from byte 100 to the end;
 *   ofd       OFD locks: a read lock on bytes 5 to 11, a write lock on bytes 50 to 59;
 *   shared    flock(LOCK_SH) on a description this process shares with its child.
 *
 * After go, a new process (a checker, forked then) tries to take them from descriptions of its
 * own: what is locked must fail (EWOULDBLOCK, EAGAIN), just around the ranges must succeed, and
 * F_GETLK must name this process as the holder of the POSIX lock. fdinfo must list the locks
 * under their descriptors. Then this process unlocks everything, and a second checker must get
 * every lock: they were held by this process's own descriptions, not by anything of cryo's.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define POSIX_DUP 900

static char flocked[PATH_MAX], posix[PATH_MAX], ofd[PATH_MAX], shared[PATH_MAX];
static int flocked_fd, posix_fd, ofd_fd, shared_fd;
static pid_t child;

static int xopen(char *path, const char *name)
{
	int fd;

	wl_path(path, PATH_MAX, name);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 200))
		wl_die("open %s: %s", path, strerror(errno));
	return fd;
}

static int set_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};

	return fcntl(fd, cmd, &fl);
}

static void build(void)
{
	flocked_fd = xopen(flocked, "flocked");
	posix_fd = xopen(posix, "posix");
	ofd_fd = xopen(ofd, "ofd");
	shared_fd = xopen(shared, "shared");
	if (flock(flocked_fd, LOCK_EX) || flock(shared_fd, LOCK_SH) ||
	    set_lock(posix_fd, F_SETLK, F_WRLCK, 10, 20) ||
	    set_lock(posix_fd, F_SETLK, F_RDLCK, 100, 0) ||
	    set_lock(ofd_fd, F_OFD_SETLK, F_RDLCK, 5, 7) ||
	    set_lock(ofd_fd, F_OFD_SETLK, F_WRLCK, 50, 10) || dup2(posix_fd, POSIX_DUP) < 0)
		wl_die("locks: %s", strerror(errno));
	fflush(stdout);
	child = fork();
	if (child < 0)
		wl_die("fork: %s", strerror(errno));
	if (child == 0) {
		wl_wait_go();
		_exit(0);
	}
}

/* A description of the checker's own. */
static int reopen(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	return fd;
}

/* In a checker: flock(how | LOCK_NB) fails with EWOULDBLOCK (busy) or succeeds. */
static bool flock_is(const char *path, int how, bool busy)
{
	int fd = reopen(path), ret = flock(fd, how | LOCK_NB);
	bool ok = busy ? ret < 0 && errno == EWOULDBLOCK : ret == 0;

	close(fd);
	return wl_check(ok, "%s: flock(%s) %s, want %s", path,
			how == LOCK_EX ? "LOCK_EX" : "LOCK_SH", ret ? strerror(errno) : "succeeded",
			busy ? "EWOULDBLOCK" : "success");
}

/* In a checker: fcntl(cmd) of the range fails with EAGAIN (busy) or succeeds. */
static bool range_is(const char *path, int cmd, short type, off_t start, off_t len, bool busy)
{
	int fd = reopen(path), ret = set_lock(fd, cmd, type, start, len);
	bool ok = busy ? ret < 0 && (errno == EAGAIN || errno == EACCES) : ret == 0;

	close(fd);
	return wl_check(ok, "%s: %s %s lock of %ld+%ld %s, want %s", path,
			cmd == F_SETLK ? "POSIX" : "OFD", type == F_WRLCK ? "write" : "read",
			(long)start, (long)len, ret ? strerror(errno) : "succeeded",
			busy ? "EAGAIN" : "success");
}

/* In a checker: F_GETLK names the holder of the write lock on 10..29. */
static bool holder_is(pid_t owner)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 15, .l_len = 1};
	int fd = reopen(posix);

	fcntl(fd, F_GETLK, &fl);
	close(fd);
	return wl_check(fl.l_type == F_WRLCK && fl.l_pid == owner && fl.l_start == 10 &&
			    fl.l_len == 20,
			"F_GETLK: type %d, pid %d, range %ld+%ld, want a write lock of %d on 10+20",
			fl.l_type, fl.l_pid, (long)fl.l_start, (long)fl.l_len, owner);
}

static bool all_held(pid_t owner)
{
	bool ok = flock_is(flocked, LOCK_EX, true) & flock_is(flocked, LOCK_SH, true) &
		  flock_is(shared, LOCK_EX, true) & flock_is(shared, LOCK_SH, false) &
		  holder_is(owner) & range_is(posix, F_SETLK, F_RDLCK, 29, 1, true) &
		  range_is(posix, F_SETLK, F_WRLCK, 30, 70, false) &
		  range_is(posix, F_SETLK, F_RDLCK, 9, 1, false) &
		  range_is(posix, F_SETLK, F_WRLCK, 1000, 1, true) &
		  range_is(posix, F_SETLK, F_RDLCK, 1000, 1, false) &
		  range_is(ofd, F_OFD_SETLK, F_WRLCK, 11, 1, true) &
		  range_is(ofd, F_OFD_SETLK, F_RDLCK, 11, 1, false) &
		  range_is(ofd, F_OFD_SETLK, F_WRLCK, 12, 38, false) &
		  range_is(ofd, F_OFD_SETLK, F_RDLCK, 59, 1, true) &
		  range_is(ofd, F_OFD_SETLK, F_WRLCK, 60, 1, false);

	return ok;
}

static bool all_free(void)
{
	return flock_is(flocked, LOCK_EX, false) & flock_is(shared, LOCK_EX, false) &
	       range_is(posix, F_SETLK, F_WRLCK, 0, 0, false) &
	       range_is(ofd, F_OFD_SETLK, F_WRLCK, 0, 0, false);
}

/* A new process runs check and reports through its exit status. */
static void run_checker(bool (*check)(pid_t), const char *what)
{
	pid_t owner = getpid(), pid;
	int status = -1;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(check(owner) ? 0 : 1);
	waitpid(pid, &status, 0);
	wl_check(status == 0, "%s: the checker found otherwise", what);
}

static bool free_checker(pid_t owner)
{
	(void)owner;
	return all_free();
}

/* fdinfo of fd lists a lock with this text. */
static void check_fdinfo(int fd, const char *text)
{
	char path[64], *info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = wl_read_file(path, NULL);
	wl_check(strstr(info, text) != NULL, "fd %d: no \"%s\" in its fdinfo:\n%s", fd, text, info);
	free(info);
}

int main(int argc, char **argv)
{
	char mine[64];
	int status = -1;

	wl_init(argc, argv);
	build();
	wl_ready();
	wl_wait_go();

	run_checker(all_held, "the locks after restore");
	snprintf(mine, sizeof(mine), "POSIX  ADVISORY  WRITE %d ", getpid());
	check_fdinfo(posix_fd, mine);
	check_fdinfo(POSIX_DUP, mine);
	check_fdinfo(flocked_fd, "FLOCK  ADVISORY  WRITE");
	check_fdinfo(ofd_fd, "OFDLCK ADVISORY  WRITE -1");
	waitpid(child, &status, 0);
	wl_check(status == 0, "the child ended with %#x", status);
	if (flock(flocked_fd, LOCK_UN) || flock(shared_fd, LOCK_UN) ||
	    set_lock(posix_fd, F_SETLK, F_UNLCK, 0, 0) ||
	    set_lock(ofd_fd, F_OFD_SETLK, F_UNLCK, 0, 0))
		wl_check(false, "unlock: %s", strerror(errno));
	run_checker(free_checker, "the locks once released");
	return wl_finish();
}
