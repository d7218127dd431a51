/*
 * trigger.c
 *	  streampay_trigger(): BEFORE INSERT OR UPDATE FOR EACH ROW on streams.
 *
 * Decodes OLD/NEW, asks the core (transition.c) whether the write is
 * allowed, and writes back what settle-before-change computed.  No SPI and
 * no catalog lookups per row: column positions and enum OIDs are cached per
 * relation (partitions, restored tables and shards number their columns
 * differently) and dropped by the relcache callback in streampay.c.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "nodes/bitmapset.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "errors.h"
#include "stream_row.h"
#include "streampay.h"
#include "transition.h"
#include "validate.h"

typedef struct RelMapEntry
{
	Oid			relid;			/* hash key */
	bool		valid;
	sp_attmap	map;
} RelMapEntry;

static HTAB *relmap_cache = NULL;

void
sp_trigger_invalidate(Oid relid)
{
	HASH_SEQ_STATUS status;
	RelMapEntry *entry;

	if (relmap_cache == NULL)
		return;
	/* only reset flags: the callback may run at awkward moments */
	hash_seq_init(&status, relmap_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (relid == InvalidOid || entry->relid == relid)
			entry->valid = false;
}

const sp_attmap *
sp_relation_attmap(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	RelMapEntry *entry;
	bool		found;

	if (relmap_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RelMapEntry);
		ctl.hcxt = CacheMemoryContext;
		relmap_cache = hash_create("streampay trigger column cache", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(relmap_cache, &relid, HASH_ENTER, &found);
	if (!found)
		entry->valid = false;
	if (!entry->valid)
	{
		sp_attmap_build(&entry->map, RelationGetDescr(rel));
		entry->valid = true;
	}
	return &entry->map;
}

static bool
column_equal(TupleDesc desc, AttrNumber attnum, const Datum *ov, const bool *on,
			 const Datum *nv, const bool *nn)
{
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	int			i = attnum - 1;

	if (on[i] || nn[i])
		return on[i] == nn[i];
	return datum_image_eq(ov[i], nv[i], att->attbyval, att->attlen);
}

/*
 * The transaction time an INSERT's defaults were computed at: this
 * transaction's start, or, for a row whose last_settled_at, created_at and
 * updated_at hold one value, that value.  The second reading exists for
 * Citus: there the coordinator evaluates the defaults (now()) in its own
 * transaction, which started before the shard's, and a shard cannot tell
 * a row given those values from a row given the defaults.  One node reads
 * such a row the same way, so that a cluster and one node give the same
 * answer on the same statement.  A webhook's stream_created sets
 * created_at to the event's time, so there the other two decide.  (A row
 * streampay stored never has last_settled_at = created_at = updated_at
 * with a start before them and nothing settled: inserting it moved
 * last_settled_at to start_time.  So a restore, which writes stored rows
 * back, is never mistaken for defaults.)
 */
static sp_time
insert_time(const sp_attmap *map, const Datum *values, const bool *isnull,
			const sp_stream *s)
{
	int			c = map->attnum[SP_COL_CREATED] - 1;
	int			u = map->attnum[SP_COL_UPDATED] - 1;
	bool		webhook = sp_event_source != NULL && strcmp(sp_event_source, "webhook") == 0;

	if (isnull[c] || isnull[u] ||
		(!webhook && (sp_time) DatumGetTimestamp(values[c]) != s->last_settled) ||
		(sp_time) DatumGetTimestamp(values[u]) != s->last_settled)
		return sp_transaction_time();
	return s->last_settled;
}

static HeapTuple
on_insert(Relation rel, const sp_attmap *map, HeapTuple tuple)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *values = palloc(desc->natts * sizeof(Datum));
	bool	   *isnull = palloc(desc->natts * sizeof(bool));
	Datum		id;
	sp_stream	s;
	bool		normalized;
	bool		hash_changed;
	sp_rule		rule;

	heap_deform_tuple(tuple, desc, values, isnull);
	id = isnull[map->attnum[SP_COL_ID] - 1] ? (Datum) 0 : values[map->attnum[SP_COL_ID] - 1];
	sp_decode_stream(map, values, isnull, &s);
	for (int c = SP_COL_CREATED; c <= SP_COL_UPDATED; c++)
		if (!isnull[map->attnum[c] - 1])
			(void) sp_check_finite(DatumGetTimestamp(values[map->attnum[c] - 1]),
								   sp_col_names[c], id);

	rule = sp_check_insert(&s, insert_time(map, values, isnull, &s), &normalized);
	if (rule != SP_OK)
		sp_report_rule(rule, id, NULL, &s, NULL);
	{
		/* the message reports the wall clock it was checked against */
		sp_update	u = {.wall = sp_event_time_limit()};

		rule = sp_check_insert_time(&s, u.wall);
		if (rule != SP_OK)
			sp_report_rule(rule, id, NULL, &s, &u);
	}

	{
		bool		check[SP_NCOLS];

		for (int c = 0; c < SP_NCOLS; c++)
			check[c] = true;
		sp_validate_row(RelationGetNamespace(rel), map, values, isnull, check, id,
						&hash_changed);
	}

	if (normalized || hash_changed)
	{
		int			cols[2];
		Datum		vals[2];
		bool		nulls[2] = {false, false};
		int			n = 0;

		if (normalized)
		{
			cols[n] = map->attnum[SP_COL_LAST_SETTLED];
			vals[n++] = TimestampGetDatum((Timestamp) s.last_settled);
		}
		if (hash_changed)
		{
			cols[n] = map->attnum[SP_COL_TXHASH];
			vals[n++] = values[map->attnum[SP_COL_TXHASH] - 1];
		}
		tuple = heap_modify_tuple_by_cols(tuple, desc, n, cols, vals, nulls);
	}
	return tuple;
}

static HeapTuple
on_update(TriggerData *td, const sp_attmap *map)
{
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	int			natts = desc->natts;
	Datum	   *ov = palloc(natts * sizeof(Datum));
	bool	   *on = palloc(natts * sizeof(bool));
	Datum	   *nv = palloc(natts * sizeof(Datum));
	bool	   *nn = palloc(natts * sizeof(bool));
	static const sp_col fixed_cols[] = {SP_COL_ID, SP_COL_PAYER, SP_COL_CHAIN, SP_COL_CREATED};
	Datum		id;
	sp_update	u;
	sp_rule		rule;
	int			cols[4];
	Datum		vals[4];
	bool		nulls[4] = {false, false, false, false};
	int			n = 0;
	bool		hash_changed;
	AttrNumber	lsa = map->attnum[SP_COL_LAST_SETTLED];

	heap_deform_tuple(td->tg_trigtuple, desc, ov, on);
	heap_deform_tuple(td->tg_newtuple, desc, nv, nn);
	id = on[map->attnum[SP_COL_ID] - 1] ? (Datum) 0 : ov[map->attnum[SP_COL_ID] - 1];

	for (size_t i = 0; i < lengthof(fixed_cols); i++)
		if (!column_equal(desc, map->attnum[fixed_cols[i]], ov, on, nv, nn))
			sp_report_immutable(id, sp_col_names[fixed_cols[i]]);

	/*
	 * The amounts are in the asset, and webhook events find the row by its
	 * chain id: each may be filled in once (streams from before 0.5.0 and
	 * 0.6.0 have none) but never changed.
	 */
	if (sp_has_col(map, SP_COL_ASSET) && !on[map->attnum[SP_COL_ASSET] - 1] &&
		!column_equal(desc, map->attnum[SP_COL_ASSET], ov, on, nv, nn))
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("stream %s: column \"asset\" cannot be changed once set", sp_id_text(id)),
				 errdetail("A stream's amounts are denominated in its asset."),
				 errhint("Create a new stream for another asset.")));
	if (sp_has_col(map, SP_COL_CHAIN_STREAM) && !on[map->attnum[SP_COL_CHAIN_STREAM] - 1] &&
		!column_equal(desc, map->attnum[SP_COL_CHAIN_STREAM], ov, on, nv, nn))
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("stream %s: column \"chain_stream_id\" cannot be changed once set", sp_id_text(id)),
				 errdetail("Webhook events find the stream by the chain's id of it."),
				 errhint("Create a new stream for another on-chain stream.")));

	/*
	 * A re-derivation (streampay_ingest, after a late webhook event) first
	 * puts the row back to the state recorded after an earlier event, then
	 * replays the later events through the rules below.  Only the values
	 * rules hold for that one write; the ledger logs it as 'rewound'.
	 */
	if (sp_rewinding(id))
	{
		sp_decode_stream(map, nv, nn, &u.new);
		rule = sp_check_values(&u.new);
		if (rule != SP_OK)
			sp_report_rule(rule, id, NULL, &u.new, NULL);
		cols[n] = map->attnum[SP_COL_UPDATED];
		vals[n++] = TimestampGetDatum((Timestamp) sp_transaction_time());
		return heap_modify_tuple_by_cols(td->tg_newtuple, desc, n, cols, vals, nulls);
	}

	sp_decode_stream(map, ov, on, &u.old);
	sp_decode_stream(map, nv, nn, &u.new);
	u.recipient_changed = !column_equal(desc, map->attnum[SP_COL_RECIPIENT],
										ov, on, nv, nn);
	u.lsa_assigned = td->tg_updatedcols != NULL &&
		bms_is_member(lsa - FirstLowInvalidHeapAttributeNumber, td->tg_updatedcols);

	/*
	 * "Assigned its current value" and "not assigned" store the same row and
	 * mean different event times (the old settlement time, or now).  For
	 * MERGE, tg_updatedcols is the union over all actions, so ask which
	 * actions the statement has; when that cannot be known, take the safe
	 * reading: not assigned, T = the transaction time, which never erases
	 * accrual.
	 */
	if (u.lsa_assigned && column_equal(desc, lsa, ov, on, nv, nn))
	{
		sp_assigned a = sp_lsa_assigned(td->tg_trigger);

		u.lsa_assigned = a == SP_ASSIGNED_BY_SET || a == SP_ASSIGNED_YES;
	}
	u.now = sp_transaction_time();
	u.wall = sp_event_time_limit();

	rule = sp_check_update(&u);
	if (rule != SP_OK)
		sp_report_rule(rule, id, &u.old, &u.new, &u);

	/* the trust checks, for the columns this update changes */
	{
		static const sp_col mutable_cols[] = {SP_COL_RECIPIENT, SP_COL_CONTRACT,
		SP_COL_TXHASH, SP_COL_METADATA, SP_COL_ASSET};
		bool		check[SP_NCOLS] = {false};

		for (size_t i = 0; i < lengthof(mutable_cols); i++)
			check[mutable_cols[i]] = sp_has_col(map, mutable_cols[i]) &&
				!column_equal(desc, map->attnum[mutable_cols[i]], ov, on, nv, nn);
		sp_validate_row(RelationGetNamespace(rel), map, nv, nn, check, id, &hash_changed);
	}

	cols[n] = map->attnum[SP_COL_UPDATED];
	vals[n++] = TimestampGetDatum((Timestamp) u.now);
	if (u.settles)
	{
		cols[n] = map->attnum[SP_COL_SETTLED];
		vals[n++] = sp_fixed_to_datum(u.new.settled);
		cols[n] = lsa;
		vals[n++] = TimestampGetDatum((Timestamp) u.new.last_settled);
	}
	if (hash_changed)
	{
		cols[n] = map->attnum[SP_COL_TXHASH];
		vals[n++] = nv[map->attnum[SP_COL_TXHASH] - 1];
	}
	return heap_modify_tuple_by_cols(td->tg_newtuple, desc, n, cols, vals, nulls);
}

PG_FUNCTION_INFO_V1(streampay_trigger);

Datum
streampay_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const sp_attmap *map;

	if (!CALLED_AS_TRIGGER(fcinfo))
		sp_report_trigger_protocol("streampay_trigger", "not called by trigger manager");
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		sp_report_trigger_protocol("streampay_trigger",
								   "must be fired BEFORE INSERT OR UPDATE, FOR EACH ROW");

	map = sp_relation_attmap(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return PointerGetDatum(on_insert(td->tg_relation, map, td->tg_trigtuple));
	return PointerGetDatum(on_update(td, map));
}
