/*
 * citus.h
 *	  What streampay needs to know about Citus, detected at run time
 *	  (src/citus.c).  streampay does not link against Citus nor include its
 *	  headers: it reads Citus' catalog tables (pg_dist_partition,
 *	  pg_dist_shard, pg_dist_placement, pg_dist_local_group) when they
 *	  exist, and behaves exactly as before when they do not.
 */
#ifndef STREAMPAY_CITUS_H
#define STREAMPAY_CITUS_H

#include "compat.h"

#include "utils/relcache.h"

/* Citus' catalog is installed in this database. */
extern bool sp_citus_installed(void);

/* relid is a Citus distributed (or reference) table. */
extern bool sp_citus_distributed(Oid relid);

/*
 * rel is a shard placement of the Citus table 'logical' held by this node
 * (named <logical>_<shardid>, in its schema, with its owner, registered in
 * pg_dist_shard for it): its shard id, else 0.
 */
extern int64 sp_citus_shard_of(Relation rel, Oid logical);

/*
 * The relation on this node holding the shard of distributed table 'target'
 * that is colocated with shard 'shardid' (of another table); errors with
 * 55000 when target is not distributed, not colocated, or the shard is not
 * placed here.  'what' names the source shard for the messages.
 */
extern Oid	sp_citus_colocated_shard(int64 shardid, Oid source_logical, Oid target,
									 const char *what);

/*
 * For a distributed table hash-distributed on a uuid column: the shard
 * relation on this node with an active placement that holds key 'id', or
 * InvalidOid when that shard is placed on another node.
 */
extern Oid	sp_citus_local_shard_for(Oid logical, Datum id);

/* Relcache callback target. */
extern void sp_citus_invalidate(Oid relid);

#endif							/* STREAMPAY_CITUS_H */
