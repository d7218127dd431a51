/*
 * stream_row.h
 *	  Glue between PostgreSQL tuples of the streams row type and the pure
 *	  core: column lookup by name, numeric and enum decoding.
 */
#ifndef STREAMPAY_STREAM_ROW_H
#define STREAMPAY_STREAM_ROW_H

#include "compat.h"

#include "access/tupdesc.h"
#include "utils/timestamp.h"

#include "accrual.h"

/* The columns the extension reads, in data-model order. */
typedef enum sp_col
{
	SP_COL_ID = 0,
	SP_COL_PAYER,
	SP_COL_RECIPIENT,
	SP_COL_STATUS,
	SP_COL_RATE,
	SP_COL_START,
	SP_COL_END,
	SP_COL_TOTAL,
	SP_COL_LAST_SETTLED,
	SP_COL_CREATED,
	SP_COL_UPDATED,
	SP_COL_CHAIN,
	SP_COL_CONTRACT,
	SP_COL_TXHASH,
	SP_COL_METADATA,
	SP_COL_SETTLED,
	SP_COL_ASSET,				/* 0.5.0: optional, tables from before lack it */
	SP_COL_CHAIN_STREAM,		/* 0.6.0: the chain's id of the stream; optional */
	SP_NCOLS
} sp_col;

/* Is column c present in the map?  (Only optional columns can be absent.) */
#define sp_col_optional(c) ((c) == SP_COL_ASSET || (c) == SP_COL_CHAIN_STREAM)
#define sp_has_col(map, c) ((map)->attnum[(c)] != InvalidAttrNumber)

extern const char *const sp_col_names[SP_NCOLS];

/*
 * Where each column lives in one tuple descriptor, and the OIDs of the
 * stream_status labels.  Partitions, restored tables and shards may number
 * their attributes differently, so this is built by name per descriptor.
 */
typedef struct sp_attmap
{
	AttrNumber	attnum[SP_NCOLS];	/* 1-based */
	Oid			status_oid[SP_NSTATUS];
	int			natts;			/* of the descriptor it was built from */
} sp_attmap;

/*
 * The map of a relation's descriptor, cached per relation and dropped by
 * the relcache callback (trigger.c).
 */
struct RelationData;
extern const sp_attmap *sp_relation_attmap(struct RelationData *rel);

/* Fill 'map' from 'tupdesc'; errors out if a column is missing or mistyped. */
extern void sp_attmap_build(sp_attmap *map, TupleDesc tupdesc);

/* The OIDs of enumtype's labels, in sp_status order. */
extern void sp_status_oids(Oid enumtype, Oid *oids);

/* Enum OID -> core status; errors out on an unknown label. */
extern sp_status sp_status_from_oid(const Oid *status_oids, Oid enumval);

/*
 * Decode the money columns of a deformed row (values/isnull indexed by
 * attnum - 1) into 's'.  Errors name the row by its id column.
 */
extern void sp_decode_stream(const sp_attmap *map, const Datum *values,
							 const bool *isnull, sp_stream *s);

/* ereport(ERROR): a money or time column that may not be NULL is. */
pg_noreturn extern void sp_report_null_money(Datum stream_id);

/* numeric Datum <-> sp_fixed; 'what' names the value in errors. */
extern sp_fixed sp_datum_to_fixed(Datum d, const char *what, Datum stream_id);
extern Datum sp_fixed_to_datum(sp_fixed v);

/* The transaction time as a UTC timestamp (what now() AT TIME ZONE 'UTC' gives). */
extern sp_time sp_transaction_time(void);

/*
 * The latest explicit event time a write may carry: the wall clock plus
 * streampay.max_clock_skew (an indexer's clock may run a little ahead).
 */
extern sp_time sp_event_time_limit(void);

/*
 * Is this write of stream 'id' the rewind step of a re-derivation
 * (streampay.rewind_stream names it)?  rederive.c.
 */
extern bool sp_rewinding(Datum id);

/* Check a timestamp argument is finite; 'what' names it. */
extern sp_time sp_check_finite(Timestamp ts, const char *what, Datum stream_id);

#endif							/* STREAMPAY_STREAM_ROW_H */
