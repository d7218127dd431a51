/*
 * streampay.h
 *	  Glue-layer declarations shared between the C files that talk to the
 *	  server (the core headers stay free of PostgreSQL).
 */
#ifndef STREAMPAY_H
#define STREAMPAY_H

#include "compat.h"

#include "nodes/pg_list.h"

#include "accrual.h"

/* Relcache callback targets: reset cached state for relid (0 = all). */
extern void sp_trigger_invalidate(Oid relid);
extern void sp_lookup_invalidate(Oid relid);
extern void sp_chains_invalidate(Oid relid);
extern void sp_ledger_invalidate(Oid relid);
extern void sp_lookup_init(void);

/* What a money function computes; also streampay_accrual_from_columns' kind. */
typedef enum sp_money_kind
{
	SP_MONEY_ACCRUED = 0,
	SP_MONEY_CLAIMABLE = 1,
	SP_MONEY_REFUNDABLE = 2
} sp_money_kind;

/*
 * Did the statement firing 'trigger' (a row UPDATE trigger on a streams
 * table) assign last_settled_at for the row at hand (merge.c)?  BY_SET: the
 * statement has one action, so tg_updatedcols answers exactly.  YES/NO: a
 * MERGE whose UPDATE actions all / none assign it.  UNKNOWN: a MERGE whose
 * actions differ, or a statement started before the library was loaded.
 */
typedef enum sp_assigned
{
	SP_ASSIGNED_BY_SET,
	SP_ASSIGNED_YES,
	SP_ASSIGNED_NO,
	SP_ASSIGNED_UNKNOWN
} sp_assigned;

struct Trigger;
extern sp_assigned sp_lsa_assigned(const struct Trigger *trigger);
extern void sp_merge_init(void);

/*
 * Decode the streams row in argument 'argno' (a composite datum) into *s,
 * held to the value rules an INSERT would be; the column map is cached in
 * the call site's fn_extra (functions.c).
 */
struct FunctionCallInfoBaseData;
extern void sp_stream_from_row(struct FunctionCallInfoBaseData *fcinfo, int argno,
							   sp_stream *s);

/*
 * Decode a stream passed as eight arguments from 'argno' on (id, status,
 * rate_per_second, start_time, end_time, total_amount, last_settled_at,
 * settled_amount), held to the same value rules; false when the row is
 * missing (NULL status).  The status OIDs are cached in fn_extra.
 */
extern bool sp_stream_from_columns(struct FunctionCallInfoBaseData *fcinfo, int argno,
								   sp_stream *s);

/*
 * Planner side of the column forms (row_support.c): the Vars of the eight
 * columns above for a whole-row Var 'row' of relation 'relid', with their
 * types in argtypes[0..7]; NIL when the relation lacks one of them.
 */
#define SP_PASSED_NCOLS 8
struct Var;
extern List *sp_row_column_vars(struct Var *row, Oid relid, Oid *argtypes);

/*
 * The exact sums (aggregates.c): a 128-bit fixed-point sum and the rows in
 * it.  sp_sum_add errors out (22003) rather than wrap; sp_sum_result is
 * NULL after no rows, like sum().  sp_agg_context/sp_agg_state check that a
 * support function runs in an aggregate and give its memory context / its
 * state in argument 0, zeroed on a group's first row.
 */
typedef struct SumState
{
	sp_fixed	sum;
	int64		count;			/* rows added; 0 gives NULL, like sum() */
} SumState;

pg_noreturn extern void sp_sum_overflow(void);

/* st += v over 'rows' more rows (inline: several per row in account.c) */
static inline void
sp_sum_add(SumState *st, sp_fixed v, int64 rows)
{
	if (unlikely(!sp_fixed_add(st->sum, v, &st->sum)))
		sp_sum_overflow();
	st->count += rows;
}

