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
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
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

/* person_login, whose changes reset the cache below */
static Oid	login_relid[1] = {InvalidOid};
/* the schema the kept plans were made for */
static Oid	plans_namespace = InvalidOid;

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

/* Forget the kept plans when the extension was created again. */
static void
use_namespace(Relation cases)
{
	if (RelationGetNamespace(cases) == plans_namespace)
		return;
	spi_plan_forget(&login_plan);
	spi_plan_forget(&person_plan);
	session_known = false;
	plans_namespace = RelationGetNamespace(cases);
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
	login_relid[0] = get_relname_relid("person_login", plans_namespace);
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
