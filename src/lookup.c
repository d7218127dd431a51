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

void
sp_lookup_invalidate(Oid relid)
{
	if (relid == InvalidOid || relid == cache.relid || relid == cache.indexid)
		cache.valid = false;
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
sp_lookup_stream(Oid nsp, Datum id, sp_stream *out)
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
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

	index = index_open(cache.indexid, AccessShareLock);
	slot = table_slot_create(heap, NULL);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, id);
	scan = sp_index_beginscan(heap, index, GetActiveSnapshot(), 1);
	index_rescan(scan, &key, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		slot_getallattrs(slot);
		sp_decode_stream(&cache.map, slot->tts_values, slot->tts_isnull, out);
		found = true;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return found;
}
