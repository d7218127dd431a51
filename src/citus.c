/*
 * citus.c
 *	  Citus support, detected at run time.
 *
 * On a Citus cluster the extension's streams and stream_events are
 * distributed tables: on the coordinator they are empty shells, and the
 * rows live in shards on the workers (streams_102008, stream_events_102040,
 * ...), where the row triggers fire.  Three things in streampay find
 * tables by name and need to know that:
 *
 *   - the ledger trigger accepts only the extension's own streams; on a
 *     worker it fires on a shard of it, and must append to the colocated
 *     shard of stream_events (ledger.c);
 *   - the id forms look a stream up in the local heap by primary key; on a
 *     node that holds the stream's shard they scan that shard, elsewhere
 *     (the coordinator) they let Citus route a query (lookup.c);
 *   - nothing else: the column lookups are by name already (stream_row.c).
 *
 * Nothing here includes a Citus header or links against Citus: the answers
 * come from Citus' catalog tables in pg_catalog (pg_dist_partition,
 * pg_dist_shard, pg_dist_placement, pg_dist_local_group), read with SPI and
 * cached; without them every function here says "not Citus" and streampay
 * behaves as it always did.  Citus invalidates the relcache entry of a
 * distributed table whenever its shards or placements change (a shard
 * move, a rebalance, a split), and streampay's relcache callback then drops
 * what is cached here.
 *
 * One more thing breaks in queries Citus pushes down: Citus writes a
 * whole-row reference (streampay_accrued(s, t), streampay_sum_accrued(s, t))
 * into the worker's query as "s.*" of the shard, whose row type is the
 * shard's (streams_102008), not streams, and the worker finds no function
 * streampay_accrued(streams_102008, timestamp) (42883).  A planner hook,
 * ahead of Citus', rewrites such arguments before Citus sees the query:
 * the money row forms into their column form (what the planner support
 * function does on one node), the streampay_sum_* aggregates into sum() of
 * that column form (Citus pushes no aggregate with an internal state down,
 * and would ship every row to the coordinator; sum() it splits into
 * partial sums on the workers), any other function or aggregate argument
 * and any other whole-row reference into ROW(s.id, s.payer, ...)::streams,
 * which the worker reads back as a streams row.
 *
 * Shard names are <table>_<shardid> (Citus shortens longer names with a
 * hash, which streampay's short table names never reach).  A hash-
 * distributed uuid column is hashed with uuid's default hash function,
 * uuid_hash, into int32 ranges [shardminvalue, shardmaxvalue].
 */
#include "compat.h"

#include <limits.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "access/table.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "optimizer/prep.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "citus.h"
#include "errors.h"
#include "streampay.h"

/* what a distributed-or-not answer was cached for */
#define DIST_SLOTS 64
typedef struct DistEntry
{
	Oid			relid;
	bool		distributed;
} DistEntry;
static DistEntry dist_cache[DIST_SLOTS];
static int	dist_next = 0;

/* shard relations verified as placements of a logical table */
#define SHARD_SLOTS 32
typedef struct ShardEntry
{
	Oid			relid;			/* the shard relation */
	Oid			logical;
	int64		shardid;		/* 0: verified not to be a shard */
} ShardEntry;
static ShardEntry shard_cache[SHARD_SLOTS];
static int	shard_next = 0;

/* the shard intervals of one hash-distributed table, with local placements */
typedef struct Intervals
{
	bool		valid;
	Oid			logical;
	int			n;
	int32	   *min;
	int32	   *max;
	int64	   *shardid;
	bool	   *local;
	MemoryContext cxt;
} Intervals;
static Intervals intervals;

/* bumped by every invalidation that concerns this file's caches */
static uint64 generation = 0;

