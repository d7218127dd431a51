/*
 * transition.h
 *	  The rules for writing a stream row: what an INSERT must satisfy, what
 *	  an UPDATE may change in which state, and the settle-before-change step.
 *
 * Pure C: the trigger decodes OLD/NEW into sp_stream and asks here; the
 * answer is a rule code that the glue (errors.c) turns into an ereport.
 */
#ifndef STREAMPAY_TRANSITION_H
#define STREAMPAY_TRANSITION_H

#include "accrual.h"

typedef enum sp_rule
{
	SP_OK = 0,
	SP_RULE_NEGATIVE_RATE,
	SP_RULE_NEGATIVE_TOTAL,
	SP_RULE_NEGATIVE_SETTLED,
	SP_RULE_SETTLED_ABOVE_TOTAL,
	SP_RULE_END_NOT_AFTER_START,
	SP_RULE_SETTLED_OWNED,
	SP_RULE_TERMINAL_FROZEN,
	SP_RULE_CLOCK_BACKWARDS,
	SP_RULE_EVENT_IN_FUTURE,
	SP_RULE_TRANSITION,
	SP_RULE_NOT_DONE,
	SP_RULE_START_LOCKED,
	SP_RULE_TOTAL_BELOW_ACCRUED,
	SP_RULE_END_BEFORE_EVENT,
	SP_RULE_SETTLED_IN_FUTURE
} sp_rule;

typedef struct sp_update
{
	/* inputs */
	sp_stream	old;
	sp_stream	new;			/* the row as the UPDATE wrote it */
	bool		lsa_assigned;	/* the UPDATE's SET list names last_settled_at */
	bool		recipient_changed;	/* frozen once terminal, like money */
	sp_time		now;			/* transaction time, UTC */
	sp_time		wall;			/* wall clock, UTC: no event after it */

	/* outputs, valid when SP_OK is returned */
	bool		settles;		/* this UPDATE is a settlement event */
	sp_time		event_time;		/* T */
	sp_fixed	delta;			/* amount the settlement added */
} sp_update;

/*
 * The value rules every stream row satisfies (what INSERT checks): for rows
 * that did not come from the table (ROW(...), function results).
 */
extern sp_rule sp_check_values(const sp_stream *s);

/*
 * Check an UPDATE and apply settle-before-change: on SP_OK, u->new carries
 * the settled_amount and last_settled_at to store.
 */
extern sp_rule sp_check_update(sp_update *u);

/*
 * Check an INSERT.  Any status is accepted (restores write terminal rows).
 * A row that carries the defaults (settled 0, last_settled_at = the
 * transaction time) accrues from start_time: last_settled is moved back to
 * start when start is earlier, and *normalized says so.
 */
extern sp_rule sp_check_insert(sp_stream *s, sp_time now, bool *normalized);

/*
 * An inserted row's last_settled_at must not be after the wall clock: a
 * stream settled "in the future" would accrue nothing until then (a row
 * that freezes itself).  Restored rows settled in the past pass.
 */
extern sp_rule sp_check_insert_time(const sp_stream *s, sp_time wall);

/*
 * Is 'stored' (the row an UPDATE finally wrote, after every BEFORE trigger)
 * a legal outcome of 'old'?  That is: the status change is allowed, and
 * settled_amount is exactly what settling 'old' at stored->last_settled
 * gives (settle-before-change with that event time).  Another BEFORE
 * trigger that fires after streampay's can change the row it checked; this
 * is the check on what reaches the table.  'wall' bounds the event time
 * (pass the later of the wall clock and the transaction time; the old
 * settlement time is always allowed).
 */
extern sp_rule sp_check_stored(const sp_stream *old, const sp_stream *stored,
							   bool recipient_changed, sp_time wall);

#endif							/* STREAMPAY_TRANSITION_H */
