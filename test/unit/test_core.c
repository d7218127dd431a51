/*
 * test_core.c
 *	  Unit tests of streampay's pure C core (fixed, accrual, status,
 *	  transition, numeric_codec), outside the server.
 *
 * No test library: CHECK* macros count passes and failures, and the last
 * line printed is "N passed, N failed".  The exit status is non-zero when
 * any check failed.
 *
 * Expected values are computed independently of the code under test: by
 * hand, from literals, with decimal string arithmetic (dec_*), with an
 * independent string-based reference encoder for numeric images, or as
 * properties that the result must satisfy (e.g. ceil semantics).
 */
#include "fixed.h"
#include "accrual.h"
#include "status.h"
#include "transition.h"
#include "numeric_codec.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Runner
 * ------------------------------------------------------------------------ */

static int	n_passed;
static int	n_failed;

#define INT128_MAXV ((sp_fixed) ((((sp_ufixed) 1) << 127) - 1))
#define INT128_MINV (-INT128_MAXV - 1)

/* Independent integer -> decimal text (no decimal point). */
static char *
i128str(sp_fixed v, char *buf)
{
	char		tmp[64];
	int			n = 0;
	int			i = 0;
	sp_ufixed	u = v < 0 ? (sp_ufixed) 0 - (sp_ufixed) v : (sp_ufixed) v;

	do
	{
		tmp[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[i++] = '-';
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

static void
fail_at(const char *file, int line, const char *what)
{
	n_failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

#define CHECK(cond) \
	do { \
		if (cond) \
			n_passed++; \
		else \
			fail_at(__FILE__, __LINE__, #cond); \
	} while (0)

#define CHECK_FIX(got, exp) \
	do { \
		sp_fixed	g_ = (sp_fixed) (got); \
		sp_fixed	e_ = (sp_fixed) (exp); \
		if (g_ == e_) \
			n_passed++; \
		else \
		{ \
			char		a_[64], b_[64], m_[400]; \
			snprintf(m_, sizeof(m_), "%s = %s, expected %s (%s)", \
					 #got, i128str(g_, a_), i128str(e_, b_), #exp); \
			fail_at(__FILE__, __LINE__, m_); \
		} \
	} while (0)

#define CHECK_STR(got, exp) \
	do { \
		const char *g_ = (got); \
		const char *e_ = (exp); \
		if (strcmp(g_, e_) == 0) \
			n_passed++; \
		else \
		{ \
			char		m_[400]; \
			snprintf(m_, sizeof(m_), "%s = \"%s\", expected \"%s\"", \
					 #got, g_, e_); \
			fail_at(__FILE__, __LINE__, m_); \
		} \
	} while (0)

/* For loops over many random cases: one check, details of first failures. */
#define LOOP_FAIL(...) \
	do { \
		if (bad_++ < 5) \
		{ \
			fprintf(stderr, "  case: "); \
			fprintf(stderr, __VA_ARGS__); \
			fprintf(stderr, "\n"); \
		} \
	} while (0)

/* ------------------------------------------------------------------------
 * Fixed-seed PRNG (xorshift64*)
 * ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd64(void)
{
	uint64_t	x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static sp_ufixed
rnd128(void)
{
	sp_ufixed	hi = rnd64();	/* sequenced: same values with any compiler */

	return (hi << 64) | rnd64();
}

static sp_ufixed
pow10u(int k)
{
	sp_ufixed	r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

/* Uniform-ish in [0, hi]. */
static sp_fixed
rnd_upto(sp_fixed hi)
{
	return (sp_fixed) (rnd128() % ((sp_ufixed) hi + 1));
}

/* Log-uniform-ish magnitude in [0, SP_FIXED_MAX]: random number of digits. */
static sp_fixed
rnd_amount(void)
{
	int			digits = (int) (rnd64() % 21);	/* 0..20 */

	return (sp_fixed) (rnd128() % pow10u(digits));
}

/* rnd_amount() reduced below 10^d, d random in 1..maxd */
static sp_fixed
rnd_small(int maxd)
{
	int			d = 1 + (int) (rnd64() % (uint64_t) maxd);
	sp_fixed	a = rnd_amount();

	return a % (sp_fixed) pow10u(d);
}

static sp_fixed
rnd_signed_amount(void)
{
	sp_fixed	v = rnd_amount();

	return (rnd64() & 1) ? -v : v;
}

/* ------------------------------------------------------------------------
 * Decimal string arithmetic (non-negative integers), for independent
 * expected values of 128-bit products.
 * ------------------------------------------------------------------------ */

static void
dec_strip(char *s)
{
	size_t		i = 0;
	size_t		len = strlen(s);

	while (i + 1 < len && s[i] == '0')
		i++;
	memmove(s, s + i, len - i + 1);
}

/* out = a * b; out needs strlen(a)+strlen(b)+1 bytes */
static void
dec_mul(const char *a, const char *b, char *out)
{
	int			la = (int) strlen(a);
	int			lb = (int) strlen(b);
	int			acc[128];

	memset(acc, 0, sizeof(acc));
	for (int i = la - 1; i >= 0; i--)
		for (int j = lb - 1; j >= 0; j--)
			acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
	for (int k = la + lb - 1; k > 0; k--)
	{
		acc[k - 1] += acc[k] / 10;
		acc[k] %= 10;
	}
	for (int k = 0; k < la + lb; k++)
		out[k] = (char) ('0' + acc[k]);
	out[la + lb] = '\0';
	dec_strip(out);
}

/* drop the last k digits (integer division by 10^k, truncating) */
static void
dec_drop(char *s, int k)
{
	int			len = (int) strlen(s);

	if (len <= k)
		strcpy(s, "0");
	else
		s[len - k] = '\0';
}

static int
dec_cmp(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

/* ------------------------------------------------------------------------
 * fixed.c
 * ------------------------------------------------------------------------ */

#define SEC ((int64_t) 1000000)
#define UNITS(x) ((sp_fixed) (x) * SP_UNIT)

static void
test_streamed(void)
{
	char		buf[128];
	char		b2[64];
	char		b3[64];

	/* truncation toward zero at the 9th decimal */
	CHECK_FIX(sp_streamed(1, 999999, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(1, 1000000, SP_FIXED_MAX), 1);
	CHECK_FIX(sp_streamed(1, 1999999, SP_FIXED_MAX), 1);
	CHECK_FIX(sp_streamed(1, 2000000, SP_FIXED_MAX), 2);
	CHECK_FIX(sp_streamed(3, 333333, SP_FIXED_MAX), 0);	/* 0.999999 */
	CHECK_FIX(sp_streamed(3, 333334, SP_FIXED_MAX), 1);	/* 1.000002 */
	CHECK_FIX(sp_streamed(7, 5 * SEC + 1, SP_FIXED_MAX), 35);
	/* 1.0 per second over one microsecond = 0.000001 = 1000 units */
	CHECK_FIX(sp_streamed(SP_UNIT, 1, SP_FIXED_MAX), 1000);
	CHECK_FIX(sp_streamed(SP_UNIT, 60 * SEC, SP_FIXED_MAX), UNITS(60));
	/* 0.000001 per second over 0.5 s = 0.0000005 = 500 units */
	CHECK_FIX(sp_streamed(1000, SEC / 2, SP_FIXED_MAX), 500);
	/* 999 units/s over 1 us: 0.000999 units -> 0 */
	CHECK_FIX(sp_streamed(999, 1, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(1000000, 1, SP_FIXED_MAX), 1);

	/* cap */
	CHECK_FIX(sp_streamed(SP_UNIT, 10 * SEC, UNITS(5)), UNITS(5));
	CHECK_FIX(sp_streamed(SP_UNIT, 5 * SEC, UNITS(5)), UNITS(5));
	CHECK_FIX(sp_streamed(SP_UNIT, 5 * SEC - 1, UNITS(5)), UNITS(5) - 1000);
	CHECK_FIX(sp_streamed(SP_UNIT, 10 * SEC, 1), 1);

	/* zero / negative inputs */
	CHECK_FIX(sp_streamed(0, 10 * SEC, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(-1, 10 * SEC, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(-SP_FIXED_MAX, INT64_MAX, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(SP_UNIT, 0, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(SP_UNIT, -1, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(SP_UNIT, INT64_MIN, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_streamed(SP_UNIT, 10 * SEC, 0), 0);
	CHECK_FIX(sp_streamed(SP_UNIT, 10 * SEC, -5), 0);

	/* overflow of the 128-bit product -> cap */
	CHECK_FIX(sp_streamed(SP_FIXED_MAX, INT64_MAX, SP_FIXED_MAX), SP_FIXED_MAX);
	CHECK_FIX(sp_streamed(SP_FIXED_MAX, (__int128) INT64_MAX * 4, UNITS(7)), UNITS(7));
	CHECK_FIX(sp_streamed(SP_FIXED_MAX, INT128_MAXV, 12345), 12345);
	CHECK_FIX(sp_streamed(INT128_MAXV, 2, SP_FIXED_MAX), SP_FIXED_MAX);
	/* large but not overflowing: far above the cap */
	CHECK_FIX(sp_streamed(SP_FIXED_MAX, (__int128) 1000000000000000000LL, SP_FIXED_MAX),
			  SP_FIXED_MAX);

	/*
	 * Largest rate 99999999999.999999999 over 100 Julian years (36525 days)
	 * plus 123457 us, uncapped: expected by decimal string arithmetic.
	 */
	{
		__int128	e = (__int128) 36525 * 86400 * SEC + 123457;

		dec_mul("99999999999999999999", "3155760000123457", buf);
		dec_drop(buf, 6);
		CHECK_STR(i128str(sp_streamed(SP_FIXED_MAX, e, INT128_MAXV), b2), buf);
		/* the same exactly 100 years: 10^14 * E - E/10^6 */
		CHECK_STR(i128str(sp_streamed(SP_FIXED_MAX, (__int128) 36525 * 86400 * SEC,
									  INT128_MAXV), b2),
				  "315575999999999999996844240000");
		/* and capped at the column maximum */
		CHECK_FIX(sp_streamed(SP_FIXED_MAX, e, SP_FIXED_MAX), SP_FIXED_MAX);
	}

	/* random rates / elapsed / caps against decimal string arithmetic */
	{
		int			bad_ = 0;

		for (int i = 0; i < 20000; i++)
		{
			sp_fixed	rate = rnd_amount();
			int			shift = (int) (rnd64() % 64);
			__int128	el = (__int128) (rnd64() >> shift);
			sp_fixed	cap = (i % 3 == 0) ? SP_FIXED_MAX : rnd_amount();
			char		ra[64], eb[64], prod[160];
			const char *exp;
			sp_fixed	got;

			dec_mul(i128str(rate, ra), i128str(el, eb), prod);
			dec_drop(prod, 6);
			if (rate == 0 || el == 0 || cap == 0)
				exp = "0";
			else if (dec_cmp(prod, i128str(cap, b3)) > 0)
				exp = b3;
			else
				exp = prod;
			got = sp_streamed(rate, el, cap);
			if (strcmp(i128str(got, b2), exp) != 0)
				LOOP_FAIL("rate=%s el=%s cap=%s got=%s exp=%s", ra, eb,
						  i128str(cap, buf), b2, exp);
		}
		CHECK(bad_ == 0);
	}
}

static void
test_time_to_stream(void)
{
	CHECK_FIX(sp_time_to_stream(0, 1), 0);
	CHECK_FIX(sp_time_to_stream(0, SP_FIXED_MAX), 0);
	CHECK_FIX(sp_time_to_stream(1, 1), SEC);
	CHECK_FIX(sp_time_to_stream(1, 2), 500000);
	CHECK_FIX(sp_time_to_stream(1, 3), 333334);
	CHECK_FIX(sp_time_to_stream(2, 3), 666667);
	CHECK_FIX(sp_time_to_stream(UNITS(1), SP_UNIT), SEC);
	CHECK_FIX(sp_time_to_stream(UNITS(50), SP_UNIT), 50 * SEC);
	CHECK_FIX(sp_time_to_stream(1, SP_FIXED_MAX), 1);
	CHECK_FIX(sp_time_to_stream(1, 1000000), 1);
	CHECK_FIX(sp_time_to_stream(1, 1000001), 1);
	CHECK_FIX(sp_time_to_stream(1, 999999), 2);
	/* (10^20 - 1) * 10^6 */
	{
		char		b[64];

		CHECK_STR(i128str(sp_time_to_stream(SP_FIXED_MAX, 1), b),
				  "99999999999999999999000000");
	}

	/* ceil semantics on random values */
	{
		int			bad_ = 0;

		for (int i = 0; i < 50000; i++)
		{
			sp_fixed	amount = rnd_amount();
			sp_fixed	rate = rnd_amount();
			__int128	t;
			char		a[64], r[64], tb[64];

			if (rate == 0)
				rate = 1;
			t = sp_time_to_stream(amount, rate);
			if (t < 0)
			{
				LOOP_FAIL("negative t");
				continue;
			}
			if (sp_streamed(rate, t, SP_FIXED_MAX) < amount)
				LOOP_FAIL("amount=%s rate=%s t=%s: not reached", i128str(amount, a),
						  i128str(rate, r), i128str(t, tb));
			if (amount > 0 && (t < 1 || sp_streamed(rate, t - 1, SP_FIXED_MAX) >= amount))
				LOOP_FAIL("amount=%s rate=%s t=%s: not the smallest", i128str(amount, a),
						  i128str(rate, r), i128str(t, tb));
			if (amount == 0 && t != 0)
				LOOP_FAIL("amount 0 -> t=%s", i128str(t, tb));
		}
		CHECK(bad_ == 0);
	}
}

static bool
parse_str(const char *s, sp_fixed *out)
{
	return sp_fixed_parse(s, strlen(s), out);
}

static void
test_format_parse(void)
{
	char		buf[SP_FIXED_BUFLEN];
	sp_fixed	v;

	CHECK_STR(sp_fixed_format(0, buf), "0.000000000");
	CHECK_STR(sp_fixed_format(1, buf), "0.000000001");
	CHECK_STR(sp_fixed_format(-1, buf), "-0.000000001");
	CHECK_STR(sp_fixed_format(SP_UNIT, buf), "1.000000000");
	CHECK_STR(sp_fixed_format(-UNITS(15) / 10, buf), "-1.500000000");
	CHECK_STR(sp_fixed_format((sp_fixed) 123456789012LL, buf), "123.456789012");
	CHECK_STR(sp_fixed_format(999999999, buf), "0.999999999");
	CHECK_STR(sp_fixed_format(SP_FIXED_MAX, buf), "99999999999.999999999");
	CHECK_STR(sp_fixed_format(-SP_FIXED_MAX, buf), "-99999999999.999999999");
	CHECK_STR(sp_fixed_format(INT128_MAXV, buf),
			  "170141183460469231731687303715.884105727");
	CHECK_STR(sp_fixed_format(INT128_MINV, buf),
			  "-170141183460469231731687303715.884105728");
	/* return value is buf */
	CHECK(sp_fixed_format(5, buf) == buf);

	/* accepted */
	CHECK(parse_str("0", &v) && v == 0);
	CHECK(parse_str("-0", &v) && v == 0);
	CHECK(parse_str("1", &v) && v == SP_UNIT);
	CHECK(parse_str("+2", &v) && v == UNITS(2));
	CHECK(parse_str("1.5", &v) && v == 1500000000);
	CHECK(parse_str(".5", &v) && v == 500000000);
	CHECK(parse_str("5.", &v) && v == UNITS(5));
	CHECK(parse_str("0.000000001", &v) && v == 1);
	CHECK(parse_str("-0.000000001", &v) && v == -1);
	CHECK(parse_str("0.000000000", &v) && v == 0);
	CHECK(parse_str("123.456789012", &v) && v == (sp_fixed) 123456789012LL);
	CHECK(parse_str("99999999999.999999999", &v) && v == SP_FIXED_MAX);
	CHECK(parse_str("-99999999999.999999999", &v) && v == -SP_FIXED_MAX);
	CHECK(parse_str("99999999999", &v) && v == SP_FIXED_MAX - 999999999);
	CHECK(parse_str("0000000000000000000000000000000000000001.0", &v) && v == SP_UNIT);
	/* len is honoured: only "123" of "12345" */
	CHECK(sp_fixed_parse("12345", 3, &v) && v == UNITS(123));

	/* more than 9 decimals, even zeros */
	CHECK(!parse_str("1.0000000000", &v));
	CHECK(!parse_str("1.1234567891", &v));
	CHECK(!parse_str("0.0000000001", &v));
	CHECK(!parse_str("-0.0000000001", &v));
	/* above SP_FIXED_MAX */
	CHECK(!parse_str("100000000000", &v));
	CHECK(!parse_str("100000000000.0", &v));
	CHECK(!parse_str("-100000000000", &v));
	CHECK(!parse_str("99999999999.9999999991", &v));
	CHECK(!parse_str("340282366920938463463374607431768211456", &v));
	CHECK(!parse_str("999999999999999999999999999999999999999999999999", &v));
	/* garbage */
	{
		static const char *const bad[] = {
			"", "-", "+", ".", "-.", "+.", "abc", "1a", "a1", "1 ", " 1",
			"1.2.3", "--1", "+-1", "1e5", "0x10", "1,5", "1..", "..1",
			"1-", "∞", "NaN", "Infinity",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		{
			bool		ok = parse_str(bad[i], &v);

			if (ok)
				fprintf(stderr, "  accepted garbage \"%s\"\n", bad[i]);
			CHECK(!ok);
		}
		/* embedded NUL */
		CHECK(!sp_fixed_parse("1\0", 2, &v));
		CHECK(!sp_fixed_parse("", 0, &v));
	}

	/* parse of random "I.F" strings: expected built from the parts */
	{
		int			bad_ = 0;

		for (int i = 0; i < 20000; i++)
		{
			uint64_t	ip = rnd64() % 100000000000ULL;
			int			fd = (int) (rnd64() % 10);	/* 0..9 fractional digits */
			uint64_t	fp = fd ? rnd64() % (uint64_t) pow10u(fd) : 0;
			bool		neg = rnd64() & 1;
			char		s[64];
			sp_fixed	exp;

			if (fd)
				snprintf(s, sizeof(s), "%s%llu.%0*llu", neg ? "-" : "",
						 (unsigned long long) ip, fd, (unsigned long long) fp);
			else
				snprintf(s, sizeof(s), "%s%llu", neg ? "-" : "",
						 (unsigned long long) ip);
			exp = (sp_fixed) ip * SP_UNIT + (sp_fixed) fp * (sp_fixed) pow10u(9 - fd);
			if (neg)
				exp = -exp;
			if (!parse_str(s, &v) || v != exp)
				LOOP_FAIL("parse \"%s\"", s);
		}
		CHECK(bad_ == 0);
	}

	/* round trips and format against an independent formatter */
	{
		int			bad_ = 0;

		for (int i = 0; i < 20000; i++)
		{
			sp_fixed	x = (i & 1) ? rnd_signed_amount()
				: rnd_upto(2 * SP_FIXED_MAX) - SP_FIXED_MAX;
			char		d[64], expect[72], s[SP_FIXED_BUFLEN];
			sp_ufixed	ux = x < 0 ? (sp_ufixed) -x : (sp_ufixed) x;
			int			len;
			int			p;
			sp_fixed	back;

			/* independent: integer text, left-padded to 10 digits, point */
			i128str((sp_fixed) ux, d);
			len = (int) strlen(d);
			p = 0;
			if (x < 0)
				expect[p++] = '-';
			for (int k = len; k < 10; k++)
				expect[p++] = '0';
			strcpy(expect + p, d);
			len = (int) strlen(expect);
			memmove(expect + len - 8, expect + len - 9, 10);
			expect[len - 9] = '.';

			sp_fixed_format(x, s);
			if (strcmp(s, expect) != 0)
				LOOP_FAIL("format got %s expected %s", s, expect);
			if (!parse_str(s, &back) || back != x)
				LOOP_FAIL("round trip of %s", s);
		}
		CHECK(bad_ == 0);
	}
}

/* ------------------------------------------------------------------------
 * status.c
 * ------------------------------------------------------------------------ */

static void
test_status(void)
{
	/* spec graph, written out independently of the table in status.c */
	static const struct
	{
		sp_status	from;
		sp_status	to;
		bool		ok;
	}			cases[] = {
		{SP_ACTIVE, SP_ACTIVE, false},
		{SP_ACTIVE, SP_PAUSED, true},
		{SP_ACTIVE, SP_CANCELLED, true},
		{SP_ACTIVE, SP_COMPLETED, true},
		{SP_PAUSED, SP_ACTIVE, true},
		{SP_PAUSED, SP_PAUSED, false},
		{SP_PAUSED, SP_CANCELLED, true},
		{SP_PAUSED, SP_COMPLETED, false},
		{SP_CANCELLED, SP_ACTIVE, false},
		{SP_CANCELLED, SP_PAUSED, false},
		{SP_CANCELLED, SP_CANCELLED, false},
		{SP_CANCELLED, SP_COMPLETED, false},
		{SP_COMPLETED, SP_ACTIVE, false},
		{SP_COMPLETED, SP_PAUSED, false},
		{SP_COMPLETED, SP_CANCELLED, false},
		{SP_COMPLETED, SP_COMPLETED, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		bool		got = sp_can_transition(cases[i].from, cases[i].to);

		if (got != cases[i].ok)
			fprintf(stderr, "  transition %d -> %d\n", cases[i].from, cases[i].to);
		CHECK(got == cases[i].ok);
	}
	/* out of range */
	CHECK(!sp_can_transition((sp_status) 4, SP_ACTIVE));
	CHECK(!sp_can_transition(SP_ACTIVE, (sp_status) 4));
	CHECK(!sp_can_transition((sp_status) -1, SP_PAUSED));
	CHECK(!sp_can_transition(SP_PAUSED, (sp_status) -1));
	CHECK(!sp_can_transition((sp_status) 1000, (sp_status) 1000));
	CHECK(!sp_can_transition((sp_status) INT_MIN, SP_ACTIVE));

	CHECK(!sp_is_terminal(SP_ACTIVE));
	CHECK(!sp_is_terminal(SP_PAUSED));
	CHECK(sp_is_terminal(SP_CANCELLED));
	CHECK(sp_is_terminal(SP_COMPLETED));

	CHECK_STR(sp_status_names[SP_ACTIVE], "active");
	CHECK_STR(sp_status_names[SP_PAUSED], "paused");
	CHECK_STR(sp_status_names[SP_CANCELLED], "cancelled");
	CHECK_STR(sp_status_names[SP_COMPLETED], "completed");
}

/* ------------------------------------------------------------------------
 * accrual.c
 * ------------------------------------------------------------------------ */

static sp_stream
mk(sp_status st, sp_fixed rate, sp_time start, bool has_end, sp_time end,
   sp_fixed total, sp_fixed settled, sp_time ls)
{
	sp_stream	s;

	memset(&s, 0, sizeof(s));
	s.status = st;
	s.rate = rate;
	s.start = start;
	s.has_end = has_end;
	s.end = end;
	s.total = total;
	s.settled = settled;
	s.last_settled = ls;
	return s;
}

static void
test_accrual(void)
{
	/* 1.0 per second from 100 s to 200 s, total 1000 (not binding) */
	sp_stream	a = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, true, 200 * SEC,
					   UNITS(1000), 0, 100 * SEC);
	sp_stream	s;

	/* before start */
	CHECK_FIX(sp_pending(&a, 0), 0);
	CHECK_FIX(sp_pending(&a, 50 * SEC), 0);
	CHECK_FIX(sp_pending(&a, INT64_MIN), 0);
	CHECK_FIX(sp_pending(&a, 100 * SEC), 0);
	CHECK_FIX(sp_accrued(&a, 50 * SEC), 0);
	CHECK_FIX(sp_refundable(&a, 50 * SEC), UNITS(1000));
	/* during */
	CHECK_FIX(sp_pending(&a, 100 * SEC + 1), 1000);
	CHECK_FIX(sp_pending(&a, 150 * SEC), UNITS(50));
	CHECK_FIX(sp_accrued(&a, 150 * SEC), UNITS(50));
	CHECK_FIX(sp_refundable(&a, 150 * SEC), UNITS(950));
	CHECK_FIX(sp_pending(&a, 200 * SEC - 1), UNITS(100) - 1000);
	/* at and after end */
	CHECK_FIX(sp_pending(&a, 200 * SEC), UNITS(100));
	CHECK_FIX(sp_pending(&a, 300 * SEC), UNITS(100));
	CHECK_FIX(sp_pending(&a, INT64_MAX), UNITS(100));
	CHECK_FIX(sp_refundable(&a, INT64_MAX), UNITS(900));

	/* capped at total */
	s = a;
	s.total = UNITS(30);
	CHECK_FIX(sp_pending(&s, 120 * SEC), UNITS(20));
	CHECK_FIX(sp_pending(&s, 130 * SEC), UNITS(30));
	CHECK_FIX(sp_pending(&s, 150 * SEC), UNITS(30));
	CHECK_FIX(sp_accrued(&s, 150 * SEC), UNITS(30));
	CHECK_FIX(sp_refundable(&s, 150 * SEC), 0);
	/* cap is total - settled */
	s.settled = UNITS(10);
	s.last_settled = 120 * SEC;
	CHECK_FIX(sp_pending(&s, 125 * SEC), UNITS(5));
	CHECK_FIX(sp_pending(&s, 150 * SEC), UNITS(20));
	CHECK_FIX(sp_accrued(&s, 150 * SEC), UNITS(30));
	s.settled = UNITS(30);
	CHECK_FIX(sp_pending(&s, 150 * SEC), 0);
	CHECK_FIX(sp_accrued(&s, 150 * SEC), UNITS(30));
	/* zero total */
	s = a;
	s.total = 0;
	CHECK_FIX(sp_pending(&s, 150 * SEC), 0);
	CHECK_FIX(sp_refundable(&s, 150 * SEC), 0);

	/* partially settled, last_settled after start */
	s = a;
	s.settled = UNITS(10);
	s.last_settled = 120 * SEC;
	CHECK_FIX(sp_pending(&s, 110 * SEC), 0);
	CHECK_FIX(sp_pending(&s, 120 * SEC), 0);
	CHECK_FIX(sp_pending(&s, 150 * SEC), UNITS(30));
	CHECK_FIX(sp_accrued(&s, 150 * SEC), UNITS(40));
	CHECK_FIX(sp_accrued(&s, 110 * SEC), UNITS(10));
	CHECK_FIX(sp_refundable(&s, 150 * SEC), UNITS(960));
	CHECK_FIX(sp_pending(&s, 500 * SEC), UNITS(80));
	/* last_settled after end: nothing more */
	s.last_settled = 250 * SEC;
	s.settled = UNITS(100);
	CHECK_FIX(sp_pending(&s, 300 * SEC), 0);
	CHECK_FIX(sp_accrued(&s, 300 * SEC), UNITS(100));

	/* last_settled before start (inserted ahead of the start) */
	s = a;
	s.last_settled = 50 * SEC;
	CHECK_FIX(sp_pending(&s, 80 * SEC), 0);
	CHECK_FIX(sp_pending(&s, 150 * SEC), UNITS(50));

	/* paused / cancelled / completed: pending 0 */
	{
		static const sp_status st[] = {SP_PAUSED, SP_CANCELLED, SP_COMPLETED};

		for (int i = 0; i < 3; i++)
		{
			s = a;
			s.status = st[i];
			s.settled = UNITS(7);
			s.last_settled = 120 * SEC;
			CHECK_FIX(sp_pending(&s, 150 * SEC), 0);
			CHECK_FIX(sp_pending(&s, INT64_MAX), 0);
			CHECK_FIX(sp_accrued(&s, 150 * SEC), UNITS(7));
			CHECK_FIX(sp_refundable(&s, 150 * SEC), UNITS(993));
		}
	}

	/* 1-microsecond intervals: 1 unit per microsecond */
	{
		int			bad_ = 0;

		s = mk(SP_ACTIVE, 1000000, 0, true, 1000, UNITS(1), 0, 0);
		for (sp_time t = -5; t <= 1005; t++)
		{
			sp_fixed	exp = t <= 0 ? 0 : (t >= 1000 ? 1000 : t);

			if (sp_pending(&s, t) != exp)
				LOOP_FAIL("1us t=%lld", (long long) t);
		}
		CHECK(bad_ == 0);
	}
	/* 1e-9 per second: one unit per whole second */
	s = mk(SP_ACTIVE, 1, 0, false, 0, SP_FIXED_MAX, 0, 0);
	CHECK_FIX(sp_pending(&s, 1), 0);
	CHECK_FIX(sp_pending(&s, SEC - 1), 0);
	CHECK_FIX(sp_pending(&s, SEC), 1);
	/* ... over a 365-day year */
	CHECK_FIX(sp_pending(&s, (sp_time) 365 * 86400 * SEC - 1), 31535999);
	CHECK_FIX(sp_pending(&s, (sp_time) 365 * 86400 * SEC), 31536000);
	/* year-long bounded stream, 1.0/s, total exactly the year's worth */
	s = mk(SP_ACTIVE, SP_UNIT, 0, true, (sp_time) 365 * 86400 * SEC,
		   UNITS(31536000), 0, 0);
	CHECK_FIX(sp_pending(&s, (sp_time) 182 * 86400 * SEC), UNITS(15724800));
	CHECK_FIX(sp_pending(&s, (sp_time) 365 * 86400 * SEC - 1), UNITS(31536000) - 1000);
	CHECK_FIX(sp_pending(&s, (sp_time) 400 * 86400 * SEC), UNITS(31536000));
	CHECK_FIX(sp_refundable(&s, (sp_time) 400 * 86400 * SEC), 0);

	/* time span wider than int64: from INT64_MIN to INT64_MAX at 1e-9/s */
	s = mk(SP_ACTIVE, 1, INT64_MIN, false, 0, SP_FIXED_MAX, 0, INT64_MIN);
	/* (2^64 - 1) / 10^6 = 18446744073709.551615 -> 18446744073709 */
	CHECK_FIX(sp_pending(&s, INT64_MAX), (sp_fixed) 18446744073709LL);
	/* largest rate over that span: capped by total */
	s.rate = SP_FIXED_MAX;
	CHECK_FIX(sp_pending(&s, INT64_MAX), SP_FIXED_MAX);

	/* settle */
	s = a;
	CHECK_FIX(sp_settle(&s, 150 * SEC), UNITS(50));
	CHECK_FIX(s.settled, UNITS(50));
	CHECK(s.last_settled == 150 * SEC);
	CHECK_FIX(sp_pending(&s, 170 * SEC), UNITS(20));
	CHECK_FIX(sp_accrued(&s, 170 * SEC), UNITS(70));
	CHECK_FIX(sp_settle(&s, 300 * SEC), UNITS(50));
	CHECK_FIX(s.settled, UNITS(100));
	CHECK_FIX(sp_settle(&s, 400 * SEC), 0);
	CHECK_FIX(s.settled, UNITS(100));
	CHECK(s.last_settled == 400 * SEC);
	/* settling a paused stream moves only the clock */
	s = a;
	s.status = SP_PAUSED;
	CHECK_FIX(sp_settle(&s, 150 * SEC), 0);
	CHECK_FIX(s.settled, 0);
	CHECK(s.last_settled == 150 * SEC);

	/* accrued never above total, random streams */
	{
		int			bad_ = 0;

		for (int i = 0; i < 20000; i++)
		{
			sp_fixed	total = rnd_amount();
			sp_fixed	settled = rnd_upto(total);
			sp_time		start = (sp_time) (rnd64() % (2000000000ULL * SEC)) - 1000000000LL * SEC;
			sp_time		ls = start + (sp_time) (rnd64() % (1000000ULL * SEC)) - 500000 * SEC;
			bool		has_end = rnd64() & 1;
			sp_time		end = start + 1 + (sp_time) (rnd64() % (1000000ULL * SEC));
			sp_time		t = start + (sp_time) (rnd64() % (4000000ULL * SEC)) - 1000000 * SEC;

			s = mk(SP_ACTIVE, rnd_amount(), start, has_end, end, total, settled, ls);
			if (sp_accrued(&s, t) > total || sp_accrued(&s, t) < settled ||
				sp_refundable(&s, t) < 0 ||
				sp_accrued(&s, t) + sp_refundable(&s, t) != total ||
				sp_accrued(&s, t + 1) < sp_accrued(&s, t))
				LOOP_FAIL("random accrual %d", i);
		}
		CHECK(bad_ == 0);
	}
}

static void
test_depletion(void)
{
	sp_time		out;
	sp_stream	s = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, false, 0, UNITS(50), 0, 100 * SEC);
	const sp_time lim = INT64_MAX;

	/* basic */
	out = -1;
	CHECK(sp_depletion_time(&s, lim, &out) && out == 150 * SEC);
	/* last_settled before start: counts from start */
	s.last_settled = 10 * SEC;
	CHECK(sp_depletion_time(&s, lim, &out) && out == 150 * SEC);
	/* partially settled, last_settled after start */
	s.settled = UNITS(10);
	s.last_settled = 120 * SEC;
	CHECK(sp_depletion_time(&s, lim, &out) && out == 160 * SEC);
	/* rounding up: 3 units/s, 10 units -> 3333334 us (not 3333333) */
	s = mk(SP_ACTIVE, 3, 0, false, 0, 10, 0, 0);
	CHECK(sp_depletion_time(&s, lim, &out) && out == 3333334);
	CHECK_FIX(sp_accrued(&s, 3333334), 10);
	CHECK_FIX(sp_accrued(&s, 3333333), 9);

	/* end comes first -> false; end exactly at depletion -> true */
	s = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, true, 140 * SEC, UNITS(50), 0, 100 * SEC);
	CHECK(!sp_depletion_time(&s, lim, &out));
	s.end = 150 * SEC - 1;
	CHECK(!sp_depletion_time(&s, lim, &out));
	s.end = 150 * SEC;
	CHECK(sp_depletion_time(&s, lim, &out) && out == 150 * SEC);
	s.end = 1000 * SEC;
	CHECK(sp_depletion_time(&s, lim, &out) && out == 150 * SEC);

	/* not active -> false */
	s.status = SP_PAUSED;
	CHECK(!sp_depletion_time(&s, lim, &out));
	s.status = SP_CANCELLED;
	CHECK(!sp_depletion_time(&s, lim, &out));
	s.status = SP_COMPLETED;
	CHECK(!sp_depletion_time(&s, lim, &out));
	s.status = SP_ACTIVE;
	/* rate 0 -> false */
	s.rate = 0;
	CHECK(!sp_depletion_time(&s, lim, &out));
	s.rate = SP_UNIT;

	/* beyond limit -> false; at limit -> true */
	CHECK(!sp_depletion_time(&s, 150 * SEC - 1, &out));
	CHECK(sp_depletion_time(&s, 150 * SEC, &out) && out == 150 * SEC);
	/* 1e-9/s, total SP_FIXED_MAX: 10^26 us, beyond any int64 timestamp */
	s = mk(SP_ACTIVE, 1, 0, false, 0, SP_FIXED_MAX, 0, 0);
	CHECK(!sp_depletion_time(&s, INT64_MAX, &out));
	/* depletion beyond INT64_MAX must not wrap into range */
	s = mk(SP_ACTIVE, SP_UNIT, INT64_MAX - 10 * SEC, false, 0, UNITS(20), 0,
		   INT64_MAX - 10 * SEC);
	CHECK(!sp_depletion_time(&s, INT64_MAX, &out));

	/* already fully accrued (settled == total) -> max(last_settled, start) */
	s = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, false, 0, UNITS(50), UNITS(50), 170 * SEC);
	CHECK(sp_depletion_time(&s, lim, &out) && out == 170 * SEC);
	s = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, false, 0, 0, 0, 50 * SEC);
	CHECK(sp_depletion_time(&s, lim, &out) && out == 100 * SEC);
	s = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, true, 300 * SEC, UNITS(50), UNITS(50), 170 * SEC);
	CHECK(sp_depletion_time(&s, lim, &out) && out == 170 * SEC);
	/*
	 * Fully settled by a settlement after the end (e.g. a rate change at
	 * 400 s on a fully funded stream whose end was 300 s): accrued already
	 * equals total, so it is not "never".
	 */
	s = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, true, 300 * SEC, UNITS(50), UNITS(50), 400 * SEC);
	CHECK(sp_depletion_time(&s, lim, &out) && out == 400 * SEC);

	/* random property: accrued(out) == total, accrued(out-1) < total */
	{
		int			bad_ = 0;
		int			found = 0;

		for (int i = 0; i < 20000; i++)
		{
			sp_fixed	total = rnd_small(16);
			sp_fixed	settled = rnd_upto(total);
			sp_fixed	rate = 1 + rnd_small(14);
			sp_time		start = (sp_time) (rnd64() % (1000000ULL * SEC));
			sp_time		ls = start + (sp_time) (rnd64() % (1000ULL * SEC)) - 500 * SEC;
			bool		has_end = rnd64() & 1;
			sp_time		end = start + 1 + (sp_time) (rnd64() % (100000000ULL * SEC));
			sp_time		from = ls > start ? ls : start;

			s = mk(SP_ACTIVE, rate, start, has_end, end, total, settled, ls);
			if (sp_depletion_time(&s, INT64_MAX, &out))
			{
				found++;
				if (sp_accrued(&s, out) != total)
					LOOP_FAIL("depletion %d: accrued(out) != total", i);
				if (out > from && sp_accrued(&s, out - 1) >= total)
					LOOP_FAIL("depletion %d: not the first moment", i);
				if (out < from)
					LOOP_FAIL("depletion %d: before from", i);
			}
			else
			{
				/* never: not fully accrued at the end, nor at INT64_MAX */
				sp_time		last = has_end ? end : INT64_MAX;

				if (from <= last && sp_accrued(&s, last) >= total)
					LOOP_FAIL("depletion %d: false but fully accrued at %lld", i,
							  (long long) last);
			}
		}
		CHECK(bad_ == 0);
		CHECK(found > 1000);
	}
}

/* ------------------------------------------------------------------------
 * transition.c: INSERT
 * ------------------------------------------------------------------------ */

static void
test_insert(void)
{
	const sp_time now = 500 * SEC;
	sp_stream	base = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, true, 200 * SEC,
						  UNITS(100), 0, now);
	sp_stream	s;
	bool		norm;

	/* negative rate / valid neighbour rate 0 */
	s = base;
	s.rate = -1;
	norm = true;
	CHECK(sp_check_insert(&s, now, &norm) == SP_RULE_NEGATIVE_RATE);
	CHECK(!norm);
	s.rate = 0;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	/* negative total / total 0 */
	s = base;
	s.total = -1;
	CHECK(sp_check_insert(&s, now, &norm) == SP_RULE_NEGATIVE_TOTAL);
	s.total = 0;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	/* negative settled / settled 0 */
	s = base;
	s.settled = -1;
	s.last_settled = 150 * SEC;
	CHECK(sp_check_insert(&s, now, &norm) == SP_RULE_NEGATIVE_SETTLED);
	s.settled = 0;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	/* settled above total / settled == total */
	s = base;
	s.settled = UNITS(100) + 1;
	CHECK(sp_check_insert(&s, now, &norm) == SP_RULE_SETTLED_ABOVE_TOTAL);
	s.settled = UNITS(100);
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	/* end <= start / end = start + 1 / no end */
	s = base;
	s.end = s.start;
	CHECK(sp_check_insert(&s, now, &norm) == SP_RULE_END_NOT_AFTER_START);
	s.end = s.start - 1;
	CHECK(sp_check_insert(&s, now, &norm) == SP_RULE_END_NOT_AFTER_START);
	s.end = s.start + 1;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	s.has_end = false;
	s.end = s.start - 1000;		/* ignored when there is no end */
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	/* any status accepted */
	for (int st = 0; st < SP_NSTATUS; st++)
	{
		s = base;
		s.status = (sp_status) st;
		CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	}

	/* normalization: defaults and start in the past */
	s = base;
	norm = false;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	CHECK(norm);
	CHECK(s.last_settled == 100 * SEC);
	CHECK_FIX(s.settled, 0);
	CHECK_FIX(sp_accrued(&s, 150 * SEC), UNITS(50));
	/* not when settled > 0 */
	s = base;
	s.settled = 1;
	norm = true;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	CHECK(!norm);
	CHECK(s.last_settled == now);
	/* not when last_settled != now */
	s = base;
	s.last_settled = now - 1;
	norm = true;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	CHECK(!norm);
	CHECK(s.last_settled == now - 1);
	/* not when start == now or start > now */
	s = base;
	s.start = now;
	s.end = now + SEC;
	norm = true;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	CHECK(!norm);
	CHECK(s.last_settled == now);
	s.start = now + 1;
	norm = true;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	CHECK(!norm);
	CHECK(s.last_settled == now);
	/* start one microsecond before now: normalized */
	s = base;
	s.start = now - 1;
	s.end = now + SEC;
	CHECK(sp_check_insert(&s, now, &norm) == SP_OK);
	CHECK(norm);
	CHECK(s.last_settled == now - 1);
}

/* ------------------------------------------------------------------------
 * transition.c: UPDATE
 * ------------------------------------------------------------------------ */

/* active, 1.0/s, 100 s .. 1000 s, total 2000, nothing settled */
static sp_stream
ubase(void)
{
	return mk(SP_ACTIVE, SP_UNIT, 100 * SEC, true, 1000 * SEC, UNITS(2000), 0,
			  100 * SEC);
}

static sp_update
mku(sp_stream old, sp_time now)
{
	sp_update	u;

	memset(&u, 0, sizeof(u));
	u.old = old;
	u.new = old;
	u.now = now;
	u.wall = now + 5 * SEC;
	return u;
}

static void
test_update(void)
{
	sp_update	u;
	sp_stream	o = ubase();
	sp_stream	term;
	sp_stream	after;

	/* no change: OK, no settlement, event time = now */
	u = mku(o, 200 * SEC);
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(!u.settles);
	CHECK_FIX(u.delta, 0);
	CHECK(u.event_time == 200 * SEC);
	CHECK_FIX(u.new.settled, 0);
	CHECK(u.new.last_settled == 100 * SEC);
	/* recipient change on an active stream: not a settlement */
	u = mku(o, 200 * SEC);
	u.recipient_changed = true;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(!u.settles);
	CHECK(u.new.last_settled == 100 * SEC);

	/* settled_amount belongs to the extension */
	u = mku(o, 200 * SEC);
	u.new.settled = UNITS(1);
	CHECK(sp_check_update(&u) == SP_RULE_SETTLED_OWNED);
	u = mku(o, 200 * SEC);
	u.new.settled = UNITS(100);	/* even the "right" value */
	u.new.status = SP_PAUSED;
	CHECK(sp_check_update(&u) == SP_RULE_SETTLED_OWNED);
	u.new.settled = 0;
	CHECK(sp_check_update(&u) == SP_OK);

	/* terminal + status change -> TRANSITION */
	term = o;
	term.status = SP_CANCELLED;
	term.settled = UNITS(50);
	term.last_settled = 150 * SEC;
	for (int st = 0; st < SP_NSTATUS; st++)
	{
		u = mku(term, 200 * SEC);
		u.new.status = (sp_status) st;
		CHECK(sp_check_update(&u) == (st == SP_CANCELLED ? SP_OK : SP_RULE_TRANSITION));
	}
	term.status = SP_COMPLETED;
	for (int st = 0; st < SP_NSTATUS; st++)
	{
		u = mku(term, 200 * SEC);
		u.new.status = (sp_status) st;
		CHECK(sp_check_update(&u) == (st == SP_COMPLETED ? SP_OK : SP_RULE_TRANSITION));
	}

	/* terminal + money/time/recipient change -> TERMINAL_FROZEN */
	for (int k = 0; k < 2; k++)
	{
		term.status = k ? SP_CANCELLED : SP_COMPLETED;

		u = mku(term, 200 * SEC);
		u.new.rate = 2 * SP_UNIT;
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		u = mku(term, 200 * SEC);
		u.new.end = 2000 * SEC;
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		u = mku(term, 200 * SEC);
		u.new.has_end = false;
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		u = mku(term, 200 * SEC);
		u.new.total = UNITS(3000);
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		u = mku(term, 200 * SEC);
		u.new.last_settled = 160 * SEC;
		u.lsa_assigned = true;
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		u = mku(term, 200 * SEC);
		u.new.start = 90 * SEC;
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		u = mku(term, 200 * SEC);
		u.recipient_changed = true;
		CHECK(sp_check_update(&u) == SP_RULE_TERMINAL_FROZEN);
		/* valid neighbours: nothing changed; last_settled re-assigned equal */
		u = mku(term, 200 * SEC);
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, UNITS(50));
		u = mku(term, 200 * SEC);
		u.lsa_assigned = true;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, UNITS(50));
		CHECK_FIX(u.delta, 0);
		CHECK(u.new.last_settled == 150 * SEC);
	}

	/* value rules on the new row */
	u = mku(o, 200 * SEC);
	u.new.rate = -1;
	CHECK(sp_check_update(&u) == SP_RULE_NEGATIVE_RATE);
	u = mku(o, 200 * SEC);
	u.new.rate = 0;
	CHECK(sp_check_update(&u) == SP_OK);
	u = mku(o, 200 * SEC);
	u.new.total = -1;
	CHECK(sp_check_update(&u) == SP_RULE_NEGATIVE_TOTAL);
	u = mku(o, 200 * SEC);
	u.new.end = u.new.start;
	CHECK(sp_check_update(&u) == SP_RULE_END_NOT_AFTER_START);
	{
		/*
		 * new total below the stored settled amount: an UPDATE checks the
		 * total against the amount accrued at T (10 + 90 = 100), not
		 * against the stale settled value, so this is TOTAL_BELOW_ACCRUED
		 */
		sp_stream	o2 = o;

		o2.settled = UNITS(10);
		o2.last_settled = 110 * SEC;
		u = mku(o2, 200 * SEC);
		u.new.total = UNITS(10) - 1;
		CHECK(sp_check_update(&u) == SP_RULE_TOTAL_BELOW_ACCRUED);
		u = mku(o2, 200 * SEC);
		u.new.total = UNITS(100) - 1;
		CHECK(sp_check_update(&u) == SP_RULE_TOTAL_BELOW_ACCRUED);
		u = mku(o2, 200 * SEC);
		u.new.total = UNITS(100);
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, UNITS(100));
		/* an UPDATE never reports SETTLED_ABOVE_TOTAL, even for a paused row */
		o2.status = SP_PAUSED;
		u = mku(o2, 200 * SEC);
		u.new.total = UNITS(10) - 1;
		CHECK(sp_check_update(&u) == SP_RULE_TOTAL_BELOW_ACCRUED);
		u = mku(o2, 200 * SEC);
		u.new.total = UNITS(10);
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, UNITS(10));
	}

	/* explicit event time */
	u = mku(o, 200 * SEC);
	u.lsa_assigned = true;
	u.new.last_settled = 150 * SEC;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK(u.event_time == 150 * SEC);
	CHECK_FIX(u.delta, UNITS(50));
	CHECK_FIX(u.new.settled, UNITS(50));
	CHECK(u.new.last_settled == 150 * SEC);
	/* lsa changed, even if the SET list flag is not given */
	u = mku(o, 200 * SEC);
	u.new.last_settled = 150 * SEC;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK(u.event_time == 150 * SEC);
	CHECK_FIX(u.new.settled, UNITS(50));
	/* before old last_settled -> CLOCK_BACKWARDS; equal -> OK */
	{
		sp_stream	o2 = o;

		o2.settled = UNITS(20);
		o2.last_settled = 120 * SEC;
		u = mku(o2, 200 * SEC);
		u.lsa_assigned = true;
		u.new.last_settled = 120 * SEC - 1;
		CHECK(sp_check_update(&u) == SP_RULE_CLOCK_BACKWARDS);
		u = mku(o2, 200 * SEC);
		u.lsa_assigned = true;
		u.new.last_settled = 120 * SEC;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK(u.settles);
		CHECK_FIX(u.delta, 0);
		CHECK_FIX(u.new.settled, UNITS(20));
		CHECK(u.event_time == 120 * SEC);
	}
	/* after wall -> EVENT_IN_FUTURE; == wall OK (even after now) */
	u = mku(o, 200 * SEC);
	u.lsa_assigned = true;
	u.new.last_settled = u.wall + 1;
	CHECK(sp_check_update(&u) == SP_RULE_EVENT_IN_FUTURE);
	u = mku(o, 200 * SEC);
	u.lsa_assigned = true;
	u.new.last_settled = u.wall;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.event_time == 205 * SEC);
	CHECK_FIX(u.new.settled, UNITS(105));

	/* implicit time clamps to old last_settled */
	{
		sp_stream	o2 = o;

		o2.settled = UNITS(200);
		o2.last_settled = 300 * SEC;
		u = mku(o2, 200 * SEC);		/* now before the last settlement */
		u.new.rate = 2 * SP_UNIT;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK(u.settles);
		CHECK(u.event_time == 300 * SEC);
		CHECK(u.new.last_settled == 300 * SEC);
		CHECK_FIX(u.delta, 0);
		CHECK_FIX(u.new.settled, UNITS(200));
		/* neighbour: now after it */
		u = mku(o2, 310 * SEC);
		u.new.rate = 2 * SP_UNIT;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK(u.event_time == 310 * SEC);
		CHECK_FIX(u.delta, UNITS(10));
		CHECK_FIX(u.new.settled, UNITS(210));
	}

	/* forbidden transition: paused -> completed */
	{
		sp_stream	p = o;

		p.status = SP_PAUSED;
		p.settled = UNITS(2000);
		p.last_settled = 150 * SEC;
		u = mku(p, 2000 * SEC);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_RULE_TRANSITION);
		/* allowed neighbours */
		u = mku(p, 2000 * SEC);
		u.new.status = SP_CANCELLED;
		CHECK(sp_check_update(&u) == SP_OK);
		u = mku(p, 2000 * SEC);
		u.new.status = SP_ACTIVE;
		CHECK(sp_check_update(&u) == SP_OK);
	}

	/* completing */
	u = mku(o, 200 * SEC);
	u.new.status = SP_COMPLETED;
	CHECK(sp_check_update(&u) == SP_RULE_NOT_DONE);
	u = mku(o, 1000 * SEC - 1);
	u.new.status = SP_COMPLETED;
	CHECK(sp_check_update(&u) == SP_RULE_NOT_DONE);
	/* end reached (accrued 900 < total 2000) */
	u = mku(o, 1000 * SEC);
	u.new.status = SP_COMPLETED;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK_FIX(u.delta, UNITS(900));
	CHECK_FIX(u.new.settled, UNITS(900));
	CHECK(u.new.last_settled == 1000 * SEC);
	u = mku(o, 5000 * SEC);
	u.new.status = SP_COMPLETED;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK_FIX(u.new.settled, UNITS(900));
	CHECK(u.new.last_settled == 5000 * SEC);
	/* fully accrued before the end: total 100 is reached at 200 s exactly */
	{
		sp_stream	o2 = o;

		o2.total = UNITS(100);
		u = mku(o2, 200 * SEC - 1);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_RULE_NOT_DONE);
		u = mku(o2, 200 * SEC);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, UNITS(100));
		u = mku(o2, 300 * SEC);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.delta, UNITS(100));
		/* indefinite stream: only "fully accrued" completes it */
		o2.has_end = false;
		u = mku(o2, 199 * SEC);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_RULE_NOT_DONE);
		u = mku(o2, 200 * SEC);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_OK);
	}

	/* one unit (1e-9) short of total is not done: 1e-9/s, total 100 units */
	{
		sp_stream	o3 = mk(SP_ACTIVE, 1, 0, false, 0, 100, 0, 0);

		u = mku(o3, 99 * SEC + 999999);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_RULE_NOT_DONE);
		u = mku(o3, 100 * SEC);
		u.new.status = SP_COMPLETED;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, 100);
	}

	/* start change after start -> START_LOCKED, before start OK */
	u = mku(o, 200 * SEC);
	u.new.start = 150 * SEC;
	CHECK(sp_check_update(&u) == SP_RULE_START_LOCKED);
	u = mku(o, 100 * SEC);		/* T == start */
	u.new.start = 150 * SEC;
	CHECK(sp_check_update(&u) == SP_RULE_START_LOCKED);
	{
		sp_stream	f = mk(SP_ACTIVE, SP_UNIT, 300 * SEC, true, 1000 * SEC,
						   UNITS(2000), 0, 50 * SEC);

		u = mku(f, 300 * SEC - 1);
		u.new.start = 400 * SEC;
		CHECK(sp_check_update(&u) == SP_OK);
		/* a start change is a settlement event: nothing had streamed yet */
		CHECK(u.settles);
		CHECK(u.new.start == 400 * SEC);
		CHECK(u.new.last_settled == 300 * SEC - 1);
		CHECK_FIX(u.new.settled, 0);
		CHECK_FIX(sp_accrued(&u.new, 450 * SEC), UNITS(50));
		u = mku(f, 200 * SEC);
		u.new.start = 250 * SEC;
		CHECK(sp_check_update(&u) == SP_OK);
		/*
		 * moving a future start into the past pays nothing for the time
		 * before the change: accrual runs from T (200 s), not from 150 s
		 */
		u = mku(f, 200 * SEC);
		u.new.start = 150 * SEC;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK(u.new.last_settled == 200 * SEC);
		CHECK_FIX(sp_accrued(&u.new, 210 * SEC), UNITS(10));
		/* moving it past the end is a value error */
		u = mku(f, 200 * SEC);
		u.new.start = 1000 * SEC;
		CHECK(sp_check_update(&u) == SP_RULE_END_NOT_AFTER_START);
	}

	/* total below accrued at T; exactly accrued OK */
	u = mku(o, 200 * SEC);
	u.new.total = UNITS(100) - 1;
	CHECK(sp_check_update(&u) == SP_RULE_TOTAL_BELOW_ACCRUED);
	u = mku(o, 200 * SEC);
	u.new.total = UNITS(100);
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK_FIX(u.new.settled, UNITS(100));
	CHECK_FIX(sp_refundable(&u.new, 900 * SEC), 0);

	/* end before T -> END_BEFORE_EVENT; end == T OK; removing end OK */
	u = mku(o, 200 * SEC);
	u.new.end = 200 * SEC - 1;
	CHECK(sp_check_update(&u) == SP_RULE_END_BEFORE_EVENT);
	u = mku(o, 200 * SEC);
	u.new.end = 200 * SEC;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK_FIX(u.new.settled, UNITS(100));
	CHECK_FIX(sp_accrued(&u.new, 900 * SEC), UNITS(100));
	u = mku(o, 200 * SEC);
	u.new.has_end = false;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK_FIX(u.new.settled, UNITS(100));
	CHECK_FIX(sp_accrued(&u.new, 2000 * SEC), UNITS(1900));

	/* settle-before-change: pause settles pending, paused time is free */
	u = mku(o, 200 * SEC);
	u.new.status = SP_PAUSED;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK(u.event_time == 200 * SEC);
	CHECK_FIX(u.delta, UNITS(100));
	CHECK_FIX(u.new.settled, UNITS(100));
	CHECK(u.new.last_settled == 200 * SEC);
	after = u.new;
	CHECK_FIX(sp_accrued(&after, 500 * SEC), UNITS(100));
	u = mku(after, 400 * SEC);	/* resume at 400 s */
	u.new.status = SP_ACTIVE;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK_FIX(u.delta, 0);
	CHECK_FIX(u.new.settled, UNITS(100));
	CHECK(u.new.last_settled == 400 * SEC);
	CHECK_FIX(sp_accrued(&u.new, 450 * SEC), UNITS(150));
	CHECK_FIX(sp_accrued(&u.new, 5000 * SEC), UNITS(700));	/* 100 + 600 */

	/* rate change applies only after T */
	u = mku(o, 200 * SEC);
	u.new.rate = 2 * SP_UNIT;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK_FIX(u.delta, UNITS(100));
	CHECK_FIX(u.new.settled, UNITS(100));
	CHECK(u.new.last_settled == 200 * SEC);
	CHECK_FIX(sp_accrued(&u.new, 200 * SEC), UNITS(100));
	CHECK_FIX(sp_accrued(&u.new, 300 * SEC), UNITS(300));

	/* top-up of a dry stream: no back pay */
	{
		sp_stream	d = mk(SP_ACTIVE, SP_UNIT, 100 * SEC, false, 0, UNITS(50), 0,
						   100 * SEC);

		CHECK_FIX(sp_accrued(&d, 300 * SEC), UNITS(50));	/* dry since 150 s */
		u = mku(d, 300 * SEC);
		u.new.total = UNITS(100);
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK(u.settles);
		CHECK_FIX(u.delta, UNITS(50));
		CHECK_FIX(u.new.settled, UNITS(50));
		CHECK(u.new.last_settled == 300 * SEC);
		CHECK_FIX(sp_accrued(&u.new, 300 * SEC), UNITS(50));
		CHECK_FIX(sp_accrued(&u.new, 310 * SEC), UNITS(60));
		CHECK_FIX(sp_accrued(&u.new, 1000 * SEC), UNITS(100));
	}

	/* cancel settles, then freezes */
	u = mku(o, 250 * SEC);
	u.new.status = SP_CANCELLED;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK_FIX(u.delta, UNITS(150));
	CHECK_FIX(u.new.settled, UNITS(150));
	CHECK_FIX(sp_refundable(&u.new, 900 * SEC), UNITS(1850));

	/* lsa assigned alone: a settlement at T */
	u = mku(o, 200 * SEC);
	u.lsa_assigned = true;
	u.new.last_settled = 180 * SEC;
	CHECK(sp_check_update(&u) == SP_OK);
	CHECK(u.settles);
	CHECK_FIX(u.delta, UNITS(80));
	CHECK_FIX(u.new.settled, UNITS(80));

	/* random property: a settling update neither creates nor loses money */
	{
		int			bad_ = 0;
		int			ok = 0;

		for (int i = 0; i < 20000; i++)
		{
			sp_fixed	total = rnd_small(15);
			sp_fixed	rate = rnd_small(12);
			sp_time		start = (sp_time) (rnd64() % (1000ULL * SEC));
			bool		has_end = rnd64() & 1;
			sp_stream	r = mk(SP_ACTIVE, rate, start, has_end, 0, total, 0, 0);
			sp_fixed	before;
			sp_time		now;

			r.settled = rnd_upto(total);
			r.last_settled = r.start + (sp_time) (rnd64() % (1000ULL * SEC)) - 500 * SEC;
			r.end = r.start + 1 + (sp_time) (rnd64() % (2000ULL * SEC));
			now = r.start + (sp_time) (rnd64() % (3000ULL * SEC)) - 1000 * SEC;
			u = mku(r, now);
			switch (rnd64() % 4)
			{
				case 0:
					u.new.status = SP_PAUSED;
					break;
				case 1:
					u.new.rate = r.rate + 1 + rnd_small(12);
					break;
				case 2:
					u.new.total = r.total + 1 + rnd_small(12);
					break;
				default:
					u.new.status = SP_CANCELLED;
					break;
			}
			if (sp_check_update(&u) != SP_OK)
				continue;
			ok++;
			before = sp_accrued(&r, u.event_time);
			if (!u.settles || u.new.settled != before || sp_accrued(&u.new, u.event_time) != before ||
				u.delta != before - r.settled || u.new.last_settled != u.event_time ||
				u.new.settled > u.new.total)
				LOOP_FAIL("update property %d", i);
		}
		CHECK(bad_ == 0);
		CHECK(ok > 10000);
	}
}

