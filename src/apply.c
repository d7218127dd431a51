/*
 * apply.c
 *	  Applying one webhook event (a stream_inbox row) to its stream, and
 *	  the pieces webhook ingestion shares: the inbox row in C, the saved
 *	  SPI plans, jsonb field access.
 *
 * An event goes through the ordinary write path: an INSERT or UPDATE of
 * streams that the C triggers check and log, with the event's context
 * (its id, or the id it replays, its chain position, transaction hash and
 * payload digest) in streampay.* settings for the ledger trigger.  Until
 * 0.7.0 this was PL/pgSQL; every webhook delivery is its own transaction,
 * and PL/pgSQL prepares each expression anew per transaction, which cost
 * more than the writes themselves.  The statements are the same ones, now
 * planned once per backend.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "inbox.h"
#include "signature.h"
#include "streampay.h"

static const char *const inbox_col_names[IC_NCOLS] = {
	"event_id", "chain_id", "contract_address", "chain_stream_id", "stream_id",
	"event_type", "occurred_at", "chain_ledger", "chain_event_index", "payload",
	"transaction_hash", "state", "park_reason", "park_message", "snap_status",
	"snap_rate", "snap_total", "snap_settled", "snap_last_settled", "ledger_mark",
	"ledger_mark_at", "first_ledger_event", "received_at"
};

/* what the library reads and writes in each column (InvalidOid: stream_status) */
static const Oid inbox_col_types[IC_NCOLS] = {
	TEXTOID, VARCHAROID, VARCHAROID, VARCHAROID, UUIDOID,
	TEXTOID, TIMESTAMPOID, INT8OID, INT8OID, JSONBOID,
	VARCHAROID, TEXTOID, TEXTOID, TEXTOID, InvalidOid,
	NUMERICOID, NUMERICOID, NUMERICOID, TIMESTAMPOID, INT8OID,
	TIMESTAMPOID, INT8OID, TIMESTAMPOID
};

bool
sp_type_fits(Oid have, Oid want)
{
	/* text and varchar are one representation */
	return have == want ||
		((have == TEXTOID || have == VARCHAROID) && (want == TEXTOID || want == VARCHAROID));
}

void
sp_inbox_row_init(sp_inbox_row *row, TupleDesc tupdesc, Oid nsp)
{
	row->tupdesc = tupdesc;
	row->values = palloc0(sizeof(Datum) * tupdesc->natts);
	row->nulls = palloc(sizeof(bool) * tupdesc->natts);
	memset(row->nulls, true, sizeof(bool) * tupdesc->natts);
	for (int c = 0; c < IC_NCOLS; c++)
	{
		row->col[c] = -1;
		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), inbox_col_names[c]) == 0)
			{
				row->col[c] = i;
				break;
			}
		}
		if (row->col[c] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("stream_inbox has no column \"%s\"", inbox_col_names[c]),
					 errhint("ALTER EXTENSION streampay UPDATE brings the inbox to this library's version.")));
		{
			/* values of these types are written and read as such: a column
			 * whose type was changed would be read as garbage */
			Oid			have = TupleDescAttr(tupdesc, row->col[c])->atttypid;
			Oid			want = OidIsValid(inbox_col_types[c]) ? inbox_col_types[c]
				: GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								   CStringGetDatum("stream_status"), ObjectIdGetDatum(nsp));

			if (!sp_type_fits(have, want))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("stream_inbox column \"%s\" has type %s, not %s",
								inbox_col_names[c], format_type_be(have), format_type_be(want)),
						 errhint("Webhook ingestion reads and writes the inbox as the extension created it; restore the column's type.")));
		}
	}
}

void
sp_inbox_set(sp_inbox_row *row, sp_inbox_col c, Datum value)
{
	row->values[row->col[c]] = value;
	row->nulls[row->col[c]] = false;
}

void
sp_inbox_set_null(sp_inbox_row *row, sp_inbox_col c)
{
	row->values[row->col[c]] = (Datum) 0;
	row->nulls[row->col[c]] = true;
}

