/*
 * ledger.c
 *	  The append-only event ledger (stream_events).
 *
 * streampay_ledger_trigger(): AFTER INSERT / UPDATE row trigger on streams.
 * It runs after the BEFORE trigger has settled the row, so OLD and NEW say
 * exactly what happened; it appends one row per kind of change (the first
 * carries the settled delta, so per stream the deltas sum to
 * settled_amount).  The insert goes through a saved SPI plan, as the table
 * owner (like a foreign-key check), so writers of streams need no right on
 * the ledger and cannot write it directly.  'actor' is the user whose
 * statement caused the change (for webhook events, the role that called
 * streampay_ingest).
 *
 * streampay_events_append_only(): rejects UPDATE, DELETE and TRUNCATE of
 * stream_events, except DELETE inside streampay_purge_events().
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "errors.h"
#include "stream_row.h"
#include "streampay.h"

#define LEDGER_NARGS 14

typedef struct LedgerCache
{
	bool		valid;
	Oid			nsp;
	Oid			relid;			/* stream_events */
	Oid			owner;
	Oid			status_type;
	SPIPlanPtr	plan;			/* the INSERT */
	SPIPlanPtr	history_plan;	/* does this stream have events already? */
} LedgerCache;

static LedgerCache cache;

void
sp_ledger_invalidate(Oid relid)
{
	/* the saved plan revalidates itself; only the OIDs need refreshing */
	if (relid == InvalidOid || relid == cache.relid)
		cache.valid = false;
}

static void
resolve(Oid nsp, Oid status_type)
{
	Oid			relid = get_relname_relid("stream_events", nsp);
	HeapTuple	tup;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.stream_events\" does not exist",
						get_namespace_name(nsp))));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	cache.owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	if (cache.plan == NULL || cache.nsp != nsp || cache.status_type != status_type)
	{
		Oid			argtypes[LEDGER_NARGS] = {
			UUIDOID, TEXTOID, TIMESTAMPOID, status_type, status_type,
			NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID,
			NAMEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID
		};
		char	   *query;
		SPIPlanPtr	plan;

		query = psprintf("INSERT INTO %s.stream_events (stream_id, event_type, occurred_at, "
						 "from_status, to_status, settled_delta, settled_amount, "
						 "rate_per_second, total_amount, actor, source, external_event_id, "
						 "transaction_hash, payload_digest) VALUES ($1, $2, $3, $4, $5, $6, "
						 "$7, $8, $9, $10, $11, $12, $13, pg_catalog.decode($14, 'hex'))",
						 quote_identifier(get_namespace_name(nsp)));
		plan = SPI_prepare(query, LEDGER_NARGS, argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if (cache.plan != NULL)
			SPI_freeplan(cache.plan);
		cache.plan = plan;

		query = psprintf("SELECT 1 FROM %s.stream_events WHERE stream_id "
						 "OPERATOR(pg_catalog.=) $1 LIMIT 1",
						 quote_identifier(get_namespace_name(nsp)));
		plan = SPI_prepare(query, 1, argtypes);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the stream_events history query");
		if (cache.history_plan != NULL)
			SPI_freeplan(cache.history_plan);
		cache.history_plan = plan;
	}
	cache.nsp = nsp;
	cache.relid = relid;
	cache.status_type = status_type;
	cache.valid = true;
}

typedef struct LedgerRow
{
	const char *type;
	sp_fixed	delta;
} LedgerRow;

static const char *
status_event(sp_status to)
{
	switch (to)
	{
		case SP_ACTIVE:
			return "resumed";
		case SP_PAUSED:
			return "paused";
		case SP_CANCELLED:
			return "cancelled";
		case SP_COMPLETED:
			return "completed";
	}
	return "status_changed";
}

static bool
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

