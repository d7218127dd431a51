/*
 * row_support.c
 *	  Planner support for the row forms: streampay_accrued(s, t) over a table
 *	  row becomes streampay_accrual_from_columns(kind, s.id, s.status, ...).
 *
 * Why: a whole-row reference makes the executor build a composite datum
 * for every row (a palloc and a copy of the whole tuple) that the function
 * then deforms again, all sixteen columns of it.  Passing the seven columns
 * the money model needs lets the scan hand over its already-deformed
 * values.  The rewrite happens only where it is exact: a whole-row Var of a
 * plain relation of this query level whose row type has every column; any
 * other row (ROW(...), a function result, an outer query's row) keeps the
 * composite path.  Plans that used it depend on the relation, so ALTER
 * TABLE invalidates them as usual.
 */
#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "stream_row.h"
#include "streampay.h"

/* The columns streampay_accrual_from_columns takes, after 'kind'. */
static const sp_col passed_cols[] = {
	SP_COL_ID, SP_COL_STATUS, SP_COL_RATE, SP_COL_START, SP_COL_END,
	SP_COL_TOTAL, SP_COL_LAST_SETTLED, SP_COL_SETTLED
};

#define FROM_COLUMNS_NARGS (1 + lengthof(passed_cols) + 1)

static int
money_kind(Oid funcid)
{
	char	   *name = get_func_name(funcid);

	if (name == NULL)
		return -1;
	if (strcmp(name, "streampay_accrued") == 0)
		return SP_MONEY_ACCRUED;
	if (strcmp(name, "streampay_claimable") == 0)
		return SP_MONEY_CLAIMABLE;
	if (strcmp(name, "streampay_refundable") == 0)
		return SP_MONEY_REFUNDABLE;
	return -1;
}

/* timezone('UTC', now()): the forms without as_of use the transaction time */
static Expr *
transaction_time_utc(void)
{
	Expr	   *now = (Expr *) makeFuncExpr(F_NOW, TIMESTAMPTZOID, NIL, InvalidOid,
											InvalidOid, COERCE_EXPLICIT_CALL);
	Const	   *utc = makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
								CStringGetTextDatum("UTC"), false, false);

	return (Expr *) makeFuncExpr(F_TIMEZONE_TEXT_TIMESTAMPTZ, TIMESTAMPOID,
								 list_make2(utc, now), InvalidOid,
								 DEFAULT_COLLATION_OID, COERCE_EXPLICIT_CALL);
}

List *
sp_row_column_vars(Var *row, Oid relid, Oid *argtypes)
{
	List	   *cols = NIL;

	StaticAssertStmt(lengthof(passed_cols) == SP_PASSED_NCOLS,
					 "passed_cols and SP_PASSED_NCOLS disagree");
	for (size_t i = 0; i < lengthof(passed_cols); i++)
	{
		AttrNumber	attnum = get_attnum(relid, sp_col_names[passed_cols[i]]);
		Oid			type;
		int32		typmod;
		Oid			collation;
		Var		   *col;

		if (attnum == InvalidAttrNumber)
		{
			list_free_deep(cols);
			return NIL;
		}
		get_atttypetypmodcoll(relid, attnum, &type, &typmod, &collation);
		col = makeVar(row->varno, attnum, type, typmod, collation, row->varlevelsup);
		/* the column is nulled by the same joins, and is old or new like the row */
		sp_copy_var_markings(col, row);
		cols = lappend(cols, col);
		argtypes[i] = type;
	}
	return cols;
}

PG_FUNCTION_INFO_V1(streampay_row_support);
Datum
streampay_row_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	FuncExpr   *fcall;
	Var		   *row;
	RangeTblEntry *rte;
	Oid			relid;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	fcall = req->fcall;

	/* only a whole-row Var of a plain relation of this query level */
	if (req->root == NULL || list_length(fcall->args) < 1 || list_length(fcall->args) > 2)
		PG_RETURN_POINTER(NULL);
	row = (Var *) linitial(fcall->args);
	if (!IsA(row, Var) || row->varattno != 0 || row->varlevelsup != 0 ||
		row->varno < 1 || row->varno > list_length(req->root->parse->rtable))
		PG_RETURN_POINTER(NULL);
	rte = planner_rt_fetch(row->varno, req->root);
	relid = typeidTypeRelid(row->vartype);
	if (rte->rtekind != RTE_RELATION || !OidIsValid(relid) || rte->relid != relid)
		PG_RETURN_POINTER(NULL);
	PG_RETURN_POINTER(sp_row_form_on_columns(fcall, row, relid));
}

/*
 * The money row form fcall, whose first argument is the whole-row Var row
 * of table relid, as a call of streampay_accrual_from_columns on that row's
 * columns; NULL when fcall is not a money row form or relid lacks a column.
 * Also used before Citus plans a query (citus.c).
 */
Node *
sp_row_form_on_columns(FuncExpr *fcall, Var *row, Oid relid)
{
	int			kind;

	if (list_length(fcall->args) < 1 || list_length(fcall->args) > 2 ||
		linitial(fcall->args) != (void *) row)
		return NULL;
	kind = money_kind(fcall->funcid);
	if (kind < 0)
		return NULL;
	return sp_money_on_columns(kind, row, relid,
							   list_length(fcall->args) == 2 ? lsecond(fcall->args) : NULL,
							   get_func_namespace(fcall->funcid));
}

/*
 * streampay_accrual_from_columns(kind, row.id, row.status, ..., as_of) on
 * the whole-row Var row of table relid, with the function of schema nsp;
 * as_of NULL means the transaction time.  NULL when relid lacks a column.
 */
Node *
sp_money_on_columns(int kind, Var *row, Oid relid, Node *as_of, Oid nsp)
{
	List	   *args;
	List	   *cols;
	Oid			argtypes[FROM_COLUMNS_NARGS];
	Oid			target;
	char	   *nspname;

	args = list_make1(makeConst(INT4OID, -1, InvalidOid, sizeof(int32),
								Int32GetDatum(kind), false, true));
	argtypes[0] = INT4OID;
	cols = sp_row_column_vars(row, relid, argtypes + 1);
	if (cols == NIL)
		return NULL;
	args = list_concat(args, cols);
	args = lappend(args, as_of != NULL ? as_of : (Node *) transaction_time_utc());
	argtypes[FROM_COLUMNS_NARGS - 1] = TIMESTAMPOID;

	/* the target lives beside the function being simplified */
	nspname = get_namespace_name(nsp);
	target = LookupFuncName(list_make2(makeString(nspname),
									   makeString("streampay_accrual_from_columns")),
							FROM_COLUMNS_NARGS, argtypes, true);
	if (!OidIsValid(target))
		return NULL;

	return (Node *) makeFuncExpr(target, NUMERICOID, args, InvalidOid,
								 InvalidOid, COERCE_EXPLICIT_CALL);
}
