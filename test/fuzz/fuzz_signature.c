/*
 * fuzz_signature.c
 *	  libFuzzer target for src/signature.c: the part of webhook ingestion
 *	  that reads the untrusted signature header before any HMAC is
 *	  computed (the payload's JSON is parsed by PostgreSQL's own jsonb
 *	  parser, and only after the signature holds).  Built by
 *	  test/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined; no
 *	  main().
 *
 * The input is the signature as received (a heap block of exactly 'size'
 * bytes, so ASan reports a read past it).  Properties:
 *	- it is accepted exactly when it is 64 hex digits, optionally after
 *	  "sha256=" (checked here by a separate, plain reading of the format);
 *	- an accepted signature's 32 bytes, hex-encoded again, are its digits
 *	  lower-cased, and that encoding parses back to the same bytes;
 *	- the constant-time comparison agrees with memcmp on the two halves of
 *	  the input, on the input against itself, and after flipping any one
 *	  bit;
 *	- hex encoding writes exactly 2n digits and a NUL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature.h"

#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
		{ \
			fprintf(stderr, "fuzz_signature.c:%d: assertion failed: %s\n", \
					__LINE__, #c); \
			abort(); \
		} \
	} while (0)

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* the format, read the obvious way */
static const char *
digits_of(const char *s, size_t size)
{
	const char *d = s;
	size_t		n = size;

	if (size == 7 + 64 && strncmp(s, "sha256=", 7) == 0)
	{
		d = s + 7;
		n = 64;
	}
	if (n != 64)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(d[i]))
			return NULL;
	return d;
}

static void
check_parse(const char *s, size_t size)
{
	uint8_t		sig[SP_SIGNATURE_BYTES],
				again[SP_SIGNATURE_BYTES];
	char		hex[2 * SP_SIGNATURE_BYTES + 1];
	const char *digits = digits_of(s, size);
	bool		ok = sp_signature_parse(s, size, sig);

	FUZZ_ASSERT(ok == (digits != NULL));
	if (!ok)
		return;
	sp_hex_encode(sig, SP_SIGNATURE_BYTES, hex);
	FUZZ_ASSERT(hex[2 * SP_SIGNATURE_BYTES] == '\0');
	for (size_t i = 0; i < 2 * SP_SIGNATURE_BYTES; i++)
		FUZZ_ASSERT(hex[i] == lower(digits[i]));
	FUZZ_ASSERT(sp_signature_parse(hex, 2 * SP_SIGNATURE_BYTES, again));
	FUZZ_ASSERT(memcmp(sig, again, SP_SIGNATURE_BYTES) == 0);
}

static void
check_compare(const uint8_t *data, size_t size)
{
	size_t		half = size / 2;
	uint8_t    *a = malloc(half ? half : 1),
			   *b = malloc(half ? half : 1);

	FUZZ_ASSERT(a != NULL && b != NULL);
	if (half)
	{
		memcpy(a, data, half);
		memcpy(b, data + half, half);
	}
	FUZZ_ASSERT(sp_constant_time_equal(a, b, half) == (memcmp(a, b, half) == 0));
	FUZZ_ASSERT(sp_constant_time_equal(a, a, half));
	if (half)
	{
		size_t		bit = (size_t) data[0] % (half * 8);

		memcpy(b, a, half);
		b[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		FUZZ_ASSERT(!sp_constant_time_equal(a, b, half));
	}
	free(a);
	free(b);
}

static void
check_hex(const uint8_t *data, size_t size)
{
	char	   *out = malloc(2 * size + 1);

	FUZZ_ASSERT(out != NULL);
	sp_hex_encode(data, size, out);
	FUZZ_ASSERT(strlen(out) == 2 * size);
	for (size_t i = 0; i < 2 * size; i++)
		FUZZ_ASSERT(is_hex(out[i]) && lower(out[i]) == out[i]);
	free(out);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse((const char *) data, size);
	check_compare(data, size);
	check_hex(data, size);
	return 0;
}
