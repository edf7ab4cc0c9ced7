/*
 * calendar.c
 *		The working-day calendar: workdays, working periods, working time
 *		between instants, and deadlines counted in working time.
 *
 * The case engine counts its time limits here, in a row trigger, so a call
 * must not touch a table.  Both tables are loaded once per backend into a
 * cache (calendar_cache.c, dropped when either table changes), and every
 * question is answered from it:
 *
 * - exceptions to the weekday rule are a sorted array searched by bisection,
 *   with a running sum of how much each one changes the count of workdays;
 *   so "how many workdays in [a, b)" is the Monday-to-Friday count, which is
 *   arithmetic, plus two array look-ups, and "the k-th workday after a" is a
 *   bisection over that count.  Adding N working days costs O(log N log n),
 *   not N steps;
 * - dates and wall-clock times are converted to instants with PostgreSQL's
 *   own time zone code, but where the zone's UTC offset is known to be
 *   constant (always, for Asia/Shanghai since 1991) by adding that offset,
 *   which gives the same answer.  Days on which the offset changes (DST) are
 *   counted one by one, exactly.
 *
 * Working time of a workday D is the set of instants from "D starts" to
 * "D ends" of each period, those wall-clock times resolved in
 * gridgov.calendar_timezone as timestamptz input would resolve them.  A
 * period that a DST change shortens or lengthens counts what it really
 * lasts.  Zones that skip or repeat a whole date (Pacific/Apia in 2011) are
 * not handled specially.
 */
#include "postgres.h"

#include <math.h>

#include "calendar.h"
#include "calendar_cache.h"
#include "common/int.h"
#include "fmgr.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/*
 * How far the calendar may look for a workday before giving up: a run of
 * holidays this long is a mistake in calendar_day, not a schedule.
 */
#define HORIZON_DAYS		3653

/* the last date whose whole day, up to 24:00, is a valid timestamp */
#define LAST_DAY			(END_TIMESTAMP / USECS_PER_DAY - 2)

/* a deadline past the horizon was counted: warned once a session */
static bool horizon_warned = false;

/* gridgov.calendar_timezone, and the zone it names (set by the assign hook) */
static char *calendar_timezone_name = NULL;
static pg_tz *calendar_tz = NULL;

/*
 * A stretch of time [lo, hi) in which the zone's offset is known to be
 * constant, with a day's margin inside both ends: in it, local wall-clock
 * time is UTC plus offset, and a wall-clock time maps back to the same
 * instant that DetermineTimeZoneOffset would pick.  Reset when the zone
 * changes.
 */
typedef struct ZoneWindow
{
	bool		valid;
	TimestampTz lo;
	TimestampTz hi;
	int64		offset;			/* microseconds east of UTC */
} ZoneWindow;

static ZoneWindow zone_window;

/* ----------------------------------------------------------------------
 * Workdays: days since 2000-01-01 as int64 throughout
 * ----------------------------------------------------------------------
 */

/* workdays in [a, b), a <= b */
static inline int64
workdays_between(const CalendarCache *c, int64 a, int64 b)
{
	return calendar_cache_weekdays_before(b) - calendar_cache_weekdays_before(a)
		+ c->shift[calendar_cache_exceptions_before(c, b)] - c->shift[calendar_cache_exceptions_before(c, a)];
}

/* A day as date_out writes it, for messages. */
static char *
day_text(int64 day)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum((DateADT) day)));
}

/*
 * The k-th workday (k >= 1) on or after day.  Past the last exception every
 * week has five workdays, which bounds the search; the horizon bounds it
 * where calendar_day holds an implausible run of holidays.
 */
static int64
find_workday(const CalendarCache *c, int64 day, int64 k)
{
	int64		last = c->nexceptions > 0 ? c->exception_day[c->nexceptions - 1] : day;
	int64		natural = Max(day, last + 1) + 7 * ((k + 4) / 5) + 7;
	int64		horizon = day + HORIZON_DAYS + 2 * k;
	int64		lo = day + 1;
	int64		hi = Min(Min(natural, horizon), LAST_DAY + 1);

	if (workdays_between(c, day, hi) < k)
	{
		if (hi == LAST_DAY + 1)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range"),
					 errdetail("Counting working time from %s runs past the last date a timestamp can hold.",
							   day_text(day))));
		if (k == 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the working calendar has no workday between %s and %s",
							day_text(day), day_text(hi - 1)),
					 errhint("Look in gridgov.calendar_day for a long run of days with is_workday false.")));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the working calendar has fewer than " INT64_FORMAT " workdays between %s and %s",
						k, day_text(day), day_text(hi - 1)),
				 errhint("Look in gridgov.calendar_day for a long run of days with is_workday false.")));
	}
	/* the smallest x with k workdays in [day, x) */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (workdays_between(c, day, mid) >= k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo - 1;
}

