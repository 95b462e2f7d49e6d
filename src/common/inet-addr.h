/* SPDX-License-Identifier: MIT */
/*
 * Inet addresses as the images keep them: 16 bytes in network order, an IPv4 address in its
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), and a port in host order. One form for both families,
 * so that a record has one layout and `cryo show` prints every address the same way.
 */
#ifndef CRYO_COMMON_INET_ADDR_H
#define CRYO_COMMON_INET_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address and port: "127.0.0.1:80", "[::1]:80". */
#define INET_ENDPOINT_STRLEN 64

struct inet_endpoint {
	uint8_t addr[16];
	uint32_t port;
	uint32_t scope; /* sin6_scope_id */
};

/* From a struct sockaddr_in or sockaddr_in6 (any other family: all zero). */
void inet_endpoint_from(const struct sockaddr *sa, struct inet_endpoint *ep);
/* The sockaddr of family (AF_INET, AF_INET6) for ep; its length. */
socklen_t inet_endpoint_to(int family, const struct inet_endpoint *ep, struct sockaddr_storage *ss);
/* An IPv4 address (mapped): its packets on the wire are IPv4. */
bool inet_addr_is_v4(const uint8_t addr[16]);
bool inet_addr_is_any(const uint8_t addr[16]);
/* ep as text, in buf of INET_ENDPOINT_STRLEN bytes; returns buf. */
const char *inet_endpoint_str(const struct inet_endpoint *ep, char *buf);

#endif
