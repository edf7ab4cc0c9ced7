/*
 * spi_plan.c
 *		Queries planned once per backend and kept: the case engine's and
 *		the people pillar's.
 *
 * Every name in them is schema-qualified, operators included, so the
 * session's search_path cannot change what they mean.  The plans depend on
 * the tables they read; PostgreSQL's plan cache replans them by itself
 * after DDL on those tables.  Each file keeps the plans of its own queries
 * (grid_index.c, case_history.c, case_references.c, case_engine.c,
 * people.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "spi_plan.h"

static Oid	plan_namespace = InvalidOid;
static Oid	plan_geometry = InvalidOid;

/*
 * The kept plans, and the gridcode type of the extension they were prepared
 * for: they name its tables and types, so they are forgotten when the
 * extension is dropped and created again in the session.
 */
#define MAX_KEPT_PLANS 64
static SPIPlanPtr *kept_plans[MAX_KEPT_PLANS];
static int	kept_plan_count = 0;
static Oid	kept_plans_gridcode = InvalidOid;

/* The OID of the type called name in schema namespace. */
static Oid
type_in(const char *name, Oid namespace)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(name), ObjectIdGetDatum(namespace));

	if (!OidIsValid(typid))
		elog(ERROR, "type %s not found in schema %s", name, get_namespace_name(namespace));
	return typid;
}

/* The schema of a type: PostGIS's is wherever its geometry lives. */
static Oid
type_namespace(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Oid			namespace;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", typid);
	namespace = ((Form_pg_type) GETSTRUCT(tuple))->typnamespace;
	ReleaseSysCache(tuple);
	return namespace;
}

/* List a kept plan's variable once, however often it is prepared again. */
static void
remember_kept_plan(SPIPlanPtr *plan)
{
	for (int i = 0; i < kept_plan_count; i++)
		if (kept_plans[i] == plan)
			return;
	if (kept_plan_count == MAX_KEPT_PLANS)
		elog(ERROR, "more than %d kept gridgov plans", MAX_KEPT_PLANS);
	kept_plans[kept_plan_count++] = plan;
}

/*
 * Forget every kept plan when the schema's gridcode type is not the one
 * they were prepared for: the extension was created again, in a new schema
 * or in one kept from before (a new schema or a new PostGIS means a new
 * gridgov, so its type tells them all).
 */
static void
forget_plans_of_another_extension(Oid namespace)
{
	Oid			gridcode = type_in("gridcode", namespace);

	if (gridcode == kept_plans_gridcode)
		return;
	for (int i = 0; i < kept_plan_count; i++)
		spi_plan_forget(kept_plans[i]);
	kept_plan_count = 0;
	kept_plans_gridcode = gridcode;
}

/* Remember the schema and geometry type that the case triggers found. */
void
spi_plan_use_schema(Oid namespace, Oid geometry_type)
{
	forget_plans_of_another_extension(namespace);
	plan_namespace = namespace;
	plan_geometry = geometry_type;
}

/* The schema of the case tables, as last seen by a trigger. */
Oid
spi_plan_namespace(void)
{
	return plan_namespace;
}

/*
 * Prepare query into *plan and keep it, with the given schema as %1$s and,
 * when geometry is valid, PostGIS's schema as %2$s; SPI connected.
 */
