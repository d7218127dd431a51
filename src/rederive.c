/*
 * rederive.c
 *	  What the C triggers need to know about chain-ordered ingestion
 *	  (0.6.0): the clock-skew allowance, the rewind step, and the settings
 *	  that carry an event's context to the triggers (on every Citus node).
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

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "citus.h"
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

/*
 * streampay_set_event_context(names text[], vals text[]): set the internal
 * settings that tell the triggers what the current write is (a webhook
 * event, its id, a replay, a rewind), for the rest of the transaction.
 *
 * On one node that is set_config(name, value, true).  When the extension's
 * streams table is distributed with Citus the triggers fire on the workers,
 * which set_config() never reaches: there each setting is made with a SET
 * LOCAL statement, which Citus forwards to the workers of the transaction
 * when citus.propagate_set_commands is 'local' (required, else 55000: the
 * ledger would record webhook events as plain SQL changes).  One call sets
 * them all, so streampay_ingest pays one function call per event.
 */
static void
set_context_now(Oid streams, int n, const char *const *names, const char *const *values)
{
	bool		distributed = sp_citus_distributed(streams);

	if (distributed)
	{
		const char *propagate = GetConfigOption("citus.propagate_set_commands", true, false);

		if (propagate == NULL || strcmp(propagate, "local") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("streams is distributed with Citus, but citus.propagate_set_commands is not 'local'"),
					 errdetail("The ledger is written on the workers, which would not learn what the change is (a webhook event, a replay)."),
					 errhint("ALTER SYSTEM SET citus.propagate_set_commands = 'local'; SELECT pg_reload_conf(); on the coordinator.")));
		if (SPI_connect() != SPI_OK_CONNECT)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("streampay_set_event_context: SPI_connect failed")));
	}
	for (int i = 0; i < n; i++)
	{
		const char *name = names[i];
		const char *value = values[i] == NULL ? "" : values[i];

		/* only streampay's own settings: this is not a general SET */
		if (strncmp(name, "streampay.", 10) != 0 || name[10] == '\0' ||
			strspn(name + 10, "abcdefghijklmnopqrstuvwxyz_") != strlen(name + 10))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("streampay_set_event_context: \"%s\" is not a streampay setting", name)));
		if (distributed)
		{
			char	   *stmt = psprintf("SET LOCAL %s = %s", name, quote_literal_cstr(value));

			if (SPI_execute(stmt, false, 0) != SPI_OK_UTILITY)
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("streampay_set_event_context: %s failed", stmt)));
		}
		else
			(void) set_config_option(name, value,
									 superuser() ? PGC_SUSET : PGC_USERSET,
									 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	}
	if (distributed)
		SPI_finish();
}

/*
 * The same from C.  On a Citus cluster it goes through the SQL function:
 * Citus forwards a SET LOCAL to the workers only inside a transaction
 * block or a function a statement calls (its "multi-statement
 * transaction"), and a SET LOCAL issued from C directly under a
 * single-statement transaction's top-level query is neither.
 */
void
sp_set_event_context(Oid streams, int n, const char *const *names, const char *const *values)
{
	Datum	   *nd;
	Datum	   *vd;
	Oid			argtypes[2] = {TEXTARRAYOID, TEXTARRAYOID};
	Datum		args[2];
	char	   *query;

	if (!sp_citus_distributed(streams))
	{
		set_context_now(streams, n, names, values);
		return;
	}
	nd = palloc(sizeof(Datum) * Max(n, 1));
	vd = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		nd[i] = CStringGetTextDatum(names[i]);
		vd[i] = CStringGetTextDatum(values[i] == NULL ? "" : values[i]);
	}
	args[0] = PointerGetDatum(construct_array(nd, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(vd, n, TEXTOID, -1, false, TYPALIGN_INT));
	query = psprintf("SELECT %s.streampay_set_event_context($1, $2)",
					 quote_identifier(get_namespace_name(get_rel_namespace(streams))));
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("streampay_set_event_context: SPI_connect failed")));
	if (SPI_execute_with_args(query, 2, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("streampay_set_event_context: %s failed", query)));
	SPI_finish();
}

PG_FUNCTION_INFO_V1(streampay_set_event_context);
Datum
streampay_set_event_context(PG_FUNCTION_ARGS)
{
	ArrayType  *names_arr = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *vals_arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *names;
	Datum	   *vals;
	bool	   *names_null;
	bool	   *vals_null;
	int			n;
	int			nv;
	const char **name_s;
	const char **value_s;

	deconstruct_array(names_arr, TEXTOID, -1, false, TYPALIGN_INT, &names, &names_null, &n);
	deconstruct_array(vals_arr, TEXTOID, -1, false, TYPALIGN_INT, &vals, &vals_null, &nv);
	if (n != nv)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("streampay_set_event_context: %d names but %d values", n, nv)));

	/* the extension's streams, once per call site (Citus' answer is cached in citus.c) */
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		Oid		   *cached = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid));

		*cached = get_relname_relid("streams", get_func_namespace(fcinfo->flinfo->fn_oid));
		fcinfo->flinfo->fn_extra = cached;
	}
	name_s = palloc(sizeof(char *) * Max(n, 1));
	value_s = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (names_null[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("streampay_set_event_context: a setting name is NULL")));
		name_s[i] = TextDatumGetCString(names[i]);
		value_s[i] = vals_null[i] ? "" : TextDatumGetCString(vals[i]);
	}
	set_context_now(*(Oid *) fcinfo->flinfo->fn_extra, n, name_s, value_s);
	PG_RETURN_VOID();
}