void
sp_inbox_set_text(sp_inbox_row *row, sp_inbox_col c, const char *value)
{
	if (value == NULL)
		sp_inbox_set_null(row, c);
	else
		sp_inbox_set(row, c, CStringGetTextDatum(value));
}

/*
 * Saved plans, for the extension in plan_nsp whose inbox is plan_inbox:
 * a new extension (DROP and CREATE) gets new types, so the plans go.
 */
static Oid	plan_nsp = InvalidOid;
static Oid	plan_inbox = InvalidOid;
static SPIPlanPtr plans[PLAN_NSLOTS];

static void
plans_for(Oid nsp)
{
	Oid			inbox = get_relname_relid("stream_inbox", nsp);

	if (nsp == plan_nsp && inbox == plan_inbox)
		return;
	for (int i = 0; i < PLAN_NSLOTS; i++)
	{
		if (plans[i] != NULL)
			SPI_freeplan(plans[i]);
		plans[i] = NULL;
	}
	plan_nsp = nsp;
	plan_inbox = inbox;
}

SPIPlanPtr
sp_ingest_plan(Oid nsp, sp_plan_slot slot, const char *sql, int nargs, const Oid *argtypes)
{
	plans_for(nsp);
	if (plans[slot] == NULL)
	{
		const char *schema = quote_identifier(get_namespace_name(nsp));
		StringInfoData q;
		SPIPlanPtr	plan;

		initStringInfo(&q);
		for (const char *p = sql; *p; p++)
		{
			if (strncmp(p, "@S@", 3) == 0)
			{
				appendStringInfoString(&q, schema);
				p += 2;
			}
			else
				appendStringInfoChar(&q, *p);
		}
		plan = SPI_prepare(q.data, nargs, (Oid *) argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", q.data,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		plans[slot] = plan;
	}
	return plans[slot];
}

int
sp_run_plan(SPIPlanPtr plan, const Datum *args, const bool *nulls, int nargs,
			bool read_only, long tcount)
{
	char		n[32] = {0};
	int			rc;

	if (nargs > (int) sizeof(n))
		elog(ERROR, "sp_run_plan: %d arguments, at most %d", nargs, (int) sizeof(n));
	for (int i = 0; i < nargs; i++)
		n[i] = nulls[i] ? 'n' : ' ';
	rc = SPI_execute_plan(plan, (Datum *) args, n, read_only, tcount);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return rc;
}

static bool
jsonb_lookup(Jsonb *j, const char *key, JsonbValue *out)
{
	if (j == NULL || !JB_ROOT_IS_OBJECT(j))
		return false;
	return getKeyJsonValueFromContainer(&j->root, key, strlen(key), out) != NULL;
}

char *
sp_jsonb_text_field(Jsonb *j, const char *key)
{
	JsonbValue	v;

	if (!jsonb_lookup(j, key, &v))
		return NULL;
	switch (v.type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v.val.string.val, v.val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v.val.numeric)));
		case jbvBool:
			return pstrdup(v.val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v.type);
	}
	return NULL;				/* keep the compiler quiet */
}

Jsonb *
sp_jsonb_field(Jsonb *j, const char *key)
{
	JsonbValue	v;

	if (!jsonb_lookup(j, key, &v))
		return NULL;
	return JsonbValueToJsonb(&v);
}

void
sp_payload_digest(Jsonb *payload, uint8 *out)
{
	char	   *text = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	char	   *utf8 = pg_server_to_any(text, strlen(text), PG_UTF8);

	sp_sha256(utf8, strlen(utf8), out);
}

const char *
sp_park_reason(const char *sqlstate, const char *hint)
{
	if (hint != NULL && strcmp(hint, "amount_mismatch") == 0)
		return "amount_mismatch";
	if (sqlstate != NULL && strcmp(sqlstate, "55000") == 0)
		return "invalid_transition";
	/* the clock running backwards: only a change made in SQL (or before
	 * 0.6.0) can have moved the stream past an event's chain time */
	if (sqlstate != NULL && strcmp(sqlstate, "22023") == 0)
		return "before_sql_change";
	/* a CHECK, or a value out of its column's range (22003, 22008) */
	return "rule_violation";
}

