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
 *
 * An object is never closed under its user: code that runs other people's
 * code while using a kept object (the ledger writer fires triggers on
 * stream_events, which may run any statement) brackets that use with
 * sp_kept_enter/sp_kept_leave, and the utility hook leaves an object in use
 * alone.  Such a DDL statement then fails on PostgreSQL's own "in use"
 * check, as it would against any running query.
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
	int			in_use;			/* > 0 while a caller is inside a use */
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
extern void sp_kept_enter(sp_kept *k);
extern void sp_kept_leave(sp_kept *k);
extern void sp_kept_init(void);

#endif							/* STREAMPAY_KEPT_H */
