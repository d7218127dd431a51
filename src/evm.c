/*
 * evm.c
 *	  EVM addresses with EIP-55, and transaction hashes.  See evm.h.
 */
#include "evm.h"

#include <stdbool.h>
#include <string.h>

#include "keccak.h"

#define EVM_ADDRESS_DIGITS	40

static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

static char
to_lower(unsigned char c)
{
	return (char) ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
}

static bool
has_0x(const char *s, size_t len)
{
	return len >= 2 && s[0] == '0' && s[1] == 'x';
}

static sp_addr_result
check_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_hex((unsigned char) s[i]))
			return SP_ADDR_BAD_HEX;
	return SP_ADDR_OK;
}

/*
 * EIP-55 form of 40 hex digits: letter i is upper case iff nibble i of
 * Keccak-256(lower-case digits) is >= 8.
 */
static void
eip55(const char *digits, char *out)
{
	char		lower[EVM_ADDRESS_DIGITS];
	unsigned char hash[SP_KECCAK256_LEN];

	for (int i = 0; i < EVM_ADDRESS_DIGITS; i++)
		lower[i] = to_lower((unsigned char) digits[i]);
	sp_keccak256(lower, EVM_ADDRESS_DIGITS, hash);
	for (int i = 0; i < EVM_ADDRESS_DIGITS; i++)
	{
		unsigned	nibble = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;
		char		c = lower[i];

		out[i] = (c >= 'a' && c <= 'f' && nibble >= 8) ? (char) (c - 'a' + 'A') : c;
	}
}

sp_addr_result
sp_evm_address_validate(const char *s, size_t len)
{
	const char *d = s + 2;
	bool		has_lower = false,
				has_upper = false;
	char		expect[EVM_ADDRESS_DIGITS];
	sp_addr_result r;

	if (len == 0)
		return SP_ADDR_EMPTY;
	if (!has_0x(s, len))
		return SP_ADDR_BAD_PREFIX;
	if (len != SP_EVM_ADDRESS_LEN)
		return SP_ADDR_BAD_LENGTH;
	if ((r = check_hex(d, EVM_ADDRESS_DIGITS)) != SP_ADDR_OK)
		return r;

	for (int i = 0; i < EVM_ADDRESS_DIGITS; i++)
	{
		has_lower |= (d[i] >= 'a' && d[i] <= 'f');
		has_upper |= (d[i] >= 'A' && d[i] <= 'F');
	}
	/* single-case addresses predate EIP-55 and carry no checksum */
	if (!(has_lower && has_upper))
		return SP_ADDR_OK;

	eip55(d, expect);
	if (memcmp(expect, d, EVM_ADDRESS_DIGITS) != 0)
		return SP_ADDR_BAD_EIP55;
	return SP_ADDR_OK;
}

sp_addr_result
sp_evm_address_to_lower(const char *s, size_t len, char *out)
{
	sp_addr_result r = sp_evm_address_validate(s, len);

	if (r != SP_ADDR_OK)
		return r;
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 2; i < SP_EVM_ADDRESS_LEN; i++)
		out[i] = to_lower((unsigned char) s[i]);
	return SP_ADDR_OK;
}

sp_addr_result
sp_evm_address_to_checksum(const char *s, size_t len, char *out)
{
	sp_addr_result r = sp_evm_address_validate(s, len);

	if (r != SP_ADDR_OK)
		return r;
	out[0] = '0';
	out[1] = 'x';
	eip55(s + 2, out + 2);
	return SP_ADDR_OK;
}

static void
copy_lower(const char *s, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = to_lower((unsigned char) s[i]);
}

sp_addr_result
sp_stellar_tx_hash_normalize(const char *s, size_t len, char *out)
{
	sp_addr_result r;

	if (len == 0)
		return SP_ADDR_EMPTY;
	/* an EVM-style hash pasted into a Stellar stream */
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return SP_ADDR_BAD_PREFIX;
	if (len != SP_STELLAR_TX_HASH_LEN)
		return SP_ADDR_BAD_LENGTH;
	if ((r = check_hex(s, len)) != SP_ADDR_OK)
		return r;
	copy_lower(s, len, out);
	return SP_ADDR_OK;
}

sp_addr_result
sp_evm_tx_hash_normalize(const char *s, size_t len, char *out)
{
	sp_addr_result r;

	if (len == 0)
		return SP_ADDR_EMPTY;
	if (!has_0x(s, len))
		return SP_ADDR_BAD_PREFIX;
	if (len != SP_EVM_TX_HASH_LEN)
		return SP_ADDR_BAD_LENGTH;
	if ((r = check_hex(s + 2, len - 2)) != SP_ADDR_OK)
		return r;
	copy_lower(s, len, out);
	return SP_ADDR_OK;
}
