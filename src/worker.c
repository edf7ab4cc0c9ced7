/*
 * worker.c
 *		gridgov's background worker, in the manner of pg_cron: a launcher,
 *		registered when the module is preloaded, starts one worker per
 *		database named in gridgov.worker_databases; each worker runs the
 *		enabled jobs of its database's gridgov.job table at their periods.
 *
 * The launcher needs no database: it only registers dynamic workers, one
 * per listed name, again after SIGHUP changes the list (and stops those no
 * longer listed).  A worker whose database lacks the extension says so in
 * the log and exits; the launcher tries again a minute later.  The
 * postmaster restarts a worker that dies (bgw_restart_time), and after a
 * crash the launcher starts them anew: a session advisory lock per database
 * keeps a second worker of the same database from running.
 *
 * Each job runs in a transaction of its own; an error is caught, logged
 * with its SQLSTATE, and recorded in gridgov.job_run, and the job's next
 * run is put off by its period times 2 to the number of failures in a row
 * (at most 64 periods, at most a day); the other jobs go on.  With nothing
 * due the worker sleeps until the next job is due, waking at least every
 * gridgov.worker_naptime to see changes to gridgov.job.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "worker.h"

/* seconds before the postmaster restarts a launcher or worker that died */
#define WORKER_RESTART_SECONDS	10

/* how long the launcher waits before starting a stopped worker again */
#define RELAUNCH_SECONDS		60

#define MAX_WORKER_DATABASES	64

/* the advisory lock that one worker per database holds (classid, objid) */
#define WORKER_LOCK_CLASS		1735551332	/* "gridgov" */
#define WORKER_LOCK_OBJECT		14

static char *worker_databases = NULL;
static int	worker_naptime = 10;

typedef struct LaunchedWorker
{
	char		dbname[BGW_EXTRALEN];
	BackgroundWorkerHandle *handle;
	TimestampTz launched_at;
} LaunchedWorker;

/* a worker's memory for one round of jobs, reset after it */
static MemoryContext round_memory = NULL;

/* the launcher's workers, in its own memory */
static LaunchedWorker launched[MAX_WORKER_DATABASES];
static int	nlaunched = 0;

/* Define the settings, and register the launcher when preloaded. */
void
worker_init(void)
{
	BackgroundWorker launcher;

	DefineCustomStringVariable("gridgov.worker_databases",
							   "Databases whose gridgov jobs the background worker runs.",
							   "A comma-separated list; takes effect on reload.  Needs "
							   "shared_preload_libraries = 'gridgov'.",
							   &worker_databases, "", PGC_SIGHUP, GUC_LIST_INPUT, NULL, NULL, NULL);
	DefineCustomIntVariable("gridgov.worker_naptime",
							"How often at least a gridgov worker looks at its jobs.",
							NULL, &worker_naptime, 10, 1, 3600, PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;

	memset(&launcher, 0, sizeof(launcher));
	/* connected to no database, so that pg_stat_activity shows it */
	launcher.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	launcher.bgw_start_time = BgWorkerStart_RecoveryFinished;
	launcher.bgw_restart_time = WORKER_RESTART_SECONDS;
	strlcpy(launcher.bgw_library_name, "gridgov", BGW_MAXLEN);
	strlcpy(launcher.bgw_function_name, "worker_launcher_main", BGW_MAXLEN);
	strlcpy(launcher.bgw_name, "gridgov launcher", BGW_MAXLEN);
	strlcpy(launcher.bgw_type, "gridgov launcher", BGW_MAXLEN);
	RegisterBackgroundWorker(&launcher);
}

/* Register the dynamic worker of one database; NULL when none is free. */
static BackgroundWorkerHandle *
launch_worker(const char *dbname)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = WORKER_RESTART_SECONDS;
	strlcpy(worker.bgw_library_name, "gridgov", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "worker_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "gridgov worker %s", dbname);
	strlcpy(worker.bgw_type, "gridgov worker", BGW_MAXLEN);
	strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(WARNING,
				(errmsg("could not start the gridgov worker of database \"%s\"", dbname),
				 errhint("Raise max_worker_processes.")));
		return NULL;
	}
	return handle;
}

/* Whether a listed worker needs starting: never started, or stopped a while ago. */
static bool
needs_launch(LaunchedWorker *w, TimestampTz now)
{
	pid_t		pid;

	if (w->handle == NULL)
		return TimestampDifferenceExceeds(w->launched_at, now, RELAUNCH_SECONDS * 1000);
	if (GetBackgroundWorkerPid(w->handle, &pid) != BGWH_STOPPED)
		return false;
	return TimestampDifferenceExceeds(w->launched_at, now, RELAUNCH_SECONDS * 1000);
}

/* The names in gridgov.worker_databases (none when it does not parse). */
static List *
listed_databases(void)
{
	char	   *names = pstrdup(worker_databases ? worker_databases : "");
	List	   *list = NIL;

	if (!SplitGUCList(names, ',', &list))
	{
		ereport(LOG, (errmsg("gridgov.worker_databases is not a list of names: \"%s\"", worker_databases)));
		return NIL;
	}
	return list;
}

