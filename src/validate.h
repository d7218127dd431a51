/*
 * validate.h
 *	  Trust-boundary checks on a stream row: registered chain, addresses of
 *	  the chain's family, transaction hash, JSON metadata.
 */
#ifndef STREAMPAY_VALIDATE_H
#define STREAMPAY_VALIDATE_H

#include "compat.h"

#include "access/tupdesc.h"

#include "stream_row.h"

/*
 * Validate the columns flagged in 'check' (indexed by sp_col) of a row of
 * relation 'relid' (values/isnull indexed by attnum - 1).  A transaction
 * hash is normalised to lower case in place (*changed set, the new datum
 * palloc'd).  Errors out on the first violation.  Does nothing when the
 * schema has no chain registry (an extension still at 0.1.0).
 */
extern void sp_validate_row(Oid nsp, const sp_attmap *map, Datum *values,
							const bool *isnull, const bool *check,
							Datum stream_id, bool *changed);

#endif							/* STREAMPAY_VALIDATE_H */
