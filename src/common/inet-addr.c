// SPDX-License-Identifier: MIT
/* Inet addresses between sockaddrs and the images' form; see inet-addr.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common/inet-addr.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void inet_endpoint_from(const struct sockaddr *sa, struct inet_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		memcpy(ep->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(ep->addr + 12, &in->sin_addr, 4);
		ep->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		memcpy(ep->addr, &in6->sin6_addr, 16);
		ep->port = ntohs(in6->sin6_port);
		ep->scope = in6->sin6_scope_id;
	}
}

socklen_t inet_endpoint_to(int family, const struct inet_endpoint *ep, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, ep->addr + 12, 4);
		in->sin_port = htons(ep->port);
		return sizeof(*in);
	}
	in6->sin6_family = AF_INET6;
	memcpy(&in6->sin6_addr, ep->addr, 16);
	in6->sin6_port = htons(ep->port);
	in6->sin6_scope_id = ep->scope;
	return sizeof(*in6);
}

bool inet_addr_is_v4(const uint8_t addr[16])
{
	return !memcmp(addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
}

bool inet_addr_is_any(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	return !memcmp(addr, zero, 16) || (inet_addr_is_v4(addr) && !memcmp(addr + 12, zero, 4));
}

const char *inet_endpoint_str(const struct inet_endpoint *ep, char *buf)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_addr_is_v4(ep->addr)) {
		inet_ntop(AF_INET, ep->addr + 12, text, sizeof(text));
		snprintf(buf, INET_ENDPOINT_STRLEN, "%s:%u", text, ep->port);
	} else {
		inet_ntop(AF_INET6, ep->addr, text, sizeof(text));
		snprintf(buf, INET_ENDPOINT_STRLEN, "[%s]:%u", text, ep->port);
	}
	return buf;
}
