/*
 * compat.h
 *	  Every PostgreSQL version difference streampay cares about, in one place.
 *	  Built and tested on 15 and 18; written for 15 and later.
 */
#ifndef STREAMPAY_COMPAT_H
#define STREAMPAY_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "streampay requires PostgreSQL 15 or later (MERGE, reserved GUC prefixes, placeholders applied with their setter's rights)"
#endif

#include "access/genam.h"

/*
 * PostgreSQL 18 replaced the postfix attribute pg_attribute_noreturn() with
 * the function specifier pg_noreturn, written first in a declaration
 * ("pg_noreturn extern void f(void);").  Before 18 the attribute is GCC's
 * __attribute__((noreturn)) (empty on compilers without it), which may also
 * stand first.
 */
#if PG_VERSION_NUM < 180000 && !defined(pg_noreturn)
#define pg_noreturn pg_attribute_noreturn()
#endif

/* PostgreSQL 18 added an instrumentation argument to index_beginscan. */
#if PG_VERSION_NUM >= 180000
#define sp_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), 0)
#else
#define sp_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), 0)
#endif

/*
 * PostgreSQL 18 gave RelationGetPrimaryKeyIndex a deferrable_ok argument.
 * false keeps the earlier result: InvalidOid for a DEFERRABLE primary key.
 */
#if PG_VERSION_NUM >= 180000
#define sp_primary_key_index(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define sp_primary_key_index(rel) RelationGetPrimaryKeyIndex(rel)
#endif


/* PostgreSQL 17 changed makeJsonLexContextCstringLen's signature. */
#if PG_VERSION_NUM >= 170000
#define sp_json_lex_context(json, len) \
	makeJsonLexContextCstringLen(NULL, (json), (len), GetDatabaseEncoding(), false)
#else
#define sp_json_lex_context(json, len) \
	makeJsonLexContextCstringLen((json), (len), GetDatabaseEncoding(), false)
#endif

/* The arguments of a ProcessUtility hook (14 and later). */
#define SP_PROCESS_UTILITY_ARGS PlannedStmt *pstmt, const char *queryString, \
	bool readOnlyTree, ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define SP_PROCESS_UTILITY_PASS pstmt, queryString, readOnlyTree, context, params, \
	queryEnv, dest, qc

/*
 * The ledger writer's executor calls: the EState keeps a list of opened
 * result relations, which ExecGetTriggerResultRel searches and
 * ExecCloseResultRelations closes (with the relations firing AFTER triggers
 * opened).  (executor/executor.h, 14 and later)
 */
#define sp_exec_simple_insert(rri, estate, slot) \
	ExecSimpleRelationInsert((rri), (estate), (slot))
#define sp_estate_add_result_rel(estate, rri) \
	((estate)->es_opened_result_relations = \
	 lappend((estate)->es_opened_result_relations, (rri)))
#define sp_estate_close_result_rels(estate, rri) ExecCloseResultRelations(estate)

/*
 * The module's magic block: from 18 on it carries the name and version,
 * shown by pg_get_loaded_modules().  SP_VERSION comes from the Makefile,
 * which reads it from streampay.control.
 */
#if PG_VERSION_NUM >= 180000
#define SP_MODULE_MAGIC PG_MODULE_MAGIC_EXT(.name = "streampay", .version = SP_VERSION)
#else
#define SP_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * A MERGE target's actions that may UPDATE a row: PostgreSQL 17 split them
 * by WHEN clause kind (and added WHEN NOT MATCHED BY SOURCE ... UPDATE).
 */
#if PG_VERSION_NUM >= 170000
#define sp_rri_merge_update_actions(rri) \
	list_concat_copy((rri)->ri_MergeActions[MERGE_WHEN_MATCHED], \
					 (rri)->ri_MergeActions[MERGE_WHEN_NOT_MATCHED_BY_SOURCE])
#else
#define sp_rri_merge_update_actions(rri) ((rri)->ri_matchedMergeAction)
#endif

/*
 * A Var built in place of another must carry its markings: from 16 the
 * outer joins that can null it (varnullingrels: a whole row from the
 * nullable side of a LEFT JOIN becomes columns from that side), from 18
 * also whether it reads RETURNING old or new (varreturningtype).
 */
#if PG_VERSION_NUM >= 180000
#define sp_copy_var_markings(dst, src) \
	((dst)->varnullingrels = bms_copy((src)->varnullingrels), \
	 (dst)->varreturningtype = (src)->varreturningtype)
#elif PG_VERSION_NUM >= 160000
#define sp_copy_var_markings(dst, src) \
	((dst)->varnullingrels = bms_copy((src)->varnullingrels))
#else
#define sp_copy_var_markings(dst, src) ((void) (dst), (void) (src))
#endif

/* _PG_init is declared by fmgr.h from 16 on. */
#if PG_VERSION_NUM < 160000
extern void _PG_init(void);
#endif

#endif							/* STREAMPAY_COMPAT_H */
