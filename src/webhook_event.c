/*
 * webhook_event.c
 *	  Steps 1 and 2 of a webhook delivery, in C: the signature, then the
 *	  payload's shape (sp_webhook_parse), and the field parsers it shares
 *	  with the SQL functions streampay_event_time, streampay_event_amount
 *	  and streampay_event_position.
 *
 * Until 0.7.0 these were PL/pgSQL (streampay_ingest's steps 1-2 and three
 * helper functions).  A delivery runs in its own transaction, and PL/pgSQL
 * prepares each expression again in every transaction: most of a delivery's
 * time went there.  The C does the same checks in the same order and raises
 * the same SQLSTATEs and texts; the regression suite webhook_parse compares
 * the helpers with their PL/pgSQL bodies.
 *
 * What the PL/pgSQL read with ->> (SQL NULL for a JSON null, a number's or
 * a container's JSON text otherwise) is read with value_text(), the same
 * conversion jsonb's ->> makes.  Its three regular expressions are matched
 * by hand below (every character in them is ASCII, and no server encoding
 * uses ASCII bytes inside a multibyte character, so bytes do).
 */
#include "compat.h"

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "streampay.h"
#include "webhook_event.h"

#define SP_ISDIGIT(c) ((c) >= '0' && (c) <= '9')

/* format()'s %s prints a NULL as nothing */
static inline const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* n ASCII digits at s + *i (s is NUL-terminated); advances *i past them */
static bool
digits(const char *s, int *i, int n)
{
	for (int k = 0; k < n; k++)
	{
		if (!SP_ISDIGIT(s[*i + k]))
			return false;
	}
	*i += n;
	return true;
}

/*
 * ^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$
 * ($ is the end of the string: PostgreSQL's regular expressions are not
 * newline-sensitive by default.)  Each optional part starts with a character
 * the part after it cannot start with, so one pass without backtracking
 * decides.
 */
static bool
time_format_ok(const char *s)
{
	int			i = 0;

	if (!digits(s, &i, 4) || s[i] != '-')
		return false;
	i++;
	if (!digits(s, &i, 2) || s[i] != '-')
		return false;
	i++;
	if (!digits(s, &i, 2) || (s[i] != 'T' && s[i] != ' '))
		return false;
	i++;
	if (!digits(s, &i, 2) || s[i] != ':')
		return false;
	i++;
	if (!digits(s, &i, 2) || s[i] != ':')
		return false;
	i++;
	if (!digits(s, &i, 2))
		return false;
	if (s[i] == '.')
	{
		int			n = 0;

		i++;
		while (n < 6 && SP_ISDIGIT(s[i]))
		{
			i++;
			n++;
		}
		if (n == 0)
			return false;
	}
	if (s[i] == 'Z')
		i++;
	else if (s[i] == '+' || s[i] == '-')
	{
		i++;
		if (!digits(s, &i, 2))
			return false;
		if (s[i] == ':')
		{
			i++;
			if (!digits(s, &i, 2))
				return false;
		}
		else if (SP_ISDIGIT(s[i]) && !digits(s, &i, 2))
			return false;
	}
	return s[i] == '\0';
}

/* ^-?[0-9]+(\.[0-9]+)?$ */
static bool
amount_format_ok(const char *s)
{
	int			i = 0;

	if (s[i] == '-')
		i++;
	if (!SP_ISDIGIT(s[i]))
		return false;
	while (SP_ISDIGIT(s[i]))
		i++;
	if (s[i] == '.')
	{
		i++;
		if (!SP_ISDIGIT(s[i]))
			return false;
		while (SP_ISDIGIT(s[i]))
			i++;
	}
	return s[i] == '\0';
}

/* ^[0-9]{1,18}$ */
static bool
position_format_ok(const char *s)
{
	int			i = 0;

	while (SP_ISDIGIT(s[i]))
		i++;
	return i >= 1 && i <= 18 && s[i] == '\0';
}

