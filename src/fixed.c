/*
 * fixed.c
 *	  128-bit fixed-point money arithmetic at scale 1e-9.
 *
 * Why 128 bits: a decimal(20,9) value is up to 10^20 units, which does not
 * fit in int64, and rate * elapsed microseconds for the largest rate over a
 * century is about 3.2e35 units * 1e6, still well inside int128's 1.7e38.
 */
#include "fixed.h"

#include <string.h>

sp_fixed
sp_streamed(sp_fixed rate, __int128 elapsed_us, sp_fixed cap)
{
	sp_fixed	product;
	sp_fixed	streamed;

	if (rate <= 0 || elapsed_us <= 0 || cap <= 0)
		return 0;

	/*
	 * Common case, without a 128-bit division (a library call): whole
	 * seconds times the rate, plus the sub-second part, which fits in 64
	 * bits whenever the rate is below ~1.8e13 units per second.  Both terms
	 * are exact and non-negative, so the sum truncates exactly like the
	 * single division below.
	 */
	if (elapsed_us <= INT64_MAX && rate <= (sp_fixed) (UINT64_MAX / SP_USEC_PER_SEC))
	{
		uint64_t	secs = (uint64_t) elapsed_us / SP_USEC_PER_SEC;
		uint64_t	rem = (uint64_t) elapsed_us % SP_USEC_PER_SEC;

		if (__builtin_mul_overflow(rate, (sp_fixed) secs, &product))
			return cap;
		streamed = product + (sp_fixed) (((uint64_t) rate * rem) / SP_USEC_PER_SEC);
		return streamed < cap ? streamed : cap;
	}

	if (__builtin_mul_overflow(rate, elapsed_us, &product))
		return cap;
	/* both operands are non-negative, so division truncates toward zero */
	streamed = product / SP_USEC_PER_SEC;
	return streamed < cap ? streamed : cap;
}

__int128
sp_time_to_stream(sp_fixed amount, sp_fixed rate)
{
	/*
	 * amount <= 10^20 and 1e6 keeps the product below 10^26: no overflow.
	 * Round up: after this many microseconds, trunc(rate * us / 1e6) has
	 * reached amount, and one microsecond earlier it had not.
	 */
	sp_fixed	numerator = amount * SP_USEC_PER_SEC;

	if (amount <= 0)
		return 0;
	return (numerator + rate - 1) / rate;
}

char *
sp_fixed_format(sp_fixed v, char *buf)
{
	char		tmp[SP_FIXED_BUFLEN];
	int			n = 0;
	int			i = 0;
	sp_ufixed	u;

	u = v < 0 ? (sp_ufixed) 0 - (sp_ufixed) v : (sp_ufixed) v;
	/* digits in reverse, at least 10 so there is a units digit */
	do
	{
		tmp[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u != 0 || n < SP_SCALE + 1);

	if (v < 0)
		buf[i++] = '-';
	while (n > 0)
	{
		buf[i++] = tmp[--n];
		if (n == SP_SCALE)
			buf[i++] = '.';
	}
	buf[i] = '\0';
	return buf;
}

bool
sp_fixed_parse(const char *s, size_t len, sp_fixed *out)
{
	size_t		i = 0;
	bool		neg = false;
	sp_fixed	v = 0;
	int			frac_digits = 0;
	bool		seen_digit = false;
	bool		seen_point = false;

	if (len > 0 && (s[0] == '-' || s[0] == '+'))
	{
		neg = (s[0] == '-');
		i++;
	}
	for (; i < len; i++)
	{
		char		c = s[i];

		if (c == '.' && !seen_point)
		{
			seen_point = true;
			continue;
		}
		if (c < '0' || c > '9')
			return false;
		if (seen_point && ++frac_digits > SP_SCALE)
			return false;
		v = v * 10 + (c - '0');
		if (v > SP_FIXED_MAX)
			return false;
		seen_digit = true;
	}
	if (!seen_digit)
		return false;
	for (; frac_digits < SP_SCALE; frac_digits++)
	{
		v *= 10;
		if (v > SP_FIXED_MAX)
			return false;
	}
	*out = neg ? -v : v;
	return true;
}
