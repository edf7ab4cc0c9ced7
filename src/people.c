/*
 * people.c
 *		The triggers of the people and organizations pillar: the rules about
 *		organizations, the units they cover and the posts people hold that no
 *		constraint can state, and the refusals of the constraints themselves,
 *		given first and with a hint.
 *
 * sql/people.sql declares the foreign keys and exclusion constraints, and
 * they stay the last word: they also hold against concurrent transactions
 * and against deletes.  The BEFORE triggers here look at a row before any of
 * them fires and refuse it with an error that names the bad part and says
 * what to do: a missing person, role, kind, organization or unit (23503, as
 * the foreign key would), an overlapping period (23P01, as the exclusion
 * constraint would), and what only a trigger can see (23514): a post on a
 * unit its organization does not cover for the whole period, a period
 * outside the organization's own, a unit outside the organization's anchor,
 * an anchor at a level its kind does not allow, a parent that would make a
 * cycle.  The AFTER trigger on organization_unit refuses a change of
 * coverage that leaves a post outside it (23503, like deleting a row that
 * is still referred to); it runs after the whole statement, so moving a
 * coverage from one period to the next in one UPDATE passes.
 *
 * A restore is the one writer that may not follow the order of the rules:
 * pg_dump orders the tables' data by their foreign keys and names only, and
 * a post, which other pillars' tables refer to, may come before the
 * coverage of its organization (organization_unit).  A post that a
 * superuser or a member of gridgov_importer copies in (COPY, as pg_dump
 * writes data) while its organization covers nothing yet is taken as the
 * dump holds it, with every other check made; the dump was taken from a
 * database where the rule held, and any other post of an organization
 * without coverage is refused.
 *
 * Each row costs one query, planned once per backend and kept
 * (spi_plan.c), run as the owner of the tables, as PostgreSQL's own
 * foreign-key checks are: the checks do not depend on what the writing
 * role may read, and row-level security will not hide rows from them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "case_restore.h"
#include "gridcode.h"
#include "gridgov.h"
#include "spi_plan.h"

typedef enum PeopleQuery
{
	Q_ORGANIZATION,
	Q_PARENT_OF,
	Q_COVERAGE_OUTSIDE_ORGANIZATION,
	Q_POST_OUTSIDE_ORGANIZATION,
	Q_COVERAGE,
	Q_UNCOVERED_POST,
	Q_POST,
	NUM_PEOPLE_QUERIES
} PeopleQuery;

/* The checks' queries; %1$s is the tables' schema. */
static const SpiQuery people_queries[NUM_PEOPLE_QUERIES] = {
	/* kind, parent, anchor */
	[Q_ORGANIZATION] = {
		"SELECT k.code IS NOT NULL, pg_catalog.lower(k.anchor_levels),"
		" pg_catalog.upper(k.anchor_levels) OPERATOR(pg_catalog.-) 1,"
		" $2 IS NULL OR EXISTS (SELECT FROM %1$s.organization p WHERE p.id OPERATOR(pg_catalog.=) $2),"
		" EXISTS (SELECT FROM %1$s.unit u WHERE u.code OPERATOR(%1$s.=) $3),"
		" %1$s.level_name($3)"
		" FROM (SELECT) AS one"
		" LEFT JOIN %1$s.organization_kind k ON k.code OPERATOR(pg_catalog.=) $1",
		3, {TEXTOID, INT8OID, SPI_PLAN_GRIDCODE}
	},
	/*
	 * FOR SHARE waits for a transaction that is changing the parent of the
	 * same row, and then sees its change (or, in repeatable read, fails):
	 * two concurrent moves cannot close a cycle.
	 */
	[Q_PARENT_OF] = {
		"SELECT o.parent FROM %1$s.organization o WHERE o.id OPERATOR(pg_catalog.=) $1 FOR SHARE",
		1, {INT8OID}
	},
	/* organization, its new anchor and period */
	[Q_COVERAGE_OUTSIDE_ORGANIZATION] = {
		"SELECT c.unit::pg_catalog.text, c.valid::pg_catalog.text"
		" FROM %1$s.organization_unit c"
		" WHERE c.organization OPERATOR(pg_catalog.=) $1"
		" AND NOT (c.unit OPERATOR(%1$s.<@) $2 AND $3 OPERATOR(pg_catalog.@>) c.valid)"
		" ORDER BY c.unit, c.valid LIMIT 1",
		3, {INT8OID, SPI_PLAN_GRIDCODE, DATERANGEOID}
	},
	/* organization, its new period */
	[Q_POST_OUTSIDE_ORGANIZATION] = {
		"SELECT p.id, p.valid::pg_catalog.text FROM %1$s.post p"
		" WHERE p.organization OPERATOR(pg_catalog.=) $1"
		" AND NOT $2 OPERATOR(pg_catalog.@>) p.valid"
		" ORDER BY p.id LIMIT 1",
		2, {INT8OID, DATERANGEOID}
	},
	/* organization, unit, period, the row's own tid on update */
	[Q_COVERAGE] = {
		"SELECT o.id IS NOT NULL, o.name, o.anchor::pg_catalog.text, o.valid::pg_catalog.text,"
		" $2 OPERATOR(%1$s.<@) o.anchor, o.valid OPERATOR(pg_catalog.@>) $3,"
		" EXISTS (SELECT FROM %1$s.unit u WHERE u.code OPERATOR(%1$s.=) $2),"
		" (SELECT c.valid::pg_catalog.text"
		"   FROM (SELECT c.ctid, c.* FROM %1$s.organization_unit c"
		"          WHERE c.organization OPERATOR(pg_catalog.=) $1 OFFSET 0) c"
		"   WHERE c.unit OPERATOR(%1$s.=) $2"
		"     AND c.valid OPERATOR(pg_catalog.&&) $3"
		"     AND ($4 IS NULL OR c.ctid OPERATOR(pg_catalog.<>) $4)"
		"   ORDER BY c.valid LIMIT 1)"
		" FROM (SELECT) AS one"
		" LEFT JOIN %1$s.organization o ON o.id OPERATOR(pg_catalog.=) $1",
		4, {INT8OID, SPI_PLAN_GRIDCODE, DATERANGEOID, TIDOID}
	},
	/* organization, the unit and period it covered before */
	[Q_UNCOVERED_POST] = {
		"SELECT p.id, p.person, p.role, p.unit::pg_catalog.text, p.valid::pg_catalog.text"
		" FROM %1$s.post p"
		" WHERE p.organization OPERATOR(pg_catalog.=) $1 AND p.unit OPERATOR(%1$s.<@) $2"
		" AND p.valid OPERATOR(pg_catalog.&&) $3"
		" AND NOT COALESCE((SELECT pg_catalog.range_agg(c.valid) FROM %1$s.organization_unit c"
		"                    WHERE c.organization OPERATOR(pg_catalog.=) p.organization"
		"                      AND c.unit OPERATOR(%1$s.@>) p.unit)"
		"                  OPERATOR(pg_catalog.@>) p.valid, false)"
		" ORDER BY p.id LIMIT 1",
		3, {INT8OID, SPI_PLAN_GRIDCODE, DATERANGEOID}
	},
	/* person, role, organization, unit, period, the post's id */
	[Q_POST] = {
		"SELECT EXISTS (SELECT FROM %1$s.person pe WHERE pe.id OPERATOR(pg_catalog.=) $1),"
		" EXISTS (SELECT FROM %1$s.role r WHERE r.code OPERATOR(pg_catalog.=) $2),"
		" o.id IS NOT NULL, o.name, o.valid::pg_catalog.text, o.valid OPERATOR(pg_catalog.@>) $5,"
		" $4 IS NULL OR EXISTS (SELECT FROM %1$s.unit u WHERE u.code OPERATOR(%1$s.=) $4),"
		" cov.periods::pg_catalog.text, COALESCE(cov.periods OPERATOR(pg_catalog.@>) $5, false),"
		" ov.id, ov.valid::pg_catalog.text,"
		" EXISTS (SELECT FROM %1$s.organization_unit c WHERE c.organization OPERATOR(pg_catalog.=) $3)"
		" FROM (SELECT) AS one"
		" LEFT JOIN %1$s.organization o ON o.id OPERATOR(pg_catalog.=) $3"
		" LEFT JOIN LATERAL (SELECT pg_catalog.range_agg(c.valid) AS periods"
		"   FROM %1$s.organization_unit c"
		"   WHERE c.organization OPERATOR(pg_catalog.=) $3 AND c.unit OPERATOR(%1$s.@>) $4) cov ON true"
		/*
		 * the person's few posts by the btree on person (the fence keeps
		 * the planner from the wide GiST index of the exclusion
		 * constraint, ten times the pages)
		 */
		" LEFT JOIN LATERAL (SELECT p.id, p.valid"
		"   FROM (SELECT * FROM %1$s.post p WHERE p.person OPERATOR(pg_catalog.=) $1 OFFSET 0) p"
		"   WHERE p.role OPERATOR(pg_catalog.=) $2"
		"     AND COALESCE(p.organization, 0) OPERATOR(pg_catalog.=) COALESCE($3, 0)"
		"     AND COALESCE(p.unit::pg_catalog.int8, 0) OPERATOR(pg_catalog.=) COALESCE($4::pg_catalog.int8, 0)"
		"     AND p.valid OPERATOR(pg_catalog.&&) $5 AND p.id OPERATOR(pg_catalog.<>) $6"
		"   ORDER BY p.valid LIMIT 1) ov ON true",
		6, {INT8OID, TEXTOID, INT8OID, SPI_PLAN_GRIDCODE, DATERANGEOID, INT8OID}
	},
};

