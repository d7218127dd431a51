/*
 * kept.c
 *	  The life cycle of objects kept open between calls (see kept.h).
 */
#include "compat.h"

#include "access/xact.h"
#include "tcop/utility.h"

#include "kept.h"

static dlist_head live = DLIST_STATIC_INIT(live);

static void
kept_forget(sp_kept *k)
{
	if (!k->alive)
		return;
	k->alive = false;
	dlist_delete(&k->node);
}

void
sp_kept_close(sp_kept *k)
{
	ResourceOwner save = CurrentResourceOwner;

	if (!k->alive)
		return;
	kept_forget(k);
	CurrentResourceOwner = k->owner;
	k->close(k);
	CurrentResourceOwner = save;
	/* hand the locks to the parent owner, as a subtransaction commit does */
	ResourceOwnerRelease(k->owner, RESOURCE_RELEASE_BEFORE_LOCKS, true, false);
	ResourceOwnerRelease(k->owner, RESOURCE_RELEASE_LOCKS, true, false);
	ResourceOwnerRelease(k->owner, RESOURCE_RELEASE_AFTER_LOCKS, true, false);
	ResourceOwnerDelete(k->owner);
	k->owner = NULL;
}

void
sp_kept_enter(sp_kept *k)
{
	Assert(k->alive);
	k->in_use++;
}

void
sp_kept_leave(sp_kept *k)
{
	/* after an abort forgot the object, a late leave has nothing to do */
	if (k->alive && k->in_use > 0)
		k->in_use--;
}

static void
kept_context_gone(void *arg)
{
	sp_kept    *k = (sp_kept *) arg;

	/*
	 * During an abort, portals' memory goes away before the transaction
	 * callbacks run: only forget the object.  Its owner, a child of the
	 * aborting (sub)transaction's, releases what it holds; closing it here
	 * would release pins that the user code it was running took under other
	 * owners.
	 */
	if (!IsTransactionState())
		kept_forget(k);
	else
		sp_kept_close(k);
}

ResourceOwner
sp_kept_begin(sp_kept *k, MemoryContext cxt, void (*close) (sp_kept *k))
{
	ResourceOwner caller = CurrentResourceOwner;

	Assert(!k->alive);
	if (!k->cb_registered)
	{
		k->cb.func = kept_context_gone;
		k->cb.arg = k;
		MemoryContextRegisterResetCallback(cxt, &k->cb);
		k->cb_registered = true;
	}
	k->close = close;
	k->in_use = 0;
	k->owner = ResourceOwnerCreate(CurTransactionResourceOwner, "streampay kept");
	k->subxid = GetCurrentSubTransactionId();
	k->alive = true;
	dlist_push_head(&live, &k->node);
	CurrentResourceOwner = k->owner;
	return caller;
}

static void
kept_xact_callback(XactEvent event, void *arg)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live)
	{
		/* cppcheck-suppress nullPointer ; offsetof-style macro, not a NULL */
		sp_kept    *k = dlist_container(sp_kept, node, iter.cur);

		if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT ||
			event == XACT_EVENT_PRE_PREPARE)
			sp_kept_close(k);
		else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
			kept_forget(k);
	}
}

static void
kept_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live)
	{
		/* cppcheck-suppress nullPointer ; offsetof-style macro, not a NULL */
		sp_kept    *k = dlist_container(sp_kept, node, iter.cur);

		/* subtransaction ids grow with nesting: >= mySubid is this one or a child */
		if (k->subxid < mySubid)
			continue;
		if (event == SUBXACT_EVENT_PRE_COMMIT_SUB)
			sp_kept_close(k);
		else if (event == SUBXACT_EVENT_ABORT_SUB)
			kept_forget(k);
	}
}

static ProcessUtility_hook_type prev_process_utility = NULL;

/*
 * DDL in the same transaction (ALTER TABLE streams, DROP EXTENSION, ...)
 * refuses to run while this session holds the table open.  Kept objects are
 * only a cache: close them all before any utility statement; call sites
 * still running reopen theirs on their next call.
 */
static void
kept_process_utility(SP_PROCESS_UTILITY_ARGS)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live)
	{
		/* cppcheck-suppress nullPointer ; offsetof-style macro, not a NULL */
		sp_kept    *k = dlist_container(sp_kept, node, iter.cur);

		/*
		 * An object in use (a trigger on stream_events running this
		 * statement while the ledger writer inserts) stays open: closing it
		 * would free the executor state and the resource owner its user is
		 * still running on.
		 */
		if (k->in_use == 0)
			sp_kept_close(k);
	}
	if (prev_process_utility)
		prev_process_utility(SP_PROCESS_UTILITY_PASS);
	else
		standard_ProcessUtility(SP_PROCESS_UTILITY_PASS);
}

void
sp_kept_init(void)
{
	RegisterXactCallback(kept_xact_callback, NULL);
	RegisterSubXactCallback(kept_subxact_callback, NULL);
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = kept_process_utility;
}
