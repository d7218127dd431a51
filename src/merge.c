/*
 * merge.c
 *	  Did the statement that fired a row trigger assign a column, for this
 *	  row?
 *
 * A row trigger learns which columns an UPDATE assigns from tg_updatedcols.
 * For MERGE that set is the union over all of the statement's actions
 * (PostgreSQL 15 to 18), so a row updated by an action that leaves
 * last_settled_at alone looks exactly like one whose action assigns it its
 * current value, and the two mean different event times.  The trigger
 * cannot see the action; it can find its own ResultRelInfo, and with it the
 * statement's MERGE actions, among the executors this backend is running.
 * Those are tracked by ExecutorStart/End hooks.
 *
 * An executor started before this library was loaded (the statement whose
 * trigger loaded it) is not tracked: its answer is "unknown", and the
 * caller takes the safe reading.  Every other statement that can update is
 * tracked, so a plain UPDATE, INSERT ... ON CONFLICT DO UPDATE or
 * UPDATE ... FROM (one action: tg_updatedcols is exact) is recognised as
 * such.
 */
#include "compat.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "streampay.h"

typedef struct Running
{
	QueryDesc  *qd;
	SubTransactionId subxid;
} Running;

static Running *running = NULL;
static int	nrunning = 0;
static int	maxrunning = 0;

static ExecutorStart_hook_type prev_executor_start = NULL;
static ExecutorEnd_hook_type prev_executor_end = NULL;

static void
track(QueryDesc *qd)
{
	if (nrunning == maxrunning)
	{
		int			n = maxrunning == 0 ? 16 : maxrunning * 2;

		running = running == NULL ?
			MemoryContextAlloc(TopMemoryContext, n * sizeof(Running)) :
			repalloc(running, n * sizeof(Running));
		maxrunning = n;
	}
	running[nrunning].qd = qd;
	running[nrunning].subxid = GetCurrentSubTransactionId();
	nrunning++;
}

static void
untrack(const QueryDesc *qd)
{
	for (int i = nrunning - 1; i >= 0; i--)
		if (running[i].qd == qd)
		{
			running[i] = running[--nrunning];
			return;
		}
}

static void
merge_executor_start(QueryDesc *qd, int eflags)
{
	if (prev_executor_start)
		prev_executor_start(qd, eflags);
	else
		standard_ExecutorStart(qd, eflags);
	/* the statements that can fire row triggers */
	if (qd->operation != CMD_SELECT ||
		(qd->plannedstmt != NULL && qd->plannedstmt->hasModifyingCTE))
		track(qd);
}

static void
merge_executor_end(QueryDesc *qd)
{
	untrack(qd);
	if (prev_executor_end)
		prev_executor_end(qd);
	else
		standard_ExecutorEnd(qd);
}

/* An executor that errors out never reaches ExecutorEnd. */
static void
merge_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PREPARE)
		nrunning = 0;
}

static void
merge_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (int i = nrunning - 1; i >= 0; i--)
		if (running[i].subxid >= mySubid)
			running[i] = running[--nrunning];
}

static bool
fires(const ResultRelInfo *rri, const Trigger *trigger)
{
	const TriggerDesc *td = rri->ri_TrigDesc;

	return td != NULL && trigger >= td->triggers && trigger < td->triggers + td->numtriggers;
}

static const ResultRelInfo *
find_in(List *rris, const Trigger *trigger)
{
	ListCell   *lc;

	foreach(lc, rris)
	{
		const ResultRelInfo *rri = (const ResultRelInfo *) lfirst(lc);

		if (fires(rri, trigger))
			return rri;
	}
	return NULL;
}

sp_assigned
sp_update_assigns(const Trigger *trigger, const char *column)
{
	const ResultRelInfo *rri = NULL;
	List	   *actions;
	ListCell   *lc;
	Relation	target;
	AttrNumber	attnum;
	int			assigning = 0;
	int			updating = 0;

	for (int i = nrunning - 1; i >= 0 && rri == NULL; i--)
	{
		EState	   *estate = running[i].qd->estate;

		if (estate == NULL)
			continue;
		rri = find_in(estate->es_opened_result_relations, trigger);
		if (rri == NULL)
			rri = find_in(estate->es_tuple_routing_result_relations, trigger);
	}
	if (rri == NULL)
		return SP_ASSIGNED_UNKNOWN;

	actions = sp_rri_merge_update_actions(rri);
	if (actions == NIL)
		return SP_ASSIGNED_BY_SET;	/* not a MERGE: one action */

	/* MERGE's update columns are numbered as in the table named by MERGE */
	target = rri->ri_RootResultRelInfo != NULL ?
		rri->ri_RootResultRelInfo->ri_RelationDesc : rri->ri_RelationDesc;
	attnum = get_attnum(RelationGetRelid(target), column);
	foreach(lc, actions)
	{
		MergeAction *action = ((MergeActionState *) lfirst(lc))->mas_action;

		if (action->commandType != CMD_UPDATE)
			continue;
		updating++;
		if (list_member_int(action->updateColnos, attnum))
			assigning++;
	}
	if (assigning == 0)
		return SP_ASSIGNED_NO;
	if (assigning == updating)
		return SP_ASSIGNED_YES;
	return SP_ASSIGNED_UNKNOWN;
}

void
sp_merge_init(void)
{
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = merge_executor_start;
	prev_executor_end = ExecutorEnd_hook;
	ExecutorEnd_hook = merge_executor_end;
	RegisterXactCallback(merge_xact_callback, NULL);
	RegisterSubXactCallback(merge_subxact_callback, NULL);
}
