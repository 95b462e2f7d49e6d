// SPDX-License-Identifier: MIT
/*
 * A process dumped inside poll() with no fds and a 3 s timeout: after restore the call must
 * still time out normally (return 0, not -1/EINTR) and not before the 3 s have passed. The go
 * file is not waited for.
 */
#include "workload.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#define TIMEOUT_MS 3000

int main(int argc, char **argv)
{
	int64_t start, waited;
	int ret;

	wl_init(argc, argv);
	wl_ready();
	start = wl_now_ns();
	ret = poll(NULL, 0, TIMEOUT_MS);
	waited = wl_now_ns() - start;

	wl_check(ret == 0, "poll returned %d (%s)", ret, strerror(errno));
	wl_check(waited >= TIMEOUT_MS * 1000000ll, "poll returned after %ld ns, want %lld", waited,
		 TIMEOUT_MS * 1000000ll);
	return wl_finish();
}
