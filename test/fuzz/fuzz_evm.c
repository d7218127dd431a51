/*
 * fuzz_evm.c
 *	  libFuzzer target for src/evm.c and src/keccak.c.  Built by
 *	  test/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined; no
 *	  main().
 *
 * The input is the candidate address or hash (libFuzzer hands over a heap
 * block of exactly 'size' bytes; outputs go to heap blocks of exactly the
 * documented length, so ASan reports a read or write past either).
 * Properties:
 *	- the three address functions agree on the result; outputs are written
 *	  only on success;
 *	- an accepted address lower-cases and checksums to forms that are
 *	  themselves accepted, map to each other, and are fixed points; a
 *	  mixed-case input that is accepted is its own checksum form;
 *	- an accepted hash is the input lower-cased, and normalising it again
 *	  gives it back;
 *	- Keccak-256 is a function of the bytes alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evm.h"
#include "keccak.h"

#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
		{ \
			fprintf(stderr, "fuzz_evm.c:%d: assertion failed: %s\n", \
					__LINE__, #c); \
			abort(); \
		} \
	} while (0)

#define SENTINEL '#'

static char *
xmalloc(size_t n)
{
	char	   *p = malloc(n ? n : 1);

	FUZZ_ASSERT(p != NULL);
	return p;
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

static int
all_sentinel(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != SENTINEL)
			return 0;
	return 1;
}

static void
check_address(const char *s, size_t size)
{
	const size_t L = SP_EVM_ADDRESS_LEN;
	char	   *low = xmalloc(L),
			   *sum = xmalloc(L),
			   *tmp = xmalloc(L);
	sp_addr_result r = sp_evm_address_validate(s, size);
	int			has_lower = 0,
				has_upper = 0;

	FUZZ_ASSERT(sp_addr_result_text(r)[0] != '\0');
	FUZZ_ASSERT((r == SP_ADDR_EMPTY) == (size == 0));
	memset(low, SENTINEL, L);
	memset(sum, SENTINEL, L);
	FUZZ_ASSERT(sp_evm_address_to_lower(s, size, low) == r);
	FUZZ_ASSERT(sp_evm_address_to_checksum(s, size, sum) == r);
	if (r != SP_ADDR_OK)
	{
		FUZZ_ASSERT(all_sentinel(low, L) && all_sentinel(sum, L));
		goto done;
	}

	FUZZ_ASSERT(size == L && s[0] == '0' && s[1] == 'x');
	for (size_t i = 0; i < L; i++)
	{
		FUZZ_ASSERT(low[i] == lower(s[i]));
		FUZZ_ASSERT(lower(sum[i]) == low[i]);
		if (i >= 2)
		{
			has_lower |= (s[i] >= 'a' && s[i] <= 'f');
			has_upper |= (s[i] >= 'A' && s[i] <= 'F');
		}
	}
	if (has_lower && has_upper)
		FUZZ_ASSERT(memcmp(s, sum, L) == 0);

	FUZZ_ASSERT(sp_evm_address_validate(low, L) == SP_ADDR_OK);
	FUZZ_ASSERT(sp_evm_address_validate(sum, L) == SP_ADDR_OK);
	FUZZ_ASSERT(sp_evm_address_to_checksum(low, L, tmp) == SP_ADDR_OK &&
				memcmp(tmp, sum, L) == 0);
	FUZZ_ASSERT(sp_evm_address_to_checksum(sum, L, tmp) == SP_ADDR_OK &&
				memcmp(tmp, sum, L) == 0);
	FUZZ_ASSERT(sp_evm_address_to_lower(sum, L, tmp) == SP_ADDR_OK &&
				memcmp(tmp, low, L) == 0);
	FUZZ_ASSERT(sp_evm_address_to_lower(low, L, tmp) == SP_ADDR_OK &&
				memcmp(tmp, low, L) == 0);

done:
	free(low);
	free(sum);
	free(tmp);
}

typedef sp_addr_result (*norm_fn) (const char *, size_t, char *);

static void
check_hash(norm_fn fn, size_t want_len, const char *s, size_t size)
{
	/* out holds len bytes: the caller's contract; size it from the input */
	char	   *out = xmalloc(size),
			   *again = xmalloc(size);
	sp_addr_result r;

	memset(out, SENTINEL, size ? size : 1);
	r = fn(s, size, out);
	FUZZ_ASSERT(sp_addr_result_text(r)[0] != '\0');
	FUZZ_ASSERT((r == SP_ADDR_EMPTY) == (size == 0));
	if (r != SP_ADDR_OK)
	{
		FUZZ_ASSERT(all_sentinel(out, size ? size : 1));
		goto done;
	}
	FUZZ_ASSERT(size == want_len);
	for (size_t i = 0; i < size; i++)
	{
		FUZZ_ASSERT(out[i] == lower(s[i]));
		FUZZ_ASSERT(!(out[i] >= 'A' && out[i] <= 'Z'));
	}
	FUZZ_ASSERT(fn(out, size, again) == SP_ADDR_OK);
	FUZZ_ASSERT(memcmp(out, again, size) == 0);

done:
	free(out);
	free(again);
}

static void
check_keccak(const uint8_t *data, size_t size)
{
	unsigned char a[SP_KECCAK256_LEN],
				b[SP_KECCAK256_LEN];
	char	   *copy = xmalloc(size);

	if (size)
		memcpy(copy, data, size);
	sp_keccak256(data, size, a);
	sp_keccak256(copy, size, b);
	FUZZ_ASSERT(memcmp(a, b, sizeof(a)) == 0);
	free(copy);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;

	check_address(s, size);
	check_hash(sp_stellar_tx_hash_normalize, SP_STELLAR_TX_HASH_LEN, s, size);
	check_hash(sp_evm_tx_hash_normalize, SP_EVM_TX_HASH_LEN, s, size);
	check_keccak(data, size);
	return 0;
}
