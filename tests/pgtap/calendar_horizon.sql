-- The calendar's horizon: which years it holds, deadlines past them counted
-- on plain weekdays and marked provisional, a year loaded in the notice's
-- shape (validated), and the provisional deadlines counted again.  2026 is
-- taken out and loaded again from its notice (the rows the extension
-- ships); the 2027 used below is made up, inside this rolled-back
-- transaction, and says so in its source.
BEGIN;
\ir case_fixture.psql
SET client_min_messages = error;
SELECT plan(24);

SELECT is(calendar_horizon(), '2026-12-31'::date, 'the shipped calendar holds up to the end of 2026');
SELECT results_eq($$SELECT year, rest_days, makeup_workdays, workdays, within_horizon FROM calendar_years ORDER BY year$$,
                  $$VALUES (2025, 28::bigint, 5::bigint, 248::bigint, true), (2026, 33, 6, 248, true)$$,
                  'calendar_years: both shipped years, with the counts docs/calendar.md gives');

-- without 2026, a limit from the last afternoon of 2025 runs past the horizon
CREATE TEMP TABLE shipped_2026 AS
SELECT day, is_workday, note FROM calendar_day WHERE day BETWEEN '2026-01-01' AND '2026-12-31';
DELETE FROM calendar_day WHERE day BETWEEN '2026-01-01' AND '2026-12-31';
DELETE FROM calendar_year WHERE year = 2026;
SELECT is(calendar_horizon(), '2025-12-31'::date, 'the horizon follows calendar_year');