void
sp_citus_invalidate(Oid relid)
{
	bool		hit = relid == InvalidOid || relid == intervals.logical;

	for (int i = 0; i < DIST_SLOTS; i++)
		if (relid == InvalidOid || dist_cache[i].relid == relid)
		{
			dist_cache[i].relid = InvalidOid;
			hit = true;
		}
	for (int i = 0; i < SHARD_SLOTS; i++)
		if (relid == InvalidOid || shard_cache[i].relid == relid ||
			shard_cache[i].logical == relid)
		{
			shard_cache[i].relid = InvalidOid;
			hit = true;
		}
	if (hit)
	{
		intervals.valid = false;
		generation++;
	}
}

bool
sp_citus_installed(void)
{
	/* a syscache lookup: cheap enough to ask every time */
	return OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) &&
		OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE));
}

static void
spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("streampay: SPI_connect failed")));
}

static void
spi_select(const char *query, int nargs, Oid *argtypes, Datum *args)
{
	int			rc = SPI_execute_with_args(query, nargs, argtypes, args, NULL, true, 0);

	if (rc != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("streampay: reading the Citus catalog returned SPI code %d", rc)));
}

/* while reading the Citus catalog: its own queries are not rewritten */
static int	reading_catalog = 0;

bool
sp_citus_distributed(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	bool		distributed = false;

	if (!OidIsValid(relid) || !sp_citus_installed())
		return false;
	for (int i = 0; i < DIST_SLOTS; i++)
		if (dist_cache[i].relid == relid)
			return dist_cache[i].distributed;

	reading_catalog++;
	PG_TRY();
	{
		spi_connect();
		spi_select("SELECT 1 FROM pg_catalog.pg_dist_partition"
				   " WHERE logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
				   1, argtypes, args);
		distributed = SPI_processed > 0;
		SPI_finish();
	}
	PG_FINALLY();
	{
		reading_catalog--;
	}
	PG_END_TRY();

	dist_cache[dist_next].relid = relid;
	dist_cache[dist_next].distributed = distributed;
	dist_next = (dist_next + 1) % DIST_SLOTS;
	return distributed;
}

static char *
shard_name(Oid logical, int64 shardid)
{
	char	   *relname = get_rel_name(logical);

	if (relname == NULL)
		return NULL;
	return psprintf("%s_" INT64_FORMAT, relname, shardid);
}

int64
sp_citus_shard_of(Relation rel, Oid logical)
{
	Oid			relid = RelationGetRelid(rel);
	const char *name = RelationGetRelationName(rel);
	char	   *lname;
	size_t		llen;
	const char *digits;
	int64		shardid = 0;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	if (!OidIsValid(logical) || !sp_citus_installed())
		return 0;
	for (int i = 0; i < SHARD_SLOTS; i++)
		if (shard_cache[i].relid == relid && shard_cache[i].logical == logical)
			return shard_cache[i].shardid;

	/* <logical>_<digits>, in the logical table's schema, with its owner */
	lname = get_rel_name(logical);
	llen = lname ? strlen(lname) : 0;
	if (lname != NULL && strncmp(name, lname, llen) == 0 && name[llen] == '_' &&
		name[llen + 1] != '\0' &&
		RelationGetNamespace(rel) == get_rel_namespace(logical))
	{
		bool		all_digits = true;

		digits = name + llen + 1;
		for (const char *p = digits; *p; p++)
			all_digits &= (*p >= '0' && *p <= '9');
		if (all_digits && strlen(digits) <= 18)
			shardid = strtoi64(digits, NULL, 10);
	}
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(logical));
	if (HeapTupleIsValid(tup))
	{
		owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
	}
	if (shardid > 0 && owner != rel->rd_rel->relowner)
		shardid = 0;

	/* and registered in pg_dist_shard as a shard of it */
	if (shardid > 0)
	{
		Oid			argtypes[2] = {INT8OID, OIDOID};
		Datum		args[2] = {Int64GetDatum(shardid), ObjectIdGetDatum(logical)};

		spi_connect();
		spi_select("SELECT 1 FROM pg_catalog.pg_dist_shard"
				   " WHERE shardid OPERATOR(pg_catalog.=) $1"
				   "   AND logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $2",
				   2, argtypes, args);
		if (SPI_processed == 0)
			shardid = 0;
		SPI_finish();
	}

	shard_cache[shard_next].relid = relid;
	shard_cache[shard_next].logical = logical;
	shard_cache[shard_next].shardid = shardid;
	shard_next = (shard_next + 1) % SHARD_SLOTS;
	return shardid;
}

