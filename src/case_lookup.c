/*
 * case_lookup.c
 *		The queries the case triggers run, each planned once per backend
 *		and kept (SPI_keepplan).
 *
 * Every name in them is schema-qualified, operators included, so the
 * session's search_path cannot change what they mean.  The plans depend on
 * the tables they read; PostgreSQL's plan cache replans them by itself
 * after DDL on those tables.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "case_engine.h"
#include "grid_index.h"
#include "gridcell.h"
#include "gridgov.h"

typedef enum LookupQuery
{
	Q_GRID_AT_POINT,
	Q_GRID_BOUNDARIES,
	Q_RECENT_CASES,
	Q_CASE_EXISTS,
	Q_APPEND_HISTORY,
	NUM_QUERIES
} LookupQuery;

static SPIPlanPtr plans[NUM_QUERIES];
static Oid	lookup_namespace = InvalidOid;
static Oid	lookup_geometry = InvalidOid;

static Oid
type_in(const char *name, Oid namespace)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(name), ObjectIdGetDatum(namespace));

	if (!OidIsValid(typid))
		elog(ERROR, "type %s not found in schema %s", name, get_namespace_name(namespace));
	return typid;
}

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

static SPIPlanPtr
plan_for(LookupQuery query)
{
	const char *gg;
	const char *gis;
	Oid			postgis_namespace;
	Oid			gridcode;
	const char *text;
	Oid			argtypes[13];
	int			nargs;
	SPIPlanPtr	plan;

	if (plans[query] != NULL)
		return plans[query];
	if (!OidIsValid(lookup_namespace))
		elog(ERROR, "the case engine's schema is not known yet");

	postgis_namespace = type_namespace(lookup_geometry);
	gg = quote_identifier(get_namespace_name(lookup_namespace));
	gis = quote_identifier(get_namespace_name(postgis_namespace));
	gridcode = type_in("gridcode", lookup_namespace);

	switch (query)
	{
		case Q_GRID_AT_POINT:
			text = psprintf("SELECT u.code FROM %s.unit u"
							" WHERE u.level OPERATOR(pg_catalog.=) 6"
							" AND %s.st_covers(u.boundary, $1)"
							" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
							" ORDER BY u.code LIMIT 1", gg, gis);
			argtypes[0] = lookup_geometry;
			nargs = 1;
			break;
		case Q_GRID_BOUNDARIES:
			/* ST_IsValidDetail, unlike ST_IsValid, does not raise notices */
			text = psprintf("SELECT u.code, u.valid_to, u.boundary,"
							" (%s.st_isvaliddetail(u.boundary)).valid"
							" AND %s.st_ymin(u.boundary) OPERATOR(pg_catalog.>) -88"
							" AND %s.st_ymax(u.boundary) OPERATOR(pg_catalog.<) 88"
							" FROM %s.unit u"
							" WHERE u.level OPERATOR(pg_catalog.=) 6 AND u.boundary IS NOT NULL"
							" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())",
							gis, gis, gis, gg);
			nargs = 0;
			break;
		case Q_RECENT_CASES:
			text = psprintf("SELECT pg_catalog.array_agg(c.id ORDER BY c.id) FROM %s.cases c"
							" WHERE c.unit OPERATOR(%s.=) $1 AND c.category OPERATOR(pg_catalog.=) $2"
							" AND c.reported_at OPERATOR(pg_catalog.>=) $3"
							" AND c.reported_at OPERATOR(pg_catalog.<=) $4"
							" AND c.status OPERATOR(pg_catalog.<>) ALL ('{rejected,merged}'::text[])",
							gg, gg);
			argtypes[0] = gridcode;
			argtypes[1] = TEXTOID;
			argtypes[2] = TIMESTAMPTZOID;
			argtypes[3] = TIMESTAMPTZOID;
			nargs = 4;
			break;
		case Q_CASE_EXISTS:
			text = psprintf("SELECT 1 FROM %s.cases WHERE id OPERATOR(pg_catalog.=) $1", gg);
			argtypes[0] = INT8OID;
			nargs = 1;
			break;
		case Q_APPEND_HISTORY:
			text = psprintf("INSERT INTO %s.case_history (district, case_id, seq, at, actor, action,"
							" from_status, to_status, handling_level, service_point, escalation_trigger,"
							" note, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", gg);
			argtypes[0] = gridcode;
			argtypes[1] = INT8OID;
			argtypes[2] = INT4OID;
			argtypes[3] = TIMESTAMPTZOID;
			argtypes[4] = TEXTOID;
			argtypes[5] = TEXTOID;
			argtypes[6] = TEXTOID;
			argtypes[7] = TEXTOID;
			argtypes[8] = INT4OID;
			argtypes[9] = INT4OID;
			argtypes[10] = TEXTOID;
			argtypes[11] = TEXTOID;
			argtypes[12] = BYTEAOID;
			nargs = 13;
			break;
		default:
			elog(ERROR, "unknown case engine query %d", query);
	}

	plan = SPI_prepare(text, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare a case engine query: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	plans[query] = plan;
	return plan;
}

