/*
 * agg_rewrite.c
 *	  Give the sum aggregates a table row's columns instead of the row.
 *
 * streampay_sum_accrued(s, t) (and _claimable, _refundable) takes the whole
 * row.  For a whole-row Var the executor builds a composite datum for every
 * row (ExecEvalWholeRowVar deforms all of the scan tuple and forms a new
 * tuple from it) which the transition function then deforms again: on a
 * 1M-row table that costs more than the scan itself.  Planner support
 * functions, which row_support.c uses to give the row functions the
 * columns, do not exist for aggregates (before PostgreSQL 19), so this
 * planner hook does the same for the aggregates: where the row argument is
 * a whole-row Var of a plain relation of the aggregate's own query level,
 *
 *	  streampay_sum_accrued(s, t)
 *	    -> streampay_sum_from_columns(0, s.id, s.status, s.rate_per_second,
 *	                                  s.start_time, s.end_time, s.total_amount,
 *	                                  s.last_settled_at, s.settled_amount, t)
 *
 * the same exact sum from the columns the scan has already deformed.  Any
 * other argument (ROW(...), a function result, an outer query's row), and a
 * call with DISTINCT or ORDER BY, keeps the row form.  Only the extension's
 * own aggregates are rewritten, into the extension's own column aggregate.
 *
 * The hook exists once the library is loaded in the backend.  A statement
 * planned before that (the first one of a session that has not called a
 * streampay C function yet, unless session_preload_libraries or
 * shared_preload_libraries loads it) keeps the row form: slower, with the
 * same result.  Rewriting at planning time, not at parse analysis, leaves
 * view definitions and rules as written.  The whole-row reference stays in
 * the query's permission info, so the same column privileges are needed.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "streampay.h"

#define SUM_COLUMNS_NARGS (1 + SP_PASSED_NCOLS + 1)

static planner_hook_type prev_planner = NULL;

typedef struct RewriteContext
{
	Query	   *query;			/* the query level being walked */
	Oid			extoid;			/* streampay's pg_extension row, once looked up */
	bool		have_extoid;
} RewriteContext;

static Oid
streampay_extension(RewriteContext *cxt)
{
	if (!cxt->have_extoid)
	{
		cxt->extoid = get_extension_oid("streampay", true);
		cxt->have_extoid = true;
	}
	return cxt->extoid;
}

/*
 * The kind of streampay_sum_accrued / _claimable / _refundable (streams,
 * timestamp), or -1 for any other aggregate.  The name is checked first
 * (one syscache probe), membership of the extension only for a match.
 */
static int
sum_kind(Oid aggfnoid, RewriteContext *cxt)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(aggfnoid));
	Form_pg_proc proc;
	int			kind = -1;
	Oid			extoid;

	if (!HeapTupleIsValid(tup))
		return -1;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	if (proc->pronargs == 2 && proc->proargtypes.values[1] == TIMESTAMPOID)
	{
		const char *name = NameStr(proc->proname);

		if (strcmp(name, "streampay_sum_accrued") == 0)
			kind = SP_MONEY_ACCRUED;
		else if (strcmp(name, "streampay_sum_claimable") == 0)
			kind = SP_MONEY_CLAIMABLE;
		else if (strcmp(name, "streampay_sum_refundable") == 0)
			kind = SP_MONEY_REFUNDABLE;
	}
	ReleaseSysCache(tup);
	if (kind < 0)
		return -1;
	extoid = streampay_extension(cxt);
	if (!OidIsValid(extoid) ||
		getExtensionOfObject(ProcedureRelationId, aggfnoid) != extoid)
		return -1;
	return kind;
}