Oid
sp_citus_colocated_shard(int64 shardid, Oid source_logical, Oid target, const char *what)
{
	Oid			argtypes[3] = {INT8OID, OIDOID, OIDOID};
	Datum		args[3] = {Int64GetDatum(shardid), ObjectIdGetDatum(source_logical),
	ObjectIdGetDatum(target)};
	int64		target_shard = 0;
	char	   *name;
	Oid			relid;

	if (!sp_citus_distributed(target))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ledger of \"%s\": %s is distributed with Citus but %s is not",
						what, get_rel_name(source_logical), get_rel_name(target)),
				 errdetail("The ledger of a stream must live on the node that holds the stream."),
				 errhint("SELECT create_distributed_table('%s', 'stream_id', colocate_with => '%s');",
						 get_rel_name(target), get_rel_name(source_logical))));

	spi_connect();
	spi_select("SELECT e.shardid"
			   "  FROM pg_catalog.pg_dist_shard s"
			   "  JOIN pg_catalog.pg_dist_partition ps"
			   "    ON ps.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid"
			   "  JOIN pg_catalog.pg_dist_partition pe"
			   "    ON pe.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $3"
			   "   AND pe.colocationid OPERATOR(pg_catalog.=) ps.colocationid"
			   "  JOIN pg_catalog.pg_dist_shard e"
			   "    ON e.logicalrelid OPERATOR(pg_catalog.=) pe.logicalrelid"
			   "   AND e.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue"
			   "   AND e.shardmaxvalue OPERATOR(pg_catalog.=) s.shardmaxvalue"
			   " WHERE s.shardid OPERATOR(pg_catalog.=) $1"
			   "   AND s.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $2",
			   3, argtypes, args);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			target_shard = DatumGetInt64(d);
	}
	SPI_finish();

	if (target_shard == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ledger of \"%s\": %s is not colocated with %s",
						what, get_rel_name(target), get_rel_name(source_logical)),
				 errdetail("Shard " INT64_FORMAT " of %s has no shard of %s with the same hash range in the same colocation group.",
						   shardid, get_rel_name(source_logical), get_rel_name(target)),
				 errhint("Distribute %s by stream_id with colocate_with => '%s'.",
						 get_rel_name(target), get_rel_name(source_logical))));

	name = shard_name(target, target_shard);
	relid = name ? get_relname_relid(name, get_rel_namespace(target)) : InvalidOid;
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ledger of \"%s\": shard " INT64_FORMAT " of %s is not on this node",
						what, target_shard, get_rel_name(target)),
				 errdetail("Shard " INT64_FORMAT " of %s is here, its colocated ledger shard is not.",
						   shardid, get_rel_name(source_logical))));
	return relid;
}

