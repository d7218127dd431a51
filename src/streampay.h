/*
 * streampay.h
 *	  Glue-layer declarations shared between the C files that talk to the
 *	  server (the core headers stay free of PostgreSQL).
 */
#ifndef STREAMPAY_H
#define STREAMPAY_H

#include "compat.h"

#include "accrual.h"

/* Relcache callback targets: reset cached state for relid (0 = all). */
extern void sp_trigger_invalidate(Oid relid);
extern void sp_lookup_invalidate(Oid relid);

/*
 * Find stream 'id' in the streams table of schema 'nsp' under the caller's
 * snapshot and privileges.  Returns false when there is no such row.
 */
extern bool sp_lookup_stream(Oid nsp, Datum id, sp_stream *out);

#endif							/* STREAMPAY_H */
