/*
 * fuzz_numeric.c
 *	  libFuzzer target for src/numeric_codec.c and the text forms in
 *	  src/fixed.c.  Built by test/fuzz/run.sh with
 *	  clang -fsanitize=fuzzer,address,undefined; no main().
 *
 * The numeric decoder reads bytes that come straight out of tuples, so it
 * must survive any image.  The input is used three ways:
 *	- as a numeric image (what follows the varlena header), checked
 *	  against a second, independent reading of PostgreSQL's format written
 *	  here: the decoder accepts exactly the images whose value fits
 *	  decimal(20,9), and gives that value;
 *	  whatever it accepts, sp_numeric_encode turns into the canonical image
 *	  (short header, dscale 9, no leading or trailing zero digits), which
 *	  decodes to the same value and re-encodes to the same bytes;
 *	- as text for sp_fixed_parse, checked against a plain digit-string
 *	  reading, and round-tripped through sp_fixed_format;
 *	- as 16 raw bytes: an arbitrary in-range value for encode/decode and
 *	  format/parse round trips.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "numeric_codec.h"

#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
		{ \
			fprintf(stderr, "fuzz_numeric.c:%d: assertion failed: %s\n", \
					__LINE__, #c); \
			abort(); \
		} \
	} while (0)

/* ---- an independent reading of the numeric image --------------------- */

typedef enum
{
	REF_OK,
	REF_NAN,
	REF_INF,
	REF_UNREPRESENTABLE,		/* malformed, or does not fit decimal(20,9) */
} ref_kind;

static uint16_t
get16(const uint8_t *p)
{
	uint16_t	v;

	memcpy(&v, p, 2);
	return v;
}

/*
 * numeric.c: the first uint16 is n_header.  Its top two bits are 00 (long,
 * positive), 01 (long, negative), 10 (short) or 11 (special: 0xC000 NaN,
 * 0xD000 +Infinity, 0xF000 -Infinity).  Short: bit 0x2000 is the sign,
 * bits 0x1F80 the dscale, 0x0040 the weight's sign and 0x003F its low
 * bits (weight -64..63).  Long: an int16 weight follows.  Then int16
 * base-10000 digits, most significant first: digit i is worth
 * 10000^(weight - i).
 */
static ref_kind
ref_decode(const uint8_t *p, size_t len, sp_fixed *out)
{
	uint16_t	h;
	int			weight;
	int			neg;
	size_t		off;
	sp_ufixed	units = 0;
	bool		fits = true;

	if (len < 2)
		return REF_UNREPRESENTABLE;
	h = get16(p);
	if ((h & 0xC000) == 0xC000)
	{
		if ((h & 0xF000) == 0xC000)
			return REF_NAN;
		if ((h & 0xF000) == 0xD000 || (h & 0xF000) == 0xF000)
			return REF_INF;
		return REF_UNREPRESENTABLE;
	}
	if ((h & 0xC000) == 0x8000)
	{
		neg = (h & 0x2000) != 0;
		weight = (h & 0x0040) ? (int) (h & 0x003F) - 64 : (int) (h & 0x003F);
		off = 2;
	}
	else
	{
		if (len < 4)
			return REF_UNREPRESENTABLE;
		neg = (h & 0xC000) == 0x4000;
		weight = (int16_t) get16(p + 2);
		off = 4;
	}
	if ((len - off) % 2 != 0)
		return REF_UNREPRESENTABLE;

	for (size_t i = 0; off + 2 * i < len; i++)
	{
		int			d = (int16_t) get16(p + off + 2 * i);
		long		e = 4L * ((long) weight - (long) i);	/* 10^e per unit of d */
		int			lo,
					hi;

		if (d < 0 || d > 9999)
			return REF_UNREPRESENTABLE;
		if (d == 0)
			continue;
		/* decimal positions of d's lowest and highest nonzero digits */
		lo = 0;
		for (int x = d; x % 10 == 0; x /= 10)
			lo++;
		hi = d >= 1000 ? 3 : d >= 100 ? 2 : d >= 10 ? 1 : 0;
		/* a nonzero digit below 1e-9 or at 1e11 and above does not fit */
		if (e + lo < -9 || e + hi > 10)
		{
			fits = false;
			continue;
		}
		/* in units of 1e-9: d * 10^(e + 9), with e + 9 + lo >= 0 */
		{
			sp_ufixed	v = (sp_ufixed) d;
			long		k = e + 9;

			while (k < 0)
			{
				v /= 10;		/* exact: those digits are zero */
				k++;
			}
			while (k-- > 0)
				v *= 10;
			units += v;
		}
	}
	if (!fits)
		return REF_UNREPRESENTABLE;
	/* distinct base-10000 digits occupy distinct decimal positions */
	FUZZ_ASSERT(units <= (sp_ufixed) SP_FIXED_MAX);
	*out = neg ? -(sp_fixed) units : (sp_fixed) units;
	return REF_OK;
}