/* the zone the PL/pgSQL ran its time input in (SET TimeZone = 'UTC') */
static pg_tz *
utc_zone(void)
{
	static pg_tz *utc = NULL;	/* pg_tzset's cache keeps it for good */

	if (utc == NULL)
	{
		utc = pg_tzset("UTC");
		if (utc == NULL)
			elog(ERROR, "could not load time zone \"UTC\"");
	}
	return utc;
}

/*
 * A type's input function on value, run in time zone zone (NULL: the
 * session's): the datum, or NULL and *message when the input raised code_a
 * or code_b; any other error goes out as it is.  Used for timestamptz_in
 * and jsonb_in only, which hold nothing but memory, so catching their
 * errors without a subtransaction leaves nothing behind.
 */
static bool
input_or_message(PGFunction input, const char *value, pg_tz *zone, int code_a, int code_b,
				 Datum *result, char **message)
{
	pg_tz	   *saved = session_timezone;
	MemoryContext cxt = CurrentMemoryContext;
	ErrorData  *volatile edata = NULL;

	PG_TRY();
	{
		if (zone != NULL)
			session_timezone = zone;
		*result = DirectFunctionCall3(input, CStringGetDatum(value),
									  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		session_timezone = saved;
	}
	PG_CATCH();
	{
		int			code = geterrcode();

		session_timezone = saved;
		if (code != code_a && code != code_b)
			PG_RE_THROW();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	if (edata == NULL)
		return true;
	*message = edata->message;
	return false;
}

/*
 * timezone('UTC', value::timestamptz) with TimeZone = 'UTC': timestamptz_in
 * itself, with the session's zone swapped for UTC while it runs (it reads
 * the zone only for a time without an offset).  Its invalid_datetime_format
 * and datetime_field_overflow errors become 22023 with its message as
 * DETAIL, as the PL/pgSQL's EXCEPTION clause made them; any other error
 * (time zone displacement out of range, say) goes out as it is.
 */
static void
time_in_utc(const char *value, const char *field, const char *event_id, Timestamp *result)
{
	Datum		t = (Datum) 0;
	char	   *message;

	if (!input_or_message(timestamptz_in, value, utc_zone(), ERRCODE_INVALID_DATETIME_FORMAT,
						  ERRCODE_DATETIME_FIELD_OVERFLOW, &t, &message))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s has an invalid %s", nz(event_id), nz(field)),
				 errdetail_internal("%s", message)));
	/* timezone('UTC', t) of a finite timestamptz t is t: UTC's offset is 0 */
	*result = DatumGetTimestampTz(t);
}

bool
sp_event_time(const char *value, const char *field, const char *event_id, Timestamp *result)
{
	if (value == NULL)
		return false;
	if (!time_format_ok(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s has an invalid %s", nz(event_id), nz(field)),
				 errdetail("A time is ISO 8601 with seconds, such as 2025-01-01T00:00:00Z; an offset-less time is UTC.")));
	time_in_utc(value, field, event_id, result);
	return true;
}

Numeric
sp_event_amount(const char *value, const char *field, const char *event_id)
{
	if (value == NULL)
		return NULL;
	if (!amount_format_ok(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s has an invalid %s", nz(event_id), nz(field)),
				 errdetail("An amount is a decimal number, such as 12.5 or \"0.000000001\".")));
	/* value::numeric */
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(value),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

bool
sp_event_position(const JsonbValue *value, const char *field, const char *event_id,
				  int64 *result)
{
	const char *digits_text = NULL;
	int64		v = 0;

	if (value == NULL || value->type == jbvNull)
		return false;
	/* a number's text (value #>> '{}'): numeric_out, so 1e3 is "1000" */
	if (value->type == jbvNumeric)
		digits_text = DatumGetCString(DirectFunctionCall1(numeric_out,
														  NumericGetDatum(value->val.numeric)));
	if (digits_text == NULL || !position_format_ok(digits_text))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s has an invalid %s", nz(event_id), nz(field)),
				 errdetail("A chain position is a non-negative JSON integer below 10^18.")));
	/* at most 18 digits: ::bigint cannot overflow */
	for (const char *p = digits_text; *p; p++)
		v = v * 10 + (*p - '0');
	*result = v;
	return true;
}

/* text argument n, or NULL */
static char *
text_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

