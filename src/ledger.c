/*
 * ledger.c
 *	  The append-only event ledger (stream_events).
 *
 * streampay_ledger_trigger(): AFTER INSERT / UPDATE / DELETE row trigger on
 * the extension's own streams table (it refuses to run on any other: it
 * writes the real ledger without any privilege check).  It runs after every
 * BEFORE trigger,
 * so OLD and NEW say exactly what was stored; it first checks that the
 * stored row is a legal outcome of the rules (a user's BEFORE trigger that
 * fires after streampay's could have changed it), then appends one row per
 * kind of change (the first carries the settled delta, so per stream the
 * deltas sum to settled_amount).  A DELETE is recorded as 'deleted'; an id
 * with a history can be inserted again only as exactly the state that
 * history ends in (what a restore writes), never after its deletion.  It
 * inserts straight through the executor's single-row insert path, which
 * checks no privilege, so writers of streams need no right on the ledger
 * and cannot write it directly; it runs as the writer, so code others put
 * on stream_events never gains rights.  'actor' is the user whose statement
 * caused the change (for webhook events, the role that called
 * streampay_ingest).
 *
 * streampay_events_append_only(): rejects UPDATE, DELETE and TRUNCATE of
 * stream_events, except DELETE inside streampay_purge_events();
 * streampay_streams_no_truncate() rejects TRUNCATE of streams, which would
 * remove streams without a trace.
 */
#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "commands/async.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "access/transam.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/uuid.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "citus.h"
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
	Oid			fn_oid;			/* the trigger function it was resolved for */
	Oid			nsp;			/* the extension's schema */
	Oid			streams_relid;	/* the extension's own streams table */
	Oid			relid;			/* stream_events */
	Oid			status_type;	/* the type of from_status and to_status */
	AttrNumber	attnum[LC_NCOLS];
	AttrNumber	event_id_attnum;	/* orders a stream's history */
	AttrNumber	asset_attnum;	/* 0.5.0; InvalidAttrNumber before */
	AttrNumber	chain_ledger_attnum;	/* 0.6.0, like the next two */
	AttrNumber	chain_event_index_attnum;
	AttrNumber	rederived_attnum;
	AttrNumber	recorded_at_attnum; /* orders a history written on several nodes */
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
	if (relid == InvalidOid || relid == cache.relid || relid == cache.streams_relid)
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
 * The extension's own streams table: "streams" in the schema of the trigger
 * function, a member of the same extension.  Only its changes reach the
 * ledger; attached to any other table (a role with CREATE on the schema
 * could attach it to a table of its own) the trigger would let that role
 * append whatever it likes to the real ledger.
 */
static Oid
extension_streams(Oid fn_oid, Oid nsp)
{
	Oid			ext = getExtensionOfObject(ProcedureRelationId, fn_oid);
	Oid			relid = get_relname_relid("streams", nsp);

	if (!OidIsValid(ext) || !OidIsValid(relid) ||
		getExtensionOfObject(RelationRelationId, relid) != ext)
		return InvalidOid;
	return relid;
}

/*
 * Resolve the ledger for trigger function fn_oid: the extension's streams
 * and stream_events in the function's schema, stream_events' columns by
 * name, its owner, and the index the history probe uses.
 */
/*
 * The columns of a ledger relation, by name: stream_events, or (Citus) a
 * shard of it, whose columns may be numbered differently.
 */
