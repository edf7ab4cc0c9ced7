/*
 * case_rules.c
 *		Backend-local cache of the case engine's configuration tables:
 *		category and category_rule, service_point, warning_rule.
 *
 * The tables are small and read on every insert and move, so they are read
 * whole, once, into hash tables in their own memory context.  A statement
 * trigger on each table invalidates it when its rows change (cache.c), and
 * the cache is marked stale.  It is dropped and read again only at the start
 * of the next trigger call (case_rules_refresh), never in the middle of one:
 * a trigger may hold pointers into it while a query it runs processes
 * invalidations.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "case_rules.h"
#include "gridgov.h"

/* category codes are checked to be shorter than this by the table */
#define KEY_LENGTH 64

typedef struct CategoryEntry
{
	char		category[KEY_LENGTH];
	CaseRule	by_severity[5];		/* index 1..4 */
	bool		has_rule[5];
} CategoryEntry;

typedef struct PointKey
{
	int64		unit;
	char		department[KEY_LENGTH];	/* "" for the general service point */
} PointKey;

typedef struct PointEntry
{
	PointKey	key;
	ServicePoint point;
} PointEntry;

typedef struct PointIdEntry
{
	int32		id;
	ServicePoint *point;
} PointIdEntry;

typedef struct WarningEntry
{
	char		category[KEY_LENGTH];	/* "" for the default rule */
	WarningRule rule;
} WarningEntry;

static MemoryContext rules_context = NULL;
static HTAB *categories = NULL;
static HTAB *points = NULL;
static HTAB *points_by_id = NULL;
static HTAB *warnings = NULL;
static Oid	rules_namespace = InvalidOid;
static Oid	rules_relids[4];
static bool rules_stale = false;

/* A hash table of the cache, in its memory context. */
static HTAB *
make_table(const char *name, Size keysize, Size entrysize, int flags)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = rules_context;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_CONTEXT | flags);
}

/* A key of the cache's tables: value, zero-padded, "" for NULL. */
static void
copy_key(char *dest, const char *value)
{
	memset(dest, 0, KEY_LENGTH);
	if (value != NULL)
		strlcpy(dest, value, KEY_LENGTH);
}

/* A text column of a result row, copied into the cache. */
static char *
column_text(HeapTuple tuple, TupleDesc tupdesc, int column)
{
	char	   *value = SPI_getvalue(tuple, tupdesc, column);

	return value == NULL ? NULL : MemoryContextStrdup(rules_context, value);
}

/* A numeric column of a result row, as a double. */
static double
column_double(HeapTuple tuple, TupleDesc tupdesc, int column)
{
	return strtod(SPI_getvalue(tuple, tupdesc, column), NULL);
}

/*
 * Run one of the queries below.  They run under the caller's search_path,
 * and their result is kept for the rest of the session: every operator,
 * function and type in them is qualified (coalesce and extract are syntax,
 * which the grammar itself resolves in pg_catalog).
 */
static void
run_query(const char *query_format)
{
	const char *schema = quote_identifier(get_namespace_name(rules_namespace));

	if (SPI_execute(psprintf(query_format, schema, schema), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the case engine's configuration");
}

/* Every category's rules by severity, a missing severity from the one below. */
static void
load_rules(void)
{
	uint64		i;
	int			severity;
	HASH_SEQ_STATUS scan;
	CategoryEntry *entry;

	run_query("SELECT c.code, c.department, r.severity, r.handling_level, r.limit_unit,"
			  " r.accept_limit, r.dispatch_limit, r.resolve_limit, r.verify_limit"
			  " FROM %s.category c JOIN %s.category_rule r ON r.category OPERATOR(pg_catalog.=) c.code");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		char		key[KEY_LENGTH];
		bool		found;
		CaseRule   *rule;

		copy_key(key, SPI_getvalue(tuple, tupdesc, 1));
		entry = hash_search(categories, key, HASH_ENTER, &found);
		if (!found)
			memset(entry->has_rule, 0, sizeof(entry->has_rule));
		severity = atoi(SPI_getvalue(tuple, tupdesc, 3));
		rule = &entry->by_severity[severity];
		rule->department = column_text(tuple, tupdesc, 2);
		rule->handling_level = atoi(SPI_getvalue(tuple, tupdesc, 4));
		rule->limit_unit = calendar_unit_from_name(SPI_getvalue(tuple, tupdesc, 5));
		rule->accept_limit = column_double(tuple, tupdesc, 6);
		rule->dispatch_limit = column_double(tuple, tupdesc, 7);
		rule->resolve_limit = column_double(tuple, tupdesc, 8);
		rule->verify_limit = column_double(tuple, tupdesc, 9);
		entry->has_rule[severity] = true;
	}

	/* fill each missing severity from the nearest one below it */
	hash_seq_init(&scan, categories);
	while ((entry = hash_seq_search(&scan)) != NULL)
		for (severity = 2; severity <= 4; severity++)
			if (!entry->has_rule[severity] && entry->has_rule[severity - 1])
			{
				entry->by_severity[severity] = entry->by_severity[severity - 1];
				entry->has_rule[severity] = true;
			}
}

/* Every service point, by unit and department and by id. */
static void
load_points(void)
{
	uint64		i;

	run_query("SELECT id, unit::pg_catalog.int8, level, department FROM %s.service_point");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		PointKey	key;
		PointEntry *entry;
		PointIdEntry *by_id;
		int32		id = atoi(SPI_getvalue(tuple, tupdesc, 1));

		memset(&key, 0, sizeof(key));
		key.unit = strtoll(SPI_getvalue(tuple, tupdesc, 2), NULL, 10);
		copy_key(key.department, SPI_getvalue(tuple, tupdesc, 4));
		entry = hash_search(points, &key, HASH_ENTER, NULL);
		entry->point.id = id;
		entry->point.unit = key.unit;
		entry->point.level = atoi(SPI_getvalue(tuple, tupdesc, 3));
		entry->point.department = column_text(tuple, tupdesc, 4);
		by_id = hash_search(points_by_id, &id, HASH_ENTER, NULL);
		by_id->point = &entry->point;
	}
}

