/*
 * test_codecs.c
 *	  Unit tests of the address and hash codecs (strkey, evm, keccak),
 *	  outside the server.
 *
 * No test library: CHECK* macros count passes and failures, and the last
 * line printed is "N passed, N failed".  The exit status is non-zero when
 * any check failed.
 *
 * Expected values never come from the code under test:
 *	- SEP-23's own valid and invalid test cases and EIP-55's examples;
 *	- StrKeys generated once with Python's base64.b32encode and a separate
 *	  CRC16-XModem (checked against the catalogue value 0x31C3 for
 *	  "123456789"), which also reproduces SEP-23's G, M and C vectors;
 *	  the generator set padding bits, version bytes, data lengths and
 *	  payloads on purpose, so each vector has one known defect;
 *	- Keccak-256 digests and EIP-55 forms from pycryptodome
 *	  (Cryptodome.Hash.keccak, Debian python3-pycryptodome);
 *	- for derived invalid inputs (flipped, truncated, padded, lower-cased),
 *	  the defect that the derivation introduces.
 *
 * Every input is copied into a heap block of exactly its length, so that
 * ASan and valgrind see any read past the end.
 */
#include "keccak.h"
#include "strkey.h"
#include "evm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Runner
 * ------------------------------------------------------------------------ */

static int	n_passed;
static int	n_failed;

static void
fail_at(int line, const char *what, const char *detail)
{
	n_failed++;
	fprintf(stderr, "FAIL %s:%d: %s%s%s\n", __FILE__, line, what,
			detail ? " -- " : "", detail ? detail : "");
}