/* (re)load the shard intervals of logical, with which of them are placed here */
static void
load_intervals(Oid logical)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(logical)};
	uint64		gen;

	for (;;)
	{
		MemoryContext old;
		int			n;

		gen = generation;
		intervals.valid = false;
		if (intervals.cxt == NULL)
			intervals.cxt = AllocSetContextCreate(CacheMemoryContext, "streampay citus shards",
												  ALLOCSET_SMALL_SIZES);
		MemoryContextReset(intervals.cxt);

		spi_connect();
		spi_select("SELECT s.shardid, s.shardminvalue::pg_catalog.int4, s.shardmaxvalue::pg_catalog.int4,"
				   "       EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement p, pg_catalog.pg_dist_local_group g"
				   "                WHERE p.shardid OPERATOR(pg_catalog.=) s.shardid"
				   "                  AND p.groupid OPERATOR(pg_catalog.=) g.groupid"
				   "                  AND p.shardstate OPERATOR(pg_catalog.=) 1)"
				   "  FROM pg_catalog.pg_dist_shard s"
				   "  JOIN pg_catalog.pg_dist_partition d"
				   "    ON d.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid"
				   " WHERE s.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1"
				   "   AND d.partmethod OPERATOR(pg_catalog.=) 'h'"
				   " ORDER BY 2",
				   1, argtypes, args);
		n = (int) SPI_processed;
		old = MemoryContextSwitchTo(intervals.cxt);
		intervals.min = palloc((n + 1) * sizeof(int32));
		intervals.max = palloc((n + 1) * sizeof(int32));
		intervals.shardid = palloc((n + 1) * sizeof(int64));
		intervals.local = palloc((n + 1) * sizeof(bool));
		MemoryContextSwitchTo(old);
		for (int i = 0; i < n; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];
			TupleDesc	d = SPI_tuptable->tupdesc;
			bool		isnull;

			intervals.shardid[i] = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
			intervals.min[i] = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
			intervals.max[i] = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
			intervals.local[i] = DatumGetBool(SPI_getbinval(t, d, 4, &isnull));
		}
		SPI_finish();
		intervals.n = n;
		intervals.logical = logical;
		/* an invalidation that arrived while reading: read again */
		if (gen == generation)
			break;
	}
	intervals.valid = true;
}

Oid
sp_citus_local_shard_for(Oid logical, Datum id)
{
	int32		hash = DatumGetInt32(DirectFunctionCall1(uuid_hash, id));

	if (!intervals.valid || intervals.logical != logical)
		load_intervals(logical);
	for (int i = 0; i < intervals.n; i++)
	{
		if (hash < intervals.min[i] || hash > intervals.max[i])
			continue;
		if (!intervals.local[i])
			return InvalidOid;
		{
			char	   *name = shard_name(logical, intervals.shardid[i]);

			return name ? get_relname_relid(name, get_rel_namespace(logical)) : InvalidOid;
		}
	}
	return InvalidOid;
}

/*
 * The planner hook: whole-row references to a distributed table, as
 * arguments of a function or an aggregate, become their columns (the money
 * row forms) or a ROW(...) of the table's row type, so that the query Citus
 * writes for a shard names no shard row type.
 */
typedef struct RowVarContext
{
	List	   *queries;		/* the query levels, innermost first */
	bool		changed;
} RowVarContext;

static planner_hook_type prev_planner = NULL;

/* the distributed table whose whole row var is, or InvalidOid */
static Oid
distributed_row(Var *var, RowVarContext *cx)
{
	Query	   *q;
	RangeTblEntry *rte;

	if (!IsA(var, Var) || var->varattno != 0 ||
		var->varlevelsup >= (Index) list_length(cx->queries))
		return InvalidOid;
	q = (Query *) list_nth(cx->queries, var->varlevelsup);
	if (var->varno < 1 || var->varno > list_length(q->rtable))
		return InvalidOid;
	rte = rt_fetch(var->varno, q->rtable);
	if (rte->rtekind != RTE_RELATION || get_rel_type_id(rte->relid) != var->vartype ||
		get_rel_namespace(rte->relid) == PG_CATALOG_NAMESPACE ||
		!sp_citus_distributed(rte->relid))
		return InvalidOid;
	return rte->relid;
}

/*
 * ROW(var.col1, var.col2, ...)::the table's row type, NULL where var is
 * NULL (the missing side of an outer join: a whole-row Var is then NULL,
 * a ROW of NULLs would not be), told by a NOT NULL column.
 */
