// SPDX-License-Identifier: MIT
/*
 * A process dumped inside nanosleep(): the driver dumps it during the sleep, which must then go
 * on after restore as if nothing happened: return 0, not -1/EINTR, and not before the 3 s asked
 * for have passed. The go file is not waited for.
 */
#include "workload.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define SLEEP_NS 3000000000ll

int main(int argc, char **argv)
{
	struct timespec req = {.tv_sec = SLEEP_NS / 1000000000ll}, rem = {0};
	int64_t start, slept;
	int ret;

	wl_init(argc, argv);
	wl_ready();
	start = wl_now_ns();
	ret = nanosleep(&req, &rem);
	slept = wl_now_ns() - start;

	wl_check(ret == 0, "nanosleep returned %d (%s), %ld.%09lds left", ret, strerror(errno),
		 rem.tv_sec, rem.tv_nsec);
	wl_check(slept >= SLEEP_NS, "nanosleep returned after %ld ns, want %lld", slept, SLEEP_NS);
	return wl_finish();
}
