-- The calendar's tables: the preloaded 2025-2026 schedule, the working
-- periods, their constraints, what pg_dump keeps, and the cache triggers.
SET search_path = gridgov, public;
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- the schedule as loaded: each holiday period with its make-up workdays
SELECT note, min(day) AS first_day, max(day) AS last_day, count(*) AS days,
       count(*) FILTER (WHERE extract(isodow FROM day) < 6) AS weekdays_off
  FROM calendar_day WHERE NOT is_workday
 GROUP BY note, extract(year FROM day) ORDER BY min(day);
SELECT day, to_char(day, 'Dy') AS dow, note FROM calendar_day WHERE is_workday ORDER BY day;

-- every make-up workday is a weekend day; rows for weekend holidays agree
-- with the weekday rule and so change nothing
SELECT count(*) FILTER (WHERE is_workday AND extract(isodow FROM day) < 6) AS weekday_makeups,
       count(*) FILTER (WHERE NOT is_workday AND extract(isodow FROM day) >= 6) AS weekend_holiday_rows
  FROM calendar_day;

SELECT starts, ends, ends - starts AS length FROM work_period ORDER BY starts;
SELECT working_day_seconds();

-- constraints
INSERT INTO calendar_day VALUES ('infinity', false, 'never');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO calendar_day VALUES ('2026-10-01', true, 'twice');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO work_period VALUES ('11:00', '13:00');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO work_period VALUES ('19:00', '19:00');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO work_period VALUES ('17:59', '18:01');
\echo :LAST_ERROR_SQLSTATE
-- touching periods do not overlap: [12:00, 13:00) may follow [09:00, 12:00)
BEGIN;
INSERT INTO work_period VALUES ('12:00', '13:00'), ('18:00', '24:00');
SELECT starts, ends FROM work_period ORDER BY starts;
SELECT working_day_seconds();
ROLLBACK;

-- pg_dump keeps the rows a user adds, not the preloaded ones
SELECT c.relname,
       CASE WHEN length(e.cond) > 120 THEN left(e.cond, 60) || ' ... ' || right(e.cond, 40) ELSE e.cond END AS dump_filter
  FROM pg_extension x,
       unnest(x.extconfig, x.extcondition) AS e(relid, cond)
       JOIN pg_class c ON c.oid = e.relid
 WHERE x.extname = 'gridgov' AND c.relname IN ('calendar_day', 'work_period')
 ORDER BY c.relname;
-- the rows a dump would hold: each table read through its own filter
CREATE FUNCTION pg_temp.dumped_rows(tbl regclass) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    cond text;
BEGIN
    SELECT extcondition[array_position(extconfig, tbl::oid)] INTO cond FROM pg_extension WHERE extname = 'gridgov';
    RETURN QUERY EXECUTE format('SELECT t::text FROM %s t %s ORDER BY 1', tbl, cond);
END
$$;
BEGIN;
INSERT INTO calendar_day VALUES ('2027-01-01', false, '元旦'), ('2026-03-11', false, '本地假日');
INSERT INTO work_period VALUES ('19:00', '20:00');
SELECT pg_temp.dumped_rows('gridgov.calendar_day') AS dumped_day;
SELECT pg_temp.dumped_rows('gridgov.work_period') AS dumped_period;
-- a preloaded day changed is not dumped (CREATE EXTENSION restores it as it was)
UPDATE calendar_day SET note = '国庆节(改)' WHERE day = '2026-10-07';
SELECT count(*) AS dumped_days FROM pg_temp.dumped_rows('gridgov.calendar_day');
ROLLBACK;

-- the cache triggers: after each statement, also for replicated rows
SELECT tgrelid::regclass AS "table", tgname, tgenabled, pg_get_triggerdef(oid) AS definition
  FROM pg_trigger
 WHERE tgfoid = 'gridgov.invalidate_cache()'::regprocedure
   AND tgrelid IN ('gridgov.calendar_day'::regclass, 'gridgov.work_period'::regclass)
 ORDER BY 1;

-- the function refuses to work as anything but such a trigger
CREATE TEMP TABLE wrong_use (x int);
CREATE TRIGGER wrong_use AFTER INSERT ON wrong_use FOR EACH ROW EXECUTE FUNCTION gridgov.invalidate_cache();
INSERT INTO wrong_use VALUES (1);
\echo :LAST_ERROR_SQLSTATE
DROP TABLE wrong_use;

-- labels of the calendar's functions
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'gridgov'::regnamespace
   AND p.proname IN ('invalidate_cache', 'is_workday', 'working_day_seconds', 'working_seconds',
                     'add_working_time', 'deadline')
 ORDER BY p.oid::regprocedure::text;

-- the setting
SELECT name, setting, context, vartype FROM pg_settings WHERE name = 'gridgov.calendar_timezone';
