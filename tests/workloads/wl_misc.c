// SPDX-License-Identifier: MIT
/*
 * Per-process settings, each made random where it can be: umask, personality, rlimits, comm,
 * cwd, credentials (saved uid, real and saved gid, supplementary groups), TLS (fs base and
 * __thread variables), the gs base, rseq registration, the brk (the kernel's must be glibc's),
 * and what /proc shows of the address space (cmdline, environ, auxv, exe, the mm fields of
 * stat). After go all of it must be unchanged, with the same pid, session and process group.
 */
#define _GNU_SOURCE /* getresuid() and friends */
#include "workload.h"

#include <asm/prctl.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define NR_GROUPS 3

/* Personality flags that change nothing before the next execve(), or only uname(). */
static const unsigned long harmless_personality[] = {
    ADDR_NO_RANDOMIZE, SHORT_INODE, WHOLE_SECONDS, STICKY_TIMEOUTS, ADDR_COMPAT_LAYOUT,
};

/* Lines of /proc/self/status that hold settings rather than statistics. */
static const char *const status_keys[] = {
    "Umask:",  "Uid:",	  "Gid:",    "Groups:",	    "CapInh:",	"CapPrm:",
    "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:",
};

/* What was read from /proc/self before the dump. */
static const char *const proc_files[] = {"cmdline", "environ", "auxv"};
#define NR_PROC_FILES (sizeof(proc_files) / sizeof(proc_files[0]))

static __thread uint64_t tls_data[4] = {1, 2, 3, 4}; /* .tdata */
static __thread uint64_t tls_bss[4];		     /* .tbss */
static uint64_t tls_want[8];
static uint64_t gs_area[2];

struct state {
	pid_t pid, sid, pgid;
	mode_t umask;
	unsigned long personality;
	struct rlimit rlim[RLIM_NLIMITS];
	char comm[16];
	char cwd[PATH_MAX];
	dev_t cwd_dev;
	ino_t cwd_ino;
	uid_t uid[3];
	gid_t gid[3];
	int nr_groups;
	gid_t groups[64];
	unsigned long fs_base, gs_base;
	char exe[PATH_MAX];
	char *proc[NR_PROC_FILES];
	size_t proc_len[NR_PROC_FILES];
	char *status;
	char *stat_mm;
};

static struct state before;
static void *rseq_area;
static unsigned int rseq_len;

static mode_t get_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

/* The settings lines of /proc/self/status, concatenated. */
static char *status_settings(void)
{
	char *status = wl_read_file("/proc/self/status", NULL),
	     *out = calloc(1, strlen(status) + 1);
	size_t i;

	if (!out)
		wl_die("out of memory");
	for (i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
		char *line = strstr(status, status_keys[i]);

		if (line && (line == status || line[-1] == '\n'))
			strncat(out, line, strcspn(line, "\n") + 1);
	}
	free(status);
	return out;
}

/* Fields 26-28 and 45-51 of /proc/self/stat: code, stack, data, brk, arguments, environment. */
static char *stat_mm_fields(void)
{
	char *stat = wl_read_file("/proc/self/stat", NULL), *out = calloc(1, strlen(stat) + 1);
	char *p = strrchr(stat, ')'), *tok, *save;
	int field = 2;

	if (!out || !p)
		wl_die("/proc/self/stat: cannot parse");
	for (tok = strtok_r(p + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		field++;
		if ((field >= 26 && field <= 28) || (field >= 45 && field <= 51)) {
			strcat(out, tok);
			strcat(out, " ");
		}
	}
	free(stat);
	return out;
}

static void get_state(struct state *s)
{
	struct stat st;
	ssize_t n;
	size_t i;

	s->pid = getpid();
	s->sid = getsid(0);
	s->pgid = getpgid(0);
	s->umask = get_umask();
	s->personality = personality(0xffffffff);
	for (i = 0; i < RLIM_NLIMITS; i++)
		getrlimit(i, &s->rlim[i]);
	prctl(PR_GET_NAME, s->comm);
	if (!getcwd(s->cwd, sizeof(s->cwd)) || stat(".", &st))
		wl_die("getcwd: %s", strerror(errno));
	s->cwd_dev = st.st_dev;
	s->cwd_ino = st.st_ino;
	getresuid(&s->uid[0], &s->uid[1], &s->uid[2]);
	getresgid(&s->gid[0], &s->gid[1], &s->gid[2]);
	s->nr_groups = getgroups(64, s->groups);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &s->fs_base);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &s->gs_base);
	n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);
	s->exe[n > 0 ? n : 0] = '\0';
	for (i = 0; i < NR_PROC_FILES; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/%s", proc_files[i]);
		s->proc[i] = wl_read_file(path, &s->proc_len[i]);
	}
	s->status = status_settings();
	s->stat_mm = stat_mm_fields();
}