/* Run a kept plan, inside its own SPI connection. */
static int
run(LookupQuery query, Datum *values, const char *nulls, bool read_only, long limit)
{
	int			result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = SPI_execute_plan(plan_for(query), values, nulls, read_only, limit);
	if (result < 0)
		elog(ERROR, "case engine query failed: %s", SPI_result_code_string(result));
	return result;
}

void
case_lookup_use_schema(Oid namespace, Oid geometry_type)
{
	lookup_namespace = namespace;
	lookup_geometry = geometry_type;
}

/*
 * The grid covering the point, 0 if none: from the backend's grid index
 * (grid_index.c) when it is sure, else from PostGIS.
 */
int64
grid_at_point(Datum point)
{
	Datum		values[1] = {point};
	int64		grid = 0;
	double		lng;
	double		lat;
	bool		isnull;

	gridcell_read_point(point, &lng, &lat, "case routing");
	if (grid_index_lookup(lookup_namespace, lng, lat, &grid) == GRID_INDEX_SURE)
		return grid;

	run(Q_GRID_AT_POINT, values, NULL, true, 1);
	if (SPI_processed > 0)
	{
		Datum		code = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			grid = DatumGetGridcode(code);
	}
	SPI_finish();
	return grid;
}

void
grid_boundaries(GridBoundaryCallback callback, void *arg)
{
	uint64		i;

	run(Q_GRID_BOUNDARIES, NULL, NULL, true, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		code = DatumGetGridcode(SPI_getbinval(tuple, desc, 1, &isnull));
		Datum		valid_to = SPI_getbinval(tuple, desc, 2, &isnull);
		TimestampTz until = isnull ? DT_NOEND : DatumGetTimestampTz(valid_to);
		Datum		boundary = SPI_getbinval(tuple, desc, 3, &isnull);
		Datum		valid = SPI_getbinval(tuple, desc, 4, &isnull);

		callback(arg, code, until, boundary, !isnull && DatumGetBool(valid));
	}
	SPI_finish();
}

/* Ids of the unit's cases of a category reported in [from, to], or NULL. */
ArrayType *
recent_cases(int64 unit, const char *category, TimestampTz from, TimestampTz to)
{
	Datum		values[4];
	ArrayType  *result = NULL;
	bool		isnull;
	Datum		ids;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = GridcodeGetDatum(unit);
	values[1] = CStringGetTextDatum(category);
	values[2] = TimestampTzGetDatum(from);
	values[3] = TimestampTzGetDatum(to);
	/* not read-only: see the rows this same statement inserted before */
	run(Q_RECENT_CASES, values, NULL, false, 1);
	ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
	{
		/* copy into the caller's memory: SPI_finish frees SPI's own */
		MemoryContext spi = MemoryContextSwitchTo(caller);

		result = DatumGetArrayTypePCopy(ids);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return result;
}

bool
case_exists(int64 case_id)
{
	Datum		values[1] = {Int64GetDatum(case_id)};
	bool		found;

	run(Q_CASE_EXISTS, values, NULL, false, 1);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

void
history_append(Datum district, Datum case_id, Datum seq, Datum at, const char *actor,
			   const char *action, const char *from_status, const char *to_status,
			   int32 level, int32 service_point, const char *escalation_trigger,
			   const char *note, Datum hash)
{
	Datum		values[13];
	char		nulls[13];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = district;
	values[1] = case_id;
	values[2] = seq;
	values[3] = at;
	values[4] = CStringGetTextDatum(actor);
	values[5] = CStringGetTextDatum(action);
	if (from_status)
		values[6] = CStringGetTextDatum(from_status);
	else
		nulls[6] = 'n';
	values[7] = CStringGetTextDatum(to_status);
	values[8] = Int32GetDatum(level);
	nulls[8] = level > 0 ? ' ' : 'n';
	values[9] = Int32GetDatum(service_point);
	nulls[9] = service_point > 0 ? ' ' : 'n';
	if (escalation_trigger)
		values[10] = CStringGetTextDatum(escalation_trigger);
	else
		nulls[10] = 'n';
	if (note)
		values[11] = CStringGetTextDatum(note);
	else
		nulls[11] = 'n';
	values[12] = hash;

	if (run(Q_APPEND_HISTORY, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not append to the case history");
	SPI_finish();
}
