// SPDX-License-Identifier: MIT
/*
 * The network lock through nft(8): cryo writes an nft script and runs `nft -f -` on it, which
 * applies it as one transaction (all of it or nothing). See netlock.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlock.h"
#include "common/util.h"

#define TABLE "inet cryo_lock"

/*
 * The table, its sets and its rules, created if missing. The chains are flushed and filled again
 * in the same transaction: running this twice leaves one copy of each rule, and no packet passes
 * in between. Priority -300, before conntrack: a dropped packet leaves no trace there.
 */
static const char lock_setup[] =
    "add table " TABLE "\n"
    "add set " TABLE " conn4 { type ipv4_addr . inet_service . ipv4_addr . inet_service ; }\n"
    "add set " TABLE " conn6 { type ipv6_addr . inet_service . ipv6_addr . inet_service ; }\n"
    "add chain " TABLE " input { type filter hook input priority -300 ; policy accept ; }\n"
    "add chain " TABLE " output { type filter hook output priority -300 ; policy accept ; }\n"
    "flush chain " TABLE " input\n"
    "flush chain " TABLE " output\n"
    "add rule " TABLE " input ip daddr . tcp dport . ip saddr . tcp sport @conn4 drop\n"
    "add rule " TABLE " input ip6 daddr . tcp dport . ip6 saddr . tcp sport @conn6 drop\n"
    "add rule " TABLE " output ip saddr . tcp sport . ip daddr . tcp dport @conn4 drop\n"
    "add rule " TABLE " output ip6 saddr . tcp sport . ip6 daddr . tcp dport @conn6 drop\n";

static void put_addr(FILE *out, const uint8_t addr[16])
{
	char text[INET6_ADDRSTRLEN];

	if (inet_addr_is_v4(addr))
		inet_ntop(AF_INET, addr + 12, text, sizeof(text));
	else
		inet_ntop(AF_INET6, addr, text, sizeof(text));
	fputs(text, out);
}

/* "add element inet cryo_lock conn4 { 10.0.0.1 . 80 . 10.0.0.2 . 41000 }" */
static void put_element(FILE *out, const char *verb, const struct netlock_conn *c)
{
	fprintf(out, "%s element " TABLE " %s { ", verb,
		inet_addr_is_v4(c->local.addr) ? "conn4" : "conn6");
	put_addr(out, c->local.addr);
	fprintf(out, " . %u . ", c->local.port);
	put_addr(out, c->remote.addr);
	fprintf(out, " . %u }\n", c->remote.port);
}

/* The first line nft printed, for the error message. */
static void first_line(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void exec_nft(int script, int output)
{
	char *const argv[] = {"nft", "-f", "-", NULL};

	if (dup2(script, STDIN_FILENO) < 0 || dup2(output, STDOUT_FILENO) < 0 ||
	    dup2(output, STDERR_FILENO) < 0)
		_exit(126);
	execvp("nft", argv);
	/* PATH may lack the sbin directories. */
	execv("/usr/sbin/nft", argv);
	_exit(127);
}

/* Run nft on the script; a failure is logged as an error, or as a warning when quiet. */
static int run_nft(const char *script, size_t len, int quiet)
{
	int in = memfd_create("nft-script", MFD_CLOEXEC), out = memfd_create("nft", MFD_CLOEXEC);
	char why[256] = "";
	int status, ret = 0;
	pid_t pid = -1;

	if (in < 0 || out < 0 || write_all(in, script, len) || lseek(in, 0, SEEK_SET))
		ret = pr_perror("network lock: cannot prepare the nft script");
	if (!ret && (pid = fork()) < 0)
		ret = pr_perror("network lock: cannot fork");
	if (!ret && pid == 0)
		exec_nft(in, out);
	if (!ret && waitpid(pid, &status, 0) != pid)
		ret = pr_perror("network lock: cannot wait for nft");
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		first_line(out, why, sizeof(why));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(why, sizeof(why),
				 "nft is not installed (Debian package nftables)");
		if (quiet)
			pr_warn("network lock: nft failed: %s", why);
		else
			pr_err("network lock: nft failed: %s", why);
		ret = -EIO;
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

/* setup (or nothing), then one element line per connection, with verb; run as one script. */
static int run_elements(const char *setup, const char *verb, const struct netlock_conn *conns,
			size_t nr, int quiet)
{
	char *script = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&script, &len);
	int ret;

	if (!out)
		return pr_perror("network lock: cannot build the nft script");
	fputs(setup, out);
	for (i = 0; i < nr; i++)
		put_element(out, verb, &conns[i]);
	if (fclose(out)) {
		free(script);
		return pr_perror("network lock: cannot build the nft script");
	}
	ret = run_nft(script, len, quiet);
	free(script);
	return ret;
}

int netlock_lock(const struct netlock_conn *conns, size_t nr)
{
	char local[INET_ENDPOINT_STRLEN], remote[INET_ENDPOINT_STRLEN];
	size_t i;
	int ret;

	ret = run_elements(lock_setup, "add", conns, nr, 0);
	for (i = 0; i < nr && !ret; i++)
		pr_info("network lock: %s -> %s locked", inet_endpoint_str(&conns[i].local, local),
			inet_endpoint_str(&conns[i].remote, remote));
	return ret;
}

void netlock_unlock(const struct netlock_conn *conns, size_t nr)
{
	char local[INET_ENDPOINT_STRLEN], remote[INET_ENDPOINT_STRLEN];
	size_t i;

	if (!nr)
		return;
	/* One transaction for all; if one is missing it fails whole: then one by one. */
	if (run_elements("", "delete", conns, nr, 1) == 0) {
		pr_info("network lock: %zu connection(s) unlocked", nr);
		return;
	}
	for (i = 0; i < nr && nr > 1; i++)
		if (run_elements("", "delete", &conns[i], 1, 1) == 0)
			pr_info("network lock: %s -> %s unlocked",
				inet_endpoint_str(&conns[i].local, local),
				inet_endpoint_str(&conns[i].remote, remote));
}
