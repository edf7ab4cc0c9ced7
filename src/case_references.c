/*
 * case_references.c
 *		What a new case refers to (its unit, category and service point),
 *		held the way a foreign-key check holds it, once per transaction.
 *
 * gridgov.cases declares its foreign keys, and PostgreSQL enforces them
 * everywhere but in one place: the check of each inserted case, whose
 * triggers the extension disables (sql/case.sql).  That check runs a
 * query per key per row, three per case, which cost intake more than all
 * its own work.  The intake trigger holds the same lock instead, FOR KEY
 * SHARE on the referenced row, and remembers for the rest of the
 * transaction that it holds it: a batch of 100,000 cases in 418 grids takes
 * a few hundred locks, not 300,000.  While this transaction lasts, no other
 * can delete a held row or change its key, and the referenced side's own
 * foreign-key triggers, still enabled, refuse to delete a row that cases
 * refer to; so no case can end up referring to nothing.
 *
 * The memory goes with the locks: at the end of the transaction, when a
 * subtransaction aborts (whose locks are released), and whenever one of
 * the referenced tables changes.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "cache.h"
#include "case_references.h"
#include "gridcode.h"
#include "gridgov.h"
#include "spi_plan.h"

/* the tables a new case refers to, by foreign keys of gridgov.cases */
typedef enum CaseReference
{
	REF_UNIT,
	REF_CATEGORY,
	REF_SERVICE_POINT,
	NUM_CASE_REFERENCES
} CaseReference;

static const char *const case_reference_tables[NUM_CASE_REFERENCES] = {"unit", "category", "service_point"};

static const char *const reference_columns[NUM_CASE_REFERENCES] = {"unit", "category", "service_point"};

/* the foreign keys of gridgov.cases, as the extension names them */
static const char *const reference_constraints[NUM_CASE_REFERENCES] = {
	"cases_unit_fkey", "cases_category_fkey", "cases_service_point_fkey"
};

/*
 * A held row, by its key: a unit's code or a service point's id in number,
 * a category's code in name.  A longer category code is not remembered,
 * only locked again each time.
 */
typedef struct HeldReference
{
	CaseReference reference;
	int64		number;
	char		name[NAMEDATALEN];
} HeldReference;

/* the referenced row, locked FOR KEY SHARE as a foreign-key check locks it */
static const SpiQuery hold_queries[NUM_CASE_REFERENCES] = {
	{"SELECT 1 FROM ONLY %1$s.unit x WHERE x.code OPERATOR(%1$s.=) $1 FOR KEY SHARE OF x",
	1, {SPI_PLAN_GRIDCODE}},
	{"SELECT 1 FROM ONLY %1$s.category x WHERE x.code OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x",
	1, {TEXTOID}},
	{"SELECT 1 FROM ONLY %1$s.service_point x WHERE x.id OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x",
	1, {INT4OID}},
};

static SPIPlanPtr hold_plans[NUM_CASE_REFERENCES];

static HTAB *held = NULL;
static bool held_stale = false;
static Oid	referenced_relids[NUM_CASE_REFERENCES];

/* Called from invalidation and transaction callbacks: only mark. */
static void
forget_held(void)
{
	held_stale = true;
}

/* The memory of held rows goes with the transaction and the tables' changes. */
void
case_references_init(void)
{
	cache_register_transaction_memory(forget_held);
	cache_register(forget_held, referenced_relids, NUM_CASE_REFERENCES);
}

/*
 * Whether the row of the referenced table exists, locked FOR KEY SHARE as a
 * foreign-key check locks it: as the tables' owner (spi_plan_run), whose
 * queries row security does not filter, so that the check does not depend
 * on what the inserting user may see.
 */
static bool
lock_referenced_row(CaseReference reference, Datum key)
{
	bool		found;

	spi_plan_run(&hold_plans[reference], &hold_queries[reference], &key, NULL, false, 1);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* Hold one referenced row, unless this transaction holds it already. */
static void
hold(Relation cases, CaseReference reference, int64 number, const char *name)
{
	HeldReference key;
	bool		remembered = name == NULL || strlen(name) < NAMEDATALEN;
	Datum		value;

	if (held_stale && held != NULL)
	{
		hash_destroy(held);
		held = NULL;
	}
	held_stale = false;
	if (held == NULL)
	{
		HASHCTL		ctl;
		int			i;

		/* before the first lock, so that a change arriving meanwhile counts */
		for (i = 0; i < NUM_CASE_REFERENCES; i++)
			referenced_relids[i] = get_relname_relid(case_reference_tables[i], RelationGetNamespace(cases));
		ctl.keysize = sizeof(HeldReference);
		ctl.entrysize = sizeof(HeldReference);
		ctl.hcxt = TopMemoryContext;
		held = hash_create("gridgov held references", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	memset(&key, 0, sizeof(key));
	key.reference = reference;
	key.number = number;
	if (name != NULL && remembered)
		strlcpy(key.name, name, NAMEDATALEN);
	if (remembered && hash_search(held, &key, HASH_FIND, NULL) != NULL)
		return;

	switch (reference)
	{
		case REF_UNIT:
			value = GridcodeGetDatum(number);
			break;
		case REF_CATEGORY:
			value = CStringGetTextDatum(name);
			break;
		default:
			value = Int32GetDatum((int32) number);
			break;
	}
	if (!lock_referenced_row(reference, value))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("insert or update on table \"%s\" violates foreign key constraint \"%s\"",
						RelationGetRelationName(cases), reference_constraints[reference]),
				 errdetail("Key (%s)=(%s) is not present in table \"%s\".", reference_columns[reference],
						   reference == REF_UNIT ? DatumGetCString(DirectFunctionCall1(gridcode_out, value)) :
						   reference == REF_CATEGORY ? name : psprintf(INT64_FORMAT, number),
						   case_reference_tables[reference]),
				 errtableconstraint(cases, reference_constraints[reference])));

	/* a change to a referenced table while locking made the memory stale */
	if (remembered && !held_stale)
		hash_search(held, &key, HASH_ENTER, NULL);
}

/*
 * Hold a new case's references; service_point 0 is none.  Called for each
 * inserted row by the intake's statement trigger, which sees the rows as
 * they were stored, after every BEFORE trigger.
 */
void
case_references_hold(Relation cases, int64 unit, const char *category, int32 service_point)
{
	hold(cases, REF_UNIT, unit, NULL);
	hold(cases, REF_CATEGORY, 0, category);
	if (service_point != 0)
		hold(cases, REF_SERVICE_POINT, service_point, NULL);
}
