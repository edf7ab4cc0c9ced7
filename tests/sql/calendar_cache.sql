-- The calendar is cached per backend: changes to its tables reach the cache
-- at once in the writing session (shown here) and, through the relcache
-- invalidation the tables' triggers send, in every other session from its
-- next transaction.  Also: the time zone setting, zones with DST, and bad
-- input with its SQLSTATE.
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- Wednesday 2026-03-11 is an ordinary workday; loading the cache here
SELECT is_workday('2026-03-11'), deadline('2026-03-10 17:00+08', 1, 'working_day');

-- a new holiday is seen by the next statement
INSERT INTO calendar_day VALUES ('2026-03-11', false, '本地假日');
-- Tue 17-18 1 h; Wed off; Thu 09-12 (4 h), 14-17 (7 h)
SELECT is_workday('2026-03-11'), deadline('2026-03-10 17:00+08', 1, 'working_day');
UPDATE calendar_day SET is_workday = true WHERE day = '2026-03-11';
SELECT is_workday('2026-03-11');
DELETE FROM calendar_day WHERE day = '2026-03-11';
SELECT is_workday('2026-03-11'), deadline('2026-03-10 17:00+08', 1, 'working_day');

-- a make-up Saturday, inside a transaction that is rolled back: the
-- rollback drops the cache too (the backend replays its own invalidations)
BEGIN;
INSERT INTO calendar_day VALUES ('2026-03-14', true, '测试调休');
-- Fri 03-13 17-18 1 h; Sat 03-14 09-12 (4 h), 14-17 (7 h)
SELECT is_workday('2026-03-14'), deadline('2026-03-13 17:00+08', 1, 'working_day');
ROLLBACK;
SELECT is_workday('2026-03-14'), deadline('2026-03-13 17:00+08', 1, 'working_day');

-- and a savepoint rolled back
BEGIN;
SAVEPOINT s;
DELETE FROM work_period WHERE starts = '14:00';
SELECT working_day_seconds(), deadline('2026-03-11 09:00+08', 1, 'working_day');
ROLLBACK TO SAVEPOINT s;
SELECT working_day_seconds(), deadline('2026-03-11 09:00+08', 1, 'working_day');
COMMIT;

-- changed working hours: 08:30-12:00 and 13:30-17:30, 7.5 h a day
BEGIN;
TRUNCATE work_period;
INSERT INTO work_period VALUES ('08:30', '12:00'), ('13:30', '17:30');
-- Wed 10:00-12:00 2 h, 13:30-17:30 4 h, Thu 08:30-10:00 1.5 h
SELECT working_day_seconds(), deadline('2026-03-11 10:00+08', 1, 'working_day'),
       working_seconds('2026-03-11 00:00+08', '2026-03-12 00:00+08');
ROLLBACK;
SELECT working_day_seconds();

-- The time zone the calendar reads in.  Working hours are wall-clock hours
-- there: 09:00 in Shanghai is 01:00 UTC.
SHOW gridgov.calendar_timezone;
SET gridgov.calendar_timezone = 'UTC';
-- Wed 2026-03-11 09:00+08 is 01:00 UTC, before opening: the whole UTC day,
-- which ends 18:00 UTC = Thu 02:00+08
SELECT deadline('2026-03-11 09:00+08', 1, 'working_day');
RESET gridgov.calendar_timezone;
SELECT deadline('2026-03-11 09:00+08', 1, 'working_day');
SET gridgov.calendar_timezone = 'Mars/Olympus_Mons';
\echo :LAST_ERROR_SQLSTATE
SET gridgov.calendar_timezone = '';
\echo :LAST_ERROR_SQLSTATE
SHOW gridgov.calendar_timezone;
-- only superusers may change it
CREATE ROLE calendar_test_user;
SET ROLE calendar_test_user;
SET gridgov.calendar_timezone = 'UTC';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE calendar_test_user;

-- A zone with DST.  Europe/Berlin moves its clocks on Sunday 2026-03-29
-- (02:00 CET -> 03:00 CEST) and Sunday 2026-10-25 (03:00 CEST -> 02:00 CET),
-- outside the working hours: a year holds as many working seconds as in
-- Shanghai (248 workdays, see calendar_deadlines), and a week across the
-- change five days.
SET gridgov.calendar_timezone = 'Europe/Berlin';
SET timezone = 'Europe/Berlin';
SELECT working_seconds('2026-01-01 00:00', '2027-01-01 00:00') AS year_2026,
       248 * 25200 AS expected,
       working_seconds('2026-03-23 00:00', '2026-03-30 00:00') AS week_before_spring_change,
       working_seconds('2026-10-19 09:00', '2026-10-26 09:00') AS week_across_autumn_change;
