/*
 * functions.c
 *	  The SQL-callable read functions.  Each has three C entry points:
 *
 *	  _id    (uuid [, as_of])     looks the stream up (lookup.c)
 *	  _row   (streams [, as_of])  decodes the row it is given, no lookup
 *	  _text  (text [, as_of])     a uuid, or the chain's id of a stream
 *	                              (streampay_stream_id), then as _id; it exists so
 *	                              that an untyped literal or bind parameter
 *	                              resolves to the id form instead of being
 *	                              ambiguous between uuid and streams
 *
 * The optional as_of is detected with PG_NARGS(); without it the
 * transaction time (UTC) is used.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "fmgr.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "errors.h"
#include "stream_row.h"
#include "streampay.h"
#include "transition.h"

/* Per-call-site cache for the row forms, kept in fn_extra. */
typedef struct RowCache
{
	Oid			tuptype;
	int32		tuptypmod;
	TupleDesc	desc;
	sp_attmap	map;
	Datum	   *values;
	bool	   *isnull;
} RowCache;

static sp_time
time_arg(FunctionCallInfo fcinfo, int argno, Datum id)
{
	if (PG_NARGS() <= argno)
		return sp_transaction_time();
	return sp_check_finite(PG_GETARG_TIMESTAMP(argno), "as_of", id);
}

/* Per-call-site state of the id forms, kept in fn_extra. */
typedef struct IdCallSite
{
	Oid			nsp;			/* the table lives beside the function */
	void	   *scan;			/* lookup.c's open scan */
	FmgrInfo	resolver;		/* streampay_stream_id, once a text form needs it */
	bool		have_resolver;
} IdCallSite;

static IdCallSite *
id_call_site(FunctionCallInfo fcinfo)
{
	IdCallSite *site = (IdCallSite *) fcinfo->flinfo->fn_extra;

	if (site == NULL)
	{
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(IdCallSite));
		site->nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

static void
stream_by_id(FunctionCallInfo fcinfo, Datum id, sp_stream *s)
{
	IdCallSite *site = id_call_site(fcinfo);

	if (!sp_lookup_stream(site->nsp, id, s, &site->scan, fcinfo->flinfo->fn_mcxt))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("stream %s does not exist", sp_id_text(id))));
}

/*
 * Is 'str' a uuid in its canonical spelling (8-4-4-4-12 hex digits), the
 * form streampay_ingest also takes as a row id?  Other strings are chain
 * ids first (streampay_stream_id still reads other uuid spellings when no
 * stream has them as chain id).  An empty one gets uuid_in's error.
 */
static bool
looks_like_uuid(const char *str)
{
	size_t		len = strlen(str);

	if (len == 0)
		return true;
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		bool		dash = (i == 8 || i == 13 || i == 18 || i == 23);

		if (dash ? str[i] != '-' : !isxdigit((unsigned char) str[i]))
			return false;
	}
	return true;
}

/*
 * The text forms take a uuid or the chain's id of a stream (0.6.0): the
 * latter is resolved by streampay_stream_id(text, NULL, NULL), beside this
 * function, which also reports an unknown or ambiguous chain id.
 */
static Datum
id_from_text(FunctionCallInfo fcinfo)
{
	char	   *str = text_to_cstring(PG_GETARG_TEXT_PP(0));
	IdCallSite *site;
	Datum		id;

	LOCAL_FCINFO(call, 3);

	if (looks_like_uuid(str))
		return DirectFunctionCall1(uuid_in, CStringGetDatum(str));

	/* the resolver is looked up once per call site, not per row */
	site = id_call_site(fcinfo);
	if (!site->have_resolver)
	{
		Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
		String	   *schema = makeString(get_namespace_name(site->nsp));
		String	   *name = makeString("streampay_stream_id");
		Oid			resolver = LookupFuncName(list_make2(schema, name), 3, argtypes, true);

		if (!OidIsValid(resolver))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type uuid: \"%s\"", str),
					 errhint("Update the extension (ALTER EXTENSION streampay UPDATE) to name streams by their chain id.")));
		fmgr_info_cxt(resolver, &site->resolver, fcinfo->flinfo->fn_mcxt);
		site->have_resolver = true;
	}
	InitFunctionCallInfoData(*call, &site->resolver, 3, InvalidOid, NULL, NULL);
	call->args[0].value = PG_GETARG_DATUM(0);
	call->args[0].isnull = false;
	call->args[1].isnull = true;
	call->args[2].isnull = true;
	id = FunctionCallInvoke(call);
	if (call->isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("stream %s does not exist", str)));
	return id;
}

/*
 * A row handed to a function need not come from the table: hold it to the
 * same value rules an INSERT would, so no balance is computed from a row
 * that could not exist (accrued above total, negative refundable, ...).
 */
