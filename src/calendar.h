/*
 * calendar.h
 *		The working-day calendar that the case engine counts time limits on.
 *
 * A date is a workday by the weekday rule (Monday to Friday) unless
 * gridgov.calendar_day says otherwise (public holidays, make-up workdays).
 * A workday's working time is the periods of gridgov.work_period, read as
 * wall-clock times in the zone gridgov.calendar_timezone.  Working time is
 * the union of those periods as instants, half open: [starts, ends).
 *
 * All functions read a backend-local cache of both tables (see cache.h);
 * the first call in a backend, and the first after a change to either table,
 * loads it with two queries.  They may throw: 22008 for an infinite or
 * out-of-range timestamp, 22023 for bad arguments, 55000 when the calendar
 * cannot answer (no working periods, or no workday within ten years), and
 * whatever SPI throws while loading (for example when the extension's tables
 * are missing).
 */
#ifndef GRIDGOV_CALENDAR_H
#define GRIDGOV_CALENDAR_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/date.h"

typedef enum CalendarUnit
{
	CALENDAR_WORKING_DAY,		/* amount x the working time of a standard workday */
	CALENDAR_WORKING_HOUR,		/* amount x 3600 working seconds */
	CALENDAR_CLOCK_HOUR			/* amount x 3600 seconds, calendar ignored */
} CalendarUnit;

/* Register the GUC and the cache; called once from _PG_init. */
extern void calendar_init(void);

/*
 * "working_day", "working_hour" or "clock_hour" (exact, lower case); anything
 * else raises 22023 naming the unit.  calendar_unit_name is the inverse.
 */
extern CalendarUnit calendar_unit_from_name(const char *name);
extern const char *calendar_unit_name(CalendarUnit unit);

/* Is the date a workday?  (Weekday rule and calendar_day exceptions.) */
extern bool calendar_is_workday(DateADT day);

/* Working seconds of a standard workday: the sum of work_period (0 if empty). */
extern int64 calendar_workday_seconds(void);

/*
 * Whole seconds of working time in [from, to), rounded towards zero.  When
 * to < from the result is minus the working time in [to, from), so that
 * ws(a, b) + ws(b, c) = ws(a, c) up to that rounding.  0 when work_period is
 * empty.  Infinite timestamps raise 22008.
 */
extern int64 calendar_working_seconds(TimestampTz from, TimestampTz to);

/*
 * The instant at which `seconds` of working time have elapsed after `from`.
 * Counting starts at `from` if it lies in a working period, else at the start
 * of the next one; a total that runs out exactly at the end of a period gives
 * that end (18:00, not the next morning).  0 seconds gives `from` itself,
 * even outside working time.  Negative seconds raise 22023; seconds > 0 with
 * an empty work_period, or with no workday within ten years, raise 55000.
 * For seconds > 0: calendar_working_seconds(from, result) == seconds.
 */
extern TimestampTz calendar_add_working_seconds(TimestampTz from, int64 seconds);

/*
 * The deadline `amount` units after `start`: working units go through
 * calendar_add_working_seconds (to the microsecond, so half a working day is
 * 3.5 working hours), clock hours are plain arithmetic.  A negative or NaN
 * amount raises 22023; an amount of 0 gives start.
 */
extern TimestampTz calendar_deadline(TimestampTz start, double amount, CalendarUnit unit);

/*
 * The horizon: the last day whose holidays the calendar holds (31 December
 * of the last year of gridgov.calendar_year without a gap from the first).
 * DATEVAL_NOBEGIN when no year is held, DATEVAL_NOEND in a database whose
 * extension predates calendar_year (no horizon, nothing provisional).
 */
extern DateADT calendar_horizon(void);

/*
 * Whether the instant's date, in the calendar's zone, lies past the horizon:
 * time counted there was counted on plain weekdays.  The first true answer
 * of a session also raises a WARNING saying so (calendar_add_working_seconds
 * asks for every result, so deadline() and the case engine warn).
 */
extern bool calendar_past_horizon(TimestampTz t);

#endif							/* GRIDGOV_CALENDAR_H */