/*
 * INSERT row into stream_inbox, column by column: no composite value to
 * build and take apart again.
 */
static char *inbox_insert_sql = NULL;

void
sp_inbox_insert(Oid nsp, sp_inbox_row *row)
{
	Oid			types[IC_NCOLS];
	Datum		args[IC_NCOLS];
	bool		nulls[IC_NCOLS];
	SPIPlanPtr	plan;

	for (int c = 0; c < IC_NCOLS; c++)
	{
		types[c] = TupleDescAttr(row->tupdesc, row->col[c])->atttypid;
		args[c] = row->values[row->col[c]];
		nulls[c] = row->nulls[row->col[c]];
	}
	if (inbox_insert_sql == NULL)
	{
		StringInfoData q;

		initStringInfo(&q);
		appendStringInfoString(&q, "INSERT INTO @S@.stream_inbox (");
		for (int c = 0; c < IC_NCOLS; c++)
			appendStringInfo(&q, "%s%s", c ? ", " : "", inbox_col_names[c]);
		appendStringInfoString(&q, ") VALUES (");
		for (int c = 0; c < IC_NCOLS; c++)
			appendStringInfo(&q, "%s$%d", c ? ", " : "", c + 1);
		appendStringInfoChar(&q, ')');
		inbox_insert_sql = MemoryContextStrdup(TopMemoryContext, q.data);
	}
	plan = sp_ingest_plan(nsp, PLAN_INSERT_INBOX, inbox_insert_sql, IC_NCOLS, types);
	sp_run_plan(plan, args, nulls, IC_NCOLS, false, 0);
}

/*
 * What every write of an event returns: the stream as it left it (no
 * function in it: Citus allows only immutable ones in a RETURNING).
 */
#define AFTER_COLS " RETURNING s.id, s.status, s.rate_per_second," \
	" s.total_amount, s.settled_amount, s.last_settled_at"

static char *
int8_text_or_empty(sp_inbox_row *ev, sp_inbox_col c)
{
	if (INBOX_NULL(ev, c))
		return "";
	return psprintf(INT64_FORMAT, DatumGetInt64(INBOX_GET(ev, c)));
}

static Datum
text_arg(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s == NULL ? (Datum) 0 : CStringGetTextDatum(s);
}

static Datum
inbox_arg(sp_inbox_row *ev, sp_inbox_col c, bool *isnull)
{
	*isnull = INBOX_NULL(ev, c);
	return INBOX_GET(ev, c);
}

