/*
 * case_handler.c
 *		The people of a case: which person the acting role is, and whether
 *		the person who takes a case holds a post at its service point.
 *
 * gridgov.person_login maps a login role to a person.  The engine asks it
 * at every report and move, so the answer is kept per backend, for the
 * role last asked about, until person_login changes (cache.c).  The
 * queries run as the owner of the cases table (spi_plan.c): person_login
 * and post are the owner's, and a handler's post must be found whatever
 * the moving role may read.
 *
 * A service point is run by an organization that covers its unit
 * (service_point_check, a trigger here): the organization's people are
 * the ones who may take its cases.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "cache.h"
#include "case_handler.h"
#include "spi_plan.h"

/* the person of a role; %1$s is the tables' schema */
static const SpiQuery login_query = {
	"SELECT l.person FROM %1$s.person_login l WHERE l.login OPERATOR(pg_catalog.=) $1",
	1, {REGROLEOID}
};
static SPIPlanPtr login_plan = NULL;

/* whether a person exists */
static const SpiQuery person_query = {
	"SELECT FROM %1$s.person p WHERE p.id OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}
};
static SPIPlanPtr person_plan = NULL;

/* a service point's organization: exists, its name, covers the unit today */
static const SpiQuery organization_query = {
	"SELECT o.id IS NOT NULL, o.name, EXISTS (SELECT FROM %1$s.organization_unit c"
	"   WHERE c.organization OPERATOR(pg_catalog.=) $1 AND c.unit OPERATOR(%1$s.@>) $2"
	"     AND c.valid OPERATOR(pg_catalog.@>) CURRENT_DATE)"
	" FROM (SELECT) AS one"
	" LEFT JOIN %1$s.organization o ON o.id OPERATOR(pg_catalog.=) $1",
	2, {INT8OID, SPI_PLAN_GRIDCODE}
};
static SPIPlanPtr organization_plan = NULL;

/*
 * handler, service point, day: whether the person exists, the point's name,
 * organization and unit, and whether the person holds a post that day in
 * the point's organization or on its unit (the person's few posts by the
 * btree on person, fenced off from the exclusion constraint's GiST index)
 */
static const SpiQuery handler_query = {
	"SELECT EXISTS (SELECT FROM %1$s.person pe WHERE pe.id OPERATOR(pg_catalog.=) $1),"
	" sp.name, sp.organization, sp.unit::pg_catalog.text,"
	" EXISTS (SELECT FROM (SELECT * FROM %1$s.post p WHERE p.person OPERATOR(pg_catalog.=) $1 OFFSET 0) p"
	"   WHERE p.valid OPERATOR(pg_catalog.@>) $3"
	"     AND (p.organization OPERATOR(pg_catalog.=) sp.organization OR p.unit OPERATOR(%1$s.=) sp.unit))"
	" FROM (SELECT) AS one"
	" LEFT JOIN %1$s.service_point sp ON sp.id OPERATOR(pg_catalog.=) $2",
	3, {INT8OID, INT4OID, DATEOID}
};
static SPIPlanPtr handler_plan = NULL;

/* a case taken by a person who holds no post at its service point */
#define ERRCODE_HANDLER_WITHOUT_POST	MAKE_SQLSTATE('G','G','0','0','7')

/* person_login, whose changes reset the cache below */
static Oid	login_relid[1] = {InvalidOid};
/* the schema of the extension's tables, where person_login is found */
static Oid	tables_namespace = InvalidOid;

/* the role last asked about and its person (0: none); valid until reset */
static bool session_known = false;
static Oid	session_role = InvalidOid;
static int64 session_person = 0;

/* person_login changed: ask again at the next use. */
static void
forget_session_person(void)
{
	session_known = false;
}

/* Register the cache of the session's person with cache.c. */
void
case_handler_init(void)
{
	cache_register(forget_session_person, login_relid, lengthof(login_relid));
}

/*
 * The extension's schema, from its cases table: in another one (the
 * extension created again) the session's person is looked up again; the
 * kept plans spi_plan.c forgets by itself.
 */
static void
use_namespace(Relation cases)
{
	if (RelationGetNamespace(cases) == tables_namespace)
		return;
	session_known = false;
	tables_namespace = RelationGetNamespace(cases);
}

/*
 * The person the role in effect in the session is (SET ROLE included, not
 * the owner of a SECURITY DEFINER function: the engine records its caller,
 * as it does for the actor), 0 when person_login has no row for it.
 */
int64
case_handler_session_person(Relation cases)
{
	Oid			role = GetOuterUserId();
	Datum		value = ObjectIdGetDatum(role);
	TupleDesc	desc;
	HeapTuple	row;
	bool		isnull;

	use_namespace(cases);
	if (session_known && session_role == role)
		return session_person;
	/* filled before reading, so that a change during the read is not missed */
	login_relid[0] = get_relname_relid("person_login", tables_namespace);
	row = spi_plan_first_row_as_owner(cases, &login_plan, &login_query, &value, NULL, &desc);
	session_person = 0;
	if (row != NULL)
	{
		Datum		person = heap_getattr(row, 1, desc, &isnull);

		session_person = isnull ? 0 : DatumGetInt64(person);
	}
	session_role = role;
	session_known = true;
	return session_person;
}

