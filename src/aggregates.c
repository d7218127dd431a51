/*
 * aggregates.c
 *	  Exact sums of balances over many streams: streampay_sum_accrued,
 *	  streampay_sum_claimable and streampay_sum_refundable (streams,
 *	  timestamp).
 *
 * The transition state is the 128-bit fixed-point sum itself, so no
 * numeric addition happens per row; the final function turns it into one
 * numeric.  A sum that leaves 128 bits is an error (22003), never a wrapped
 * number.  Combine, serialize and deserialize functions let the planner
 * split the work over parallel workers: partial sums are 16 bytes plus a
 * count.
 *
 * Like sum(), NULL inputs (a row from the nullable side of an outer join,
 * a NULL time) are skipped, and no input rows at all give NULL.  Amounts in
 * different assets or on different chains must not be added: group by
 * (chain_id, asset).
 */
#include "compat.h"

#include "fmgr.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "stream_row.h"
#include "streampay.h"

/*
 * The memory context of the aggregate calling fcinfo; an error when a
 * support function is called outside one (they take and return internal).
 */
MemoryContext
sp_agg_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("streampay aggregate support function called in a non-aggregate context")));
	return aggcxt;
}

/*
 * The state in argument 0, allocated on the group's first row.  Also
 * streampay_account's aggregate (account.c), whose state is larger.
 */
void *
sp_agg_state(FunctionCallInfo fcinfo, Size size)
{
	MemoryContext aggcxt = sp_agg_context(fcinfo);

	if (PG_ARGISNULL(0))
		return MemoryContextAllocZero(aggcxt, size);
	return PG_GETARG_POINTER(0);
}

/* sp_sum_add's error: the sum left 128 bits. */
void
sp_sum_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("streampay sum out of range"),
			 errdetail("The exact sum of the group does not fit in 128 bits of 1e-9 units.")));
}

/* The sum as numeric (scale 9); NULL after no rows, like sum(). */
Datum
sp_sum_result(const SumState *st, bool *isnull)
{
	*isnull = st == NULL || st->count == 0;
	return *isnull ? (Datum) 0 : sp_fixed_to_datum(st->sum);
}

static inline void
add_kind(SumState *st, sp_money_kind kind, const sp_stream *s, sp_time t)
{
	switch (kind)
	{
		case SP_MONEY_ACCRUED:
			sp_sum_add(st, sp_accrued(s, t), 1);
			break;
		case SP_MONEY_CLAIMABLE:
			sp_sum_add(st, sp_pending(s, t), 1);
			break;
		case SP_MONEY_REFUNDABLE:
			sp_sum_add(st, sp_refundable(s, t), 1);
			break;
	}
}

static Datum
transition(FunctionCallInfo fcinfo, sp_money_kind kind)
{
	SumState   *st = (SumState *) sp_agg_state(fcinfo, sizeof(SumState));
	sp_stream	s;
	sp_time		t;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	t = sp_check_finite(PG_GETARG_TIMESTAMP(2), "as_of", (Datum) 0);
	sp_stream_from_row(fcinfo, 1, &s);
	add_kind(st, kind, &s, t);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(streampay_sum_accrued_transfn);
Datum
streampay_sum_accrued_transfn(PG_FUNCTION_ARGS)
{
	return transition(fcinfo, SP_MONEY_ACCRUED);
}

PG_FUNCTION_INFO_V1(streampay_sum_claimable_transfn);
Datum
streampay_sum_claimable_transfn(PG_FUNCTION_ARGS)
{
	return transition(fcinfo, SP_MONEY_CLAIMABLE);
}

PG_FUNCTION_INFO_V1(streampay_sum_refundable_transfn);
Datum
streampay_sum_refundable_transfn(PG_FUNCTION_ARGS)
{
	return transition(fcinfo, SP_MONEY_REFUNDABLE);
}

/*
 * streampay_sum_from_columns(kind, id, status, rate_per_second, start_time,
 * end_time, total_amount, last_settled_at, settled_amount, as_of): the
 * three aggregates on a row's columns (kind 0/1/2 = accrued, claimable,
 * refundable).  agg_rewrite.c turns streampay_sum_accrued(s, t) over a
 * table row into it, and streampay_account calls it directly: the scan
 * hands over its already-deformed columns, where the row form needs a
 * composite datum built and deformed again for every row.  A missing row
 * (NULL status, the nullable side of an outer join), a NULL kind or a NULL
 * time is skipped, as the row form skips a NULL row or time.
 */
PG_FUNCTION_INFO_V1(streampay_sum_from_columns_transfn);
Datum
streampay_sum_from_columns_transfn(PG_FUNCTION_ARGS)
{
	SumState   *st = (SumState *) sp_agg_state(fcinfo, sizeof(SumState));
	int32		kind;
	sp_stream	s;
	sp_time		t;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(10))
		PG_RETURN_POINTER(st);
	kind = PG_GETARG_INT32(1);
	if (kind < SP_MONEY_ACCRUED || kind > SP_MONEY_REFUNDABLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("streampay_sum_from_columns: kind must be 0 (accrued), 1 (claimable) or 2 (refundable), not %d",
						kind)));
	t = sp_check_finite(PG_GETARG_TIMESTAMP(10), "as_of", (Datum) 0);
	(void) sp_stream_from_columns(fcinfo, 2, &s);
	add_kind(st, (sp_money_kind) kind, &s, t);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(streampay_sum_final);