/* ------------------------------------------------------------------------
 * numeric_codec.c
 * ------------------------------------------------------------------------ */

/* Build a numeric image from 16-bit words in host order. */
static size_t
img(unsigned char *buf, const uint16_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(buf + 2 * i, &w[i], 2);
	return 2 * n;
}

#define IMG(buf, ...) \
	img((buf), (const uint16_t[]) {__VA_ARGS__}, \
		sizeof((const uint16_t[]) {__VA_ARGS__}) / sizeof(uint16_t))

static sp_numeric_result
dec_words(sp_fixed *out, const uint16_t *w, size_t n)
{
	unsigned char buf[128];
	size_t		len = img(buf, w, n);

	return sp_numeric_decode(buf, len, out);
}

#define DECODE(out, ...) \
	dec_words((out), (const uint16_t[]) {__VA_ARGS__}, \
			  sizeof((const uint16_t[]) {__VA_ARGS__}) / sizeof(uint16_t))

/*
 * Independent reference encoder, from the decimal text of v: the integer
 * part left-padded to a multiple of 4 digits, the 9 fractional digits
 * right-padded to 12, grouped by 4, leading/trailing zero groups stripped.
 */
static size_t
ref_encode(sp_fixed v, uint16_t *words)
{
	char		d[64], ip[64], fr[16];
	sp_ufixed	u = v < 0 ? (sp_ufixed) -v : (sp_ufixed) v;
	int			len, il, pad;
	int			groups[32];
	int			ng = 0, nint, first, last, weight;
	size_t		n = 0;

	i128str((sp_fixed) u, d);
	len = (int) strlen(d);
	if (len <= 9)
	{
		strcpy(ip, "0");
		memset(fr, '0', (size_t) (9 - len));
		strcpy(fr + 9 - len, d);
	}
	else
	{
		memcpy(ip, d, (size_t) (len - 9));
		ip[len - 9] = '\0';
		strcpy(fr, d + len - 9);
	}
	strcat(fr, "000");
	il = (int) strlen(ip);
	pad = (4 - il % 4) % 4;
	{
		char		padded[80];

		memset(padded, '0', (size_t) pad);
		strcpy(padded + pad, ip);
		nint = (int) strlen(padded) / 4;
		for (int g = 0; g < nint; g++)
			groups[ng++] = (padded[4 * g] - '0') * 1000 + (padded[4 * g + 1] - '0') * 100 +
				(padded[4 * g + 2] - '0') * 10 + (padded[4 * g + 3] - '0');
	}
	for (int g = 0; g < 3; g++)
		groups[ng++] = (fr[4 * g] - '0') * 1000 + (fr[4 * g + 1] - '0') * 100 +
			(fr[4 * g + 2] - '0') * 10 + (fr[4 * g + 3] - '0');
	weight = nint - 1;
	first = 0;
	last = ng;
	while (first < last && groups[first] == 0)
	{
		first++;
		weight--;
	}
	while (last > first && groups[last - 1] == 0)
		last--;
	if (first == last)
	{
		words[n++] = 0x8000 | (9 << 7);
		return n;
	}
	words[n++] = (uint16_t) (0x8000 | (v < 0 ? 0x2000 : 0) | (9 << 7) |
							 (weight < 0 ? 0x40 : 0) | (weight & 0x3F));
	for (int g = first; g < last; g++)
		words[n++] = (uint16_t) groups[g];
	return n;
}