static Node *
row_of_columns(Var *var, Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	RowExpr    *row = makeNode(RowExpr);
	Var		   *notnull = NULL;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			row->args = lappend(row->args, makeNullConst(INT4OID, -1, InvalidOid));
		else
		{
			Var		   *col = makeVar(var->varno, att->attnum, att->atttypid, att->atttypmod,
									  att->attcollation, var->varlevelsup);

			sp_copy_var_markings(col, var);
			row->args = lappend(row->args, col);
			row->colnames = lappend(row->colnames, makeString(pstrdup(NameStr(att->attname))));
			if (att->attnotnull && notnull == NULL)
				notnull = col;
		}
	}
	row->row_typeid = var->vartype;
	row->row_format = COERCE_EXPLICIT_CAST;
	row->location = -1;
	table_close(rel, NoLock);
	if (notnull != NULL)
	{
		CaseExpr   *c = makeNode(CaseExpr);
		CaseWhen   *w = makeNode(CaseWhen);
		NullTest   *nt = makeNode(NullTest);

		nt->arg = (Expr *) copyObject(notnull);
		nt->nulltesttype = IS_NULL;
		nt->argisrow = false;
		nt->location = -1;
		w->expr = (Expr *) nt;
		w->result = (Expr *) makeNullConst(var->vartype, -1, InvalidOid);
		w->location = -1;
		c->casetype = var->vartype;
		c->casecollid = InvalidOid;
		c->args = list_make1(w);
		c->defresult = (Expr *) row;
		c->location = -1;
		return (Node *) c;
	}
	return (Node *) row;
}

/*
 * streampay_sum_accrued/claimable/refundable(s, t) over a distributed table
 * as sum(streampay_accrual_from_columns(kind, s.id, ..., t)): the same
 * exact sum (the per-row values are exact, numeric addition is exact, NULL
 * rows and times are skipped, no rows give NULL), but Citus pushes sum()
 * down to the workers and adds the partial sums, while it cannot push down
 * an aggregate whose transition state is internal: it would ship every row
 * to the coordinator.  NULL when agg is not such a call.
 */
static Node *
sum_of_columns(Aggref *agg, RowVarContext *cx)
{
	static const char *const names[] = {
		"streampay_sum_accrued", "streampay_sum_claimable", "streampay_sum_refundable"
	};
	char	   *name;
	int			kind = -1;
	TargetEntry *row_te;
	TargetEntry *t_te;
	Var		   *row;
	Oid			relid;
	Node	   *cols;
	Aggref	   *sum;

	if (agg->aggdistinct != NIL || agg->aggorder != NIL || agg->aggkind != AGGKIND_NORMAL ||
		agg->agglevelsup != 0 || list_length(agg->args) != 2)
		return NULL;
	name = get_func_name(agg->aggfnoid);
	for (int i = 0; name != NULL && i < (int) lengthof(names); i++)
		if (strcmp(name, names[i]) == 0)
			kind = i;
	if (kind < 0)
		return NULL;
	row_te = linitial_node(TargetEntry, agg->args);
	t_te = lsecond_node(TargetEntry, agg->args);
	if (!IsA(row_te->expr, Var))
		return NULL;
	row = (Var *) row_te->expr;
	relid = distributed_row(row, cx);
	if (!OidIsValid(relid) || row->varlevelsup != 0)
		return NULL;
	cols = sp_money_on_columns(kind, row, relid, (Node *) t_te->expr,
							   get_func_namespace(agg->aggfnoid));
	if (cols == NULL)
		return NULL;

	sum = makeNode(Aggref);
	sum->aggfnoid = F_SUM_NUMERIC;
	sum->aggtype = NUMERICOID;
	sum->aggcollid = InvalidOid;
	sum->inputcollid = InvalidOid;
	sum->aggargtypes = list_make1_oid(NUMERICOID);
	sum->args = list_make1(makeTargetEntry((Expr *) cols, 1, NULL, false));
	sum->aggfilter = agg->aggfilter;
	sum->aggstar = false;
	sum->aggvariadic = false;
	sum->aggkind = AGGKIND_NORMAL;
	sum->agglevelsup = 0;
	sum->aggsplit = AGGSPLIT_SIMPLE;
	sum->aggno = -1;
	sum->aggtransno = -1;
	sum->location = agg->location;
	return (Node *) sum;
}