/* ----------------------------------------------------------------------
 * Wall-clock time in gridgov.calendar_timezone
 * ----------------------------------------------------------------------
 */

/* Does the cached time-zone offset hold at t? */
static inline bool
zone_window_covers(TimestampTz t)
{
	return zone_window.valid && t >= zone_window.lo && t < zone_window.hi;
}

/*
 * Find the stretch of constant offset around t.  Returns whether it covers
 * t; near a change of offset it does not, and callers take the slow path.
 */
static bool
zone_window_load(TimestampTz t)
{
	pg_time_t	origin;
	pg_time_t	boundary = 0;
	pg_time_t	next;
	long		before_gmtoff;
	long		after_gmtoff = 0;
	long		ignored_gmtoff;
	int			before_isdst;
	int			after_isdst;
	int			found;
	int			skipped;
	struct pg_tm *tm;

	zone_window.valid = false;
	if (t < MIN_TIMESTAMP + 2 * USECS_PER_DAY || t >= END_TIMESTAMP)
		return false;
	origin = timestamptz_to_time_t(t - 2 * USECS_PER_DAY);
	found = pg_next_dst_boundary(&origin, &before_gmtoff, &before_isdst,
								 &boundary, &after_gmtoff, &after_isdst, calendar_tz);
	/* a change of abbreviation or DST flag alone leaves the offset alone */
	for (skipped = 0; found == 1 && after_gmtoff == before_gmtoff && skipped < 64; skipped++)
	{
		next = boundary;
		found = pg_next_dst_boundary(&next, &ignored_gmtoff, &before_isdst,
									 &boundary, &after_gmtoff, &after_isdst, calendar_tz);
	}
	if (found < 0 || (found == 1 && after_gmtoff == before_gmtoff))
		return false;

	/*
	 * Before a zone's first transition pg_next_dst_boundary reports its
	 * standard time, which need not be what pg_localtime uses (local mean
	 * time): trust the offset only where both agree.
	 */
	tm = pg_localtime(&origin, calendar_tz);
	if (tm == NULL || tm->tm_gmtoff != before_gmtoff)
		return false;

	zone_window.offset = (int64) before_gmtoff * USECS_PER_SEC;
	zone_window.lo = t - USECS_PER_DAY;
	zone_window.hi = found == 0 ? END_TIMESTAMP : time_t_to_timestamptz(boundary) - USECS_PER_DAY;
	zone_window.valid = true;
	return zone_window_covers(t);
}

