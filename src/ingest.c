/*
 * ingest.c
 *	  streampay_ingest(payload, signature): one signed webhook event,
 *	  applied at its chain position.
 *
 *	  1-2. verify and parse the delivery (webhook_event.c); every problem
 *		   with it is the delivery's error, and nothing is stored;
 *	  3.   replay: the same event id is the same event forever (the same
 *		   JSON value again is a duplicate, another value an error);
 *	  4.   find the stream by the chain's id of it;
 *	  5.   keep the event in stream_inbox and apply it at its chain
 *		   position: the stream's newest event is applied directly (or
 *		   parked when the rules refuse it there), a late one through
 *		   streampay_rederive, which replays what follows it.
 *
 * Deliveries of one event id, and of one chain stream, take turns through
 * transaction-scoped advisory locks in streampay's lock class; other
 * streams' deliveries do not wait.  Until 0.7.0 this was PL/pgSQL, which
 * prepares every expression anew in each transaction: a delivery is a
 * transaction, so that was most of its cost.  The statements are the same
 * as then, planned once per backend (apply.c keeps the plans).
 */
#include "compat.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "citus.h"
#include "inbox.h"
#include "streampay.h"
#include "webhook_event.h"

#define LOCK_CLASS_EVENT	1937011301	/* 'stre' */
#define LOCK_CLASS_STREAM	1937011302

/* the settings a delivery sets, cleared when it is done */
static const char *const delivery_settings[] = {
	"streampay.event_source", "streampay.event_actor",
	"streampay.external_event_id", "streampay.rederived_event_id",
	"streampay.event_transaction_hash", "streampay.event_payload_digest",
	"streampay.chain_ledger", "streampay.chain_event_index"
};
#define N_DELIVERY_SETTINGS lengthof(delivery_settings)

static void
advisory_lock(int32 lock_class, const char *key)
{
	int32		h = DatumGetInt32(DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID,
														  CStringGetTextDatum(key)));

	DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(lock_class), Int32GetDatum(h));
}

static char *
uuid_text(Datum id)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, id));
}

/* A chain position in the inbox's order: (occurredAt, ledger, eventIndex, eventId). */
typedef struct chain_pos
{
	Timestamp	at;
	int64		ledger;			/* -1: absent, which sorts first */
	int64		index;
	const char *event_id;		/* compared bytewise, as the inbox (COLLATE "C") */
} chain_pos;

static int
chain_pos_cmp(const chain_pos *a, const chain_pos *b)
{
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->ledger != b->ledger)
		return a->ledger < b->ledger ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return strcmp(a->event_id, b->event_id);
}

/* The newest position among the stream's inbox events, from columns first..first+3 of row 0. */
static bool
newest_from_result(int first, chain_pos *out)
{
	bool		isnull;
	Datum		at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, first, &isnull);

	if (isnull)
		return false;
	out->at = DatumGetTimestamp(at);
	out->ledger = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											  first + 1, &isnull));
	out->index = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											 first + 2, &isnull));
	out->event_id = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, first + 3);
	return true;
}

/*
 * Whether more than one stream has the chain's stream id key (one node):
 * the first and the last of them by the index differ.  Two index probes,
 * and only for events that leave out their chain or contract.
 */
static bool
chain_stream_id_shared(Oid nsp, const char *key)
{
	static const char *const cols[] = {"id"};
	static const Oid types[] = {UUIDOID};
	Datum		k = CStringGetTextDatum(key);
	Datum		first;
	Datum		last;
	bool		nl;

	if (!sp_probe(nsp, &sp_probe_streams_chain_stream_id, 1, &k, ForwardScanDirection,
				  1, cols, types, &first, &nl))
		return false;
	if (!sp_probe(nsp, &sp_probe_streams_chain_stream_id, 1, &k, BackwardScanDirection,
				  1, cols, types, &last, &nl))
		return false;
	return !DatumGetBool(DirectFunctionCall2(uuid_eq, first, last));
}

/* ---- the answer ---- */

typedef struct answer
{
	JsonbParseState *state;
} answer;

static void
answer_key(answer *a, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(&a->state, WJB_KEY, &k);
}

static void
answer_text(answer *a, const char *key, const char *value)
{
	JsonbValue	v;

	answer_key(a, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	pushJsonbValue(&a->state, WJB_VALUE, &v);
}

static void
answer_bool(answer *a, const char *key, bool value)
{
	JsonbValue	v;

	answer_key(a, key);
	v.type = jbvBool;
	v.val.boolean = value;
	pushJsonbValue(&a->state, WJB_VALUE, &v);
}

static void
answer_numeric(answer *a, const char *key, Datum value, bool isnull)
{
	JsonbValue	v;

	answer_key(a, key);
	if (isnull)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = DatumGetNumeric(value);
	}
	pushJsonbValue(&a->state, WJB_VALUE, &v);
}

