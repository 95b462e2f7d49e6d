/* SPDX-License-Identifier: MIT */
/* Logging: one line per message, to stderr or to the -o log file, filtered by -v level. */
#ifndef CRYO_COMMON_LOG_H
#define CRYO_COMMON_LOG_H

#include <errno.h>
#include <string.h>

enum log_level {
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

void log_set_level(int level);
int log_get_level(void);
/* Send messages to fd (already open, close-on-exec); the default is stderr. */
void log_set_fd(int fd);
int log_get_fd(void);
/* Where errors are echoed when the log is a file (default stderr; a restored child moves it). */
void log_set_err_fd(int fd);
int log_get_err_fd(void);
/* Errors also go to stderr when the log is a file, so the user sees why cryo failed. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(fmt, ...) log_msg(LOG_ERROR, "Error: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) log_msg(LOG_WARN, "Warning: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) log_msg(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_msg(LOG_DEBUG, fmt, ##__VA_ARGS__)
/* Log an error with strerror(errno) and evaluate to -errno. */
#define pr_perror(fmt, ...)                                                                      \
	({                                                                                       \
		int __e = errno;                                                                 \
		log_msg(LOG_ERROR, "Error: " fmt ": %s", ##__VA_ARGS__, strerror(__e));          \
		-__e;                                                                            \
	})

#endif