/* the local date and time of day of an instant */
static void
local_of(TimestampTz t, int64 *day, int64 *tod)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (zone_window_covers(t) || zone_window_load(t))
	{
		int64		local = t + zone_window.offset;

		*day = calendar_cache_floor_div(local, USECS_PER_DAY);
		*tod = local - *day * USECS_PER_DAY;
		return;
	}
	if (timestamp2tm(t, &tz, &tm, &fsec, NULL, calendar_tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	*day = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	*tod = (((int64) tm.tm_hour * MINS_PER_HOUR + tm.tm_min) * SECS_PER_MINUTE + tm.tm_sec)
		* USECS_PER_SEC + fsec;
}

/* the instant of a local date and time of day (up to 24:00) */
static TimestampTz
instant_of(int64 day, int64 tod)
{
	int64		local = day * USECS_PER_DAY + tod;
	struct pg_tm tm;
	int			tz;
	TimestampTz result;

	if (zone_window_covers(local - zone_window.offset) ||
		(zone_window_load(local - (zone_window.valid ? zone_window.offset : 0)) &&
		 zone_window_covers(local - zone_window.offset)))
		return local - zone_window.offset;

	if (tod >= USECS_PER_DAY)
	{
		day += tod / USECS_PER_DAY;
		tod %= USECS_PER_DAY;
	}
	j2date((int) (day + POSTGRES_EPOCH_JDATE), &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_hour = (int) (tod / USECS_PER_HOUR);
	tm.tm_min = (int) (tod / USECS_PER_MINUTE % MINS_PER_HOUR);
	tm.tm_sec = (int) (tod / USECS_PER_SEC % SECS_PER_MINUTE);
	tm.tm_isdst = -1;
	tz = DetermineTimeZoneOffset(&tm, calendar_tz);
	if (tm2timestamp(&tm, (fsec_t) (tod % USECS_PER_SEC), &tz, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return result;
}

/*
 * The end of the run of dates from day on whose working periods all lie in
 * one stretch of constant offset: each workday of [day, result) holds
 * exactly day_usecs of working time.  Returns day when that is not known
 * (near a change of offset).
 */
static int64
fixed_offset_until(int64 day)
{
	int64		midnight = day * USECS_PER_DAY;

	if (!zone_window_covers(midnight - zone_window.offset))
	{
		zone_window_load(midnight - (zone_window.valid ? zone_window.offset : 0));
		if (!zone_window_covers(midnight - zone_window.offset))
			return day;
	}
	return Max(day, Min(calendar_cache_floor_div(zone_window.hi + zone_window.offset, USECS_PER_DAY), LAST_DAY));
}

/* ----------------------------------------------------------------------
 * Working time
 * ----------------------------------------------------------------------
 */

/* working time of the workday `day` within [from, to) */
static int64
day_overlap(const CalendarCache *c, int64 day, TimestampTz from, TimestampTz to)
{
	int64		total = 0;
	int			i;

	if (!calendar_cache_day_is_workday(c, day))
		return 0;
	for (i = 0; i < c->nperiods; i++)
	{
		TimestampTz s = Max(from, instant_of(day, c->period_start[i]));
		TimestampTz e = Min(to, instant_of(day, c->period_end[i]));

		if (e > s)
			total += e - s;
	}
	return total;
}

/* *total += a * b, refusing (22003) what an int64 does not hold. */
static void
add_checked(int64 *total, int64 a, int64 b)
{
	int64		product;

	if (pg_mul_s64_overflow(a, b, &product) || pg_add_s64_overflow(*total, product, total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("working time out of range")));
}

/* working time of the whole days [a, b) */
static int64
whole_days(const CalendarCache *c, int64 a, int64 b)
{
	int64		total = 0;

	while (a < b)
	{
		int64		g = fixed_offset_until(a);

		if (g > a)
		{
			int64		e = Min(g, b);

			add_checked(&total, workdays_between(c, a, e), c->day_usecs);
			a = e;
		}
		else
		{
			/* a change of offset: count what the day really holds */
			add_checked(&total, day_overlap(c, a, DT_NOBEGIN, DT_NOEND), 1);
			a++;
		}
	}
	return total;
}

/*
 * Working time from a fixed origin to a local wall-clock instant
 * (microseconds since 2000-01-01 00:00 local time): the whole workdays
 * before its date, and its own date's working time up to its time of day.
 */
static int64
working_usecs_to_local(const CalendarCache *c, int64 local)
{
	int64		day = calendar_cache_floor_div(local, USECS_PER_DAY);
	int64		tod = local - day * USECS_PER_DAY;
	int64		dense = day - c->dense_first;
	bool		workday;
	int64		total;
	int			p;

	if (dense >= 0 && dense < c->ndense)
	{
		total = c->dense_workdays_before[dense] * c->day_usecs;
		workday = c->dense_workday[dense];
	}
	else
	{
		int			i = calendar_cache_exceptions_before(c, day);

		total = (calendar_cache_weekdays_before(day) + c->shift[i]) * c->day_usecs;
		if (i < c->nexceptions && c->exception_day[i] == day)
			workday = c->exception_workday[i];
		else
			workday = calendar_cache_weekday_rule(day);
	}
	if (workday)
		for (p = 0; p < c->nperiods; p++)
			if (tod > c->period_start[p])
				total += Min(tod, c->period_end[p]) - c->period_start[p];
	return total;
}

/* dates this far from 2000 keep working_usecs_to_local far from overflow */
#define WALL_CLOCK_DAYS		INT64CONST(1000000)

/*
 * Working time in [from, to), from <= to, in microseconds.
 *
 * When one offset from UTC holds from before from to after to (always, in
 * a zone without daylight saving time), the wall clock is UTC shifted, and
 * the answer is the difference of two running totals.  Otherwise the days
 * next to either end are clipped to [from, to), the ones between counted
 * whole.  The day before from's date is clipped too: where clocks fall back
 * over midnight, the first pass through the repeated hour bears the new date
 * but belongs to the old day's working time (24:00 is read as the later
 * pass).
 */
static int64
working_usecs(const CalendarCache *c, TimestampTz from, TimestampTz to)
{
	int64		first;
	int64		last;
	int64		tod;
	int64		lo;
	int64		hi;
	int64		day;
	int64		total = 0;

	if (from >= to || c->nperiods == 0)
		return 0;
	if ((zone_window_covers(from) || zone_window_load(from)) && zone_window_covers(to) &&
		Abs(from / USECS_PER_DAY) < WALL_CLOCK_DAYS && Abs(to / USECS_PER_DAY) < WALL_CLOCK_DAYS)
		return working_usecs_to_local(c, to + zone_window.offset) -
			working_usecs_to_local(c, from + zone_window.offset);

	local_of(from, &first, &tod);
	local_of(to, &last, &tod);
	/* Min and Max: a zone setting its clocks back over midnight */
	lo = Min(first, last) - 1;
	hi = Max(first, last);
	if (hi - lo <= 4)
	{
		for (day = lo; day <= hi; day++)
			total += day_overlap(c, day, from, to);
		return total;
	}
	for (day = lo; day <= lo + 2; day++)
		total += day_overlap(c, day, from, to);
	total += day_overlap(c, hi - 1, from, to) + day_overlap(c, hi, from, to);
	add_checked(&total, whole_days(c, lo + 3, hi - 1), 1);
	return total;
}

/*
 * Take working time from the workday `day`, counting from not_before: true
 * and *result when *need runs out there, else false with *need reduced.
 */
static bool
day_consume(const CalendarCache *c, int64 day, TimestampTz not_before, int64 *need,
			TimestampTz *result)
{
	int			i;

	for (i = 0; i < c->nperiods; i++)
	{
		TimestampTz s = Max(not_before, instant_of(day, c->period_start[i]));
		TimestampTz e = instant_of(day, c->period_end[i]);

		if (e <= s)
			continue;
		if (*need <= e - s)
		{
			*result = s + *need;
			return true;
		}
		*need -= e - s;
	}
	return false;
}

/* Refuse a calendar without working periods: no deadline could be met in it. */
static void
check_no_empty_calendar(const CalendarCache *c)
{
	if (c->nperiods == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the working calendar has no working periods"),
				 errdetail("Table gridgov.work_period is empty, so no working time ever elapses."),
				 errhint("Insert the working hours of a workday, such as 09:00-12:00 and 14:00-18:00.")));
}

/* the instant when need > 0 microseconds of working time have elapsed after from */
static TimestampTz
add_usecs(const CalendarCache *c, TimestampTz from, int64 need)
{
	int64		day;
	int64		tod;
	TimestampTz result;

	check_no_empty_calendar(c);
	local_of(from, &day, &tod);
	/* the day before too: see working_usecs */
	if (calendar_cache_day_is_workday(c, day - 1) && day_consume(c, day - 1, from, &need, &result))
		return result;
	if (calendar_cache_day_is_workday(c, day) && day_consume(c, day, from, &need, &result))
		return result;
	day++;

	/* from here on, whole days */
	for (;;)
	{
		/* whole workdays to pass before the one where need runs out */
		int64		skip = (need - 1) / c->day_usecs;
		int64		target = find_workday(c, day, skip + 1);

		if (skip > 0)
		{
			int64		fixed_until = fixed_offset_until(day);

			if (target <= fixed_until)
				need -= skip * c->day_usecs;
			else if (fixed_until > day)
			{
				/* as far as the offset is known to stay the same */
				need -= workdays_between(c, day, fixed_until) * c->day_usecs;
				day = fixed_until;
				continue;
			}
			else
				target = find_workday(c, day, 1);	/* one day at a time */
		}
		if (day_consume(c, target, DT_NOBEGIN, &need, &result))
			return result;
		day = target + 1;
	}
}

/* Refuse an infinite timestamp where working time is counted. */
static void
check_finite(TimestampTz t)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("working time cannot be counted from or to an infinite timestamp")));
}