-- Fri 2026-03-27 17:00 CET + 2 working hours: Fri 17-18, Mon 09:00-10:00 CEST
SELECT deadline('2026-03-27 17:00', 2, 'working_hour');
-- Working round the clock on the change days, worked as make-up Sundays:
-- 29 March has 23 hours, 25 October 25.
BEGIN;
INSERT INTO calendar_day VALUES ('2026-03-29', true, 'DST test'), ('2026-10-25', true, 'DST test');
TRUNCATE work_period;
INSERT INTO work_period VALUES ('00:00', '24:00');
SELECT working_seconds('2026-03-29 00:00', '2026-03-30 00:00') AS spring_day, 23 * 3600 AS expected_spring,
       working_seconds('2026-10-25 00:00', '2026-10-26 00:00') AS autumn_day, 25 * 3600 AS expected_autumn,
       -- Sat rest, Sun 23 h, Mon 24 h
       working_seconds('2026-03-28 00:00', '2026-03-31 00:00') AS sat_to_tue, 47 * 3600 AS expected;
-- three working hours from midnight CET: 01:00, 02:00 CET = 03:00 CEST, 04:00 CEST
SELECT add_working_time('2026-03-29 00:00', 3 * 3600) AS three_hours_after_midnight,
       add_working_time('2026-10-25 00:00', 3 * 3600) AS in_autumn;
ROLLBACK;
-- a period that the change cuts short: 01:00-04:00 on the spring Sunday
-- holds two hours, on the autumn one four (01:00 CEST to 04:00 CET)
BEGIN;
INSERT INTO calendar_day VALUES ('2026-03-29', true, 'DST test'), ('2026-10-25', true, 'DST test');
TRUNCATE work_period;
INSERT INTO work_period VALUES ('01:00', '04:00');
SELECT working_seconds('2026-03-29 00:00', '2026-03-30 00:00') AS spring, 2 * 3600 AS expected_spring,
       working_seconds('2026-10-25 00:00', '2026-10-26 00:00') AS autumn, 4 * 3600 AS expected_autumn,
       -- a whole year: 2 + 4 + 3 h a day on the 248 + 2 - 2 other workdays
       working_seconds('2026-01-01 00:00', '2027-01-01 00:00') AS year,
       (2 + 4 + 248 * 3) * 3600 AS expected_year;
SELECT add_working_time('2026-03-27 03:00', 2 * 3600) AS fri_3am_plus_2h;  -- Fri 03-04, Sun 01:00-03:00 CEST (one hour gone)
ROLLBACK;
RESET gridgov.calendar_timezone;
SET timezone = 'Asia/Shanghai';

-- bad input
SELECT deadline('2026-03-11 09:00+08', 1, 'fortnight');
\echo :LAST_ERROR_SQLSTATE
SELECT deadline('2026-03-11 09:00+08', 1, 'Working_Day');
\echo :LAST_ERROR_SQLSTATE
SELECT deadline('2026-03-11 09:00+08', -1, 'working_day');
\echo :LAST_ERROR_SQLSTATE
SELECT deadline('2026-03-11 09:00+08', -0.000001, 'clock_hour');
\echo :LAST_ERROR_SQLSTATE
SELECT deadline('2026-03-11 09:00+08', 'NaN', 'working_hour');
\echo :LAST_ERROR_SQLSTATE
SELECT deadline('2026-03-11 09:00+08', 1e300, 'working_hour');
\echo :LAST_ERROR_SQLSTATE
SELECT add_working_time('2026-03-11 09:00+08', -5);
\echo :LAST_ERROR_SQLSTATE
SELECT add_working_time('2026-03-11 09:00+08', 9223372036854775807);
\echo :LAST_ERROR_SQLSTATE
SELECT working_seconds('-infinity', '2026-03-11 09:00+08');
\echo :LAST_ERROR_SQLSTATE
SELECT deadline('infinity', 1, 'clock_hour');
\echo :LAST_ERROR_SQLSTATE
SELECT is_workday('infinity');
\echo :LAST_ERROR_SQLSTATE
-- NULL in, NULL out
SELECT deadline(NULL, 1, 'working_day') IS NULL AS null_start, working_seconds(now(), NULL) IS NULL AS null_to;

-- no working periods: no working time ever elapses
BEGIN;
DELETE FROM work_period;
SELECT working_day_seconds(), working_seconds('2026-03-11 00:00+08', '2026-03-18 00:00+08'),
       add_working_time('2026-03-11 10:00+08', 0) AS zero_seconds,
       deadline('2026-03-11 10:00+08', 0, 'working_day') AS zero_days;
SELECT add_working_time('2026-03-11 10:00+08', 1);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
DELETE FROM work_period;
SELECT deadline('2026-03-11 10:00+08', 2, 'working_hour');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- ten years of holidays by mistake: the calendar refuses to look further
BEGIN;
INSERT INTO calendar_day
SELECT d, false, 'wrong' FROM generate_series(date '2027-01-01', date '2037-12-31', interval '1 day') d;
SELECT add_working_time('2026-12-31 17:00+08', 3600) AS last_hour_of_2026;
SAVEPOINT before_error;
SELECT add_working_time('2026-12-31 17:00+08', 3601);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT before_error;
SELECT deadline('2026-12-31 17:00+08', 30, 'working_day');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- (2027's holidays are not loaded: 2027-01-01 counts as an ordinary Friday)
SELECT add_working_time('2026-12-31 17:00+08', 3601) AS first_second_of_2027;

-- the end of time
SELECT add_working_time('294276-12-20 09:00+00', 100000000);
\echo :LAST_ERROR_SQLSTATE