static void
check_row_values(Datum id, const sp_stream *s)
{
	sp_rule		rule = sp_check_values(s);

	if (rule != SP_OK)
		sp_report_rule(rule, id, NULL, s, NULL);
}

void
sp_stream_from_row(FunctionCallInfo fcinfo, int argno, sp_stream *s)
{
	HeapTupleHeader td = PG_GETARG_HEAPTUPLEHEADER(argno);
	Oid			tuptype = HeapTupleHeaderGetTypeId(td);
	int32		tuptypmod = HeapTupleHeaderGetTypMod(td);
	RowCache   *rc = (RowCache *) fcinfo->flinfo->fn_extra;
	HeapTupleData tuple;

	if (rc == NULL || rc->tuptype != tuptype || rc->tuptypmod != tuptypmod)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		TupleDesc	desc = lookup_rowtype_tupdesc_copy(tuptype, tuptypmod);

		if (rc == NULL)
			rc = palloc0(sizeof(RowCache));
		rc->desc = desc;
		rc->tuptype = tuptype;
		rc->tuptypmod = tuptypmod;
		sp_attmap_build(&rc->map, desc);
		rc->values = palloc(desc->natts * sizeof(Datum));
		rc->isnull = palloc(desc->natts * sizeof(bool));
		fcinfo->flinfo->fn_extra = rc;
		MemoryContextSwitchTo(old);
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	heap_deform_tuple(&tuple, rc->desc, rc->values, rc->isnull);
	sp_decode_stream(&rc->map, rc->values, rc->isnull, s);
	check_row_values(rc->isnull[rc->map.attnum[SP_COL_ID] - 1] ? (Datum) 0 :
					 rc->values[rc->map.attnum[SP_COL_ID] - 1], s);
}

static Datum
money(sp_money_kind kind, const sp_stream *s, sp_time t)
{
	switch (kind)
	{
		case SP_MONEY_ACCRUED:
			return sp_fixed_to_datum(sp_accrued(s, t));
		case SP_MONEY_CLAIMABLE:
			return sp_fixed_to_datum(sp_pending(s, t));
		case SP_MONEY_REFUNDABLE:
			return sp_fixed_to_datum(sp_refundable(s, t));
	}
	elog(ERROR, "unknown streampay money kind %d", (int) kind);
	pg_unreachable();
}

#define MONEY_FUNCTIONS(name, kind) \
PG_FUNCTION_INFO_V1(name##_id); \
Datum \
name##_id(PG_FUNCTION_ARGS) \
{ \
	sp_stream	s; \
	stream_by_id(fcinfo, PG_GETARG_DATUM(0), &s); \
	return money(kind, &s, time_arg(fcinfo, 1, PG_GETARG_DATUM(0))); \
} \
PG_FUNCTION_INFO_V1(name##_text); \
Datum \
name##_text(PG_FUNCTION_ARGS) \
{ \
	sp_stream	s; \
	Datum		id = id_from_text(fcinfo); \
	stream_by_id(fcinfo, id, &s); \
	return money(kind, &s, time_arg(fcinfo, 1, id)); \
} \
PG_FUNCTION_INFO_V1(name##_row); \
Datum \
name##_row(PG_FUNCTION_ARGS) \
{ \
	sp_stream	s; \
	sp_stream_from_row(fcinfo, 0, &s); \
	return money(kind, &s, time_arg(fcinfo, 1, (Datum) 0)); \
}

MONEY_FUNCTIONS(streampay_accrued, SP_MONEY_ACCRUED)
MONEY_FUNCTIONS(streampay_claimable, SP_MONEY_CLAIMABLE)
MONEY_FUNCTIONS(streampay_refundable, SP_MONEY_REFUNDABLE)

/*
 * Decode a stream passed as eight arguments from 'argno' on: id, status,
 * rate_per_second, start_time, end_time, total_amount, last_settled_at,
 * settled_amount (what row_support.c and agg_rewrite.c pass for a table
 * row).  Returns false for a row that is not there: a NULL status is the
 * nullable side of an outer join (a table row cannot have one).  The
 * stream_status OIDs are cached in fn_extra.  Held to the same value rules
 * as the row forms.
 */
bool
sp_stream_from_columns(FunctionCallInfo fcinfo, int argno, sp_stream *s)
{
	Oid		   *status_oids = (Oid *) fcinfo->flinfo->fn_extra;
	Datum		id;

	if (PG_ARGISNULL(argno + 1))
		return false;
	id = PG_ARGISNULL(argno) ? (Datum) 0 : PG_GETARG_DATUM(argno);
	if (PG_ARGISNULL(argno + 2) || PG_ARGISNULL(argno + 3) || PG_ARGISNULL(argno + 5) ||
		PG_ARGISNULL(argno + 6) || PG_ARGISNULL(argno + 7))
		sp_report_null_money(id);

	if (status_oids == NULL)
	{
		status_oids = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, SP_NSTATUS * sizeof(Oid));
		sp_status_oids(get_fn_expr_argtype(fcinfo->flinfo, argno + 1), status_oids);
		fcinfo->flinfo->fn_extra = status_oids;
	}
	s->status = sp_status_from_oid(status_oids, PG_GETARG_OID(argno + 1));
	s->rate = sp_datum_to_fixed(PG_GETARG_DATUM(argno + 2), "rate_per_second", id);
	s->start = sp_check_finite(PG_GETARG_TIMESTAMP(argno + 3), "start_time", id);
	s->has_end = !PG_ARGISNULL(argno + 4);
	s->end = s->has_end ? sp_check_finite(PG_GETARG_TIMESTAMP(argno + 4), "end_time", id) : 0;
	s->total = sp_datum_to_fixed(PG_GETARG_DATUM(argno + 5), "total_amount", id);
	s->last_settled = sp_check_finite(PG_GETARG_TIMESTAMP(argno + 6), "last_settled_at", id);
	s->settled = sp_datum_to_fixed(PG_GETARG_DATUM(argno + 7), "settled_amount", id);
	check_row_values(id, s);
	return true;
}

/*
 * streampay_accrual_from_columns(kind, id, status, rate, start, end, total,
 * last_settled_at, settled, as_of): what the row forms become after
 * row_support.c's rewrite.  Not STRICT: end_time may be NULL, and a NULL
 * row (an outer join's missing side) gives NULL like the row form does.
 */
PG_FUNCTION_INFO_V1(streampay_accrual_from_columns);
Datum
streampay_accrual_from_columns(PG_FUNCTION_ARGS)
{
	sp_stream	s;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(9))
		PG_RETURN_NULL();
	/* callable by anyone: the kind comes from the caller, not only the planner */
	if (PG_GETARG_INT32(0) < SP_MONEY_ACCRUED || PG_GETARG_INT32(0) > SP_MONEY_REFUNDABLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("streampay_accrual_from_columns: kind must be 0 (accrued), 1 (claimable) or 2 (refundable), not %d",
						PG_GETARG_INT32(0))));
	(void) sp_stream_from_columns(fcinfo, 1, &s);
	return money((sp_money_kind) PG_GETARG_INT32(0), &s,
				 sp_check_finite(PG_GETARG_TIMESTAMP(9), "as_of", (Datum) 0));
}

