/*
 * ledger.c
 *	  The append-only event ledger (stream_events).
 *
 * streampay_ledger_trigger(): AFTER INSERT / UPDATE row trigger on streams.
 * It runs after the BEFORE trigger has settled the row, so OLD and NEW say
 * exactly what happened; it appends one row per kind of change (the first
 * carries the settled delta, so per stream the deltas sum to
 * settled_amount).  It inserts straight through the executor's
 * single-row insert path, as the table owner (like a foreign-key check), so
 * writers of streams need no right on the ledger and cannot write it
 * directly.  'actor' is the user whose
 * statement caused the change (for webhook events, the role that called
 * streampay_ingest).
 *
 * streampay_events_append_only(): rejects UPDATE, DELETE and TRUNCATE of
 * stream_events, except DELETE inside streampay_purge_events().
 */
#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "errors.h"
#include "kept.h"
#include "stream_row.h"
#include "streampay.h"

/*
 * The columns the trigger fills, by name; stream_events' other columns
 * (event_id, recorded_at, and any a user adds) get their defaults.
 */
typedef enum LedgerCol
{
	LC_STREAM_ID,
	LC_EVENT_TYPE,
	LC_OCCURRED_AT,
	LC_FROM_STATUS,
	LC_TO_STATUS,
	LC_SETTLED_DELTA,
	LC_SETTLED_AMOUNT,
	LC_RATE,
	LC_TOTAL,
	LC_ACTOR,
	LC_SOURCE,
	LC_EXTERNAL_EVENT_ID,
	LC_TRANSACTION_HASH,
	LC_PAYLOAD_DIGEST,
	LC_NCOLS
} LedgerCol;

static const char *const ledger_colnames[LC_NCOLS] = {
	"stream_id", "event_type", "occurred_at", "from_status", "to_status",
	"settled_delta", "settled_amount", "rate_per_second", "total_amount",
	"actor", "source", "external_event_id", "transaction_hash", "payload_digest"
};

typedef struct LedgerCache
{
	bool		valid;
	Oid			nsp;
	Oid			relid;			/* stream_events */
	Oid			owner;
	Oid			status_type;	/* the type of from_status and to_status */
	AttrNumber	attnum[LC_NCOLS];
	int32		hash_typmod;	/* transaction_hash's declared length */
	Oid			history_index;	/* btree led by stream_id, or InvalidOid */
} LedgerCache;

static LedgerCache cache;

/* bumped whenever the cache is reset: open writers from before are stale */
static uint64 cache_generation = 0;

void
sp_ledger_invalidate(Oid relid)
{
	/*
	 * Only mark the cache stale: a call in progress keeps using what it
	 * resolved (it holds the lock that keeps stream_events' definition
	 * stable); the next one rebuilds it.
	 */
	if (relid == InvalidOid || relid == cache.relid)
	{
		cache.valid = false;
		cache_generation++;
	}
}

/*
 * A plain btree whose first column is stream_id (stream_events_stream_id_idx
 * as installed), for the history probe; InvalidOid if there is none, and
 * the probe scans the table.
 */
static Oid
history_index(Relation rel, AttrNumber stream_id)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		bool		fits = idx->rd_rel->relam == BTREE_AM_OID &&
			idx->rd_index->indkey.values[0] == stream_id &&
			RelationGetIndexPredicate(idx) == NIL &&
			TupleDescAttr(RelationGetDescr(idx), 0)->atttypid == UUIDOID;

		index_close(idx, AccessShareLock);
		if (fits)
		{
			found = lfirst_oid(lc);
			break;
		}
	}
	list_free(indexes);
	return found;
}

/*
 * Resolve stream_events in nsp: its columns by name, its owner, and the
 * index the history probe uses.
 */