static void
answer_timestamp(answer *a, const char *key, Datum value, bool isnull)
{
	answer_text(a, key, isnull ? NULL : JsonEncodeDateTime(NULL, value, TIMESTAMPOID, NULL));
}

static void
answer_begin(answer *a, bool duplicate, const char *outcome, const SpWebhookEvent *e)
{
	a->state = NULL;
	pushJsonbValue(&a->state, WJB_BEGIN_OBJECT, NULL);
	answer_bool(a, "duplicate", duplicate);
	answer_text(a, "outcome", outcome);
	answer_text(a, "eventId", e->event_id);
	answer_text(a, "chainStreamId", e->chain_stream_id);
	if (!duplicate)
		answer_text(a, "eventType", e->event_type);
}

static Jsonb *
answer_end(answer *a)
{
	return JsonbValueToJsonb(pushJsonbValue(&a->state, WJB_END_OBJECT, NULL));
}

/* (a - b) as numeric, NULL when either is */
static Datum
numeric_delta(Datum a, bool a_null, Datum b, bool b_null, bool *isnull)
{
	*isnull = a_null || b_null;
	return *isnull ? (Datum) 0 : DirectFunctionCall2(numeric_sub, a, b);
}

/*
 * Apply ev; when the rules refuse it at this position (check_violation,
 * object_not_in_prerequisite_state, invalid_parameter_value), or a value
 * it computes there does not fit its column (numeric_value_out_of_range,
 * datetime_field_overflow: a top-up that overflows the total only after a
 * late one before it), leave it parked with the reason and the message
 * instead: everything the attempt wrote is rolled back with its
 * subtransaction.  Those two are properties of the event's position, not
 * of the delivery: failing the delivery would fail it on every retry, and
 * the same events in chain order would have parked it.  streampay_rederive
 * parks the same SQLSTATEs.
 */
static void
apply_or_park(Oid nsp, sp_inbox_row *ev)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		sp_apply_event(nsp, ev);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_CHECK_VIOLATION &&
			edata->sqlerrcode != ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE &&
			edata->sqlerrcode != ERRCODE_INVALID_PARAMETER_VALUE &&
			edata->sqlerrcode != ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE &&
			edata->sqlerrcode != ERRCODE_DATETIME_FIELD_OVERFLOW)
			ReThrowError(edata);
		sp_inbox_set_text(ev, IC_PARK_REASON,
						  sp_park_reason(unpack_sql_state(edata->sqlerrcode), edata->hint));
		sp_inbox_set_text(ev, IC_PARK_MESSAGE, edata->message);
	}
	PG_END_TRY();
}

/* the stream's settled amount now (NULL when there is no such stream) */
static Datum
settled_amount(Oid nsp, Datum stream_id, bool *isnull)
{
	static const Oid types[1] = {UUIDOID};
	SPIPlanPtr	plan = sp_ingest_plan(nsp, PLAN_SETTLED,
									  "SELECT s.settled_amount FROM @S@.streams s"
									  " WHERE s.id OPERATOR(pg_catalog.=) $1", 1, types);
	bool		n[1] = {false};

	sp_run_plan(plan, &stream_id, n, 1, false, 1);
	*isnull = true;
	if (SPI_processed != 1)
		return (Datum) 0;
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
}

static void
clear_delivery_settings(Oid streams)
{
	const char *empty[N_DELIVERY_SETTINGS];

	for (int i = 0; i < (int) N_DELIVERY_SETTINGS; i++)
		empty[i] = "";
	sp_set_event_context(streams, N_DELIVERY_SETTINGS, delivery_settings, empty);
}