static void
resolve_columns(Relation rel, LedgerCache *c)
{
	TupleDesc	desc = RelationGetDescr(rel);
	const char *nspname = get_namespace_name(RelationGetNamespace(rel));
	const char *relname = RelationGetRelationName(rel);

	c->event_id_attnum = InvalidAttrNumber;
	c->asset_attnum = InvalidAttrNumber;
	c->recorded_at_attnum = InvalidAttrNumber;
	c->chain_ledger_attnum = InvalidAttrNumber;
	c->chain_event_index_attnum = InvalidAttrNumber;
	c->rederived_attnum = InvalidAttrNumber;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), "chain_ledger") == 0 &&
			att->atttypid == INT8OID)
			c->chain_ledger_attnum = att->attnum;
		if (!att->attisdropped && strcmp(NameStr(att->attname), "chain_event_index") == 0 &&
			att->atttypid == INT8OID)
			c->chain_event_index_attnum = att->attnum;
		if (!att->attisdropped && strcmp(NameStr(att->attname), "rederived_event_id") == 0 &&
			att->atttypid == TEXTOID)
			c->rederived_attnum = att->attnum;

		if (!att->attisdropped && strcmp(NameStr(att->attname), "event_id") == 0 &&
			att->atttypid == INT8OID)
			c->event_id_attnum = att->attnum;
		if (!att->attisdropped && strcmp(NameStr(att->attname), "asset") == 0 &&
			att->atttypid == VARCHAROID)
			c->asset_attnum = att->attnum;
		if (!att->attisdropped && strcmp(NameStr(att->attname), "recorded_at") == 0 &&
			att->atttypid == TIMESTAMPOID)
			c->recorded_at_attnum = att->attnum;
	}
	for (int k = 0; k < LC_NCOLS; k++)
	{
		c->attnum[k] = InvalidAttrNumber;
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), ledger_colnames[k]) == 0)
				c->attnum[k] = att->attnum;
		}
		if (c->attnum[k] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s.%s\" does not exist",
							ledger_colnames[k], nspname, relname)));
	}
	if (c->event_id_attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"event_id\" of relation \"%s.%s\" does not exist or is not a bigint",
						nspname, relname)));
	if (TupleDescAttr(desc, c->attnum[LC_STREAM_ID] - 1)->atttypid != UUIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"stream_id\" of relation \"%s.%s\" is not of type uuid",
						nspname, relname)));
	c->hash_typmod = TupleDescAttr(desc, c->attnum[LC_TRANSACTION_HASH] - 1)->atttypmod;
	c->status_type = TupleDescAttr(desc, c->attnum[LC_TO_STATUS] - 1)->atttypid;
	c->history_index = history_index(rel, c->attnum[LC_STREAM_ID]);
}

static void
resolve(Oid fn_oid)
{
	Oid			nsp = get_func_namespace(fn_oid);
	Oid			relid = get_relname_relid("stream_events", nsp);
	Relation	rel;

	cache.valid = false;
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.stream_events\" does not exist",
						get_namespace_name(nsp))));
	rel = table_open(relid, AccessShareLock);
	if (rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s.stream_events\" is not a plain table",
						get_namespace_name(nsp))));
	resolve_columns(rel, &cache);
	table_close(rel, NoLock);

	cache.streams_relid = extension_streams(fn_oid, nsp);
	cache.fn_oid = fn_oid;
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
 * The append is the extension's own bookkeeping: no privilege is checked
 * and row-level security on stream_events does not apply to it.
 */
typedef struct LedgerWriter
{
	sp_kept		kept;			/* first: a LedgerWriter is an sp_kept */
	uint64		generation;
	LedgerCache c;				/* what it was opened for: a nested trigger
								 * may re-resolve the global cache meanwhile */
	Relation	rel;			/* stream_events, or the colocated shard */
	Oid			source;			/* the relation whose trigger opened it */
	bool		on_shard;		/* Citus: rel is a shard of stream_events */
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
 * compiled in estate; NULL where there is none.  A Citus shard has no
 * identity (Citus leaves it to the table the shard belongs to): a column
 * without a default there takes the default of the column of that name in
 * 'shell', this node's stream_events, so event_id comes from this node's
 * identity sequence.
 */
static ExprState **
writer_defaults(Relation rel, EState *estate, const LedgerCache *c, Oid shell)
{
	TupleDesc	desc = RelationGetDescr(rel);
	ExprState **defaults = palloc0(desc->natts * sizeof(ExprState *));
	Relation	shell_rel = OidIsValid(shell) ? table_open(shell, AccessShareLock) : NULL;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		filled = false;
		Node	   *expr;

		for (int k = 0; k < LC_NCOLS; k++)
			filled |= c->attnum[k] == att->attnum;
		if (filled || att->attisdropped || att->attgenerated)
			continue;
		expr = build_column_default(rel, att->attnum);
		if (expr == NULL && shell_rel != NULL)
		{
			TupleDesc	sdesc = RelationGetDescr(shell_rel);

			for (int j = 0; j < sdesc->natts; j++)
			{
				Form_pg_attribute satt = TupleDescAttr(sdesc, j);

				if (!satt->attisdropped && satt->atttypid == att->atttypid &&
					strcmp(NameStr(satt->attname), NameStr(att->attname)) == 0)
				{
					expr = build_column_default(shell_rel, satt->attnum);
					break;
				}
			}
		}
		if (expr != NULL)
			defaults[i] = ExecPrepareExpr((Expr *) expr, estate);
	}
	if (shell_rel != NULL)
		table_close(shell_rel, NoLock);
	return defaults;
}

