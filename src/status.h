/*
 * status.h
 *	  The stream status graph.  Pure C.
 *
 *	  active -> paused | cancelled | completed
 *	  paused -> active | cancelled
 *	  cancelled, completed: terminal
 */
#ifndef STREAMPAY_STATUS_H
#define STREAMPAY_STATUS_H

#include <stdbool.h>

/* Same order as the SQL enum stream_status. */
typedef enum sp_status
{
	SP_ACTIVE = 0,
	SP_PAUSED,
	SP_CANCELLED,
	SP_COMPLETED
} sp_status;

#define SP_NSTATUS 4

extern const char *const sp_status_names[SP_NSTATUS];

/* May a stream go from 'from' to 'to'?  Staying put is not a transition. */
extern bool sp_can_transition(sp_status from, sp_status to);

extern bool sp_is_terminal(sp_status s);

#endif							/* STREAMPAY_STATUS_H */
