/*
 * streampay.c
 *	  Module entry: PG_MODULE_MAGIC and the one relcache callback.
 *
 * Only a few relcache callback slots exist per backend, so the module
 * registers a single one, once, and fans out to the caches that need it.
 */
#include "compat.h"

#include "fmgr.h"
#include "utils/inval.h"

#include "streampay.h"

PG_MODULE_MAGIC;

static void
streampay_relcache_callback(Datum arg, Oid relid)
{
	sp_trigger_invalidate(relid);
	sp_lookup_invalidate(relid);
}

void
_PG_init(void)
{
	CacheRegisterRelcacheCallback(streampay_relcache_callback, (Datum) 0);
}