PG_FUNCTION_INFO_V1(streampay_event_time);
Datum
streampay_event_time(PG_FUNCTION_ARGS)
{
	Timestamp	result = 0;

	if (!sp_event_time(text_arg(fcinfo, 0), text_arg(fcinfo, 1), text_arg(fcinfo, 2), &result))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMP(result);
}

PG_FUNCTION_INFO_V1(streampay_event_amount);
Datum
streampay_event_amount(PG_FUNCTION_ARGS)
{
	Numeric		result;

	result = sp_event_amount(text_arg(fcinfo, 0), text_arg(fcinfo, 1), text_arg(fcinfo, 2));
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(result);
}

PG_FUNCTION_INFO_V1(streampay_event_position);
Datum
streampay_event_position(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb;
	JsonbValue	v;
	int64		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	jb = PG_GETARG_JSONB_P(0);
	if (!JsonbExtractScalar(&jb->root, &v))
	{
		/* an object or an array: not a number */
		v.type = jbvBinary;
		v.val.binary.data = &jb->root;
		v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	}
	if (!sp_event_position(&v, text_arg(fcinfo, 1), text_arg(fcinfo, 2), &result))
		PG_RETURN_NULL();
	PG_RETURN_INT64(result);
}

/* ------------------------------------------------------------------------
 * The payload
 * ------------------------------------------------------------------------
 */

/*
 * payload::jsonb.  jsonb_in's invalid_text_representation and
 * untranslatable_character errors become the PL/pgSQL's own message with
 * the original one as DETAIL; others (a string too long for jsonb, say) go
 * out as they are.
 */
static Jsonb *
parse_payload(text *payload)
{
	char	   *json = text_to_cstring(payload);
	Datum		j = (Datum) 0;
	char	   *message;

	if (!input_or_message(jsonb_in, json, NULL, ERRCODE_INVALID_TEXT_REPRESENTATION,
						  ERRCODE_UNTRANSLATABLE_CHARACTER, &j, &message))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("webhook payload is not valid JSON"),
				 errdetail_internal("%s", message)));
	pfree(json);
	return DatumGetJsonbP(j);
}

/* container->'key': the value, NULL when the key is absent */
static JsonbValue *
field(JsonbContainer *container, const char *key, JsonbValue *buf)
{
	return getKeyJsonValueFromContainer(container, key, strlen(key), buf);
}

/* what ->> gives for a value: NULL for none or a JSON null, else its text */
static char *
value_text(const JsonbValue *v)
{
	if (v == NULL)
		return NULL;
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			elog(ERROR, "unrecognized jsonb type: %d", (int) v->type);
	}
	return NULL;				/* keep the compiler quiet */
}

/* container->>'key' */
static char *
field_text(JsonbContainer *container, const char *key)
{
	JsonbValue	buf;

	return value_text(field(container, key, &buf));
}

static inline bool
is_sql_null(const JsonbValue *v)
{
	return v == NULL || v->type == jbvNull;
}

static const char *const known_types[] = {
	"stream_created", "stream_paused", "stream_resumed", "stream_cancelled",
	"stream_completed", "settled", "rate_changed", "topped_up"
};

static Jsonb *
empty_object(void)
{
	JsonbValue	v;

	v.type = jbvObject;
	v.val.object.nPairs = 0;
	v.val.object.pairs = NULL;
	return JsonbValueToJsonb(&v);
}