static void
writer_open(LedgerWriter *w, MemoryContext cxt, Oid target, Oid source)
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
		w->c = cache;
		w->rel = table_open(target, RowExclusiveLock);
		w->source = source;
		w->on_shard = target != cache.relid;
		if (w->on_shard)
		{
			resolve_columns(w->rel, &w->c);
			w->c.relid = target;
		}
		w->rri = makeNode(ResultRelInfo);
		InitResultRelInfo(w->rri, w->rel, 0, NULL, 0);
		/* so that firing AFTER triggers on it finds it rather than reopening it */
		sp_estate_add_result_rel(w->estate, w->rri);
		ExecOpenIndices(w->rri, false);
		w->slot = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(w->rel), &TTSOpsVirtual);

		/*
		 * The slots firing a user's triggers on stream_events uses, made now
		 * rather than on first use: they pin the table's descriptor, and
		 * that pin must belong to the writer's owner, which the inserts
		 * themselves no longer run under (see ledger_append).
		 */
		(void) ExecGetTriggerOldSlot(w->estate, w->rri);
		(void) ExecGetTriggerNewSlot(w->estate, w->rri);
		w->defaults = writer_defaults(w->rel, w->estate, &w->c,
									  w->on_shard ? cache.relid : InvalidOid);
		w->generation = cache_generation;
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = caller;
		MemoryContextSwitchTo(oldcxt);
	}
	PG_END_TRY();
}

/*
 * The ledger rows this backend appends for one watched stream: the writer
 * of a webhook event (apply.c) asks right after its statement which rows it
 * wrote, instead of reading the ledger again.  On a Citus cluster the rows
 * are appended on the workers, nothing is seen here, and it reads the
 * ledger as before.
 */
static struct
{
	bool		on;
	uint64		generation;		/* of the watch in force */
	pg_uuid_t	stream;
	uint64		rows;
	int64		first;
	int64		last;
}			watch;

uint64
sp_ledger_watch(Datum stream_id)
{
	watch.on = true;
	watch.generation++;
	memcpy(watch.stream.data, DatumGetUUIDP(stream_id)->data, UUID_LEN);
	watch.rows = 0;
	return watch.generation;
}

/*
 * 0 also when another watch began since 'generation' (a delivery made by a
 * trigger of the watched write): its rows are not known then, and the
 * caller reads the ledger.
 */
uint64
sp_ledger_watched(uint64 generation, int64 *first, int64 *last)
{
	if (watch.generation != generation)
		return 0;
	watch.on = false;
	*first = watch.first;
	*last = watch.last;
	return watch.rows;
}

static void
watch_row(Datum stream_id, int64 event_id)
{
	if (watch.on && memcmp(DatumGetUUIDP(stream_id)->data, watch.stream.data, UUID_LEN) == 0)
	{
		if (watch.rows++ == 0)
			watch.first = event_id;
		watch.last = event_id;
	}
}

/*
 * NOTIFY streampay_events with a compact JSON payload (well under the
 * 8000-byte limit: five short fields).  NOTIFY itself delivers it only if
 * the transaction commits, once per distinct payload; each payload carries
 * its event id, so none is folded into another.
 */
#define NOTIFY_CHANNEL "streampay_events"

void
sp_announce(int64 event_id, Datum stream_id, const char *event_type, const char *status,
			sp_time occurred)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		when[40] = "";

	if (timestamp2tm((Timestamp) occurred, NULL, &tm, &fsec, NULL, NULL) == 0)
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06d",
				 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
				 (int) fsec);
	Async_Notify(NOTIFY_CHANNEL,
				 psprintf("{\"eventId\":%lld,\"streamId\":\"%s\",\"eventType\":\"%s\",\"status\":\"%s\",\"occurredAt\":\"%s\"}",
						  (long long) event_id, sp_id_text(stream_id), event_type,
						  status, when));
}

/*
 * A webhook event's chain position, and for a re-derivation the id of the
 * event it replays (0.6.0 columns, where the ledger has them).
 */
