/*
 * open311.c
 *		The residents' side of the case engine (docs/open311.md): how long
 *		after its closure a reporter's complaint reopens a case as rework.
 *
 * The Open311 calls themselves are SQL (sql/open311.sql); only the setting
 * lives here, so that it is defined by the module and read through it.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "open311.h"

static char *complaint_window_setting = NULL;

/* Register gridgov.complaint_window, superuser-only. */
void
open311_init(void)
{
	/* superuser-only: a reporter's own session must not widen it */
	DefineCustomStringVariable("gridgov.complaint_window",
							   "How long after its closure a reporter's complaint reopens a case as rework.",
							   "An interval, such as '15 days' (the default); read by open311_complain().",
							   &complaint_window_setting, "15 days", PGC_SUSET, 0, NULL, NULL, NULL);
}

/* Name the setting in the context of an error from reading it. */
static void
complaint_window_context(void *arg)
{
	errcontext("setting gridgov.complaint_window \"%s\"", (const char *) arg);
}

/*
 * The setting gridgov.complaint_window as an interval: how long after its
 * closure a reporter's complaint reopens a case (docs/open311.md).  Read
 * here, in the module that defines it, so that a session that has not
 * loaded the module yet cannot pass off a placeholder of its own.
 */
PG_FUNCTION_INFO_V1(case_complaint_window);
Datum
case_complaint_window(PG_FUNCTION_ARGS)
{
	ErrorContextCallback context;
	Interval   *window;

	context.callback = complaint_window_context;
	context.arg = complaint_window_setting;
	context.previous = error_context_stack;
	error_context_stack = &context;
	window = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(complaint_window_setting),
												   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	error_context_stack = context.previous;
	if (window->month < 0 || window->day < 0 || window->time < 0 ||
		(window->month == 0 && window->day == 0 && window->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gridgov.complaint_window must be a positive interval, not \"%s\"", complaint_window_setting),
				 errhint("A superuser sets it, for example ALTER DATABASE city SET gridgov.complaint_window = '15 days'.")));
	PG_RETURN_INTERVAL_P(window);
}
