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
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/tuptable.h"
#include "nodes/primnodes.h"
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

/* the indexes the extension created, as the probes read them */
static const sp_probe_col streams_pkey_cols[] = {{"id", UUIDOID, false}};
const sp_probe_index sp_probe_streams_pkey = {
	"streams", NULL, 1, streams_pkey_cols, NULL, false,
	"the primary key streams (id)",
	"Restore the primary key: ALTER TABLE streams DROP CONSTRAINT <its name>, ADD PRIMARY KEY (id)."
};
static const sp_probe_col inbox_pkey_cols[] = {{"event_id", TEXTOID, false}};
const sp_probe_index sp_probe_inbox_pkey = {
	"stream_inbox", "stream_inbox_pkey", 1, inbox_pkey_cols, NULL, false,
	"the primary key stream_inbox (event_id)",
	"Restore the primary key: ALTER TABLE stream_inbox ADD CONSTRAINT stream_inbox_pkey PRIMARY KEY (event_id)."
};
static const sp_probe_col events_external_cols[] = {{"external_event_id", TEXTOID, false}};
const sp_probe_index sp_probe_events_external = {
	"stream_events", "stream_events_external_event_id_key", 1, events_external_cols,
	"external_event_id", false,
	"a btree on stream_events (external_event_id) WHERE external_event_id IS NOT NULL",
	"Restore the index: CREATE UNIQUE INDEX stream_events_external_event_id_key ON stream_events (external_event_id) WHERE external_event_id IS NOT NULL."
};
static const sp_probe_col inbox_order_cols[] = {
	{"stream_id", UUIDOID, false}, {"occurred_at", TIMESTAMPOID, false},
	{"chain_ledger", INT8OID, true}, {"chain_event_index", INT8OID, true},
	{"event_id", TEXTOID, false}
};
const sp_probe_index sp_probe_inbox_order = {
	"stream_inbox", "stream_inbox_order_idx", 5, inbox_order_cols, NULL, false,
	"a btree on stream_inbox (stream_id, occurred_at, (COALESCE(chain_ledger, -1)), (COALESCE(chain_event_index, -1)), event_id)",
	"Restore the index: CREATE INDEX stream_inbox_order_idx ON stream_inbox (stream_id, occurred_at, (COALESCE(chain_ledger, -1)), (COALESCE(chain_event_index, -1)), event_id)."
};
static const sp_probe_col streams_chain_stream_id_cols[] = {{"chain_stream_id", TEXTOID, false}};
const sp_probe_index sp_probe_streams_chain_stream_id = {
	"streams", "streams_chain_stream_id_idx", 1, streams_chain_stream_id_cols,
	"chain_stream_id", false,
	"a btree on streams (chain_stream_id) WHERE chain_stream_id IS NOT NULL",
	"Restore the index: CREATE INDEX streams_chain_stream_id_idx ON streams (chain_stream_id) WHERE chain_stream_id IS NOT NULL."
};
static const sp_probe_col inbox_unresolved_cols[] = {{"chain_stream_id", TEXTOID, false}};
const sp_probe_index sp_probe_inbox_unresolved = {
	"stream_inbox", "stream_inbox_unresolved_idx", 1, inbox_unresolved_cols, "stream_id", true,
	"a btree on stream_inbox (chain_stream_id) WHERE stream_id IS NULL",
	"Restore the index: CREATE INDEX stream_inbox_unresolved_idx ON stream_inbox (chain_stream_id) WHERE stream_id IS NULL."
};

/* the default btree operator family of a built-in type, looked up once */
static Oid
default_btree_family(Oid type)
{
	static Oid	types[4];
	static Oid	families[4];
	size_t		i;
	Oid			opclass;

	for (i = 0; i < lengthof(types) && OidIsValid(types[i]); i++)
		if (types[i] == type)
			return families[i];
	opclass = GetDefaultOpClass(type, BTREE_AM_OID);
	if (!OidIsValid(opclass))
		return InvalidOid;
	if (i < lengthof(types))
	{
		types[i] = type;
		families[i] = get_opclass_family(opclass);
		return families[i];
	}
	return get_opclass_family(opclass);
}

/* Is 'node' the Var of heap column 'attnum'? */
static bool
is_column(Node *node, AttrNumber attnum)
{
	return node != NULL && IsA(node, Var) && ((Var *) node)->varattno == attnum;
}

/*
 * Why 'index' is not the index 'spec' describes, or NULL when it is.  The
 * scan applies each key column's equality operator to a datum of the type
 * the probe holds and reads the first row in index order: an index on
 * another column, of another type or operator family, in another order,
 * or partial on another condition would compare a datum of the wrong type
 * (the backend crashed on a uuid compared as varchar) or answer for the
 * wrong rows.
 */
