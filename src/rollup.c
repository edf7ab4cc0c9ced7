/*
 * rollup.c
 *		The log of what changed for the rollups: a statement trigger on
 *		cases that appends the (day, unit, handler) of the statement's cases
 *		to rollup_change (sql/rollup.sql says how refresh_rollups uses it),
 *		those of the rows before an update as well as after it: a case taken
 *		from a handler changes its former handler's row too.  Each with its
 *		district: on Citus the log is distributed by district beside the
 *		cases, and a shard's trigger writes to the colocated shard of the
 *		log, on its own node (docs/scale-out.md).
 *
 * It runs in the writer's session, so its query names every type and
 * function with its schema.  It writes as the owner of rollup_change, as
 * the engine writes the history: whoever may write cases changes the rollups, without a grant on
 * the log of their own.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "case_engine.h"
#include "spi_plan.h"

/* the rows of a statement's transition tables that the log reads */
#define NEW_ROWS "SELECT reported_at, unit, district, handler FROM gridgov_new_cases"
#define OLD_ROWS "SELECT reported_at, unit, district, handler FROM gridgov_old_cases"
/* the distinct changes of a statement's cases, the rows of its transition tables */
#define PAIRS_SELECT(rows) "SELECT DISTINCT pg_catalog.timezone(%1$s.calendar_timezone(), t.reported_at)::pg_catalog.date," \
	" t.unit, t.district, t.handler FROM (" rows ") t"
#define NOTE_PAIRS(rows) "INSERT INTO %1$s.rollup_change (day, unit, district, handler) " PAIRS_SELECT(rows)
#define PAIRS_COLUMNS 4

/*
 * Which transition tables a statement has: an insert's new rows, a
 * delete's old ones, an update's both (a case taken from its handler, or
 * moved to another unit, leaves the row it was counted in).
 */
typedef enum StatementRows
{
	STATEMENT_NEW_ROWS,
	STATEMENT_NEW_AND_OLD_ROWS,
	STATEMENT_OLD_ROWS
} StatementRows;

/*
 * The queries over them, kept planned for the session as PL/pgSQL keeps a
 * trigger's: planned at every statement, they cost a one-row INSERT of a
 * report about as much as the rest of the engine (docs/benchmarks.md,
 * "The rollups' log at one report a statement").  The transition tables are
 * looked up by name when a plan runs, so one plan serves every statement.
 */
static const SpiQuery note_queries[] = {
	[STATEMENT_NEW_ROWS] = {NOTE_PAIRS(NEW_ROWS), 0, {0}},
	[STATEMENT_NEW_AND_OLD_ROWS] = {NOTE_PAIRS(NEW_ROWS " UNION ALL " OLD_ROWS), 0, {0}},
	[STATEMENT_OLD_ROWS] = {NOTE_PAIRS(OLD_ROWS), 0, {0}}
};
static SPIPlanPtr note_plans[lengthof(note_queries)];
static const SpiQuery pairs_queries[] = {
	[STATEMENT_NEW_ROWS] = {PAIRS_SELECT(NEW_ROWS), 0, {0}},
	[STATEMENT_NEW_AND_OLD_ROWS] = {PAIRS_SELECT(NEW_ROWS " UNION ALL " OLD_ROWS), 0, {0}},
	[STATEMENT_OLD_ROWS] = {PAIRS_SELECT(OLD_ROWS), 0, {0}}
};
static SPIPlanPtr pairs_plans[lengthof(pairs_queries)];

/* one noted change, on a shard */
static const SpiQuery note_pair_query = {
	"INSERT INTO %1$s.rollup_change (day, unit, district, handler) VALUES ($1, $2, $3, $4)",
	PAIRS_COLUMNS, {DATEOID, SPI_PLAN_GRIDCODE, SPI_PLAN_GRIDCODE, INT8OID}
};
static SPIPlanPtr note_pair_plan = NULL;

/*
 * On a shard, the pairs one by one: Citus plans an INSERT into rollup_change
 * for the whole cluster, where the shard's transition table is not to be
 * seen, and routes each pair to the log's shard of its district, the one
 * beside the case's on this node.
 */
static void
note_pairs_one_by_one(const char *schema, StatementRows rows, Oid nsp)
{
	SPITupleTable *pairs;
	uint64		npairs;
	uint64		i;

	if (SPI_execute_plan(spi_plan_get_in(&pairs_plans[rows], &pairs_queries[rows], nsp), NULL, NULL, true, 0)
		!= SPI_OK_SELECT)
		elog(ERROR, "could not read the changed cases' pairs");
	pairs = SPI_tuptable;
	npairs = SPI_processed;
	for (i = 0; i < npairs; i++)
	{
		Datum		values[PAIRS_COLUMNS];
		char		nulls[PAIRS_COLUMNS];
		int			col;

		for (col = 0; col < PAIRS_COLUMNS; col++)
		{
			bool		isnull;

			values[col] = SPI_getbinval(pairs->vals[i], pairs->tupdesc, col + 1, &isnull);
			nulls[col] = isnull ? 'n' : ' ';
		}
		if (SPI_execute_plan(spi_plan_get_in(&note_pair_plan, &note_pair_query, nsp), values, nulls, false, 0)
			!= SPI_OK_INSERT)
			elog(ERROR, "could not note the changed cases in %s.rollup_change", schema);
	}
	SPI_freetuptable(pairs);
}

/*
 * AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT on cases, with the
 * statement's new rows as gridgov_new_cases and its old ones (of an update
 * or a delete) as gridgov_old_cases: one INSERT of their distinct (day,
 * unit, district, handler), old and new (one by one on a Citus shard).
 */
PG_FUNCTION_INFO_V1(rollup_note_change);
Datum
rollup_note_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			nsp;
	const char *schema;
	StatementRows rows;
	Oid			log;
	Oid			save_userid;
	int			save_sec_context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		(trigdata->tg_newtable == NULL && trigdata->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rollup_note_change() must be an AFTER ... FOR EACH STATEMENT trigger with a transition table")));

	/*
	 * On a shard, rows written as a replica are Citus's copies of rows that
	 * exist already (the cases distributed, a shard moved), noted where they
	 * were written: no change.
	 */
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA && case_engine_on_shard(trigdata->tg_relation))
		return PointerGetDatum(NULL);

	nsp = RelationGetNamespace(trigdata->tg_relation);
	schema = quote_identifier(get_namespace_name(nsp));
	log = get_relname_relid("rollup_change", nsp);
	if (!OidIsValid(log))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s.rollup_change is missing", schema),
				 errhint("Update the extension with ALTER EXTENSION gridgov UPDATE.")));
	if (trigdata->tg_newtable != NULL && trigdata->tg_oldtable != NULL)
		rows = STATEMENT_NEW_AND_OLD_ROWS;
	else if (trigdata->tg_newtable != NULL)
		rows = STATEMENT_NEW_ROWS;
	else
		rows = STATEMENT_OLD_ROWS;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPI_register_trigger_data(trigdata);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(spi_plan_table_owner(log), save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	if (case_engine_on_shard(trigdata->tg_relation))
		note_pairs_one_by_one(schema, rows, nsp);
	else if (SPI_execute_plan(spi_plan_get_in(&note_plans[rows], &note_queries[rows], nsp), NULL, NULL, false, 0)
			 != SPI_OK_INSERT)
		elog(ERROR, "could not note the changed cases in %s.rollup_change", schema);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();
	return PointerGetDatum(NULL);
}
