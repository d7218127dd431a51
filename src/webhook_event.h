/*
 * webhook_event.h
 *	  Steps 1 and 2 of a webhook delivery (authenticity, shape) in C, and
 *	  the field parsers they share with the SQL-callable
 *	  streampay_event_time / _amount / _position (webhook_event.c).
 */
#ifndef STREAMPAY_WEBHOOK_EVENT_H
#define STREAMPAY_WEBHOOK_EVENT_H

#include "compat.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

typedef struct SpWebhookEvent
{
	Jsonb	   *payload;		/* j: the parsed payload */
	Jsonb	   *data;			/* d: payload->'data', or an empty object when absent */
	char	   *event_id;
	char	   *event_type;
	char	   *chain_stream_id;	/* v_key: the streamId string */
	Timestamp	occurred_at;	/* v_at (UTC) */
	bool		has_ledger;
	int64		ledger;
	bool		has_event_index;
	int64		event_index;
	char	   *chain_id;		/* v_chain after step 2: NULL when absent
								 * (stream_created: default
								 * 'stellar-testnet') */
	char	   *contract_address;	/* v_contract after step 2
									 * (stream_created: COALESCE with
									 * data.contractAddress) */
	char	   *transaction_hash;	/* v_tx as given (not yet
									 * lowercased/validated), or NULL */
} SpWebhookEvent;

/*
 * Steps 1-2 of streampay_ingest: verify the signature, parse and check the
 * payload; ereport(ERROR) exactly as the PL/pgSQL did.  Everything in *ev is
 * palloc'd in the current memory context.
 */
extern void sp_webhook_parse(text *payload, text *signature, SpWebhookEvent *ev);

/*
 * The field parsers (one implementation each; the SQL functions of the same
 * names call them).  value NULL is SQL NULL: false / NULL comes back, and
 * nothing is checked.  field and event_id name the field in messages (NULL
 * prints as nothing, as format() does).
 *
 * sp_event_time: an ISO 8601 time with seconds, optional fraction and
 * offset (none = UTC), as a UTC timestamp.
 */
extern bool sp_event_time(const char *value, const char *field, const char *event_id,
						  Timestamp *result);

/* sp_event_amount: a plain decimal number as numeric. */
extern Numeric sp_event_amount(const char *value, const char *field, const char *event_id);

/*
 * sp_event_position: a chain position (ledger, eventIndex): NULL or a JSON
 * null is absent (false); otherwise a non-negative JSON integer below 10^18.
 * value is a scalar (jbvNull, jbvString, jbvNumeric, jbvBool) or a container
 * (jbvBinary).
 */
extern bool sp_event_position(const JsonbValue *value, const char *field, const char *event_id,
							  int64 *result);

#endif							/* STREAMPAY_WEBHOOK_EVENT_H */