static bool
encode_is(sp_fixed v, const uint16_t *w, size_t n)
{
	unsigned char got[SP_NUMERIC_MAXLEN + 8];
	unsigned char exp[64];
	size_t		len;
	size_t		elen = img(exp, w, n);

	memset(got, 0xA5, sizeof(got));
	len = sp_numeric_encode(v, got);
	if (len != elen || memcmp(got, exp, len) != 0)
		return false;
	/* nothing written past the returned length */
	for (size_t i = len; i < sizeof(got); i++)
		if (got[i] != 0xA5)
			return false;
	return true;
}

#define ENCODE_IS(v, ...) \
	encode_is((v), (const uint16_t[]) {__VA_ARGS__}, \
			  sizeof((const uint16_t[]) {__VA_ARGS__}) / sizeof(uint16_t))

static void
test_numeric(void)
{
	unsigned char buf[128];
	sp_fixed	v;
	size_t		len;
	uint16_t	one = 1;
	bool		little = *(unsigned char *) &one == 1;

	/* --- exact encodings (make_result format, dscale 9) --- */
	/* zero: header only, weight 0 */
	CHECK(ENCODE_IS(0, 0x8480));
	/* 1 = [1] weight 0 */
	CHECK(ENCODE_IS(SP_UNIT, 0x8480, 1));
	/* -1 */
	CHECK(ENCODE_IS(-SP_UNIT, 0xA480, 1));
	/* 1e-9 = 0.0000 0000 0100(0) -> weight -3, [1000] */
	CHECK(ENCODE_IS(1, 0x84FD, 1000));
	CHECK(ENCODE_IS(-1, 0xA4FD, 1000));
	/* 0.0001 -> weight -1, [1] */
	CHECK(ENCODE_IS(100000, 0x84FF, 1));
	/* 0.00000001 -> weight -2, [1] */
	CHECK(ENCODE_IS(10, 0x84FE, 1));
	/* 0.5 -> weight -1, [5000] */
	CHECK(ENCODE_IS(SP_UNIT / 2, 0x84FF, 5000));
	/* 1.5 -> [1, 5000] */
	CHECK(ENCODE_IS(UNITS(3) / 2, 0x8480, 1, 5000));
	CHECK(ENCODE_IS(-UNITS(3) / 2, 0xA480, 1, 5000));
	/* 9999.9999 -> [9999, 9999] */
	CHECK(ENCODE_IS((sp_fixed) 99999999 * 100000, 0x8480, 9999, 9999));
	/* 10000 -> weight 1, [1] (trailing zeros stripped) */
	CHECK(ENCODE_IS(UNITS(10000), 0x8481, 1));
	/* 10000.0001 -> weight 1, [1, 0, 1] (inner zero kept) */
	CHECK(ENCODE_IS(UNITS(10000) + 100000, 0x8481, 1, 0, 1));
	/* 12345678.9 -> [1234, 5678, 9000] weight 1 */
	CHECK(ENCODE_IS((sp_fixed) 123456789 * 100000000, 0x8481, 1234, 5678, 9000));
	/* 1.000000001 -> [1, 0, 0, 1000] */
	CHECK(ENCODE_IS(SP_UNIT + 1, 0x8480, 1, 0, 0, 1000));
	/* 0.123456789 -> weight -1, [1234, 5678, 9000] */
	CHECK(ENCODE_IS(123456789, 0x84FF, 1234, 5678, 9000));
	/* SP_FIXED_MAX = 999 9999 9999 . 9999 9999 9(000) -> weight 2 */
	CHECK(ENCODE_IS(SP_FIXED_MAX, 0x8482, 999, 9999, 9999, 9999, 9999, 9000));
	CHECK(ENCODE_IS(-SP_FIXED_MAX, 0xA482, 999, 9999, 9999, 9999, 9999, 9000));
	/* byte by byte on a little-endian host */
	if (little)
	{
		static const unsigned char e1[] = {0x80, 0x84, 0x01, 0x00};
		static const unsigned char e2[] = {0xFD, 0x84, 0xE8, 0x03};
		static const unsigned char e3[] = {0x81, 0xA4, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00};

		CHECK(sp_numeric_encode(SP_UNIT, buf) == 4 && memcmp(buf, e1, 4) == 0);
		CHECK(sp_numeric_encode(1, buf) == 4 && memcmp(buf, e2, 4) == 0);
		CHECK(sp_numeric_encode(-(UNITS(10000) + 100000), buf) == 8 &&
			  memcmp(buf, e3, 8) == 0);
	}

	/* --- round trips and reference encoder --- */
	{
		static const sp_fixed edges[] = {0, 1, -1, 10, 100000, -100000, SP_UNIT, -SP_UNIT,
			(sp_fixed) 99999999 * 100000, (sp_fixed) 10000 * SP_UNIT,
			SP_FIXED_MAX, -SP_FIXED_MAX, SP_FIXED_MAX - 1, 999999999, 1000000000000LL};
		int			bad_ = 0;

		for (int i = 0; i < 40000 + (int) (sizeof(edges) / sizeof(edges[0])); i++)
		{
			sp_fixed	x;
			uint16_t	w[32];
			size_t		nw;
			sp_fixed	back = 12345;
			sp_numeric_result r;

			if (i < (int) (sizeof(edges) / sizeof(edges[0])))
				x = edges[i];
			else if (i & 1)
				x = rnd_signed_amount();
			else
				x = rnd_upto(2 * SP_FIXED_MAX) - SP_FIXED_MAX;
			len = sp_numeric_encode(x, buf);
			if (len > SP_NUMERIC_MAXLEN)
				LOOP_FAIL("encode len %zu", len);
			r = sp_numeric_decode(buf, len, &back);
			if (r != SP_NUM_OK || back != x)
			{
				char		b[64];

				LOOP_FAIL("round trip %s: r=%d", i128str(x, b), r);
			}
			nw = ref_encode(x, w);
			if (!encode_is(x, w, nw))
			{
				char		b[64];

				LOOP_FAIL("encode %s differs from reference", i128str(x, b));
			}
			/* decode from an unaligned address (packed varlena) */
			{
				unsigned char ub[SP_NUMERIC_MAXLEN + 1];

				memcpy(ub + 1, buf, len);
				if (sp_numeric_decode(ub + 1, len, &back) != SP_NUM_OK || back != x)
					LOOP_FAIL("unaligned decode");
			}
		}
		CHECK(bad_ == 0);
	}

	/* --- decode of hand-built images --- */
	/* specials */
	CHECK(DECODE(&v, 0xC000) == SP_NUM_NAN);
	CHECK(DECODE(&v, 0xD000) == SP_NUM_INFINITE);
	CHECK(DECODE(&v, 0xF000) == SP_NUM_INFINITE);
	/* short forms */
	CHECK(DECODE(&v, 0x8480) == SP_NUM_OK && v == 0);
	CHECK(DECODE(&v, 0xA480) == SP_NUM_OK && v == 0);	/* "-0" */
	CHECK(DECODE(&v, 0x8000) == SP_NUM_OK && v == 0);	/* dscale 0 */
	CHECK(DECODE(&v, 0x8480, 1, 5000) == SP_NUM_OK && v == 1500000000);
	CHECK(DECODE(&v, 0x8080, 1, 5000) == SP_NUM_OK && v == 1500000000);	/* dscale 1 */
	CHECK(DECODE(&v, 0xA480, 1, 5000) == SP_NUM_OK && v == -1500000000);
	CHECK(DECODE(&v, 0x84FD, 1000) == SP_NUM_OK && v == 1);
	CHECK(DECODE(&v, 0x8481, 1) == SP_NUM_OK && v == UNITS(10000));
	CHECK(DECODE(&v, 0x8482, 999, 9999, 9999, 9999, 9999, 9000) == SP_NUM_OK &&
		  v == SP_FIXED_MAX);
	CHECK(DECODE(&v, 0xA482, 999, 9999, 9999, 9999, 9999, 9000) == SP_NUM_OK &&
		  v == -SP_FIXED_MAX);
	/* non-canonical but valid: leading/trailing zero digits */
	CHECK(DECODE(&v, 0x8481, 0, 7, 0, 0, 0, 0, 0) == SP_NUM_OK && v == UNITS(7));
	CHECK(DECODE(&v, 0x84FF, 1, 0, 0, 0, 0, 0, 0, 0) == SP_NUM_OK && v == 100000);
	/* long format: sign/dscale word, then int16 weight */
	CHECK(DECODE(&v, 0x0009, 0, 1, 5000) == SP_NUM_OK && v == 1500000000);
	CHECK(DECODE(&v, 0x4009, 0, 1, 5000) == SP_NUM_OK && v == -1500000000);
	CHECK(DECODE(&v, 0x0009, (uint16_t) -3, 1000) == SP_NUM_OK && v == 1);
	CHECK(DECODE(&v, 0x0009, (uint16_t) -1, 1) == SP_NUM_OK && v == 100000);
	CHECK(DECODE(&v, 0x0009, 2, 999, 9999, 9999, 9999, 9999, 9000) == SP_NUM_OK &&
		  v == SP_FIXED_MAX);
	CHECK(DECODE(&v, 0x0009, 0) == SP_NUM_OK && v == 0);
	CHECK(DECODE(&v, 0x0000, 32767, 0) == SP_NUM_OK && v == 0);
	/* long format, huge dscale (beyond the short form's 63) */
	CHECK(DECODE(&v, 0x0064, 0, 3) == SP_NUM_OK && v == UNITS(3));
	/* digits beyond 9 decimals */
	CHECK(DECODE(&v, 0x84FD, 1001) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x84FD, 1) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x84FD, 999) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x84FC, 5000) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x84FF, 1234, 5678, 9100) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x84FF, 1234, 5678, 9000) == SP_NUM_OK && v == 123456789);
	CHECK(DECODE(&v, 0x8480, 1, 0, 0, 1000, 1) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x8480, 1, 0, 0, 1000, 0) == SP_NUM_OK && v == SP_UNIT + 1);
	CHECK(DECODE(&v, 0x0009, (uint16_t) -4, 1) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x4009, (uint16_t) -30000, 1) == SP_NUM_TOO_PRECISE);
	/* short weight -64 (sign bit only) */
	CHECK(DECODE(&v, 0x84C0, 1) == SP_NUM_TOO_PRECISE);
	/* too large */
	CHECK(DECODE(&v, 0x8483, 1) == SP_NUM_OUT_OF_RANGE);	/* 10^12 */
	CHECK(DECODE(&v, 0x8482, 1000) == SP_NUM_OUT_OF_RANGE);	/* 10^11 */
	CHECK(DECODE(&v, 0xA482, 1000) == SP_NUM_OUT_OF_RANGE);
	CHECK(DECODE(&v, 0x8482, 999, 9999, 9999, 9999, 9999, 9000) == SP_NUM_OK);
	CHECK(DECODE(&v, 0x8482, 999, 9999, 9999, 9999, 9999, 9001) == SP_NUM_TOO_PRECISE);
	CHECK(DECODE(&v, 0x84BF, 1) == SP_NUM_OUT_OF_RANGE);	/* weight 63 */
	CHECK(DECODE(&v, 0x0009, 3, 1) == SP_NUM_OUT_OF_RANGE);
	CHECK(DECODE(&v, 0x0009, 32767, 1) == SP_NUM_OUT_OF_RANGE);
	CHECK(DECODE(&v, 0x0009, 1000, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999,
				 9999, 9999, 9999, 9999) == SP_NUM_OUT_OF_RANGE);
	/* malformed: digit >= 10000 or negative */
	CHECK(DECODE(&v, 0x8480, 10000) == SP_NUM_MALFORMED);
	CHECK(DECODE(&v, 0x8480, 1, 10000) == SP_NUM_MALFORMED);
	CHECK(DECODE(&v, 0x8480, 0xFFFF) == SP_NUM_MALFORMED);
	CHECK(DECODE(&v, 0x0009, 0, 0x8000) == SP_NUM_MALFORMED);
	CHECK(DECODE(&v, 0x8480, 9999) == SP_NUM_OK && v == UNITS(9999));
	/* malformed: odd length, truncated buffers */
	len = IMG(buf, 0x8480, 1);
	CHECK(sp_numeric_decode(buf, len - 1, &v) == SP_NUM_MALFORMED);
	CHECK(sp_numeric_decode(buf, 3, &v) == SP_NUM_MALFORMED);
	CHECK(sp_numeric_decode(buf, 1, &v) == SP_NUM_MALFORMED);
	CHECK(sp_numeric_decode(buf, 0, &v) == SP_NUM_MALFORMED);
	len = IMG(buf, 0x0009, 0, 1);
	CHECK(sp_numeric_decode(buf, len, &v) == SP_NUM_OK && v == SP_UNIT);
	CHECK(sp_numeric_decode(buf, 5, &v) == SP_NUM_MALFORMED);
	CHECK(sp_numeric_decode(buf, 3, &v) == SP_NUM_MALFORMED);
	CHECK(sp_numeric_decode(buf, 2, &v) == SP_NUM_MALFORMED);	/* weight missing */
	len = IMG(buf, 0x4009, 0);
	CHECK(sp_numeric_decode(buf, 2, &v) == SP_NUM_MALFORMED);
	/* truncated on a heap buffer of the exact length, so ASan/valgrind see over-reads */
	{
		unsigned char *h;

		len = IMG(buf, 0x8482, 999, 9999, 9999, 9999, 9999, 9000);
		for (size_t l = 0; l <= len; l++)
		{
			sp_numeric_result r;

			h = malloc(l ? l : 1);
			memcpy(h, buf, l);
			r = sp_numeric_decode(h, l, &v);
			CHECK(l < 2 || l % 2 == 1 ? r == SP_NUM_MALFORMED : r == SP_NUM_OK);
			free(h);
		}
		len = IMG(buf, 0x0009, 1, 12, 3456);
		for (size_t l = 0; l <= len; l++)
		{
			sp_numeric_result r;

			h = malloc(l ? l : 1);
			memcpy(h, buf, l);
			r = sp_numeric_decode(h, l, &v);
			CHECK(l < 4 || l % 2 == 1 ? r == SP_NUM_MALFORMED : r == SP_NUM_OK);
			free(h);
		}
		CHECK(v == (sp_fixed) 123456 * SP_UNIT);
	}

	/* random garbage images must not crash and must give a valid code */
	{
		int			bad_ = 0;

		for (int i = 0; i < 100000; i++)
		{
			size_t		l = (size_t) (rnd64() % 24);
			unsigned char *h = malloc(l ? l : 1);
			sp_numeric_result r;

			for (size_t k = 0; k < l; k++)
				h[k] = (unsigned char) rnd64();
			/* bias toward plausible headers and digits */
			if (l >= 2 && (i & 1))
			{
				uint16_t	hd = (uint16_t) (0x8000 | (rnd64() & 0x3FFF));

				memcpy(h, &hd, 2);
				for (size_t k = 2; k + 1 < l; k += 2)
				{
					uint16_t	d = (uint16_t) (rnd64() % 10001);

					memcpy(h + k, &d, 2);
				}
			}
			v = 0;
			r = sp_numeric_decode(h, l, &v);
			if (r < SP_NUM_OK || r > SP_NUM_MALFORMED)
				LOOP_FAIL("bad result code");
			if (r == SP_NUM_OK && (v > SP_FIXED_MAX || v < -SP_FIXED_MAX))
				LOOP_FAIL("decoded value out of range");
			if (r == SP_NUM_OK)
			{
				/* re-encoding and decoding again gives the same value */
				sp_fixed	v2;

				len = sp_numeric_encode(v, buf);
				if (sp_numeric_decode(buf, len, &v2) != SP_NUM_OK || v2 != v)
					LOOP_FAIL("re-encode");
			}
			free(h);
		}
		CHECK(bad_ == 0);
	}
}

