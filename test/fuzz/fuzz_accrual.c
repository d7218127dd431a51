/*
 * fuzz_accrual.c
 *	  Structured libFuzzer target for src/fixed.c, src/accrual.c and
 *	  src/transition.c.  Built by test/fuzz/run.sh with
 *	  clang -fsanitize=fuzzer,address,undefined; no main().
 *
 * The input is read as a valid stream row followed by up to 16 UPDATEs
 * (any values, any timestamps PostgreSQL can hold).  Properties:
 *	- sp_streamed equals floor(rate * us / 1e6) capped, computed here by a
 *	  split that cannot overflow;
 *	- pending is 0 unless active, never negative, never above
 *	  total - settled, and never decreases as t grows; accrued plus
 *	  refundable is the total;
 *	- sp_time_to_stream and sp_depletion_time return the first microsecond
 *	  at which the amount has streamed, and say "never" only when that is
 *	  true;
 *	- an UPDATE that sp_check_update accepts leaves settled_amount between
 *	  its old value and the total, settles exactly pending(OLD, T), never
 *	  moves last_settled_at backwards or past the wall clock, only follows
 *	  the status graph and never changes a terminal stream's money;
 *	- and the row it produces passes sp_check_stored, the recheck of the
 *	  row finally stored.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accrual.h"
#include "fixed.h"
#include "status.h"
#include "transition.h"

#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
		{ \
			fprintf(stderr, "fuzz_accrual.c:%d: assertion failed: %s\n", \
					__LINE__, #c); \
			abort(); \
		} \
	} while (0)

/* PostgreSQL's timestamp range, microseconds since 2000-01-01 */
#define TS_MIN		((sp_time) -211813488000000000LL)
#define TS_MAX		((sp_time) 9223371331199999999LL)

typedef struct
{
	const uint8_t *p;
	size_t		left;
} input;

