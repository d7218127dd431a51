/*
 * accrual.c
 *	  pending / accrued / refundable / depletion for one stream.
 *
 * pending(t) = min(total - settled,
 *                  trunc9(rate * seconds(min(t, end) - max(last_settled, start))))
 * when active, else 0.  Truncation always favours the payer.
 */
#include "accrual.h"

sp_fixed
sp_pending(const sp_stream *s, sp_time t)
{
	sp_time		from;
	sp_time		to;
	sp_fixed	remaining;

	if (s->status != SP_ACTIVE)
		return 0;
	remaining = s->total - s->settled;
	if (remaining <= 0)
		return 0;
	from = s->last_settled > s->start ? s->last_settled : s->start;
	to = (s->has_end && s->end < t) ? s->end : t;
	if (to <= from)
		return 0;
	/* the difference of two timestamps can exceed int64: widen first */
	return sp_streamed(s->rate, (__int128) to - (__int128) from, remaining);
}

sp_balances
sp_balances_at(const sp_stream *s, sp_time t)
{
	sp_balances b;

	b.pending = sp_pending(s, t);
	b.accrued = s->settled + b.pending;
	b.refundable = s->total - b.accrued;
	return b;
}

sp_fixed
sp_accrued(const sp_stream *s, sp_time t)
{
	return sp_balances_at(s, t).accrued;
}

sp_fixed
sp_refundable(const sp_stream *s, sp_time t)
{
	return sp_balances_at(s, t).refundable;
}

bool
sp_depletion_time(const sp_stream *s, sp_time limit, sp_time *out)
{
	sp_time		from;
	__int128	at;

	if (s->status != SP_ACTIVE)
		return false;
	from = s->last_settled > s->start ? s->last_settled : s->start;
	/* already fully accrued: it got there no later than the anchor */
	if (s->total - s->settled <= 0)
	{
		*out = from;
		return true;
	}
	if (s->rate <= 0)
		return false;
	at = (__int128) from + sp_time_to_stream(s->total - s->settled, s->rate);
	if (at > (__int128) limit)
		return false;
	if (s->has_end && at > (__int128) s->end)
		return false;
	*out = (sp_time) at;
	return true;
}

sp_fixed
sp_settle(sp_stream *s, sp_time t)
{
	sp_fixed	delta = sp_pending(s, t);

	s->settled += delta;
	s->last_settled = t;
	return delta;
}
