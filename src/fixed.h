/*
 * fixed.h
 *	  Exact money arithmetic for streampay: signed 128-bit integers counting
 *	  units of 1e-9 (the scale of the spec's decimal(20,9) columns).
 *
 * Pure C: no PostgreSQL headers, so the core can be unit-tested and fuzzed
 * outside the server.  Nothing here ever uses floating point.
 */
#ifndef STREAMPAY_FIXED_H
#define STREAMPAY_FIXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __int128 sp_fixed;				/* value * 1e9 */
typedef unsigned __int128 sp_ufixed;

#define SP_SCALE		9
#define SP_UNIT			((sp_fixed) 1000000000)			/* 1.000000000 */
#define SP_USEC_PER_SEC ((int64_t) 1000000)

/*
 * Largest magnitude a decimal(20,9) column can hold, in units:
 * 99999999999.999999999 = 10^20 - 1 units.
 */
#define SP_FIXED_MAX	((sp_fixed) 100000000000LL * (sp_fixed) 1000000000LL - 1)

/*
 * Amount streamed by 'rate' units per second over 'elapsed_us' microseconds,
 * truncated toward zero (the recipient never receives more than was
 * streamed), but never more than 'cap'.  rate, elapsed_us and cap must be
 * non-negative.  A product that would overflow 128 bits is necessarily far
 * above any cap a decimal(20,9) column can hold, so it yields 'cap'.
 */
extern sp_fixed sp_streamed(sp_fixed rate, __int128 elapsed_us, sp_fixed cap);

/*
 * Smallest elapsed time in microseconds after which 'rate' per second has
 * streamed at least 'amount': ceil(amount * 1e6 / rate).  rate > 0,
 * amount >= 0.
 */
extern __int128 sp_time_to_stream(sp_fixed amount, sp_fixed rate);

/*
 * *out = a + b; returns false, leaving *out alone, when the sum does not fit
 * in 128 bits (the exact aggregates refuse instead of wrapping).  Inline:
 * the aggregates add several times per row.
 */
static inline bool
sp_fixed_add(sp_fixed a, sp_fixed b, sp_fixed *out)
{
	sp_fixed	r;

	if (__builtin_add_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

/*
 * Text forms, for tests and error messages: plain decimal with exactly
 * nine fractional digits.  buf needs SP_FIXED_BUFLEN bytes.
 */
#define SP_FIXED_BUFLEN 64
extern char *sp_fixed_format(sp_fixed v, char *buf);

/*
 * Parse "[-]digits[.digits]" (at most 9 fractional digits, magnitude at most
 * SP_FIXED_MAX).  Returns false on any other input.
 */
extern bool sp_fixed_parse(const char *s, size_t len, sp_fixed *out);

#endif							/* STREAMPAY_FIXED_H */
