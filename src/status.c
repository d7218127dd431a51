/*
 * status.c
 *	  The status graph as a table, so the rule is data that tests can walk.
 */
#include "status.h"

const char *const sp_status_names[SP_NSTATUS] = {
	"active", "paused", "cancelled", "completed"
};

/* allowed[from][to] */
static const bool allowed[SP_NSTATUS][SP_NSTATUS] = {
	/* to:          active paused cancelled completed */
	/* active    */ {false, true, true, true},
	/* paused    */ {true, false, true, false},
	/* cancelled */ {false, false, false, false},
	/* completed */ {false, false, false, false},
};

bool
sp_can_transition(sp_status from, sp_status to)
{
	if ((unsigned) from >= SP_NSTATUS || (unsigned) to >= SP_NSTATUS)
		return false;
	return allowed[from][to];
}

bool
sp_is_terminal(sp_status s)
{
	return s == SP_CANCELLED || s == SP_COMPLETED;
}