static SPIPlanPtr plans[NUM_PEOPLE_QUERIES];

/* A chain of parents longer than this is taken for a cycle made elsewhere. */
#define MAX_ORGANIZATION_DEPTH	1000

/*
 * Run a query as the owner of the trigger's table (spi_plan.c) and return
 * its first row (NULL when none); *tupdesc receives its descriptor.
 */
static HeapTuple
people_query(Relation rel, PeopleQuery query, Datum *values, const char *nulls, TupleDesc *tupdesc)
{
	return spi_plan_first_row_as_owner(rel, &plans[query], &people_queries[query], values, nulls, tupdesc);
}

/* Whether column n (1-based) of a query's row is NULL. */
static bool
is_null(HeapTuple row, TupleDesc desc, int n)
{
	bool		isnull;

	(void) heap_getattr(row, n, desc, &isnull);
	return isnull;
}

/* A boolean column; NULL reads as false. */
static bool
get_bool(HeapTuple row, TupleDesc desc, int n)
{
	bool		isnull;
	Datum		value = heap_getattr(row, n, desc, &isnull);

	return !isnull && DatumGetBool(value);
}

/* A bigint column; NULL reads as 0. */
static int64
get_int8(HeapTuple row, TupleDesc desc, int n)
{
	bool		isnull;
	Datum		value = heap_getattr(row, n, desc, &isnull);

	return isnull ? 0 : DatumGetInt64(value);
}

