/*
 * calendar_cache.h
 *		The backend's copy of the working calendar's tables (calendar_day,
 *		work_period and the years of calendar_year), kept by calendar_cache.c, and the workday questions
 *		answered from it, for calendar.c.
 *
 * Days are days since 2000-01-01, as int64 throughout.  The cache is read
 * once per backend and dropped when either table changes (see cache.h); a
 * CalendarCache is never changed once loaded, so a pointer to it stays valid
 * until the next calendar_cache_get().
 */
#ifndef GRIDGOV_CALENDAR_CACHE_H
#define GRIDGOV_CALENDAR_CACHE_H

#include "postgres.h"

#include "utils/date.h"
#include "utils/memutils.h"

typedef struct CalendarCache
{
	MemoryContext context;
	/* calendar_day, by date: exceptions to the weekday rule */
	int			nexceptions;
	int64	   *exception_day;	/* days since 2000-01-01, ascending */
	bool	   *exception_workday;
	/* shift[i]: workdays added by exceptions 0 .. i-1 (negative for holidays) */
	int64	   *shift;
	/* work_period, by start: microseconds since midnight */
	int			nperiods;
	int64	   *period_start;
	int64	   *period_end;
	int64		day_usecs;		/* working time of a standard workday */
	/* the same for the days around the exceptions, by day, to count fast */
	int64		dense_first;	/* the first day of the arrays */
	int			ndense;
	int64	   *dense_workdays_before;	/* weekdays before day + shift */
	bool	   *dense_workday;	/* calendar_cache_day_is_workday */
	bool		transient;		/* loaded in parallel mode: drop at end of xact */
	/* calendar_year: the last day held, DATEVAL_NOBEGIN with no year */
	DateADT		horizon;
} CalendarCache;

/* Register the cache's invalidation; called once from calendar_init. */
extern void calendar_cache_init(void);

/* The backend's calendar cache, loaded when missing (may run SPI, may throw). */
extern CalendarCache *calendar_cache_get(void);

/*
 * The weekday rule and the exceptions, inline: calendar.c asks them in its
 * inner loops, and the load uses them to build the cache's arrays.
 */

/* a / b rounded towards minus infinity, for b > 0 */
static inline int64
calendar_cache_floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Monday to Friday dates in [2000-01-03, x), negative below; 2000-01-03 is a Monday */
static inline int64
calendar_cache_weekdays_before(int64 x)
{
	int64		weeks = calendar_cache_floor_div(x - 2, 7);
	int64		rest = x - 2 - weeks * 7;

	return weeks * 5 + Min(rest, 5);
}

/* the weekday rule: is the day a Monday to Friday? */
static inline bool
calendar_cache_weekday_rule(int64 day)
{
	return calendar_cache_weekdays_before(day + 1) - calendar_cache_weekdays_before(day) == 1;
}

/* the number of exceptions dated before day */
static inline int
calendar_cache_exceptions_before(const CalendarCache *c, int64 day)
{
	int			lo = 0;
	int			hi = c->nexceptions;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (c->exception_day[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is a day (days since 2000-01-01) a workday, by exception or by weekday? */
static inline bool
calendar_cache_day_is_workday(const CalendarCache *c, int64 day)
{
	int			i = calendar_cache_exceptions_before(c, day);

	if (i < c->nexceptions && c->exception_day[i] == day)
		return c->exception_workday[i];
	return calendar_cache_weekday_rule(day);
}

#endif							/* GRIDGOV_CALENDAR_CACHE_H */
