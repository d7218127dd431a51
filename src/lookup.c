/*
 * lookup.c
 *	  Find a stream by id for the id forms of the SQL functions.
 *
 * The hot path is a direct primary-key index scan under the caller's
 * snapshot, no SPI: the relation and index OIDs, the column map and the
 * privilege check are cached per backend and dropped by the relcache
 * callback (DROP/CREATE EXTENSION, ALTER TABLE, GRANT/REVOKE all send one).
 * When row-level security applies to the caller, the lookup takes the SPI
 * path instead so the policies are enforced by the executor.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/inval.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"

#include "citus.h"
#include "errors.h"
#include "kept.h"
#include "stream_row.h"
#include "streampay.h"

typedef struct LookupCache
{
	bool		valid;
	Oid			nsp;			/* schema the extension lives in */
	Oid			relid;			/* its streams table */
	Oid			indexid;		/* the primary key on id */
	sp_attmap	map;
	Oid			acl_ok_user;	/* user that passed the SELECT check */
	bool		distributed;	/* a Citus distributed table (citus.c) */
} LookupCache;

static LookupCache cache;

/* bumped whenever the cache is reset: open scans from before are stale */
static uint64 cache_generation = 0;

/*
 * The cached privilege check must be as fresh as PostgreSQL's own: a GRANT
 * or REVOKE on streams sends a relcache invalidation, but a change of role
 * membership (REVOKE r FROM bob, ALTER ROLE bob NOINHERIT) only a syscache
 * one, on pg_auth_members or pg_authid.
 */
static void
roles_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	cache.acl_ok_user = InvalidOid;
}

void
sp_lookup_init(void)
{
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, roles_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, roles_changed, (Datum) 0);
}

void
sp_lookup_invalidate(Oid relid)
{
	if (relid == InvalidOid || relid == cache.relid || relid == cache.indexid)
	{
		cache.valid = false;
		cache_generation++;
	}
}

/*
 * An open primary-key scan kept between calls of one call site (fn_extra),
 * so that looking up 100,000 ids costs 100,000 rescans, like a nested loop
 * join, rather than 100,000 scan set-ups.  kept.c closes it in time.
 */
typedef struct IdScan
{
	sp_kept		kept;			/* first: an IdScan is an sp_kept */
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	uint64		generation;
} IdScan;

static void
idscan_close(sp_kept *k)
{
	IdScan	   *s = (IdScan *) k;

	/* an error while opening may leave it half built */
	if (s->scan != NULL)
		index_endscan(s->scan);
	if (s->slot != NULL)
		ExecDropSingleTupleTableSlot(s->slot);
	if (s->index != NULL)
		index_close(s->index, NoLock);
	if (s->heap != NULL)
		table_close(s->heap, NoLock);
	s->scan = NULL;
	s->slot = NULL;
	s->index = NULL;
	s->heap = NULL;
}

/*
 * The scan applies uuid equality to the index's first column: the primary
 * key must be a plain btree on id alone.  An owner who changed it (say to
 * (created_at, id)) gets a clear refusal, not a comparison of the wrong
 * type or a stream reported missing.
 */
static void
check_primary_key(Relation heap, Oid indexid, AttrNumber id_attnum, Oid nsp)
{
	Relation	index = index_open(indexid, AccessShareLock);
	Form_pg_index form = index->rd_index;
	bool		fits = index->rd_rel->relam == BTREE_AM_OID &&
		form->indnkeyatts == 1 &&
		form->indkey.values[0] == id_attnum &&
		RelationGetIndexExpressions(index) == NIL &&
		TupleDescAttr(RelationGetDescr(index), 0)->atttypid == UUIDOID;

	index_close(index, AccessShareLock);
	if (!fits)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the primary key of \"%s.streams\" is not (id)",
						get_namespace_name(nsp)),
				 errdetail("The id forms look streams up by a btree primary key on the uuid column id alone."),
				 errhint("Restore the primary key: ALTER TABLE streams ADD PRIMARY KEY (id).")));
}

static void
resolve(Oid nsp)
{
	Oid			relid = get_relname_relid("streams", nsp);
	Relation	rel;
	Oid			indexid;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.streams\" does not exist",
						get_namespace_name(nsp)),
				 errhint("The streampay functions read the streams table in their own schema.")));
	rel = table_open(relid, AccessShareLock);
	indexid = sp_primary_key_index(rel);
	if (!OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s.streams\" has no primary key",
						get_namespace_name(nsp)),
				 errhint("The id forms look streams up by the primary key (id).")));
	cache.valid = false;
	sp_attmap_build(&cache.map, RelationGetDescr(rel));
	check_primary_key(rel, indexid, cache.map.attnum[SP_COL_ID], nsp);
	cache.nsp = nsp;
	cache.relid = relid;
	cache.indexid = indexid;
	cache.acl_ok_user = InvalidOid;
	cache.distributed = sp_citus_distributed(relid);
	cache.valid = true;
	table_close(rel, NoLock);
}

/* RLS-respecting path: let the executor apply the policies. */
static bool
lookup_spi(Oid nsp, Datum id, sp_stream *out)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		args[1] = {id};
	char	   *query;
	bool		found = false;
	int			rc;

	query = psprintf("SELECT * FROM %s.streams WHERE id OPERATOR(pg_catalog.=) $1",
					 quote_identifier(get_namespace_name(nsp)));
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("streampay: SPI_connect failed")));
	rc = SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 2);
	if (rc != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("streampay: stream lookup returned SPI code %d", rc)));
	if (SPI_processed > 0)
	{
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum	   *values = palloc(desc->natts * sizeof(Datum));
		bool	   *isnull = palloc(desc->natts * sizeof(bool));
		sp_attmap	map;

		sp_attmap_build(&map, desc);
		heap_deform_tuple(SPI_tuptable->vals[0], desc, values, isnull);
		sp_decode_stream(&map, values, isnull, out);
		found = true;
	}
	SPI_finish();
	return found;
}