static void
set_chain_columns(const LedgerCache *c, Datum *values, bool *isnull)
{
	int64		v;

	if (c->chain_ledger_attnum != InvalidAttrNumber &&
		sp_setting_int64("streampay.chain_ledger", sp_chain_ledger, &v))
	{
		values[c->chain_ledger_attnum - 1] = Int64GetDatum(v);
		isnull[c->chain_ledger_attnum - 1] = false;
	}
	if (c->chain_event_index_attnum != InvalidAttrNumber &&
		sp_setting_int64("streampay.chain_event_index", sp_chain_event_index, &v))
	{
		values[c->chain_event_index_attnum - 1] = Int64GetDatum(v);
		isnull[c->chain_event_index_attnum - 1] = false;
	}
	if (c->rederived_attnum != InvalidAttrNumber && nonempty(sp_rederived_event_id))
	{
		values[c->rederived_attnum - 1] = CStringGetTextDatum(sp_rederived_event_id);
		isnull[c->rederived_attnum - 1] = false;
	}
}

static void
ledger_append(LedgerWriter *w, const sp_attmap *map, const Datum *nv, const bool *nn,
			  const sp_stream *old, const sp_stream *new, sp_time occurred,
			  bool has_from, bool webhook, Datum actor, const LedgerRow *rows, int nrows)
{
	const LedgerCache *c = &w->c;
	EState	   *estate = w->estate;
	TupleTableSlot *slot = w->slot;
	ExprContext *econtext = GetPerTupleExprContext(estate);
	int			natts = slot->tts_tupleDescriptor->natts;
	Datum	   *values = slot->tts_values;
	bool	   *isnull = slot->tts_isnull;
	Datum		hash = (Datum) 0;

	if (webhook && nonempty(sp_event_transaction_hash))
	{
		/* the GUC is internal, but keep varchar(n)'s promise anyway */
		if (c->hash_typmod >= (int32) VARHDRSZ &&
			strlen(sp_event_transaction_hash) > (size_t) (c->hash_typmod - VARHDRSZ))
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("ledger event for stream %s: transaction hash is longer than %d characters",
							DatumGetCString(DirectFunctionCall1(uuid_out,
																nv[map->attnum[SP_COL_ID] - 1])),
							c->hash_typmod - (int32) VARHDRSZ)));
		hash = CStringGetTextDatum(sp_event_transaction_hash);
	}

	estate->es_output_cid = GetCurrentCommandId(true);

	/*
	 * The inserts run under the caller's resource owner: a user's trigger on
	 * stream_events may run any statement, and what that statement acquires
	 * must be released by the owner it expects.  What the writer keeps
	 * between calls was all made in writer_open, under its own owner.  While
	 * it runs, the writer is in use: a utility statement in such a trigger
	 * must not close it (kept.c).
	 */
	sp_kept_enter(&w->kept);
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
#define SET(col, datum) (values[c->attnum[col] - 1] = (datum), isnull[c->attnum[col] - 1] = false)
		SET(LC_STREAM_ID, nv[map->attnum[SP_COL_ID] - 1]);
		SET(LC_EVENT_TYPE, CStringGetTextDatum(rows[i].type));
		SET(LC_OCCURRED_AT, TimestampGetDatum((Timestamp) occurred));
		if (has_from)
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
		/* the asset the amounts are in, where both tables have the column */
		if (c->asset_attnum != InvalidAttrNumber && sp_has_col(map, SP_COL_ASSET) &&
			!nn[map->attnum[SP_COL_ASSET] - 1])
		{
			values[c->asset_attnum - 1] = nv[map->attnum[SP_COL_ASSET] - 1];
			isnull[c->asset_attnum - 1] = false;
		}
		if (webhook)
			set_chain_columns(c, values, isnull);
		if (first_webhook_row && nonempty(sp_event_payload_digest))
			SET(LC_PAYLOAD_DIGEST,
				DirectFunctionCall2(binary_decode,
									CStringGetTextDatum(sp_event_payload_digest),
									CStringGetTextDatum("hex")));
#undef SET
		ExecStoreVirtualTuple(slot);
		sp_exec_simple_insert(w->rri, estate, slot);
		if (!isnull[c->event_id_attnum - 1])
			watch_row(nv[map->attnum[SP_COL_ID] - 1], DatumGetInt64(values[c->event_id_attnum - 1]));
		if (sp_notify && !isnull[c->event_id_attnum - 1])
			sp_announce(DatumGetInt64(values[c->event_id_attnum - 1]),
						nv[map->attnum[SP_COL_ID] - 1], rows[i].type,
						sp_status_names[new->status], occurred);
		ExecClearTuple(slot);
		ResetPerTupleExprContext(estate);
	}
	AfterTriggerEndQuery(estate);
	sp_kept_leave(&w->kept);
}