/*
 * Refuse a person named for a case (in column what) who does not exist,
 * before the foreign key would, with a hint.
 */
void
case_handler_check_person(Relation cases, int64 person, int64 case_id, const char *what)
{
	Datum		value = Int64GetDatum(person);
	TupleDesc	desc;

	use_namespace(cases);
	if (spi_plan_first_row_as_owner(cases, &person_plan, &person_query, &value, NULL, &desc) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("person " INT64_FORMAT " named as %s of case " INT64_FORMAT " does not exist",
						person, what, case_id),
				 errhint("Insert the person into gridgov.person first.")));
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on service_point: the organization
 * that runs the point exists (23503, before the foreign key, with a hint)
 * and covers the point's unit today (23514).  Coverage that ends later is
 * not followed: see docs/people.md, "Service points".
 */
PG_FUNCTION_INFO_V1(service_point_check);
Datum
service_point_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	tupdesc;
	TupleDesc	desc;
	HeapTuple	row;
	Datum		args[2];
	bool		isnull;
	bool		unit_null;
	char	   *name;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		elog(ERROR, "service_point_check must be a BEFORE INSERT OR UPDATE FOR EACH ROW trigger");
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	tupdesc = RelationGetDescr(trigdata->tg_relation);
	args[0] = SPI_getbinval(tuple, tupdesc, SPI_fnumber(tupdesc, "organization"), &isnull);
	args[1] = SPI_getbinval(tuple, tupdesc, SPI_fnumber(tupdesc, "unit"), &unit_null);
	/* no organization yet, or no unit (NOT NULL says so) */
	if (isnull || unit_null)
		return PointerGetDatum(tuple);

	use_namespace(trigdata->tg_relation);
	row = spi_plan_first_row_as_owner(trigdata->tg_relation, &organization_plan, &organization_query,
									  args, NULL, &desc);
	name = SPI_getvalue(tuple, tupdesc, SPI_fnumber(tupdesc, "name"));
	if (!DatumGetBool(heap_getattr(row, 1, desc, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("organization " INT64_FORMAT " of service point \"%s\" does not exist",
						DatumGetInt64(args[0]), name ? name : ""),
				 errhint("Insert the organization into gridgov.organization first, or leave organization NULL.")));
	if (!DatumGetBool(heap_getattr(row, 3, desc, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("organization " INT64_FORMAT " (%s) does not cover unit %s of service point \"%s\" today",
						DatumGetInt64(args[0]), TextDatumGetCString(heap_getattr(row, 2, desc, &isnull)),
						SPI_getvalue(tuple, tupdesc, SPI_fnumber(tupdesc, "unit")), name ? name : ""),
				 errhint("Have the organization cover the unit or a unit above it (gridgov.organization_unit),"
						 " or attach the service point to an organization that does.")));
	return PointerGetDatum(tuple);
}

/*
 * Refuse a handler for a case at a service point, on the day of at (in the
 * session's time zone), who does not exist (23503) or holds no post that
 * day in the organization that runs the point or on its unit (GG007).
 */
void
case_handler_check(Relation cases, int64 case_id, int64 person, int32 service_point, TimestampTz at)
{
	Datum		args[3];
	TupleDesc	desc;
	HeapTuple	row;
	bool		isnull;
	bool		no_organization;
	Datum		organization;

	args[0] = Int64GetDatum(person);
	args[1] = Int32GetDatum(service_point);
	args[2] = DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(at));
	use_namespace(cases);
	row = spi_plan_first_row_as_owner(cases, &handler_plan, &handler_query, args, NULL, &desc);
	if (!DatumGetBool(heap_getattr(row, 1, desc, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("person " INT64_FORMAT " named as handler of case " INT64_FORMAT " does not exist",
						person, case_id),
				 errhint("Insert the person into gridgov.person first, and give them a post at the service point.")));
	if (DatumGetBool(heap_getattr(row, 5, desc, &isnull)))
		return;
	organization = heap_getattr(row, 3, desc, &no_organization);
	ereport(ERROR,
			(errcode(ERRCODE_HANDLER_WITHOUT_POST),
			 errmsg("person " INT64_FORMAT " holds no post at service point %d (%s) and cannot handle case " INT64_FORMAT,
					person, service_point, TextDatumGetCString(heap_getattr(row, 2, desc, &isnull)), case_id),
			 no_organization ?
			 errdetail("A handler holds a post, on the day of the move, on the service point's unit %s; no organization runs it.",
					   TextDatumGetCString(heap_getattr(row, 4, desc, &isnull))) :
			 errdetail("A handler holds a post, on the day of the move, in organization " INT64_FORMAT
					   ", which runs the service point, or on its unit %s.",
					   DatumGetInt64(organization), TextDatumGetCString(heap_getattr(row, 4, desc, &isnull))),
			 errhint("Name a handler who holds such a post (handler =>), or give the person one in gridgov.post.")));
}