/* An integer column; NULL reads as 0. */
static int32
get_int4(HeapTuple row, TupleDesc desc, int n)
{
	bool		isnull;
	Datum		value = heap_getattr(row, n, desc, &isnull);

	return isnull ? 0 : DatumGetInt32(value);
}

/* a text column as a C string, or the given default when NULL */
static char *
get_text(HeapTuple row, TupleDesc desc, int n, const char *when_null)
{
	bool		isnull;
	Datum		value = heap_getattr(row, n, desc, &isnull);

	return isnull ? pstrdup(when_null) : TextDatumGetCString(value);
}

/* A column of the trigger's row, by name. */
static Datum
column(Relation rel, HeapTuple tuple, const char *name, bool *isnull)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		elog(ERROR, "column \"%s\" not found in table \"%s\"", name, RelationGetRelationName(rel));
	return heap_getattr(tuple, attnum, RelationGetDescr(rel), isnull);
}

/* Whether an UPDATE changed a column (any change of an INSERT counts). */
static bool
changed(TriggerData *trigdata, const char *name)
{
	Relation	rel = trigdata->tg_relation;
	Form_pg_attribute att;
	bool		old_null;
	bool		new_null;
	Datum		old_value;
	Datum		new_value;

	if (!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		return true;
	old_value = column(rel, trigdata->tg_trigtuple, name, &old_null);
	new_value = column(rel, trigdata->tg_newtuple, name, &new_null);
	if (old_null || new_null)
		return old_null != new_null;
	att = TupleDescAttr(RelationGetDescr(rel), SPI_fnumber(RelationGetDescr(rel), name) - 1);
	return !datumIsEqual(old_value, new_value, att->attbyval, att->attlen);
}

/* The text form of a column of the trigger's row. */
static char *
column_text(Relation rel, HeapTuple tuple, const char *name)
{
	return SPI_getvalue(tuple, RelationGetDescr(rel), SPI_fnumber(RelationGetDescr(rel), name));
}

/* The row a BEFORE or AFTER row trigger is about, after the change. */
static HeapTuple
row_after(TriggerData *trigdata)
{
	return TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
}

/*
 * Refuse to run as anything but the row trigger the install script makes:
 * BEFORE INSERT OR UPDATE (the checks), or AFTER UPDATE OR DELETE (the
 * release of a coverage).
 */
static void
check_trigger_protocol(FunctionCallInfo fcinfo, const char *name, bool before)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() can only be called as a trigger", name)));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		(bool) TRIGGER_FIRED_BEFORE(trigdata->tg_event) != before ||
		(before ? TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) : TRIGGER_FIRED_BY_INSERT(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be fired %s", name,
						before ? "BEFORE INSERT OR UPDATE for each row" : "AFTER UPDATE OR DELETE for each row")));
}

