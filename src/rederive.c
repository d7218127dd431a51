/*
 * rederive.c
 *	  What the C triggers need to know about chain-ordered ingestion
 *	  (0.6.0): the clock-skew allowance and the rewind step.
 *
 * The order logic itself (which events to replay, what to park) lives in
 * streampay_ingest; each replayed event goes through the ordinary trigger
 * rules.  The one write those rules cannot express is the rewind: putting
 * a stream back to the state recorded after an earlier event so that a
 * late event can be applied at its chain position.  streampay_ingest names
 * the stream in the internal setting streampay.rewind_stream for exactly
 * that one UPDATE; the setting is PGC_SUSET, so only the function's owner
 * (a superuser) can set it, never an ordinary client.
 */
#include "compat.h"

#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "stream_row.h"
#include "streampay.h"

int			sp_max_clock_skew = 60;
char	   *sp_rewind_stream = NULL;
char	   *sp_rederived_event_id = NULL;
char	   *sp_chain_ledger = NULL;
char	   *sp_chain_event_index = NULL;

sp_time
sp_event_time_limit(void)
{
	return (sp_time) GetCurrentTimestamp() + (sp_time) sp_max_clock_skew * USECS_PER_SEC;
}

bool
sp_rewinding(Datum id)
{
	char	   *text;
	bool		match;

	if (sp_rewind_stream == NULL || sp_rewind_stream[0] == '\0' || id == (Datum) 0)
		return false;
	text = DatumGetCString(DirectFunctionCall1(uuid_out, id));
	match = strcmp(text, sp_rewind_stream) == 0;
	pfree(text);
	return match;
}

/*
 * An internal integer setting as the ledger stores it: *out and true when
 * set, false when empty.  streampay_ingest writes these from values it has
 * already checked, so a malformed one is a protocol error, not input.
 */
bool
sp_setting_int64(const char *name, const char *value, int64 *out)
{
	char	   *end;
	long long	v;

	if (value == NULL || value[0] == '\0')
		return false;
	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("internal setting %s has an invalid value \"%s\"", name, value)));
	*out = (int64) v;
	return true;
}
