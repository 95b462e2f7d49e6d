/* SPDX-License-Identifier: MIT */
/* cryo check: the kernel features cryo relies on, probed one by one. */
#ifndef CRYO_COMMON_CHECK_H
#define CRYO_COMMON_CHECK_H

/* Print each feature with "yes" or "no"; 0 if all are there, -1 otherwise. */
int cryo_check(void);

#endif