/* ----------------------------------------------------------------------
 * C API (calendar.h)
 * ----------------------------------------------------------------------
 */

/* Is the date a workday?  (Weekday rule and calendar_day exceptions.) */
bool
calendar_is_workday(DateADT day)
{
	if (DATE_NOT_FINITE(day))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("an infinite date is neither a workday nor a rest day")));
	return calendar_cache_day_is_workday(calendar_cache_get(), day);
}

/* Working seconds of a standard workday: the sum of work_period (0 if empty). */
int64
calendar_workday_seconds(void)
{
	return calendar_cache_get()->day_usecs / USECS_PER_SEC;
}

/* Working seconds between two instants. */
int64
calendar_working_seconds(TimestampTz from, TimestampTz to)
{
	const CalendarCache *c = calendar_cache_get();

	check_finite(from);
	check_finite(to);
	if (to < from)
		return -(working_usecs(c, to, from) / USECS_PER_SEC);
	return working_usecs(c, from, to) / USECS_PER_SEC;
}

/* The instant a number of working seconds after another. */
TimestampTz
calendar_add_working_seconds(TimestampTz from, int64 seconds)
{
	int64		usecs;
	TimestampTz result;

	check_finite(from);
	if (seconds < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot add " INT64_FORMAT " seconds of working time", seconds),
				 errdetail("Working time is only counted forwards: the amount must not be negative.")));
	if (seconds == 0)
		return from;
	if (pg_mul_s64_overflow(seconds, USECS_PER_SEC, &usecs))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errdetail(INT64_FORMAT " seconds of working time is more than a timestamp can hold.",
						   seconds)));
	result = add_usecs(calendar_cache_get(), from, usecs);
	calendar_past_horizon(result);
	return result;
}