/* Every warning rule, by category ("" for the default row). */
static void
load_warnings(void)
{
	uint64		i;

	run_query("SELECT coalesce(category, ''),"
			  " extract(epoch FROM time_window) OPERATOR(pg_catalog.*) 1000000, threshold"
			  " FROM %s.warning_rule");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		char		key[KEY_LENGTH];
		WarningEntry *entry;

		copy_key(key, SPI_getvalue(tuple, tupdesc, 1));
		entry = hash_search(warnings, key, HASH_ENTER, NULL);
		entry->rule.window = (int64) strtod(SPI_getvalue(tuple, tupdesc, 2), NULL);
		entry->rule.threshold = atoi(SPI_getvalue(tuple, tupdesc, 3));
	}
}

/* Read the tables, unless the cache holds them. */
static void
ensure_loaded(void)
{
	static const char *const tables[] = {"category", "category_rule", "service_point", "warning_rule"};
	size_t		i;

	if (categories != NULL)
		return;
	if (!OidIsValid(rules_namespace))
		elog(ERROR, "the case engine's schema is not known yet");

	if (rules_context == NULL)
		rules_context = AllocSetContextCreate(CacheMemoryContext, "gridgov case rules",
											  ALLOCSET_SMALL_SIZES);
	for (i = 0; i < lengthof(tables); i++)
		rules_relids[i] = get_relname_relid(tables[i], rules_namespace);

	categories = make_table("gridgov categories", KEY_LENGTH, sizeof(CategoryEntry), HASH_STRINGS);
	points = make_table("gridgov service points", sizeof(PointKey), sizeof(PointEntry), HASH_BLOBS);
	points_by_id = make_table("gridgov service points by id", sizeof(int32), sizeof(PointIdEntry), HASH_BLOBS);
	warnings = make_table("gridgov warning rules", KEY_LENGTH, sizeof(WarningEntry), HASH_STRINGS);

	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		load_rules();
		load_points();
		load_warnings();
		SPI_finish();
	}
	PG_CATCH();
	{
		MemoryContextReset(rules_context);
		categories = points = points_by_id = warnings = NULL;
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/* Drop the cache at the next trigger call: a table changed. */
static void
mark_rules_stale(void)
{
	rules_stale = true;
}

/* Register the cache with cache.c. */
void
case_rules_init(void)
{
	cache_register(mark_rules_stale, rules_relids, lengthof(rules_relids));
}

/* The tables' schema, and drop a cache marked stale. */
void
case_rules_refresh(Oid namespace)
{
	rules_namespace = namespace;
	if (rules_stale && rules_context != NULL)
	{
		MemoryContextReset(rules_context);
		categories = points = points_by_id = warnings = NULL;
	}
	rules_stale = false;
}

/* The rule of the highest severity not above the given one, or NULL. */
const CaseRule *
case_rules_category_rule(const char *category, int severity)
{
	char		key[KEY_LENGTH];
	CategoryEntry *entry;

	ensure_loaded();
	copy_key(key, category);
	entry = hash_search(categories, key, HASH_FIND, NULL);
	if (entry == NULL || severity < 1 || severity > 4 || !entry->has_rule[severity])
		return NULL;
	return &entry->by_severity[severity];
}

/* The service point of a unit, general or of a department, or NULL. */
const ServicePoint *
case_rules_service_point(int64 unit, const char *department)
{
	PointKey	key;
	PointEntry *entry;

	ensure_loaded();
	memset(&key, 0, sizeof(key));
	key.unit = unit;
	copy_key(key.department, department);
	entry = hash_search(points, &key, HASH_FIND, NULL);
	return entry ? &entry->point : NULL;
}

/* The service point with that id, or NULL. */
const ServicePoint *
case_rules_service_point_by_id(int32 id)
{
	PointIdEntry *entry;

	ensure_loaded();
	entry = hash_search(points_by_id, &id, HASH_FIND, NULL);
	return entry ? entry->point : NULL;
}

/* the rule that holds while warning_rule has no row for a case */
static const WarningRule builtin_warning_rule = {
	.window = 7 * USECS_PER_DAY,
	.threshold = 3
};

/* The category's own warning rule, else the default row, else the built-in rule. */
const WarningRule *
case_rules_warning_rule(const char *category)
{
	char		key[KEY_LENGTH];
	WarningEntry *entry;

	ensure_loaded();
	copy_key(key, category);
	entry = hash_search(warnings, key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		copy_key(key, NULL);
		entry = hash_search(warnings, key, HASH_FIND, NULL);
	}
	return entry ? &entry->rule : &builtin_warning_rule;
}
