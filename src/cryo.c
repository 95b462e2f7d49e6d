// SPDX-License-Identifier: MIT
/* cryo's command line: dump, restore, check, show, with criu's option names. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "common/check.h"
#include "common/log.h"
#include "dump/dump.h"
#include "images/image.h"
#include "restore/restore.h"

enum long_only_opts {
	OPT_PIDFILE = 256,
	OPT_SHELL_JOB,
	OPT_DISPLAY_STATS,
	OPT_TCP_ESTABLISHED,
	OPT_EXT_UNIX_SK,
	OPT_SKIP_IN_FLIGHT,
	OPT_GHOST_LIMIT,
	OPT_LINK_REMAP,
	OPT_SKIP_FILE_SIZE_CHECK,
};

/* criu's default: deleted files up to 1 MiB go into the images. */
#define DEFAULT_GHOST_LIMIT (1ull << 20)

struct cli {
	const char *command;
	const char *dir;
	const char *work_dir;
	const char *log_file;
	const char *pidfile;
	pid_t pid;
	int leave_running, leave_stopped, detach, shell_job, display_stats, tcp_established;
	int ext_unix_sk, skip_in_flight, link_remap, file_locks, skip_file_size_check;
	uint64_t ghost_limit;
};

static const char usage_text[] =
	"Usage:\n"
	"  cryo dump -t PID -D DIR [-R|--leave-running] [-s|--leave-stopped] [-j|--shell-job]\n"
	"            [--tcp-established] [--ext-unix-sk] [--skip-in-flight] [-l|--file-locks]\n"
	"            [--link-remap] [--ghost-limit SIZE] [--display-stats] [-W DIR] [-o LOG]\n"
	"            [-v[N]]\n"
	"  cryo restore -D DIR [-d|--restore-detached] [--pidfile FILE] [-j|--shell-job]\n"
	"            [--tcp-established] [-l|--file-locks] [--skip-file-size-check]\n"
	"            [--display-stats] [-W DIR] [-o LOG] [-v[N]]\n"
	"  cryo check                 kernel features cryo needs, each present or not\n"
	"  cryo show DIR              every image of DIR decoded to JSON\n"
	"  cryo --help | --version\n"
	"\n"
	"Options:\n"
	"  -t, --tree PID             the process to dump\n"
	"  -D, --images-dir DIR       where the images are (it must exist)\n"
	"  -R, --leave-running        the dumped process carries on (default: it is killed)\n"
	"  -s, --leave-stopped        the dumped process is left stopped (SIGSTOP)\n"
	"  -d, --restore-detached     return once the process runs (default: wait for it and\n"
	"                             exit with its status)\n"
	"      --pidfile FILE         write the restored PID to FILE, relative to the work dir\n"
	"  -j, --shell-job            the tree was started from a terminal: at restore its\n"
	"                             terminal descriptors are cryo's terminal\n"
	"      --tcp-established      dump established TCP connections too (TCP repair mode);\n"
	"                             their packets are dropped from the dump to the end of\n"
	"                             the restore (nftables table inet cryo_lock); without it,\n"
	"                             a dump meeting one fails (at restore: accepted, not needed)\n"
	"      --ext-unix-sk          dump unix sockets connected to a process outside the tree:\n"
	"                             restore connects them again to the peer's address\n"
	"      --skip-in-flight       leave out the connections waiting to be accepted by a\n"
	"                             listening unix socket (their clients find them closed)\n"
	"  -l, --file-locks           dump and restore the file locks the tree holds (flock,\n"
	"                             POSIX, OFD); without it a dump of a tree holding locks\n"
	"                             fails. Locks of processes outside the tree are not seen\n"
	"      --link-remap           a file deleted while open but still linked elsewhere is\n"
	"                             linked back in its directory at dump, reopened and\n"
	"                             unlinked at restore (at restore: accepted, not needed)\n"
	"      --ghost-limit SIZE     the largest deleted file whose content goes into the\n"
	"                             images (default 1M; suffixes K, M, G)\n"
	"      --skip-file-size-check at restore, a regular file reopened by path may have\n"
	"                             another size than at dump (default: refused)\n"
	"      --display-stats        at the end, the time of each phase and the page counts\n"
	"                             on stdout\n"
	"  -W, --work-dir DIR         where relative -o and --pidfile paths go (default: the\n"
	"                             images directory); cryo runs from there, as criu does\n"
	"  -o, --log-file LOG         log to LOG, relative to the work dir (errors still go to\n"
	"                             stderr)\n"
	"  -v[N], --verbosity[=N]     more messages: -v4 is everything\n"
	"\n"
	"When stderr is a terminal, a dump or restore whose pages take more than a second\n"
	"shows \"pages DONE / TOTAL\" there while it runs.\n";