static char *
index_mismatch(Relation heap, Relation index, const sp_probe_index *spec)
{
	Form_pg_index form = index->rd_index;
	Oid			heapid = RelationGetRelid(heap);
	List	   *exprs;
	ListCell   *next_expr;
	List	   *pred;

	if (form->indrelid != heapid)
		return psprintf("It is an index of \"%s\", not of %s.",
						get_rel_name(form->indrelid), spec->relname);
	if (index->rd_rel->relam != BTREE_AM_OID)
		return pstrdup("It is not a btree.");
	if (!form->indisvalid || !form->indislive)
		return pstrdup("It is not valid (an interrupted CREATE INDEX CONCURRENTLY leaves such an index).");
	if (form->indnkeyatts != spec->nkeys)
		return psprintf("It has %d key columns, not %d.", form->indnkeyatts, spec->nkeys);

	exprs = RelationGetIndexExpressions(index);
	next_expr = list_head(exprs);
	for (int i = 0; i < spec->nkeys; i++)
	{
		const sp_probe_col *col = &spec->cols[i];
		AttrNumber	attnum = get_attnum(heapid, col->column);
		AttrNumber	indexed = form->indkey.values[i];
		Oid			atttype = attnum == InvalidAttrNumber ? InvalidOid
			: get_atttype(heapid, attnum);

		if (attnum == InvalidAttrNumber)
			return psprintf("%s has no column %s.", spec->relname, col->column);
		if (!col->coalesced)
		{
			if (indexed != attnum)
				return psprintf("Its key column %d is %s, not %s.", i + 1,
								indexed == 0 ? "an expression" : get_attname(heapid, indexed, false),
								col->column);
			if (!sp_type_fits(atttype, col->type))
				return psprintf("Its key column %d, %s, has type %s, not %s.", i + 1, col->column,
								format_type_be(atttype), format_type_be(col->type));
		}
		else
		{
			Node	   *e = NULL;
			CoalesceExpr *c;
			Const	   *k;

			if (indexed == 0 && next_expr != NULL)
			{
				e = (Node *) lfirst(next_expr);
				next_expr = lnext(exprs, next_expr);
			}
			c = (e != NULL && IsA(e, CoalesceExpr)) ? (CoalesceExpr *) e : NULL;
			k = (c != NULL && list_length(c->args) == 2 && IsA(lsecond(c->args), Const))
				? (Const *) lsecond(c->args) : NULL;
			if (atttype != col->type || k == NULL || c->coalescetype != col->type ||
				!is_column((Node *) linitial(c->args), attnum) ||
				k->consttype != INT8OID || k->constisnull || DatumGetInt64(k->constvalue) != -1)
				return psprintf("Its key column %d is not COALESCE(%s, -1) of type %s.", i + 1,
								col->column, format_type_be(col->type));
		}
		if (index->rd_opcintype[i] != col->type ||
			index->rd_opfamily[i] != default_btree_family(col->type))
			return psprintf("Its key column %d does not use the default btree operator class of %s.",
							i + 1, format_type_be(col->type));
		if (index->rd_indoption[i] != 0)
			return psprintf("Its key column %d is not in ascending order with nulls last.", i + 1);
	}

	pred = RelationGetIndexPredicate(index);
	if (spec->pred_column == NULL ? pred != NIL :
		!(list_length(pred) == 1 && IsA(linitial(pred), NullTest) &&
		  ((NullTest *) linitial(pred))->nulltesttype == (spec->pred_is_null ? IS_NULL : IS_NOT_NULL) &&
		  is_column((Node *) ((NullTest *) linitial(pred))->arg, get_attnum(heapid, spec->pred_column))))
		return pstrdup(spec->pred_column == NULL ? "It is a partial index."
					   : "It is partial on another condition.");
	return NULL;
}

bool
sp_probe(Oid nsp, const sp_probe_index *spec, int nkeys, const Datum *keys,
		 ScanDirection dir, int ncols, const char *const *cols, const Oid *types,
		 Datum *values, bool *nulls)
{
	Relation	heap = table_open(relation_in(nsp, spec->relname), AccessShareLock);
	Oid			indexid = spec->indexname ? relation_in(nsp, spec->indexname)
		: sp_primary_key_index(heap);
	Relation	index;
	ScanKeyData skey[INDEX_MAX_KEYS];
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found;
	char	   *mismatch;

	if (!OidIsValid(indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s.%s\" has no primary key", get_namespace_name(nsp), spec->relname),
				 errdetail("Webhook ingestion looks rows up by %s.", spec->shape),
				 errhint("%s", spec->restore)));
	index = index_open(indexid, AccessShareLock);
	Assert(nkeys <= spec->nkeys);
	mismatch = index_mismatch(heap, index, spec);
	if (mismatch != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhook ingestion cannot probe index \"%s.%s\": it is not %s",
						get_namespace_name(nsp), RelationGetRelationName(index), spec->shape),
				 errdetail("%s", mismatch),
				 errhint("%s", spec->restore)));
	for (int i = 0; i < nkeys; i++)
	{
		Oid			type = index->rd_opcintype[i];
		Oid			op = get_opfamily_member(index->rd_opfamily[i], type, type,
											 BTEqualStrategyNumber);

		/* the default btree family of a built-in type has its equality */
		if (!OidIsValid(op))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("index \"%s.%s\" has no equality operator for its key column %d",
							get_namespace_name(nsp), RelationGetRelationName(index), i + 1),
					 errhint("%s", spec->restore)));
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
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("relation \"%s.%s\" has no column \"%s\"",
								get_namespace_name(nsp), spec->relname, cols[c]),
						 errhint("Webhook ingestion reads the tables as the extension created them; restore the column.")));
			att = TupleDescAttr(RelationGetDescr(heap), attnum - 1);
			if (!sp_type_fits(att->atttypid, types[c]))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("%s column \"%s\" has type %s, not %s", spec->relname, cols[c],
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
