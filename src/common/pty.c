// SPDX-License-Identifier: MIT
/*
 * Bytes a pty's slave side wrote and its master has not read cannot be copied out without being
 * consumed: dump reads them, then puts them back, and restore puts them in the new pty, both by
 * writing them on the slave side. Output processing would change them (ONLCR makes "\n" into
 * "\r\n"), so it is off meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
/* After sys/ioctl.h: struct termios2, which glibc's <termios.h> would clash with. */
#include <asm/termbits.h>

#include "common/log.h"
#include "common/pty.h"
#include "common/util.h"

int pty_refill(int master, const struct termios2 *t, const void *buf, size_t len)
{
	struct termios2 raw = *t;
	int slave, ret = 0;

	if (!len)
		return 0;
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (slave < 0)
		return pr_perror("cannot open the slave side of a pty");
	raw.c_oflag &= ~OPOST;
	if (ioctl(master, TCSETS2, &raw))
		ret = pr_perror("cannot turn a pty's output processing off");
	else if (write_all(slave, buf, len))
		ret = pr_perror("cannot put %zu bytes back in a pty", len);
	if (ioctl(master, TCSETS2, t) && !ret)
		ret = pr_perror("cannot set a pty's settings again");
	close(slave);
	return ret;
}