static void
resolve(Oid nsp)
{
	Oid			relid = get_relname_relid("stream_events", nsp);
	Relation	rel;
	TupleDesc	desc;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.stream_events\" does not exist",
						get_namespace_name(nsp))));
	cache.valid = false;
	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	if (rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s.stream_events\" is not a plain table",
						get_namespace_name(nsp))));

	for (int c = 0; c < LC_NCOLS; c++)
	{
		cache.attnum[c] = InvalidAttrNumber;
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), ledger_colnames[c]) == 0)
				cache.attnum[c] = att->attnum;
		}
		if (cache.attnum[c] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s.stream_events\" does not exist",
							ledger_colnames[c], get_namespace_name(nsp))));
	}
	if (TupleDescAttr(desc, cache.attnum[LC_STREAM_ID] - 1)->atttypid != UUIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"stream_id\" of relation \"%s.stream_events\" is not of type uuid",
						get_namespace_name(nsp))));
	cache.hash_typmod = TupleDescAttr(desc, cache.attnum[LC_TRANSACTION_HASH] - 1)->atttypmod;
	cache.status_type = TupleDescAttr(desc, cache.attnum[LC_TO_STATUS] - 1)->atttypid;
	cache.history_index = history_index(rel, cache.attnum[LC_STREAM_ID]);
	cache.owner = rel->rd_rel->relowner;
	table_close(rel, NoLock);

	cache.nsp = nsp;
	cache.relid = relid;
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

/*
 * The ledger is appended to the way logical replication applies a row:
 * straight into the heap and its indexes through the executor's
 * ExecSimpleRelationInsert, which still checks the table's constraints (NOT
 * NULL, CHECK, the unique external_event_id), fires any row triggers a user
 * put on stream_events, and evaluates the column defaults (the identity's
 * nextval, recorded_at's clock).  No plan and no SPI: a saved-plan INSERT
 * paid an executor start-up and shut-down per event.
 *
 * The writer (executor state, the table and its indexes open, constraints
 * and defaults compiled) is set up once per statement on streams and kept
 * in the trigger's fn_extra until that statement's executor goes away
 * (kept.c closes it in time, also on commit and before DDL).
 *
 * Like a foreign-key check, the append is the extension's own bookkeeping:
 * it runs as the ledger's owner and row-level security on stream_events
 * does not apply to it.
 */
typedef struct LedgerWriter
{
	sp_kept		kept;			/* first: a LedgerWriter is an sp_kept */
	uint64		generation;
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
	ExprState **defaults;		/* per attribute the trigger does not fill */
} LedgerWriter;

static void
writer_close(sp_kept *k)
{
	LedgerWriter *w = (LedgerWriter *) k;

	/*
	 * An error in writer_open may leave it half built.  Closing the result
	 * relations closes the ledger's indexes and whatever relations firing a
	 * user's AFTER trigger on stream_events opened.
	 */
	if (w->estate != NULL)
		sp_estate_close_result_rels(w->estate, w->rri);
	if (w->rel != NULL)
		table_close(w->rel, NoLock);
	if (w->estate != NULL)
	{
		ExecResetTupleTable(w->estate->es_tupleTable, false);
		FreeExecutorState(w->estate);
	}
	w->rri = NULL;
	w->rel = NULL;
	w->estate = NULL;
}

/*
 * The default of each column the trigger does not fill (the identity's
 * nextval, recorded_at's clock, and those of any column a user adds),
 * compiled in estate; NULL where there is none.
 */
static ExprState **
writer_defaults(Relation rel, EState *estate)
{
	TupleDesc	desc = RelationGetDescr(rel);
	ExprState **defaults = palloc0(desc->natts * sizeof(ExprState *));

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		filled = false;
		Node	   *expr;

		for (int c = 0; c < LC_NCOLS; c++)
			filled |= cache.attnum[c] == att->attnum;
		if (filled || att->attisdropped || att->attgenerated)
			continue;
		expr = build_column_default(rel, att->attnum);
		if (expr != NULL)
			defaults[i] = ExecPrepareExpr((Expr *) expr, estate);
	}
	return defaults;
}