/*
 * Citus: on a node that holds the stream's shard, a primary-key scan of that
 * shard (this is how the id forms work inside a query Citus pushed down to
 * a worker, where a routed query would be refused as "a distributed query
 * from a query on a shard").  Not kept open between calls: the shard
 * differs from id to id.
 */
static bool
lookup_shard(Oid shard, Datum id, sp_stream *out)
{
	Relation	heap = table_open(shard, AccessShareLock);
	Oid			indexid = sp_primary_key_index(heap);
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
	sp_attmap	map;
	bool		found;

	sp_attmap_build(&map, RelationGetDescr(heap));
	if (!OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("shard \"%s\" of streams has no primary key",
						RelationGetRelationName(heap))));
	check_primary_key(heap, indexid, map.attnum[SP_COL_ID], RelationGetNamespace(heap));
	index = index_open(indexid, AccessShareLock);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(heap), table_slot_callbacks(heap));
	scan = sp_index_beginscan(heap, index, GetActiveSnapshot(), 1);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, id);
	index_rescan(scan, &key, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found)
	{
		slot_getallattrs(slot);
		sp_decode_stream(&map, slot->tts_values, slot->tts_isnull, out);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
	return found;
}

bool
sp_lookup_stream(Oid nsp, Datum id, sp_stream *out, void **state, MemoryContext state_cxt)
{
	Relation	heap;
	IdScan	   *s = (IdScan *) *state;
	ScanKeyData key;
	bool		found = false;

	if (!ActiveSnapshotSet())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("streampay: no active snapshot for the stream lookup")));

	for (;;)
	{
		if (!cache.valid || cache.nsp != nsp)
			resolve(nsp);
		heap = table_open(cache.relid, AccessShareLock);
		/* taking the lock may have processed invalidations */
		if (cache.valid)
			break;
		table_close(heap, NoLock);
	}

	if (cache.acl_ok_user != GetUserId())
	{
		AclResult	aclresult = pg_class_aclcheck(cache.relid, GetUserId(), ACL_SELECT);

		if (aclresult != ACLCHECK_OK)
			aclcheck_error(aclresult, OBJECT_TABLE, RelationGetRelationName(heap));
		cache.acl_ok_user = GetUserId();
	}

	if (heap->rd_rel->relrowsecurity &&
		check_enable_rls(cache.relid, InvalidOid, false) == RLS_ENABLED)
	{
		table_close(heap, NoLock);
		return lookup_spi(nsp, id, out);
	}

	/*
	 * Citus: the table here is an empty shell.  Read the shard when this
	 * node holds it, else let Citus route the query to the node that does.
	 */
	if (cache.distributed)
	{
		Oid			shard = sp_citus_local_shard_for(cache.relid, id);

		table_close(heap, NoLock);
		if (OidIsValid(shard))
			return lookup_shard(shard, id, out);
		return lookup_spi(nsp, id, out);
	}

	/* reuse this call site's open scan while the relation has not changed */
	if (s != NULL && s->kept.alive &&
		(s->generation != cache_generation || RelationGetRelid(s->heap) != cache.relid))
		sp_kept_close(&s->kept);
	if (s == NULL || !s->kept.alive)
	{
		MemoryContext oldcxt;
		ResourceOwner oldowner;

		if (s == NULL)
		{
			s = MemoryContextAllocZero(state_cxt, sizeof(IdScan));
			*state = s;
		}
		/* the scan outlives this call: allocate it with the call site */
		oldcxt = MemoryContextSwitchTo(state_cxt);
		oldowner = sp_kept_begin(&s->kept, state_cxt, idscan_close);
		s->heap = table_open(cache.relid, AccessShareLock);
		s->index = index_open(cache.indexid, AccessShareLock);
		s->slot = MakeSingleTupleTableSlot(RelationGetDescr(s->heap),
										   table_slot_callbacks(s->heap));
		s->scan = sp_index_beginscan(s->heap, s->index, GetActiveSnapshot(), 1);
		CurrentResourceOwner = oldowner;
		MemoryContextSwitchTo(oldcxt);
		s->generation = cache_generation;
	}
	table_close(heap, NoLock);

	/* each call reads under the caller's current snapshot */
	s->scan->xs_snapshot = GetActiveSnapshot();
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, id);
	{
		/*
		 * Buffer pins taken by the scan belong to the scan's owner, and what
		 * the index AM allocates while scanning (btree's killed-items array,
		 * for one) must live as long as the scan, not just this call.
		 */
		ResourceOwner oldowner = CurrentResourceOwner;
		MemoryContext oldcxt = MemoryContextSwitchTo(state_cxt);

		CurrentResourceOwner = s->kept.owner;
		index_rescan(s->scan, &key, 1, NULL, 0);
		found = index_getnext_slot(s->scan, ForwardScanDirection, s->slot);
		if (found)
			slot_getallattrs(s->slot);
		MemoryContextSwitchTo(oldcxt);
		if (found)
			sp_decode_stream(&cache.map, s->slot->tts_values, s->slot->tts_isnull, out);
		/* do not keep the heap page pinned between calls */
		ExecClearTuple(s->slot);
		CurrentResourceOwner = oldowner;
	}
	return found;
}
