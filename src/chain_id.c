/*
 * chain_id.c
 *	  streampay_chain_stream_uuid(): the streams.id of a stream known to
 *	  the chain by (chain_id, contract_address, chain_stream_id).
 *
 * A streamId that is a uuid is the row's id, as before 0.6.0; any other
 * string gets the first 16 bytes of
 *	 SHA-256('streampay' / chain_id / contract_address / streamId)
 * (UTF-8, '/'-joined, a NULL chain_id or streamId left out and a NULL
 * contract taken as ''), so every mirror of one chain gives a stream the
 * same id and the primary key makes the chain id unique per chain and
 * contract.  Until 0.7.0 this was a SQL function; it never got inlined
 * (its IMMUTABLE body called the STABLE concat_ws and convert_to), so every
 * delivery parsed and planned it again, and the check on streams spelled
 * the formula out as a large expression that every write prepared anew.
 * The result is byte for byte the SQL formula's, NULL handling included
 * (regression suite chain_order compares the two).
 */
#include "compat.h"

#include <ctype.h>

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "streampay.h"

/* "8-4-4-4-12" hex digits in either case, nothing around them */
static bool
canonical_uuid_text(const char *s, int len)
{
	if (len != 36)
		return false;
	for (int i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!isxdigit((unsigned char) s[i]))
			return false;
	}
	return true;
}

void
sp_sha256(const char *data, size_t len, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
	{
		const char *why = pg_cryptohash_error(ctx);

		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", why)));
	}
	pg_cryptohash_free(ctx);
}

bool
sp_canonical_uuid_text(const char *s)
{
	return canonical_uuid_text(s, (int) strlen(s));
}

Datum
sp_chain_stream_uuid(const char *chain_id, const char *contract_address,
					 const char *chain_stream_id)
{
	StringInfoData buf;
	char	   *utf8;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	pg_uuid_t  *result;

	if (chain_stream_id != NULL && sp_canonical_uuid_text(chain_stream_id))
		return DirectFunctionCall1(uuid_in, CStringGetDatum(chain_stream_id));

	/* concat_ws('/', 'streampay', chain_id, COALESCE(contract, ''), streamId) */
	initStringInfo(&buf);
	appendStringInfoString(&buf, "streampay");
	if (chain_id != NULL)
		appendStringInfo(&buf, "/%s", chain_id);
	appendStringInfo(&buf, "/%s", contract_address == NULL ? "" : contract_address);
	if (chain_stream_id != NULL)
		appendStringInfo(&buf, "/%s", chain_stream_id);

	/* convert_to(..., 'UTF8'): the same bytes whatever the server encoding */
	utf8 = pg_server_to_any(buf.data, buf.len, PG_UTF8);
	sp_sha256(utf8, strlen(utf8), digest);

	result = palloc(sizeof(pg_uuid_t));
	memcpy(result->data, digest, UUID_LEN);
	return UUIDPGetDatum(result);
}

PG_FUNCTION_INFO_V1(streampay_chain_stream_uuid);
Datum
streampay_chain_stream_uuid(PG_FUNCTION_ARGS)
{
#define ARG_CSTRING(i) (PG_ARGISNULL(i) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(i)))
	PG_RETURN_DATUM(sp_chain_stream_uuid(ARG_CSTRING(0), ARG_CSTRING(1), ARG_CSTRING(2)));
#undef ARG_CSTRING
}