static void
writer_open(LedgerWriter *w, MemoryContext cxt)
{
	ResourceOwner caller;
	MemoryContext oldcxt;

	/*
	 * Not in cxt: a context's children are deleted before its reset
	 * callbacks run, and the executor state must outlive cxt's callback that
	 * frees it.  After an abort that forgot the writer, the transaction's
	 * context takes it away.
	 */
	w->estate = NULL;
	w->rel = NULL;
	w->rri = NULL;
	oldcxt = MemoryContextSwitchTo(CurTransactionContext);
	caller = sp_kept_begin(&w->kept, cxt, writer_close);
	PG_TRY();
	{
		w->estate = CreateExecutorState();
		MemoryContextSwitchTo(w->estate->es_query_cxt);
		w->rel = table_open(cache.relid, RowExclusiveLock);
		w->rri = makeNode(ResultRelInfo);
		InitResultRelInfo(w->rri, w->rel, 0, NULL, 0);
		/* so that firing AFTER triggers on it finds it rather than reopening it */
		sp_estate_add_result_rel(w->estate, w->rri);
		ExecOpenIndices(w->rri, false);
		w->slot = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(w->rel), &TTSOpsVirtual);
		w->defaults = writer_defaults(w->rel, w->estate);
		w->generation = cache_generation;
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = caller;
		MemoryContextSwitchTo(oldcxt);
	}
	PG_END_TRY();
}

static void
ledger_append(LedgerWriter *w, const sp_attmap *map, const Datum *nv,
			  const sp_stream *old, const sp_stream *new, bool is_update,
			  bool webhook, Datum actor, const LedgerRow *rows, int nrows)
{
	EState	   *estate = w->estate;
	TupleTableSlot *slot = w->slot;
	ExprContext *econtext = GetPerTupleExprContext(estate);
	int			natts = slot->tts_tupleDescriptor->natts;
	Datum	   *values = slot->tts_values;
	bool	   *isnull = slot->tts_isnull;
	Datum		hash = (Datum) 0;
	ResourceOwner caller;

	if (webhook && nonempty(sp_event_transaction_hash))
	{
		/* the GUC is internal, but keep varchar(n)'s promise anyway */
		if (cache.hash_typmod >= (int32) VARHDRSZ &&
			strlen(sp_event_transaction_hash) > (size_t) (cache.hash_typmod - VARHDRSZ))
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("ledger event for stream %s: transaction hash is longer than %d characters",
							DatumGetCString(DirectFunctionCall1(uuid_out,
																nv[map->attnum[SP_COL_ID] - 1])),
							cache.hash_typmod - (int32) VARHDRSZ)));
		hash = CStringGetTextDatum(sp_event_transaction_hash);
	}

	estate->es_output_cid = GetCurrentCommandId(true);

	/*
	 * What the inserts pin or open for the writer's lifetime (the slots the
	 * executor makes on first use for user triggers, say) must belong to the
	 * writer's owner, which releases them when the writer closes.
	 */
	caller = CurrentResourceOwner;
	CurrentResourceOwner = w->kept.owner;
	/* row triggers a user may have put on stream_events fire at its end */
	AfterTriggerBeginQuery();
	for (int i = 0; i < nrows; i++)
	{
		bool		first_webhook_row = webhook && i == 0;

		ExecClearTuple(slot);
		for (int a = 0; a < natts; a++)
		{
			isnull[a] = true;
			values[a] = (Datum) 0;
			if (w->defaults[a] != NULL)
				values[a] = ExecEvalExprSwitchContext(w->defaults[a], econtext, &isnull[a]);
		}
#define SET(col, datum) (values[cache.attnum[col] - 1] = (datum), isnull[cache.attnum[col] - 1] = false)
		SET(LC_STREAM_ID, nv[map->attnum[SP_COL_ID] - 1]);
		SET(LC_EVENT_TYPE, CStringGetTextDatum(rows[i].type));
		SET(LC_OCCURRED_AT, is_update ? TimestampGetDatum((Timestamp) new->last_settled)
			: nv[map->attnum[SP_COL_CREATED] - 1]);
		if (is_update)
			SET(LC_FROM_STATUS, ObjectIdGetDatum(map->status_oid[old->status]));
		SET(LC_TO_STATUS, ObjectIdGetDatum(map->status_oid[new->status]));
		SET(LC_SETTLED_DELTA, sp_fixed_to_datum(rows[i].delta));
		SET(LC_SETTLED_AMOUNT, sp_fixed_to_datum(new->settled));
		SET(LC_RATE, sp_fixed_to_datum(new->rate));
		SET(LC_TOTAL, sp_fixed_to_datum(new->total));
		SET(LC_ACTOR, actor);
		SET(LC_SOURCE, CStringGetTextDatum(webhook ? "webhook" : "sql"));
		if (first_webhook_row && nonempty(sp_external_event_id))
			SET(LC_EXTERNAL_EVENT_ID, CStringGetTextDatum(sp_external_event_id));
		if (hash != (Datum) 0)
			SET(LC_TRANSACTION_HASH, hash);
		if (first_webhook_row && nonempty(sp_event_payload_digest))
			SET(LC_PAYLOAD_DIGEST,
				DirectFunctionCall2(binary_decode,
									CStringGetTextDatum(sp_event_payload_digest),
									CStringGetTextDatum("hex")));
#undef SET
		ExecStoreVirtualTuple(slot);
		sp_exec_simple_insert(w->rri, estate, slot);
		ExecClearTuple(slot);
		ResetPerTupleExprContext(estate);
	}
	AfterTriggerEndQuery(estate);
	CurrentResourceOwner = caller;
}