/* A day as YYYY-MM-DD whatever the DateStyle, as the notices write it. */
static char *
iso_day(DateADT day)
{
	int			year;
	int			month;
	int			mday;

	j2date(day + POSTGRES_EPOCH_JDATE, &year, &month, &mday);
	return psprintf("%04d-%02d-%02d", year, month, mday);
}

/* The last day the calendar holds (DATEVAL_NOBEGIN: none, NOEND: no limit). */
DateADT
calendar_horizon(void)
{
	return calendar_cache_get()->horizon;
}

/* Whether an instant's date lies past the horizon; warns once a session. */
bool
calendar_past_horizon(TimestampTz t)
{
	DateADT		horizon = calendar_horizon();
	int64		day;
	int64		tod;

	if (DATE_IS_NOEND(horizon) || TIMESTAMP_NOT_FINITE(t))
		return false;
	local_of(t, &day, &tod);
	if (day <= horizon)
		return false;
	if (!horizon_warned)
	{
		horizon_warned = true;
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("working time counted up to %s runs past the working calendar's horizon", timestamptz_to_str(t)),
				 DATE_IS_NOBEGIN(horizon) ? errdetail("gridgov.calendar_year holds no year: working time is counted on plain weekdays.") :
				 errdetail("The calendar holds the holidays up to %s; after that working time is counted on plain weekdays.",
						   iso_day(horizon)),
				 errhint("Load the year's official schedule with gridgov.load_calendar_year(); "
						 "provisional deadlines are then counted again.  This warning is given once a session.")));
	}
	return true;
}

static const char *const unit_names[] = {"working_day", "working_hour", "clock_hour"};

#define UNITS_HINT "Units are working_day, working_hour and clock_hour."

/* The unit a time limit's unit name stands for. */
CalendarUnit
calendar_unit_from_name(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(unit_names); i++)
		if (strcmp(name, unit_names[i]) == 0)
			return (CalendarUnit) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown deadline unit \"%s\"", name),
			 errhint(UNITS_HINT)));
	pg_unreachable();
}

