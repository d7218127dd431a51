/*
 * errors.c
 *	  Rule code -> ereport.  SQLSTATEs, by family:
 *
 *	  23514 check_violation            a value rule (negative, NaN, end before
 *	                                   start, total below accrued, ...)
 *	  55000 object_not_in_prerequisite_state
 *	                                   a state rule (status graph, completing
 *	                                   early, terminal rows, started streams)
 *	  428C9 generated_always           a column only the extension writes
 *	                                   (settled_amount) or nobody changes
 *	                                   (id, payer, chain_id, created_at)
 *	  22023 invalid_parameter_value    an event time before the last
 *	                                   settlement or in the future
 *	  22008 datetime_field_overflow    an infinite timestamp
 *	  22003 numeric_value_out_of_range a number outside decimal(20,9)
 *	  P0002 no_data_found              an unknown stream id
 */
#include "errors.h"

#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

char *
sp_id_text(Datum stream_id)
{
	if (stream_id == (Datum) 0)
		return "(no id)";
	return DatumGetCString(DirectFunctionCall1(uuid_out, stream_id));
}

char *
sp_time_text(sp_time t)
{
	return DatumGetCString(DirectFunctionCall1(timestamp_out,
											   TimestampGetDatum((Timestamp) t)));
}

static char *
money_text(sp_fixed v)
{
	return sp_fixed_format(v, palloc(SP_FIXED_BUFLEN));
}

static const char *
status_text(sp_status s)
{
	return sp_status_names[s];
}

/* '"paused", "cancelled" or "completed"': the statuses reachable from 'from'. */
static char *
allowed_targets(sp_status from)
{
	StringInfoData buf;
	int			n = 0;

	int			total = 0;

	for (int to = 0; to < SP_NSTATUS; to++)
		total += sp_can_transition(from, (sp_status) to);
	initStringInfo(&buf);
	for (int to = 0; to < SP_NSTATUS; to++)
	{
		if (!sp_can_transition(from, (sp_status) to))
			continue;
		n++;
		appendStringInfo(&buf, "%s\"%s\"",
						 n == 1 ? "" : (n == total ? " or " : ", "),
						 sp_status_names[to]);
	}
	return buf.data;
}

void
sp_report_trigger_protocol(const char *function, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("%s: %s", function, what)));
	pg_unreachable();
}

void
sp_report_immutable(Datum stream_id, const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_GENERATED_ALWAYS),
			 errmsg("stream %s: column \"%s\" cannot be changed",
					sp_id_text(stream_id), column),
			 errdetail("id, payer, chain_id and created_at are fixed when a stream is created."),
			 errhint("Create a new stream instead.")));
	pg_unreachable();
}

void
sp_report_rule(sp_rule rule, Datum stream_id, const sp_stream *old,
			   const sp_stream *new, const sp_update *u)
{
	const char *id = sp_id_text(stream_id);

	switch (rule)
	{
		case SP_OK:
			break;
		case SP_RULE_NEGATIVE_RATE:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: rate_per_second must not be negative", id),
					 errdetail("rate_per_second is %s.", money_text(new->rate))));
			break;
		case SP_RULE_NEGATIVE_TOTAL:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: total_amount must not be negative", id),
					 errdetail("total_amount is %s.", money_text(new->total))));
			break;
		case SP_RULE_NEGATIVE_SETTLED:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: settled_amount must not be negative", id),
					 errdetail("settled_amount is %s.", money_text(new->settled))));
			break;
		case SP_RULE_SETTLED_ABOVE_TOTAL:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: settled_amount must not exceed total_amount", id),
					 errdetail("settled_amount is %s, total_amount is %s.",
							   money_text(new->settled), money_text(new->total))));
			break;
		case SP_RULE_END_NOT_AFTER_START:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: end_time must be after start_time", id),
					 errdetail("start_time is %s, end_time is %s.",
							   sp_time_text(new->start), sp_time_text(new->end))));
			break;
		case SP_RULE_SETTLED_OWNED:
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("stream %s: settled_amount cannot be updated directly", id),
					 errdetail("settled_amount is %s; the update wrote %s.",
							   money_text(old->settled), money_text(new->settled)),
					 errhint("streampay maintains settled_amount: settle with streampay_settle() or by setting last_settled_at.")));
			break;
		case SP_RULE_TERMINAL_FROZEN:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stream %s: a %s stream cannot change", id,
							status_text(old->status)),
					 errdetail("\"%s\" is a terminal status: only metadata, transaction_hash and contract_address may still change.",
							   status_text(old->status))));
			break;
		case SP_RULE_CLOCK_BACKWARDS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stream %s: event time is before the last settlement", id),
					 errdetail("last_settled_at is %s, the event time is %s.",
							   sp_time_text(old->last_settled), sp_time_text(new->last_settled)),
					 errhint("A stream's clock never runs backwards.")));
			break;
		case SP_RULE_EVENT_IN_FUTURE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stream %s: event time is in the future", id),
					 errdetail("The event time is %s; the latest allowed is %s (UTC): the current time plus streampay.max_clock_skew.",
							   sp_time_text(new->last_settled), sp_time_text(u->wall)),
					 errhint("A stream can only settle what has already streamed.")));
			break;
		case SP_RULE_TRANSITION:
			if (sp_is_terminal(old->status))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("stream %s: cannot change status from \"%s\" to \"%s\"",
								id, status_text(old->status), status_text(new->status)),
						 errdetail("\"%s\" is a terminal status.", status_text(old->status))));
			else
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("stream %s: cannot change status from \"%s\" to \"%s\"",
								id, status_text(old->status), status_text(new->status)),
						 errdetail("A \"%s\" stream may only become %s.",
								   status_text(old->status), allowed_targets(old->status))));
			break;
		case SP_RULE_NOT_DONE:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stream %s: cannot complete a stream that is not done", id),
					 errdetail("At %s the stream has accrued %s of %s and %s.",
							   sp_time_text(u->event_time),
							   money_text(old->settled + u->delta),
							   money_text(new->total),
							   new->has_end ?
							   psprintf("ends at %s", sp_time_text(new->end)) :
							   "has no end_time"),
					 errhint("Cancel the stream instead (status 'cancelled', or streampay_cancel()).")));
			break;
		case SP_RULE_START_LOCKED:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stream %s: start_time cannot change after the stream has started", id),
					 errdetail("The stream started at %s.", sp_time_text(old->start))));
			break;
		case SP_RULE_TOTAL_BELOW_ACCRUED:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: total_amount cannot fall below the accrued amount", id),
					 errdetail("At %s the stream has accrued %s; the new total_amount is %s.",
							   sp_time_text(u->event_time),
							   money_text(old->settled + u->delta),
							   money_text(new->total))));
			break;
		case SP_RULE_END_BEFORE_EVENT:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: end_time cannot move before the time of the change", id),
					 errdetail("The new end_time is %s, the change happens at %s.",
							   sp_time_text(new->end), sp_time_text(u->event_time))));
			break;
		case SP_RULE_SETTLED_IN_FUTURE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stream %s: last_settled_at is in the future", id),
					 errdetail("last_settled_at is %s; the latest allowed is %s (UTC): the current time plus streampay.max_clock_skew.",
							   sp_time_text(new->last_settled), sp_time_text(u->wall)),
					 errhint("A stream settled in the future would accrue nothing until then; leave last_settled_at to its default.")));
			break;
	}
	elog(ERROR, "unexpected streampay rule code %d", (int) rule);
	pg_unreachable();
}