PG_FUNCTION_INFO_V1(streampay_ledger_trigger);
Datum
streampay_ledger_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	const sp_attmap *map;
	Datum	   *nv;
	bool	   *nn;
	sp_stream	old;
	sp_stream	new;
	bool		is_update;
	LedgerRow	rows[6];
	int			nrows = 0;
	Datum		args[LEDGER_NARGS];
	char		argnulls[LEDGER_NARGS];
	bool		webhook;
	Oid			save_userid;
	int			save_sec;
	Oid			status_type;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "streampay_ledger_trigger: not called by trigger manager");
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "streampay_ledger_trigger: must be fired AFTER INSERT or UPDATE, FOR EACH ROW");

	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	map = sp_relation_attmap(rel);
	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);

	nv = palloc(desc->natts * sizeof(Datum));
	nn = palloc(desc->natts * sizeof(bool));
	heap_deform_tuple(is_update ? td->tg_newtuple : td->tg_trigtuple, desc, nv, nn);
	sp_decode_stream(map, nv, nn, &new);

	if (!is_update)
	{
		/* a restored row may carry settlements: record them as settled here */
		rows[nrows++] = (LedgerRow) {"created", new.settled};
		old = new;
	}
	else
	{
		Datum	   *ov = palloc(desc->natts * sizeof(Datum));
		bool	   *on = palloc(desc->natts * sizeof(bool));
		sp_fixed	delta;

		heap_deform_tuple(td->tg_trigtuple, desc, ov, on);
		sp_decode_stream(map, ov, on, &old);
		delta = new.settled - old.settled;
		if (old.status != new.status)
			rows[nrows++] = (LedgerRow) {status_event(new.status), 0};
		if (old.rate != new.rate)
			rows[nrows++] = (LedgerRow) {"rate_changed", 0};
		if (old.total != new.total)
			rows[nrows++] = (LedgerRow) {new.total > old.total ? "topped_up" : "total_reduced", 0};
		if (old.has_end != new.has_end || (new.has_end && old.end != new.end))
			rows[nrows++] = (LedgerRow) {"end_changed", 0};
		if (old.start != new.start)
			rows[nrows++] = (LedgerRow) {"start_changed", 0};
		if (nrows == 0)
			rows[nrows++] = (LedgerRow) {"settled", 0};
		rows[0].delta = delta;
	}

	status_type = TupleDescAttr(desc, map->attnum[SP_COL_STATUS] - 1)->atttypid;
	webhook = nonempty(sp_event_source) && strcmp(sp_event_source, "webhook") == 0;

	/*
	 * The actor: the user whose statement this is.  streampay_ingest runs as
	 * its owner (SECURITY DEFINER), so for webhook events take the role that
	 * called it, outside any security-definer function.
	 */
	args[9] = DirectFunctionCall1(namein,
								  CStringGetDatum(GetUserNameFromId(webhook ? GetOuterUserId() : GetUserId(),
																	false)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!cache.valid || cache.nsp != RelationGetNamespace(rel) ||
		cache.status_type != status_type)
		resolve(RelationGetNamespace(rel), status_type);

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(cache.owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);

	/*
	 * A stream inserted with history already in the ledger is being restored
	 * (pg_dump restores stream_events before streams): its events are there.
	 */
	if (!is_update)
	{
		Datum		idarg[1] = {nv[map->attnum[SP_COL_ID] - 1]};

		if (SPI_execute_plan(cache.history_plan, idarg, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read stream_events");
		if (SPI_processed > 0)
			nrows = 0;
	}

	for (int i = 0; i < nrows; i++)
	{
		bool		first_webhook_row = webhook && i == 0;

		memset(argnulls, ' ', sizeof(argnulls));
		args[0] = nv[map->attnum[SP_COL_ID] - 1];
		args[1] = CStringGetTextDatum(rows[i].type);
		args[2] = is_update ? TimestampGetDatum((Timestamp) new.last_settled)
			: nv[map->attnum[SP_COL_CREATED] - 1];
		args[3] = ObjectIdGetDatum(map->status_oid[old.status]);
		if (!is_update)
			argnulls[3] = 'n';
		args[4] = ObjectIdGetDatum(map->status_oid[new.status]);
		args[5] = sp_fixed_to_datum(rows[i].delta);
		args[6] = sp_fixed_to_datum(new.settled);
		args[7] = sp_fixed_to_datum(new.rate);
		args[8] = sp_fixed_to_datum(new.total);
		args[10] = CStringGetTextDatum(webhook ? "webhook" : "sql");
		args[11] = first_webhook_row && nonempty(sp_external_event_id) ?
			CStringGetTextDatum(sp_external_event_id) : (Datum) 0;
		argnulls[11] = args[11] ? ' ' : 'n';
		args[12] = webhook && nonempty(sp_event_transaction_hash) ?
			CStringGetTextDatum(sp_event_transaction_hash) : (Datum) 0;
		argnulls[12] = args[12] ? ' ' : 'n';
		args[13] = first_webhook_row && nonempty(sp_event_payload_digest) ?
			CStringGetTextDatum(sp_event_payload_digest) : (Datum) 0;
		argnulls[13] = args[13] ? ' ' : 'n';

		if (SPI_execute_plan(cache.plan, args, argnulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not append to stream_events");
	}

	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(streampay_events_append_only);
Datum
streampay_events_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "streampay_events_append_only: not called by trigger manager");

	if (TRIGGER_FIRED_BY_DELETE(td->tg_event) && sp_allow_event_purge)
		return PointerGetDatum(td->tg_trigtuple);

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("stream_events is append-only: %s is not allowed",
					TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "UPDATE" :
					TRIGGER_FIRED_BY_DELETE(td->tg_event) ? "DELETE" : "TRUNCATE"),
			 errhint("A superuser may remove old rows with streampay_purge_events(older_than).")));
	pg_unreachable();
}
