-- The examples of docs/calendar.md, run for real: tools/check-docs checks
-- that every example in the docs appears, with its output, in expected/.
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
BEGIN;
SELECT d AS day, to_char(d, 'Dy') AS dow, is_workday(d)
  FROM unnest('{2026-09-19,2026-09-20,2026-09-25,2026-10-08,2026-10-10}'::date[]) AS d;
SELECT starts, ends FROM work_period ORDER BY starts;
SELECT working_day_seconds();
SELECT deadline('2026-09-25 16:00+08', 1, 'working_day');
SELECT deadline('2026-09-30 10:00+08', 3, 'working_day') AS three_days,
       deadline('2026-09-30 10:00+08', 4, 'working_hour') AS four_hours,
       deadline('2026-09-30 10:00+08', 48, 'clock_hour') AS two_clock_days;
SELECT deadline('2026-03-13 16:00+08', 2, 'working_hour') AS ends_at_close,
       deadline('2026-03-11 12:30+08', 1, 'working_hour') AS from_lunch,
       deadline('2026-03-11 12:00+08', 1, 'working_day') AS from_noon,
       deadline('2026-03-11 12:30+08', 0, 'working_hour') AS zero;
SELECT deadline('2026-03-11 19:00+08', 0.5, 'working_day');
SELECT working_seconds('2026-09-18 09:00+08', '2026-10-12 09:00+08') AS seconds,
       working_seconds('2026-09-18 09:00+08', '2026-10-12 09:00+08') / working_day_seconds() AS working_days;
SELECT working_seconds('2026-03-11 11:00+08', '2026-03-11 15:00+08') AS across_lunch,
       working_seconds('2026-03-16 16:00+08', '2026-03-13 16:00+08') AS backwards;
SELECT add_working_time('2026-02-13 17:00+08', 8 * 3600);
SELECT day, to_char(day, 'Dy') AS dow, is_workday, note
  FROM calendar_day WHERE day BETWEEN '2026-09-20' AND '2026-10-10' ORDER BY day;
SELECT extract(year FROM day) AS year, count(*) FILTER (WHERE NOT is_workday) AS rest_rows,
       count(*) FILTER (WHERE is_workday) AS makeup_rows
  FROM calendar_day GROUP BY 1 ORDER BY 1;
SELECT deadline('2026-12-31 17:00+08', 1, 'working_day');
SELECT calendar_horizon();
SELECT year, source, rest_days, makeup_workdays, workdays, within_horizon FROM calendar_years ORDER BY year;
SAVEPOINT made_up;
SELECT load_calendar_year(2027, $$[
    {"holiday": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
    {"holiday": "春节", "from": "2027-02-06", "to": "2027-02-12", "makeup_workdays": ["2027-02-13"]}
  ]$$, 'made up for this page: not the State Council''s schedule');
SELECT deadline('2026-12-31 17:00+08', 1, 'working_day');
SELECT calendar_horizon();
ROLLBACK TO made_up;
\set SHOW_CONTEXT never
SELECT load_calendar_year(2027, '[{"holiday": "元旦", "from": "2027-01-01", "to": "2027-01-03", "makeup_workdays": ["2027-01-04"]}]', 'made up');
ROLLBACK TO made_up;
SELECT load_calendar_year(2027, $$[
    {"holiday": "春节", "from": "2027-02-06", "to": "2027-02-12"},
    {"holiday": "元宵", "from": "2027-02-12", "to": "2027-02-13"}
  ]$$, 'made up');
ROLLBACK TO made_up;
\set SHOW_CONTEXT errors
SHOW gridgov.calendar_timezone;
SET LOCAL gridgov.calendar_timezone = 'UTC';
SELECT deadline('2026-03-11 09:00+08', 1, 'working_day');
ROLLBACK;
SELECT deadline('2026-03-11 09:00+08', 1, 'fortnight');
SELECT deadline('2026-03-11 09:00+08', -1, 'working_day');
SELECT add_working_time('2026-03-11 09:00+08', -60);
BEGIN;
DELETE FROM work_period;
SELECT add_working_time('2026-03-11 09:00+08', 60);
ROLLBACK;
SET gridgov.calendar_timezone = 'Asia/Shanghia';
