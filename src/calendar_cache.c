/*
 * calendar_cache.c
 *		The backend's cache of the working calendar's tables: loading it,
 *		forgetting it when a table changes, and its arrays of workday counts.
 *
 * The case engine counts its time limits in a row trigger, so a calendar
 * question must not touch a table.  Both tables are loaded once per backend
 * into a cache (dropped when either table changes, see cache.h):
 * exceptions to the weekday rule as a sorted array with a running sum of
 * how much each one changes the count of workdays, the working periods by
 * start, and, for the twenty years around today and the exceptions, each
 * day's workday flag and count, so that most questions are a lookup.
 * calendar.c answers every question from it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "cache.h"
#include "calendar_cache.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

static CalendarCache *calendar_cache = NULL;
static bool calendar_cache_valid = false;
static uint64 calendar_generation = 0;

/* what the cache was read from, for cache.c: calendar_day, work_period, calendar_year */
static Oid	calendar_relids[3];

/*
 * Called from invalidation processing (cache.c) and when a transaction ends
 * with a transient cache: only mark it stale, calendar_get frees it.
 */
static void
calendar_reset(void)
{
	calendar_cache_valid = false;
	calendar_generation++;
}

/* At a transaction's end, forget a cache built from tables it changed. */
static void
calendar_xact_callback(XactEvent event, void *arg)
{
	if (calendar_cache != NULL && calendar_cache->transient)
		calendar_reset();
}

/*
 * The schema gridgov, whatever schema the extension is registered in (the
 * creation schema, public normally, or gridgov in an install updated from a
 * version before 0.8.0 and in its restored dumps).
 */
static Oid
calendar_namespace(void)
{
	bool		isnull;
	Datum		nsp;

	if (SPI_execute("SELECT n.oid FROM pg_catalog.pg_extension e"
					"  JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) 'gridgov'"
					" WHERE e.extname OPERATOR(pg_catalog.=) 'gridgov'", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the gridgov extension");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"gridgov\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION gridgov CASCADE.")));
	nsp = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetObjectId(nsp);
}

/* The OID of one of the calendar's tables in that schema, or an error naming it. */
static Oid
calendar_table(Oid nsp, const char *relname)
{
	Oid			relid = get_relname_relid(relname, nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s.%s of the working calendar is missing",
						get_namespace_name(nsp), relname),
				 errhint("Update the extension with ALTER EXTENSION gridgov UPDATE.")));
	return relid;
}

/*
 * Run a query on the calendar's tables and return its rows.  In a normal
 * backend it reads the latest committed state, like a catalog lookup: the
 * cache outlives the statement, and a change committed after this snapshot
 * is bound to send its invalidation later, whereas one read through an
 * older (say REPEATABLE READ) snapshot could stay unseen until the table
 * next changed.  Parallel workers may not take snapshots, so in parallel
 * mode the query snapshot is used and the cache is dropped with the
 * transaction.
 */
static SPITupleTable *
calendar_query(const char *query)
{
	SPIPlanPtr	plan = SPI_prepare(query, 0, NULL);
	Snapshot	snapshot = IsInParallelMode() ? GetActiveSnapshot() : GetLatestSnapshot();

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", query, SPI_result_code_string(SPI_result));
	if (SPI_execute_snapshot(plan, NULL, NULL, snapshot, InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the working calendar: \"%s\"", query);
	return SPI_tuptable;
}

static void build_dense_days(CalendarCache *c);

/*
 * The horizon: the end of the run of years in calendar_year that starts at
 * the first.  A database not yet updated to 0.8.0 has no calendar_year and
 * no horizon (DATEVAL_NOEND: every deadline exact, as before).
 */
static void
load_horizon(CalendarCache *c, const char *schema)
{
	SPITupleTable *rows;
	int			last = 0;
	int			i;

	c->horizon = DATEVAL_NOEND;
	if (!OidIsValid(calendar_relids[2]))
		return;
	rows = calendar_query(psprintf("SELECT year FROM %s.calendar_year ORDER BY year", schema));
	for (i = 0; i < (int) SPI_processed; i++)
	{
		bool		isnull;
		int			year = DatumGetInt32(SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &isnull));

		if (i > 0 && year != last + 1)
			break;
		last = year;
	}
	c->horizon = SPI_processed == 0 ? DATEVAL_NOBEGIN : date2j(last, 12, 31) - POSTGRES_EPOCH_JDATE;
}

