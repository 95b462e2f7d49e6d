// SPDX-License-Identifier: MIT
/*
 * A pseudo-terminal inside the tree, as a terminal emulator and its shell have it:
 *
 *   this process   holds the master, with settings of its own: no echo, VINTR ^G, 9600 baud,
 *                  a window of random size;
 *   session        a child that made a session of its own and took the slave as its
 *                  controlling terminal (TIOCSCTTY);
 *   job            its child, leading a group of its own that is the terminal's foreground job.
 *
 * A second master, never unlocked (its slave cannot be opened), reads in packet mode.
 *
 * The job writes a line on the terminal before READY, which the master does not read before go.
 *
 * After go: the master reads that line first, as it was written (once); the master has its pty's
 * index back (unless another pty took it meanwhile, which is
 * noted), its settings and window size; the session's controlling terminal is that pty
 * (/proc/self/stat tty_nr, getsid, tcgetsid) and its foreground group the job's (tcgetpgrp); the
 * job, in the foreground, reads a line written on the master (a background reader would be
 * stopped), and its answer comes out of the master.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SLAVE_FD 10
#define TIMEOUT_MS 20000

static int master, packet_master;
static unsigned int index_before;
static struct termios tio_before;
static struct winsize ws_before;
static pid_t session, job;
static uint64_t token;

static void set_up_master(void)
{
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    ioctl(master, TIOCGPTN, &index_before))
		wl_die("a pty: %s", strerror(errno));
	tcgetattr(master, &tio_before);
	tio_before.c_lflag &= ~(ECHO | ECHOE | ECHOK);
	tio_before.c_cc[VINTR] = 7;
	cfsetspeed(&tio_before, B9600);
	ws_before = (struct winsize){.ws_row = 10 + wl_random_u64() % 90,
				     .ws_col = 40 + wl_random_u64() % 200};
	if (tcsetattr(master, TCSANOW, &tio_before) || ioctl(master, TIOCSWINSZ, &ws_before))
		wl_die("pty settings: %s", strerror(errno));
	tcgetattr(master, &tio_before);
	token = wl_random_u64();
	packet_master = posix_openpt(O_RDWR | O_NOCTTY);
	if (packet_master < 0 || ioctl(packet_master, TIOCPKT, &(int){1}))
		wl_die("a pty in packet mode: %s", strerror(errno));
}

/* Its controlling terminal is the pty of the master's index now, with fg as foreground group. */
static void check_ctty(const char *who, pid_t fg)
{
	char *stat = wl_read_file("/proc/self/stat", NULL), link[PATH_MAX], want[64];
	unsigned int index = 0, tty_nr = 0;
	ssize_t n;

	ioctl(master, TIOCGPTN, &index);
	sscanf(strrchr(stat, ')') + 2, "%*c %*d %*d %*d %u", &tty_nr);
	free(stat);
	/* proc(5): minor in bits 0-7 and 20-31, major in 8-19; a pty's minor is below 256. */
	wl_check(tty_nr == ((136 + index / 256) << 8 | index % 256), "%s: tty_nr %#x, want pty %u",
		 who, tty_nr, index);
	wl_check(tcgetsid(SLAVE_FD) == session && getsid(0) == session,
		 "%s: session %d, the terminal's %d, want %d", who, getsid(0), tcgetsid(SLAVE_FD),
		 session);
	wl_check(tcgetpgrp(SLAVE_FD) == fg, "%s: foreground group %d, want %d", who,
		 tcgetpgrp(SLAVE_FD), fg);
	snprintf(want, sizeof(want), "/dev/pts/%u", index);
	n = readlink("/proc/self/fd/10", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	wl_check(!strcmp(link, want), "%s: fd %d is %s, want %s", who, SLAVE_FD, link, want);
}

/* The job: in the foreground, it reads the master's line and answers. */
static int run_job(void)
{
	char line[64] = {0}, want[64];
	ssize_t n;

	dprintf(SLAVE_FD, "early %lx\n", (unsigned long)token);
	wl_wait_go();
	check_ctty("job", getpgrp());
	snprintf(want, sizeof(want), "%lx\n", (unsigned long)token);
	n = read(SLAVE_FD, line, sizeof(line) - 1);
	wl_check(n > 0 && !strcmp(line, want), "job: read \"%s\" from the terminal, want \"%s\"",
		 line, want);
	return dprintf(SLAVE_FD, "pong %lx\n", (unsigned long)~token) > 0 && wl_finish() == 0 ? 0
											      : 1;
}

/* The session leader: the slave is its controlling terminal, the job its foreground. */
static int run_session(void)
{
	int status = -1, fd;

	session = setsid();
	if (session < 0)
		return 1;
	fd = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (fd < 0 || dup2(fd, SLAVE_FD) != SLAVE_FD || ioctl(SLAVE_FD, TIOCSCTTY, 0))
		return 1;
	close(fd);
	job = fork();
	if (job == 0) {
		setpgid(0, 0);
		_exit(run_job());
	}
	setpgid(job, job);
	signal(SIGTTOU, SIG_IGN);
	if (job < 0 || tcsetpgrp(SLAVE_FD, job))
		return 1;
	wl_wait_go();
	check_ctty("session", job);
	waitpid(job, &status, 0);
	return status == 0 && wl_finish() == 0 ? 0 : 1;
}

/* What the job writes first, as the master reads it (ONLCR). */
static void early_line(char *buf, size_t size)
{
	snprintf(buf, size, "early %lx\r\n", (unsigned long)token);
}

/* Before READY: the session's job is in the foreground of the pty, and its line is there. */
static void wait_job(void)
{
	int64_t deadline = wl_now_ns() + 10ll * 1000000000;
	pid_t fg = 0;
	char early[64];
	int n = 0;

	early_line(early, sizeof(early));
	while ((ioctl(master, TIOCGPGRP, &fg) || fg <= 0 || fg == session ||
		ioctl(master, FIONREAD, &n) || n < (int)strlen(early)) &&
	       wl_now_ns() < deadline)
		usleep(1000);
	if (fg <= 0 || fg == session || n != (int)strlen(early))
		wl_die("the job never took the foreground of the pty, or wrote %d bytes", n);
}

/* The line the job wrote before READY is the first thing the master reads. */
static void check_early(void)
{
	struct pollfd p = {.fd = master, .events = POLLIN};
	char got[64] = {0}, want[64];
	size_t len = 0;
	ssize_t n;

	early_line(want, sizeof(want));
	while (len < strlen(want) && poll(&p, 1, TIMEOUT_MS) == 1 &&
	       (n = read(master, got + len, strlen(want) - len)) > 0)
		len += n;
	wl_check(!strcmp(got, want), "the master read \"%s\" first, want \"%s\"", got, want);
}

static void check_master(void)
{
	struct termios tio;
	struct winsize ws;
	unsigned int index = 0;
	struct stat st;
	char path[64];

	ioctl(master, TIOCGPTN, &index);
	snprintf(path, sizeof(path), "/dev/pts/%u", index_before);
	if (index != index_before && !stat(path, &st))
		wl_note("pty %u was taken by another meanwhile: the tree's is pty %u", index_before,
			index);
	else
		wl_check(index == index_before, "the pty is %u, want %u (free)", index,
			 index_before);
	wl_check(!tcgetattr(master, &tio) && tio.c_lflag == tio_before.c_lflag &&
		     tio.c_iflag == tio_before.c_iflag && tio.c_oflag == tio_before.c_oflag &&
		     tio.c_cflag == tio_before.c_cflag &&
		     !memcmp(tio.c_cc, tio_before.c_cc, sizeof(tio.c_cc)) &&
		     cfgetospeed(&tio) == B9600,
		 "the pty's settings changed: lflag %#x cflag %#x, want %#x %#x", tio.c_lflag,
		 tio.c_cflag, tio_before.c_lflag, tio_before.c_cflag);
	wl_check(!ioctl(master, TIOCGWINSZ, &ws) && ws.ws_row == ws_before.ws_row &&
		     ws.ws_col == ws_before.ws_col,
		 "window %ux%u, want %ux%u", ws.ws_row, ws.ws_col, ws_before.ws_row,
		 ws_before.ws_col);
}

static void check_packet_master(void)
{
	int packet = 0, locked = 0;

	wl_check(!ioctl(packet_master, TIOCGPKT, &packet) && packet == 1 &&
		     !ioctl(packet_master, TIOCGPTLCK, &locked) && locked == 1,
		 "the second pty: packet mode %d, locked %d, want 1 and 1", packet, locked);
}

/* A line to the job through the master, and its answer back. */
static void check_flow(void)
{
	struct pollfd p = {.fd = master, .events = POLLIN};
	char answer[64] = {0}, want[64];
	size_t got = 0;
	ssize_t n;

	dprintf(master, "%lx\n", (unsigned long)token);
	snprintf(want, sizeof(want), "pong %lx\r\n", (unsigned long)~token);
	while (got < strlen(want) && poll(&p, 1, TIMEOUT_MS) == 1 &&
	       (n = read(master, answer + got, sizeof(answer) - 1 - got)) > 0)
		got += n;
	wl_check(!strcmp(answer, want), "the master read \"%s\", want \"%s\"", answer, want);
}

int main(int argc, char **argv)
{
	int status = -1;

	wl_init(argc, argv);
	set_up_master();
	fflush(stdout);
	session = fork();
	if (session < 0)
		wl_die("fork: %s", strerror(errno));
	if (session == 0)
		_exit(run_session());
	wait_job();
	wl_ready();
	wl_wait_go();

	check_master();
	check_packet_master();
	check_early();
	check_flow();
	waitpid(session, &status, 0);
	wl_check(status == 0, "the session ended with %#x", status);
	return wl_finish();
}