/*
 * Refuse a row whose reference names nothing, as the foreign key would
 * (23503, its constraint's name, the same detail), with a hint.
 */
static void
refuse_missing(Relation rel, const char *constraint, const char *message, const char *column,
			   const char *key, const char *table, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("%s", message),
			 errdetail("Key (%s)=(%s) is not present in table \"%s\".", column, key, table),
			 errhint("%s", hint),
			 errtableconstraint(rel, constraint)));
}

/*
 * Walk up from the new parent of an organization: reaching the organization
 * itself would close a cycle.  A chain longer than any real tree means a
 * cycle above, left by a restore or a disabled trigger.
 */
static void
check_no_cycle(Relation rel, int64 id, int64 parent)
{
	StringInfoData chain;
	int64		at = parent;
	int			depth;

	initStringInfo(&chain);
	appendStringInfo(&chain, INT64_FORMAT, parent);
	for (depth = 0; depth < MAX_ORGANIZATION_DEPTH; depth++)
	{
		Datum		value = Int64GetDatum(at);
		TupleDesc	desc;
		HeapTuple	row;

		if (at == id)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("organization " INT64_FORMAT " cannot have organization " INT64_FORMAT
							" as its parent: that would make a cycle", id, parent),
					 errdetail("Going up from organization " INT64_FORMAT " leads back to it: %s.", parent, chain.data),
					 errhint("Move organization " INT64_FORMAT " out from under organization " INT64_FORMAT
							 " first, or choose another parent.", parent, id),
					 errtablecolname(rel, "parent")));
		CHECK_FOR_INTERRUPTS();
		row = people_query(rel, Q_PARENT_OF, &value, NULL, &desc);
		if (row == NULL || is_null(row, desc, 1))
			return;				/* reached the top */
		at = get_int8(row, desc, 1);
		appendStringInfo(&chain, " → " INT64_FORMAT, at);
	}
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("the chain of parents above organization " INT64_FORMAT " is longer than %d",
					parent, MAX_ORGANIZATION_DEPTH),
			 errhint("Look for a cycle of parents in gridgov.organization, and break it.")));
}

/*
 * An organization's anchor is at a level its kind allows (the lowest and
 * highest levels are columns 2 and 3 of the Q_ORGANIZATION row, the
 * anchor's level name column 6).
 */