static long rseq(void *area, unsigned int len, unsigned int sig)
{
	return syscall(SYS_rseq, area, len, 0, sig);
}

/*
 * glibc registers rseq for every thread; registering again with the same area and length
 * answers EBUSY, or EPERM with another signature. Not registered, it would succeed.
 */
static void find_rseq(void)
{
	unsigned int lens[2] = {32, __rseq_size}, i;

	if (!__rseq_size) {
		wl_note("glibc did not register rseq, not tested");
		return;
	}
	rseq_area = (char *)__builtin_thread_pointer() + __rseq_offset;
	for (i = 0; i < 2; i++)
		if (rseq(rseq_area, lens[i], RSEQ_SIG) < 0 && errno == EBUSY)
			rseq_len = lens[i];
	if (!rseq_len)
		wl_die("rseq: glibc's registration not found (%s)", strerror(errno));
}

/* Limits lowered to random values in [floor, floor + span) (soft), [+ span, + 2 span) (hard). */
static const struct {
	int resource;
	rlim_t floor, span;
} limits[] = {
    {RLIMIT_NOFILE, 64, 256},	      {RLIMIT_CORE, 0, 1 << 20},
    {RLIMIT_STACK, 1 << 21, 1 << 20}, {RLIMIT_NPROC, 1000, 1000},
    {RLIMIT_FSIZE, 1 << 30, 1 << 30}, {RLIMIT_CPU, 1 << 20, 1 << 20},
    {RLIMIT_MSGQUEUE, 1000, 1000},
};

static void build(void)
{
	uint64_t r = wl_random_u64();
	unsigned long pers = PER_LINUX | UNAME26;
	gid_t groups[NR_GROUPS];
	char name[16], dir[PATH_MAX];
	size_t i;

	umask(r & 0777);

	for (i = 0; i < sizeof(harmless_personality) / sizeof(harmless_personality[0]); i++)
		if (r >> (9 + i) & 1)
			pers |= harmless_personality[i];
	if (personality(pers) < 0)
		wl_die("personality: %s", strerror(errno));

	/* Only lower them: raising a hard limit needs CAP_SYS_RESOURCE. */
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		rlim_t floor = limits[i].floor, span = limits[i].span;
		struct rlimit rl;

		getrlimit(limits[i].resource, &rl);
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < floor + 2 * span)
			continue;
		rl.rlim_cur = floor + wl_random_u64() % span;
		rl.rlim_max = floor + span + wl_random_u64() % span;
		if (setrlimit(limits[i].resource, &rl))
			wl_die("setrlimit(%d): %s", limits[i].resource, strerror(errno));
	}

	snprintf(name, sizeof(name), "wl-%012lx", wl_random_u64() & 0xffffffffffff);
	prctl(PR_SET_NAME, name);

	wl_path(dir, sizeof(dir), "work dir");
	if (mkdir(dir, 0700) || chdir(dir))
		wl_die("%s: %s", dir, strerror(errno));

	/* Only ids that do not change what this process may access (access() uses the real uid). */
	for (i = 0; i < NR_GROUPS; i++)
		groups[i] = 1000 + wl_random_u64() % 60000;
	if (setgroups(NR_GROUPS, groups) || setresgid(1000 + r % 1000, -1, 2000 + r % 1000) ||
	    setresuid(-1, -1, 3000 + r % 1000))
		wl_die("setting ids: %s", strerror(errno));

	wl_random(tls_want, sizeof(tls_want));
	memcpy(tls_data, tls_want, sizeof(tls_data));
	memcpy(tls_bss, tls_want + 4, sizeof(tls_bss));
	wl_random(gs_area, sizeof(gs_area));
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, gs_area))
		wl_die("arch_prctl(ARCH_SET_GS): %s", strerror(errno));

	find_rseq();
}

