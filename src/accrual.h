/*
 * accrual.h
 *	  The money model of a stream (Sablier-Flow-style snapshot): what has
 *	  been settled, what is pending, what is refundable, when it runs dry.
 *
 * Pure C.  Times are microseconds since 2000-01-01 00:00:00 UTC (the same
 * integer PostgreSQL stores in a timestamp), amounts are sp_fixed units.
 */
#ifndef STREAMPAY_ACCRUAL_H
#define STREAMPAY_ACCRUAL_H

#include "fixed.h"
#include "status.h"

typedef int64_t sp_time;		/* microseconds, UTC */

typedef struct sp_stream
{
	sp_status	status;
	sp_fixed	rate;			/* units per second */
	sp_time		start;
	bool		has_end;		/* false: indefinite stream */
	sp_time		end;
	sp_fixed	total;
	sp_fixed	settled;		/* settled to the recipient as of last_settled */
	sp_time		last_settled;
} sp_stream;

/* Amount streamed since the last settlement and not yet settled, at t. */
extern sp_fixed sp_pending(const sp_stream *s, sp_time t);

/* settled + pending(t); never above total. */
extern sp_fixed sp_accrued(const sp_stream *s, sp_time t);

/* total - accrued(t): what would go back to the payer on cancel at t. */
extern sp_fixed sp_refundable(const sp_stream *s, sp_time t);

/* The three at once, from one sp_pending (streampay_account's aggregate). */
typedef struct sp_balances
{
	sp_fixed	pending;
	sp_fixed	accrued;
	sp_fixed	refundable;
} sp_balances;

extern sp_balances sp_balances_at(const sp_stream *s, sp_time t);

/*
 * When accrued reaches total if nothing changes (max(last_settled, start)
 * when it already has).  Returns false when it never will: not active,
 * rate 0, the end comes first, or the time lies beyond 'limit' (the last
 * representable timestamp).
 */
extern bool sp_depletion_time(const sp_stream *s, sp_time limit, sp_time *out);

/* Settle at t: settled += pending(t), last_settled = t.  Returns the delta. */
extern sp_fixed sp_settle(sp_stream *s, sp_time t);

#endif							/* STREAMPAY_ACCRUAL_H */