/* ------------------------------------------------------------------------
 * transition.c: the stored row (after every BEFORE trigger) and the
 * insert-time bound
 * ------------------------------------------------------------------------ */

static void
test_stored(void)
{
	static const sp_status statuses[] = {SP_ACTIVE, SP_PAUSED, SP_CANCELLED, SP_COMPLETED};
	static const sp_time nows[] = {50 * SEC, 100 * SEC, 150 * SEC, 999 * SEC, 1000 * SEC, 3000 * SEC};
	int			legal = 0;

	/*
	 * Every outcome sp_check_update accepts is a fixed point of
	 * sp_check_stored: whatever the update was, the stored row passes ...
	 */
	for (size_t os = 0; os < (sizeof(statuses) / sizeof(statuses[0])); os++)
		for (size_t ns = 0; ns < (sizeof(statuses) / sizeof(statuses[0])); ns++)
			for (size_t t = 0; t < (sizeof(nows) / sizeof(nows[0])); t++)
				for (int explicit_time = 0; explicit_time < 2; explicit_time++)
					for (int change = 0; change < 4; change++)
					{
						sp_stream	o = ubase();
						sp_update	u;

						o.status = statuses[os];
						u = mku(o, nows[t]);
						u.new.status = statuses[ns];
						if (explicit_time)
						{
							u.lsa_assigned = true;
							u.new.last_settled = nows[t];
						}
						if (change == 1)
							u.new.rate = 2 * SP_UNIT;
						if (change == 2)
							u.new.total = UNITS(3000);
						if (change == 3)
							u.new.has_end = false;
						if (sp_check_update(&u) != SP_OK)
							continue;
						legal++;
						CHECK(sp_check_stored(&o, &u.new, false, u.wall) == SP_OK);

						/* ... and a row changed after the check does not */
						if (u.new.settled != o.settled || u.new.status != o.status)
						{
							sp_stream	tampered = u.new;

							tampered.settled += 1;
							CHECK(sp_check_stored(&o, &tampered, false, u.wall) != SP_OK);
						}
					}
	CHECK(legal > 50);

	/* the case: a cancel turned back into "active" with nothing settled */
	{
		sp_stream	o = ubase();
		sp_update	u = mku(o, 400 * SEC);
		sp_stream	stored;

		u.new.status = SP_CANCELLED;
		CHECK(sp_check_update(&u) == SP_OK);
		CHECK_FIX(u.new.settled, UNITS(300));
		stored = u.new;
		stored.status = SP_ACTIVE;
		stored.settled = 0;
		CHECK(sp_check_stored(&o, &stored, false, u.wall) == SP_RULE_SETTLED_OWNED);
		/* status back to active but the settlement kept: a plain settlement, legal */
		stored.settled = UNITS(300);
		CHECK(sp_check_stored(&o, &stored, false, u.wall) == SP_OK);
		/* a terminal status reached around the graph: paused -> completed */
		o.status = SP_PAUSED;
		stored = o;
		stored.status = SP_COMPLETED;
		CHECK(sp_check_stored(&o, &stored, false, u.wall) == SP_RULE_TRANSITION);
		/* an event time moved back before the old settlement */
		o = ubase();
		stored = o;
		stored.last_settled = 50 * SEC;
		CHECK(sp_check_stored(&o, &stored, false, u.wall) == SP_RULE_CLOCK_BACKWARDS);
		/* or past the wall clock */
		stored.last_settled = u.wall + 1;
		CHECK(sp_check_stored(&o, &stored, false, u.wall) == SP_RULE_EVENT_IN_FUTURE);
		/* a clock stepped back behind the old settlement still allows T = that settlement */
		stored.last_settled = o.last_settled;
		CHECK(sp_check_stored(&o, &stored, false, o.last_settled - SEC) == SP_OK);
	}

	/* insert: last_settled_at up to the wall clock, not one microsecond later */
	{
		sp_stream	s = ubase();

		s.last_settled = 500 * SEC;
		CHECK(sp_check_insert_time(&s, 500 * SEC) == SP_OK);
		CHECK(sp_check_insert_time(&s, 500 * SEC - 1) == SP_RULE_SETTLED_IN_FUTURE);
	}
}

