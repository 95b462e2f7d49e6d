// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

static int current_level = LOG_WARN;
static int log_fd = STDERR_FILENO;
static int err_fd = STDERR_FILENO;

void log_set_level(int level)
{
	current_level = level;
}

int log_get_level(void)
{
	return current_level;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

int log_get_fd(void)
{
	return log_fd;
}

void log_set_err_fd(int fd)
{
	err_fd = fd;
}

int log_get_err_fd(void)
{
	return err_fd;
}

void log_msg(int level, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	if (level > current_level && level != LOG_ERROR)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* Not appended to the progress line: it is drawn again under the message. */
	if (log_fd == err_fd || level == LOG_ERROR)
		progress_hide();
	/* Best effort: a log that cannot be written must not change cryo's outcome. */
	if (write(log_fd, line, n) < 0)
		return;
	if (level == LOG_ERROR && log_fd != err_fd && write(err_fd, line, n) < 0)
		return;
}