void
sp_webhook_parse(text *payload, text *signature, SpWebhookEvent *ev)
{
	JsonbContainer *j;
	JsonbContainer *d;
	JsonbValue	id_buf,
				type_buf,
				key_buf,
				at_buf,
				buf;
	JsonbValue *id,
			   *type,
			   *key,
			   *at,
			   *v;
	bool		known = false;
	Timestamp	limit;
	Numeric		amount;

	memset(ev, 0, sizeof(*ev));

	/* 1. authenticity first: nothing is parsed before the signature holds */
	sp_verify_signature(payload, signature);

	/* 2. shape: every format error is an error, and nothing is stored */
	ev->payload = parse_payload(payload);
	if (!JB_ROOT_IS_OBJECT(ev->payload))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook payload must be a JSON object")));
	j = &ev->payload->root;

	id = field(j, "eventId", &id_buf);
	type = field(j, "eventType", &type_buf);
	key = field(j, "streamId", &key_buf);
	at = field(j, "occurredAt", &at_buf);
	/* ->> of these is NULL for a JSON null; only a string's text is '' */
	if (is_sql_null(id) || (id->type == jbvString && id->val.string.len == 0) ||
		is_sql_null(type) || is_sql_null(key) || is_sql_null(at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook payload lacks a required field"),
				 errdetail("eventId, eventType, streamId and occurredAt are required.")));
	/* identities and times are strings: a number or an object is not an id */
	if (id->type != jbvString || type->type != jbvString || key->type != jbvString ||
		at->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook payload has a field of the wrong type"),
				 errdetail("eventId, eventType, streamId and occurredAt must be JSON strings.")));
	ev->event_id = pnstrdup(id->val.string.val, id->val.string.len);
	ev->event_type = pnstrdup(type->val.string.val, type->val.string.len);
	ev->chain_stream_id = pnstrdup(key->val.string.val, key->val.string.len);

	if (pg_mbstrlen_with_len(ev->event_id, id->val.string.len) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook eventId is longer than 200 characters")));
	/* the chain's id of the stream: any non-empty string (btrim: spaces only) */
	if (strspn(ev->chain_stream_id, " ") == (size_t) key->val.string.len ||
		pg_mbstrlen_with_len(ev->chain_stream_id, key->val.string.len) > 255)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s has an invalid streamId", ev->event_id),
				 errdetail("A streamId is a non-empty string of at most 255 characters.")));
	for (size_t i = 0; i < lengthof(known_types); i++)
	{
		if (strcmp(ev->event_type, known_types[i]) == 0)
		{
			known = true;
			break;
		}
	}
	if (!known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s has unknown eventType \"%s\"", ev->event_id, ev->event_type),
				 errhint("Known types: stream_created, stream_paused, stream_resumed, stream_cancelled, stream_completed, settled, rate_changed, topped_up.")));

	(void) sp_event_time(pnstrdup(at->val.string.val, at->val.string.len), "occurredAt",
						 ev->event_id, &ev->occurred_at);
	/* an event has happened on chain; an indexer's clock may run a little ahead */
	limit = (Timestamp) GetCurrentTimestamp() + (int64) sp_max_clock_skew * USECS_PER_SEC;
	if (ev->occurred_at > limit)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s: occurredAt is in the future", ev->event_id),
				 errdetail("occurredAt is %s (UTC); streampay.max_clock_skew allows %s ahead of the server clock.",
						   DatumGetCString(DirectFunctionCall1(timestamp_out,
															   TimestampGetDatum(ev->occurred_at))),
						   GetConfigOptionByName("streampay.max_clock_skew", NULL, false))));

	/* j ? 'ledger': present, even as null */
	v = field(j, "ledger", &buf);
	if (v != NULL)
		ev->has_ledger = sp_event_position(v, "ledger", ev->event_id, &ev->ledger);
	v = field(j, "eventIndex", &buf);
	if (v != NULL)
		ev->has_event_index = sp_event_position(v, "eventIndex", ev->event_id, &ev->event_index);

	v = field(j, "data", &buf);
	if (v == NULL)
		ev->data = empty_object();
	else if (v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		ev->data = JsonbValueToJsonb(v);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook event %s: data must be a JSON object", ev->event_id)));
	d = &ev->data->root;

	ev->chain_id = field_text(j, "chainId");
	ev->contract_address = field_text(j, "contractAddress");
	if (strcmp(ev->event_type, "stream_created") == 0)
	{
		char	   *data_contract = field_text(d, "contractAddress");

		if (ev->contract_address != NULL && data_contract != NULL &&
			strcmp(ev->contract_address, data_contract) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("webhook event %s names two contracts", ev->event_id),
					 errdetail("contractAddress and data.contractAddress differ.")));
		if (ev->contract_address == NULL)
			ev->contract_address = data_contract;
		if (ev->chain_id == NULL)
			ev->chain_id = pstrdup("stellar-testnet");
	}
	ev->transaction_hash = field_text(j, "transactionHash");

	/* the data each type needs, checked now: a parked event must be applicable later */
	if (strcmp(ev->event_type, "stream_created") == 0)
	{
		static const char *const needed[] = {
			"payer", "recipient", "ratePerSecond", "totalAmount", "startTime"
		};
		Timestamp	t;

		/* d ?& ARRAY[...]: every key present, null or not */
		for (size_t i = 0; i < lengthof(needed); i++)
		{
			if (field(d, needed[i], &buf) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("webhook event %s lacks a required data field", ev->event_id),
						 errdetail("stream_created needs data.payer, data.recipient, data.ratePerSecond, data.totalAmount and data.startTime.")));
		}
		(void) sp_event_amount(field_text(d, "ratePerSecond"), "data.ratePerSecond", ev->event_id);
		(void) sp_event_amount(field_text(d, "totalAmount"), "data.totalAmount", ev->event_id);
		(void) sp_event_time(field_text(d, "startTime"), "data.startTime", ev->event_id, &t);
		(void) sp_event_time(field_text(d, "endTime"), "data.endTime", ev->event_id, &t);
	}
	else if (strcmp(ev->event_type, "settled") == 0)
		(void) sp_event_amount(field_text(d, "amount"), "data.amount", ev->event_id);
	else if (strcmp(ev->event_type, "rate_changed") == 0)
	{
		/* a rate is never negative: that is the event's format, not its position */
		amount = sp_event_amount(field_text(d, "ratePerSecond"), "data.ratePerSecond", ev->event_id);
		if (amount == NULL ||
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(amount),
											  NumericGetDatum(int64_to_numeric(0)))) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("webhook event %s: rate_changed needs a non-negative data.ratePerSecond",
							ev->event_id)));
	}
	else if (strcmp(ev->event_type, "topped_up") == 0)
	{
		/* a top-up adds: a negative amount would be a reduction logged as a top-up */
		amount = sp_event_amount(field_text(d, "amount"), "data.amount", ev->event_id);
		if (amount == NULL ||
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(amount),
											  NumericGetDatum(int64_to_numeric(0)))) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("webhook event %s: topped_up needs a positive data.amount",
							ev->event_id)));
	}
}