/*
 * The last event of stream 'id' in the ledger, read under the statement's
 * snapshot through the writer's open table.  Returns false when the stream
 * has no history.
 */
typedef struct LastEvent
{
	int64		event_id;
	bool		deleted;		/* its type is 'deleted' */
	Timestamp	occurred_at;
	sp_status	status;
	sp_fixed	settled;
	sp_fixed	rate;
	sp_fixed	total;

	/*
	 * The last event that changed the row ('acknowledged' rows record an
	 * event that changed nothing): its occurred_at is the row's
	 * last_settled_at when an UPDATE wrote it, its created_at when the
	 * INSERT did ('created').
	 */
	bool		has_changed;
	bool		changed_created;
	int64		changed_event_id;
	Timestamp	changed_at;
} LastEvent;

static bool
last_event(const LedgerWriter *w, const sp_attmap *map, Datum id, LastEvent *last)
{
	const LedgerCache *c = &w->c;
	TupleDesc	desc = RelationGetDescr(w->rel);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	HeapTuple	best = NULL;
	int64		best_id = 0;
	Timestamp	best_at = 0;
	bool		changed_created = false;
	int64		changed_id = 0;
	Timestamp	changed_at = 0;
	Timestamp	changed_order = 0;
	bool		have_changed = false;
	int64		deleted_id = 0;
	bool		isnull;
	bool		by_time = w->on_shard && c->recorded_at_attnum != InvalidAttrNumber;

	/* systable_beginscan maps the heap attnum to the index column */
	ScanKeyInit(&key, c->attnum[LC_STREAM_ID], BTEqualStrategyNumber, F_UUID_EQ, id);
	scan = systable_beginscan(w->rel, c->history_index, OidIsValid(c->history_index),
							  GetActiveSnapshot(), 1, &key);
	/*
	 * The last event is the one with the highest event_id.  On Citus each
	 * node numbers events from its own range, and a shard moved to another
	 * node continues with that node's numbers, so there the last event is
	 * the one recorded last (recorded_at, then event_id).  A deletion
	 * anywhere in the history ends it: an id is never used again after it.
	 */
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		int64		eid = DatumGetInt64(heap_getattr(tup, c->event_id_attnum, desc, &isnull));
		Timestamp	at = 0;
		bool		later;
		char	   *type = NULL;

		if (isnull)
			continue;
		{
			Datum		t = heap_getattr(tup, c->attnum[LC_EVENT_TYPE], desc, &isnull);

			if (!isnull)
				type = TextDatumGetCString(t);
			if (type != NULL && deleted_id == 0 && strcmp(type, "deleted") == 0)
				deleted_id = eid;
		}
		if (by_time)
		{
			Datum		t = heap_getattr(tup, c->recorded_at_attnum, desc, &isnull);

			at = isnull ? 0 : DatumGetTimestamp(t);
		}
		if (type != NULL && strcmp(type, "acknowledged") != 0 &&
			(!have_changed || (by_time ? (at > changed_order || (at == changed_order && eid > changed_id))
							   : eid > changed_id)))
		{
			Datum		t = heap_getattr(tup, c->attnum[LC_OCCURRED_AT], desc, &isnull);

			have_changed = !isnull;
			changed_id = eid;
			changed_order = at;
			changed_at = isnull ? 0 : DatumGetTimestamp(t);
			changed_created = strcmp(type, "created") == 0;
		}
		later = best == NULL ||
			(by_time ? (at > best_at || (at == best_at && eid > best_id)) : eid > best_id);
		if (later)
		{
			if (best != NULL)
				heap_freetuple(best);
			best = heap_copytuple(tup);
			best_id = eid;
			best_at = at;
		}
	}
	systable_endscan(scan);
	if (best == NULL)
		return false;

	last->event_id = deleted_id != 0 ? deleted_id : best_id;
	last->deleted = deleted_id != 0;
	last->occurred_at = DatumGetTimestamp(heap_getattr(best, c->attnum[LC_OCCURRED_AT], desc, &isnull));
	{
		Datum		st = heap_getattr(best, c->attnum[LC_TO_STATUS], desc, &isnull);

		last->status = isnull ? SP_ACTIVE : sp_status_from_oid(map->status_oid, DatumGetObjectId(st));
		if (isnull)
			last->deleted = true;	/* a history without a state cannot be restored to */
	}
	last->settled = sp_datum_to_fixed(heap_getattr(best, c->attnum[LC_SETTLED_AMOUNT], desc, &isnull),
									  "stream_events.settled_amount", id);
	last->rate = sp_datum_to_fixed(heap_getattr(best, c->attnum[LC_RATE], desc, &isnull),
								   "stream_events.rate_per_second", id);
	last->total = sp_datum_to_fixed(heap_getattr(best, c->attnum[LC_TOTAL], desc, &isnull),
									"stream_events.total_amount", id);
	last->has_changed = have_changed;
	last->changed_created = changed_created;
	last->changed_event_id = changed_id;
	last->changed_at = changed_at;
	heap_freetuple(best);
	return true;
}

