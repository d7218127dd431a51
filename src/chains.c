/*
 * chains.c
 *	  Look up a chain's address family in streampay_chains.
 *
 * The registry is a user table: its rows change without relcache
 * invalidations, so only its OIDs are cached (dropped by the relcache
 * callback); every lookup is a fresh index scan under the current snapshot,
 * like a foreign-key check.  It runs with the trigger's privileges on
 * purpose: validating a row must not depend on whether the writer may read
 * the registry.
 */
#include "compat.h"

#include "access/relation.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "access/genam.h"
#include "parser/parse_relation.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "chains.h"
#include "streampay.h"

typedef struct ChainCache
{
	bool		valid;
	Oid			nsp;
	Oid			relid;			/* InvalidOid: no registry in this schema */
	Oid			indexid;
	AttrNumber	family_attnum;
} ChainCache;

static ChainCache cache;

void
sp_chains_invalidate(Oid relid)
{
	if (relid == InvalidOid || relid == cache.relid || relid == cache.indexid)
		cache.valid = false;
}

sp_family
sp_family_from_name(const char *name)
{
	if (strcmp(name, "stellar") == 0)
		return SP_FAMILY_STELLAR;
	if (strcmp(name, "evm") == 0)
		return SP_FAMILY_EVM;
	return SP_FAMILY_UNREGISTERED;
}

static void
resolve(Oid nsp)
{
	Oid			relid = get_relname_relid("streampay_chains", nsp);

	cache.valid = false;
	cache.nsp = nsp;
	cache.relid = relid;
	cache.indexid = InvalidOid;
	if (OidIsValid(relid))
	{
		AttrNumber	chain_attnum;
		Relation	rel = table_open(relid, AccessShareLock);

		cache.indexid = sp_primary_key_index(rel);
		cache.family_attnum = attnameAttNum(rel, "family", false);
		chain_attnum = attnameAttNum(rel, "chain_id", false);
		table_close(rel, NoLock);

		/*
		 * The probe applies text equality to the key's first column: an
		 * owner who changed the primary key must get a refusal, not a
		 * comparison of the wrong column or type.
		 */
		if (OidIsValid(cache.indexid))
		{
			Relation	index = index_open(cache.indexid, AccessShareLock);
			Oid			keytype = TupleDescAttr(RelationGetDescr(index), 0)->atttypid;

			if (index->rd_rel->relam != BTREE_AM_OID || index->rd_index->indnkeyatts != 1 ||
				index->rd_index->indkey.values[0] != chain_attnum ||
				(keytype != TEXTOID && keytype != VARCHAROID))
				cache.indexid = InvalidOid;
			index_close(index, AccessShareLock);
		}
		if (!OidIsValid(cache.indexid) || cache.family_attnum == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("streampay_chains has no primary key on chain_id alone, or no family column"),
					 errhint("The chain registry is the extension's table; restore its primary key (chain_id) and family column.")));
	}
	cache.valid = true;
}

sp_family
sp_chain_family(Oid nsp, Datum chain_id)
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
	sp_family	family = SP_FAMILY_UNREGISTERED;

	/*
	 * A schema without a registry may gain one (ALTER EXTENSION UPDATE)
	 * without any invalidation for us: re-check the name each time.
	 */
	if (cache.valid && cache.nsp == nsp && !OidIsValid(cache.relid))
		cache.valid = !OidIsValid(get_relname_relid("streampay_chains", nsp));
	for (;;)
	{
		if (!cache.valid || cache.nsp != nsp)
			resolve(nsp);
		if (!OidIsValid(cache.relid))
			return SP_FAMILY_NO_REGISTRY;
		heap = table_open(cache.relid, AccessShareLock);
		if (cache.valid)
			break;
		table_close(heap, NoLock);
	}

	index = index_open(cache.indexid, AccessShareLock);
	slot = table_slot_create(heap, NULL);
	ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[0], F_TEXTEQ, chain_id);
	scan = sp_index_beginscan(heap, index, GetActiveSnapshot(), 1);
	index_rescan(scan, &key, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		f = slot_getattr(slot, cache.family_attnum, &isnull);

		if (!isnull)
			family = sp_family_from_name(TextDatumGetCString(f));
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return family;
}