static void
check_anchor_level(Relation rel, HeapTuple tuple, const char *kind, int64 anchor, HeapTuple row, TupleDesc desc)
{
	int			level = gridcode_level_of(anchor);
	int			lowest = get_int4(row, desc, 2);
	int			highest = get_int4(row, desc, 3);

	if (level < lowest || level > highest)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("an organization of kind %s cannot be anchored at %s, a unit of level %d (%s)",
						kind, column_text(rel, tuple, "anchor"), level, get_text(row, desc, 6, "?")),
				 errdetail("Organizations of kind %s are anchored at levels %d to %d.", kind, lowest, highest),
				 errhint("Anchor it at a unit of those levels, or change anchor_levels of the kind in gridgov.organization_kind."),
				 errtablecolname(rel, "anchor")));
}

/*
 * After a change of an organization's anchor or period: the units it
 * covers still lie under the anchor and within the period, and the posts
 * held in it within the period.
 */
static void
check_organization_contents(Relation rel, HeapTuple tuple, Datum id, Datum anchor, Datum valid)
{
	Datum		args[3] = {id, anchor, valid};
	TupleDesc	desc;
	HeapTuple	row;

	row = people_query(rel, Q_COVERAGE_OUTSIDE_ORGANIZATION, args, NULL, &desc);
	if (row != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("organization " INT64_FORMAT " covers unit %s during %s, outside its new anchor %s or period %s",
						DatumGetInt64(id), get_text(row, desc, 1, ""), get_text(row, desc, 2, ""),
						column_text(rel, tuple, "anchor"), column_text(rel, tuple, "valid")),
				 errhint("Change or end that coverage in gridgov.organization_unit first.")));
	args[1] = valid;
	row = people_query(rel, Q_POST_OUTSIDE_ORGANIZATION, args, NULL, &desc);
	if (row != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("post " INT64_FORMAT " in organization " INT64_FORMAT " is held during %s, outside its new period %s",
						get_int8(row, desc, 1), DatumGetInt64(id), get_text(row, desc, 2, ""),
						column_text(rel, tuple, "valid")),
				 errhint("End or move the post in gridgov.post first.")));
}

/*
 * BEFORE INSERT OR UPDATE on organization: its kind exists and allows the
 * level of its anchor, its parent exists and is not below it, its anchor
 * is registered; and when its anchor or period changes, the units it covers
 * and the posts held in it still lie within.
 */
PG_FUNCTION_INFO_V1(organization_check);
Datum
organization_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		kind_null,
				parent_null,
				anchor_null,
				valid_null,
				id_null;
	Datum		id;
	Datum		valid;
	TupleDesc	desc;
	HeapTuple	row;

	check_trigger_protocol(fcinfo, "organization_check", true);
	rel = trigdata->tg_relation;
	tuple = row_after(trigdata);
	if (!changed(trigdata, "kind") && !changed(trigdata, "parent") && !changed(trigdata, "anchor") &&
		!changed(trigdata, "valid") && !changed(trigdata, "id"))
		return PointerGetDatum(tuple);

	values[0] = column(rel, tuple, "kind", &kind_null);
	values[1] = column(rel, tuple, "parent", &parent_null);
	values[2] = column(rel, tuple, "anchor", &anchor_null);
	id = column(rel, tuple, "id", &id_null);
	valid = column(rel, tuple, "valid", &valid_null);
	/* NOT NULL constraints refuse these */
	if (kind_null || anchor_null || id_null || valid_null)
		return PointerGetDatum(tuple);
	if (parent_null)
		nulls[1] = 'n';

	row = people_query(rel, Q_ORGANIZATION, values, nulls, &desc);
	if (!get_bool(row, desc, 1))
		refuse_missing(rel, "organization_kind_fkey",
					   psprintf("organization kind \"%s\" does not exist", TextDatumGetCString(values[0])),
					   "kind", TextDatumGetCString(values[0]), "organization_kind",
					   "The kinds are the codes in gridgov.organization_kind, such as community_committee, "
					   "grid_branch and hongxiaoer_team; add a row there for a new kind.");
	if (!get_bool(row, desc, 4))
		refuse_missing(rel, "organization_parent_fkey",
					   psprintf("parent organization " INT64_FORMAT " does not exist", DatumGetInt64(values[1])),
					   "parent", psprintf(INT64_FORMAT, DatumGetInt64(values[1])), "organization",
					   "Insert the parent organization first.");
	if (!get_bool(row, desc, 5))
		refuse_missing(rel, "organization_anchor_fkey",
					   psprintf("anchor unit %s is not registered", column_text(rel, tuple, "anchor")),
					   "anchor", column_text(rel, tuple, "anchor"), "unit", "Register the unit in gridgov.unit first.");
	check_anchor_level(rel, tuple, TextDatumGetCString(values[0]), DatumGetGridcode(values[2]), row, desc);
	if (!parent_null && (changed(trigdata, "parent") || changed(trigdata, "id")))
		check_no_cycle(rel, DatumGetInt64(id), DatumGetInt64(values[1]));
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		(changed(trigdata, "anchor") || changed(trigdata, "valid")))
		check_organization_contents(rel, tuple, id, values[2], valid);
	return PointerGetDatum(tuple);
}

