/*
 * streampay.c
 *	  Module entry: PG_MODULE_MAGIC, the settings, and the one relcache
 *	  callback.
 *
 * Only a few relcache callback slots exist per backend, so the module
 * registers a single one, once, and fans out to the caches that need it.
 */
#include "compat.h"

#include "fmgr.h"
#include "utils/guc.h"
#include "utils/inval.h"

#include "kept.h"
#include "streampay.h"
#include "citus.h"

SP_MODULE_MAGIC;

/*
 * The webhook keys' file (superuser-only, settable only in the server
 * config), and the settings that held keys before 0.4.0: still defined, so
 * that sessions which loaded the library hide them, but a key found there
 * is refused (webhook.c).
 */
char	   *sp_webhook_secret = NULL;
char	   *sp_webhook_secret_previous = NULL;
char	   *sp_webhook_secret_file = NULL;

/* ingestion context, set transaction-locally by streampay_ingest() */
char	   *sp_event_source = NULL;
char	   *sp_external_event_id = NULL;
char	   *sp_event_transaction_hash = NULL;
char	   *sp_event_payload_digest = NULL;
char	   *sp_event_actor = NULL;
bool		sp_allow_event_purge = false;

/* announce each ledger event with NOTIFY streampay_events (0.5.0) */
bool		sp_notify = true;

static void
streampay_relcache_callback(Datum arg, Oid relid)
{
	sp_trigger_invalidate(relid);
	sp_lookup_invalidate(relid);
	sp_chains_invalidate(relid);
	sp_ledger_invalidate(relid);
	sp_citus_invalidate(relid);
}

static void
define_internal_string(const char *name, const char *desc, char **addr)
{
	/*
	 * PGC_SUSET: only a superuser (streampay_ingest runs as its owner) may
	 * set them, so an ordinary client cannot pass a change off as a
	 * webhook event in the ledger.
	 */
	DefineCustomStringVariable(name, desc, NULL, addr, "", PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL,
							   NULL, NULL, NULL);
}

void
_PG_init(void)
{
	DefineCustomStringVariable("streampay.webhook_secret_file",
							   "File holding the webhook keys (HMAC-SHA256): the current key on the first line, the previous one on the second.",
							   "Owned by the server's OS user, mode 0600; relative names are relative to the data directory.",
							   &sp_webhook_secret_file, "", PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("streampay.webhook_secret",
							   "Not used: a key found here is refused (keys belong in streampay.webhook_secret_file).",
							   NULL,
							   &sp_webhook_secret, "", PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("streampay.webhook_secret_previous",
							   "Not used: a key found here is refused (keys belong in streampay.webhook_secret_file).",
							   NULL,
							   &sp_webhook_secret_previous, "", PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	define_internal_string("streampay.event_source",
						   "Internal: source of the change being applied (sql or webhook).",
						   &sp_event_source);
	define_internal_string("streampay.external_event_id",
						   "Internal: id of the webhook event being applied.",
						   &sp_external_event_id);
	define_internal_string("streampay.event_transaction_hash",
						   "Internal: transaction hash of the webhook event being applied.",
						   &sp_event_transaction_hash);
	define_internal_string("streampay.event_payload_digest",
						   "Internal: SHA-256 (hex) of the webhook payload being applied.",
						   &sp_event_payload_digest);
	define_internal_string("streampay.rewind_stream",
						   "Internal: the stream whose next write is a re-derivation's rewind.",
						   &sp_rewind_stream);
	define_internal_string("streampay.rederived_event_id",
						   "Internal: id of the webhook event a re-derivation is replaying.",
						   &sp_rederived_event_id);
	define_internal_string("streampay.chain_ledger",
						   "Internal: chain ledger (or block) of the webhook event being applied.",
						   &sp_chain_ledger);
	define_internal_string("streampay.chain_event_index",
						   "Internal: position inside its ledger of the webhook event being applied.",
						   &sp_chain_event_index);
	DefineCustomIntVariable("streampay.max_clock_skew",
							"How far ahead of the server's clock an explicit event time may be.",
							"Indexers and chains stamp events with their own clocks; an event up to this far in the future is applied at its own time.",
							&sp_max_clock_skew, 60, 0, 3600, PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	define_internal_string("streampay.event_actor",
						   "Internal: the role that called streampay_ingest (what the ledger records as actor on every node of a Citus cluster).",
						   &sp_event_actor);
	DefineCustomBoolVariable("streampay.allow_event_purge",
							 "Internal: lets streampay_purge_events() delete ledger rows.",
							 NULL, &sp_allow_event_purge, false, PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("streampay.notify",
							 "Announces every ledger event on the channel streampay_events (NOTIFY).",
							 "Delivered when the transaction commits; turn off to skip the cost.",
							 &sp_notify, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("streampay");

	CacheRegisterRelcacheCallback(streampay_relcache_callback, (Datum) 0);
	sp_kept_init();
	sp_merge_init();
	sp_lookup_init();
	sp_agg_rewrite_init();

	/*
	 * Last, so that its planner hook runs first: on a distributed table the
	 * sum aggregates must become sum() of the column form, which Citus
	 * pushes down, before agg_rewrite.c turns them into the column
	 * aggregate, whose internal state Citus cannot push down.
	 */
	sp_citus_init();
}