/* Read both calendar tables into a new cache. */
static CalendarCache *
calendar_load(void)
{
	MemoryContext context;
	CalendarCache *c;
	Oid			nsp;
	const char *schema;
	SPITupleTable *rows;
	int			i;

	/* a child of the caller's context until complete, so an error frees it */
	context = AllocSetContextCreate(CurrentMemoryContext, "gridgov calendar", ALLOCSET_SMALL_SIZES);
	c = MemoryContextAllocZero(context, sizeof(CalendarCache));
	c->context = context;
	c->transient = IsInParallelMode();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	nsp = calendar_namespace();
	/* before reading them, so that a change during the load resets us */
	calendar_relids[0] = calendar_table(nsp, "calendar_day");
	calendar_relids[1] = calendar_table(nsp, "work_period");
	calendar_relids[2] = get_relname_relid("calendar_year", nsp);
	schema = quote_identifier(get_namespace_name(nsp));

	rows = calendar_query(psprintf("SELECT day, is_workday FROM %s.calendar_day ORDER BY day", schema));
	c->nexceptions = (int) SPI_processed;
	c->exception_day = MemoryContextAlloc(context, sizeof(int64) * (c->nexceptions + 1));
	c->exception_workday = MemoryContextAlloc(context, sizeof(bool) * (c->nexceptions + 1));
	c->shift = MemoryContextAlloc(context, sizeof(int64) * (c->nexceptions + 1));
	c->shift[0] = 0;
	for (i = 0; i < c->nexceptions; i++)
	{
		bool		isnull;
		int64		day = DatumGetDateADT(SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &isnull));
		bool		workday = DatumGetBool(SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull));

		c->exception_day[i] = day;
		c->exception_workday[i] = workday;
		c->shift[i + 1] = c->shift[i] + (int) workday - (int) calendar_cache_weekday_rule(day);
	}

	rows = calendar_query(psprintf("SELECT starts, ends FROM %s.work_period ORDER BY starts", schema));
	c->nperiods = (int) SPI_processed;
	c->period_start = MemoryContextAlloc(context, sizeof(int64) * (c->nperiods + 1));
	c->period_end = MemoryContextAlloc(context, sizeof(int64) * (c->nperiods + 1));
	c->day_usecs = 0;
	for (i = 0; i < c->nperiods; i++)
	{
		bool		isnull;

		c->period_start[i] = DatumGetTimeADT(SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &isnull));
		c->period_end[i] = DatumGetTimeADT(SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull));
		c->day_usecs += c->period_end[i] - c->period_start[i];
	}

	load_horizon(c, schema);
	SPI_finish();
	build_dense_days(c);
	MemoryContextSetParent(context, TopMemoryContext);
	return c;
}

/* The backend's calendar cache, loaded when missing. */
CalendarCache *
calendar_cache_get(void)
{
	if (calendar_cache_valid)
		return calendar_cache;

	if (calendar_cache != NULL)
	{
		MemoryContextDelete(calendar_cache->context);
		calendar_cache = NULL;
	}
	for (;;)
	{
		uint64		generation = calendar_generation;
		CalendarCache *c = calendar_load();

		/* a table changed while we read it: read again */
		if (generation == calendar_generation)
		{
			calendar_cache = c;
			calendar_cache_valid = true;
			return c;
		}
		MemoryContextDelete(c->context);
	}
}

/*
 * Ten years either side of the exceptions and of today: the days nearly
 * every question is about, answered by lookup instead of a search.
 */
#define DENSE_MARGIN_DAYS	3660

/* The cache's dense array of days around now, for constant-time questions. */
static void
build_dense_days(CalendarCache *c)
{
	int64		today = GetCurrentTimestamp() / USECS_PER_DAY;
	int64		first = today;
	int64		last = today;
	int			i;

	if (c->nexceptions > 0)
	{
		first = Min(first, c->exception_day[0]);
		last = Max(last, c->exception_day[c->nexceptions - 1]);
	}
	c->dense_first = first - DENSE_MARGIN_DAYS;
	c->ndense = (int) (last - first + 2 * DENSE_MARGIN_DAYS + 1);
	c->dense_workdays_before = MemoryContextAlloc(c->context, sizeof(int64) * c->ndense);
	c->dense_workday = MemoryContextAlloc(c->context, sizeof(bool) * c->ndense);
	for (i = 0; i < c->ndense; i++)
	{
		int64		day = c->dense_first + i;

		c->dense_workdays_before[i] = calendar_cache_weekdays_before(day) + c->shift[calendar_cache_exceptions_before(c, day)];
		c->dense_workday[i] = calendar_cache_day_is_workday(c, day);
	}
}

/* Register the cache's invalidation; called once from calendar_init. */
void
calendar_cache_init(void)
{
	cache_register(calendar_reset, calendar_relids, lengthof(calendar_relids));
	RegisterXactCallback(calendar_xact_callback, NULL);
}
