/*
 * account.c
 *	  streampay_account in one pass: the aggregate
 *	  streampay_account_agg(address, payer, recipient, chain_id, asset, id,
 *	  status, rate_per_second, start_time, end_time, total_amount,
 *	  last_settled_at, settled_amount, as_of) returns every figure of every
 *	  (chain_id, asset) group of an address's streams, as an array of
 *	  streampay_account_totals.
 *
 * streampay_account used to run eleven aggregates per row, four of them
 * decoding the row's numerics again, under a GROUP BY, over the recipient's
 * and the payer's rows appended.  Now it reads each row once (found through
 * both indexes, a BitmapOr), this aggregate decodes it once
 * (sp_stream_from_columns, the value rules included) and adds it to its
 * group's 128-bit fixed-point sums (aggregates.c's SumState, whose overflow
 * is the same 22003 error as the sum aggregates').  The groups are kept
 * here, compared byte for byte (hashed when there are many), instead of a
 * HashAgg that hashes and compares both strings through the collation for
 * every row: byte equality is what GROUP BY on the columns does, since
 * their collation, the database default, is deterministic.  The address
 * is compared with payer and recipient the same way, unless the call's
 * collation is nondeterministic (an address given COLLATE a case-
 * insensitive ICU collation): then through that collation, as 0.6.0's
 * SQL compared it (0.7.0 refused one).  streampay_account unnests the
 * array and sorts it.
 *
 * A field is NULL where the aggregate it replaces was: a sum over no rows,
 * every money sum when as_of is NULL, runs_dry_at when no active outgoing
 * stream runs dry.  The counts are never NULL.  A row with a NULL status
 * (the nullable side of an outer join), or whose payer and recipient are
 * both not the address, adds nothing.
 *
 * rate_in and rate_out are fixed point too: the column is decimal(20,9), so
 * sum(rate_per_second) has scale 9 exactly like sp_fixed_to_datum's result.
 * Unlike sum() they refuse to leave 128 bits, which would take 10^18 rows.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "stream_row.h"
#include "streampay.h"

/* A group key column: its bytes, or NULL (len -1). */
typedef struct AccountKey
{
	const char *data;
	int			len;
} AccountKey;

/* One (chain_id, asset) group; "in" = the address receives, "out" = pays. */
typedef struct AccountGroup
{
	AccountKey	chain;
	AccountKey	asset;
	uint32		hash;
	SumState	rate_in;		/* active streams; count is active_in */
	SumState	rate_out;		/* count is active_out */
	SumState	accrued_in;
	SumState	accrued_out;
	SumState	claimable_in;
	SumState	refundable_out;
	int64		paused_in;
	int64		paused_out;
	bool		runs_dry;		/* runs_dry_at is set */
	sp_time		runs_dry_at;	/* earliest, of the active outgoing streams */
} AccountGroup;

/*
 * The groups; a linear search finds one of the first few, a hash table
 * (open addressing) one of more.
 */
#define ACC_LINEAR_GROUPS 8

typedef struct AccountState
{
	MemoryContext cxt;			/* the aggregate's */
	AccountGroup *groups;		/* in order of first appearance */
	int			ngroups;
	int			maxgroups;
	int		   *slots;			/* group index, -1 empty; NULL while few */
	int			nslots;			/* a power of 2, above twice ngroups */
	int			last;			/* the previous row's group */
	Oid			addr_coll;		/* nondeterministic: compare the address
								 * through it; else InvalidOid, bytes */
} AccountState;

/* The fields of streampay_account_totals, in order. */
enum
{
	ACC_CHAIN_ID,
	ACC_ASSET,
	ACC_RATE_IN,
	ACC_RATE_OUT,
	ACC_ACCRUED_IN,
	ACC_ACCRUED_OUT,
	ACC_CLAIMABLE_IN,
	ACC_REFUNDABLE_OUT,
	ACC_ACTIVE_IN,
	ACC_PAUSED_IN,
	ACC_ACTIVE_OUT,
	ACC_PAUSED_OUT,
	ACC_RUNS_DRY_AT,
	ACC_NFIELDS
};

static inline AccountKey
key_arg(FunctionCallInfo fcinfo, int argno)
{
	AccountKey	k = {NULL, -1};

	if (!PG_ARGISNULL(argno))
	{
		struct varlena *v = (struct varlena *) PG_GETARG_POINTER(argno);

		/* inline values are the rule: call out only for toasted ones */
		if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
			v = pg_detoast_datum_packed(v);

		k.data = VARDATA_ANY(v);
		k.len = VARSIZE_ANY_EXHDR(v);
	}
	return k;
}

static inline bool
key_eq(AccountKey a, AccountKey b)
{
	return a.len == b.len && (a.len <= 0 || memcmp(a.data, b.data, a.len) == 0);
}

static uint32
key_hash(AccountKey k)
{
	return k.len < 0 ? 0x9e3779b9 : hash_bytes((const unsigned char *) k.data, k.len);
}

static uint32
group_hash(AccountKey chain, AccountKey asset)
{
	return hash_combine(key_hash(chain), key_hash(asset));
}

