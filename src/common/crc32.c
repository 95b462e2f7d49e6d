// SPDX-License-Identifier: MIT
/*
 * CRC-32 as in Ethernet, zlib and PNG: reflected, polynomial 0xEDB88320, initial value and final
 * xor 0xFFFFFFFF. Like zlib's crc32(), it chains: crc32_ieee(crc32_ieee(0, a), b) is the CRC of
 * a followed by b.
 *
 * The table holds the CRC of every 4-bit value, so each byte takes two lookups: 64 bytes of table
 * that can be read and checked by eye, fast enough for record headers and payloads (page
 * contents are never checksummed).
 */
#include "images/image.h"

static const uint32_t crc_nibble[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc_nibble[crc & 0xf];
	}
	return ~crc;
}