/* Whether a database is named in gridgov.worker_databases. */
static bool
database_listed(const char *dbname)
{
	List	   *list = listed_databases();
	ListCell   *cell;
	bool		listed = false;

	foreach(cell, list)
		listed |= strcmp(dbname, (char *) lfirst(cell)) == 0;
	return listed;
}

/*
 * Make the running workers match gridgov.worker_databases: stop those of
 * databases no longer listed, start the missing ones.  (A worker also
 * stops by itself when it no longer finds its database in the list: one
 * the launcher did not start, after a crash, has no handle here.)
 */
static void
sync_workers(void)
{
	List	   *list = listed_databases();
	ListCell   *cell;
	TimestampTz now = GetCurrentTimestamp();
	int			i;
	for (i = nlaunched - 1; i >= 0; i--)
	{
		if (database_listed(launched[i].dbname))
			continue;
		if (launched[i].handle != NULL)
			TerminateBackgroundWorker(launched[i].handle);
		launched[i] = launched[--nlaunched];
	}
	foreach(cell, list)
	{
		const char *name = (const char *) lfirst(cell);
		LaunchedWorker *w = NULL;

		for (i = 0; i < nlaunched; i++)
			if (strcmp(launched[i].dbname, name) == 0)
				w = &launched[i];
		if (w == NULL && nlaunched < MAX_WORKER_DATABASES)
		{
			w = &launched[nlaunched++];
			memset(w, 0, sizeof(*w));
			strlcpy(w->dbname, name, BGW_EXTRALEN);
			w->launched_at = 0;
		}
		if (w == NULL || !needs_launch(w, now))
			continue;
		w->handle = launch_worker(name);
		w->launched_at = now;
	}
	list_free(list);
}

/* The launcher: start and stop the workers as the list says, until shutdown. */
void
worker_launcher_main(Datum arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("gridgov launcher");
	ereport(LOG, (errmsg("gridgov launcher started for databases \"%s\"", worker_databases)));

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		sync_workers();
		/* woken by SIGHUP, and by the postmaster when a worker starts or stops */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 RELAUNCH_SECONDS * 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Run one statement in a transaction of its own, through SPI; parameters
 * as SPI_execute_with_args takes them.  Errors go to the caller.
 */
static void
run_statement(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	/* now() is the transaction's start: a worker must set the clock itself */
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0) < 0)
		elog(ERROR, "gridgov worker: could not run \"%s\"", sql);
}

/* End what run_statement began, committing; back in the round's memory. */
static void
finish_statement(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(round_memory);
}

/*
 * Whether this worker may run its database's jobs: the extension is there
 * (its schema, gridgov, goes to *schema; not extnamespace, the schema it is
 * registered in, public in a fresh install) and no other worker holds the
 * database (the advisory lock is taken only where the extension is).
 */
static bool
claim_database(char **schema)
{
	bool		claimed = false;
	bool		isnull;

	run_statement(psprintf("SELECT n.nspname, pg_catalog.pg_try_advisory_lock(%d, %d)"
						   "  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.nspname = 'gridgov'"
						   " WHERE e.extname = 'gridgov'", WORKER_LOCK_CLASS, WORKER_LOCK_OBJECT),
				  0, NULL, NULL, NULL);
	if (SPI_processed == 1)
	{
		*schema = MemoryContextStrdup(TopMemoryContext,
									  quote_identifier(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)));
		claimed = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	finish_statement();
	if (*schema == NULL)
		ereport(LOG,
				(errmsg("gridgov is not installed in database \"%s\": its worker stops", MyBgworkerEntry->bgw_extra),
				 errhint("CREATE EXTENSION gridgov there, or take the database out of gridgov.worker_databases.")));
	else if (!claimed)
		ereport(LOG, (errmsg("another gridgov worker runs the jobs of database \"%s\": this one stops",
							 MyBgworkerEntry->bgw_extra)));
	return claimed;
}

/* Record a run in job_run: its outcome and, from its failures, the next run. */
static void
record_run(const char *schema, const char *name, TimestampTz started, const char *sqlstate, const char *message)
{
	Oid			types[5] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', message ? ' ' : 'n'};

	values[0] = CStringGetTextDatum(name);
	values[1] = TimestampTzGetDatum(started);
	values[2] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[3] = CStringGetTextDatum(sqlstate);
	values[4] = message ? CStringGetTextDatum(message) : (Datum) 0;
	run_statement(psprintf(
		"INSERT INTO %1$s.job_run AS r (name, started_at, duration, sqlstate, message, failures, next_run)"
		" SELECT j.name, $2, $3 - $2, $4, $5, f.failures,"
		"        GREATEST($3, $2 + LEAST(j.period * pg_catalog.power(2, LEAST(f.failures, 6))::integer,"
		"                               GREATEST(j.period, interval '1 day')))"
		"   FROM %1$s.job j,"
		"        LATERAL (SELECT CASE WHEN $4 = '00000' THEN 0"
		"                        ELSE COALESCE((SELECT p.failures FROM %1$s.job_run p WHERE p.name = j.name), 0) + 1"
		"                        END AS failures) f"
		"  WHERE j.name = $1"
		" ON CONFLICT (name) DO UPDATE SET started_at = EXCLUDED.started_at, duration = EXCLUDED.duration,"
		"    sqlstate = EXCLUDED.sqlstate, message = EXCLUDED.message, failures = EXCLUDED.failures,"
		"    next_run = EXCLUDED.next_run", schema),
				  5, types, values, nulls);
	finish_statement();
}