/* A time limit unit's name, as the rules write it. */
const char *
calendar_unit_name(CalendarUnit unit)
{
	if ((int) unit < 0 || (int) unit >= (int) lengthof(unit_names))
		elog(ERROR, "invalid CalendarUnit %d", (int) unit);
	return unit_names[unit];
}

/* shown: the amount as the caller wrote it, or NULL to print the double */
static void
check_amount(double amount, const char *shown)
{
	if (isnan(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("deadline amount must be a number, not NaN"),
				 errhint(UNITS_HINT)));
	if (amount < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("negative deadline amount %s", shown ? shown : psprintf("%g", amount)),
				 errdetail("A deadline is counted forwards from its start."),
				 errhint(UNITS_HINT)));
}

/* The deadline of a time limit counted from an instant. */
TimestampTz
calendar_deadline(TimestampTz start, double amount, CalendarUnit unit)
{
	const CalendarCache *c = NULL;
	double		per_unit;
	double		usecs;
	TimestampTz result;

	check_amount(amount, NULL);
	check_finite(start);
	switch (unit)
	{
		case CALENDAR_WORKING_DAY:
			c = calendar_cache_get();
			per_unit = (double) c->day_usecs;
			break;
		case CALENDAR_WORKING_HOUR:
		case CALENDAR_CLOCK_HOUR:
			per_unit = (double) USECS_PER_HOUR;
			break;
		default:
			elog(ERROR, "invalid CalendarUnit %d", (int) unit);
	}
	usecs = rint(amount * per_unit);
	/* a deadline can be at most the whole range of timestamps away */
	if (!(usecs <= (double) END_TIMESTAMP - (double) MIN_TIMESTAMP))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errdetail("A deadline %g %s after the start is beyond the last timestamp.",
						   amount, unit_names[unit])));
	if (usecs == 0)
		return start;
	if (unit == CALENDAR_CLOCK_HOUR)
	{
		result = start + (int64) usecs;
		if (!IS_VALID_TIMESTAMP(result))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range")));
		return result;
	}
	if (c == NULL)
		c = calendar_cache_get();
	result = add_usecs(c, start, (int64) usecs);
	calendar_past_horizon(result);
	return result;
}

/* ----------------------------------------------------------------------
 * SQL functions
 * ----------------------------------------------------------------------
 */

/* SQL is_workday(date). */
PG_FUNCTION_INFO_V1(gridgov_is_workday);
Datum
gridgov_is_workday(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(calendar_is_workday(PG_GETARG_DATEADT(0)));
}

/* SQL calendar_horizon(): the last day the calendar holds, NULL if none. */
PG_FUNCTION_INFO_V1(gridgov_calendar_horizon);
Datum
gridgov_calendar_horizon(PG_FUNCTION_ARGS)
{
	DateADT		horizon = calendar_horizon();

	if (DATE_IS_NOBEGIN(horizon))
		PG_RETURN_NULL();
	PG_RETURN_DATEADT(horizon);
}

/* SQL working_day_seconds(): the working seconds of a workday. */
PG_FUNCTION_INFO_V1(gridgov_working_day_seconds);
Datum
gridgov_working_day_seconds(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(calendar_workday_seconds());
}

/* SQL working_seconds(from, to). */
PG_FUNCTION_INFO_V1(gridgov_working_seconds);
Datum
gridgov_working_seconds(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(calendar_working_seconds(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1)));
}

/* SQL add_working_time(start, interval). */
PG_FUNCTION_INFO_V1(gridgov_add_working_time);
Datum
gridgov_add_working_time(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(calendar_add_working_seconds(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_INT64(1)));
}

/*
 * working_span(from_time, to_time, limit_unit) → bigint: the seconds between
 * two instants counted in a limit unit's way, clock time for clock_hour
 * (rounded to the nearest second, halves away from zero, as
 * EXTRACT(epoch FROM to_time - from_time)::bigint rounds), whole working
 * seconds otherwise.  An unknown unit is refused as deadline() refuses it,
 * not counted as working time.
 */
