/*
 * inbox.h
 *	  A stream_inbox row in C (values and nulls by column), the SPI plans
 *	  of webhook ingestion, and applying one inbox event to its stream.
 */
#ifndef STREAMPAY_INBOX_H
#define STREAMPAY_INBOX_H

#include "compat.h"

#include "access/sdir.h"
#include "access/tupdesc.h"
#include "executor/spi.h"
#include "utils/jsonb.h"

typedef enum sp_inbox_col
{
	IC_EVENT_ID,
	IC_CHAIN_ID,
	IC_CONTRACT,
	IC_CHAIN_STREAM_ID,
	IC_STREAM_ID,
	IC_EVENT_TYPE,
	IC_OCCURRED_AT,
	IC_LEDGER,
	IC_EVENT_INDEX,
	IC_PAYLOAD,
	IC_TX,
	IC_STATE,
	IC_PARK_REASON,
	IC_PARK_MESSAGE,
	IC_SNAP_STATUS,
	IC_SNAP_RATE,
	IC_SNAP_TOTAL,
	IC_SNAP_SETTLED,
	IC_SNAP_LAST_SETTLED,
	IC_LEDGER_MARK,
	IC_LEDGER_MARK_AT,
	IC_FIRST_LEDGER_EVENT,
	IC_RECEIVED_AT,
	IC_NCOLS
} sp_inbox_col;

/*
 * One stream_inbox row: values/nulls indexed by attribute number - 1 of
 * the table's row type, col[] maps each column above to its index.
 */
typedef struct sp_inbox_row
{
	TupleDesc	tupdesc;
	int			col[IC_NCOLS];
	Datum	   *values;
	bool	   *nulls;
} sp_inbox_row;

#define INBOX_NULL(r, c)	((r)->nulls[(r)->col[c]])
#define INBOX_GET(r, c)		((r)->values[(r)->col[c]])

/*
 * An all-NULL row of 'tupdesc' (stream_inbox's row type, schema nsp);
 * 42P10 if a column is missing, 42804 if its type is not the one the
 * library reads and writes.
 */
extern void sp_inbox_row_init(sp_inbox_row *row, TupleDesc tupdesc, Oid nsp);

/* Is a column of type 'have' read and written as 'want' (text = varchar)? */
extern bool sp_type_fits(Oid have, Oid want);
extern void sp_inbox_set(sp_inbox_row *row, sp_inbox_col c, Datum value);
extern void sp_inbox_set_null(sp_inbox_row *row, sp_inbox_col c);
extern void sp_inbox_set_text(sp_inbox_row *row, sp_inbox_col c, const char *value);

/*
 * An index the ingestion probes read, as the extension created it: its
 * table, its name (NULL: the table's primary key), its key columns in order
 * (each a column, or COALESCE(column, -1), of the type the probe compares
 * as), and the one condition it may be partial on (pred_column IS NULL, or
 * IS NOT NULL; pred_column NULL: not partial).  shape and restore are the
 * error's words: what the index must be, and how to put it back.
 */
typedef struct sp_probe_col
{
	const char *column;
	Oid			type;
	bool		coalesced;
} sp_probe_col;

typedef struct sp_probe_index
{
	const char *relname;
	const char *indexname;
	int			nkeys;
	const sp_probe_col *cols;
	const char *pred_column;
	bool		pred_is_null;
	const char *shape;
	const char *restore;
} sp_probe_index;

extern const sp_probe_index sp_probe_streams_pkey;
extern const sp_probe_index sp_probe_inbox_pkey;
extern const sp_probe_index sp_probe_events_external;
extern const sp_probe_index sp_probe_inbox_order;
extern const sp_probe_index sp_probe_inbox_unresolved;
extern const sp_probe_index sp_probe_streams_chain_stream_id;

/*
 * The first row of spec's table (schema nsp) that spec's index finds for
 * keys[] on its first nkeys columns, scanning in direction dir, as a new
 * statement would see it; copies of its columns cols[], which must have
 * types types[], into values/nulls.  false when there is none.  55000 when
 * the index is not what spec describes (probe.c).
 */
extern bool sp_probe(Oid nsp, const sp_probe_index *spec, int nkeys, const Datum *keys,
					 ScanDirection dir, int ncols, const char *const *cols,
					 const Oid *types, Datum *values, bool *nulls);

/* INSERT the row into stream_inbox (the caller is connected to SPI). */
extern void sp_inbox_insert(Oid nsp, sp_inbox_row *row);

/*
 * The saved SPI plan 'slot' of the extension in schema nsp: 'sql' with
 * every "@S@" replaced by the schema's quoted name.  Plans are kept for the
 * backend and dropped when the extension's schema changes.  The caller is
 * connected to SPI.
 */
typedef enum sp_plan_slot
{
	PLAN_APPLY_CREATE,
	PLAN_APPLY_LOCK_SETTLED,
	PLAN_APPLY_STATUS,
	PLAN_APPLY_SETTLE,
	PLAN_APPLY_RATE,
	PLAN_APPLY_TOPUP,
	PLAN_APPLY_MARK,
	PLAN_APPLY_FIRST_ROW,
	PLAN_APPLY_ACK,
	PLAN_REPLAY,
	PLAN_REPLAY_LEDGER,
	PLAN_PROBE,
	PLAN_BY_CHAIN_ID,
	PLAN_BY_UUID,
	PLAN_TX_PROBLEM,
	PLAN_NEWEST,
	PLAN_WAITING,
	PLAN_SETTLED,
	PLAN_INSERT_INBOX,
	PLAN_ADOPT,
	PLAN_DISAMBIGUATE,
	PLAN_REDERIVE,
	PLAN_REREAD,
	PLAN_AFTER,
	PLAN_NSLOTS
} sp_plan_slot;

extern SPIPlanPtr sp_ingest_plan(Oid nsp, sp_plan_slot slot, const char *sql,
								 int nargs, const Oid *argtypes);

/* Run a saved plan with Datum arguments (nulls[i] true = NULL); the SPI result code. */
extern int	sp_run_plan(SPIPlanPtr plan, const Datum *args, const bool *nulls, int nargs,
						bool read_only, long tcount);

/* j ->> key (NULL when absent or JSON null), as the SQL operator gives it. */
extern char *sp_jsonb_text_field(Jsonb *j, const char *key);
/* j -> key as a Jsonb, or NULL when absent. */
extern Jsonb *sp_jsonb_field(Jsonb *j, const char *key);

/* sha256(convert_to(payload::text, 'UTF8')) into out[32] */
extern void sp_payload_digest(Jsonb *payload, uint8 *out);

/*
 * Apply inbox event 'ev' of the extension in schema nsp to its stream
 * through the ordinary trigger rules, and record in ev what it left:
 * state 'applied', the stream's state, the ledger mark, its first ledger
 * row.  Raises the rule's error when the event is not valid at this point.
 * The caller is connected to SPI.
 */
extern void sp_apply_event(Oid nsp, sp_inbox_row *ev);

/* Why an event that raised (SQLSTATE, hint) is not valid at its position. */
extern const char *sp_park_reason(const char *sqlstate, const char *hint);

#endif							/* STREAMPAY_INBOX_H */
