/*
 * errors.h
 *	  One place that maps core rule codes to SQLSTATE, message, detail, hint.
 */
#ifndef STREAMPAY_ERRORS_H
#define STREAMPAY_ERRORS_H

#include "compat.h"

#include "transition.h"

/* Text form of a stream id for messages ("(unknown)" when not a uuid). */
extern char *sp_id_text(Datum stream_id);
/* a time as timestamp_out writes it, for messages */
extern char *sp_time_text(sp_time t);

/* ereport(ERROR) for a rule violation on an INSERT (update == NULL) or UPDATE. */
pg_noreturn extern void sp_report_rule(sp_rule rule, Datum stream_id,
									   const sp_stream *old, const sp_stream *new,
									   const sp_update *update);

/* ereport(ERROR, 39P01) for a trigger function fired the wrong way. */
pg_noreturn extern void sp_report_trigger_protocol(const char *function, const char *what);

/* ereport(ERROR) for an immutable column changed by an UPDATE. */
pg_noreturn extern void sp_report_immutable(Datum stream_id, const char *column);

#endif							/* STREAMPAY_ERRORS_H */
