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

#include "stream_row.h"
#include "streampay.h"

/*
 * What a running statement's trigger may ask, taken when its executor
 * starts (the MERGE actions are set up by then): per result relation with
 * triggers, the address range of its trigger array and, for a MERGE target,
 * how many UPDATE actions it has and how many of them assign the column.
 * Later only addresses are compared, nothing is dereferenced: a statement
 * whose end was missed can never be read after its memory is gone.
 */
typedef struct Target
{
	const Trigger *first;		/* ri_TrigDesc->triggers */
	const Trigger *end;
	int			updating;		/* MERGE UPDATE actions; -1: not a MERGE */
	int			assigning;		/* of those, the ones that assign the column */
} Target;

typedef struct Running
{
	const QueryDesc *qd;
	SubTransactionId subxid;
	int			ntargets;
	Target	   *targets;		/* in TopMemoryContext; NULL when none */
} Running;

static Running *running = NULL;
static int	nrunning = 0;
static int	maxrunning = 0;

static ExecutorStart_hook_type prev_executor_start = NULL;
static ExecutorEnd_hook_type prev_executor_end = NULL;

/* How many of a MERGE target's UPDATE actions assign last_settled_at. */
static void
count_merge_actions(ResultRelInfo *rri, Target *t)
{
	List	   *actions = sp_rri_merge_update_actions(rri);
	Relation	target;
	AttrNumber	attnum;
	ListCell   *lc;

	t->updating = -1;
	t->assigning = 0;
	/* without UPDATE actions (not a MERGE) no UPDATE trigger fires for it */
	if (actions == NIL)
		return;
	/* MERGE's update columns are numbered as in the table named by MERGE */
	target = rri->ri_RootResultRelInfo != NULL ?
		rri->ri_RootResultRelInfo->ri_RelationDesc : rri->ri_RelationDesc;
	attnum = get_attnum(RelationGetRelid(target), sp_col_names[SP_COL_LAST_SETTLED]);
	t->updating = 0;
	foreach(lc, actions)
	{
		MergeAction *action = ((MergeActionState *) lfirst(lc))->mas_action;

		if (action->commandType != CMD_UPDATE)
			continue;
		t->updating++;
		if (attnum != InvalidAttrNumber && list_member_int(action->updateColnos, attnum))
			t->assigning++;
	}
}

static void
track(QueryDesc *qd)
{
	Running    *r;
	List	   *rris = qd->estate->es_opened_result_relations;
	ListCell   *lc;

	if (nrunning == maxrunning)
	{
		int			n = maxrunning == 0 ? 16 : maxrunning * 2;

		running = running == NULL ?
			MemoryContextAlloc(TopMemoryContext, n * sizeof(Running)) :
			repalloc(running, n * sizeof(Running));
		maxrunning = n;
	}
	r = &running[nrunning++];
	r->qd = qd;
	r->subxid = GetCurrentSubTransactionId();
	r->ntargets = 0;
	r->targets = NULL;
	foreach(lc, rris)
	{
		ResultRelInfo *rri = (ResultRelInfo *) lfirst(lc);
		Target	   *t;

		if (rri->ri_TrigDesc == NULL || rri->ri_TrigDesc->numtriggers == 0)
			continue;
		if (r->targets == NULL)
			r->targets = MemoryContextAlloc(TopMemoryContext,
											list_length(rris) * sizeof(Target));
		t = &r->targets[r->ntargets++];
		t->first = rri->ri_TrigDesc->triggers;
		t->end = rri->ri_TrigDesc->triggers + rri->ri_TrigDesc->numtriggers;
		count_merge_actions(rri, t);
	}
}

static void
forget(int i)
{
	if (running[i].targets != NULL)
		pfree(running[i].targets);
	running[i] = running[--nrunning];
}

static void
untrack(const QueryDesc *qd)
{
	for (int i = nrunning - 1; i >= 0; i--)
		if (running[i].qd == qd)
		{
			forget(i);
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
	if (qd->estate != NULL &&
		(qd->operation != CMD_SELECT ||
		 (qd->plannedstmt != NULL && qd->plannedstmt->hasModifyingCTE)))
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
		while (nrunning > 0)
			forget(nrunning - 1);
}

static void
merge_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (int i = nrunning - 1; i >= 0; i--)
		if (running[i].subxid >= mySubid)
			forget(i);
}

sp_assigned
sp_lsa_assigned(const Trigger *trigger)
{
	for (int i = nrunning - 1; i >= 0; i--)
		for (int j = 0; j < running[i].ntargets; j++)
		{
			const Target *t = &running[i].targets[j];

			if (trigger < t->first || trigger >= t->end)
				continue;
			if (t->updating < 0)
				return SP_ASSIGNED_BY_SET;	/* not a MERGE: one action */
			if (t->assigning == 0)
				return SP_ASSIGNED_NO;
			if (t->assigning == t->updating)
				return SP_ASSIGNED_YES;
			return SP_ASSIGNED_UNKNOWN;
		}
	/* a statement started before the library was loaded */
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
