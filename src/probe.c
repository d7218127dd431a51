/*
 * probe.c
 *	  One-row index probes for webhook ingestion on one node.
 *
 * A delivery's first reads (is the event known? which stream, and where is
 * its newest event?) are single index probes.  As SQL statements, most of
 * their cost was starting and ending an executor for a plan of two index
 * scans; here they are index scans and nothing else.  They see what a new
 * statement would: a fresh snapshot in READ COMMITTED (after the delivery's
 * advisory locks, so a concurrent delivery that held them has committed),
 * and the transaction's own earlier writes.  Ingestion runs as the
 * extension's owner, so no privilege or row security applies, as for its
 * SQL.  On a Citus cluster the tables' rows are on the workers: ingestion
 * uses SQL there (sp_citus_distributed).
 */
#include "compat.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "inbox.h"

static Oid
relation_in(Oid nsp, const char *name)
{
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", get_namespace_name(nsp), name),
				 errhint("ALTER EXTENSION streampay UPDATE brings the schema to this library's version.")));
	return relid;
}

bool
sp_probe(Oid nsp, const char *relname, const char *indexname, int nkeys, const Datum *keys,
		 ScanDirection dir, int ncols, const char *const *cols, const Oid *types,
		 Datum *values, bool *nulls)
{
	Relation	heap = table_open(relation_in(nsp, relname), AccessShareLock);
	Oid			indexid = indexname ? relation_in(nsp, indexname) : sp_primary_key_index(heap);
	Relation	index;
	ScanKeyData skey[INDEX_MAX_KEYS];
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found;

	if (!OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s.%s\" has no primary key", get_namespace_name(nsp), relname)));
	index = index_open(indexid, AccessShareLock);
	if (nkeys > IndexRelationGetNumberOfKeyAttributes(index))
		elog(ERROR, "index \"%s\" has fewer than %d key columns", RelationGetRelationName(index), nkeys);
	for (int i = 0; i < nkeys; i++)
	{
		Oid			type = index->rd_opcintype[i];
		Oid			op = get_opfamily_member(index->rd_opfamily[i], type, type,
											 BTEqualStrategyNumber);

		if (!OidIsValid(op))
			elog(ERROR, "no equality operator for column %d of index \"%s\"", i + 1,
				 RelationGetRelationName(index));
		ScanKeyEntryInitialize(&skey[i], 0, i + 1, BTEqualStrategyNumber, type,
							   index->rd_indcollation[i], get_opcode(op), keys[i]);
	}

	/* what a new statement sees: the transaction's own writes, a new snapshot */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	scan = sp_index_beginscan(heap, index, snapshot, nkeys);
	index_rescan(scan, skey, nkeys, NULL, 0);
	slot = table_slot_create(heap, NULL);
	found = index_getnext_slot(scan, dir, slot);
	if (found)
	{
		for (int c = 0; c < ncols; c++)
		{
			AttrNumber	attnum = get_attnum(RelationGetRelid(heap), cols[c]);
			Form_pg_attribute att;

			if (attnum == InvalidAttrNumber)
				elog(ERROR, "relation \"%s\" has no column \"%s\"", relname, cols[c]);
			att = TupleDescAttr(RelationGetDescr(heap), attnum - 1);
			if (!sp_type_fits(att->atttypid, types[c]))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("%s column \"%s\" has type %s, not %s", relname, cols[c],
								format_type_be(att->atttypid), format_type_be(types[c])),
						 errhint("Webhook ingestion reads the tables as the extension created them; restore the column's type.")));
			values[c] = slot_getattr(slot, attnum, &nulls[c]);
			if (!nulls[c])
				values[c] = datumCopy(values[c], att->attbyval, att->attlen);
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	UnregisterSnapshot(snapshot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return found;
}