static const struct option long_opts[] = {
	{"tree", required_argument, NULL, 't'},
	{"images-dir", required_argument, NULL, 'D'},
	{"leave-running", no_argument, NULL, 'R'},
	{"leave-stopped", no_argument, NULL, 's'},
	{"restore-detached", no_argument, NULL, 'd'},
	{"pidfile", required_argument, NULL, OPT_PIDFILE},
	{"shell-job", no_argument, NULL, OPT_SHELL_JOB},
	{"display-stats", no_argument, NULL, OPT_DISPLAY_STATS},
	{"tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED},
	{"ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK},
	{"skip-in-flight", no_argument, NULL, OPT_SKIP_IN_FLIGHT},
	{"file-locks", no_argument, NULL, 'l'},
	{"link-remap", no_argument, NULL, OPT_LINK_REMAP},
	{"ghost-limit", required_argument, NULL, OPT_GHOST_LIMIT},
	{"skip-file-size-check", no_argument, NULL, OPT_SKIP_FILE_SIZE_CHECK},
	{"log-file", required_argument, NULL, 'o'},
	{"work-dir", required_argument, NULL, 'W'},
	{"verbosity", optional_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "cryo: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see cryo --help)\n");
	return 1;
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > 4194304)
		return -1;
	*pid = v;
	return 0;
}

/* A size in bytes, with an optional K, M or G suffix (powers of 1024), as criu takes it. */
static int parse_size(const char *s, uint64_t *size)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if ((shift && end[1]) || (!shift && *end) || v > (UINT64_MAX >> shift))
		return -1;
	*size = (uint64_t)v << shift;
	return 0;
}

static int parse_verbosity(const char *arg)
{
	if (!arg) {
		log_set_level(log_get_level() + 1);
		return 0;
	}
	if (arg[0] < '0' || arg[0] > '4' || arg[1])
		return -1;
	log_set_level(arg[0] - '0');
	return 0;
}

static int parse_option(struct cli *cli, int opt)
{
	switch (opt) {
	case 't':
		return parse_pid(optarg, &cli->pid) ? usage_error("bad PID '%s'", optarg) : 0;
	case 'D':
		cli->dir = optarg;
		return 0;
	case 'R':
		cli->leave_running = 1;
		return 0;
	case 's':
		cli->leave_stopped = 1;
		return 0;
	case 'd':
		cli->detach = 1;
		return 0;
	case OPT_PIDFILE:
		cli->pidfile = optarg;
		return 0;
	case 'j':
	case OPT_SHELL_JOB:
		cli->shell_job = 1;
		return 0;
	case OPT_DISPLAY_STATS:
		cli->display_stats = 1;
		return 0;
	case OPT_TCP_ESTABLISHED:
		cli->tcp_established = 1;
		return 0;
	case OPT_EXT_UNIX_SK:
		cli->ext_unix_sk = 1;
		return 0;
	case OPT_SKIP_IN_FLIGHT:
		cli->skip_in_flight = 1;
		return 0;
	case 'l':
		cli->file_locks = 1;
		return 0;
	case OPT_LINK_REMAP:
		cli->link_remap = 1;
		return 0;
	case OPT_SKIP_FILE_SIZE_CHECK:
		cli->skip_file_size_check = 1;
		return 0;
	case OPT_GHOST_LIMIT:
		return parse_size(optarg, &cli->ghost_limit) ? usage_error("bad size '%s'", optarg)
							     : 0;
	case 'o':
		cli->log_file = optarg;
		return 0;
	case 'W':
		cli->work_dir = optarg;
		return 0;
	case 'v':
		return parse_verbosity(optarg) ? usage_error("bad verbosity '%s'", optarg) : 0;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case 'V':
		printf("cryo %s (%s)\n", CRYO_VERSION, ARCH_NAME);
		exit(0);
	}
	return usage_error("%s", "unknown option");
}