#define CHECK(cond) \
	do { \
		if (cond) \
			n_passed++; \
		else \
			fail_at(__LINE__, #cond, NULL); \
	} while (0)

/* compare two sp_addr_result values, naming both on failure */
#define CHECK_RES(got, exp) \
	do { \
		sp_addr_result g_ = (got); \
		sp_addr_result e_ = (exp); \
		if (g_ == e_) \
			n_passed++; \
		else \
		{ \
			char		d_[160]; \
			snprintf(d_, sizeof(d_), "got %d (%s), expected %d (%s)", \
					 (int) g_, sp_addr_result_text(g_), \
					 (int) e_, sp_addr_result_text(e_)); \
			fail_at(__LINE__, #got, d_); \
		} \
	} while (0)

#define CHECK_MEM(got, exp, n) \
	do { \
		if (memcmp((got), (exp), (n)) == 0) \
			n_passed++; \
		else \
			fail_at(__LINE__, "memcmp(" #got ", " #exp ")", NULL); \
	} while (0)

/* an exact-size heap copy (at least one byte so that malloc never fails) */
static char *
dup_exact(const char *s, size_t len)
{
	char	   *p = malloc(len ? len : 1);

	if (p == NULL)
	{
		perror("malloc");
		exit(2);
	}
	if (len)
		memcpy(p, s, len);
	return p;
}

#define ALL_KINDS	0x1FFu
#define ADDR_KINDS	(SP_STRKEY_ACCOUNT | SP_STRKEY_MUXED | SP_STRKEY_CONTRACT)

static sp_addr_result
sk_n(const char *s, size_t len, unsigned allowed, sp_strkey_kind *kind)
{
	char	   *p = dup_exact(s, len);
	sp_addr_result r = sp_strkey_validate(p, len, allowed, kind);

	free(p);
	return r;
}

static sp_addr_result
sk(const char *s, unsigned allowed)
{
	return sk_n(s, strlen(s), allowed, NULL);
}

static sp_strkey_kind
sk_kind(const char *s, unsigned allowed)
{
	sp_strkey_kind k = (sp_strkey_kind) 12345;

	sk_n(s, strlen(s), allowed, &k);
	return k;
}

static sp_addr_result
evm(const char *s)
{
	size_t		len = strlen(s);
	char	   *p = dup_exact(s, len);
	sp_addr_result r = sp_evm_address_validate(p, len);

	free(p);
	return r;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* lower-case hex text -> bytes; returns the byte count */
static size_t
unhex(const char *h, unsigned char *out)
{
	size_t		n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char) (hexval(h[2 * i]) * 16 + hexval(h[2 * i + 1]));
	return n;
}

/* ------------------------------------------------------------------------
 * Vectors
 * ------------------------------------------------------------------------ */

/* SEP-23 "Valid test cases" */
#define SEP_G  "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
#define SEP_M0 "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ"
#define SEP_MH "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK"
#define SEP_P32 "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAQACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IBZGM"
#define SEP_P29 "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUAAAAFGBU"
#define SEP_C  "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA"
#define SEP_L  "LA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUPJN"
#define SEP_B  "BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TU"

/* the ed25519 key / hash in all of SEP-23's vectors */
static const unsigned char sep_key[32] = {
	0x3f, 0x0c, 0x34, 0xbf, 0x93, 0xad, 0x0d, 0x99,
	0x71, 0xd0, 0x4c, 0xcc, 0x90, 0xf7, 0x05, 0x51,
	0x1c, 0x83, 0x8a, 0xad, 0x97, 0x34, 0xa4, 0xa2,
	0xfb, 0x0d, 0x7a, 0x03, 0xfc, 0x7f, 0xe8, 0x9a,
};

/* generated (see the file header); KR = sha256("streampay test key 1") */
#define KR_HEX "4bf614197c1bf850e71117c918fb57be2dfcab56a891b7c8858c76fd36ba602e"
#define G_ZERO "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF"
#define G_FF   "GD7777777777777777777777777777777777777777777777777773DB"
#define G_KR   "GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53"
#define M_KR   "MBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AICAMCAKBQHBB7ZM"	/* id 0x0102030405060708 */
#define M_FF   "MD7777777777777777777777777777777777777777777777777777777777777777C6I"	/* id 2^64-1 */
#define C_KR   "CBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4PYC"
#define T_KR   "TBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4WPK"
#define X_KR   "XBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5SKT"
#define L_KR   "LBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4WSP"
#define B_KR   "BAAEX5QUDF6BX6CQ44IRPSIY7NL34LP4VNLKRENXZCCYY5X5G25GALS374"
#define P_KR5  "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAACQCAQDAQCQAAAAGJAQ"	/* payload 0102030405 */
#define P_KR0  "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAAAOEWI"	/* empty payload */
#define P_KR64 "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAABAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IBBEIRSIJJGE4UCSKRLFQWS4LZQGEZDGNBVGY3TQOJ2HM6D2PR7IDMPK"	/* payload 01..40 */
#define S_KR   "SBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4POE"
#define S_ZERO "SAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU2"
/* valid CRC, one defect each */
#define M_KR_PAD1 "MBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AICAMCAKBQHBB7ZN"
#define B_KR_PAD1 "BAAEX5QUDF6BX6CQ44IRPSIY7NL34LP4VNLKRENXZCCYY5X5G25GALS375"
#define B_KR_PAD2 "BAAEX5QUDF6BX6CQ44IRPSIY7NL34LP4VNLKRENXZCCYY5X5G25GALS376"
#define P_KR5_PAD "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAACQCAQDAQCQAAAAGJAX"
#define G_ALG1 "GFF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC44ZW"
#define G_ALG4 "GRF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5HNM"
#define M_ALG7 "M5F7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAAAAAAAAAAIPU"
#define V_BASE5  "FBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4A6J"
#define V_BASE0  "ABF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5526"
#define V_BASE31 "7BF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5SBQ"
#define G_DATA33 "GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AMRVE"
#define G_DATA31 "GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQEEZI"
#define G_DATA40 "GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAAAAAAAAAAKCE"
#define M_DATA32 "MBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4ZUE"
#define C_DATA40 "CBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAAAAAAAAADBFY"
#define B_TYPE1  "BAAUX5QUDF6BX6CQ44IRPSIY7NL34LP4VNLKRENXZCCYY5X5G25GALUHOI"
#define P_LEN3_PAD8  "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAABQCAQDAAAAAAAA7EXA"
#define P_LEN5_DIRTY "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAACQCAQDAQCQACIAVL5Q"
#define P_LEN65 "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAABAQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IBBEIRSIJJGE4UCSKRLFQWS4LZQGEZDGNBVGY3TQOJ2HM6D2PR7IBVY2"
#define P_LEN6_NOPAD "PBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AAAAADACAQDAQCQNUB7"

/* ------------------------------------------------------------------------
 * Keccak-256
 * ------------------------------------------------------------------------ */

static void
hex_lower(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++)
	{
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
check_keccak(const void *msg, size_t len, const char *expect_hex, int line)
{
	unsigned char *p = (unsigned char *) dup_exact(msg, len);
	unsigned char d[SP_KECCAK256_LEN];
	char		h[2 * SP_KECCAK256_LEN + 1];

	sp_keccak256(p, len, d);
	free(p);
	hex_lower(d, sizeof(d), h);
	if (strcmp(h, expect_hex) == 0)
		n_passed++;
	else
	{
		char		msgbuf[64];

		snprintf(msgbuf, sizeof(msgbuf), "keccak256 of %zu bytes", len);
		fail_at(line, msgbuf, h);
	}
}

static void
test_keccak(void)
{
	/* (i * 7 + 3) mod 256, lengths around the 136-byte rate */
	static const struct
	{
		size_t		n;
		const char *hex;
	}			pat[] = {
		{0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
		{1, "69c322e3248a5dfc29d73c5b0553b0185a35cd5bb6386747517ef7e53b15e287"},
		{135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f"},
		{136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed"},
		{137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a"},
		{271, "4401c4afbe16ff911bdbf2d38e556e5b861f3fdf0f9d4306b1c46f6ae4f73584"},
		{272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5"},
		{273, "16192ea86793083e47731cb3c970600f04768414d92bc0540e54ce8607a0fce0"},
		{1000, "80cdc8dd52cbb3dbaea8f383209893fa2bb52efbd5aedbb4b26dcfe307fcdc9b"},
	};
	unsigned char buf[1000];

	check_keccak("", 0,
				 "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", __LINE__);
	check_keccak("abc", 3,
				 "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", __LINE__);
	check_keccak("The quick brown fox jumps over the lazy dog", 43,
				 "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15", __LINE__);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char) (i * 7 + 3);
	for (size_t i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		check_keccak(buf, pat[i].n, pat[i].hex, __LINE__);
}

/* ------------------------------------------------------------------------
 * StrKey: valid
 * ------------------------------------------------------------------------ */

/* decode s, compare data with exp, and re-encode to s */
static void
check_roundtrip(const char *s, sp_strkey_kind kind, const unsigned char *exp,
				size_t exp_len, int line)
{
	size_t		len = strlen(s);
	char	   *p = dup_exact(s, len);
	unsigned char data[SP_STRKEY_MAX_DATA];
	size_t		dlen = 0;
	sp_strkey_kind k = SP_STRKEY_NONE;
	sp_addr_result r = sp_strkey_decode(p, len, (unsigned) kind, &k, data, &dlen);
	char		enc[SP_STRKEY_MAX_LEN];
	size_t		n;

	free(p);
	if (r != SP_ADDR_OK || k != kind || dlen != exp_len ||
		memcmp(data, exp, exp_len) != 0)
	{
		fail_at(line, "decode", s);
		return;
	}
	n_passed++;
	n = sp_strkey_encode(kind, exp, exp_len, enc, sizeof(enc));
	if (n == len && memcmp(enc, s, len) == 0)
		n_passed++;
	else
		fail_at(line, "encode", s);
	/* one byte short of room: refused, not truncated */
	if (sp_strkey_encode(kind, exp, exp_len, enc, len - 1) == 0)
		n_passed++;
	else
		fail_at(line, "encode into a short buffer", s);
}

static void
test_strkey_valid(void)
{
	unsigned char kr[32],
				d[SP_STRKEY_MAX_DATA];
	unsigned char zero[32],
				ff[40];

	unhex(KR_HEX, kr);
	memset(zero, 0, sizeof(zero));
	memset(ff, 0xff, sizeof(ff));

	/* SEP-23 */
	check_roundtrip(SEP_G, SP_STRKEY_ACCOUNT, sep_key, 32, __LINE__);
	memcpy(d, sep_key, 32);
	memset(d + 32, 0, 8);
	check_roundtrip(SEP_M0, SP_STRKEY_MUXED, d, 40, __LINE__);
	d[32] = 0x80;				/* id 9223372036854775808, big-endian */
	check_roundtrip(SEP_MH, SP_STRKEY_MUXED, d, 40, __LINE__);
	check_roundtrip(SEP_C, SP_STRKEY_CONTRACT, sep_key, 32, __LINE__);
	check_roundtrip(SEP_L, SP_STRKEY_LIQUIDITY_POOL, sep_key, 32, __LINE__);
	d[0] = 0;					/* claimable balance v0 */
	memcpy(d + 1, sep_key, 32);
	check_roundtrip(SEP_B, SP_STRKEY_CLAIMABLE_BALANCE, d, 33, __LINE__);
	memcpy(d, sep_key, 32);
	d[32] = 0;
	d[33] = 0;
	d[34] = 0;
	d[35] = 32;
	for (int i = 0; i < 32; i++)
		d[36 + i] = (unsigned char) (i + 1);
	check_roundtrip(SEP_P32, SP_STRKEY_SIGNED_PAYLOAD, d, 68, __LINE__);
	d[35] = 29;
	d[36 + 29] = d[36 + 30] = d[36 + 31] = 0;
	check_roundtrip(SEP_P29, SP_STRKEY_SIGNED_PAYLOAD, d, 68, __LINE__);

	/* generated */
	check_roundtrip(G_ZERO, SP_STRKEY_ACCOUNT, zero, 32, __LINE__);
	check_roundtrip(G_FF, SP_STRKEY_ACCOUNT, ff, 32, __LINE__);
	check_roundtrip(G_KR, SP_STRKEY_ACCOUNT, kr, 32, __LINE__);
	check_roundtrip(C_KR, SP_STRKEY_CONTRACT, kr, 32, __LINE__);
	check_roundtrip(T_KR, SP_STRKEY_PRE_AUTH_TX, kr, 32, __LINE__);
	check_roundtrip(X_KR, SP_STRKEY_HASH_X, kr, 32, __LINE__);
	check_roundtrip(L_KR, SP_STRKEY_LIQUIDITY_POOL, kr, 32, __LINE__);
	check_roundtrip(M_FF, SP_STRKEY_MUXED, ff, 40, __LINE__);
	memcpy(d, kr, 32);
	for (int i = 0; i < 8; i++)
		d[32 + i] = (unsigned char) (i + 1);
	check_roundtrip(M_KR, SP_STRKEY_MUXED, d, 40, __LINE__);
	d[0] = 0;
	memcpy(d + 1, kr, 32);
	check_roundtrip(B_KR, SP_STRKEY_CLAIMABLE_BALANCE, d, 33, __LINE__);
	memcpy(d, kr, 32);
	memset(d + 32, 0, 4);
	check_roundtrip(P_KR0, SP_STRKEY_SIGNED_PAYLOAD, d, 36, __LINE__);
	d[35] = 5;
	for (int i = 0; i < 8; i++)
		d[36 + i] = (unsigned char) (i < 5 ? i + 1 : 0);
	check_roundtrip(P_KR5, SP_STRKEY_SIGNED_PAYLOAD, d, 44, __LINE__);
	d[35] = 64;
	for (int i = 0; i < 64; i++)
		d[36 + i] = (unsigned char) (i + 1);
	check_roundtrip(P_KR64, SP_STRKEY_SIGNED_PAYLOAD, d, 100, __LINE__);

	/* the address kinds the extension accepts, with a mask of several */
	CHECK_RES(sk(SEP_G, ADDR_KINDS), SP_ADDR_OK);
	CHECK_RES(sk(M_KR, ADDR_KINDS), SP_ADDR_OK);
	CHECK_RES(sk(C_KR, ADDR_KINDS), SP_ADDR_OK);
	CHECK_RES(sk(C_KR, SP_STRKEY_CONTRACT), SP_ADDR_OK);
	CHECK(sk_kind(G_KR, ADDR_KINDS) == SP_STRKEY_ACCOUNT);
	CHECK(sk_kind(SEP_MH, ADDR_KINDS) == SP_STRKEY_MUXED);
	CHECK(sk_kind(SEP_C, ADDR_KINDS) == SP_STRKEY_CONTRACT);
	/* NULL kind_out is allowed */
	CHECK_RES(sk_n(G_KR, strlen(G_KR), ADDR_KINDS, NULL), SP_ADDR_OK);
}

/* ------------------------------------------------------------------------
 * StrKey: wrong kind and secret seeds
 * ------------------------------------------------------------------------ */

static void
test_strkey_kinds(void)
{
	unsigned char kr[32],
				d[SP_STRKEY_MAX_DATA];
	char		enc[SP_STRKEY_MAX_LEN];

	unhex(KR_HEX, kr);

	CHECK_RES(sk(G_KR, SP_STRKEY_CONTRACT), SP_ADDR_WRONG_KIND);
	CHECK(sk_kind(G_KR, SP_STRKEY_CONTRACT) == SP_STRKEY_ACCOUNT);
	CHECK_RES(sk(M_KR, SP_STRKEY_ACCOUNT), SP_ADDR_WRONG_KIND);
	CHECK_RES(sk(C_KR, SP_STRKEY_ACCOUNT | SP_STRKEY_MUXED), SP_ADDR_WRONG_KIND);
	CHECK_RES(sk(T_KR, ADDR_KINDS), SP_ADDR_WRONG_KIND);
	CHECK(sk_kind(T_KR, ADDR_KINDS) == SP_STRKEY_PRE_AUTH_TX);
	CHECK_RES(sk(X_KR, ADDR_KINDS), SP_ADDR_WRONG_KIND);
	CHECK(sk_kind(X_KR, ADDR_KINDS) == SP_STRKEY_HASH_X);
	CHECK_RES(sk(SEP_P32, ADDR_KINDS), SP_ADDR_WRONG_KIND);
	CHECK(sk_kind(SEP_P32, ADDR_KINDS) == SP_STRKEY_SIGNED_PAYLOAD);
	CHECK_RES(sk(L_KR, ADDR_KINDS), SP_ADDR_WRONG_KIND);
	CHECK_RES(sk(B_KR, ADDR_KINDS), SP_ADDR_WRONG_KIND);
	CHECK_RES(sk(G_KR, 0), SP_ADDR_WRONG_KIND);

	/* seeds: whatever 'allowed' says, well-formed or not */
	CHECK_RES(sk(S_KR, ADDR_KINDS), SP_ADDR_SECRET_SEED);
	CHECK_RES(sk(S_KR, ALL_KINDS), SP_ADDR_SECRET_SEED);
	CHECK_RES(sk(S_KR, SP_STRKEY_SEED), SP_ADDR_SECRET_SEED);
	CHECK(sk_kind(S_KR, ADDR_KINDS) == SP_STRKEY_SEED);
	CHECK_RES(sk(S_ZERO, ADDR_KINDS), SP_ADDR_SECRET_SEED);
	/* mistyped secrets are still secrets */
	CHECK_RES(sk("SBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4POF", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* checksum */
	CHECK_RES(sk("sbf7mfazpqn7quhhcel4sgh3k67c37flk2ujdn6iqwghn7jwxjqc4poe", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* lower case */
	CHECK_RES(sk(" SBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4POE\n", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* pasted with whitespace */
	CHECK_RES(sk("SBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4PO", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* 55 chars */
	CHECK_RES(sk("SBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4POEA", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* 57 chars */
	CHECK_RES(sk("S7F7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4POE", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* algorithm bits */
	CHECK_RES(sk("SBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4P0E", ADDR_KINDS),
			  SP_ADDR_SECRET_SEED);	/* O typed as 0 */
	/* short S words are not secrets; spaces inside make it not a key */
	CHECK_RES(sk("SAVINGS", ADDR_KINDS), SP_ADDR_BAD_LENGTH);
	CHECK_RES(sk("Stellar Development Foundation", ADDR_KINDS), SP_ADDR_BAD_CHARACTER);

	/* a seed is never decoded into the caller's buffer */
	{
		size_t		len = strlen(S_KR);
		char	   *p = dup_exact(S_KR, len);
		unsigned char data[SP_STRKEY_MAX_DATA];
		unsigned char untouched[SP_STRKEY_MAX_DATA];
		size_t		dlen = 777;

		memset(data, 0xAA, sizeof(data));
		memset(untouched, 0xAA, sizeof(untouched));
		CHECK_RES(sp_strkey_decode(p, len, ALL_KINDS, NULL, data, &dlen),
				  SP_ADDR_SECRET_SEED);
		CHECK_MEM(data, untouched, sizeof(data));
		CHECK(dlen == 777);
		free(p);
	}

	/* the encoder refuses seeds, unknown kinds and malformed data */
	CHECK(sp_strkey_encode(SP_STRKEY_SEED, kr, 32, enc, sizeof(enc)) == 0);
	CHECK(sp_strkey_encode(SP_STRKEY_NONE, kr, 32, enc, sizeof(enc)) == 0);
	CHECK(sp_strkey_encode((sp_strkey_kind) 3, kr, 32, enc, sizeof(enc)) == 0);
	CHECK(sp_strkey_encode(SP_STRKEY_ACCOUNT, kr, 31, enc, sizeof(enc)) == 0);
	CHECK(sp_strkey_encode(SP_STRKEY_MUXED, kr, 32, enc, sizeof(enc)) == 0);
	d[0] = 1;
	memcpy(d + 1, kr, 32);
	CHECK(sp_strkey_encode(SP_STRKEY_CLAIMABLE_BALANCE, d, 33, enc, sizeof(enc)) == 0);
	memcpy(d, kr, 32);
	d[32] = d[33] = d[34] = 0;
	d[35] = 3;					/* 3-byte payload padded to 8: too long */
	memset(d + 36, 0, 8);
	CHECK(sp_strkey_encode(SP_STRKEY_SIGNED_PAYLOAD, d, 44, enc, sizeof(enc)) == 0);
}

/* ------------------------------------------------------------------------
 * StrKey: invalid
 * ------------------------------------------------------------------------ */

/* every single-character change in s[2..len-2] must fail the CRC */
static void
check_all_flips(const char *s, int line)
{
	static const char subst[] = "AZ27Q";
	size_t		len = strlen(s);
	char	   *p = dup_exact(s, len);
	int			bad = -1;

	/*
	 * s[0..1] hold the version byte and s[len-1] may hold padding bits; a
	 * change elsewhere is a burst of at most 5 bits, which CRC16 always
	 * detects.
	 */
	for (size_t i = 2; i + 1 < len && bad < 0; i++)
	{
		char		orig = p[i];

		for (const char *c = subst; *c && bad < 0; c++)
		{
			if (*c == orig)
				continue;
			p[i] = *c;
			if (sp_strkey_validate(p, len, ALL_KINDS, NULL) != SP_ADDR_BAD_CHECKSUM)
				bad = (int) i;
		}
		p[i] = orig;
	}
	free(p);
	if (bad < 0)
		n_passed++;
	else
	{
		char		d[32];

		snprintf(d, sizeof(d), "position %d", bad);
		fail_at(line, s, d);
	}
}

static void
test_strkey_invalid(void)
{
	/* SEP-23 "Invalid test cases", each with the defect SEP-23 names */
	static const struct
	{
		const char *s;
		sp_addr_result exp;
	}			sep[] = {
		{"GAAAAAAAACGC6", SP_ADDR_BAD_LENGTH},
		{"MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUR", SP_ADDR_BAD_PADDING},
		{"GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA", SP_ADDR_BAD_LENGTH},
		{"GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUACUSI", SP_ADDR_BAD_LENGTH},
		{"G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I", SP_ADDR_BAD_VERSION},
		{"MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLKA", SP_ADDR_BAD_LENGTH},
		{"MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAAV75I", SP_ADDR_BAD_LENGTH},
		{"M47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", SP_ADDR_BAD_VERSION},
		{"MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUK===", SP_ADDR_BAD_CHARACTER},
		{"MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO", SP_ADDR_BAD_CHECKSUM},
		{"PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAQACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IAAAAAAAAPM", SP_ADDR_BAD_PAYLOAD},
		{"PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4Z2PQ", SP_ADDR_BAD_PAYLOAD},
		{"PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DXFH6", SP_ADDR_BAD_PAYLOAD},
		{"BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TV", SP_ADDR_BAD_PADDING},
		{"BAAT6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGXACA", SP_ADDR_BAD_PAYLOAD},
	};
	/* generated, one defect each, valid CRC unless said otherwise */
	static const struct
	{
		const char *s;
		sp_addr_result exp;
	}			gen[] = {
		{M_KR_PAD1, SP_ADDR_BAD_PADDING},
		{B_KR_PAD1, SP_ADDR_BAD_PADDING},
		{B_KR_PAD2, SP_ADDR_BAD_PADDING},
		{P_KR5_PAD, SP_ADDR_BAD_PADDING},
		{G_ALG1, SP_ADDR_BAD_VERSION},
		{G_ALG4, SP_ADDR_BAD_VERSION},
		{M_ALG7, SP_ADDR_BAD_VERSION},
		{V_BASE5, SP_ADDR_BAD_VERSION},
		{V_BASE0, SP_ADDR_BAD_VERSION},
		{V_BASE31, SP_ADDR_BAD_VERSION},
		{G_DATA33, SP_ADDR_BAD_LENGTH},
		{G_DATA31, SP_ADDR_BAD_LENGTH},
		{G_DATA40, SP_ADDR_BAD_LENGTH},
		{M_DATA32, SP_ADDR_BAD_LENGTH},
		{C_DATA40, SP_ADDR_BAD_LENGTH},
		{B_TYPE1, SP_ADDR_BAD_PAYLOAD},
		{P_LEN3_PAD8, SP_ADDR_BAD_PAYLOAD},
		{P_LEN5_DIRTY, SP_ADDR_BAD_PAYLOAD},
		{P_LEN65, SP_ADDR_BAD_PAYLOAD},
		{P_LEN6_NOPAD, SP_ADDR_BAD_PAYLOAD},
		/* hand-derived from valid vectors */
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L5", SP_ADDR_BAD_LENGTH},	/* 55 */
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53A", SP_ADDR_BAD_LENGTH},	/* 57 */
		{"MBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AICAMCAKBQHBB7Z", SP_ADDR_BAD_LENGTH},	/* 68 */
		{"MBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AICAMCAKBQHBB7ZMA", SP_ADDR_BAD_LENGTH},	/* 70 */
		{"CBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4PY", SP_ADDR_BAD_LENGTH},	/* 55 */
		{"G", SP_ADDR_BAD_LENGTH},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L54", SP_ADDR_BAD_CHECKSUM},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5K53", SP_ADDR_BAD_CHECKSUM},
		{"CBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4PYD", SP_ADDR_BAD_CHECKSUM},
		{"MBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC4AICAMCAKBQHBB6ZM", SP_ADDR_BAD_CHECKSUM},
		{"gbf7mfazpqn7quhhcel4sgh3k67c37flk2ujdn6iqwghn7jwxjqc5l53", SP_ADDR_BAD_CHARACTER},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5l53", SP_ADDR_BAD_CHARACTER},
		{" GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53", SP_ADDR_BAD_CHARACTER},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53 ", SP_ADDR_BAD_CHARACTER},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53\n", SP_ADDR_BAD_CHARACTER},
		{"\tGBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53", SP_ADDR_BAD_CHARACTER},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53====", SP_ADDR_BAD_CHARACTER},
		{"GBF7MFAZPQN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L5=", SP_ADDR_BAD_CHARACTER},
		{"GBF7MFAZP0N7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53", SP_ADDR_BAD_CHARACTER},	/* 0 */
		{"GBF7MFAZP1N7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53", SP_ADDR_BAD_CHARACTER},	/* 1 */
		{"GBF7MFAZP8N7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53", SP_ADDR_BAD_CHARACTER},	/* 8 */
		{"GBF7MFAZP9N7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L53", SP_ADDR_BAD_CHARACTER},	/* 9 */
		{"GBF7MFAZP\xc3\x9cN7QUHHCEL4SGH3K67C37FLK2UJDN6IQWGHN7JWXJQC5L5", SP_ADDR_BAD_CHARACTER},	/* UTF-8 */
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_CHARACTER},
	};

	for (size_t i = 0; i < sizeof(sep) / sizeof(sep[0]); i++)
	{
		CHECK_RES(sk(sep[i].s, ALL_KINDS), sep[i].exp);
		/* restricting the kinds never turns a malformed key into another error */
		CHECK_RES(sk(sep[i].s, ADDR_KINDS), sep[i].exp);
	}
	for (size_t i = 0; i < sizeof(gen) / sizeof(gen[0]); i++)
		CHECK_RES(sk(gen[i].s, ALL_KINDS), gen[i].exp);

	/* kind_out after a failure: known once the version byte is read */
	CHECK(sk_kind(G_ALG1, ALL_KINDS) == SP_STRKEY_ACCOUNT);
	CHECK(sk_kind(V_BASE5, ALL_KINDS) == SP_STRKEY_NONE);
	CHECK(sk_kind(G_DATA33, ALL_KINDS) == SP_STRKEY_ACCOUNT);
	CHECK(sk_kind("gbf7mfazpqn7quhhcel4sgh3k67c37flk2ujdn6iqwghn7jwxjqc5l53", ALL_KINDS) == SP_STRKEY_NONE);

	/* empty */
	CHECK_RES(sk("", ALL_KINDS), SP_ADDR_EMPTY);
	CHECK(sk_kind("", ALL_KINDS) == SP_STRKEY_NONE);

	/* embedded and trailing NUL (the length says they are part of it) */
	{
		char		buf[64];

		memcpy(buf, G_KR, 56);
		buf[10] = '\0';
		CHECK_RES(sk_n(buf, 56, ALL_KINDS, NULL), SP_ADDR_BAD_CHARACTER);
		memcpy(buf, G_KR, 56);
		buf[56] = '\0';
		CHECK_RES(sk_n(buf, 57, ALL_KINDS, NULL), SP_ADDR_BAD_CHARACTER);
		CHECK_RES(sk_n(buf, 56, ALL_KINDS, NULL), SP_ADDR_OK);
		buf[0] = '\0';
		CHECK_RES(sk_n(buf, 1, ALL_KINDS, NULL), SP_ADDR_BAD_CHARACTER);
	}

	/* single-character corruption anywhere in the body */
	check_all_flips(G_KR, __LINE__);
	check_all_flips(SEP_G, __LINE__);
	check_all_flips(M_KR, __LINE__);
	check_all_flips(C_KR, __LINE__);
	check_all_flips(B_KR, __LINE__);
	check_all_flips(SEP_P32, __LINE__);
}

static void
test_result_text(void)
{
	const char *t[SP_ADDR_BAD_PAYLOAD + 1];
	int			distinct = 1;

	for (int i = 0; i <= SP_ADDR_BAD_PAYLOAD; i++)
	{
		t[i] = sp_addr_result_text((sp_addr_result) i);
		for (int j = 0; j < i; j++)
			if (strcmp(t[i], t[j]) == 0)
				distinct = 0;
	}
	CHECK(distinct);
	CHECK(strcmp(sp_addr_result_text(SP_ADDR_BAD_CHECKSUM), "checksum mismatch") == 0);
	CHECK(strcmp(sp_addr_result_text((sp_addr_result) 999), "unknown error") == 0);
	/* no message may name the secret it refuses: the text is fixed */
	CHECK(strstr(sp_addr_result_text(SP_ADDR_SECRET_SEED), "secret") != NULL);
}

/* ------------------------------------------------------------------------
 * EVM addresses
 * ------------------------------------------------------------------------ */

static void
check_evm_forms(const char *lower, const char *checksummed, int line)
{
	char		upper[SP_EVM_ADDRESS_LEN + 1];
	char		out[SP_EVM_ADDRESS_LEN];
	char	   *p;
	const char *inputs[3];

	/* all-upper-case digits, "0x" kept */
	for (int i = 0; i < SP_EVM_ADDRESS_LEN; i++)
		upper[i] = (char) ((i >= 2 && lower[i] >= 'a' && lower[i] <= 'f')
						   ? lower[i] - 'a' + 'A' : lower[i]);
	upper[SP_EVM_ADDRESS_LEN] = '\0';
	inputs[0] = lower;
	inputs[1] = checksummed;
	inputs[2] = upper;

	for (int i = 0; i < 3; i++)
	{
		p = dup_exact(inputs[i], SP_EVM_ADDRESS_LEN);
		if (sp_evm_address_validate(p, SP_EVM_ADDRESS_LEN) == SP_ADDR_OK)
			n_passed++;
		else
			fail_at(line, "validate", inputs[i]);
		if (sp_evm_address_to_checksum(p, SP_EVM_ADDRESS_LEN, out) == SP_ADDR_OK &&
			memcmp(out, checksummed, SP_EVM_ADDRESS_LEN) == 0)
			n_passed++;
		else
			fail_at(line, "to_checksum", inputs[i]);
		if (sp_evm_address_to_lower(p, SP_EVM_ADDRESS_LEN, out) == SP_ADDR_OK &&
			memcmp(out, lower, SP_EVM_ADDRESS_LEN) == 0)
			n_passed++;
		else
			fail_at(line, "to_lower", inputs[i]);
		free(p);
	}
}

static void
test_evm_address(void)
{
	/* EIP-55's own examples: mixed case, all upper, all lower */
	static const char *const eip55_valid[] = {
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
	};
	static const struct
	{
		const char *s;
		sp_addr_result exp;
	}			bad[] = {
		{"", SP_ADDR_EMPTY},
		{"5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_PREFIX},
		{"0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_PREFIX},
		{"0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", SP_ADDR_BAD_PREFIX},
		{" 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_PREFIX},
		{"x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_PREFIX},
		{"0", SP_ADDR_BAD_PREFIX},
		{"0x", SP_ADDR_BAD_LENGTH},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", SP_ADDR_BAD_LENGTH},	/* 39 */
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed0", SP_ADDR_BAD_LENGTH},	/* 41 */
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ", SP_ADDR_BAD_LENGTH},
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n", SP_ADDR_BAD_LENGTH},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", SP_ADDR_BAD_HEX},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea d", SP_ADDR_BAD_HEX},
		{"0x0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", SP_ADDR_BAD_HEX},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea\xc3\xa9", SP_ADDR_BAD_HEX},
		/* one letter's case toggled: still mixed, no longer EIP-55 */
		{"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_EIP55},
		{"0x5aAEb6053F3E94C9b9A09f33669435E7Ef1BeAed", SP_ADDR_BAD_EIP55},
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", SP_ADDR_BAD_EIP55},
		{"0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", SP_ADDR_BAD_EIP55},
		/* the inverse of a checksum form */
		{"0x5AaEB6053f3e94c9B9a09F33669435e7eF1bEaED", SP_ADDR_BAD_EIP55},
	};
	char		out[SP_EVM_ADDRESS_LEN];
	char		before[SP_EVM_ADDRESS_LEN];

	for (size_t i = 0; i < sizeof(eip55_valid) / sizeof(eip55_valid[0]); i++)
		CHECK_RES(evm(eip55_valid[i]), SP_ADDR_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RES(evm(bad[i].s), bad[i].exp);

	/* lower-case form -> EIP-55 form, from pycryptodome */
	check_evm_forms("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
					"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", __LINE__);
	check_evm_forms("0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb",
					"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", __LINE__);
	check_evm_forms("0x578a6893767c54d8b82fa638c5500832c9123dd8",
					"0x578a6893767c54d8B82fA638c5500832C9123DD8", __LINE__);
	check_evm_forms("0xdf25d9814be06e7db98969b662d05dee34600ee6",
					"0xDF25d9814Be06e7db98969b662d05dEe34600Ee6", __LINE__);
	check_evm_forms("0x0f6c65a867d8af1199781ef2090fc16271c3565e",
					"0x0F6c65a867d8Af1199781EF2090fC16271c3565E", __LINE__);
	/* no letters: every form is the same */
	check_evm_forms("0x0000000000000000000000000000000000000000",
					"0x0000000000000000000000000000000000000000", __LINE__);

	/* outputs are left alone on failure */
	memset(out, '#', sizeof(out));
	memcpy(before, out, sizeof(out));
	CHECK_RES(sp_evm_address_to_checksum("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
										 42, out), SP_ADDR_BAD_EIP55);
	CHECK_RES(sp_evm_address_to_lower("0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
									  42, out), SP_ADDR_BAD_PREFIX);
	CHECK_MEM(out, before, sizeof(out));

	/* a StrKey is not an EVM address */
	CHECK_RES(evm(G_KR), SP_ADDR_BAD_PREFIX);
}

/* ------------------------------------------------------------------------
 * Transaction hashes
 * ------------------------------------------------------------------------ */

typedef sp_addr_result (*norm_fn) (const char *, size_t, char *);

/* run fn on an exact-size copy; on OK compare the output with exp */
static void
check_norm(norm_fn fn, const char *in, sp_addr_result exp_r, const char *exp,
		   int line)
{
	size_t		len = strlen(in);
	char	   *p = dup_exact(in, len);
	char		out[80];
	sp_addr_result r;

	memset(out, '#', sizeof(out));
	r = fn(p, len, out);
	free(p);
	if (r != exp_r)
	{
		char		d[160];

		snprintf(d, sizeof(d), "got %s, expected %s", sp_addr_result_text(r),
				 sp_addr_result_text(exp_r));
		fail_at(line, in, d);
		return;
	}
	if (exp_r == SP_ADDR_OK)
	{
		/* exactly len bytes written, nothing beyond */
		if (memcmp(out, exp, len) == 0 && out[len] == '#')
			n_passed++;
		else
			fail_at(line, in, "normalised form");
	}
	else if (out[0] == '#')
		n_passed++;
	else
		fail_at(line, in, "output written on failure");
}

#define ST_LOWER "4bf614197c1bf850e71117c918fb57be2dfcab56a891b7c8858c76fd36ba602e"
#define ST_UPPER "4BF614197C1BF850E71117C918FB57BE2DFCAB56A891B7C8858C76FD36BA602E"
#define EV_LOWER "dfd44e0dd2fa0a994026cbd8aa941d74bcfda59e8730c9e65df83f0d922eb567"
#define EV_UPPER "DFD44E0DD2FA0A994026CBD8AA941D74BCFDA59E8730C9E65DF83F0D922EB567"
#define EV_MIXED "Dfd44e0dd2fa0a994026cBd8Aa941d74bCfdA59E8730c9e65df83f0d922eB567"

static void
test_tx_hashes(void)
{
	norm_fn		st = sp_stellar_tx_hash_normalize;
	norm_fn		ev = sp_evm_tx_hash_normalize;

	check_norm(st, ST_LOWER, SP_ADDR_OK, ST_LOWER, __LINE__);
	check_norm(st, ST_UPPER, SP_ADDR_OK, ST_LOWER, __LINE__);
	check_norm(st, EV_MIXED, SP_ADDR_OK, EV_LOWER, __LINE__);
	check_norm(st, "", SP_ADDR_EMPTY, NULL, __LINE__);
	check_norm(st, "0x" ST_LOWER, SP_ADDR_BAD_PREFIX, NULL, __LINE__);
	check_norm(st, "0X" ST_LOWER, SP_ADDR_BAD_PREFIX, NULL, __LINE__);
	check_norm(st, "4bf614197c1bf850e71117c918fb57be2dfcab56a891b7c8858c76fd36ba602",
			   SP_ADDR_BAD_LENGTH, NULL, __LINE__);	/* 63 */
	check_norm(st, ST_LOWER "0", SP_ADDR_BAD_LENGTH, NULL, __LINE__);	/* 65 */
	check_norm(st, ST_LOWER " ", SP_ADDR_BAD_LENGTH, NULL, __LINE__);
	check_norm(st, "4bf614197c1bf850e71117c918fb57be2dfcab56a891b7c8858c76fd36ba602g",
			   SP_ADDR_BAD_HEX, NULL, __LINE__);
	check_norm(st, " bf614197c1bf850e71117c918fb57be2dfcab56a891b7c8858c76fd36ba602e",
			   SP_ADDR_BAD_HEX, NULL, __LINE__);

	check_norm(ev, "0x" EV_LOWER, SP_ADDR_OK, "0x" EV_LOWER, __LINE__);
	check_norm(ev, "0x" EV_UPPER, SP_ADDR_OK, "0x" EV_LOWER, __LINE__);
	check_norm(ev, "0x" EV_MIXED, SP_ADDR_OK, "0x" EV_LOWER, __LINE__);
	check_norm(ev, "", SP_ADDR_EMPTY, NULL, __LINE__);
	check_norm(ev, EV_LOWER, SP_ADDR_BAD_PREFIX, NULL, __LINE__);
	check_norm(ev, "0X" EV_LOWER, SP_ADDR_BAD_PREFIX, NULL, __LINE__);
	check_norm(ev, "0", SP_ADDR_BAD_PREFIX, NULL, __LINE__);
	check_norm(ev, "0x", SP_ADDR_BAD_LENGTH, NULL, __LINE__);
	check_norm(ev, "0xdfd44e0dd2fa0a994026cbd8aa941d74bcfda59e8730c9e65df83f0d922eb56",
			   SP_ADDR_BAD_LENGTH, NULL, __LINE__);	/* 63 digits */
	check_norm(ev, "0x" EV_LOWER "7", SP_ADDR_BAD_LENGTH, NULL, __LINE__);	/* 65 */
	check_norm(ev, "0xdfd44e0dd2fa0a994026cbd8aa941d74bcfda59e8730c9e65df83f0d922eb56z",
			   SP_ADDR_BAD_HEX, NULL, __LINE__);
	check_norm(ev, "0x0xd44e0dd2fa0a994026cbd8aa941d74bcfda59e8730c9e65df83f0d922eb567",
			   SP_ADDR_BAD_HEX, NULL, __LINE__);
	/* an EVM address is not a transaction hash */
	check_norm(ev, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
			   SP_ADDR_BAD_LENGTH, NULL, __LINE__);

	/* embedded NUL */
	{
		char		buf[SP_EVM_TX_HASH_LEN];
		char		out[SP_EVM_TX_HASH_LEN];

		memcpy(buf, "0x" EV_LOWER, SP_EVM_TX_HASH_LEN);
		buf[30] = '\0';
		CHECK_RES(sp_evm_tx_hash_normalize(buf, SP_EVM_TX_HASH_LEN, out), SP_ADDR_BAD_HEX);
		CHECK_RES(sp_stellar_tx_hash_normalize(buf + 2, SP_STELLAR_TX_HASH_LEN, out),
				  SP_ADDR_BAD_HEX);
	}
}

int
main(void)
{
	test_keccak();
	test_strkey_valid();
	test_strkey_kinds();
	test_strkey_invalid();
	test_result_text();
	test_evm_address();
	test_tx_hashes();

	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed == 0 ? 0 : 1;
}
