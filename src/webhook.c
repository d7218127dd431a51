/*
 * webhook.c
 *	  HMAC-SHA256 webhook signatures: streampay_sign() for clients and
 *	  tests, streampay_verify_signature() for streampay_ingest().
 *
 * The keys live in a file that only the server's OS user can read, named by
 * the superuser-only setting streampay.webhook_secret_file; never in a
 * table, and never in a setting.  A setting's value is readable by any role
 * in a session that has not loaded this library (it is only a placeholder
 * there, without the flags _PG_init gives it), and the postmaster logs
 * changed values on reload: keys found in the old settings
 * streampay.webhook_secret(_previous) are refused, not used.  No message
 * ever contains a key or an expected signature.
 */
#include "compat.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA256: %s", why)));
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

/* Does 'given' match the payload under key 'key'?  No key never matches. */
static bool
matches(const char *key, size_t keylen, const text *payload,
		const uint8_t given[SP_SIGNATURE_BYTES])
{
	uint8_t		mac[SP_SIGNATURE_BYTES];
	bool		ok;

	if (key == NULL || keylen == 0)
		return false;
	hmac_sha256(key, keylen, VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), mac);
	ok = sp_constant_time_equal(mac, given, SP_SIGNATURE_BYTES);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

#define KEY_FILE_MAX 4096

/*
 * Read the key file into buf (KEY_FILE_MAX + 1 bytes): regular, owned by the
 * server's OS user, no group or other access (like ssl_key_file), at most
 * KEY_FILE_MAX bytes.  Returns its length.  Messages name the file, never
 * its contents.
 */
static size_t
read_key_file(const char *path, char *buf)
{
	struct stat st;
	int			fd;
	ssize_t		n;
	size_t		len = 0;

	fd = open(path, O_RDONLY | PG_BINARY | O_CLOEXEC, 0);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open webhook key file \"%s\": %m", path),
				 errhint("streampay.webhook_secret_file names a file the server's OS user owns and reads; a relative name is relative to the data directory.")));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		(st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		close(fd);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhook key file \"%s\" is not private to the server", path),
				 errdetail("It must be a regular file owned by the database server's OS user, with no group or other permissions."),
				 errhint("chown the file to the server's OS user and chmod it 0600.")));
	}
	while (len < KEY_FILE_MAX + 1 &&
		   (n = read(fd, buf + len, KEY_FILE_MAX + 1 - len)) != 0)
	{
		if (n < 0)
		{
			int			save = errno;

			close(fd);
			explicit_bzero(buf, KEY_FILE_MAX + 1);
			errno = save;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read webhook key file \"%s\": %m", path)));
		}
		len += (size_t) n;
	}
	close(fd);
	if (len > KEY_FILE_MAX)
	{
		explicit_bzero(buf, KEY_FILE_MAX + 1);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhook key file \"%s\" is larger than %d bytes", path, KEY_FILE_MAX)));
	}
	return len;
}

/*
 * The next non-empty line of buf[*pos, len): a key.  Line ends (LF or CRLF)
 * are not part of it.
 */
static const char *
next_key(const char *buf, size_t len, size_t *pos, size_t *keylen)
{
	while (*pos < len)
	{
		size_t		start = *pos;
		size_t		end = start;

		while (end < len && buf[end] != '\n')
			end++;
		*pos = end < len ? end + 1 : end;
		if (end > start && buf[end - 1] == '\r')
			end--;
		if (end > start)
		{
			*keylen = end - start;
			return buf + start;
		}
	}
	*keylen = 0;
	return NULL;
}

/*
 * Raise unless signature is the HMAC-SHA256 of payload under a key of the
 * key file: streampay_verify_signature(), and step 1 of a webhook delivery
 * (sp_webhook_parse in webhook_event.c).
 */
void
sp_verify_signature(const text *payload, const text *signature)
{
	uint8_t		given[SP_SIGNATURE_BYTES];
	bool		ok;

	char		buf[KEY_FILE_MAX + 1];
	size_t		len;
	size_t		pos = 0;
	const char *current;
	size_t		current_len;
	const char *previous;
	size_t		previous_len;

	if ((sp_webhook_secret != NULL && sp_webhook_secret[0] != '\0') ||
		(sp_webhook_secret_previous != NULL && sp_webhook_secret_previous[0] != '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhook keys must not be kept in settings"),
				 errdetail("streampay.webhook_secret or streampay.webhook_secret_previous is set; a setting can be read by any role in a session that has not loaded streampay, and the server logs changed settings."),
				 errhint("Put the keys in a file readable only by the server (current key on the first line, previous key on the second), name it in streampay.webhook_secret_file, then ALTER SYSTEM RESET the old settings and reload.")));
	if (sp_webhook_secret_file == NULL || sp_webhook_secret_file[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("streampay.webhook_secret_file is not set: webhook events cannot be verified"),
				 errhint("A superuser names the key file in postgresql.conf or with ALTER SYSTEM, then reloads the configuration.")));

	if (!sp_signature_parse(VARDATA_ANY(signature), VARSIZE_ANY_EXHDR(signature), given))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook signature is malformed"),
				 errdetail("A signature is 64 hexadecimal digits, optionally prefixed with \"sha256=\".")));

	len = read_key_file(sp_webhook_secret_file, buf);
	current = next_key(buf, len, &pos, &current_len);
	previous = next_key(buf, len, &pos, &previous_len);
	if (current == NULL)
	{
		explicit_bzero(buf, sizeof(buf));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhook key file \"%s\" holds no key", sp_webhook_secret_file)));
	}

	/* check both keys every time, so timing does not tell which one matched */
	ok = matches(current, current_len, payload, given);
	ok = matches(previous, previous_len, payload, given) || ok;
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("webhook signature does not match the payload"),
				 errhint("Sign the exact payload bytes with HMAC-SHA256 under the shared webhook secret.")));
}

PG_FUNCTION_INFO_V1(streampay_verify_signature);
Datum
streampay_verify_signature(PG_FUNCTION_ARGS)
{
	sp_verify_signature(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1));
	PG_RETURN_VOID();
}