/*
 * BEFORE INSERT OR UPDATE on organization_unit: the organization and the
 * unit exist, the unit lies under the organization's anchor, the period
 * within the organization's own, and the organization does not cover the
 * unit already during any of it.
 */
PG_FUNCTION_INFO_V1(organization_unit_check);
Datum
organization_unit_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		organization_null,
				unit_null,
				valid_null;
	int64		organization;
	char	   *unit;
	char	   *valid;
	char	   *name;
	TupleDesc	desc;
	HeapTuple	row;

	check_trigger_protocol(fcinfo, "organization_unit_check", true);
	rel = trigdata->tg_relation;
	tuple = row_after(trigdata);
	if (!changed(trigdata, "organization") && !changed(trigdata, "unit") && !changed(trigdata, "valid"))
		return PointerGetDatum(tuple);

	values[0] = column(rel, tuple, "organization", &organization_null);
	values[1] = column(rel, tuple, "unit", &unit_null);
	values[2] = column(rel, tuple, "valid", &valid_null);
	if (organization_null || unit_null || valid_null)
		return PointerGetDatum(tuple);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		values[3] = PointerGetDatum(&trigdata->tg_trigtuple->t_self);
	else
		nulls[3] = 'n';
	organization = DatumGetInt64(values[0]);
	unit = column_text(rel, tuple, "unit");
	valid = column_text(rel, tuple, "valid");

	row = people_query(rel, Q_COVERAGE, values, nulls, &desc);
	if (!get_bool(row, desc, 1))
		refuse_missing(rel, "organization_unit_organization_fkey",
					   psprintf("organization " INT64_FORMAT " does not exist", organization),
					   "organization", psprintf(INT64_FORMAT, organization), "organization",
					   "Insert the organization first.");
	name = get_text(row, desc, 2, "");
	if (!get_bool(row, desc, 7))
		refuse_missing(rel, "organization_unit_unit_fkey", psprintf("unit %s is not registered", unit),
					   "unit", unit, "unit", "Register the unit in gridgov.unit first.");
	if (!get_bool(row, desc, 5))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("unit %s is outside organization " INT64_FORMAT " (%s), which is anchored at %s",
						unit, organization, name, get_text(row, desc, 3, "")),
				 errhint("An organization covers units under its anchor: cover units under %s, or anchor the organization higher first.",
						 get_text(row, desc, 3, "")),
				 errtablecolname(rel, "unit")));
	if (!get_bool(row, desc, 6))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("organization " INT64_FORMAT " (%s) cannot cover unit %s during %s, outside its own period %s",
						organization, name, unit, valid, get_text(row, desc, 4, "")),
				 errhint("Cover the unit within the organization's period, or extend that period first."),
				 errtablecolname(rel, "valid")));
	if (!is_null(row, desc, 8))
		ereport(ERROR,
				(errcode(ERRCODE_EXCLUSION_VIOLATION),
				 errmsg("organization " INT64_FORMAT " (%s) already covers unit %s during %s, which overlaps %s",
						organization, name, unit, get_text(row, desc, 8, ""), valid),
				 errhint("End the earlier coverage first (the upper bound of its valid), or start this one when it ends."),
				 errtableconstraint(rel, "organization_unit_no_overlap")));
	return PointerGetDatum(tuple);
}