/* Options until the first non-option word (the command, or what follows it). */
static int parse_options(struct cli *cli, int argc, char **argv)
{
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+:t:D:Rsdjlo:W:v::hV", long_opts, NULL)) != -1) {
		if (opt == '?')
			return usage_error("unknown option '%s'", argv[optind - 1]);
		if (opt == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		ret = parse_option(cli, opt);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
	opterr = 0;
	if (parse_options(cli, argc, argv))
		return 1;
	if (optind >= argc)
		return usage_error("%s", "no command given");
	cli->command = argv[optind++];
	/* Options may follow the command too, as with criu. */
	if (parse_options(cli, argc, argv))
		return 1;
	if (!strcmp(cli->command, "show") && !cli->dir && optind < argc)
		cli->dir = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static int open_dir(const char *dir)
{
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("cannot open the images directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode)) {
		pr_err("%s is not a directory", dir);
		close(fd);
		return -1;
	}
	return fd;
}

static int open_log(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0) {
		pr_err("cannot open the log file %s: %s", name, strerror(errno));
		return -1;
	}
	log_set_fd(fd);
	return 0;
}

static int run_dump(const struct cli *cli, int dirfd)
{
	struct dump_opts opts = {
		.pid = cli->pid,
		.dirfd = dirfd,
		.leave_running = cli->leave_running,
		.leave_stopped = cli->leave_stopped,
		.display_stats = cli->display_stats,
		.tcp_established = cli->tcp_established,
		.ext_unix_sk = cli->ext_unix_sk,
		.skip_in_flight = cli->skip_in_flight,
		.file_locks = cli->file_locks,
		.link_remap = cli->link_remap,
		.ghost_limit = cli->ghost_limit,
	};

	if (!cli->pid)
		return usage_error("%s", "dump needs -t PID");
	if (cli->leave_running && cli->leave_stopped)
		return usage_error("%s", "-R and -s exclude each other");
	/* The images hold the process's memory: only the owner may look. */
	if (fchmod(dirfd, 0700)) {
		pr_err("cannot make %s private: %s", cli->dir, strerror(errno));
		return 1;
	}
	return cryo_dump(&opts) ? 1 : 0;
}

static int run_restore(const struct cli *cli, int dirfd)
{
	struct restore_opts opts = {
		.dirfd = dirfd,
		.detach = cli->detach,
		.shell_job = cli->shell_job,
		.pidfile = cli->pidfile,
		.display_stats = cli->display_stats,
		.file_locks = cli->file_locks,
		.skip_file_size_check = cli->skip_file_size_check,
	};
	int ret = cryo_restore(&opts);

	return ret < 0 ? 1 : ret;
}

/* As criu: cryo works from the work dir (the images directory unless -W says otherwise). */
static int enter_work_dir(const struct cli *cli, int dirfd)
{
	if (cli->work_dir ? chdir(cli->work_dir) : fchdir(dirfd)) {
		pr_err("cannot enter the work directory %s: %s",
		       cli->work_dir ? cli->work_dir : cli->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int run_in_dir(const struct cli *cli)
{
	int dirfd, ret;

	if (!cli->dir)
		return usage_error("%s needs -D DIR", cli->command);
	dirfd = open_dir(cli->dir);
	if (dirfd < 0)
		return 1;
	if (enter_work_dir(cli, dirfd) || (cli->log_file && open_log(AT_FDCWD, cli->log_file))) {
		close(dirfd);
		return 1;
	}
	ret = !strcmp(cli->command, "dump") ? run_dump(cli, dirfd) : run_restore(cli, dirfd);
	close(dirfd);
	return ret;
}

int main(int argc, char **argv)
{
	struct cli cli = {.ghost_limit = DEFAULT_GHOST_LIMIT};

	if (parse_args(&cli, argc, argv))
		return 1;
	if (!strcmp(cli.command, "dump") || !strcmp(cli.command, "restore"))
		return run_in_dir(&cli);
	if (!strcmp(cli.command, "check"))
		return cryo_check() ? 1 : 0;
	if (!strcmp(cli.command, "show")) {
		if (!cli.dir)
			return usage_error("%s", "show needs a DIR");
		return img_show_dir(cli.dir, STDOUT_FILENO) ? 1 : 0;
	}
	return usage_error("unknown command '%s'", cli.command);
}