Datum
streampay_sum_final(PG_FUNCTION_ARGS)
{
	bool		isnull;
	Datum		sum = sp_sum_result(PG_ARGISNULL(0) ? NULL : (SumState *) PG_GETARG_POINTER(0),
									&isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(sum);
}

PG_FUNCTION_INFO_V1(streampay_sum_combine);
Datum
streampay_sum_combine(PG_FUNCTION_ARGS)
{
	SumState   *st;
	SumState   *other;

	if (PG_ARGISNULL(1))
	{
		(void) sp_agg_context(fcinfo);
		/* never a non-NULL state holding a NULL pointer */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	other = (SumState *) PG_GETARG_POINTER(1);
	st = (SumState *) sp_agg_state(fcinfo, sizeof(SumState));
	if (other->count > 0)
		sp_sum_add(st, other->sum, other->count);
	PG_RETURN_POINTER(st);
}

/*
 * A partial sum on the wire: 24 bytes, the 128-bit sum as two 64-bit
 * halves and the count, each in network byte order.
 */
#define SUM_WIRE_LEN 24

PG_FUNCTION_INFO_V1(streampay_sum_serialize);
Datum
streampay_sum_serialize(PG_FUNCTION_ARGS)
{
	SumState   *st = (SumState *) PG_GETARG_POINTER(0);
	bytea	   *out = (bytea *) palloc(VARHDRSZ + SUM_WIRE_LEN);
	sp_ufixed	u = (sp_ufixed) st->sum;
	uint64		words[3];

	(void) sp_agg_context(fcinfo);
	words[0] = pg_hton64((uint64) (u >> 64));
	words[1] = pg_hton64((uint64) u);
	words[2] = pg_hton64((uint64) st->count);
	SET_VARSIZE(out, VARHDRSZ + SUM_WIRE_LEN);
	memcpy(VARDATA(out), words, SUM_WIRE_LEN);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(streampay_sum_deserialize);
Datum
streampay_sum_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	SumState   *st;
	uint64		words[3];

	(void) sp_agg_context(fcinfo);
	if (VARSIZE_ANY_EXHDR(b) != SUM_WIRE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("a streampay partial sum has %d bytes, not %d",
						(int) VARSIZE_ANY_EXHDR(b), SUM_WIRE_LEN)));
	memcpy(words, VARDATA_ANY(b), SUM_WIRE_LEN);
	st = (SumState *) palloc0(sizeof(SumState));
	st->sum = (sp_fixed) (((sp_ufixed) pg_ntoh64(words[0]) << 64) | (sp_ufixed) pg_ntoh64(words[1]));
	st->count = (int64) pg_ntoh64(words[2]);
	PG_RETURN_POINTER(st);
}