/*
 * AFTER UPDATE OR DELETE on organization_unit: every post in the
 * organization on a unit under the coverage that changed is still covered
 * for its whole period, by what the statement left.
 */
PG_FUNCTION_INFO_V1(organization_unit_release);
Datum
organization_unit_release(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	old;
	Datum		values[3];
	bool		isnull;
	TupleDesc	desc;
	HeapTuple	row;

	check_trigger_protocol(fcinfo, "organization_unit_release", false);
	rel = trigdata->tg_relation;
	old = trigdata->tg_trigtuple;
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		!changed(trigdata, "organization") && !changed(trigdata, "unit") && !changed(trigdata, "valid"))
		return PointerGetDatum(NULL);

	values[0] = column(rel, old, "organization", &isnull);
	values[1] = column(rel, old, "unit", &isnull);
	values[2] = column(rel, old, "valid", &isnull);
	row = people_query(rel, Q_UNCOVERED_POST, values, NULL, &desc);
	if (row != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("post " INT64_FORMAT " (person " INT64_FORMAT " as %s on %s during %s) would lie outside the units organization "
						INT64_FORMAT " covers",
						get_int8(row, desc, 1), get_int8(row, desc, 2), get_text(row, desc, 3, ""),
						get_text(row, desc, 4, ""), get_text(row, desc, 5, ""), DatumGetInt64(values[0])),
				 errdetail("The coverage of unit %s during %s is %s.", column_text(rel, old, "unit"),
						   column_text(rel, old, "valid"),
						   TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "being changed" : "being deleted"),
				 errhint("End or move the post in gridgov.post first, then change the coverage."),
				 errtable(rel)));
	return PointerGetDatum(NULL);
}

/*
 * A post's person, role, organization (0: none) and unit (NULL: none)
 * exist: columns 1, 2, 3 and 7 of its Q_POST row.
 */
static void
check_post_references(Relation rel, HeapTuple row, TupleDesc desc, int64 person, const char *role,
					  int64 organization, const char *unit)
{
	if (!get_bool(row, desc, 1))
		refuse_missing(rel, "post_person_fkey", psprintf("person " INT64_FORMAT " does not exist", person),
					   "person", psprintf(INT64_FORMAT, person), "person",
					   "Insert the person into gridgov.person first (and their name and phone into gridgov.person_contact).");
	if (!get_bool(row, desc, 2))
		refuse_missing(rel, "post_role_fkey", psprintf("role \"%s\" does not exist", role), "role", role, "role",
					   "The roles are the codes in gridgov.role, such as grid_worker, secretary and "
					   "party_member_community; add a row there for a new role.");
	if (organization != 0 && !get_bool(row, desc, 3))
		refuse_missing(rel, "post_organization_fkey",
					   psprintf("organization " INT64_FORMAT " does not exist", organization),
					   "organization", psprintf(INT64_FORMAT, organization), "organization",
					   "Insert the organization first.");
	if (!get_bool(row, desc, 7))
		refuse_missing(rel, "post_unit_fkey", psprintf("unit %s is not registered", unit),
					   "unit", unit, "unit", "Register the unit in gridgov.unit first.");
}

/*
 * Whether a post the organization does not cover is restored before the
 * organization's coverage: copied in by a role that may import, while the
 * organization covers nothing yet (column 12 of its Q_POST row false).
 */
static bool
restored_before_coverage(HeapTuple row, TupleDesc desc)
{
	return !get_bool(row, desc, 12) && case_restore_copying() && case_restore_may_import();
}

/*
 * A post lies within its organization's period and on a unit the
 * organization covers for all of it (but restored before that coverage),
 * and the same post is not held during any of it (the rest of its Q_POST
 * row).
 */
