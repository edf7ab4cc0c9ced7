/*
 * worker.h
 *		gridgov's background worker: a launcher that starts one worker per
 *		database named in gridgov.worker_databases, each running the jobs of
 *		that database's gridgov.job table at their periods.
 *
 * Only with shared_preload_libraries = 'gridgov'; otherwise the settings
 * exist but nothing runs, and the jobs are plain functions to schedule
 * some other way (docs/operations.md).
 */
#ifndef GRIDGOV_WORKER_H
#define GRIDGOV_WORKER_H

#include "postgres.h"

/* Define the settings, and register the launcher when preloaded; from _PG_init. */
extern void worker_init(void);

/*
 * The entry points the postmaster starts by name (bgw_function_name): the
 * launcher, and the worker of the database named in bgw_extra.
 */
extern PGDLLEXPORT void worker_launcher_main(Datum arg);
extern PGDLLEXPORT void worker_main(Datum arg);

#endif							/* GRIDGOV_WORKER_H */
