/*
 * numeric_codec.c
 *	  Decode and encode PostgreSQL numeric images at scale 9.
 *
 * Layout (src/backend/utils/adt/numeric.c): a uint16 header whose two top
 * bits say positive / negative / short / special.  Short form: sign, dscale
 * and a 7-bit weight packed in that one word.  Long form: the word holds
 * sign and dscale, an int16 weight follows.  Then base-10000 digits as
 * int16, most significant first; digit i is worth 10000^(weight - i).
 */
#include "numeric_codec.h"

#include <string.h>

#define NUM_SIGN_MASK		0xC000
#define NUM_POS				0x0000
#define NUM_NEG				0x4000
#define NUM_SHORT			0x8000
#define NUM_SPECIAL			0xC000
#define NUM_NAN				0xC000
#define NUM_PINF			0xD000
#define NUM_NINF			0xF000
#define NUM_EXT_SIGN_MASK	0xF000
#define NUM_SHORT_SIGN		0x2000
#define NUM_SHORT_DSCALE_MASK	0x1F80
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_WEIGHT_SIGN	0x0040
#define NUM_SHORT_WEIGHT_MASK	0x003F
#define NUM_NBASE			10000

static uint16_t
read_u16(const unsigned char *p)
{
	uint16_t	v;

	/* packed varlenas are not aligned */
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Decoding runs once per money column per row, so it stays in 64-bit
 * arithmetic: a decimal(20,9) value's integer part is below 10^11 and its
 * fraction is below 10^9 units, and only the final combination needs 128
 * bits.  Digit i is worth 10000^(weight - i); positions 0..2 build the
 * integer part, -1..-3 the nine fractional decimals (the last position
 * holds decimals 9..12, of which only the first may be nonzero).
 */
static const uint64_t pow10000[3] = {1, 10000, 100000000};
static const uint32_t frac_scale[2] = {100000, 10};	/* positions -1, -2 */

sp_numeric_result
sp_numeric_decode(const unsigned char *p, size_t len, sp_fixed *out)
{
	uint16_t	header;
	bool		neg;
	int			weight;
	size_t		hdrlen;
	size_t		ndigits;
	uint64_t	int_part = 0;
	uint64_t	frac_units = 0;
	sp_fixed	v;

	if (len < sizeof(uint16_t))
		return SP_NUM_MALFORMED;
	header = read_u16(p);

	switch (header & NUM_SIGN_MASK)
	{
		case NUM_SPECIAL:
			switch (header & NUM_EXT_SIGN_MASK)
			{
				case NUM_NAN:
					return SP_NUM_NAN;
				case NUM_PINF:
				case NUM_NINF:
					return SP_NUM_INFINITE;
				default:
					return SP_NUM_MALFORMED;
			}
		case NUM_SHORT:
			neg = (header & NUM_SHORT_SIGN) != 0;
			weight = (header & NUM_SHORT_WEIGHT_MASK);
			if (header & NUM_SHORT_WEIGHT_SIGN)
				weight -= NUM_SHORT_WEIGHT_MASK + 1;
			hdrlen = sizeof(uint16_t);
			break;
		default:
			if (len < 2 * sizeof(uint16_t))
				return SP_NUM_MALFORMED;
			neg = (header & NUM_SIGN_MASK) == NUM_NEG;
			weight = (int16_t) read_u16(p + sizeof(uint16_t));
			hdrlen = 2 * sizeof(uint16_t);
			break;
	}
	if ((len - hdrlen) % sizeof(int16_t) != 0)
		return SP_NUM_MALFORMED;
	ndigits = (len - hdrlen) / sizeof(int16_t);

	for (size_t i = 0; i < ndigits; i++)
	{
		int			d = (int16_t) read_u16(p + hdrlen + i * sizeof(int16_t));
		long		pos = (long) weight - (long) i;

		if (d < 0 || d >= NUM_NBASE)
			return SP_NUM_MALFORMED;
		if (d == 0)
			continue;
		if (pos > 2)
			return SP_NUM_OUT_OF_RANGE; /* >= 10^12 */
		if (pos >= 0)
			int_part += (uint64_t) d * pow10000[pos];
		else if (pos >= -2)
			frac_units += (uint64_t) d * frac_scale[-pos - 1];
		else if (pos == -3 && d % 1000 == 0)
			frac_units += (uint64_t) (d / 1000);
		else
			return SP_NUM_TOO_PRECISE;
	}
	v = (sp_fixed) int_part * SP_UNIT + (sp_fixed) frac_units;
	if (v > SP_FIXED_MAX)
		return SP_NUM_OUT_OF_RANGE;
	*out = neg ? -v : v;
	return SP_NUM_OK;
}

size_t
sp_numeric_encode(sp_fixed v, unsigned char *buf)
{
	sp_ufixed	u;
	uint16_t	digits[16];
	int			n = 0;
	int			first;
	int			last;
	int			weight;
	uint64_t	frac;
	sp_ufixed	ip;
	uint16_t	header;
	int			int_groups = 0;
	uint16_t	tmp[12];
	size_t		len;

	u = v < 0 ? (sp_ufixed) 0 - (sp_ufixed) v : (sp_ufixed) v;
	/* 128-bit division is a library call: skip it for values below 2^64 */
	if (u <= (sp_ufixed) UINT64_MAX)
	{
		ip = (uint64_t) u / (uint64_t) SP_UNIT;
		frac = (uint64_t) u % (uint64_t) SP_UNIT;
	}
	else
	{
		ip = u / (sp_ufixed) SP_UNIT;
		frac = (uint64_t) (u % (sp_ufixed) SP_UNIT);
	}

	/* integer part, base 10000, least significant first into tmp */
	while (ip > (sp_ufixed) UINT64_MAX)
	{
		tmp[int_groups++] = (uint16_t) (ip % NUM_NBASE);
		ip /= NUM_NBASE;
	}
	for (uint64_t ip64 = (uint64_t) ip; ip64 != 0; ip64 /= NUM_NBASE)
		tmp[int_groups++] = (uint16_t) (ip64 % NUM_NBASE);
	for (int i = int_groups - 1; i >= 0; i--)
		digits[n++] = tmp[i];
	/* nine fractional decimals = three base-10000 digits of twelve decimals */
	frac *= 1000;
	digits[n++] = (uint16_t) (frac / 100000000);
	digits[n++] = (uint16_t) ((frac / 10000) % NUM_NBASE);
	digits[n++] = (uint16_t) (frac % NUM_NBASE);
	weight = int_groups - 1;

	/* strip leading and trailing zero digits, as make_result does */
	first = 0;
	last = n;
	while (first < last && digits[first] == 0)
	{
		first++;
		weight--;
	}
	while (last > first && digits[last - 1] == 0)
		last--;
	if (first == last)
	{
		weight = 0;
		v = 0;
	}

	header = NUM_SHORT
		| (v < 0 ? NUM_SHORT_SIGN : 0)
		| (SP_SCALE << NUM_SHORT_DSCALE_SHIFT)
		| (weight < 0 ? NUM_SHORT_WEIGHT_SIGN : 0)
		| (weight & NUM_SHORT_WEIGHT_MASK);
	memcpy(buf, &header, sizeof(header));
	len = sizeof(header);
	for (int i = first; i < last; i++)
	{
		int16_t		d = (int16_t) digits[i];

		memcpy(buf + len, &d, sizeof(d));
		len += sizeof(d);
	}
	return len;
}