static void
check_post_place(Relation rel, HeapTuple row, TupleDesc desc, int64 person, const char *role,
				 int64 organization, const char *unit, const char *valid)
{
	StringInfoData post;

	/* the post, as the messages below name it */
	initStringInfo(&post);
	appendStringInfo(&post, "person " INT64_FORMAT " as %s", person, role);
	if (organization != 0)
		appendStringInfo(&post, " in organization " INT64_FORMAT " (%s)", organization, get_text(row, desc, 4, ""));
	if (unit != NULL)
		appendStringInfo(&post, " on %s", unit);

	if (organization != 0 && !get_bool(row, desc, 6))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("the post of %s during %s lies outside the organization's period %s",
						post.data, valid, get_text(row, desc, 5, "")),
				 errhint("Hold the post within the period of the organization."),
				 errtablecolname(rel, "valid")));
	if (organization != 0 && unit != NULL && !get_bool(row, desc, 9) && !restored_before_coverage(row, desc))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("the post of %s during %s lies outside the units the organization covers", post.data, valid),
				 is_null(row, desc, 8)
				 ? errdetail("Organization " INT64_FORMAT " covers neither %s nor a unit above it.", organization, unit)
				 : errdetail("Organization " INT64_FORMAT " covers %s during %s only.", organization, unit,
							 get_text(row, desc, 8, "")),
				 errhint("Cover the unit in gridgov.organization_unit first, or hold the post on a unit the organization covers."),
				 errtablecolname(rel, "unit")));
	if (!is_null(row, desc, 10))
		ereport(ERROR,
				(errcode(ERRCODE_EXCLUSION_VIOLATION),
				 errmsg("%s already holds this post during %s, which overlaps %s",
						post.data, get_text(row, desc, 11, ""), valid),
				 errdetail("Post " INT64_FORMAT " has the same person, role, organization and unit.",
						   get_int8(row, desc, 10)),
				 errhint("End the earlier post first (the upper bound of its valid), or start this one when it ends; "
						 "a person may hold different posts at once."),
				 errtableconstraint(rel, "post_no_overlap")));
}

/*
 * BEFORE INSERT OR UPDATE on post: it has a place; its person, role,
 * organization and unit exist; it lies within the organization's period,
 * and on a unit the organization covers for all of it; and the same person
 * does not hold the same post during any of it.
 */
PG_FUNCTION_INFO_V1(post_check);
Datum
post_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bool		person_null,
				role_null,
				organization_null,
				unit_null,
				valid_null,
				id_null;
	int64		person;
	char	   *role;
	int64		organization;
	char	   *unit;
	char	   *valid;
	TupleDesc	desc;
	HeapTuple	row;

	check_trigger_protocol(fcinfo, "post_check", true);
	rel = trigdata->tg_relation;
	tuple = row_after(trigdata);
	if (!changed(trigdata, "person") && !changed(trigdata, "role") && !changed(trigdata, "organization") &&
		!changed(trigdata, "unit") && !changed(trigdata, "valid") && !changed(trigdata, "id"))
		return PointerGetDatum(tuple);

	values[0] = column(rel, tuple, "person", &person_null);
	values[1] = column(rel, tuple, "role", &role_null);
	values[2] = column(rel, tuple, "organization", &organization_null);
	values[3] = column(rel, tuple, "unit", &unit_null);
	values[4] = column(rel, tuple, "valid", &valid_null);
	values[5] = column(rel, tuple, "id", &id_null);
	if (organization_null && unit_null)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("a post needs an organization or a unit"),
				 errhint("Give the organization it is held in, the unit it is held on, or both."),
				 errtableconstraint(rel, "post_has_a_place")));
	/* NOT NULL constraints refuse these */
	if (person_null || role_null || valid_null || id_null)
		return PointerGetDatum(tuple);
	nulls[2] = organization_null ? 'n' : ' ';
	nulls[3] = unit_null ? 'n' : ' ';
	person = DatumGetInt64(values[0]);
	role = TextDatumGetCString(values[1]);
	organization = organization_null ? 0 : DatumGetInt64(values[2]);
	unit = unit_null ? NULL : column_text(rel, tuple, "unit");
	valid = column_text(rel, tuple, "valid");

	row = people_query(rel, Q_POST, values, nulls, &desc);
	check_post_references(rel, row, desc, person, role, organization, unit);
	check_post_place(rel, row, desc, person, role, organization, unit, valid);
	return PointerGetDatum(tuple);
}
