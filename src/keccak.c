/*
 * keccak.c
 *	  Keccak-256: sponge over keccak-f[1600], rate 136 bytes, capacity 512
 *	  bits.  Only EIP-55 uses it, on 40-byte inputs, so a compact,
 *	  byte-at-a-time absorb is fast enough and is endian-neutral.
 */
#include "keccak.h"

#include <stdint.h>
#include <string.h>

#define KECCAK_ROUNDS	24
#define RATE_256		136

static const uint64_t round_constants[KECCAK_ROUNDS] = {
	UINT64_C(0x0000000000000001), UINT64_C(0x0000000000008082),
	UINT64_C(0x800000000000808a), UINT64_C(0x8000000080008000),
	UINT64_C(0x000000000000808b), UINT64_C(0x0000000080000001),
	UINT64_C(0x8000000080008081), UINT64_C(0x8000000000008009),
	UINT64_C(0x000000000000008a), UINT64_C(0x0000000000000088),
	UINT64_C(0x0000000080008009), UINT64_C(0x000000008000000a),
	UINT64_C(0x000000008000808b), UINT64_C(0x800000000000008b),
	UINT64_C(0x8000000000008089), UINT64_C(0x8000000000008003),
	UINT64_C(0x8000000000008002), UINT64_C(0x8000000000000080),
	UINT64_C(0x000000000000800a), UINT64_C(0x800000008000000a),
	UINT64_C(0x8000000080008081), UINT64_C(0x8000000000008080),
	UINT64_C(0x0000000080000001), UINT64_C(0x8000000080008008)
};

/* rho offsets and pi destinations, walked along the lane cycle from 1 */
static const unsigned rho[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
	27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44
};
static const unsigned pi_lane[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
	15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1
};

static uint64_t
rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));	/* n is never 0 here */
}

static void
keccak_f1600(uint64_t st[25])
{
	uint64_t	bc[5],
				t;

	for (int r = 0; r < KECCAK_ROUNDS; r++)
	{
		/* theta */
		for (int i = 0; i < 5; i++)
			bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
		for (int i = 0; i < 5; i++)
		{
			t = bc[(i + 4) % 5] ^ rotl64(bc[(i + 1) % 5], 1);
			for (int j = 0; j < 25; j += 5)
				st[j + i] ^= t;
		}
		/* rho and pi */
		t = st[1];
		for (int i = 0; i < 24; i++)
		{
			unsigned	j = pi_lane[i];
			uint64_t	tmp = st[j];

			st[j] = rotl64(t, rho[i]);
			t = tmp;
		}
		/* chi */
		for (int j = 0; j < 25; j += 5)
		{
			for (int i = 0; i < 5; i++)
				bc[i] = st[j + i];
			for (int i = 0; i < 5; i++)
				st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
		}
		/* iota */
		st[0] ^= round_constants[r];
	}
}

/* lanes are little-endian: byte i of the state is byte i%8 of lane i/8 */
static void
xor_byte(uint64_t st[25], size_t i, unsigned char b)
{
	st[i / 8] ^= (uint64_t) b << (8 * (i % 8));
}

void
sp_keccak256(const void *data, size_t len, unsigned char out[SP_KECCAK256_LEN])
{
	const unsigned char *p = data;
	uint64_t	st[25];
	size_t		pos = 0;

	memset(st, 0, sizeof(st));
	for (size_t i = 0; i < len; i++)
	{
		xor_byte(st, pos++, p[i]);
		if (pos == RATE_256)
		{
			keccak_f1600(st);
			pos = 0;
		}
	}
	/* original Keccak multi-rate padding: 0x01 ... 0x80 */
	xor_byte(st, pos, 0x01);
	xor_byte(st, RATE_256 - 1, 0x80);
	keccak_f1600(st);

	for (size_t i = 0; i < SP_KECCAK256_LEN; i++)
		out[i] = (unsigned char) (st[i / 8] >> (8 * (i % 8)));
}
