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
#include "access/xact.h"
#include "lib/ilist.h"
#include "tcop/utility.h"
#include "utils/resowner.h"
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

#include "errors.h"
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
} LookupCache;

static LookupCache cache;

/* bumped whenever the cache is reset: open scans from before are stale */
static uint64 cache_generation = 0;

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
 * join, rather than 100,000 scan set-ups.
 *
 * Its resources (relation references, buffer pins, the index lock) belong to
 * a private resource owner, a child of the (sub)transaction's, so that the
 * end of a portal or query does not release them under us (plpgsql keeps
 * call sites alive across statements).  It is closed, and its owner
 * released into the parent, when the call site's memory goes away, before
 * the subtransaction that opened it commits, or before the transaction
 * commits.  On abort the parent owner releases everything itself and the
 * scan is only forgotten.
 */
typedef struct IdScan
{
	dlist_node	node;			/* in live_scans while alive */
	bool		alive;
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ResourceOwner owner;
	SubTransactionId subxid;
	uint64		generation;
	MemoryContextCallback cb;
} IdScan;

static dlist_head live_scans = DLIST_STATIC_INIT(live_scans);

static void
idscan_forget(IdScan *s)
{
	if (!s->alive)
		return;
	s->alive = false;
	dlist_delete(&s->node);
}

static void
idscan_close(IdScan *s)
{
	ResourceOwner save = CurrentResourceOwner;

	if (!s->alive)
		return;
	idscan_forget(s);
	CurrentResourceOwner = s->owner;
	index_endscan(s->scan);
	ExecDropSingleTupleTableSlot(s->slot);
	index_close(s->index, NoLock);
	table_close(s->heap, NoLock);
	CurrentResourceOwner = save;
	/* hand the lock to the parent owner, as a subtransaction commit does */
	ResourceOwnerRelease(s->owner, RESOURCE_RELEASE_BEFORE_LOCKS, true, false);
	ResourceOwnerRelease(s->owner, RESOURCE_RELEASE_LOCKS, true, false);
	ResourceOwnerRelease(s->owner, RESOURCE_RELEASE_AFTER_LOCKS, true, false);
	ResourceOwnerDelete(s->owner);
	s->owner = NULL;
}

static void
idscan_context_gone(void *arg)
{
	idscan_close((IdScan *) arg);
}

static void
lookup_xact_callback(XactEvent event, void *arg)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live_scans)
	{
		IdScan	   *s = dlist_container(IdScan, node, iter.cur);

		if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT ||
			event == XACT_EVENT_PRE_PREPARE)
			idscan_close(s);
		else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
			idscan_forget(s);
	}
}

static void
lookup_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live_scans)
	{
		IdScan	   *s = dlist_container(IdScan, node, iter.cur);

		/* subtransaction ids grow with nesting: >= mySubid is this one or a child */
		if (s->subxid < mySubid)
			continue;
		if (event == SUBXACT_EVENT_PRE_COMMIT_SUB)
			idscan_close(s);
		else if (event == SUBXACT_EVENT_ABORT_SUB)
			idscan_forget(s);
	}
}

static ProcessUtility_hook_type prev_process_utility = NULL;

/*
 * DDL in the same transaction (ALTER TABLE streams, DROP EXTENSION, ...)
 * refuses to run while this session holds the table open.  Open scans are
 * only a cache: close them all before any utility statement; call sites
 * still running reopen theirs on their next call.
 */
static void
lookup_process_utility(SP_PROCESS_UTILITY_ARGS)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live_scans)
		idscan_close(dlist_container(IdScan, node, iter.cur));
	if (prev_process_utility)
		prev_process_utility(SP_PROCESS_UTILITY_PASS);
	else
		standard_ProcessUtility(SP_PROCESS_UTILITY_PASS);
}

void
sp_lookup_init(void)
{
	RegisterXactCallback(lookup_xact_callback, NULL);
	RegisterSubXactCallback(lookup_subxact_callback, NULL);
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = lookup_process_utility;
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
	indexid = RelationGetPrimaryKeyIndex(rel);
	if (!OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("relation \"%s.streams\" has no primary key",
						get_namespace_name(nsp))));
	cache.valid = false;
	sp_attmap_build(&cache.map, RelationGetDescr(rel));
	cache.nsp = nsp;
	cache.relid = relid;
	cache.indexid = indexid;
	cache.acl_ok_user = InvalidOid;
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
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 2);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args returned %d", rc);
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

bool
sp_lookup_stream(Oid nsp, Datum id, sp_stream *out, void **state, MemoryContext state_cxt)
{
	Relation	heap;
	IdScan	   *s = (IdScan *) *state;
	ScanKeyData key;
	bool		found = false;

	if (!ActiveSnapshotSet())
		elog(ERROR, "streampay: no active snapshot for the stream lookup");

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

	/* reuse this call site's open scan while the relation has not changed */
	if (s != NULL && s->alive &&
		(s->generation != cache_generation || RelationGetRelid(s->heap) != cache.relid))
		idscan_close(s);
	if (s == NULL || !s->alive)
	{
		MemoryContext oldcxt;
		ResourceOwner oldowner = CurrentResourceOwner;

		if (s == NULL)
		{
			s = MemoryContextAllocZero(state_cxt, sizeof(IdScan));
			s->cb.func = idscan_context_gone;
			s->cb.arg = s;
			MemoryContextRegisterResetCallback(state_cxt, &s->cb);
			*state = s;
		}
		/* the scan outlives this call: allocate it with the call site */
		oldcxt = MemoryContextSwitchTo(state_cxt);
		s->owner = ResourceOwnerCreate(CurTransactionResourceOwner, "streampay lookup");
		CurrentResourceOwner = s->owner;
		s->heap = table_open(cache.relid, AccessShareLock);
		s->index = index_open(cache.indexid, AccessShareLock);
		s->slot = MakeSingleTupleTableSlot(RelationGetDescr(s->heap),
										   table_slot_callbacks(s->heap));
		s->scan = sp_index_beginscan(s->heap, s->index, GetActiveSnapshot(), 1);
		CurrentResourceOwner = oldowner;
		MemoryContextSwitchTo(oldcxt);
		s->subxid = GetCurrentSubTransactionId();
		s->generation = cache_generation;
		s->alive = true;
		dlist_push_head(&live_scans, &s->node);
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

		CurrentResourceOwner = s->owner;
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
