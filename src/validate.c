/*
 * validate.c
 *	  The spec's security notes, enforced in the row trigger: every address
 *	  is validated before storage, transaction hashes have the chain's
 *	  format, metadata is JSON, and a secret seed is never stored or echoed.
 *
 * SQLSTATEs: 22P02 invalid_text_representation for a malformed address,
 * hash or JSON; 22023 invalid_parameter_value for a secret seed; 23503
 * foreign_key_violation for an unregistered chain; 23514 check_violation
 * for payer = recipient.
 */
#include "compat.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "chains.h"
#include "errors.h"
#include "evm.h"
#include "strkey.h"
#include "validate.h"

#define COLV(c) values[map->attnum[(c)] - 1]
#define COLN(c) isnull[map->attnum[(c)] - 1]

static const char *
family_text(sp_family f)
{
	return f == SP_FAMILY_EVM ? "evm" : "stellar";
}

/* Check one address column; 'contract' restricts Stellar to C... keys. */
static void
check_address(sp_family family, Datum v, const char *column, bool contract,
			  Datum stream_id)
{
	text	   *t = DatumGetTextPP(v);
	const char *s = VARDATA_ANY(t);
	size_t		len = VARSIZE_ANY_EXHDR(t);
	sp_addr_result r;
	sp_strkey_kind kind = SP_STRKEY_NONE;

	if (family == SP_FAMILY_EVM)
		r = sp_evm_address_validate(s, len);
	else
		r = sp_strkey_validate(s, len,
							   contract ? SP_STRKEY_CONTRACT :
							   (SP_STRKEY_ACCOUNT | SP_STRKEY_MUXED | SP_STRKEY_CONTRACT),
							   &kind);
	if (r == SP_ADDR_OK)
		return;

	/* never echo a rejected value: it may be (a mangled) secret */
	if (r == SP_ADDR_SECRET_SEED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stream %s: %s is a Stellar secret seed, and a secret must never be stored",
						sp_id_text(stream_id), column),
				 errdetail("The value is not shown."),
				 errhint("Store the account's public key (G...) instead, and rotate the exposed secret.")));
	if (r == SP_ADDR_WRONG_KIND)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("stream %s: %s must be a %s", sp_id_text(stream_id), column,
						contract ? "Stellar contract address (C...)" :
						"Stellar account, muxed account or contract address (G..., M... or C...)"),
				 errdetail("The value is a well-formed StrKey of another kind.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("stream %s: %s is not a valid %s address", sp_id_text(stream_id),
					column, family_text(family)),
			 errdetail("Rejected because of: %s.", sp_addr_result_text(r)),
			 family == SP_FAMILY_EVM ?
			 errhint("An EVM address is 0x followed by 40 hexadecimal digits; mixed case must match its EIP-55 checksum.") :
			 errhint("A Stellar address is a SEP-23 StrKey: 56 (or, muxed, 69) upper-case base32 characters with a valid checksum.")));
}

/* Normalise the transaction hash to lower case; returns the new datum. */
static Datum
check_tx_hash(sp_family family, Datum v, Datum stream_id)
{
	text	   *t = DatumGetTextPP(v);
	size_t		len = VARSIZE_ANY_EXHDR(t);
	char		out[SP_EVM_TX_HASH_LEN];
	sp_addr_result r;

	if (family == SP_FAMILY_EVM)
		r = sp_evm_tx_hash_normalize(VARDATA_ANY(t), len, out);
	else
		r = sp_stellar_tx_hash_normalize(VARDATA_ANY(t), len, out);
	if (r != SP_ADDR_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("stream %s: transaction_hash is not a valid %s transaction hash",
						sp_id_text(stream_id), family_text(family)),
				 errdetail("Rejected because of: %s.", sp_addr_result_text(r)),
				 family == SP_FAMILY_EVM ?
				 errhint("An EVM transaction hash is 0x followed by 64 hexadecimal digits.") :
				 errhint("A Stellar transaction hash is 64 hexadecimal digits.")));
	return PointerGetDatum(cstring_to_text_with_len(out, len));
}

static void
check_json(Datum v, Datum stream_id)
{
	text	   *t = DatumGetTextPP(v);
	char	   *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	JsonLexContext *lex = sp_json_lex_context(s, len);
	JsonParseErrorType err = pg_parse_json(lex, &nullSemAction);

	if (err != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("stream %s: metadata is not valid JSON", sp_id_text(stream_id)),
				 errdetail("%s The error is at character %d.", json_errdetail(err, lex),
						   (int) (lex->token_start ? lex->token_start - s : 0) + 1)));
}

static bool
text_equal(Datum a, Datum b)
{
	text	   *ta = DatumGetTextPP(a);
	text	   *tb = DatumGetTextPP(b);

	return VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb) &&
		memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0;
}

void
sp_validate_row(Oid nsp, const sp_attmap *map, Datum *values, const bool *isnull,
				const bool *check, Datum stream_id, bool *changed)
{
	sp_family	family;
	bool		check_asset = check[SP_COL_ASSET] && sp_has_col(map, SP_COL_ASSET);

	*changed = false;

	/* metadata needs no registry lookup: a metadata-only update stays cheap */
	if (check[SP_COL_METADATA] && !COLN(SP_COL_METADATA))
		check_json(COLV(SP_COL_METADATA), stream_id);

	if (!(check[SP_COL_CHAIN] || check[SP_COL_PAYER] || check[SP_COL_RECIPIENT] ||
		  check[SP_COL_CONTRACT] || check[SP_COL_TXHASH] || check_asset))
		return;
	if (COLN(SP_COL_CHAIN))
		return;					/* NOT NULL reports it */

	family = sp_chain_family(nsp, COLV(SP_COL_CHAIN));
	if (family == SP_FAMILY_NO_REGISTRY)
		return;
	if (family == SP_FAMILY_UNREGISTERED)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("stream %s: chain_id \"%s\" is not registered", sp_id_text(stream_id),
						TextDatumGetCString(COLV(SP_COL_CHAIN))),
				 errhint("Register the network first: INSERT INTO streampay_chains (chain_id, family) VALUES (..., 'stellar' or 'evm').")));

	if (check[SP_COL_PAYER] && !COLN(SP_COL_PAYER))
		check_address(family, COLV(SP_COL_PAYER), "payer", false, stream_id);
	if (check[SP_COL_RECIPIENT] && !COLN(SP_COL_RECIPIENT))
		check_address(family, COLV(SP_COL_RECIPIENT), "recipient", false, stream_id);
	if (check[SP_COL_CONTRACT] && !COLN(SP_COL_CONTRACT))
		check_address(family, COLV(SP_COL_CONTRACT), "contract_address", true, stream_id);
	/* the token: a Soroban token contract (C...) or an EVM token address */
	if (check_asset && !COLN(SP_COL_ASSET))
		check_address(family, COLV(SP_COL_ASSET), "asset", true, stream_id);
	if ((check[SP_COL_PAYER] || check[SP_COL_RECIPIENT]) &&
		!COLN(SP_COL_PAYER) && !COLN(SP_COL_RECIPIENT) &&
		text_equal(COLV(SP_COL_PAYER), COLV(SP_COL_RECIPIENT)))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("stream %s: payer and recipient must differ", sp_id_text(stream_id)),
				 errdetail("A stream from an address to itself moves no money.")));
	if (check[SP_COL_TXHASH] && !COLN(SP_COL_TXHASH))
	{
		COLV(SP_COL_TXHASH) = check_tx_hash(family, COLV(SP_COL_TXHASH), stream_id);
		*changed = true;
	}
}