void
sp_apply_event(Oid nsp, sp_inbox_row *ev)
{
	char	   *event_id = TextDatumGetCString(INBOX_GET(ev, IC_EVENT_ID));
	char	   *type = TextDatumGetCString(INBOX_GET(ev, IC_EVENT_TYPE));
	Jsonb	   *payload = DatumGetJsonbP(INBOX_GET(ev, IC_PAYLOAD));
	Jsonb	   *d = sp_jsonb_field(payload, "data");
	bool		first = INBOX_NULL(ev, IC_FIRST_LEDGER_EVENT);
	bool		stream_null = INBOX_NULL(ev, IC_STREAM_ID);
	Datum		stream_id = INBOX_GET(ev, IC_STREAM_ID);
	Datum		at = INBOX_GET(ev, IC_OCCURRED_AT);
	Oid			status_type = TupleDescAttr(ev->tupdesc, ev->col[IC_SNAP_STATUS])->atttypid;
	uint8		digest[SP_SIGNATURE_BYTES];
	char		digest_hex[2 * SP_SIGNATURE_BYTES + 1] = "";
	Datum		a[14];
	bool		n[14];
	SPIPlanPtr	plan;
	HeapTuple	row;
	TupleDesc	rdesc;
	bool		isnull;
	Datum		after_status;
	char	   *after_status_text;
	Datum		after_rate,
				after_total,
				after_settled,
				after_last;
	Datum		mark = (Datum) 0;
	bool		mark_null = true;
	Datum		first_row = (Datum) 0;
	bool		first_row_null = true;
	uint64		watch = 0;
	int64		watched_first;
	int64		watched_last;

	/* what the ledger trigger writes next to each row of this event */
	{
		static const char *const names[] = {
			"streampay.external_event_id", "streampay.rederived_event_id",
			"streampay.event_transaction_hash", "streampay.event_payload_digest",
			"streampay.chain_ledger", "streampay.chain_event_index"
		};
		const char *vals[6];

		if (first)
		{
			sp_payload_digest(payload, digest);
			sp_hex_encode(digest, SP_SIGNATURE_BYTES, digest_hex);
		}
		vals[0] = first ? event_id : "";
		vals[1] = first ? "" : event_id;
		vals[2] = INBOX_NULL(ev, IC_TX) ? "" : TextDatumGetCString(INBOX_GET(ev, IC_TX));
		vals[3] = digest_hex;
		vals[4] = int8_text_or_empty(ev, IC_LEDGER);
		vals[5] = int8_text_or_empty(ev, IC_EVENT_INDEX);
		sp_set_event_context(get_relname_relid("streams", nsp), 6, names, vals);
	}

	/* which ledger rows the write appends (none seen on a Citus coordinator) */
	if (!stream_null)
		watch = sp_ledger_watch(stream_id);
	if (strcmp(type, "stream_created") == 0)
	{
		/* the stream was created on chain at occurredAt */
		static const Oid types[14] = {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
			TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPOID, TEXTOID, TEXTOID, TEXTOID};

		plan = sp_ingest_plan(nsp, PLAN_APPLY_CREATE,
							  "INSERT INTO @S@.streams AS s (id, payer, recipient, rate_per_second, start_time,"
							  " end_time, total_amount, chain_id, contract_address, transaction_hash,"
							  " created_at, asset, chain_stream_id)"
							  " VALUES ($1, $2, $3, $4::pg_catalog.numeric,"
							  " @S@.streampay_event_time($5, 'data.startTime', $14),"
							  " @S@.streampay_event_time($6, 'data.endTime', $14),"
							  " $7::pg_catalog.numeric, $8, $9, $10, $11, $12, $13)" AFTER_COLS,
							  14, types);
		a[0] = stream_id;
		n[0] = stream_null;
		a[1] = text_arg(sp_jsonb_text_field(d, "payer"), &n[1]);
		a[2] = text_arg(sp_jsonb_text_field(d, "recipient"), &n[2]);
		a[3] = text_arg(sp_jsonb_text_field(d, "ratePerSecond"), &n[3]);
		a[4] = text_arg(sp_jsonb_text_field(d, "startTime"), &n[4]);
		a[5] = text_arg(sp_jsonb_text_field(d, "endTime"), &n[5]);
		a[6] = text_arg(sp_jsonb_text_field(d, "totalAmount"), &n[6]);
		a[7] = inbox_arg(ev, IC_CHAIN_ID, &n[7]);
		a[8] = inbox_arg(ev, IC_CONTRACT, &n[8]);
		a[9] = inbox_arg(ev, IC_TX, &n[9]);
		a[10] = at;
		n[10] = false;
		a[11] = text_arg(sp_jsonb_text_field(d, "asset"), &n[11]);
		a[12] = inbox_arg(ev, IC_CHAIN_STREAM_ID, &n[12]);
		a[13] = text_arg(event_id, &n[13]);
		sp_run_plan(plan, a, n, 14, false, 0);
	}
	else
	{
		static const Oid uuid_ts[2] = {UUIDOID, TIMESTAMPOID};
		static const Oid uuid_text_ts[3] = {UUIDOID, TEXTOID, TIMESTAMPOID};

		a[0] = stream_id;
		n[0] = stream_null;
		if (strcmp(type, "settled") == 0)
		{
			char	   *amount = sp_jsonb_text_field(d, "amount");

			/* an amount is checked against what the database computes */
			plan = sp_ingest_plan(nsp, PLAN_APPLY_LOCK_SETTLED,
								  "SELECT s.last_settled_at, @S@.streampay_claimable(s, $2)"
								  " FROM @S@.streams s WHERE s.id OPERATOR(pg_catalog.=) $1"
								  " FOR NO KEY UPDATE", 2, uuid_ts);
			a[1] = at;
			n[1] = false;
			sp_run_plan(plan, a, n, 2, false, 0);
			if (SPI_processed == 1 && amount != NULL)
			{
				Datum		last = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
				bool		expected_null;
				Datum		expected = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
													 &expected_null);

				if (!isnull && !expected_null &&
					timestamp_cmp_internal(DatumGetTimestamp(at), DatumGetTimestamp(last)) >= 0 &&
					DatumGetBool(DirectFunctionCall2(numeric_ne,
													 DirectFunctionCall3(numeric_in,
																		 CStringGetDatum(amount),
																		 ObjectIdGetDatum(InvalidOid),
																		 Int32GetDatum(-1)),
													 expected)))
					ereport(ERROR,
							(errcode(ERRCODE_CHECK_VIOLATION),
							 errmsg("webhook event %s: settled amount does not match stream %s",
									event_id, DatumGetCString(DirectFunctionCall1(uuid_out, stream_id))),
							 errdetail("The event says %s; at %s the stream has %s to settle.",
									   amount, DatumGetCString(DirectFunctionCall1(timestamp_out, at)),
									   DatumGetCString(DirectFunctionCall1(numeric_out, expected))),
							 errhint("amount_mismatch")));
			}
			plan = sp_ingest_plan(nsp, PLAN_APPLY_SETTLE,
								  "UPDATE @S@.streams s SET last_settled_at = $2"
								  " WHERE s.id OPERATOR(pg_catalog.=) $1" AFTER_COLS, 2, uuid_ts);
			a[1] = at;
			n[1] = false;
			sp_run_plan(plan, a, n, 2, false, 0);
		}
		else if (strcmp(type, "rate_changed") == 0 || strcmp(type, "topped_up") == 0)
		{
			bool		rate = type[0] == 'r';

			plan = rate
				? sp_ingest_plan(nsp, PLAN_APPLY_RATE,
								 "UPDATE @S@.streams s SET rate_per_second = $2::pg_catalog.numeric,"
								 " last_settled_at = $3 WHERE s.id OPERATOR(pg_catalog.=) $1" AFTER_COLS,
								 3, uuid_text_ts)
				: sp_ingest_plan(nsp, PLAN_APPLY_TOPUP,
								 "UPDATE @S@.streams s SET total_amount = s.total_amount"
								 " OPERATOR(pg_catalog.+) $2::pg_catalog.numeric, last_settled_at = $3"
								 " WHERE s.id OPERATOR(pg_catalog.=) $1" AFTER_COLS, 3, uuid_text_ts);
			a[1] = text_arg(sp_jsonb_text_field(d, rate ? "ratePerSecond" : "amount"), &n[1]);
			a[2] = at;
			n[2] = false;
			sp_run_plan(plan, a, n, 3, false, 0);
		}
		else
		{
			const char *status;

			if (strcmp(type, "stream_paused") == 0)
				status = "paused";
			else if (strcmp(type, "stream_resumed") == 0)
				status = "active";
			else if (strcmp(type, "stream_cancelled") == 0)
				status = "cancelled";
			else if (strcmp(type, "stream_completed") == 0)
				status = "completed";
			else
				ereport(ERROR,
						(errcode(ERRCODE_CASE_NOT_FOUND),
						 errmsg("webhook event %s: no way to apply eventType \"%s\"", event_id, type)));
			plan = sp_ingest_plan(nsp, PLAN_APPLY_STATUS,
								  "UPDATE @S@.streams s SET status = $2::@S@.stream_status,"
								  " last_settled_at = $3 WHERE s.id OPERATOR(pg_catalog.=) $1" AFTER_COLS,
								  3, uuid_text_ts);
			a[1] = CStringGetTextDatum(status);
			n[1] = false;
			a[2] = at;
			n[2] = false;
			sp_run_plan(plan, a, n, 3, false, 0);
		}
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("webhook event %s: stream %s does not exist", event_id,
							stream_null ? "" : DatumGetCString(DirectFunctionCall1(uuid_out, stream_id)))));
	}

	/* the stream as the event left it */
	row = SPI_tuptable->vals[0];
	rdesc = SPI_tuptable->tupdesc;
	after_status = SPI_getbinval(row, rdesc, 2, &isnull);
	after_status_text = SPI_getvalue(row, rdesc, 2);
	after_rate = SPI_getbinval(row, rdesc, 3, &isnull);
	after_total = SPI_getbinval(row, rdesc, 4, &isnull);
	after_settled = SPI_getbinval(row, rdesc, 5, &isnull);
	after_last = SPI_getbinval(row, rdesc, 6, &isnull);

	/*
	 * the stream's last ledger row, and the first this event wrote (if
	 * any): the rows the write appended, else read from the ledger
	 */
	if (!stream_null && sp_ledger_watched(watch, &watched_first, &watched_last) > 0)
	{
		mark = Int64GetDatum(watched_last);
		mark_null = false;
		if (first)
		{
			/* the event's id is on the first row it wrote */
			first_row = Int64GetDatum(watched_first);
			first_row_null = false;
		}
	}
	else
	{
		static const Oid types[2] = {UUIDOID, TEXTOID};

		plan = sp_ingest_plan(nsp, PLAN_APPLY_MARK,
							  "SELECT e.event_id, CASE WHEN e.external_event_id OPERATOR(pg_catalog.=) $2"
							  " THEN e.event_id END FROM @S@.stream_events e"
							  " WHERE e.stream_id OPERATOR(pg_catalog.=) $1"
							  " ORDER BY e.event_id DESC LIMIT 1", 2, types);
		a[0] = stream_id;
		n[0] = stream_null;
		a[1] = CStringGetTextDatum(event_id);
		n[1] = false;
		sp_run_plan(plan, a, n, 2, false, 1);
		if (SPI_processed == 1)
		{
			mark = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &mark_null);
			first_row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &first_row_null);
		}
	}
	if (first && first_row_null)
	{
		/* an event writes one row, or a status change and an amount change
		 * (the id is on the first); look the id up only when it is not last */
		static const Oid types[1] = {TEXTOID};

		plan = sp_ingest_plan(nsp, PLAN_APPLY_FIRST_ROW,
							  "SELECT e.event_id FROM @S@.stream_events e"
							  " WHERE e.external_event_id OPERATOR(pg_catalog.=) $1", 1, types);
		a[0] = CStringGetTextDatum(event_id);
		n[0] = false;
		sp_run_plan(plan, a, n, 1, false, 1);
		if (SPI_processed == 1)
			first_row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &first_row_null);
	}
	if (first && first_row_null)
	{
		/* an event that changed nothing still has to be remembered */
		Oid			types[11] = {UUIDOID, TIMESTAMPOID, status_type, NUMERICOID, NUMERICOID,
			NUMERICOID, TEXTOID, TEXTOID, BYTEAOID, INT8OID, INT8OID};
		const char *notify;

		plan = sp_ingest_plan(nsp, PLAN_APPLY_ACK,
							  "INSERT INTO @S@.stream_events (stream_id, event_type, occurred_at, from_status,"
							  " to_status, settled_delta, settled_amount, rate_per_second, total_amount, actor,"
							  " source, external_event_id, transaction_hash, payload_digest, chain_ledger,"
							  " chain_event_index)"
							  " VALUES ($1, 'acknowledged', $2, $3, $3, 0, $4, $5, $6, @S@.streampay_caller(),"
							  " 'webhook', $7, $8, $9, $10, $11) RETURNING event_id", 11, types);
		a[0] = stream_id;
		n[0] = stream_null;
		a[1] = at;
		n[1] = false;
		a[2] = after_status;
		n[2] = false;
		a[3] = after_settled;
		n[3] = false;
		a[4] = after_rate;
		n[4] = false;
		a[5] = after_total;
		n[5] = false;
		a[6] = CStringGetTextDatum(event_id);
		n[6] = false;
		a[7] = inbox_arg(ev, IC_TX, &n[7]);
		{
			bytea	   *b = palloc(VARHDRSZ + SP_SIGNATURE_BYTES);

			SET_VARSIZE(b, VARHDRSZ + SP_SIGNATURE_BYTES);
			memcpy(VARDATA(b), digest, SP_SIGNATURE_BYTES);
			a[8] = PointerGetDatum(b);
			n[8] = false;
		}
		a[9] = inbox_arg(ev, IC_LEDGER, &n[9]);
		a[10] = inbox_arg(ev, IC_EVENT_INDEX, &n[10]);
		sp_run_plan(plan, a, n, 11, false, 0);
		first_row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &first_row_null);
		mark = first_row;
		mark_null = first_row_null;
		/* announced like the C trigger announces the other events */
		notify = GetConfigOption("streampay.notify", true, false);
		if (notify == NULL || strcmp(notify, "off") != 0)
			sp_announce(DatumGetInt64(first_row), stream_id, "acknowledged", after_status_text,
						(sp_time) DatumGetTimestamp(at));
	}

	sp_inbox_set_text(ev, IC_STATE, "applied");
	sp_inbox_set_null(ev, IC_PARK_REASON);
	sp_inbox_set_null(ev, IC_PARK_MESSAGE);
	sp_inbox_set(ev, IC_SNAP_STATUS, after_status);
	sp_inbox_set(ev, IC_SNAP_RATE, after_rate);
	sp_inbox_set(ev, IC_SNAP_TOTAL, after_total);
	sp_inbox_set(ev, IC_SNAP_SETTLED, after_settled);
	sp_inbox_set(ev, IC_SNAP_LAST_SETTLED, after_last);
	if (mark_null)
		sp_inbox_set_null(ev, IC_LEDGER_MARK);
	else
		sp_inbox_set(ev, IC_LEDGER_MARK, mark);
	/* timezone('UTC', clock_timestamp()): a timestamptz is UTC already */
	sp_inbox_set(ev, IC_LEDGER_MARK_AT, TimestampGetDatum((Timestamp) GetCurrentTimestamp()));
	if (first && !first_row_null)
		sp_inbox_set(ev, IC_FIRST_LEDGER_EVENT, first_row);
}