static void
rewrite_aggref(Aggref *agg, RewriteContext *cxt)
{
	TargetEntry *row_te;
	TargetEntry *time_te;
	Var		   *row;
	RangeTblEntry *rte;
	Oid			relid;
	int			kind;
	Oid			argtypes[SUM_COLUMNS_NARGS];
	List	   *cols;
	List	   *args;
	List	   *argtypelist = NIL;
	Oid			target;
	Oid			extoid;
	ListCell   *lc;
	AttrNumber	resno = 0;

	/* the plain form, over this query level's rows */
	if (cxt->query == NULL || agg->agglevelsup != 0 || agg->aggdistinct != NIL || agg->aggorder != NIL ||
		agg->aggdirectargs != NIL || agg->aggstar || agg->aggvariadic ||
		agg->aggkind != AGGKIND_NORMAL || list_length(agg->args) != 2)
		return;
	row_te = linitial_node(TargetEntry, agg->args);
	time_te = lsecond_node(TargetEntry, agg->args);
	if (row_te->resjunk || time_te->resjunk || !IsA(row_te->expr, Var))
		return;
	row = (Var *) row_te->expr;
	if (row->varattno != 0 || row->varlevelsup != 0 ||
		row->varno < 1 || row->varno > list_length(cxt->query->rtable))
		return;
	rte = rt_fetch(row->varno, cxt->query->rtable);
	relid = typeidTypeRelid(row->vartype);
	if (rte->rtekind != RTE_RELATION || !OidIsValid(relid) || rte->relid != relid)
		return;
	kind = sum_kind(agg->aggfnoid, cxt);
	if (kind < 0)
		return;

	cols = sp_row_column_vars(row, relid, argtypes + 1);
	if (cols == NIL)
		return;
	argtypes[0] = INT4OID;
	argtypes[SUM_COLUMNS_NARGS - 1] = TIMESTAMPOID;

	/* the target lives beside the aggregate, and belongs to the extension */
	target = LookupFuncName(list_make2(makeString(get_namespace_name(get_func_namespace(agg->aggfnoid))),
									   makeString("streampay_sum_from_columns")),
							SUM_COLUMNS_NARGS, argtypes, true);
	extoid = streampay_extension(cxt);
	if (!OidIsValid(target) ||
		getExtensionOfObject(ProcedureRelationId, target) != extoid)
		return;

	args = list_make1(makeTargetEntry((Expr *) makeConst(INT4OID, -1, InvalidOid, sizeof(int32),
														 Int32GetDatum(kind), false, true),
									  ++resno, NULL, false));
	foreach(lc, cols)
		args = lappend(args, makeTargetEntry((Expr *) lfirst(lc), ++resno, NULL, false));
	args = lappend(args, makeTargetEntry(time_te->expr, ++resno, NULL, false));
	for (int i = 0; i < SUM_COLUMNS_NARGS; i++)
		argtypelist = lappend_oid(argtypelist, argtypes[i]);

	agg->aggfnoid = target;
	agg->aggargtypes = argtypelist;
	agg->args = args;
}

static bool
rewrite_walker(Node *node, void *context)
{
	RewriteContext *cxt = (RewriteContext *) context;

	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *outer = cxt->query;
		bool		result;

		cxt->query = (Query *) node;
		result = query_tree_walker((Query *) node, rewrite_walker, cxt, 0);
		cxt->query = outer;
		return result;
	}
	if (IsA(node, Aggref))
		rewrite_aggref((Aggref *) node, cxt);
	/* an aggregate's arguments or FILTER may hold sublinks */
	return expression_tree_walker(node, rewrite_walker, cxt);
}

static PlannedStmt *
agg_rewrite_planner(Query *parse, const char *query_string, int cursorOptions,
					ParamListInfo boundParams)
{
	RewriteContext cxt = {0};

	/* the planner may scribble on its input; plancache hands it a copy */
	(void) rewrite_walker((Node *) parse, &cxt);
	if (prev_planner)
		return prev_planner(parse, query_string, cursorOptions, boundParams);
	return standard_planner(parse, query_string, cursorOptions, boundParams);
}

void
sp_agg_rewrite_init(void)
{
	prev_planner = planner_hook;
	planner_hook = agg_rewrite_planner;
}