static void
rehash(AccountState *st, int nslots)
{
	if (st->slots != NULL)
		pfree(st->slots);
	st->slots = MemoryContextAlloc(st->cxt, nslots * sizeof(int));
	memset(st->slots, -1, nslots * sizeof(int));
	st->nslots = nslots;
	for (int g = 0; g < st->ngroups; g++)
	{
		int			i = st->groups[g].hash & (nslots - 1);

		while (st->slots[i] >= 0)
			i = (i + 1) & (nslots - 1);
		st->slots[i] = g;
	}
}

static AccountKey
key_copy(MemoryContext cxt, AccountKey k)
{
	AccountKey	c = k;

	if (k.len > 0)
	{
		char	   *d = MemoryContextAlloc(cxt, k.len);

		memcpy(d, k.data, k.len);
		c.data = d;
	}
	return c;
}

/* The group of (chain, asset), added zeroed on its first row. */
static AccountGroup *
group_of(AccountState *st, AccountKey chain, AccountKey asset)
{
	AccountGroup *g;
	uint32		hash = 0;
	int			i = 0;

	if (st->last >= 0)
	{
		g = &st->groups[st->last];
		if (key_eq(g->chain, chain) && key_eq(g->asset, asset))
			return g;
	}
	if (st->slots == NULL)
	{
		for (int n = 0; n < st->ngroups; n++)
		{
			g = &st->groups[n];
			if (key_eq(g->chain, chain) && key_eq(g->asset, asset))
			{
				st->last = n;
				return g;
			}
		}
	}
	else
	{
		hash = group_hash(chain, asset);
		for (i = hash & (st->nslots - 1); st->slots[i] >= 0; i = (i + 1) & (st->nslots - 1))
		{
			g = &st->groups[st->slots[i]];
			if (g->hash == hash && key_eq(g->chain, chain) && key_eq(g->asset, asset))
			{
				st->last = st->slots[i];
				return g;
			}
		}
	}

	/* a new group */
	if (st->ngroups == st->maxgroups)
	{
		/* about 2M groups; HashAgg would spill, this state lives in memory */
		if ((Size) st->maxgroups * 2 * sizeof(AccountGroup) > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("streampay_account_agg: more than %d (chain_id, asset) groups",
							st->maxgroups),
					 errdetail("The groups of one address are kept in one array of at most %zu bytes.",
							   (Size) MaxAllocSize)));
		st->maxgroups *= 2;
		st->groups = repalloc(st->groups, st->maxgroups * sizeof(AccountGroup));
	}
	g = &st->groups[st->ngroups];
	memset(g, 0, sizeof(AccountGroup));
	g->chain = key_copy(st->cxt, chain);
	g->asset = key_copy(st->cxt, asset);
	g->hash = st->slots != NULL ? hash : group_hash(chain, asset);
	st->last = st->ngroups++;
	if (st->slots != NULL)
		st->slots[i] = st->last;
	if (st->ngroups > ACC_LINEAR_GROUPS && st->ngroups * 2 > st->nslots)
		rehash(st, st->nslots == 0 ? 64 : st->nslots * 2);
	return g;
}

static AccountState *
account_state(FunctionCallInfo fcinfo)
{
	MemoryContext cxt = sp_agg_context(fcinfo);
	AccountState *st;

	if (!PG_ARGISNULL(0))
		return (AccountState *) PG_GETARG_POINTER(0);
	/* what texteq says when arguments of different collations meet */
	if (!OidIsValid(PG_GET_COLLATION()))
		ereport(ERROR,
				(errcode(ERRCODE_INDETERMINATE_COLLATION),
				 errmsg("could not determine which collation to use for streampay_account_agg's address comparison"),
				 errhint("Use the COLLATE clause to set the collation explicitly.")));
	st = MemoryContextAllocZero(cxt, sizeof(AccountState));
	if (!get_collation_isdeterministic(PG_GET_COLLATION()))
		st->addr_coll = PG_GET_COLLATION();
	st->cxt = cxt;
	st->maxgroups = 4;
	st->groups = MemoryContextAlloc(cxt, st->maxgroups * sizeof(AccountGroup));
	st->last = -1;
	return st;
}

/* Is argument argno (payer or recipient) the address, argument 1? */
static bool
address_is(const AccountState *st, FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(argno))
		return false;
	if (OidIsValid(st->addr_coll))
		return DatumGetBool(DirectFunctionCall2Coll(texteq, st->addr_coll,
													PG_GETARG_DATUM(1),
													PG_GETARG_DATUM(argno)));
	return key_eq(key_arg(fcinfo, argno), key_arg(fcinfo, 1));
}

/*
 * Arguments: state, address, payer, recipient, chain_id, asset, the eight
 * columns sp_stream_from_columns reads, as_of.  A stream is incoming when
 * the address is its recipient, outgoing when it is its payer (address_is).
 * A stream from an address to itself (the triggers refuse one; a table
 * loaded without them may hold it) counts on both sides, as it did when
 * the two sides were read separately.
 */
