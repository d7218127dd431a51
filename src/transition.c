/*
 * transition.c
 *	  Row rules and settle-before-change.
 *
 * Every status change and every change of rate, end, total or
 * last_settled_at is a settlement event at time T: the stream first
 * settles what it streamed up to T under its OLD terms, then the change
 * applies.  That single rule is what makes paused time free, rate changes
 * prospective, cancel settle before it freezes, and top-ups of a dry stream
 * stream from T on.
 */
#include "transition.h"

/*
 * Value rules shared by INSERT and UPDATE.  An UPDATE's settled amount is
 * recomputed by the settlement, so there the total is checked against the
 * accrued amount instead (SP_RULE_TOTAL_BELOW_ACCRUED).
 */
static sp_rule
check_values(const sp_stream *s, bool check_settled)
{
	if (s->rate < 0)
		return SP_RULE_NEGATIVE_RATE;
	if (s->total < 0)
		return SP_RULE_NEGATIVE_TOTAL;
	if (s->settled < 0)
		return SP_RULE_NEGATIVE_SETTLED;
	if (check_settled && s->settled > s->total)
		return SP_RULE_SETTLED_ABOVE_TOTAL;
	if (s->has_end && s->end <= s->start)
		return SP_RULE_END_NOT_AFTER_START;
	return SP_OK;
}

sp_rule
sp_check_values(const sp_stream *s)
{
	return check_values(s, true);
}

sp_rule
sp_check_insert(sp_stream *s, sp_time now, bool *normalized)
{
	sp_rule		r = check_values(s, true);

	*normalized = false;
	if (r != SP_OK)
		return r;
	if (s->settled == 0 && s->last_settled == now && s->start < now)
	{
		s->last_settled = s->start;
		*normalized = true;
	}
	return SP_OK;
}

sp_rule
sp_check_insert_time(const sp_stream *s, sp_time wall)
{
	return s->last_settled > wall ? SP_RULE_SETTLED_IN_FUTURE : SP_OK;
}

static bool
end_equal(const sp_stream *a, const sp_stream *b)
{
	return a->has_end == b->has_end && (!a->has_end || a->end == b->end);
}

sp_rule
sp_check_update(sp_update *u)
{
	const sp_stream *o = &u->old;
	sp_stream  *n = &u->new;
	bool		status_changed = o->status != n->status;
	bool		rate_changed = o->rate != n->rate;
	bool		end_changed = !end_equal(o, n);
	bool		total_changed = o->total != n->total;
	bool		lsa_changed = o->last_settled != n->last_settled;
	bool		start_changed = o->start != n->start;
	sp_time		T;
	sp_fixed	accrued_at_T;
	sp_rule		r;

	u->settles = false;
	u->delta = 0;
	u->event_time = u->now;

	/* settled_amount belongs to the extension */
	if (o->settled != n->settled)
		return SP_RULE_SETTLED_OWNED;

	if (sp_is_terminal(o->status) && status_changed)
		return SP_RULE_TRANSITION;
	if (sp_is_terminal(o->status) &&
		(rate_changed || end_changed || total_changed ||
		 lsa_changed || start_changed || u->recipient_changed))
		return SP_RULE_TERMINAL_FROZEN;

	r = check_values(n, false);
	if (r != SP_OK)
		return r;

	/*
	 * A start change (allowed only before the start) settles too: moving the
	 * start into the past must not pay for time before the change.
	 */
	u->settles = status_changed || rate_changed || end_changed ||
		total_changed || lsa_changed || start_changed || u->lsa_assigned;

	if (u->lsa_assigned || lsa_changed)
	{
		/* an explicit event time (on-chain): must be a real, past moment */
		T = n->last_settled;
		if (T < o->last_settled)
			return SP_RULE_CLOCK_BACKWARDS;
		if (T > u->wall)
			return SP_RULE_EVENT_IN_FUTURE;
	}
	else
	{
		/*
		 * Implicit event time: the transaction time, but never before the
		 * previous settlement (a transaction that began before a concurrent
		 * settlement committed must not run the stream's clock backwards).
		 */
		T = u->now > o->last_settled ? u->now : o->last_settled;
	}
	u->event_time = T;

	if (start_changed && (T >= o->start))
		return SP_RULE_START_LOCKED;

	if (!u->settles)
		return SP_OK;

	/* settle under the OLD terms */
	u->delta = sp_pending(o, T);
	accrued_at_T = o->settled + u->delta;

	if (status_changed)
	{
		if (!sp_can_transition(o->status, n->status))
			return SP_RULE_TRANSITION;
		if (n->status == SP_COMPLETED &&
			!((n->has_end && T >= n->end) || accrued_at_T >= n->total))
			return SP_RULE_NOT_DONE;
	}
	if (total_changed && n->total < accrued_at_T)
		return SP_RULE_TOTAL_BELOW_ACCRUED;
	if (end_changed && n->has_end && n->end < T)
		return SP_RULE_END_BEFORE_EVENT;

	n->settled = accrued_at_T;
	n->last_settled = T;
	return SP_OK;
}

sp_rule
sp_check_stored(const sp_stream *old, const sp_stream *stored,
				bool recipient_changed, sp_time wall)
{
	sp_update	u;
	sp_rule		r;

	/*
	 * Replay the update with the stored event time as an explicit T: every
	 * path through sp_check_update stores last_settled = T, so the stored
	 * row is a fixed point exactly when it is a legal outcome.
	 */
	u.old = *old;
	u.new = *stored;
	u.new.settled = old->settled;
	u.lsa_assigned = true;
	u.recipient_changed = recipient_changed;
	u.now = stored->last_settled;
	/* an implicit T is never before the old settlement, even if the clock stepped back */
	u.wall = wall > old->last_settled ? wall : old->last_settled;
	r = sp_check_update(&u);
	if (r != SP_OK)
		return r;
	if (u.new.settled != stored->settled)
		return SP_RULE_SETTLED_OWNED;
	return SP_OK;
}