static Node *
rowvar_mutator(Node *node, RowVarContext *cx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;

		cx->queries = lcons(q, cx->queries);
		q = query_tree_mutator(q, rowvar_mutator, cx, 0);
		cx->queries = list_delete_first(cx->queries);
		return (Node *) q;
	}
	if (IsA(node, Var))
	{
		Oid			relid = distributed_row((Var *) node, cx);

		if (!OidIsValid(relid))
			return node;
		cx->changed = true;
		return row_of_columns((Var *) node, relid);
	}
	if (IsA(node, Aggref))
	{
		Node	   *sum = sum_of_columns((Aggref *) node, cx);

		if (sum != NULL)
		{
			cx->changed = true;
			return expression_tree_mutator(sum, rowvar_mutator, cx);
		}
	}
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;

		/* the money row forms: straight to their columns */
		if (f->args != NIL && IsA(linitial(f->args), Var))
		{
			Var		   *row = (Var *) linitial(f->args);
			Oid			relid = distributed_row(row, cx);

			if (OidIsValid(relid) && row->varlevelsup == 0)
			{
				Node	   *cols = sp_row_form_on_columns(f, row, relid);

				if (cols != NULL)
				{
					cx->changed = true;
					return expression_tree_mutator(cols, rowvar_mutator, cx);
				}
			}
		}
	}
	return expression_tree_mutator(node, rowvar_mutator, cx);
}

/*
 * SQL set-returning functions in FROM (streampay_account,
 * streampay_running_dry) are inlined by PostgreSQL's planner, which Citus
 * calls only after deciding that the query has no distributed table; the
 * tables that appear then make Citus refuse the query ("parameterized
 * queries for SQL functions referencing distributed tables are not
 * supported").  Inlined here first, the way the planner would, Citus sees
 * the tables and plans them.  Returns whether anything was inlined.
 */
static bool
inline_functions(Query *q)
{
	ListCell   *lc;
	bool		has_function = false;
	bool		changed = false;

	List	   *functions = NIL;

	foreach(lc, q->rtable)
		if (lfirst_node(RangeTblEntry, lc)->rtekind == RTE_FUNCTION)
			functions = lappend(functions, lfirst(lc));
	has_function = functions != NIL;
	if (has_function)
	{
		PlannerInfo *root = makeNode(PlannerInfo);

		root->parse = q;
		root->glob = makeNode(PlannerGlobal);
		root->query_level = 1;
		root->planner_cxt = CurrentMemoryContext;
		preprocess_function_rtes(root);
		foreach(lc, functions)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
			int			i = 0;
			ListCell   *tl;

			if (rte->rtekind != RTE_SUBQUERY)
				continue;
			changed = true;

			/*
			 * The subquery's columns carry the function's output names:
			 * Citus writes them into the queries it sends, where the
			 * caller refers to them by those names.
			 */
			foreach(tl, rte->subquery->targetList)
			{
				TargetEntry *te = lfirst_node(TargetEntry, tl);

				if (te->resjunk)
					continue;
				if (i < list_length(rte->eref->colnames))
					te->resname = pstrdup(strVal(list_nth(rte->eref->colnames, i)));
				i++;
			}
		}
	}
	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_SUBQUERY && rte->subquery != NULL)
			changed |= inline_functions(rte->subquery);
	}
	foreach(lc, q->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (IsA(cte->ctequery, Query))
			changed |= inline_functions((Query *) cte->ctequery);
	}
	return changed;
}

static PlannedStmt *
citus_planner(Query *parse, const char *query_string, int cursorOptions,
			  ParamListInfo boundParams)
{
	if (reading_catalog == 0 && sp_citus_installed())
	{
		RowVarContext cx = {NIL, false};
		Query	   *copy = copyObject(parse);
		bool		inlined = inline_functions(copy);

		copy = (Query *) rowvar_mutator((Node *) copy, &cx);
		if (cx.changed || inlined)
			parse = copy;
	}
	if (prev_planner)
		return prev_planner(parse, query_string, cursorOptions, boundParams);
	return standard_planner(parse, query_string, cursorOptions, boundParams);
}

void
sp_citus_init(void)
{
	prev_planner = planner_hook;
	planner_hook = citus_planner;
}
