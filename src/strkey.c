/*
 * strkey.c
 *	  Stellar StrKey (SEP-23).  See strkey.h for the rules and the order in
 *	  which they are checked.
 */
#include "strkey.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* version byte || data || CRC */
#define STRKEY_MAX_BYTES	(1 + SP_STRKEY_MAX_DATA + 2)

/* below this, an 'S...' string holds under 80 bits of a seed */
#define SEED_GUESS_MIN_CHARS	16

#define SIGNED_PAYLOAD_MAX	64

typedef struct kind_info
{
	sp_strkey_kind kind;
	unsigned char base;			/* top 5 bits of the version byte */
	size_t		data_len;		/* 0: variable (P) */
} kind_info;

static const kind_info kinds[] = {
	{SP_STRKEY_ACCOUNT, 6, 32},
	{SP_STRKEY_MUXED, 12, 40},
	{SP_STRKEY_CONTRACT, 2, 32},
	{SP_STRKEY_SEED, 18, 32},
	{SP_STRKEY_PRE_AUTH_TX, 19, 32},
	{SP_STRKEY_HASH_X, 23, 32},
	{SP_STRKEY_SIGNED_PAYLOAD, 15, 0},
	{SP_STRKEY_LIQUIDITY_POOL, 11, 32},
	{SP_STRKEY_CLAIMABLE_BALANCE, 1, 33},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static const kind_info *
kind_by_base(unsigned base)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].base == base)
			return &kinds[i];
	return NULL;
}

static const kind_info *
kind_by_kind(sp_strkey_kind kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == kind)
			return &kinds[i];
	return NULL;
}

/* -1 for anything outside upper-case RFC 4648 base32 (NUL included) */
static int
b32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

static uint16_t
crc16_xmodem(const unsigned char *p, size_t n)
{
	uint16_t	crc = 0;

	for (size_t i = 0; i < n; i++)
	{
		crc ^= (uint16_t) (p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021)
				: (uint16_t) (crc << 1);
	}
	return crc;
}

/* characters needed for n bytes without padding */
static size_t
b32_chars(size_t nbytes)
{
	return (nbytes * 8 + 4) / 5;
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
		c == '\r';
}

static bool
is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9');
}

static bool
looks_like_seed(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		b = 0,
				e = len;

	while (b < e && is_space(p[b]))
		b++;
	while (e > b && is_space(p[e - 1]))
		e--;
	if (e - b < SEED_GUESS_MIN_CHARS || (p[b] != 'S' && p[b] != 's'))
		return false;
	for (size_t i = b; i < e; i++)
		if (!is_alnum(p[i]))
			return false;
	return true;
}

/*
 * Kind-specific structure of the data (version byte and CRC excluded).
 * P: 32-byte key, 4-byte big-endian length n <= 64, n payload bytes, zero
 * padding to a multiple of 4.  B: a type byte that must be 0 (v0), then a
 * 32-byte hash.
 */
static bool
data_well_formed(const kind_info *k, const unsigned char *d, size_t n)
{
	if (k->kind == SP_STRKEY_SIGNED_PAYLOAD)
	{
		uint32_t	plen;
		size_t		padded;

		if (n < 36 || n > SP_STRKEY_MAX_DATA)
			return false;
		plen = ((uint32_t) d[32] << 24) | ((uint32_t) d[33] << 16) |
			((uint32_t) d[34] << 8) | (uint32_t) d[35];
		if (plen > SIGNED_PAYLOAD_MAX)
			return false;
		padded = ((size_t) plen + 3) & ~(size_t) 3;
		if (n != 36 + padded)
			return false;
		for (size_t i = 36 + plen; i < n; i++)
			if (d[i] != 0)
				return false;
		return true;
	}
	if (n != k->data_len)
		return false;
	if (k->kind == SP_STRKEY_CLAIMABLE_BALANCE)
		return d[0] == 0;
	return true;
}

/* Is len a possible StrKey length for k?  Sets *nbytes (decoded size). */
static bool
length_fits(const kind_info *k, size_t len, size_t *nbytes)
{
	size_t		n = len * 5 / 8;

	if (k->data_len != 0)
	{
		*nbytes = 1 + k->data_len + 2;
		return len == b32_chars(*nbytes);
	}
	/* P: canonical length (re-encodes to len) within the payload bounds */
	if (len > SP_STRKEY_MAX_LEN || b32_chars(n) != len)
		return false;
	if (n < 1 + 36 + 2 || n > STRKEY_MAX_BYTES)
		return false;
	*nbytes = n;
	return true;
}