/*
 * streampay_apply_event(ev stream_inbox) RETURNS stream_inbox: the SQL face
 * of sp_apply_event, for streampay_rederive.
 */
PG_FUNCTION_INFO_V1(streampay_apply_event);
Datum
streampay_apply_event(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec),
												 HeapTupleHeaderGetTypMod(rec));
	HeapTupleData tuple;
	sp_inbox_row row;
	MemoryContext upper = CurrentMemoryContext;
	HeapTuple	result;

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	sp_inbox_row_init(&row, tupdesc, get_func_namespace(fcinfo->flinfo->fn_oid));
	heap_deform_tuple(&tuple, tupdesc, row.values, row.nulls);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	sp_apply_event(get_func_namespace(fcinfo->flinfo->fn_oid), &row);
	MemoryContextSwitchTo(upper);
	result = heap_form_tuple(tupdesc, row.values, row.nulls);
	SPI_finish();
	ReleaseTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}

/* streampay_park_reason(sqlstate, hint): sp_park_reason for streampay_rederive */
PG_FUNCTION_INFO_V1(streampay_park_reason);
Datum
streampay_park_reason(PG_FUNCTION_ARGS)
{
	const char *sqlstate = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *hint = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_TEXT_P(cstring_to_text(sp_park_reason(sqlstate, hint)));
}