extern Datum sp_sum_result(const SumState *st, bool *isnull);
extern MemoryContext sp_agg_context(struct FunctionCallInfoBaseData *fcinfo);
extern void *sp_agg_state(struct FunctionCallInfoBaseData *fcinfo, Size size);

/*
 * streampay_depletion_time of a decoded stream: false when it never runs
 * dry before the last representable timestamp (functions.c).
 */
extern bool sp_stream_runs_dry(const sp_stream *s, sp_time *out);

/* The planner hook that gives the sum aggregates the columns (agg_rewrite.c). */
extern void sp_agg_rewrite_init(void);

/* Settings (streampay.c). */
extern char *sp_webhook_secret;
extern char *sp_webhook_secret_previous;
extern char *sp_webhook_secret_file;
extern char *sp_event_source;
extern char *sp_external_event_id;
extern char *sp_event_transaction_hash;
extern char *sp_event_payload_digest;
extern char *sp_event_actor;
extern bool sp_allow_event_purge;
extern bool sp_notify;

/*
 * Raise unless signature is the HMAC-SHA256 of payload under the current or
 * the previous webhook key (webhook.c).
 */
extern void sp_verify_signature(const text *payload, const text *signature);

/* Chain-ordered ingestion (rederive.c, 0.6.0). */
extern int	sp_max_clock_skew;
extern char *sp_rewind_stream;
extern char *sp_rederived_event_id;
extern char *sp_chain_ledger;
extern char *sp_chain_event_index;
extern bool sp_setting_int64(const char *name, const char *value, int64 *out);

/*
 * Set streampay.* context settings names[i] = values[i] for the rest of the
 * transaction, on every node when streams (relation 'streams') is
 * distributed with Citus (rederive.c).
 */
extern void sp_set_event_context(Oid streams, int n, const char *const *names,
								 const char *const *values);

/*
 * The streams.id of a chain's stream (streampay_chain_stream_uuid; any
 * argument may be NULL), and whether s is a uuid in its canonical 8-4-4-4-12
 * spelling (either case), the only spelling a streamId is a row id in
 * (chain_id.c).
 */
extern Datum sp_chain_stream_uuid(const char *chain_id, const char *contract_address,
								  const char *chain_stream_id);
extern bool sp_canonical_uuid_text(const char *s);

/* SHA-256 of len bytes into out[32] (chain_id.c). */
extern void sp_sha256(const char *data, size_t len, uint8 *out);

/*
 * Watch the ledger rows appended for stream_id from now on (the watch's
 * generation); how many there were, the first's and the last's event_id,
 * or 0 when another watch has begun since (ledger.c).
 */
extern uint64 sp_ledger_watch(Datum stream_id);
extern uint64 sp_ledger_watched(uint64 generation, int64 *first, int64 *last);

/* NOTIFY streampay_events about ledger row event_id (ledger.c). */
extern void sp_announce(int64 event_id, Datum stream_id, const char *event_type,
						const char *status, sp_time occurred);

/*
 * Find stream 'id' in the streams table of schema 'nsp' under the caller's
 * snapshot and privileges.  Returns false when there is no such row.
 * *state (initially NULL) keeps an open scan between calls of one call
 * site; it lives in state_cxt (the call site's fn_mcxt).
 */
extern bool sp_lookup_stream(Oid nsp, Datum id, sp_stream *out, void **state,
							 MemoryContext state_cxt);

/*
 * A money row form (streampay_accrued/claimable/refundable(row [, t])) on
 * the whole-row Var 'row' of table relid, rewritten to the columns form;
 * NULL when it is not one (row_support.c).
 */
struct FuncExpr;
struct Var;
extern struct Node *sp_row_form_on_columns(struct FuncExpr *fcall, struct Var *row, Oid relid);
extern struct Node *sp_money_on_columns(int kind, struct Var *row, Oid relid, struct Node *as_of,
										Oid nsp);

/* Citus support's planner hook (citus.c) */
extern void sp_citus_init(void);

#endif							/* STREAMPAY_H */
