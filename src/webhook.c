/*
 * webhook.c
 *	  HMAC-SHA256 webhook signatures: streampay_sign() for clients and
 *	  tests, streampay_verify_signature() for streampay_ingest().
 *
 * The key lives only in the server configuration (streampay.webhook_secret,
 * a superuser-only, hidden, reload-time GUC defined in streampay.c), never
 * in a table.  No message ever contains a secret or an expected signature.
 */
#include "compat.h"

#include "common/cryptohash.h"
#include "common/hmac.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "signature.h"
#include "streampay.h"

static void
hmac_sha256(const char *key, size_t keylen, const char *data, size_t datalen,
			uint8_t out[SP_SIGNATURE_BYTES])
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, (const uint8 *) key, keylen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) data, datalen) < 0 ||
		pg_hmac_final(ctx, out, SP_SIGNATURE_BYTES) < 0)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		elog(ERROR, "could not compute HMAC-SHA256: %s", why);
	}
	pg_hmac_free(ctx);
}

PG_FUNCTION_INFO_V1(streampay_sign);
Datum
streampay_sign(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);
	text	   *secret = PG_GETARG_TEXT_PP(1);
	uint8_t		mac[SP_SIGNATURE_BYTES];
	char		hex[2 * SP_SIGNATURE_BYTES + 1];

	if (VARSIZE_ANY_EXHDR(secret) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook secret must not be empty")));
	hmac_sha256(VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
				VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), mac);
	sp_hex_encode(mac, SP_SIGNATURE_BYTES, hex);
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}

/* Does 'given' match the payload under 'secret'?  An unset secret never matches. */
static bool
matches(const char *secret, const text *payload, const uint8_t given[SP_SIGNATURE_BYTES])
{
	uint8_t		mac[SP_SIGNATURE_BYTES];
	bool		ok;

	if (secret == NULL || secret[0] == '\0')
		return false;
	hmac_sha256(secret, strlen(secret), VARDATA_ANY(payload),
				VARSIZE_ANY_EXHDR(payload), mac);
	ok = sp_constant_time_equal(mac, given, SP_SIGNATURE_BYTES);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

PG_FUNCTION_INFO_V1(streampay_verify_signature);
Datum
streampay_verify_signature(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);
	text	   *signature = PG_GETARG_TEXT_PP(1);
	uint8_t		given[SP_SIGNATURE_BYTES];
	bool		ok;

	if (sp_webhook_secret == NULL || sp_webhook_secret[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("streampay.webhook_secret is not set: webhook events cannot be verified"),
				 errhint("A superuser sets it in postgresql.conf or with ALTER SYSTEM, then reloads the configuration.")));

	if (!sp_signature_parse(VARDATA_ANY(signature), VARSIZE_ANY_EXHDR(signature), given))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook signature is malformed"),
				 errdetail("A signature is 64 hexadecimal digits, optionally prefixed with \"sha256=\".")));

	/* check both keys every time, so timing does not tell which one matched */
	ok = matches(sp_webhook_secret, payload, given);
	ok = matches(sp_webhook_secret_previous, payload, given) || ok;
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("webhook signature does not match the payload"),
				 errhint("Sign the exact payload bytes with HMAC-SHA256 under the shared webhook secret.")));
	PG_RETURN_VOID();
}