/* The canonical image of make_result() at dscale 9. */
static void
check_canonical(const unsigned char *img, size_t len, sp_fixed v)
{
	uint16_t	h;
	size_t		nd;

	FUZZ_ASSERT(len >= 2 && len <= SP_NUMERIC_MAXLEN && len % 2 == 0);
	h = get16(img);
	FUZZ_ASSERT((h & 0xC000) == 0x8000);			/* short header */
	FUZZ_ASSERT(((h & 0x1F80) >> 7) == SP_SCALE);	/* dscale 9 */
	FUZZ_ASSERT(((h & 0x2000) != 0) == (v < 0));	/* sign, and no -0 */
	nd = (len - 2) / 2;
	if (v == 0)
		FUZZ_ASSERT(nd == 0 && (h & 0x007F) == 0);	/* zero: weight 0 */
	else
	{
		FUZZ_ASSERT(nd > 0);
		FUZZ_ASSERT(get16(img + 2) != 0);			/* no leading zero digit */
		FUZZ_ASSERT(get16(img + len - 2) != 0);		/* no trailing zero digit */
	}
	for (size_t i = 0; i < nd; i++)
		FUZZ_ASSERT(get16(img + 2 + 2 * i) <= 9999);
}

/* Encode v, check the image, decode it back, re-encode identically. */
static void
check_roundtrip(sp_fixed v)
{
	unsigned char img[SP_NUMERIC_MAXLEN + 8];
	unsigned char img2[SP_NUMERIC_MAXLEN + 8];
	size_t		len,
				len2;
	sp_fixed	back = 0,
				refv = 0;

	FUZZ_ASSERT(v >= -SP_FIXED_MAX && v <= SP_FIXED_MAX);
	memset(img, 0xEE, sizeof(img));
	len = sp_numeric_encode(v, img);
	for (size_t i = len; i < sizeof(img); i++)
		FUZZ_ASSERT(img[i] == 0xEE);				/* no write past len */
	check_canonical(img, len, v);
	FUZZ_ASSERT(sp_numeric_decode(img, len, &back) == SP_NUM_OK);
	FUZZ_ASSERT(back == v);
	FUZZ_ASSERT(ref_decode(img, len, &refv) == REF_OK && refv == v);
	len2 = sp_numeric_encode(back, img2);
	FUZZ_ASSERT(len2 == len && memcmp(img, img2, len) == 0);
}

static void
fuzz_decode(const uint8_t *data, size_t size)
{
	/* a heap copy of exactly 'size' bytes, so ASan sees any overread */
	unsigned char *buf = malloc(size ? size : 1);
	sp_fixed	v = 0,
				refv = 0;
	sp_numeric_result r;
	ref_kind	rk;

	memcpy(buf, data, size);
	r = sp_numeric_decode(buf, size, &v);
	rk = ref_decode(buf, size, &refv);
	switch (rk)
	{
		case REF_OK:
			FUZZ_ASSERT(r == SP_NUM_OK);
			FUZZ_ASSERT(v == refv);
			break;
		case REF_NAN:
			FUZZ_ASSERT(r == SP_NUM_NAN);
			break;
		case REF_INF:
			FUZZ_ASSERT(r == SP_NUM_INFINITE);
			break;
		case REF_UNREPRESENTABLE:
			FUZZ_ASSERT(r != SP_NUM_OK);
			break;
	}
	if (r == SP_NUM_OK)
		check_roundtrip(v);
	free(buf);
}