static Jsonb *
ingest(Oid nsp, text *payload, SpWebhookEvent *e)
{
	Oid			streams = get_relname_relid("streams", nsp);
	/* one node: index probes; Citus: SQL, which reaches the workers */
	bool		direct = !sp_citus_distributed(streams);
	Oid			inbox_type = get_rel_type_id(get_relname_relid("stream_inbox", nsp));
	bool		created = strcmp(e->event_type, "stream_created") == 0;
	Datum		a[4];
	bool		n[4];
	bool		isnull;
	Datum		stream_id = (Datum) 0;
	bool		stream_null = true;
	char	   *family = NULL;
	bool		probed = false;
	bool		newest = false;
	chain_pos	last;
	bool		have_last = false;
	chain_pos	mine;
	Datum		settled_before = (Datum) 0;
	bool		settled_before_null = true;
	TupleDesc	inbox_desc;
	sp_inbox_row row;
	answer		ans;

	/* the inbox as the library reads and writes it, before any read of it */
	inbox_desc = lookup_rowtype_tupdesc_copy(inbox_type, -1);
	sp_inbox_row_init(&row, inbox_desc, nsp);

	/* 3. replay: a concurrent duplicate waits for the first, then finds it here */
	advisory_lock(LOCK_CLASS_EVENT, e->event_id);
	{
		static const Oid types[1] = {TEXTOID};
		SPIPlanPtr	plan;
		Datum		v[2];
		bool		nl[2];
		Jsonb	   *seen = NULL;
		Datum		seen_stream = (Datum) 0;
		bool		seen_stream_null = true;
		bool		in_ledger = false;
		Datum		digest = (Datum) 0;
		bool		digest_null = true;
		bool		same;

		a[0] = CStringGetTextDatum(e->event_id);
		n[0] = false;
		if (direct)
		{
			static const char *const inbox_cols[] = {"payload", "stream_id"};
			static const Oid inbox_types[] = {JSONBOID, UUIDOID};
			static const char *const ledger_cols[] = {"payload_digest"};
			static const Oid ledger_types[] = {BYTEAOID};

			if (sp_probe(nsp, &sp_probe_inbox_pkey, 1, a, ForwardScanDirection,
						 2, inbox_cols, inbox_types, v, nl))
			{
				seen = DatumGetJsonbP(v[0]);
				seen_stream = v[1];
				seen_stream_null = nl[1];
			}
			else if (sp_probe(nsp, &sp_probe_events_external, 1, a,
							  ForwardScanDirection, 1, ledger_cols, ledger_types, v, nl))
			{
				in_ledger = true;
				digest = v[0];
				digest_null = nl[0];
			}
		}
		else
		{
			/*
			 * two statements: on Citus the inbox is a local table and the
			 * ledger a distributed one, which one query cannot join
			 */
			plan = sp_ingest_plan(nsp, PLAN_REPLAY,
								  "SELECT i.payload, i.stream_id FROM @S@.stream_inbox i"
								  " WHERE i.event_id OPERATOR(pg_catalog.=) $1", 1, types);
			sp_run_plan(plan, a, n, 1, false, 0);
			if (SPI_processed == 1)
			{
				seen = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
													&isnull));
				seen_stream = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
											&seen_stream_null);
			}
			else
			{
				plan = sp_ingest_plan(nsp, PLAN_REPLAY_LEDGER,
									  "SELECT e.payload_digest FROM @S@.stream_events e"
									  " WHERE e.external_event_id OPERATOR(pg_catalog.=) $1", 1, types);
				sp_run_plan(plan, a, n, 1, false, 0);
				in_ledger = SPI_processed == 1;
				if (in_ledger)
					digest = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &digest_null);
			}
		}
		if (seen != NULL || in_ledger)
		{
			/* a known event: the same JSON value is a duplicate */
			if (seen != NULL)
				same = DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(seen),
														JsonbPGetDatum(e->payload)));
			else
			{
				/*
				 * events ingested before 0.6.0 are known by the ledger and a
				 * digest of their bytes, as sent or as jsonb text
				 */
				same = false;
				if (!digest_null && VARSIZE_ANY_EXHDR(DatumGetByteaPP(digest)) == 32)
				{
					uint8		mine_raw[32];
					uint8		mine_canon[32];
					char	   *raw = text_to_cstring(payload);
					char	   *utf8 = pg_server_to_any(raw, strlen(raw), PG_UTF8);
					const uint8 *stored = (const uint8 *) VARDATA_ANY(DatumGetByteaPP(digest));

					sp_sha256(utf8, strlen(utf8), mine_raw);
					sp_payload_digest(e->payload, mine_canon);
					same = memcmp(stored, mine_raw, 32) == 0 || memcmp(stored, mine_canon, 32) == 0;
				}
			}
			if (!same)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("webhook event %s was already ingested with a different payload", e->event_id),
						 errhint("An event id identifies one event forever; send a new id for a new event.")));
			ans.state = NULL;
			pushJsonbValue(&ans.state, WJB_BEGIN_OBJECT, NULL);
			answer_bool(&ans, "duplicate", true);
			answer_text(&ans, "outcome", "duplicate");
			answer_text(&ans, "eventId", e->event_id);
			answer_text(&ans, "streamId", seen_stream_null ? e->chain_stream_id : uuid_text(seen_stream));
			answer_text(&ans, "chainStreamId", e->chain_stream_id);
			return answer_end(&ans);
		}
	}

	/* 4. the stream: deliveries of one chain stream take turns */
	advisory_lock(LOCK_CLASS_STREAM, e->chain_stream_id);
	if (created)
	{
		stream_id = sp_chain_stream_uuid(e->chain_id, e->contract_address, e->chain_stream_id);
		stream_null = false;
	}
	else
	{
		static const Oid probe_types[3] = {UUIDOID, TEXTOID, TEXTOID};
		SPIPlanPtr	plan;
		Datum		derived = sp_chain_stream_uuid(e->chain_id ? e->chain_id : "stellar-testnet",
												   e->contract_address, e->chain_stream_id);

		/*
		 * Most events name their stream exactly as its creation did: one
		 * primary-key probe, which also reads what the in-order path needs
		 * next (the settled amount, the stream's newest inbox position by a
		 * backward index scan with LIMIT 1); otherwise search by chain id.
		 */
		if (direct)
		{
			static const char *const stream_cols[] = {"chain_id", "settled_amount",
			"chain_stream_id", "contract_address"};
			static const Oid stream_types[] = {VARCHAROID, NUMERICOID, VARCHAROID, VARCHAROID};
			static const char *const inbox_cols[] = {"occurred_at", "chain_ledger",
			"chain_event_index", "event_id"};
			static const Oid inbox_types[] = {TIMESTAMPOID, INT8OID, INT8OID, TEXTOID};
			Datum		v[4];
			bool		nl[4];

			probed = sp_probe(nsp, &sp_probe_streams_pkey, 1, &derived, ForwardScanDirection,
							  4, stream_cols, stream_types, v, nl) &&
				!nl[2] && strcmp(TextDatumGetCString(v[2]), e->chain_stream_id) == 0 &&
				(e->contract_address == NULL ? nl[3]
				 : !nl[3] && strcmp(TextDatumGetCString(v[3]), e->contract_address) == 0);

			/*
			 * An event that leaves out its contract or chain names every
			 * stream with its chain id that fits, not only the one its id
			 * derives from: when another has the chain id, the search by it
			 * below decides (and refuses an ambiguous one), as it does when
			 * the events arrive before the creations (streampay_disambiguate).
			 */
			if (probed && (e->chain_id == NULL || e->contract_address == NULL) &&
				chain_stream_id_shared(nsp, e->chain_stream_id))
				probed = false;
			if (probed)
			{
				family = TextDatumGetCString(v[0]);
				settled_before = v[1];
				settled_before_null = nl[1];
				/* the stream's newest event: the last in the inbox's chain order */
				have_last = sp_probe(nsp, &sp_probe_inbox_order, 1, &derived,
									 BackwardScanDirection, 4, inbox_cols, inbox_types, v, nl);
				if (have_last)
				{
					last.at = DatumGetTimestamp(v[0]);
					last.ledger = nl[1] ? -1 : DatumGetInt64(v[1]);
					last.index = nl[2] ? -1 : DatumGetInt64(v[2]);
					last.event_id = TextDatumGetCString(v[3]);
				}
			}
		}
		/*
		 * (Citus) an event that leaves out its contract or chain goes to the
		 * search by chain id below, which sees every stream that fits it
		 */
		else if (e->chain_id != NULL && e->contract_address != NULL)
		{
			plan = sp_ingest_plan(nsp, PLAN_PROBE,
								  "SELECT s.chain_id, s.settled_amount FROM @S@.streams s"
								  " WHERE s.id OPERATOR(pg_catalog.=) $1"
								  " AND s.chain_stream_id OPERATOR(pg_catalog.=) $2"
								  " AND s.contract_address IS NOT DISTINCT FROM $3", 3, probe_types);
			a[0] = derived;
			n[0] = false;
			a[1] = CStringGetTextDatum(e->chain_stream_id);
			n[1] = false;
			a[2] = e->contract_address ? CStringGetTextDatum(e->contract_address) : (Datum) 0;
			n[2] = e->contract_address == NULL;
			sp_run_plan(plan, a, n, 3, false, 0);
			probed = SPI_processed == 1;
			if (probed)
			{
				family = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
				settled_before = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
											   &settled_before_null);
			}
		}
		if (probed)
		{
			stream_id = derived;
			stream_null = false;
		}
		else
		{
			/* by the chain id alone */
			static const Oid types[3] = {TEXTOID, TEXTOID, TEXTOID};
			int64		count;

			plan = sp_ingest_plan(nsp, PLAN_BY_CHAIN_ID,
								  "SELECT pg_catalog.count(*), (pg_catalog.array_agg(s.id ORDER BY s.id))[1],"
								  " pg_catalog.array_to_string(pg_catalog.array_agg(s.id ORDER BY s.id), ', '),"
								  " pg_catalog.min(s.chain_id)"
								  " FROM @S@.streams s WHERE s.chain_stream_id OPERATOR(pg_catalog.=) $1"
								  " AND ($2::pg_catalog.text IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $2)"
								  " AND ($3::pg_catalog.text IS NULL OR s.contract_address OPERATOR(pg_catalog.=) $3)",
								  3, types);
			a[0] = CStringGetTextDatum(e->chain_stream_id);
			n[0] = false;
			a[1] = e->chain_id ? CStringGetTextDatum(e->chain_id) : (Datum) 0;
			n[1] = e->chain_id == NULL;
			a[2] = e->contract_address ? CStringGetTextDatum(e->contract_address) : (Datum) 0;
			n[2] = e->contract_address == NULL;
			sp_run_plan(plan, a, n, 3, false, 0);
			count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			if (count > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("webhook event %s: streamId %s is ambiguous", e->event_id, e->chain_stream_id),
						 errdetail("%lld streams have that chain id: %s.", (long long) count,
								   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3)),
						 errhint("Send chainId and contractAddress with the event.")));
			if (count == 1)
			{
				stream_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &stream_null);
				family = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
			}
		}
		if (stream_null && sp_canonical_uuid_text(e->chain_stream_id))
		{
			/* a stream created in SQL (or before 0.6.0) is known by its uuid */
			static const Oid types[1] = {UUIDOID};

			plan = sp_ingest_plan(nsp, PLAN_BY_UUID,
								  "SELECT s.id, s.chain_id FROM @S@.streams s"
								  " WHERE s.id OPERATOR(pg_catalog.=) $1", 1, types);
			a[0] = DirectFunctionCall1(uuid_in, CStringGetDatum(e->chain_stream_id));
			n[0] = false;
			sp_run_plan(plan, a, n, 1, false, 0);
			if (SPI_processed == 1)
			{
				stream_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &stream_null);
				family = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
				if (e->chain_id != NULL && strcmp(e->chain_id, family) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("webhook event %s: stream %s is on chain %s, not %s",
									e->event_id, uuid_text(stream_id), family, e->chain_id)));
			}
			else
				family = NULL;
		}
		if (e->chain_id == NULL)
			e->chain_id = family ? family : "stellar-testnet";
	}

	/* a transaction hash must have the format of the stream's chain */
	if (e->transaction_hash != NULL)
	{
		static const Oid types[2] = {TEXTOID, TEXTOID};
		SPIPlanPtr	plan = sp_ingest_plan(nsp, PLAN_TX_PROBLEM,
										  "SELECT @S@.streampay_address_problem($1, c.family, 'transaction')"
										  " FROM @S@.streampay_chains c"
										  " WHERE c.chain_id OPERATOR(pg_catalog.=) $2"
										  " AND c.family IS NOT NULL", 2, types);

		a[0] = CStringGetTextDatum(e->transaction_hash);
		n[0] = false;
		a[1] = CStringGetTextDatum(e->chain_id);
		n[1] = false;
		sp_run_plan(plan, a, n, 2, false, 0);
		if (SPI_processed == 1)
		{
			char	   *problem = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

			if (problem != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("webhook event %s has an invalid transactionHash", e->event_id),
						 errdetail("Rejected because of: %s.", problem)));
		}
		e->transaction_hash = TextDatumGetCString(DirectFunctionCall1Coll(lower, DEFAULT_COLLATION_OID,
																		   CStringGetTextDatum(e->transaction_hash)));
	}

	/* 5. keep it, and apply it at its chain position */
	sp_inbox_set_text(&row, IC_EVENT_ID, e->event_id);
	sp_inbox_set_text(&row, IC_CHAIN_ID, e->chain_id);
	sp_inbox_set_text(&row, IC_CONTRACT, e->contract_address);
	sp_inbox_set_text(&row, IC_CHAIN_STREAM_ID, e->chain_stream_id);
	if (stream_null)
		sp_inbox_set_null(&row, IC_STREAM_ID);
	else
		sp_inbox_set(&row, IC_STREAM_ID, stream_id);
	sp_inbox_set_text(&row, IC_EVENT_TYPE, e->event_type);
	sp_inbox_set(&row, IC_OCCURRED_AT, TimestampGetDatum(e->occurred_at));
	if (e->has_ledger)
		sp_inbox_set(&row, IC_LEDGER, Int64GetDatum(e->ledger));
	if (e->has_event_index)
		sp_inbox_set(&row, IC_EVENT_INDEX, Int64GetDatum(e->event_index));
	sp_inbox_set(&row, IC_PAYLOAD, JsonbPGetDatum(e->payload));
	sp_inbox_set_text(&row, IC_TX, e->transaction_hash);
	sp_inbox_set_text(&row, IC_STATE, "parked");
	sp_inbox_set_text(&row, IC_PARK_REASON, "stream_unknown");
	sp_inbox_set_text(&row, IC_PARK_MESSAGE, "No stream_created event for this streamId has arrived yet.");
	/* timezone('UTC', clock_timestamp()) */
	sp_inbox_set(&row, IC_RECEIVED_AT, TimestampGetDatum((Timestamp) GetCurrentTimestamp()));
	{
		/*
		 * the triggers record the caller of this SECURITY DEFINER function
		 * (on a Citus worker the session user is the role Citus connected as)
		 */
		const char *names[2] = {"streampay.event_source", "streampay.event_actor"};
		const char *vals[2] = {"webhook", GetUserNameFromId(GetOuterUserId(), false)};

		sp_set_event_context(streams, 2, names, vals);
	}

	/*
	 * The common case: the stream's newest event, nothing after it to
	 * re-derive.  (Its last position by a backward index scan with LIMIT 1:
	 * a generic plan for "any event after mine" may scan the table.)
	 */
	mine.at = e->occurred_at;
	mine.ledger = e->has_ledger ? e->ledger : -1;
	mine.index = e->has_event_index ? e->event_index : -1;
	mine.event_id = e->event_id;
	if (probed && direct)
		newest = !have_last || chain_pos_cmp(&last, &mine) < 0;
	else if (!stream_null && !created)
	{
		static const Oid types[1] = {UUIDOID};
		SPIPlanPtr	plan = sp_ingest_plan(nsp, PLAN_NEWEST,
										  "SELECT i.occurred_at, COALESCE(i.chain_ledger, -1),"
										  " COALESCE(i.chain_event_index, -1), i.event_id"
										  " FROM @S@.stream_inbox i WHERE i.stream_id OPERATOR(pg_catalog.=) $1"
										  " ORDER BY i.occurred_at DESC, COALESCE(i.chain_ledger, -1) DESC,"
										  " COALESCE(i.chain_event_index, -1) DESC, i.event_id DESC LIMIT 1",
										  1, types);

		a[0] = stream_id;
		n[0] = false;
		sp_run_plan(plan, a, n, 1, false, 1);
		have_last = SPI_processed == 1 && newest_from_result(1, &last);
		newest = !have_last || chain_pos_cmp(&last, &mine) < 0;
	}
	else if (created)
	{
		a[0] = CStringGetTextDatum(e->chain_stream_id);
		n[0] = false;

		/*
		 * Another stream with this chain id makes the events that name
		 * both ambiguous: parked, and taken out of the other's history
		 * (before the test below, which then sees them waiting).  One node:
		 * only when an index probe finds one.
		 */
		if (!direct || sp_probe(nsp, &sp_probe_streams_chain_stream_id, 1, a,
								ForwardScanDirection, 0, NULL, NULL, NULL, NULL))
		{
			static const Oid types[4] = {UUIDOID, TEXTOID, TEXTOID, TEXTOID};
			SPIPlanPtr	plan = sp_ingest_plan(nsp, PLAN_DISAMBIGUATE,
											  "SELECT @S@.streampay_disambiguate($1, $2, $3, $4)",
											  4, types);
			Datum		da[4];
			bool		dn[4] = {false, false, false, false};

			da[0] = stream_id;
			da[1] = CStringGetTextDatum(e->chain_id);
			da[2] = e->contract_address ? CStringGetTextDatum(e->contract_address) : (Datum) 0;
			dn[2] = e->contract_address == NULL;
			da[3] = a[0];
			sp_run_plan(plan, da, dn, 4, false, 0);
		}

		/* a creation with no event of its stream waiting for it */
		if (direct)
		{
			Datum		v[1];
			bool		nl[1];
			static const char *const cols[] = {"event_id"};
			static const Oid types[] = {TEXTOID};

			newest = !sp_probe(nsp, &sp_probe_inbox_unresolved, 1, a,
							   ForwardScanDirection, 1, cols, types, v, nl);
		}
		else
		{
			static const Oid types[1] = {TEXTOID};
			SPIPlanPtr	plan = sp_ingest_plan(nsp, PLAN_WAITING,
											  "SELECT 1 FROM @S@.stream_inbox i WHERE i.stream_id IS NULL"
											  " AND i.chain_stream_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
											  1, types);

			sp_run_plan(plan, a, n, 1, false, 1);
			newest = SPI_processed == 0;
		}
	}

	if (newest)
	{
		if (created)
		{
			/* a creation's errors are the delivery's: nothing is parked for them */
			settled_before = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
			settled_before_null = false;
			sp_apply_event(nsp, &row);
		}
		else
		{
			if (!probed)
				settled_before = settled_amount(nsp, stream_id, &settled_before_null);
			apply_or_park(nsp, &row);
		}
	}

	sp_inbox_insert(nsp, &row);

	if (newest)
	{
		bool		parked = strcmp(TextDatumGetCString(INBOX_GET(&row, IC_STATE)), "parked") == 0;

		clear_delivery_settings(streams);
		answer_begin(&ans, false, parked ? "parked" : "applied", e);
		answer_text(&ans, "streamId", uuid_text(stream_id));
		if (parked)
		{
			answer_text(&ans, "reason", TextDatumGetCString(INBOX_GET(&row, IC_PARK_REASON)));
			answer_text(&ans, "message", TextDatumGetCString(INBOX_GET(&row, IC_PARK_MESSAGE)));
		}
		else
		{
			Datum		delta;
			bool		delta_null;

			answer_text(&ans, "status",
						DatumGetCString(DirectFunctionCall1(enum_out, INBOX_GET(&row, IC_SNAP_STATUS))));
			answer_numeric(&ans, "settledAmount", INBOX_GET(&row, IC_SNAP_SETTLED), false);
			delta = numeric_delta(INBOX_GET(&row, IC_SNAP_SETTLED), false,
								  settled_before, settled_before_null, &delta_null);
			answer_numeric(&ans, "settledDelta", delta, delta_null);
			answer_timestamp(&ans, "lastSettledAt", INBOX_GET(&row, IC_SNAP_LAST_SETTLED),
							 INBOX_NULL(&row, IC_SNAP_LAST_SETTLED));
			answer_numeric(&ans, "rederived", DirectFunctionCall1(int4_numeric, Int32GetDatum(0)), false);
			answer_numeric(&ans, "unparked", DirectFunctionCall1(int4_numeric, Int32GetDatum(0)), false);
		}
		return answer_end(&ans);
	}

	if (created)
	{
		/* events that arrived before their creation now belong to the stream */
		static const Oid types[4] = {UUIDOID, TEXTOID, TEXTOID, TEXTOID};
		SPIPlanPtr	plan = sp_ingest_plan(nsp, PLAN_ADOPT,
										  "UPDATE @S@.stream_inbox i SET stream_id = $1, chain_id = $2"
										  " WHERE i.stream_id IS NULL AND i.chain_stream_id OPERATOR(pg_catalog.=) $3"
										  " AND (i.chain_id OPERATOR(pg_catalog.=) $2"
										  " OR NOT (i.payload OPERATOR(pg_catalog.?) 'chainId'))"
										  " AND (i.contract_address IS NULL"
										  " OR i.contract_address IS NOT DISTINCT FROM $4)"
		/* named by another stream too: streampay_disambiguate parked it */
										  " AND i.park_reason IS DISTINCT FROM 'ambiguous'", 4, types);

		a[0] = stream_id;
		n[0] = false;
		a[1] = CStringGetTextDatum(e->chain_id);
		n[1] = false;
		a[2] = CStringGetTextDatum(e->chain_stream_id);
		n[2] = false;
		a[3] = e->contract_address ? CStringGetTextDatum(e->contract_address) : (Datum) 0;
		n[3] = e->contract_address == NULL;
		sp_run_plan(plan, a, n, 4, false, 0);
	}
	if (stream_null)
	{
		clear_delivery_settings(streams);
		answer_begin(&ans, false, "parked", e);
		answer_text(&ans, "streamId", e->chain_stream_id);
		answer_text(&ans, "reason", TextDatumGetCString(INBOX_GET(&row, IC_PARK_REASON)));
		answer_text(&ans, "message", TextDatumGetCString(INBOX_GET(&row, IC_PARK_MESSAGE)));
		return answer_end(&ans);
	}
	else
	{
		static const Oid uuid_type[1] = {UUIDOID};
		static const Oid text_type[1] = {TEXTOID};
		Oid			rederive_types[2] = {UUIDOID, inbox_type};
		SPIPlanPtr	plan;
		bool		rewound;
		Datum		reapplied;
		Datum		unparked;
		char	   *state;
		char	   *reason;
		char	   *message;
		const char *outcome;

		settled_before = settled_amount(nsp, stream_id, &settled_before_null);

		plan = sp_ingest_plan(nsp, PLAN_REDERIVE,
							  "SELECT r.rewound, r.reapplied, r.unparked"
							  " FROM @S@.streampay_rederive($1, $2) r", 2, rederive_types);
		a[0] = stream_id;
		n[0] = false;
		a[1] = HeapTupleGetDatum(heap_form_tuple(inbox_desc, row.values, row.nulls));
		n[1] = false;
		sp_run_plan(plan, a, n, 2, false, 0);
		rewound = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		reapplied = DirectFunctionCall1(int4_numeric,
										SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		unparked = DirectFunctionCall1(int4_numeric,
									   SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));

		plan = sp_ingest_plan(nsp, PLAN_REREAD,
							  "SELECT i.state, i.park_reason, i.park_message FROM @S@.stream_inbox i"
							  " WHERE i.event_id OPERATOR(pg_catalog.=) $1", 1, text_type);
		a[0] = CStringGetTextDatum(e->event_id);
		n[0] = false;
		sp_run_plan(plan, a, n, 1, false, 1);
		state = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		reason = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		message = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
		clear_delivery_settings(streams);
		if (strcmp(state, "parked") == 0)
		{
			answer_begin(&ans, false, "parked", e);
			answer_text(&ans, "streamId", uuid_text(stream_id));
			answer_text(&ans, "reason", reason);
			answer_text(&ans, "message", message);
			return answer_end(&ans);
		}
		outcome = rewound || DatumGetInt32(DirectFunctionCall1(numeric_int4, unparked)) > 0
			? "reordered" : "applied";

		plan = sp_ingest_plan(nsp, PLAN_AFTER,
							  "SELECT s.status::pg_catalog.text, s.settled_amount, s.last_settled_at"
							  " FROM @S@.streams s WHERE s.id OPERATOR(pg_catalog.=) $1", 1, uuid_type);
		a[0] = stream_id;
		n[0] = false;
		sp_run_plan(plan, a, n, 1, false, 1);
		answer_begin(&ans, false, outcome, e);
		answer_text(&ans, "streamId", uuid_text(stream_id));
		if (SPI_processed == 1)
		{
			HeapTuple	after = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		settled_null;
			Datum		settled = SPI_getbinval(after, desc, 2, &settled_null);
			Datum		last_at;
			Datum		delta;
			bool		delta_null;

			answer_text(&ans, "status", SPI_getvalue(after, desc, 1));
			answer_numeric(&ans, "settledAmount", settled, settled_null);
			if (settled_before_null)
			{
				settled_before = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
				settled_before_null = false;
			}
			delta = numeric_delta(settled, settled_null, settled_before, false, &delta_null);
			answer_numeric(&ans, "settledDelta", delta, delta_null);
			last_at = SPI_getbinval(after, desc, 3, &isnull);
			answer_timestamp(&ans, "lastSettledAt", last_at, isnull);
		}
		else
		{
			answer_text(&ans, "status", NULL);
			answer_text(&ans, "settledAmount", NULL);
			answer_text(&ans, "settledDelta", NULL);
			answer_text(&ans, "lastSettledAt", NULL);
		}
		answer_numeric(&ans, "rederived", reapplied, false);
		answer_numeric(&ans, "unparked", unparked, false);
		return answer_end(&ans);
	}
}

PG_FUNCTION_INFO_V1(streampay_ingest);
Datum
streampay_ingest(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);
	text	   *signature = PG_GETARG_TEXT_PP(1);
	SpWebhookEvent e;
	Jsonb	   *result;

	/* 1-2. authenticity first, then shape: nothing is stored for either */
	sp_webhook_parse(payload, signature, &e);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = ingest(get_func_namespace(fcinfo->flinfo->fn_oid), payload, &e);
	/* the answer outlives SPI's memory */
	result = memcpy(SPI_palloc(VARSIZE(result)), result, VARSIZE(result));
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}