static char *
fixed_text(sp_fixed v)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, sp_fixed_to_datum(v)));
}

/*
 * A stream inserted while its id already has a history.  pg_dump restores
 * stream_events before streams, so a restore writes each stream back in
 * exactly the state its last event recorded (status, amounts, rate, and
 * the time it was last settled, or created): that is accepted, and appends
 * nothing.  Anything else would rewrite history without a trace (delete a
 * stream, insert it again completed with any settled amount): refused.
 */
static void
check_reinsert(Datum id, const sp_stream *row, const sp_attmap *map, const Datum *nv,
			   const bool *nn, const LastEvent *last)
{
	if (last->deleted)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("stream %s was deleted: its id cannot be used again", sp_id_text(id)),
				 errdetail("The ledger records the deletion of stream %s (event %lld).",
						   sp_id_text(id), (long long) last->event_id),
				 errhint("Create the stream with a new id.")));
	if (row->status != last->status || row->settled != last->settled ||
		row->rate != last->rate || row->total != last->total)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("stream %s already has a history that ends in another state", sp_id_text(id)),
				 errdetail("The ledger's last event (%lld) records status %s, settled_amount %s, rate_per_second %s, total_amount %s; the row has status %s, settled_amount %s, rate_per_second %s, total_amount %s.",
						   (long long) last->event_id,
						   sp_status_names[last->status], fixed_text(last->settled),
						   fixed_text(last->rate), fixed_text(last->total),
						   sp_status_names[row->status], fixed_text(row->settled),
						   fixed_text(row->rate), fixed_text(row->total)),
				 errhint("An id with a history is accepted again only as the state that history ends in, which is what a restore writes.")));

	/*
	 * The time the accrual runs from.  Every UPDATE's events carry the
	 * row's new last_settled_at as occurred_at, and the INSERT's 'created'
	 * carries created_at, so a restored row matches its last change
	 * exactly; a last_settled_at moved back would accrue the same time
	 * twice.  (A history that ends in 'created' does not record
	 * last_settled_at: there only created_at can be compared.)
	 */
	if (last->has_changed)
	{
		bool		created = last->changed_created;
		int			col = created ? SP_COL_CREATED : SP_COL_LAST_SETTLED;
		bool		null = nn[map->attnum[col] - 1];
		Timestamp	have = null ? 0 : DatumGetTimestamp(nv[map->attnum[col] - 1]);

		if (null || have != last->changed_at)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("stream %s already has a history that ends at another time", sp_id_text(id)),
					 errdetail("The ledger's last change (event %lld, %s) occurred at %s; the row has %s %s.",
							   (long long) last->changed_event_id,
							   created ? "created" : "an update",
							   sp_time_text((sp_time) last->changed_at), sp_col_names[col],
							   null ? "NULL" : sp_time_text((sp_time) have)),
					 errhint("An id with a history is accepted again only as the state that history ends in, which is what a restore writes.")));
	}
}

/*
 * The row an UPDATE stored must be a legal outcome of the old one.  Only a
 * BEFORE trigger that fires after streams_streampay (triggers fire in name
 * order) can make it otherwise.
 */