static void check(void)
{
	static struct state now;
	struct state *b = &before, *s = &now;
	struct utsname u;
	uint64_t gs_word;
	void *brk, *grown;
	size_t i;

	get_state(s);
	wl_check(s->pid == b->pid && s->sid == b->sid && s->pgid == b->pgid,
		 "pid %d sid %d pgid %d, want %d %d %d", s->pid, s->sid, s->pgid, b->pid, b->sid,
		 b->pgid);
	wl_check(s->umask == b->umask, "umask %#o, want %#o", s->umask, b->umask);
	wl_check(s->personality == b->personality, "personality %#lx, want %#lx", s->personality,
		 b->personality);
	uname(&u);
	wl_check(!strncmp(u.release, "2.6.", 4), "UNAME26: uname says %s", u.release);
	for (i = 0; i < RLIM_NLIMITS; i++)
		wl_check(s->rlim[i].rlim_cur == b->rlim[i].rlim_cur &&
			     s->rlim[i].rlim_max == b->rlim[i].rlim_max,
			 "rlimit %zu: %ld/%ld, want %ld/%ld", i, s->rlim[i].rlim_cur,
			 s->rlim[i].rlim_max, b->rlim[i].rlim_cur, b->rlim[i].rlim_max);
	wl_check(!strcmp(s->comm, b->comm), "comm %s, want %s", s->comm, b->comm);
	wl_check(!strcmp(s->cwd, b->cwd) && s->cwd_dev == b->cwd_dev && s->cwd_ino == b->cwd_ino,
		 "cwd %s (inode %lu), want %s (%lu)", s->cwd, s->cwd_ino, b->cwd, b->cwd_ino);
	wl_check(!memcmp(s->uid, b->uid, sizeof(s->uid)) && !memcmp(s->gid, b->gid, sizeof(s->gid)),
		 "uids %d %d %d gids %d %d %d, want %d %d %d, %d %d %d", s->uid[0], s->uid[1],
		 s->uid[2], s->gid[0], s->gid[1], s->gid[2], b->uid[0], b->uid[1], b->uid[2],
		 b->gid[0], b->gid[1], b->gid[2]);
	wl_check(s->nr_groups == b->nr_groups &&
		     !memcmp(s->groups, b->groups, s->nr_groups * sizeof(gid_t)),
		 "supplementary groups changed");
	wl_check(!strcmp(s->status, b->status), "/proc/self/status:\n%swant:\n%s", s->status,
		 b->status);

	wl_check(s->fs_base == b->fs_base, "fs base %#lx, want %#lx", s->fs_base, b->fs_base);
	wl_check(!memcmp(tls_data, tls_want, sizeof(tls_data)) &&
		     !memcmp(tls_bss, tls_want + 4, sizeof(tls_bss)),
		 "__thread variables changed");
	/* Read through %gs only where it points to gs_area: elsewhere it could fault. */
	if (wl_check(s->gs_base == b->gs_base, "gs base %#lx, want %#lx", s->gs_base, b->gs_base)) {
		asm volatile("mov %%gs:0, %0" : "=r"(gs_word));
		wl_check(gs_word == gs_area[0], "%%gs:0 is %#lx, want %#lx", gs_word, gs_area[0]);
	}
	if (rseq_len) {
		long busy = rseq(rseq_area, rseq_len, RSEQ_SIG), perm;
		int busy_errno = errno;

		perm = rseq(rseq_area, rseq_len, RSEQ_SIG + 1);
		wl_check(busy < 0 && busy_errno == EBUSY && perm < 0 && errno == EPERM,
			 "rseq: not registered at %p (%u bytes, signature %#x)", rseq_area,
			 rseq_len, RSEQ_SIG);
	}

	/* glibc's sbrk(0) is its own idea of the brk; the kernel's must be the same. */
	brk = (void *)syscall(SYS_brk, 0);
	wl_check(brk == sbrk(0), "brk %p, glibc has %p", brk, sbrk(0));
	grown = sbrk(WL_PAGE);
	if (wl_check(grown == brk, "sbrk: %p (%s), want %p", grown, strerror(errno), brk))
		*(volatile char *)grown = 1;
	wl_check(!strcmp(s->exe, b->exe), "exe %s, want %s", s->exe, b->exe);
	for (i = 0; i < NR_PROC_FILES; i++)
		wl_check(s->proc_len[i] == b->proc_len[i] &&
			     !memcmp(s->proc[i], b->proc[i], b->proc_len[i]),
			 "/proc/self/%s changed", proc_files[i]);
	wl_check(!strcmp(s->stat_mm, b->stat_mm), "/proc/self/stat mm fields %s, want %s",
		 s->stat_mm, b->stat_mm);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv);
	build();
	get_state(&before);
	wl_ready();
	wl_wait_go();

	check();
	return wl_finish();
}