/*
 * Does stream 'id' have events already?  Read under the statement's
 * snapshot, like the rest of the trigger, through the writer's open table.
 */
static bool
has_history(const LedgerWriter *w, Datum id)
{
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	/* systable_beginscan maps the heap attnum to the index column */
	ScanKeyInit(&key, cache.attnum[LC_STREAM_ID], BTEqualStrategyNumber, F_UUID_EQ, id);
	scan = systable_beginscan(w->rel, cache.history_index, OidIsValid(cache.history_index),
							  GetActiveSnapshot(), 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	return found;
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
	Datum		actor;
	LedgerWriter *w;
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
	actor = DirectFunctionCall1(namein,
								CStringGetDatum(GetUserNameFromId(webhook ? GetOuterUserId() : GetUserId(),
																  false)));

	/* taking the lock may process invalidations: resolve until stable */
	w = (LedgerWriter *) fcinfo->flinfo->fn_extra;
	for (;;)
	{
		if (!cache.valid || cache.nsp != RelationGetNamespace(rel))
			resolve(RelationGetNamespace(rel));
		if (w != NULL && w->kept.alive &&
			(w->generation != cache_generation || RelationGetRelid(w->rel) != cache.relid))
			sp_kept_close(&w->kept);
		if (w == NULL)
		{
			w = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LedgerWriter));
			fcinfo->flinfo->fn_extra = w;
		}
		if (!w->kept.alive)
			writer_open(w, fcinfo->flinfo->fn_mcxt);
		if (cache.valid)
			break;
	}

	/* the status OIDs of streams go into the ledger's columns as they are */
	if (status_type != cache.status_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stream_events.to_status is of type %s, streams.status of type %s",
						format_type_be(cache.status_type), format_type_be(status_type))));

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(cache.owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);

	/*
	 * A stream inserted with history already in the ledger is being restored
	 * (pg_dump restores stream_events before streams): its events are there.
	 */
	if (!is_update && has_history(w, nv[map->attnum[SP_COL_ID] - 1]))
		nrows = 0;

	if (nrows > 0)
		ledger_append(w, map, nv, &old, &new, is_update, webhook, actor, rows, nrows);

	SetUserIdAndSecContext(save_userid, save_sec);
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
