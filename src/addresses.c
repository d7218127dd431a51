/*
 * addresses.c
 *	  The validators as SQL functions, so applications can check input
 *	  before they write it (the trigger applies the same code on write).
 *
 *	  streampay_valid_address(address, chain_id): STABLE, reads the chain's
 *	    family from streampay_chains.
 *	  streampay_address_problem(address, family, kind): IMMUTABLE, the
 *	    reason a value is invalid for a family, or NULL.
 */
#include "compat.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "chains.h"
#include "evm.h"
#include "strkey.h"

typedef enum addr_kind
{
	AK_ACCOUNT,
	AK_CONTRACT,
	AK_TRANSACTION
} addr_kind;

static sp_addr_result
check(sp_family family, addr_kind kind, const char *s, size_t len)
{
	char		buf[SP_EVM_TX_HASH_LEN];

	if (family == SP_FAMILY_EVM)
		return kind == AK_TRANSACTION ? sp_evm_tx_hash_normalize(s, len, buf)
			: sp_evm_address_validate(s, len);
	if (kind == AK_TRANSACTION)
		return sp_stellar_tx_hash_normalize(s, len, buf);
	return sp_strkey_validate(s, len,
							  kind == AK_CONTRACT ? SP_STRKEY_CONTRACT :
							  (SP_STRKEY_ACCOUNT | SP_STRKEY_MUXED | SP_STRKEY_CONTRACT),
							  NULL);
}

PG_FUNCTION_INFO_V1(streampay_valid_address);
Datum
streampay_valid_address(PG_FUNCTION_ARGS)
{
	text	   *address = PG_GETARG_TEXT_PP(0);
	Oid		   *nsp = (Oid *) fcinfo->flinfo->fn_extra;
	sp_family	family;

	if (nsp == NULL)
	{
		nsp = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid));
		*nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
		fcinfo->flinfo->fn_extra = nsp;
	}
	family = sp_chain_family(*nsp, PG_GETARG_DATUM(1));
	if (family != SP_FAMILY_STELLAR && family != SP_FAMILY_EVM)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(check(family, AK_ACCOUNT, VARDATA_ANY(address),
						 VARSIZE_ANY_EXHDR(address)) == SP_ADDR_OK);
}

PG_FUNCTION_INFO_V1(streampay_address_problem);
Datum
streampay_address_problem(PG_FUNCTION_ARGS)
{
	text	   *address = PG_GETARG_TEXT_PP(0);
	char	   *family_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *kind_name = text_to_cstring(PG_GETARG_TEXT_PP(2));
	sp_family	family = sp_family_from_name(family_name);
	addr_kind	kind;
	sp_addr_result r;

	if (family == SP_FAMILY_UNREGISTERED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown address family \"%s\"", family_name),
				 errhint("Use \"stellar\" or \"evm\".")));
	if (strcmp(kind_name, "account") == 0)
		kind = AK_ACCOUNT;
	else if (strcmp(kind_name, "contract") == 0)
		kind = AK_CONTRACT;
	else if (strcmp(kind_name, "transaction") == 0)
		kind = AK_TRANSACTION;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown address kind \"%s\"", kind_name),
				 errhint("Use \"account\", \"contract\" or \"transaction\".")));

	r = check(family, kind, VARDATA_ANY(address), VARSIZE_ANY_EXHDR(address));
	if (r == SP_ADDR_OK)
		PG_RETURN_NULL();
	if (r == SP_ADDR_SECRET_SEED)
		PG_RETURN_TEXT_P(cstring_to_text("secret seed: a secret must never be stored"));
	PG_RETURN_TEXT_P(cstring_to_text(sp_addr_result_text(r)));
}