static void
check_stored(Datum id, const sp_stream *old, const sp_stream *stored)
{
	sp_time		wall = sp_event_time_limit();
	sp_time		txn_time = sp_transaction_time();
	sp_rule		rule = sp_check_stored(old, stored, false, wall > txn_time ? wall : txn_time);

	if (rule != SP_OK)
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
				 errmsg("stream %s: the row this update stored breaks the streampay rules", sp_id_text(id)),
				 errdetail("From status %s, settled_amount %s at %s, the stored row has status %s, settled_amount %s at %s (rule %d).",
						   sp_status_names[old->status], fixed_text(old->settled),
						   sp_time_text(old->last_settled),
						   sp_status_names[stored->status], fixed_text(stored->settled),
						   sp_time_text(stored->last_settled),
						   (int) rule),
				 errhint("A BEFORE trigger on streams that fires after streams_streampay changed the row it checked; such a trigger must fire first (triggers fire in name order) or leave status and amounts alone.")));
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
	LedgerRow	rows[6];
	int			nrows = 0;
	Datum		actor;
	LedgerWriter *w;
	bool		webhook;
	Oid			status_type;
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	sp_time		occurred;
	bool		has_from;
	Datum		id;
	enum
	{
		LEDGER_INSERT, LEDGER_UPDATE, LEDGER_DELETE
	}			op;

	if (!CALLED_AS_TRIGGER(fcinfo))
		sp_report_trigger_protocol("streampay_ledger_trigger", "not called by trigger manager");
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		sp_report_trigger_protocol("streampay_ledger_trigger",
						 "must be fired AFTER INSERT, UPDATE or DELETE, FOR EACH ROW");

	rel = td->tg_relation;

	/* taking locks may process invalidations: resolve until stable */
	w = (LedgerWriter *) fcinfo->flinfo->fn_extra;
	for (;;)
	{
		Oid			source = RelationGetRelid(rel);
		Oid			target = InvalidOid;

		if (!cache.valid || cache.fn_oid != fn_oid)
			resolve(fn_oid);
		if (source == cache.streams_relid)
			target = cache.relid;
		else
		{
			/*
			 * Citus: a shard of the extension's streams (streams_102008)
			 * writes to the colocated shard of stream_events on this node.
			 */
			int64		shardid = OidIsValid(cache.streams_relid) ?
				sp_citus_shard_of(rel, cache.streams_relid) : 0;

			if (shardid == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("streampay_ledger_trigger() refuses to run on table \"%s\"",
								RelationGetRelationName(rel)),
						 errdetail("Only the streampay extension's own streams table (or a Citus shard of it) writes to its ledger.")));
			if (w != NULL && w->kept.alive && w->generation == cache_generation &&
				w->source == source)
				target = RelationGetRelid(w->rel);
			else
				target = sp_citus_colocated_shard(shardid, cache.streams_relid, cache.relid,
												  RelationGetRelationName(rel));
		}
		if (w != NULL && w->kept.alive &&
			(w->generation != cache_generation || RelationGetRelid(w->rel) != target ||
			 w->source != source))
			sp_kept_close(&w->kept);
		if (w == NULL)
		{
			w = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LedgerWriter));
			fcinfo->flinfo->fn_extra = w;
		}
		if (!w->kept.alive)
			writer_open(w, fcinfo->flinfo->fn_mcxt, target, source);
		if (cache.valid)
			break;
	}

	desc = RelationGetDescr(rel);
	map = sp_relation_attmap(rel);
	op = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? LEDGER_INSERT :
		TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? LEDGER_UPDATE : LEDGER_DELETE;

	nv = palloc(desc->natts * sizeof(Datum));
	nn = palloc(desc->natts * sizeof(bool));
	heap_deform_tuple(op == LEDGER_UPDATE ? td->tg_newtuple : td->tg_trigtuple, desc, nv, nn);
	sp_decode_stream(map, nv, nn, &new);
	id = nv[map->attnum[SP_COL_ID] - 1];

	if (op == LEDGER_INSERT)
	{
		/* a restored row may carry settlements: record them as settled here */
		rows[nrows++] = (LedgerRow) {"created", new.settled};
		old = new;
		occurred = (sp_time) DatumGetTimestamp(nv[map->attnum[SP_COL_CREATED] - 1]);
		has_from = false;
	}
	else if (op == LEDGER_DELETE)
	{
		/* the stream as it was when it was removed; nothing settles */
		rows[nrows++] = (LedgerRow) {"deleted", 0};
		old = new;
		occurred = sp_transaction_time();
		has_from = true;
	}
	else
	{
		Datum	   *ov = palloc(desc->natts * sizeof(Datum));
		bool	   *on = palloc(desc->natts * sizeof(bool));
		sp_fixed	delta;

		heap_deform_tuple(td->tg_trigtuple, desc, ov, on);
		sp_decode_stream(map, ov, on, &old);
		delta = new.settled - old.settled;
		if (sp_rewinding(id))
		{
			/*
			 * A re-derivation's first step puts the row back to an earlier
			 * recorded state: one row, whose delta undoes what the replayed
			 * events then settle again.
			 */
			rows[nrows++] = (LedgerRow) {"rewound", 0};
		}
		else
		{
			check_stored(id, &old, &new);
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
		}
		rows[0].delta = delta;
		occurred = new.last_settled;
		has_from = true;
	}

	status_type = TupleDescAttr(desc, map->attnum[SP_COL_STATUS] - 1)->atttypid;
	webhook = nonempty(sp_event_source) && strcmp(sp_event_source, "webhook") == 0;

	/*
	 * The actor: the user whose statement this is.  streampay_ingest runs as
	 * its owner (SECURITY DEFINER), so for webhook events take the role that
	 * called it, outside any security-definer function.
	 */
	if (webhook && nonempty(sp_event_actor))
	{
		/*
		 * streampay_ingest names its caller (0.6.0): on a Citus worker the
		 * outer user is the role Citus connected as, not that caller.
		 */
		actor = DirectFunctionCall1(namein, CStringGetDatum(sp_event_actor));
	}
	else
		actor = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(webhook ? GetOuterUserId() : GetUserId(),
																	  false)));

	/* the status OIDs of streams go into the ledger's columns as they are */
	if (status_type != w->c.status_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stream_events.to_status is of type %s, streams.status of type %s",
						format_type_be(w->c.status_type), format_type_be(status_type))));

	/*
	 * The append runs as the user whose statement this is, like any
	 * trigger: it needs no privilege (no plan, no permission check, no
	 * row-level security on a direct heap insert, and the identity's
	 * sequence is not checked either), so a writer of streams needs no
	 * right on the ledger, while code that others put on stream_events
	 * (row triggers, column defaults, CHECK constraints) never runs with
	 * more rights than that user has.  Running it as the ledger's owner let
	 * any writer of streams run such code as the owner, with the writer's
	 * search_path and temporary tables to steer it.
	 */

	if (op == LEDGER_INSERT)
	{
		LastEvent	last;

		if (last_event(w, map, id, &last))
		{
			check_reinsert(id, &new, map, nv, nn, &last);
			nrows = 0;			/* a restore: its events are there */
		}
	}

	/*
	 * Citus: PostgreSQL cannot PREPARE a transaction that sent NOTIFY, and
	 * Citus commits a write on several nodes with two-phase commit, so a
	 * NOTIFY from a worker would make such writes fail (and a listener on
	 * the coordinator would never hear it).  Refused up front, with the fix.
	 */
	if (nrows > 0 && w->on_shard && sp_notify)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("stream %s: streampay.notify is on on a Citus worker", sp_id_text(id)),
				 errdetail("A worker cannot announce ledger events: PostgreSQL cannot prepare a transaction that sent NOTIFY, and Citus commits writes on several nodes with two-phase commit."),
				 errhint("Set streampay.notify = off on every worker (ALTER SYSTEM, then reload); read new events from stream_events instead.")));

	if (nrows > 0)
		ledger_append(w, map, nv, nn, &old, &new, occurred, has_from, webhook, actor, rows, nrows);

	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(streampay_events_append_only);