static uint64_t
take(input *in, int nbytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < nbytes; i++)
	{
		v <<= 8;
		if (in->left > 0)
		{
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

/* an amount in [0, max], biased toward the interesting ones */
static sp_fixed
take_amount(input *in, sp_fixed max)
{
	uint64_t	sel = take(in, 1);
	sp_ufixed	raw;

	if (max <= 0)
		return 0;
	switch (sel % 8)
	{
		case 0:
			return 0;
		case 1:
			return 1;
		case 2:
			return max;
		case 3:
			raw = take(in, 2) % 1000;
			return (sp_fixed) raw > max ? max : (sp_fixed) raw;
		default:
			raw = ((sp_ufixed) take(in, 8) << 64) | take(in, 8);
			return (sp_fixed) (raw % ((sp_ufixed) max + 1));
	}
}

/* a time near 'base' or anywhere in the range */
static sp_time
take_time(input *in, sp_time base)
{
	uint64_t	sel = take(in, 1);
	__int128	t;

	switch (sel % 8)
	{
		case 0:
			t = base;
			break;
		case 1:
			t = (__int128) base + 1;
			break;
		case 2:
			t = (__int128) base - 1;
			break;
		case 3:
			t = (__int128) base + (__int128) (take(in, 4) % 1000000);
			break;
		case 4:
			t = (__int128) base + (__int128) (take(in, 6) % 3155760000000000ULL);	/* 100 years */
			break;
		case 5:
			t = (sel & 8) ? TS_MAX : TS_MIN;
			break;
		default:
			t = (__int128) TS_MIN + (__int128) (take(in, 8) % (uint64_t) ((__int128) TS_MAX - TS_MIN + 1));
			break;
	}
	if (t < TS_MIN)
		t = TS_MIN;
	if (t > TS_MAX)
		t = TS_MAX;
	return (sp_time) t;
}

/* floor(rate * us / 1e6), capped; rate = a * 1e6 + b keeps every product in range */
static sp_fixed
ref_streamed(sp_fixed rate, __int128 us, sp_fixed cap)
{
	__int128	a = rate / 1000000,
				b = rate % 1000000,
				v;

	if (rate <= 0 || us <= 0 || cap <= 0)
		return 0;
	/* a <= 1e14 and us < 2^64: a * us < 2e33, b * us < 2e25 */
	v = a * us + (b * us) / 1000000;
	return v < cap ? v : cap;
}

static sp_fixed
ref_pending(const sp_stream *s, sp_time t)
{
	sp_time		from = s->last_settled > s->start ? s->last_settled : s->start;
	sp_time		to = (s->has_end && s->end < t) ? s->end : t;

	if (s->status != SP_ACTIVE || to <= from)
		return 0;
	return ref_streamed(s->rate, (__int128) to - from, s->total - s->settled);
}

static void
check_stream(const sp_stream *s, input *in)
{
	sp_time		t1 = take_time(in, s->last_settled);
	sp_time		t2 = take_time(in, t1);
	sp_time		lo = t1 < t2 ? t1 : t2,
				hi = t1 < t2 ? t2 : t1;
	sp_fixed	p1 = sp_pending(s, lo),
				p2 = sp_pending(s, hi);
	sp_time		dep;

	FUZZ_ASSERT(p1 == ref_pending(s, lo));
	FUZZ_ASSERT(p2 == ref_pending(s, hi));
	FUZZ_ASSERT(p1 >= 0 && p1 <= p2);
	FUZZ_ASSERT(p2 <= s->total - s->settled);
	if (s->status != SP_ACTIVE)
		FUZZ_ASSERT(p2 == 0);
	FUZZ_ASSERT(sp_accrued(s, hi) == s->settled + p2);
	FUZZ_ASSERT(sp_accrued(s, hi) + sp_refundable(s, hi) == s->total);

	if (sp_depletion_time(s, TS_MAX, &dep))
	{
		sp_time		from = s->last_settled > s->start ? s->last_settled : s->start;

		FUZZ_ASSERT(s->status == SP_ACTIVE);
		FUZZ_ASSERT(dep >= from && dep <= TS_MAX);
		FUZZ_ASSERT(sp_accrued(s, dep) == s->total);
		if (dep > from)
			FUZZ_ASSERT(sp_accrued(s, dep - 1) < s->total);
	}
	else if (s->status == SP_ACTIVE && s->total > s->settled && s->rate > 0)
	{
		/* never: the end or the end of time comes first */
		sp_time		last = (s->has_end && s->end < TS_MAX) ? s->end : TS_MAX;

		FUZZ_ASSERT(sp_accrued(s, last) < s->total);
	}

	/* the first microsecond at which 'amount' has streamed */
	if (s->rate > 0)
	{
		sp_fixed	amount = take_amount(in, SP_FIXED_MAX);
		__int128	us = sp_time_to_stream(amount, s->rate);

		FUZZ_ASSERT(us >= 0);
		FUZZ_ASSERT(ref_streamed(s->rate, us, SP_FIXED_MAX + 1) >= amount);
		if (us > 0)
			FUZZ_ASSERT(ref_streamed(s->rate, us - 1, SP_FIXED_MAX + 1) < amount);
	}
}

static sp_stream
take_stream(input *in)
{
	sp_stream	s;

	s.status = (sp_status) (take(in, 1) % SP_NSTATUS);
	s.rate = take_amount(in, SP_FIXED_MAX);
	s.start = take_time(in, 0);
	s.has_end = take(in, 1) % 3 != 0;
	s.end = s.has_end ? take_time(in, s.start) : 0;
	if (s.has_end && s.end <= s.start)
	{
		if (s.start == TS_MAX)
			s.has_end = false;
		else
			s.end = s.start + 1;
	}
	s.total = take_amount(in, SP_FIXED_MAX);
	s.settled = take_amount(in, s.total);
	s.last_settled = take_time(in, s.start);
	return s;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input		in = {data, size};
	sp_stream	s = take_stream(&in);
	bool		normalized;
	sp_stream	ins = s;
	sp_time		now = take_time(&in, s.last_settled);

	FUZZ_ASSERT(sp_check_insert(&ins, now, &normalized) == SP_OK);
	check_stream(&ins, &in);

	for (int step = 0; step < 16 && in.left > 0; step++)
	{
		sp_update	u;
		uint64_t	what = take(&in, 2);
		sp_rule		r;

		memset(&u, 0, sizeof(u));
		u.old = ins;
		u.new = ins;
		if (what & 1)
			u.new.status = (sp_status) (take(&in, 1) % SP_NSTATUS);
		if (what & 2)
			u.new.rate = take_amount(&in, SP_FIXED_MAX);
		if (what & 4)
			u.new.total = take_amount(&in, SP_FIXED_MAX);
		if (what & 8)
		{
			u.new.has_end = take(&in, 1) % 4 != 0;
			u.new.end = u.new.has_end ? take_time(&in, ins.last_settled) : 0;
		}
		if (what & 16)
			u.new.start = take_time(&in, ins.last_settled);
		if (what & 32)
			u.new.settled = take_amount(&in, SP_FIXED_MAX);
		if (what & 64)
			u.new.rate = -1 - take_amount(&in, 1000);	/* negative */
		u.lsa_assigned = (what & 128) != 0;
		if (u.lsa_assigned || (what & 256))
			u.new.last_settled = take_time(&in, ins.last_settled);
		u.recipient_changed = (what & 512) != 0;
		u.now = take_time(&in, ins.last_settled);
		u.wall = take_time(&in, u.now);
		if (u.wall < u.now)
			u.wall = u.now;

		r = sp_check_update(&u);
		if (r != SP_OK)
			continue;

		/* accepted: the stored row passes the after-trigger recheck as it is */
		FUZZ_ASSERT(sp_check_stored(&u.old, &u.new, u.recipient_changed,
									u.wall > u.now ? u.wall : u.now) == SP_OK);

		/* accepted: what the README promises of every accepted UPDATE */
		FUZZ_ASSERT(u.old.settled == u.new.settled - u.delta || !u.settles);
		FUZZ_ASSERT(u.new.rate >= 0 && u.new.total >= 0);
		FUZZ_ASSERT(u.new.settled >= u.old.settled);
		FUZZ_ASSERT(u.new.settled <= u.new.total);
		FUZZ_ASSERT(!u.new.has_end || u.new.end > u.new.start);
		if (u.new.status != u.old.status)
			FUZZ_ASSERT(sp_can_transition(u.old.status, u.new.status));
		if (sp_is_terminal(u.old.status))
		{
			FUZZ_ASSERT(u.new.status == u.old.status);
			FUZZ_ASSERT(u.new.rate == u.old.rate && u.new.total == u.old.total);
			FUZZ_ASSERT(u.new.settled == u.old.settled);
			FUZZ_ASSERT(u.new.start == u.old.start);
			FUZZ_ASSERT(u.new.has_end == u.old.has_end &&
						(!u.new.has_end || u.new.end == u.old.end));
			FUZZ_ASSERT(u.new.last_settled == u.old.last_settled);
		}
		if (u.settles)
		{
			FUZZ_ASSERT(u.delta == ref_pending(&u.old, u.event_time));
			FUZZ_ASSERT(u.new.settled == u.old.settled + u.delta);
			FUZZ_ASSERT(u.new.last_settled == u.event_time);
			FUZZ_ASSERT(u.event_time >= u.old.last_settled);
			if (u.lsa_assigned)
				FUZZ_ASSERT(u.event_time <= u.wall);
			if (u.new.status == SP_COMPLETED && u.old.status != SP_COMPLETED)
				FUZZ_ASSERT((u.new.has_end && u.event_time >= u.new.end) ||
							u.new.settled >= u.new.total);
		}
		else
		{
			FUZZ_ASSERT(u.new.settled == u.old.settled);
			FUZZ_ASSERT(u.new.last_settled == u.old.last_settled);
		}
		ins = u.new;
		check_stream(&ins, &in);
	}
	return 0;
}