PG_FUNCTION_INFO_V1(streampay_account_transfn);
Datum
streampay_account_transfn(PG_FUNCTION_ARGS)
{
	AccountState *st = account_state(fcinfo);
	bool		outgoing = address_is(st, fcinfo, 2);
	bool		incoming = address_is(st, fcinfo, 3);
	bool		has_time = !PG_ARGISNULL(14);
	sp_time		t = 0;
	sp_balances b = {0};
	sp_stream	s;
	AccountGroup *g;

	if ((!incoming && !outgoing) || PG_ARGISNULL(7))
		PG_RETURN_POINTER(st);
	/* as_of before the row, as the sums always checked it */
	if (has_time)
		t = sp_check_finite(PG_GETARG_TIMESTAMP(14), "as_of", (Datum) 0);
	(void) sp_stream_from_columns(fcinfo, 6, &s);
	if (has_time)
		b = sp_balances_at(&s, t);
	g = group_of(st, key_arg(fcinfo, 4), key_arg(fcinfo, 5));

	if (incoming)
	{
		if (s.status == SP_ACTIVE)
			sp_sum_add(&g->rate_in, s.rate, 1);
		else if (s.status == SP_PAUSED)
			g->paused_in++;
		if (has_time)
		{
			sp_sum_add(&g->accrued_in, b.accrued, 1);
			sp_sum_add(&g->claimable_in, b.pending, 1);
		}
	}
	if (outgoing)
	{
		sp_time		dry;

		if (s.status == SP_ACTIVE)
		{
			sp_sum_add(&g->rate_out, s.rate, 1);
			if (sp_stream_runs_dry(&s, &dry) && (!g->runs_dry || dry < g->runs_dry_at))
			{
				g->runs_dry = true;
				g->runs_dry_at = dry;
			}
		}
		else if (s.status == SP_PAUSED)
			g->paused_out++;
		if (has_time)
		{
			sp_sum_add(&g->accrued_out, b.accrued, 1);
			sp_sum_add(&g->refundable_out, b.refundable, 1);
		}
	}
	PG_RETURN_POINTER(st);
}

static Datum
key_datum(AccountKey k, bool *isnull)
{
	*isnull = k.len < 0;
	return *isnull ? (Datum) 0 : PointerGetDatum(cstring_to_text_with_len(k.data, k.len));
}

/* The groups, in order of first appearance; NULL after no rows. */
PG_FUNCTION_INFO_V1(streampay_account_final);
Datum
streampay_account_final(PG_FUNCTION_ARGS)
{
	AccountState *st;
	Oid			elemtype;
	TupleDesc	desc;
	Datum	   *elems;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	(void) sp_agg_context(fcinfo);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (AccountState *) PG_GETARG_POINTER(0);

	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "streampay_account_final must return an array");
	desc = lookup_rowtype_tupdesc(elemtype, -1);
	if (desc->natts != ACC_NFIELDS)
		elog(ERROR, "streampay_account_totals has %d fields, not %d",
			 desc->natts, ACC_NFIELDS);

	elems = palloc(st->ngroups * sizeof(Datum));
	for (int i = 0; i < st->ngroups; i++)
	{
		AccountGroup *g = &st->groups[i];
		Datum		values[ACC_NFIELDS];
		bool		nulls[ACC_NFIELDS];

		values[ACC_CHAIN_ID] = key_datum(g->chain, &nulls[ACC_CHAIN_ID]);
		values[ACC_ASSET] = key_datum(g->asset, &nulls[ACC_ASSET]);
		values[ACC_RATE_IN] = sp_sum_result(&g->rate_in, &nulls[ACC_RATE_IN]);
		values[ACC_RATE_OUT] = sp_sum_result(&g->rate_out, &nulls[ACC_RATE_OUT]);
		values[ACC_ACCRUED_IN] = sp_sum_result(&g->accrued_in, &nulls[ACC_ACCRUED_IN]);
		values[ACC_ACCRUED_OUT] = sp_sum_result(&g->accrued_out, &nulls[ACC_ACCRUED_OUT]);
		values[ACC_CLAIMABLE_IN] = sp_sum_result(&g->claimable_in, &nulls[ACC_CLAIMABLE_IN]);
		values[ACC_REFUNDABLE_OUT] = sp_sum_result(&g->refundable_out, &nulls[ACC_REFUNDABLE_OUT]);
		values[ACC_ACTIVE_IN] = Int64GetDatum(g->rate_in.count);
		values[ACC_PAUSED_IN] = Int64GetDatum(g->paused_in);
		values[ACC_ACTIVE_OUT] = Int64GetDatum(g->rate_out.count);
		values[ACC_PAUSED_OUT] = Int64GetDatum(g->paused_out);
		nulls[ACC_ACTIVE_IN] = nulls[ACC_PAUSED_IN] = false;
		nulls[ACC_ACTIVE_OUT] = nulls[ACC_PAUSED_OUT] = false;
		values[ACC_RUNS_DRY_AT] = TimestampGetDatum((Timestamp) g->runs_dry_at);
		nulls[ACC_RUNS_DRY_AT] = !g->runs_dry;
		elems[i] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	ReleaseTupleDesc(desc);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, st->ngroups, elemtype,
										  typlen, typbyval, typalign));
}
