// SPDX-License-Identifier: MIT
/*
 * timerfds:
 *
 *   expired   a one-shot timer that fired before the dump, never read: it reads 1, then EAGAIN;
 *   counted   a periodic timer of an hour, given a random count of expirations not read yet
 *             (TFD_IOC_SET_TICKS): it reads exactly that count, still an hour apart;
 *   periodic  every 20 ms from 400 ms before READY, never read: its first read counts at least
 *             the periods that went by before READY (the kernel counts them only when read), and
 *             no more than the time the process ran allows; it fires again after;
 *   oneshot   CLOCK_BOOTTIME, 3 s, armed at READY: it fires no sooner than 3 s after it was
 *             armed, and at most 3 s (and some slack) after go;
 *   absolute  CLOCK_REALTIME at an absolute time 4 s after READY (TFD_TIMER_ABSTIME): after go
 *             its time left is what the clock says, and it fires at that time.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t) /* <linux/timerfd.h> clashes with glibc's */
#endif

#define MS 1000000ll
#define SEC 1000000000ll
#define PERIOD_MS 20
#define BEFORE_READY_MS 400
#define ONESHOT_S 3
#define ABSOLUTE_S 4
#define SLACK_MS 1500
#define TIMEOUT_MS 20000

static int expired, counted, periodic, oneshot, absolute;
static uint64_t counted_ticks;
static int64_t periodic_start, oneshot_armed, absolute_at;

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){.tv_sec = ns / SEC, .tv_nsec = ns % SEC};
}

static int make(int clock, int flags, int settime_flags, int64_t value, int64_t interval)
{
	struct itimerspec its = {.it_value = ts_of(value), .it_interval = ts_of(interval)};
	int fd = timerfd_create(clock, flags);

	if (fd < 0 || timerfd_settime(fd, settime_flags, &its, NULL))
		wl_die("timerfd: %s", strerror(errno));
	return fd;
}

static void make_timers(void)
{
	periodic_start = wl_now_ns();
	periodic = make(CLOCK_MONOTONIC, 0, 0, PERIOD_MS * MS, PERIOD_MS * MS);
	expired = make(CLOCK_MONOTONIC, TFD_NONBLOCK, 0, MS, 0);
	counted = make(CLOCK_MONOTONIC, 0, 0, 3600 * SEC, 3600 * SEC);
	counted_ticks = 2 + wl_random_u64() % 1000000;
	if (ioctl(counted, TFD_IOC_SET_TICKS, &counted_ticks))
		wl_die("TFD_IOC_SET_TICKS: %s", strerror(errno));
	usleep(BEFORE_READY_MS * 1000);
	oneshot_armed = wl_now_ns();
	oneshot = make(CLOCK_BOOTTIME, 0, 0, ONESHOT_S * SEC, 0);
	absolute_at = realtime_ns() + ABSOLUTE_S * SEC;
	absolute =
	    make(CLOCK_REALTIME, 0, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, absolute_at, 0);
}

static bool wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, TIMEOUT_MS) == 1 && (p.revents & POLLIN);
}

/* The expirations read from fd (after waiting for one), 0 if none. */
static uint64_t expirations(int fd)
{
	uint64_t n = 0;

	if (!wait_readable(fd) || read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* The fdinfo line of fd that starts with key, as a number; -1 if none. */
static long fdinfo_number(int fd, const char *key)
{
	char path[64], *text, *line;
	long value = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = wl_read_file(path, NULL);
	line = text ? strstr(text, key) : NULL;
	if (line)
		value = strtol(line + strlen(key), NULL, 10);
	free(text);
	return value;
}

static void check_expired(void)
{
	uint64_t n = 0;

	wl_check(read(expired, &n, sizeof(n)) == sizeof(n) && n == 1,
		 "the expired timer reads %lu, want 1", (unsigned long)n);
	wl_check(read(expired, &n, sizeof(n)) < 0 && errno == EAGAIN,
		 "the expired timer has more to read");
}

static void check_counted(void)
{
	struct itimerspec its;
	uint64_t n = expirations(counted);

	wl_check(n == counted_ticks, "the counted timer reads %lu, want %lu", (unsigned long)n,
		 (unsigned long)counted_ticks);
	wl_check(!timerfd_gettime(counted, &its) && its.it_interval.tv_sec == 3600 &&
		     !its.it_interval.tv_nsec && its.it_value.tv_sec > 3000,
		 "the counted timer is not an hourly one: %ld s left, every %ld s",
		 (long)its.it_value.tv_sec, (long)its.it_interval.tv_sec);
}

static void check_periodic(void)
{
	uint64_t n = expirations(periodic), least = BEFORE_READY_MS / PERIOD_MS;
	uint64_t most = (wl_now_ns() - periodic_start) / (PERIOD_MS * MS) + 1;

	wl_check(n >= least && n <= most, "the periodic timer reads %lu, want %lu to %lu",
		 (unsigned long)n, (unsigned long)least, (unsigned long)most);
	n = expirations(periodic);
	wl_check(n >= 1, "the periodic timer does not fire again");
}

static void check_oneshot(int64_t go)
{
	uint64_t n;
	int64_t fired;

	wl_check(fdinfo_number(oneshot, "clockid:") == CLOCK_BOOTTIME,
		 "the one-shot timer's clock is %ld, want %d", fdinfo_number(oneshot, "clockid:"),
		 CLOCK_BOOTTIME);
	n = expirations(oneshot);
	fired = wl_now_ns();
	wl_check(n == 1, "the one-shot timer reads %lu, want 1", (unsigned long)n);
	wl_check(fired - oneshot_armed >= ONESHOT_S * SEC,
		 "the one-shot timer fired %ld ms after it was armed, before its %d s",
		 (long)((fired - oneshot_armed) / MS), ONESHOT_S);
	wl_check(fired - go <= ONESHOT_S * SEC + SLACK_MS * MS,
		 "the one-shot timer fired %ld ms after go, more than %d s",
		 (long)((fired - go) / MS), ONESHOT_S);
}

static void check_absolute(void)
{
	struct itimerspec its;
	int64_t left, want, fired;
	uint64_t n;

	wl_check(!timerfd_gettime(absolute, &its), "timerfd_gettime: %s", strerror(errno));
	left = its.it_value.tv_sec * SEC + its.it_value.tv_nsec;
	want = absolute_at - realtime_ns();
	/* Its time left is what the clock says (nothing once that time is past). */
	wl_check(left >= want - 50 * MS && left <= (want > 0 ? want : 0) + 50 * MS,
		 "the absolute timer has %ld ms left, the clock says %ld", (long)(left / MS),
		 (long)(want / MS));
	n = expirations(absolute);
	fired = realtime_ns();
	wl_check(n == 1 && fired >= absolute_at,
		 "the absolute timer read %lu, %ld ms after its time", (unsigned long)n,
		 (long)((fired - absolute_at) / MS));
}

int main(int argc, char **argv)
{
	int64_t go;

	wl_init(argc, argv);
	make_timers();
	wl_ready();
	wl_wait_go();
	go = wl_now_ns();
	check_expired();
	check_counted();
	check_periodic();
	check_absolute();
	check_oneshot(go);
	return wl_finish();
}
