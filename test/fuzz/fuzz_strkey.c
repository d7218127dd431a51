/*
 * fuzz_strkey.c
 *	  libFuzzer target for src/strkey.c.  Built by test/fuzz/run.sh with
 *	  clang -fsanitize=fuzzer,address,undefined; no main().
 *
 * The input is the candidate StrKey itself (libFuzzer hands over a heap
 * block of exactly 'size' bytes, so ASan reports any read past it).  It is
 * also read as (kind selector, data) to drive the encoder.  Properties:
 *	- validate and decode agree, for every mask of allowed kinds;
 *	- only SP_ADDR_WRONG_KIND depends on the mask, and never for the full
 *	  mask; a seed is SP_ADDR_SECRET_SEED for every mask and is not decoded;
 *	- what is accepted is upper-case base32, re-encodes to exactly the
 *	  input, and is accepted for its own kind only;
 *	- whatever the encoder produces decodes back to the same kind and data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strkey.h"

#define ALL_KINDS	0x1FFu

#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
		{ \
			fprintf(stderr, "fuzz_strkey.c:%d: assertion failed: %s\n", \
					__LINE__, #c); \
			abort(); \
		} \
	} while (0)

static const sp_strkey_kind all_kinds[] = {
	SP_STRKEY_ACCOUNT, SP_STRKEY_MUXED, SP_STRKEY_CONTRACT, SP_STRKEY_SEED,
	SP_STRKEY_PRE_AUTH_TX, SP_STRKEY_HASH_X, SP_STRKEY_SIGNED_PAYLOAD,
	SP_STRKEY_LIQUIDITY_POOL, SP_STRKEY_CLAIMABLE_BALANCE,
};
#define NKINDS (sizeof(all_kinds) / sizeof(all_kinds[0]))

static void
check_decode(const char *s, size_t size)
{
	unsigned char data[SP_STRKEY_MAX_DATA];
	unsigned char again[SP_STRKEY_MAX_DATA];
	size_t		dlen = (size_t) -1,
				dlen2 = 0;
	sp_strkey_kind kind = (sp_strkey_kind) 0x7777,
				k2;
	sp_addr_result r,
				r2;
	const char *text;

	memset(data, 0xA5, sizeof(data));
	r = sp_strkey_decode(s, size, ALL_KINDS, &kind, data, &dlen);
	text = sp_addr_result_text(r);
	FUZZ_ASSERT(text != NULL && text[0] != '\0');
	FUZZ_ASSERT(r != SP_ADDR_WRONG_KIND);
	FUZZ_ASSERT(r != SP_ADDR_BAD_PREFIX && r != SP_ADDR_BAD_HEX &&
				r != SP_ADDR_BAD_EIP55);
	FUZZ_ASSERT((r == SP_ADDR_EMPTY) == (size == 0));
	FUZZ_ASSERT(kind == SP_STRKEY_NONE || (kind & ALL_KINDS) != 0);
	FUZZ_ASSERT(__builtin_popcount((unsigned) kind) <= 1);
	FUZZ_ASSERT(sp_strkey_validate(s, size, ALL_KINDS, NULL) == r);

	/* the mask only turns OK into WRONG_KIND */
	for (unsigned mask = 0; mask <= ALL_KINDS; mask += 37)
	{
		k2 = SP_STRKEY_NONE;
		r2 = sp_strkey_validate(s, size, mask, &k2);
		FUZZ_ASSERT(k2 == kind);
		if (r == SP_ADDR_OK)
			FUZZ_ASSERT(r2 == ((mask & (unsigned) kind) ? SP_ADDR_OK
							   : SP_ADDR_WRONG_KIND));
		else
			FUZZ_ASSERT(r2 == r);
	}

	if (r == SP_ADDR_SECRET_SEED)
	{
		FUZZ_ASSERT(kind == SP_STRKEY_SEED);
		FUZZ_ASSERT(dlen == (size_t) -1);
		for (size_t i = 0; i < sizeof(data); i++)
			FUZZ_ASSERT(data[i] == 0xA5);
		return;
	}
	if (r != SP_ADDR_OK)
	{
		FUZZ_ASSERT(dlen == (size_t) -1);
		return;
	}

	/* accepted: canonical upper-case base32 of a known, non-seed kind */
	FUZZ_ASSERT(kind != SP_STRKEY_NONE && kind != SP_STRKEY_SEED);
	FUZZ_ASSERT(size >= SP_STRKEY_ED25519_LEN && size <= SP_STRKEY_MAX_LEN);
	FUZZ_ASSERT(dlen >= 32 && dlen <= SP_STRKEY_MAX_DATA);
	for (size_t i = 0; i < size; i++)
		FUZZ_ASSERT((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7'));
	if (kind == SP_STRKEY_ACCOUNT || kind == SP_STRKEY_CONTRACT)
		FUZZ_ASSERT(size == SP_STRKEY_ED25519_LEN && dlen == 32);
	if (kind == SP_STRKEY_MUXED)
		FUZZ_ASSERT(size == SP_STRKEY_MUXED_LEN && dlen == 40);
	for (size_t i = 0; i < NKINDS; i++)
		FUZZ_ASSERT(sp_strkey_validate(s, size, (unsigned) all_kinds[i], NULL) ==
					(all_kinds[i] == kind ? SP_ADDR_OK : SP_ADDR_WRONG_KIND));

	/* re-encodes to itself, into a buffer of exactly that size */
	{
		char	   *enc = malloc(size);
		size_t		n;

		FUZZ_ASSERT(enc != NULL);
		n = sp_strkey_encode(kind, data, dlen, enc, size);
		FUZZ_ASSERT(n == size && memcmp(enc, s, size) == 0);
		FUZZ_ASSERT(sp_strkey_encode(kind, data, dlen, enc, size - 1) == 0);
		r2 = sp_strkey_decode(enc, n, (unsigned) kind, &k2, again, &dlen2);
		FUZZ_ASSERT(r2 == SP_ADDR_OK && k2 == kind && dlen2 == dlen &&
					memcmp(again, data, dlen) == 0);
		free(enc);
	}
}

/* first byte picks a kind (or junk), the rest is the data to encode */
static void
check_encode(const uint8_t *in, size_t size)
{
	unsigned char *d;
	size_t		dlen;
	sp_strkey_kind kind;
	char		out[SP_STRKEY_MAX_LEN];
	unsigned char back[SP_STRKEY_MAX_DATA];
	size_t		n,
				blen = 0;
	sp_strkey_kind k2 = SP_STRKEY_NONE;

	if (size == 0)
		return;
	kind = (in[0] < NKINDS) ? all_kinds[in[0]] : (sp_strkey_kind) in[0];
	dlen = size - 1;
	d = malloc(dlen ? dlen : 1);
	FUZZ_ASSERT(d != NULL);
	if (dlen)
		memcpy(d, in + 1, dlen);

	n = sp_strkey_encode(kind, d, dlen, out, sizeof(out));
	if (n > 0)
	{
		FUZZ_ASSERT(kind != SP_STRKEY_SEED);
		FUZZ_ASSERT(n <= SP_STRKEY_MAX_LEN);
		FUZZ_ASSERT(sp_strkey_decode(out, n, (unsigned) kind, &k2, back, &blen) ==
					SP_ADDR_OK);
		FUZZ_ASSERT(k2 == kind && blen == dlen && memcmp(back, d, dlen) == 0);
	}
	else
	{
		/* refusing is right only for seeds, unknown kinds, malformed data */
		size_t		fixed = 0;

		switch (kind)
		{
			case SP_STRKEY_ACCOUNT:
			case SP_STRKEY_CONTRACT:
			case SP_STRKEY_PRE_AUTH_TX:
			case SP_STRKEY_HASH_X:
			case SP_STRKEY_LIQUIDITY_POOL:
				fixed = 32;
				break;
			case SP_STRKEY_MUXED:
				fixed = 40;
				break;
			default:
				break;
		}
		FUZZ_ASSERT(fixed == 0 || dlen != fixed);
	}
	free(d);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode((const char *) data, size);
	check_encode(data, size);
	return 0;
}