bool
sp_stream_runs_dry(const sp_stream *s, sp_time *out)
{
	return sp_depletion_time(s, END_TIMESTAMP - 1, out);
}

static Datum
depletion(FunctionCallInfo fcinfo, const sp_stream *s)
{
	sp_time		t;

	if (!sp_stream_runs_dry(s, &t))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMP((Timestamp) t);
}

PG_FUNCTION_INFO_V1(streampay_depletion_time_id);
Datum
streampay_depletion_time_id(PG_FUNCTION_ARGS)
{
	sp_stream	s;

	stream_by_id(fcinfo, PG_GETARG_DATUM(0), &s);
	return depletion(fcinfo, &s);
}

PG_FUNCTION_INFO_V1(streampay_depletion_time_text);
Datum
streampay_depletion_time_text(PG_FUNCTION_ARGS)
{
	sp_stream	s;

	stream_by_id(fcinfo, id_from_text(fcinfo), &s);
	return depletion(fcinfo, &s);
}

PG_FUNCTION_INFO_V1(streampay_depletion_time_row);
Datum
streampay_depletion_time_row(PG_FUNCTION_ARGS)
{
	sp_stream	s;

	sp_stream_from_row(fcinfo, 0, &s);
	return depletion(fcinfo, &s);
}

/*
 * streampay_depletion_from_columns(id, status, rate, start, end, total,
 * last_settled_at, settled): streampay_depletion_time on a row's columns
 * (streampay_account passes them instead of the whole row).  NULL for a
 * missing row, like the STRICT row form.
 */
PG_FUNCTION_INFO_V1(streampay_depletion_from_columns);
Datum
streampay_depletion_from_columns(PG_FUNCTION_ARGS)
{
	sp_stream	s;

	if (!sp_stream_from_columns(fcinfo, 0, &s))
		PG_RETURN_NULL();
	return depletion(fcinfo, &s);
}

/* Enum value -> core status, by label (the OIDs are per database). */
static sp_status
status_arg(Oid enumval)
{
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(enumval));
	const char *label;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid internal value for enum: %u", enumval)));
	label = NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel);
	for (int s = 0; s < SP_NSTATUS; s++)
	{
		if (strcmp(label, sp_status_names[s]) == 0)
		{
			ReleaseSysCache(tup);
			return (sp_status) s;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown stream status \"%s\"", label)));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(streampay_can_transition);
Datum
streampay_can_transition(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(sp_can_transition(status_arg(PG_GETARG_OID(0)),
									 status_arg(PG_GETARG_OID(1))));
}