/* ------------------------------------------------------------------------
 * streampay_webhook_parse(payload, signature): sp_webhook_parse's result as
 * jsonb, for tests
 * ------------------------------------------------------------------------
 */

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

static void
push_text(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	push_key(st, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

static void
push_int64(JsonbParseState **st, const char *key, bool has, int64 value)
{
	JsonbValue	v;

	push_key(st, key);
	if (!has)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(value);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

static void
push_jsonb(JsonbParseState **st, const char *key, Jsonb *value)
{
	JsonbValue	v;

	push_key(st, key);
	v.type = jbvBinary;
	v.val.binary.data = &value->root;
	v.val.binary.len = VARSIZE(value) - VARHDRSZ;
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

PG_FUNCTION_INFO_V1(streampay_webhook_parse);
Datum
streampay_webhook_parse(PG_FUNCTION_ARGS)
{
	SpWebhookEvent ev;
	JsonbParseState *st = NULL;
	JsonbValue *res;

	sp_webhook_parse(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1), &ev);

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_text(&st, "eventId", ev.event_id);
	push_text(&st, "eventType", ev.event_type);
	push_text(&st, "streamId", ev.chain_stream_id);
	/* to_jsonb(timestamp)'s form, whatever DateStyle says */
	push_text(&st, "occurredAt", JsonEncodeDateTime(NULL, TimestampGetDatum(ev.occurred_at),
													TIMESTAMPOID, NULL));
	push_int64(&st, "ledger", ev.has_ledger, ev.ledger);
	push_int64(&st, "eventIndex", ev.has_event_index, ev.event_index);
	push_text(&st, "chainId", ev.chain_id);
	push_text(&st, "contractAddress", ev.contract_address);
	push_text(&st, "transactionHash", ev.transaction_hash);
	push_jsonb(&st, "data", ev.data);
	push_jsonb(&st, "payload", ev.payload);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}