/* ------------------------------------------------------------------------
 * fixed.c: the aggregates' checked addition
 * ------------------------------------------------------------------------ */

static void
test_add(void)
{
	const sp_fixed max = (sp_fixed) (~(sp_ufixed) 0 >> 1);
	const sp_fixed min = -max - 1;
	sp_fixed	r = 7;

	CHECK(sp_fixed_add(SP_FIXED_MAX, SP_FIXED_MAX, &r) && r == 2 * SP_FIXED_MAX);
	CHECK(sp_fixed_add(max - 1, 1, &r) && r == max);
	r = 7;
	CHECK(!sp_fixed_add(max, 1, &r) && r == 7);	/* refused, *out untouched */
	CHECK(!sp_fixed_add(max, max, &r) && r == 7);
	CHECK(sp_fixed_add(min + 1, -1, &r) && r == min);
	CHECK(!sp_fixed_add(min, -1, &r));
	CHECK(sp_fixed_add(max, min, &r) && r == -1);
	/* 1.7e18 rows of the largest amount are needed to get there */
	{
		sp_fixed	acc = 0;
		long long	n = 0;

		while (sp_fixed_add(acc, SP_FIXED_MAX * (sp_fixed) 1000000000000000LL, &acc))
			n++;
		CHECK(n == (long long) (max / (SP_FIXED_MAX * (sp_fixed) 1000000000000000LL)));
	}
}

int
main(void)
{
	test_streamed();
	test_time_to_stream();
	test_format_parse();
	test_status();
	test_accrual();
	test_depletion();
	test_insert();
	test_update();
	test_stored();
	test_add();
	test_numeric();

	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed == 0 ? 0 : 1;
}
