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

/* ereport(ERROR) for a rule violation on an INSERT (update == NULL) or UPDATE. */
extern void sp_report_rule(sp_rule rule, Datum stream_id, const sp_stream *old,
						   const sp_stream *new, const sp_update *update)
			pg_attribute_noreturn();

/* ereport(ERROR) for an immutable column changed by an UPDATE. */
extern void sp_report_immutable(Datum stream_id, const char *column)
			pg_attribute_noreturn();

#endif							/* STREAMPAY_ERRORS_H */