static SPIPlanPtr
prepare(SPIPlanPtr *plan, const SpiQuery *query, Oid namespace, Oid geometry)
{
	const char *gg = quote_identifier(get_namespace_name(namespace));
	const char *gis = OidIsValid(geometry) ? quote_identifier(get_namespace_name(type_namespace(geometry))) : "";
	Oid			argtypes[SPI_PLAN_MAX_ARGS];
	int			i;

	for (i = 0; i < query->nargs; i++)
	{
		if (query->argtypes[i] == SPI_PLAN_GRIDCODE)
			argtypes[i] = type_in("gridcode", namespace);
		else if (query->argtypes[i] == SPI_PLAN_GEOMETRY && OidIsValid(geometry))
			argtypes[i] = geometry;
		else if (query->argtypes[i] == SPI_PLAN_GEOMETRY)
			elog(ERROR, "a query without PostGIS's schema takes a geometry");
		else
			argtypes[i] = query->argtypes[i];
	}

	*plan = SPI_prepare(psprintf(query->text, gg, gis), query->nargs, argtypes);
	if (*plan == NULL)
		elog(ERROR, "could not prepare a gridgov query: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(*plan);
	return *plan;
}

/*
 * The kept plan of query, prepared into *plan on its first use: inside an
 * SPI connection, as SPI_prepare needs one.
 */
SPIPlanPtr
spi_plan_get(SPIPlanPtr *plan, const SpiQuery *query)
{
	if (*plan != NULL)
		return *plan;
	if (!OidIsValid(plan_namespace))
		elog(ERROR, "the case engine's schema is not known yet");
	prepare(plan, query, plan_namespace, plan_geometry);
	remember_kept_plan(plan);
	return *plan;
}

/*
 * The same for a query over the tables of the given schema that names no
 * PostGIS object (the people pillar's, whose triggers know their schema).
 */
SPIPlanPtr
spi_plan_get_in(SPIPlanPtr *plan, const SpiQuery *query, Oid namespace)
{
	forget_plans_of_another_extension(namespace);
	if (*plan != NULL)
		return *plan;
	prepare(plan, query, namespace, InvalidOid);
	remember_kept_plan(plan);
	return *plan;
}

/* Free a kept plan: its query's text changed. */
void
spi_plan_forget(SPIPlanPtr *plan)
{
	if (*plan != NULL)
		SPI_freeplan(*plan);
	*plan = NULL;
}

/* The owner of a table, from the catalog: whom gridgov's own reads and writes run as. */
Oid
spi_plan_table_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Execute a kept plan of the case engine as the owner of gridgov.cases,
 * whose queries row-level security does not filter: what the engine reads
 * and writes (the grids it routes by, the history it appends) must not
 * depend on what the session's role may see (docs/access.md).
 */
int
spi_plan_execute(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long limit)
{
	Oid			owner = spi_plan_table_owner(get_relname_relid("cases", plan_namespace));
	Oid			save_userid;
	int			save_sec_context;
	int			result;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	result = SPI_execute_plan(plan, values, nulls, read_only, limit);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return result;
}

/* Run a query's kept plan, inside its own SPI connection, as spi_plan_execute. */
int
spi_plan_run(SPIPlanPtr *plan, const SpiQuery *query, Datum *values, const char *nulls,
			 bool read_only, long limit)
{
	int			result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = spi_plan_execute(spi_plan_get(plan, query), values, nulls, read_only, limit);
	if (result < 0)
		elog(ERROR, "case engine query failed: %s", SPI_result_code_string(result));
	return result;
}

/*
 * Run a query's kept plan over the tables of rel's schema as the owner of
 * rel, as PostgreSQL's foreign-key checks run: the answer does not depend
 * on what the writing role may read, and row-level security hides nothing.
 * Returns the first row (NULL when none), copied out of SPI, and its
 * descriptor in *tupdesc.
 */
HeapTuple
spi_plan_first_row_as_owner(Relation rel, SPIPlanPtr *plan, const SpiQuery *query,
							Datum *values, const char *nulls, TupleDesc *tupdesc)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			save_userid;
	int			save_sec_context;
	int			result;
	HeapTuple	row = NULL;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = SPI_execute_plan(spi_plan_get_in(plan, query, RelationGetNamespace(rel)),
							  values, nulls, false, 1);
	if (result < 0)
		elog(ERROR, "gridgov query failed: %s", SPI_result_code_string(result));
	if (SPI_processed > 0)
	{
		/* SPI_finish frees the result: keep the row where the caller is */
		MemoryContext spi = MemoryContextSwitchTo(caller);

		row = heap_copytuple(SPI_tuptable->vals[0]);
		*tupdesc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return row;
}