sp_addr_result
sp_strkey_decode(const char *s, size_t len, unsigned allowed,
				 sp_strkey_kind *kind_out, unsigned char *data,
				 size_t *data_len)
{
	const unsigned char *p = (const unsigned char *) s;
	unsigned char buf[STRKEY_MAX_BYTES];
	const kind_info *k;
	size_t		nbytes = 0;
	size_t		nb = 0;
	uint32_t	acc = 0;
	int			bits = 0;
	uint16_t	crc;

	if (kind_out)
		*kind_out = SP_STRKEY_NONE;
	if (len == 0)
		return SP_ADDR_EMPTY;
	if (looks_like_seed(s, len))
	{
		if (kind_out)
			*kind_out = SP_STRKEY_SEED;
		return SP_ADDR_SECRET_SEED;
	}
	for (size_t i = 0; i < len; i++)
		if (b32_value(p[i]) < 0)
			return SP_ADDR_BAD_CHARACTER;
	if (len < 2)
		return SP_ADDR_BAD_LENGTH;

	/* the first character is the version byte's top 5 bits */
	k = kind_by_base((unsigned) b32_value(p[0]));
	if (k == NULL)
		return SP_ADDR_BAD_VERSION;
	if (kind_out)
		*kind_out = k->kind;
	if ((b32_value(p[1]) >> 2) != 0)
		return SP_ADDR_BAD_VERSION;
	/* every 'S' of a plausible length was caught by looks_like_seed */
	if (k->kind == SP_STRKEY_SEED || !length_fits(k, len, &nbytes))
		return SP_ADDR_BAD_LENGTH;

	for (size_t i = 0; i < len; i++)
	{
		acc = (acc << 5) | (uint32_t) b32_value(p[i]);
		bits += 5;
		if (bits >= 8)
		{
			bits -= 8;
			buf[nb++] = (unsigned char) (acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	/* length_fits guarantees nb == nbytes and bits < 5 */
	if (nb != nbytes || acc != 0)
		return nb != nbytes ? SP_ADDR_BAD_LENGTH : SP_ADDR_BAD_PADDING;

	crc = crc16_xmodem(buf, nbytes - 2);
	/* length_fits: nbytes >= 39, all of them written above */
	if (buf[nbytes - 2] != (crc & 0xff) || buf[nbytes - 1] != (crc >> 8))	/* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult) */
		return SP_ADDR_BAD_CHECKSUM;
	if (!data_well_formed(k, buf + 1, nbytes - 3))
		return SP_ADDR_BAD_PAYLOAD;
	if ((allowed & (unsigned) k->kind) == 0)
		return SP_ADDR_WRONG_KIND;

	if (data)
		memcpy(data, buf + 1, nbytes - 3);
	if (data_len)
		*data_len = nbytes - 3;
	return SP_ADDR_OK;
}

sp_addr_result
sp_strkey_validate(const char *s, size_t len, unsigned allowed,
				   sp_strkey_kind *kind_out)
{
	return sp_strkey_decode(s, len, allowed, kind_out, NULL, NULL);
}

size_t
sp_strkey_encode(sp_strkey_kind kind, const unsigned char *data,
				 size_t data_len, char *out, size_t out_cap)
{
	unsigned char buf[STRKEY_MAX_BYTES];
	const kind_info *k = kind_by_kind(kind);
	size_t		nbytes,
				nchars,
				o = 0;
	uint32_t	acc = 0;
	int			bits = 0;
	uint16_t	crc;

	/* a seed has no business being produced by this extension */
	if (k == NULL || kind == SP_STRKEY_SEED || data == NULL ||
		!data_well_formed(k, data, data_len))
		return 0;
	nbytes = 1 + data_len + 2;
	nchars = b32_chars(nbytes);
	if (out == NULL || out_cap < nchars)
		return 0;

	buf[0] = (unsigned char) (k->base << 3);
	memcpy(buf + 1, data, data_len);
	crc = crc16_xmodem(buf, nbytes - 2);
	buf[nbytes - 2] = (unsigned char) (crc & 0xff);
	buf[nbytes - 1] = (unsigned char) (crc >> 8);

	for (size_t i = 0; i < nbytes; i++)
	{
		acc = (acc << 8) | buf[i];
		bits += 8;
		while (bits >= 5)
		{
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
	return o;
}

const char *
sp_addr_result_text(sp_addr_result r)
{
	switch (r)
	{
		case SP_ADDR_OK:
			return "valid";
		case SP_ADDR_EMPTY:
			return "empty string";
		case SP_ADDR_BAD_LENGTH:
			return "wrong length";
		case SP_ADDR_BAD_CHARACTER:
			return "invalid character";
		case SP_ADDR_BAD_VERSION:
			return "unknown version byte";
		case SP_ADDR_BAD_CHECKSUM:
			return "checksum mismatch";
		case SP_ADDR_BAD_PADDING:
			return "non-zero padding bits";
		case SP_ADDR_SECRET_SEED:
			return "secret seed, not an address";
		case SP_ADDR_WRONG_KIND:
			return "wrong kind of address";
		case SP_ADDR_BAD_PREFIX:
			return "wrong prefix";
		case SP_ADDR_BAD_HEX:
			return "invalid hex digit";
		case SP_ADDR_BAD_EIP55:
			return "EIP-55 checksum mismatch";
		case SP_ADDR_BAD_PAYLOAD:
			return "malformed payload";
	}
	return "unknown error";
}