/* ---- text ------------------------------------------------------------ */

/*
 * "[+-]digits[.digits]" with at least one digit, at most 9 after the point
 * and a magnitude of at most SP_FIXED_MAX, read as plain digit strings:
 * writes the canonical text ("-" only when nonzero, no leading zeros, a
 * units digit, exactly 9 decimals) to canon, or returns false.
 */
static bool
ref_parse(const char *s, size_t len, char *canon)
{
	size_t		i = 0;
	bool		neg = false;
	bool		point = false;
	int			ndigits = 0;
	char		ip[16];
	size_t		ni = 0;
	char		fp[10] = "000000000";
	size_t		nf = 0;
	size_t		k = 0;

	if (len > 0 && (s[0] == '+' || s[0] == '-'))
		neg = s[i++] == '-';
	for (; i < len; i++)
	{
		char		c = s[i];

		if (c == '.' && !point)
		{
			point = true;
			continue;
		}
		if (c < '0' || c > '9')
			return false;
		ndigits++;
		if (point)
		{
			if (nf == 9)
				return false;	/* a 10th decimal, even a zero */
			fp[nf++] = c;
		}
		else if (ni == 0 && c == '0')
			continue;			/* leading zero */
		else
		{
			if (ni == 11)
				return false;	/* 12 significant integer digits */
			ip[ni++] = c;
		}
	}
	if (ndigits == 0)
		return false;
	if (neg && (ni > 0 || strcmp(fp, "000000000") != 0))
		canon[k++] = '-';
	if (ni == 0)
		canon[k++] = '0';
	memcpy(canon + k, ip, ni);
	k += ni;
	canon[k++] = '.';
	memcpy(canon + k, fp, 9);
	k += 9;
	canon[k] = '\0';
	return true;
}

static void
check_text(sp_fixed v)
{
	char		buf[SP_FIXED_BUFLEN + 8];
	sp_fixed	back = 0;
	size_t		n;

	memset(buf, 0x7F, sizeof(buf));
	sp_fixed_format(v, buf);
	n = strlen(buf);
	FUZZ_ASSERT(n < SP_FIXED_BUFLEN);
	FUZZ_ASSERT(sp_fixed_parse(buf, n, &back) && back == v);
}

static void
fuzz_text(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size ? size : 1);
	char		canon[96];
	char		out[SP_FIXED_BUFLEN];
	sp_fixed	v = 0;
	bool		ok,
				refok;

	memcpy(s, data, size);
	ok = sp_fixed_parse(s, size, &v);
	memset(canon, 0, sizeof(canon));
	refok = ref_parse(s, size, canon);
	FUZZ_ASSERT(ok == refok);
	if (ok)
	{
		FUZZ_ASSERT(v >= -SP_FIXED_MAX && v <= SP_FIXED_MAX);
		sp_fixed_format(v, out);
		FUZZ_ASSERT(strcmp(out, canon) == 0);
		check_text(v);
		check_roundtrip(v);
	}
	free(s);
}

/* ---- raw values ------------------------------------------------------ */

static void
fuzz_value(const uint8_t *data, size_t size)
{
	sp_ufixed	u = 0;
	sp_fixed	v;
	const sp_ufixed span = 2 * (sp_ufixed) SP_FIXED_MAX + 1;

	if (size < 16)
		return;
	memcpy(&u, data, 16);
	/* bias toward the ends and small values as well as uniform ones */
	switch (data[0] & 3)
	{
		case 0:
			v = (sp_fixed) (u % span) - SP_FIXED_MAX;
			break;
		case 1:
			v = SP_FIXED_MAX - (sp_fixed) (u % 1000000);
			break;
		case 2:
			v = -SP_FIXED_MAX + (sp_fixed) (u % 1000000);
			break;
		default:
			v = (sp_fixed) (u % 2000000001) - 1000000000;
			break;
	}
	check_roundtrip(v);
	check_text(v);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	fuzz_text(data, size);
	fuzz_value(data, size);
	return 0;
}
