/*
 * stream_row.c
 *	  Tuple <-> core: find columns by name, decode numerics and enum labels.
 */
#include "stream_row.h"

#include "access/xact.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "errors.h"
#include "numeric_codec.h"

const char *const sp_col_names[SP_NCOLS] = {
	"id", "payer", "recipient", "status", "rate_per_second", "start_time",
	"end_time", "total_amount", "last_settled_at", "created_at",
	"updated_at", "chain_id", "contract_address", "transaction_hash",
	"metadata", "settled_amount", "asset", "chain_stream_id"
};

/* The base type each column must have (status: checked as an enum). */
static const Oid sp_col_types[SP_NCOLS] = {
	UUIDOID, VARCHAROID, VARCHAROID, InvalidOid, NUMERICOID, TIMESTAMPOID,
	TIMESTAMPOID, NUMERICOID, TIMESTAMPOID, TIMESTAMPOID,
	TIMESTAMPOID, VARCHAROID, VARCHAROID, VARCHAROID,
	TEXTOID, NUMERICOID, VARCHAROID, VARCHAROID
};

void
sp_attmap_build(sp_attmap *map, TupleDesc tupdesc)
{
	Oid			status_type = InvalidOid;

	for (int c = 0; c < SP_NCOLS; c++)
		map->attnum[c] = InvalidAttrNumber;
	map->natts = tupdesc->natts;

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped)
			continue;
		for (int c = 0; c < SP_NCOLS; c++)
		{
			if (strcmp(NameStr(att->attname), sp_col_names[c]) != 0)
				continue;
			if (c == SP_COL_STATUS)
				status_type = att->atttypid;
			else if (att->atttypid != sp_col_types[c])
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of a streampay stream row has type %s, expected %s",
								sp_col_names[c], format_type_be(att->atttypid),
								format_type_be(sp_col_types[c]))));
			map->attnum[c] = att->attnum;
		}
	}
	for (int c = 0; c < SP_NCOLS; c++)
		if (map->attnum[c] == InvalidAttrNumber && !sp_col_optional(c))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("a streampay stream row has no column \"%s\"",
							sp_col_names[c]),
					 errhint("The streampay trigger and functions work on tables shaped like streampay's \"streams\".")));

	if (!type_is_enum(status_type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"status\" of a streampay stream row has type %s, expected stream_status",
						format_type_be(status_type))));
	sp_status_oids(status_type, map->status_oid);
}

void
sp_status_oids(Oid enumtype, Oid *oids)
{
	for (int s = 0; s < SP_NSTATUS; s++)
	{
		oids[s] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
								  ObjectIdGetDatum(enumtype),
								  CStringGetDatum(sp_status_names[s]));
		if (!OidIsValid(oids[s]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("enum %s has no label \"%s\"",
							format_type_be(enumtype), sp_status_names[s])));
	}
}

sp_status
sp_status_from_oid(const Oid *status_oids, Oid enumval)
{
	for (int s = 0; s < SP_NSTATUS; s++)
		if (status_oids[s] == enumval)
			return (sp_status) s;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown stream status value (enum OID %u)", enumval)));
	pg_unreachable();
}

sp_fixed
sp_datum_to_fixed(Datum d, const char *what, Datum stream_id)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	sp_fixed	out = 0;
	sp_numeric_result r;

	/* inline rows are the rule: call out only for toasted values */
	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		v = pg_detoast_datum_packed(v);
	r = sp_numeric_decode((const unsigned char *) VARDATA_ANY(v),
						  VARSIZE_ANY_EXHDR(v), &out);
	if ((Pointer) v != DatumGetPointer(d))
		pfree(v);
	switch (r)
	{
		case SP_NUM_OK:
			return out;
		case SP_NUM_NAN:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: %s must not be NaN", sp_id_text(stream_id), what)));
			break;
		case SP_NUM_INFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("stream %s: %s must be finite", sp_id_text(stream_id), what)));
			break;
		case SP_NUM_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("stream %s: %s is out of range for decimal(20,9)",
							sp_id_text(stream_id), what)));
			break;
		case SP_NUM_TOO_PRECISE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("stream %s: %s has more than 9 decimal places",
							sp_id_text(stream_id), what)));
			break;
		case SP_NUM_MALFORMED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("stream %s: %s is not a valid numeric image",
							sp_id_text(stream_id), what)));
			break;
	}
	pg_unreachable();
}

Datum
sp_fixed_to_datum(sp_fixed v)
{
	unsigned char buf[SP_NUMERIC_MAXLEN];
	size_t		len = sp_numeric_encode(v, buf);
	struct varlena *result = (struct varlena *) palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), buf, len);
	return PointerGetDatum(result);
}

sp_time
sp_transaction_time(void)
{
	/* a timestamptz is UTC microseconds: the same integer as the UTC wall time */
	return (sp_time) GetCurrentTransactionStartTimestamp();
}

sp_time
sp_check_finite(Timestamp ts, const char *what, Datum stream_id)
{
	if (TIMESTAMP_NOT_FINITE(ts) && stream_id == (Datum) 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite timestamp", what)));
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("stream %s: %s must be a finite timestamp",
						sp_id_text(stream_id), what)));
	return (sp_time) ts;
}

void
sp_report_null_money(Datum stream_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("stream %s: status, rate_per_second, start_time, total_amount, last_settled_at and settled_amount must not be null",
					sp_id_text(stream_id))));
}

void
sp_decode_stream(const sp_attmap *map, const Datum *values,
				 const bool *isnull, sp_stream *s)
{
	Datum		id = isnull[map->attnum[SP_COL_ID] - 1] ? (Datum) 0 :
		values[map->attnum[SP_COL_ID] - 1];

#define COL(c) (map->attnum[(c)] - 1)
	/* NOT NULL constraints guard the table; a hand-built row may still lie */
	if (isnull[COL(SP_COL_STATUS)] || isnull[COL(SP_COL_RATE)] ||
		isnull[COL(SP_COL_START)] || isnull[COL(SP_COL_TOTAL)] ||
		isnull[COL(SP_COL_LAST_SETTLED)] || isnull[COL(SP_COL_SETTLED)])
		sp_report_null_money(id);

	s->status = sp_status_from_oid(map->status_oid, DatumGetObjectId(values[COL(SP_COL_STATUS)]));
	s->rate = sp_datum_to_fixed(values[COL(SP_COL_RATE)], "rate_per_second", id);
	s->total = sp_datum_to_fixed(values[COL(SP_COL_TOTAL)], "total_amount", id);
	s->settled = sp_datum_to_fixed(values[COL(SP_COL_SETTLED)], "settled_amount", id);
	s->start = sp_check_finite(DatumGetTimestamp(values[COL(SP_COL_START)]),
							   "start_time", id);
	s->last_settled = sp_check_finite(DatumGetTimestamp(values[COL(SP_COL_LAST_SETTLED)]),
									  "last_settled_at", id);
	s->has_end = !isnull[COL(SP_COL_END)];
	s->end = s->has_end ?
		sp_check_finite(DatumGetTimestamp(values[COL(SP_COL_END)]), "end_time", id) : 0;
#undef COL
}