Datum
streampay_events_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		sp_report_trigger_protocol("streampay_events_append_only", "not called by trigger manager");
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || TRIGGER_FIRED_BY_INSERT(td->tg_event))
		sp_report_trigger_protocol("streampay_events_append_only",
						 "must be fired BEFORE UPDATE, DELETE or TRUNCATE");

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

PG_FUNCTION_INFO_V1(streampay_streams_no_truncate);
Datum
streampay_streams_no_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		sp_report_trigger_protocol("streampay_streams_no_truncate", "not called by trigger manager");
	if (!TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		sp_report_trigger_protocol("streampay_streams_no_truncate", "must be fired BEFORE TRUNCATE");

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("TRUNCATE of %s is not allowed", RelationGetRelationName(td->tg_relation)),
			 errdetail("Removing a stream is recorded in the ledger, one row per stream; TRUNCATE would remove streams without a trace."),
			 errhint("Use DELETE: each deleted stream is recorded in stream_events as 'deleted'.")));
	pg_unreachable();
}

/*
 * The role whose statement is running, outside any SECURITY DEFINER
 * function: what the ledger records as the actor of a webhook event (the
 * role that called streampay_ingest, not the function's owner).
 */
PG_FUNCTION_INFO_V1(streampay_caller);
Datum
streampay_caller(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(DirectFunctionCall1(namein,
										CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false))));
}
