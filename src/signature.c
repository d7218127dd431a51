/*
 * signature.c
 *	  Parsing and constant-time comparison of webhook signatures.
 */
#include "signature.h"

#include <string.h>

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
sp_signature_parse(const char *s, size_t len, uint8_t out[SP_SIGNATURE_BYTES])
{
	static const char prefix[] = "sha256=";
	const size_t prefix_len = sizeof(prefix) - 1;
	const size_t hex_len = (size_t) 2 * SP_SIGNATURE_BYTES;

	if (len == prefix_len + hex_len &&
		memcmp(s, prefix, prefix_len) == 0)
	{
		s += prefix_len;
		len -= prefix_len;
	}
	if (len != hex_len)
		return false;
	for (size_t i = 0; i < SP_SIGNATURE_BYTES; i++)
	{
		int			hi = hex_value(s[2 * i]);
		int			lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t) (hi << 4 | lo);
	}
	return true;
}

bool
sp_constant_time_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	/* accumulate every difference: no early exit an attacker could time */
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

void
sp_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++)
	{
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}