INSERT INTO category (code, name) VALUES ('long_task', '长期事项');
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
VALUES ('long_task', 1, 5, 'working_day', 30, 1, 1, 1);
INSERT INTO cases (id, category, severity, channel, location, reported_at) VALUES
    (1, 'noise', 1, 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2025-12-31 16:00+08'),
    (2, 'noise', 4, 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2025-12-31 16:00+08'),
    (3, 'long_task', 1, 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-12-01 10:00+08'),
    (4, 'noise', 1, 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2025-12-30 10:00+08');
SELECT results_eq($$SELECT id, stage_deadline, deadline_provisional FROM cases ORDER BY id$$,
                  $$VALUES (1::bigint, '2026-01-01 16:00+08'::timestamptz, true),
                           (2, '2025-12-31 17:00+08', false),
                           (3, '2027-01-12 10:00+08', true),
                           (4, '2025-12-31 10:00+08', false)$$,
                  'past the horizon on plain weekdays (2 h on 12-31, 5 h on Thursday 01-01), provisional; clock hours and deadlines inside it are not');
SELECT results_eq($$SELECT id, deadline_provisional FROM case_clock('2025-12-31 17:00+08') ORDER BY id$$,
                  $$VALUES (1::bigint, true), (2, false), (3, true), (4, false)$$,
                  'case_clock, the view BI tools read, says so too');

-- a move that starts a stage counts its deadline afresh
SELECT lives_ok($$SELECT accept(4, at => '2025-12-31 11:00+08')$$, 'accept a case on the last morning of 2025');
SELECT results_eq($$SELECT stage, stage_deadline, deadline_provisional FROM cases WHERE id = 4$$,
                  $$VALUES ('dispatch', '2026-01-01 11:00+08'::timestamptz, true)$$,
                  'its dispatch stage runs into 2026: provisional');

-- the engine's column is the engine's
SELECT throws_ok($$UPDATE cases SET deadline_provisional = true WHERE id = 2$$, 'GG001',
                 'column "deadline_provisional" of case 2 is kept by the case engine',
                 'a caller cannot mark a deadline provisional');

-- the notice's shape, checked
SELECT throws_ok($$SELECT load_calendar_year(2026, '[{"holiday": "元旦", "from": "2026-01-01", "to": "2026-01-03", "makeup_workdays": ["2026-01-05"]}]', 'test')$$,
                 '22023', 'make-up workday 2026-01-05 of 元旦 (2026) is a Monday', 'a make-up workday on a weekday');
SELECT throws_ok($$SELECT load_calendar_year(2026, '[{"holiday": "中秋节", "from": "2026-09-25", "to": "2026-10-02"}, {"holiday": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}]', 'test')$$,
                 '22023', 'the schedule of 2026 does not hold: holidays 中秋节 2026-09-25..2026-10-02 and 国庆节 2026-10-01..2026-10-07 overlap',
                 'overlapping holidays');
SELECT throws_ok($$SELECT load_calendar_year(2026, '[{"holiday": "元旦", "from": "2026-01-01", "to": "2026-01-03", "makeup_workdays": ["2026-01-03"]}]', 'test')$$,
                 '22023', 'the schedule of 2026 does not hold: make-up workday 2026-01-03 of 元旦 falls on a rest day of 元旦',
                 'a make-up workday inside a holiday');
SELECT throws_ok($$SELECT load_calendar_year(2026, '[{"holiday": "元旦", "from": "2025-12-31", "to": "2026-01-03"}]', 'test')$$,
                 '22023', 'holiday 元旦 2025-12-31..2026-01-03 lies outside 2026', 'a day of another year');
SELECT throws_ok($$SELECT load_calendar_year(2026, '[{"holiday": "元旦", "from": "2026-01-03", "to": "2026-01-01"}]', 'test')$$,
                 '22023', 'holiday 元旦 of 2026 ends on 2026-01-01 before it starts on 2026-01-03', 'a period backwards');
SELECT throws_ok($$SELECT load_calendar_year(2026, '[{"holiday": "元旦", "start": "2026-01-01", "to": "2026-01-03"}]', 'test')$$,
                 '22023', NULL, 'an unknown key');
SELECT is((SELECT count(*) FROM calendar_day WHERE day BETWEEN '2026-01-01' AND '2026-12-31')::int, 0,
          'a refused year leaves nothing behind');

-- loading 2026 from its notice gives back the shipped rows and recounts
SELECT is(load_calendar_year(2026, $$[
     {"holiday": "元旦", "from": "2026-01-01", "to": "2026-01-03", "makeup_workdays": ["2026-01-04"]},
     {"holiday": "春节", "from": "2026-02-15", "to": "2026-02-23", "makeup_workdays": ["2026-02-14", "2026-02-28"]},
     {"holiday": "清明节", "from": "2026-04-04", "to": "2026-04-06"},
     {"holiday": "劳动节", "from": "2026-05-01", "to": "2026-05-05", "makeup_workdays": ["2026-05-09"]},
     {"holiday": "端午节", "from": "2026-06-19", "to": "2026-06-21", "makeup_workdays": []},
     {"holiday": "中秋节", "from": "2026-09-25", "to": "2026-09-27"},
     {"holiday": "国庆节", "from": "2026-10-01", "to": "2026-10-07", "makeup_workdays": ["2026-09-20", "2026-10-10"]}
   ]$$, '国务院办公厅关于2026年部分节假日安排的通知'), 3::bigint, 'load 2026: three provisional deadlines counted again');
SELECT set_eq($$SELECT day, is_workday, note FROM calendar_day WHERE day BETWEEN '2026-01-01' AND '2026-12-31'$$,
              $$SELECT day, is_workday, note FROM shipped_2026$$, 'the notice gives exactly the shipped rows of 2026');
SELECT is(calendar_horizon(), '2026-12-31'::date, 'the horizon is the end of 2026 again');
SELECT results_eq($$SELECT id, stage_deadline, deadline_provisional FROM cases ORDER BY id$$,
                  $$VALUES (1::bigint, '2026-01-04 16:00+08'::timestamptz, false),
                           (2, '2025-12-31 17:00+08', false),
                           (3, '2027-01-12 10:00+08', true),
                           (4, '2026-01-04 11:00+08', false)$$,
                  'exact now: New Year''s Day off, Sunday 01-04 a make-up workday; the 2027 one stays provisional');
SELECT is((SELECT count(*) FROM case_history)::int, 5, 'a recount is no move: no history row');
SELECT is_empty($$SELECT * FROM verify_history()$$, 'every chain still holds');

-- a made-up 2027 (not the State Council's; the real one comes from its notice)
SELECT is(load_calendar_year(2027, '[{"holiday": "元旦", "from": "2027-01-01", "to": "2027-01-03"}]',
                             'made up for this test'), 1::bigint, 'load a made-up 2027');
SELECT results_eq($$SELECT stage_deadline, deadline_provisional FROM cases WHERE id = 3$$,
                  $$VALUES ('2027-01-13 10:00+08'::timestamptz, false)$$,
                  'across 2026-12-31: a day later, exact');
SELECT is(stage_deadline, deadline(reported_at, 30, 'working_day'), 'the same as deadline() counts now')
  FROM cases WHERE id = 3;

SELECT * FROM finish();
ROLLBACK;