PG_FUNCTION_INFO_V1(gridgov_working_span);
Datum
gridgov_working_span(PG_FUNCTION_ARGS)
{
	TimestampTz from = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz to = PG_GETARG_TIMESTAMPTZ(1);
	CalendarUnit unit = calendar_unit_from_name(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	int64		usecs;
	int64		seconds;
	int64		rest;

	if (unit != CALENDAR_CLOCK_HOUR)
		PG_RETURN_INT64(calendar_working_seconds(from, to));
	check_finite(from);
	check_finite(to);
	if (pg_sub_s64_overflow(to, from, &usecs))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	seconds = usecs / USECS_PER_SEC;
	rest = usecs % USECS_PER_SEC;
	if (rest >= USECS_PER_SEC / 2)
		seconds++;
	else if (rest <= -USECS_PER_SEC / 2)
		seconds--;
	PG_RETURN_INT64(seconds);
}

/* SQL deadline(start, amount, unit). */
PG_FUNCTION_INFO_V1(gridgov_deadline);
Datum
gridgov_deadline(PG_FUNCTION_ARGS)
{
	TimestampTz start = PG_GETARG_TIMESTAMPTZ(0);
	Numeric		amount = PG_GETARG_NUMERIC(1);
	CalendarUnit unit = calendar_unit_from_name(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	double		value;

	/* judged as numeric, so a tiny negative amount is not taken for zero */
	if (numeric_is_nan(amount))
		check_amount(get_float8_nan(), "NaN");
	if (DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(amount),
										 NumericGetDatum(int64_to_numeric(0)))))
		check_amount(-1, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(amount))));
	value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(amount)));
	PG_RETURN_TIMESTAMPTZ(calendar_deadline(start, value, unit));
}

/* ----------------------------------------------------------------------
 * Set-up: the time zone setting and the cache
 * ----------------------------------------------------------------------
 */

/* The GUC check hook of gridgov.calendar_timezone: a zone PostgreSQL knows. */
static bool
calendar_timezone_check(char **newval, void **extra, GucSource source)
{
	pg_tz	   *tz;

	if (*newval == NULL || **newval == '\0')
	{
		GUC_check_errdetail("The working calendar needs a time zone name.");
		GUC_check_errhint("Use a name from pg_timezone_names, such as Asia/Shanghai.");
		return false;
	}
	tz = pg_tzset(*newval);
	if (tz == NULL)
	{
		GUC_check_errdetail("\"%s\" is not a time zone known to this server.", *newval);
		GUC_check_errhint("Use a name from pg_timezone_names, such as Asia/Shanghai.");
		return false;
	}
	if (!pg_tz_acceptable(tz))
	{
		GUC_check_errdetail("Time zone \"%s\" appears to use leap seconds.", *newval);
		GUC_check_errhint("Use a name from pg_timezone_names, such as Asia/Shanghai.");
		return false;
	}
	/* the GUC machinery frees extra: with free() before PostgreSQL 16 */
#if PG_VERSION_NUM >= 160000
	*extra = guc_malloc(LOG, sizeof(pg_tz *));
#else
	*extra = malloc(sizeof(pg_tz *));
#endif
	if (*extra == NULL)
		return false;
	*((pg_tz **) *extra) = tz;
	return true;
}

/* The GUC assign hook of gridgov.calendar_timezone: the cached zone changes. */
static void
calendar_timezone_assign(const char *newval, void *extra)
{
	calendar_tz = *((pg_tz **) extra);
	/* the tables' cache does not depend on the zone; the offsets do */
	zone_window.valid = false;
}

/* Register the GUC and the cache; called once from _PG_init. */
void
calendar_init(void)
{
	DefineCustomStringVariable("gridgov.calendar_timezone",
							   "Time zone in which the working calendar reads dates and working hours.",
							   "Dates in gridgov.calendar_day and times in gridgov.work_period are "
							   "wall-clock dates and times in this zone.",
							   &calendar_timezone_name,
							   "Asia/Shanghai",
							   PGC_SUSET,
							   0,
							   calendar_timezone_check,
							   calendar_timezone_assign,
							   NULL);
	calendar_cache_init();
}

/*
 * The zone of the working calendar, for SQL: calling a C function loads the
 * module, whose start-up defines the setting, where current_setting() in a
 * fresh session would not know it yet.
 */
PG_FUNCTION_INFO_V1(gridgov_calendar_timezone);
Datum
gridgov_calendar_timezone(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(calendar_timezone_name));
}

