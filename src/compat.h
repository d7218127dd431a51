/*
 * compat.h
 *	  Every PostgreSQL version difference streampay cares about, in one place.
 *	  Built and tested on 15; written for 13 and later.
 */
#ifndef STREAMPAY_COMPAT_H
#define STREAMPAY_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "streampay requires PostgreSQL 13 or later (trigger tg_updatedcols, gen_random_uuid)"
#endif

#include "access/genam.h"

/* PostgreSQL 18 added an instrumentation argument to index_beginscan. */
#if PG_VERSION_NUM >= 180000
#define sp_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), 0)
#else
#define sp_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), 0)
#endif

/* PostgreSQL 15 renamed EmitWarningsOnPlaceholders. */
#if PG_VERSION_NUM >= 150000
#define sp_reserve_guc_prefix(prefix) MarkGUCPrefixReserved(prefix)
#else
#define sp_reserve_guc_prefix(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* PostgreSQL 17 changed makeJsonLexContextCstringLen's signature. */
#if PG_VERSION_NUM >= 170000
#define sp_json_lex_context(json, len) \
	makeJsonLexContextCstringLen(NULL, (json), (len), GetDatabaseEncoding(), false)
#else
#define sp_json_lex_context(json, len) \
	makeJsonLexContextCstringLen((json), (len), GetDatabaseEncoding(), false)
#endif

/* PostgreSQL 14 added readOnlyTree to ProcessUtility. */
#if PG_VERSION_NUM >= 140000
#define SP_PROCESS_UTILITY_ARGS PlannedStmt *pstmt, const char *queryString, \
	bool readOnlyTree, ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define SP_PROCESS_UTILITY_PASS pstmt, queryString, readOnlyTree, context, params, \
	queryEnv, dest, qc
#else
#define SP_PROCESS_UTILITY_ARGS PlannedStmt *pstmt, const char *queryString, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define SP_PROCESS_UTILITY_PASS pstmt, queryString, context, params, queryEnv, dest, qc
#endif

/* PostgreSQL 14 renamed the fmgroids of overloaded functions. */
#if PG_VERSION_NUM >= 140000
#define SP_F_TIMEZONE_TEXT_TIMESTAMPTZ F_TIMEZONE_TEXT_TIMESTAMPTZ
#else
#define SP_F_TIMEZONE_TEXT_TIMESTAMPTZ F_TIMESTAMPTZ_ZONE
#endif

/*
 * PostgreSQL 14 gave ExecSimpleRelationInsert its ResultRelInfo argument,
 * and the EState a list of opened result relations, which
 * ExecGetTriggerResultRel searches and ExecCloseResultRelations closes
 * (with the relations firing AFTER triggers opened).  13 kept one result
 * relation in the EState itself.  (executor/executor.h)
 */
#if PG_VERSION_NUM >= 140000
#define sp_exec_simple_insert(rri, estate, slot) \
	ExecSimpleRelationInsert((rri), (estate), (slot))
#define sp_estate_add_result_rel(estate, rri) \
	((estate)->es_opened_result_relations = \
	 lappend((estate)->es_opened_result_relations, (rri)))
#define sp_estate_close_result_rels(estate, rri) ExecCloseResultRelations(estate)
#else
#define sp_exec_simple_insert(rri, estate, slot) \
	((estate)->es_result_relation_info = (rri), \
	 ExecSimpleRelationInsert((estate), (slot)))
#define sp_estate_add_result_rel(estate, rri) \
	((estate)->es_result_relations = (rri), \
	 (estate)->es_num_result_relations = 1, \
	 (estate)->es_result_relation_info = (rri))
#define sp_estate_close_result_rels(estate, rri) \
	((rri) != NULL ? ExecCloseIndices(rri) : (void) 0, \
	 ExecCleanUpTriggerState(estate))
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

/* _PG_init is declared by fmgr.h from 16 on. */
#if PG_VERSION_NUM < 160000
extern void _PG_init(void);
#endif

#endif							/* STREAMPAY_COMPAT_H */
