// SPDX-License-Identifier: MIT
/*
 * The datagrams a UDP socket had not read, sent to it again, each from the address it came from:
 * cryo builds the IP and UDP headers itself and sends them through a raw socket (IPPROTO_RAW,
 * headers included), which lets the source be any address and port, even one another socket
 * holds. They are sent to the address the socket is bound to (loopback when it is bound to
 * every address), before it is connected (a connected socket takes only its peer's), and one
 * after the other: each is waited for in the socket's receive queue before the next is sent,
 * so that they stay in order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "restore/socket.h"

#define ARRIVAL_TIMEOUT_MS 2000

/* The one's complement sum of RFC 768 and 1071, over the pseudo header then the datagram. */
static uint32_t sum16(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (; len > 1; len -= 2, p += 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t udp_checksum(const uint8_t *src, const uint8_t *dst, size_t addr_len,
			     const uint8_t *udp, size_t udp_len)
{
	uint8_t tail[4] = {0, IPPROTO_UDP, udp_len >> 8, udp_len & 0xff};
	uint32_t sum = sum16(0, src, addr_len);

	sum = sum16(sum, dst, addr_len);
	sum = sum16(sum, tail, sizeof(tail));
	sum = sum16(sum, udp, udp_len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	/* 0 means "no checksum": a computed 0 is sent as all ones. */
	return htons(sum ? sum : 0xffff);
}

/* The UDP header and the data at udp, with its checksum. */
static size_t put_udp(uint8_t *udp, const struct inet_endpoint *src,
		      const struct inet_endpoint *dst, const struct inet_dgram *dg, int v4)
{
	struct udphdr h = {
	    .source = htons(src->port),
	    .dest = htons(dst->port),
	    .len = htons(sizeof(h) + dg->len),
	};
	size_t off = v4 ? 12 : 0, addr_len = v4 ? 4 : 16;

	memcpy(udp, &h, sizeof(h));
	memcpy(udp + sizeof(h), dg->data, dg->len);
	h.check =
	    udp_checksum(src->addr + off, dst->addr + off, addr_len, udp, sizeof(h) + dg->len);
	memcpy(udp, &h, sizeof(h));
	return sizeof(h) + dg->len;
}

/* The whole packet in buf; its length. The kernel fills an IPv4 header's length and checksum. */
static size_t build_packet(uint8_t *buf, const struct inet_endpoint *src,
			   const struct inet_endpoint *dst, const struct inet_dgram *dg, int v4)
{
	struct ip6_hdr ip6 = {0};
	struct iphdr ip = {0};
	size_t udp_len;

	if (v4) {
		udp_len = put_udp(buf + sizeof(ip), src, dst, dg, 1);
		ip.version = 4;
		ip.ihl = sizeof(ip) / 4;
		ip.ttl = 64;
		ip.protocol = IPPROTO_UDP;
		memcpy(&ip.saddr, src->addr + 12, 4);
		memcpy(&ip.daddr, dst->addr + 12, 4);
		memcpy(buf, &ip, sizeof(ip));
		return sizeof(ip) + udp_len;
	}
	udp_len = put_udp(buf + sizeof(ip6), src, dst, dg, 0);
	ip6.ip6_flow = htonl(6u << 28);
	ip6.ip6_plen = htons(udp_len);
	ip6.ip6_nxt = IPPROTO_UDP;
	ip6.ip6_hlim = 64;
	memcpy(&ip6.ip6_src, src->addr, 16);
	memcpy(&ip6.ip6_dst, dst->addr, 16);
	memcpy(buf, &ip6, sizeof(ip6));
	return sizeof(ip6) + udp_len;
}

/* Where a datagram from src goes: the socket's address, or loopback of src's IP version. */
static int destination(int sk, const struct inet_endpoint *src, struct inet_endpoint *dst,
		       uint32_t id)
{
	static const uint8_t loop4[16] = {[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1};
	static const uint8_t loop6[16] = {[15] = 1};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(sk, (struct sockaddr *)&ss, &len))
		return pr_perror("cannot read the address of socket (file %u)", id);
	inet_endpoint_from((struct sockaddr *)&ss, dst);
	if (inet_addr_is_any(dst->addr))
		memcpy(dst->addr, inet_addr_is_v4(src->addr) ? loop4 : loop6, 16);
	if (inet_addr_is_v4(dst->addr) == inet_addr_is_v4(src->addr))
		return 0;
	pr_err("socket (file %u) holds a datagram from another IP version than its address", id);
	return -EINVAL;
}

static int rmem_alloc(int sk, uint32_t *bytes, uint32_t id)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(sk, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return pr_perror("cannot read the receive queue of socket (file %u)", id);
	*bytes = mem[SK_MEMINFO_RMEM_ALLOC];
	return 0;
}

/* Until the socket's receive queue grew past before. */
static int wait_arrival(int sk, uint32_t before, uint32_t id)
{
	struct timespec tick = {.tv_nsec = 1000 * 1000};
	uint32_t now = 0;
	int ms, ret;

	for (ms = 0; ms < ARRIVAL_TIMEOUT_MS; ms++) {
		ret = rmem_alloc(sk, &now, id);
		if (ret || now != before)
			return ret;
		nanosleep(&tick, NULL);
	}
	pr_err("a datagram sent back to socket (file %u) did not arrive (a firewall?)", id);
	return -ETIMEDOUT;
}

static int send_datagram(int sk, int raw, const struct inet_dgram *dg, uint32_t id)
{
	static uint8_t packet[sizeof(struct ip6_hdr) + sizeof(struct udphdr) + 65536];
	struct inet_endpoint src = {.port = dg->rec.src_port}, dst;
	struct sockaddr_storage ss;
	uint32_t before = 0;
	socklen_t len;
	size_t n;
	int ret, v4;

	memcpy(src.addr, dg->rec.src_addr, 16);
	v4 = inet_addr_is_v4(src.addr);
	ret = destination(sk, &src, &dst, id);
	if (!ret)
		ret = rmem_alloc(sk, &before, id);
	if (ret)
		return ret;
	n = build_packet(packet, &src, &dst, dg, v4);
	dst.port = 0; /* a raw socket's address has no port */
	len = inet_endpoint_to(v4 ? AF_INET : AF_INET6, &dst, &ss);
	if (sendto(raw, packet, n, 0, (struct sockaddr *)&ss, len) != (ssize_t)n)
		return pr_perror("cannot send a datagram back to socket (file %u)", id);
	return wait_arrival(sk, before, id);
}

int refill_datagrams(int sk, const struct inet_file *p, uint32_t id)
{
	int raw[2] = {-1, -1}, ret;
	size_t i, bytes = 0;

	for (i = 0; i < p->nr_dgrams; i++)
		bytes += p->dgrams[i]->len;
	ret = make_sock_room(sk, 0, bytes + 1024 * p->nr_dgrams, id);
	for (i = 0; i < p->nr_dgrams && !ret; i++) {
		int v4 = inet_addr_is_v4(p->dgrams[i]->rec.src_addr);

		if (raw[v4] < 0)
			raw[v4] =
			    socket(v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (raw[v4] < 0)
			ret = pr_perror("cannot create a raw socket");
		else
			ret = send_datagram(sk, raw[v4], p->dgrams[i], id);
	}
	for (i = 0; i < 2; i++)
		if (raw[i] >= 0)
			close(raw[i]);
	return ret;
}