/*
 * Run one job in a transaction of its own; an error is caught, logged with
 * its SQLSTATE and recorded, and the worker goes on.
 */
static void
run_job(const char *schema, const char *name, const char *function)
{
	MemoryContext caller = CurrentMemoryContext;
	TimestampTz started = GetCurrentTimestamp();
	char	   *call = psprintf("SELECT %s()", function);
	ErrorData  *error = NULL;

	pgstat_report_activity(STATE_RUNNING, call);
	PG_TRY();
	{
		run_statement(call, 0, NULL, NULL, NULL);
		finish_statement();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		error = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextSwitchTo(caller);
	}
	PG_END_TRY();
	if (error != NULL)
		ereport(LOG,
				(errmsg("gridgov job \"%s\" failed with SQLSTATE %s: %s", name,
						unpack_sql_state(error->sqlerrcode), error->message),
				 errdetail("The job runs again after a pause that doubles with each failure in a row.")));
	record_run(schema, name, started, error ? unpack_sql_state(error->sqlerrcode) : "00000",
			   error ? error->message : NULL);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Run every job that is due, one after another, and return how many
 * milliseconds to sleep until the next is (at most the naptime).
 */
static long
run_due_jobs(const char *schema)
{
	int			njobs;
	char	  **names;
	char	  **functions;
	double		wait_seconds = worker_naptime;
	int			i;

	run_statement(psprintf("SELECT j.name, j.function::pg_catalog.text FROM %1$s.job j"
						   " LEFT JOIN %1$s.job_run r ON r.name = j.name"
						   " WHERE j.enabled AND COALESCE(r.next_run, '-infinity') <= pg_catalog.now()"
						   " ORDER BY COALESCE(r.next_run, '-infinity'), j.name", schema),
				  0, NULL, NULL, NULL);
	njobs = (int) SPI_processed;
	names = MemoryContextAlloc(round_memory, sizeof(char *) * (njobs + 1));
	functions = MemoryContextAlloc(round_memory, sizeof(char *) * (njobs + 1));
	for (i = 0; i < njobs; i++)
	{
		/* out of SPI's memory, which SPI_finish frees */
		names[i] = MemoryContextStrdup(round_memory, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		functions[i] = MemoryContextStrdup(round_memory, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
	}
	finish_statement();
	for (i = 0; i < njobs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		run_job(schema, names[i], functions[i]);
	}

	run_statement(psprintf("SELECT EXTRACT(epoch FROM pg_catalog.min(COALESCE(r.next_run, pg_catalog.now()))"
						   "                      - pg_catalog.clock_timestamp())::float8"
						   "  FROM %1$s.job j LEFT JOIN %1$s.job_run r ON r.name = j.name WHERE j.enabled", schema),
				  0, NULL, NULL, NULL);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			wait_seconds = Max(Min(DatumGetFloat8(d), worker_naptime), 0.01);
	}
	finish_statement();
	return (long) (wait_seconds * 1000);
}

/* A database's worker: run its jobs as they fall due, until shutdown. */
void
worker_main(Datum arg)
{
	char	   *schema = NULL;

	round_memory = TopMemoryContext;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(MyBgworkerEntry->bgw_extra, NULL, 0);
	pgstat_report_appname("gridgov worker");
	/* its queries name the extension's schema; nothing else is looked up */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
	/* exit code 0: the postmaster forgets the worker, the launcher retries later */
	if (!claim_database(&schema))
		proc_exit(0);
	ereport(LOG, (errmsg("gridgov worker started in database \"%s\"", MyBgworkerEntry->bgw_extra)));
	round_memory = AllocSetContextCreate(TopMemoryContext, "gridgov worker round", ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		long		wait_ms;

		MemoryContextReset(round_memory);
		MemoryContextSwitchTo(round_memory);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			if (!database_listed(MyBgworkerEntry->bgw_extra))
			{
				ereport(LOG, (errmsg("database \"%s\" is no longer in gridgov.worker_databases: its worker stops",
									 MyBgworkerEntry->bgw_extra)));
				proc_exit(0);
			}
		}
		wait_ms = run_due_jobs(schema);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
