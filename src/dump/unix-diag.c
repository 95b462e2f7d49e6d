// SPDX-License-Identifier: MIT
/*
 * The unix sockets of the network namespace, from sock_diag: one dump request over a raw
 * NETLINK_SOCK_DIAG socket, one unix_diag_msg per socket in the answer, each followed by the
 * attributes asked for (name, socket file, peer, pending connections, queue lengths, shutdown).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/unix-diag.h"

#define TCP_LISTEN 10 /* include/net/tcp_states.h */

static int send_request(int nl)
{
	struct {
		struct nlmsghdr hdr;
		struct unix_diag_req req;
	} msg = {
	    .hdr =
		{
		    .nlmsg_len = sizeof(msg),
		    .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
	    .req =
		{
		    .sdiag_family = AF_UNIX,
		    .udiag_states = ~0u,
		    .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
				  UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN,
		},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	if (sendto(nl, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return pr_perror("cannot ask sock_diag for the unix sockets");
	return 0;
}

static int take_icons(struct unix_diag_sk *sk, const void *data, size_t len)
{
	sk->nr_icons = len / sizeof(uint32_t);
	sk->icons = malloc(len + 1);
	if (!sk->icons)
		return -ENOMEM;
	memcpy(sk->icons, data, sk->nr_icons * sizeof(uint32_t));
	return 0;
}

static int take_attr(struct unix_diag_sk *sk, const struct rtattr *a)
{
	const void *data = RTA_DATA(a);
	size_t len = RTA_PAYLOAD(a);

	switch (a->rta_type) {
	case UNIX_DIAG_NAME:
		sk->name_len = len < sizeof(sk->name) ? len : sizeof(sk->name);
		memcpy(sk->name, data, sk->name_len);
		break;
	case UNIX_DIAG_VFS:
		if (len >= sizeof(struct unix_diag_vfs))
			sk->vfs_ino = ((const struct unix_diag_vfs *)data)->udiag_vfs_ino;
		break;
	case UNIX_DIAG_PEER:
		sk->connected = 1;
		if (len >= sizeof(uint32_t))
			memcpy(&sk->peer, data, sizeof(uint32_t));
		break;
	case UNIX_DIAG_ICONS:
		return take_icons(sk, data, len);
	case UNIX_DIAG_RQLEN:
		if (len >= sizeof(struct unix_diag_rqlen)) {
			sk->rqlen = ((const struct unix_diag_rqlen *)data)->udiag_rqueue;
			sk->wqlen = ((const struct unix_diag_rqlen *)data)->udiag_wqueue;
		}
		break;
	case UNIX_DIAG_SHUTDOWN:
		if (len >= 1)
			sk->shutdown = *(const uint8_t *)data;
		break;
	}
	return 0;
}

static int add_socket(struct unix_diag_table *t, size_t *cap, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	struct unix_diag_sk *sk;
	int ret = 0;

	if (len < 0) {
		pr_err("sock_diag: a unix socket message of %u bytes", h->nlmsg_len);
		return -EIO;
	}
	if (t->nr == *cap) {
		struct unix_diag_sk *grown = realloc(t->sks, (*cap = *cap * 2 + 64) * sizeof(*sk));

		if (!grown)
			return -ENOMEM;
		t->sks = grown;
	}
	sk = &t->sks[t->nr++];
	*sk = (struct unix_diag_sk){
	    .ino = m->udiag_ino, .type = m->udiag_type, .state = m->udiag_state};
	for (; RTA_OK(a, len) && !ret; a = RTA_NEXT(a, len))
		ret = take_attr(sk, a);
	return ret;
}

/* The answer, up to NLMSG_DONE; 1 when it is there, 0 for more to read. */
static int take_answer(struct unix_diag_table *t, size_t *cap, const void *buf, int len)
{
	const struct nlmsghdr *h;
	int ret;

	for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			errno = -e->error;
			return pr_perror("sock_diag refused to list the unix sockets (is "
					 "CONFIG_UNIX_DIAG on?)");
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		ret = add_socket(t, cap, h);
		if (ret)
			return ret;
	}
	return 0;
}

static int by_ino(const void *a, const void *b)
{
	const struct unix_diag_sk *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

static int read_answer(int nl, struct unix_diag_table *t)
{
	static char buf[64 * 1024];
	size_t cap = 0;
	int ret = 0;

	while (!ret) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? pr_perror("cannot read the unix sockets from sock_diag") : -EIO;
		ret = take_answer(t, &cap, buf, n);
	}
	return ret < 0 ? ret : 0;
}

int unix_diag_collect(struct unix_diag_table *t)
{
	int nl, ret;

	memset(t, 0, sizeof(*t));
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return pr_perror("cannot open a sock_diag netlink socket");
	ret = send_request(nl);
	if (!ret)
		ret = read_answer(nl, t);
	close(nl);
	if (ret) {
		unix_diag_free(t);
		return ret;
	}
	qsort(t->sks, t->nr, sizeof(*t->sks), by_ino);
	pr_debug("sock_diag: %zu unix sockets", t->nr);
	return 0;
}

void unix_diag_free(struct unix_diag_table *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->sks[i].icons);
	free(t->sks);
	t->sks = NULL;
	t->nr = 0;
}

const struct unix_diag_sk *unix_diag_find(const struct unix_diag_table *t, uint32_t ino)
{
	struct unix_diag_sk key = {.ino = ino};

	return ino ? bsearch(&key, t->sks, t->nr, sizeof(*t->sks), by_ino) : NULL;
}

const struct unix_diag_sk *unix_diag_pending_on(const struct unix_diag_table *t, uint32_t ino)
{
	size_t i, j;

	for (i = 0; i < t->nr; i++)
		for (j = 0; j < t->sks[i].nr_icons; j++)
			if (t->sks[i].icons[j] == ino)
				return &t->sks[i];
	return NULL;
}

const struct unix_diag_sk *unix_diag_listener(const struct unix_diag_table *t, uint8_t type,
					      const uint8_t *name, uint32_t len)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		const struct unix_diag_sk *sk = &t->sks[i];

		if (sk->state == TCP_LISTEN && sk->type == type && sk->name_len == len &&
		    !memcmp(sk->name, name, len))
			return sk;
	}
	return NULL;
}
