/*
 * kept.h
 *	  Relations, scans and executor state kept open between calls of one
 *	  call site (a function's or trigger's fn_extra), safely.
 *
 * A kept object's resources (relation references, locks, buffer pins)
 * belong to a private resource owner, a child of the (sub)transaction's, so
 * that the end of a portal or query does not release them under the call
 * site (plpgsql keeps call sites alive across statements).  The object is
 * closed, and its owner released into the parent, when the call site's
 * memory goes away, before the subtransaction that opened it commits,
 * before the transaction commits, and before any utility statement (DDL
 * must not find the table held open by a cache).  On abort the parent owner
 * releases everything itself and the object is only forgotten.
 */
#ifndef STREAMPAY_KEPT_H
#define STREAMPAY_KEPT_H

#include "compat.h"

#include "lib/ilist.h"
#include "utils/resowner.h"

typedef struct sp_kept sp_kept;

struct sp_kept
{
	dlist_node	node;			/* in the list of live objects while alive */
	bool		alive;
	bool		cb_registered;
	ResourceOwner owner;
	SubTransactionId subxid;
	void		(*close) (sp_kept *k);	/* releases what was opened */
	MemoryContextCallback cb;
};

/*
 * Start keeping k (zeroed, allocated in cxt, which it must not outlive):
 * returns the caller's resource owner and makes k's private owner current;
 * open what k keeps, then restore the returned owner.
 */
extern ResourceOwner sp_kept_begin(sp_kept *k, MemoryContext cxt,
								   void (*close) (sp_kept *k));
extern void sp_kept_close(sp_kept *k);
extern void sp_kept_init(void);

#endif							/* STREAMPAY_KEPT_H */
