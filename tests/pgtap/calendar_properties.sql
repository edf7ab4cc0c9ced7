-- The working calendar's behaviour over many generated instants, checked
-- against a reference implementation in plain SQL (every day, every period,
-- clipped to the interval: slow and obviously right), in Asia/Shanghai and
-- in a zone with DST whose clock changes fall inside working hours; then the
-- properties the case engine relies on, the cache, and the errors.
BEGIN;
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';
SELECT plan(37);

-- the reference: is a date a workday, and working seconds in [a, b)
CREATE FUNCTION pg_temp.ref_is_workday(d date) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT c.is_workday FROM gridgov.calendar_day c WHERE c.day = d),
                    extract(isodow FROM d) < 6)
$$;
CREATE FUNCTION pg_temp.ref_working_seconds(a timestamptz, b timestamptz, zone text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT trunc(coalesce(sum(greatest(0, extract(epoch FROM
                     least(b, (g.d + p.ends) AT TIME ZONE zone) - greatest(a, (g.d + p.starts) AT TIME ZONE zone)))), 0))::bigint
      FROM (SELECT d::date FROM generate_series((a AT TIME ZONE zone)::date - 1, (b AT TIME ZONE zone)::date + 1,
                                                interval '1 day') AS d) AS g(d),
           gridgov.work_period p
     WHERE pg_temp.ref_is_workday(g.d)
$$;

-- 400 instants spread over 2025-2026 (minutes and odd seconds), each with a
-- span of up to 40 working days, and a few hundred more around the holidays
CREATE TEMP TABLE sample AS
SELECT i, '2024-12-20 00:00+08'::timestamptz
          + ((i * 104729) % 1051200) * interval '1 minute' + (i % 7) * interval '13.25 seconds' AS t,
       (i * 7907) % (40 * 25200) + 1 AS s
  FROM generate_series(1, 400) i
UNION ALL
SELECT 1000 + i, h.day + ((i * 37) % 1440) * interval '1 minute', (i * 613) % (3 * 25200) + 1
  FROM generate_series(0, 5) i, (SELECT day::timestamp AT TIME ZONE 'Asia/Shanghai' AS day FROM calendar_day) h;

SELECT is((SELECT count(*) FROM generate_series(date '2024-12-01', date '2027-01-31', interval '1 day') d
            WHERE is_workday(d::date) IS DISTINCT FROM pg_temp.ref_is_workday(d::date)),
          0::bigint, 'is_workday agrees with the reference on every day of 2024-12 to 2027-01');
SELECT is((SELECT count(*) FROM sample
            WHERE working_seconds(t, t + s * interval '2 minutes')
                  IS DISTINCT FROM pg_temp.ref_working_seconds(t, t + s * interval '2 minutes', 'Asia/Shanghai')),
          0::bigint, 'working_seconds agrees with the reference (Asia/Shanghai)');
SELECT is((SELECT count(*) FROM sample a JOIN sample b ON b.i = a.i % 397 + 1
            WHERE working_seconds(a.t, b.t)
                  IS DISTINCT FROM sign(extract(epoch FROM b.t - a.t))
                     * pg_temp.ref_working_seconds(least(a.t, b.t), greatest(a.t, b.t), 'Asia/Shanghai')),
          0::bigint, 'working_seconds agrees with the reference in both directions, up to two years apart');

-- the properties
SELECT is((SELECT count(*) FROM sample WHERE working_seconds(t, add_working_time(t, s)) <> s),
          0::bigint, 'round trip: working_seconds(t, add_working_time(t, s)) = s');
SELECT is((SELECT count(*) FROM sample
            WHERE working_seconds(t, add_working_time(t, s) - interval '1 microsecond') <> s - 1),
          0::bigint, 'minimal: one microsecond earlier, a second is missing');
SELECT is((SELECT count(*) FROM sample WHERE add_working_time(t, s) >= add_working_time(t, s + 1)),
          0::bigint, 'monotone in the amount: one more second is later');
SELECT is((SELECT count(*) FROM sample
            WHERE add_working_time(t, s) > add_working_time(t + interval '1 minute', s)),
          0::bigint, 'monotone in the start: a later start is never earlier');
SELECT is((SELECT count(*) FROM sample
            WHERE NOT is_workday((add_working_time(t, s) - interval '1 microsecond')::date)
               OR NOT EXISTS (SELECT FROM work_period p
                               WHERE (add_working_time(t, s) - interval '1 microsecond')::time >= p.starts
                                 AND (add_working_time(t, s) - interval '1 microsecond')::time < p.ends)),
          0::bigint, 'a deadline falls in working time (or at the end of a period)');
SELECT is((SELECT count(*) FROM sample
            WHERE working_seconds(date_trunc('second', t), date_trunc('second', t) + interval '3 days')
                  + working_seconds(date_trunc('second', t) + interval '3 days', date_trunc('second', t) + interval '40 days')
                  <> working_seconds(date_trunc('second', t), date_trunc('second', t) + interval '40 days')),
          0::bigint, 'additive: ws(a, b) + ws(b, c) = ws(a, c) (whole seconds apart, so no rounding)');
SELECT is((SELECT count(*) FROM sample
            WHERE working_seconds(t + s * interval '1 minute', t) <> -working_seconds(t, t + s * interval '1 minute')),
          0::bigint, 'antisymmetric: ws(b, a) = -ws(a, b)');
SELECT is((SELECT count(*) FROM sample
            WHERE add_working_time(t, s) <> add_working_time(add_working_time(t, s / 3), s - s / 3)),
          0::bigint, 'adding in two steps is adding once (when the first step is not zero)');
SELECT is((SELECT count(*) FROM sample
            WHERE deadline(t, i % 9, 'working_day') <> add_working_time(t, (i % 9) * working_day_seconds())
               OR deadline(t, i % 30, 'working_hour') <> add_working_time(t, (i % 30) * 3600)
               OR deadline(t, i % 50, 'clock_hour') <> t + (i % 50) * interval '1 hour'),
          0::bigint, 'deadline is add_working_time in working days and hours, plain arithmetic in clock hours');
SELECT is(deadline('2026-03-11 10:00+08', 1.5, 'working_day'), add_working_time('2026-03-11 10:00+08', 37800),
          'a fraction of a working day is that fraction of its seconds');
SELECT is(add_working_time('2026-03-11 12:30+08', 0), '2026-03-11 12:30+08'::timestamptz,
          'zero seconds from the lunch break is the instant itself');

-- a zone with DST, and working periods across the clock changes (which
-- come at 02:00 on Sundays in America/New_York): the changing Sundays made
-- workdays, working hours 01:00-02:30, 02:30-09:00 and 13:00-24:00
INSERT INTO calendar_day VALUES ('2025-03-09', true, 'DST test'), ('2025-11-02', true, 'DST test'),
                                ('2026-03-08', true, 'DST test'), ('2026-11-01', true, 'DST test');
TRUNCATE work_period;
INSERT INTO work_period VALUES ('01:00', '02:30'), ('02:30', '09:00'), ('13:00', '24:00');
SET gridgov.calendar_timezone = 'America/New_York';
SET timezone = 'America/New_York';
SELECT is(working_day_seconds(), 68400::bigint, 'a standard day there holds 19 working hours');
SELECT is(working_seconds('2026-03-08 00:00', '2026-03-09 00:00'), 18 * 3600::bigint,
          'the spring Sunday holds 18 (02:00-03:00 does not exist)');
SELECT is(working_seconds('2026-11-01 00:00', '2026-11-02 00:00'), 19 * 3600::bigint,
          'the autumn Sunday holds 19 (01:00-02:00 happens twice, and 01:00 is read as the later one)');
SELECT is((SELECT count(*) FROM sample
            WHERE working_seconds(t, t + s * interval '2 minutes')
                  IS DISTINCT FROM pg_temp.ref_working_seconds(t, t + s * interval '2 minutes', 'America/New_York')),
          0::bigint, 'working_seconds agrees with the reference (America/New_York)');
SELECT is((SELECT count(*) FROM generate_series(0, 2 * 24 * 4 - 1) q,
                  LATERAL (SELECT '2026-03-07 00:00'::timestamptz + q * interval '15 minutes' AS t) x
            WHERE working_seconds(x.t, x.t + interval '50 hours')
                  IS DISTINCT FROM pg_temp.ref_working_seconds(x.t, x.t + interval '50 hours', 'America/New_York')
               OR working_seconds(x.t + interval '8 months', x.t + interval '8 months 50 hours')
                  IS DISTINCT FROM pg_temp.ref_working_seconds(x.t + interval '8 months', x.t + interval '8 months 50 hours', 'America/New_York')),
          0::bigint, 'and every quarter hour around both clock changes');
SELECT is((SELECT count(*) FROM sample WHERE working_seconds(t, add_working_time(t, s)) <> s),
          0::bigint, 'round trip across clock changes');
SELECT is((SELECT count(*) FROM sample WHERE add_working_time(t, s) >= add_working_time(t, s + 1)),
          0::bigint, 'monotone across clock changes');
SELECT is(add_working_time('2026-03-08 01:30', 3600), '2026-03-08 03:30-04'::timestamptz,
          'an hour from 01:30 EST ends at 03:30 EDT');
RESET gridgov.calendar_timezone;
SET timezone = 'Asia/Shanghai';
SELECT is(working_day_seconds(), 68400::bigint, 'the zone setting changes no table');

-- the cache follows the tables within the session
SELECT is(working_seconds('2026-03-11 00:00+08', '2026-03-12 00:00+08'), 68400::bigint,
          'changed working hours are in use at once');
TRUNCATE work_period;
INSERT INTO work_period VALUES ('09:00', '12:00'), ('14:00', '18:00');
SELECT is(is_workday('2026-03-11'), true, 'an ordinary Wednesday works');
INSERT INTO calendar_day VALUES ('2026-03-11', false, 'test holiday');
SELECT is(is_workday('2026-03-11'), false, 'a holiday inserted is seen by the next statement');
SELECT is(deadline('2026-03-10 17:00+08', 1, 'working_day'), '2026-03-12 17:00+08'::timestamptz,
          'and deadlines step over it');
DELETE FROM calendar_day WHERE note = 'test holiday';
SELECT is(deadline('2026-03-10 17:00+08', 1, 'working_day'), '2026-03-11 17:00+08'::timestamptz,
          'a holiday deleted is gone at once');

-- errors
SELECT throws_ok($$SELECT deadline(now(), 1, 'fortnight')$$, '22023',
                 'unknown deadline unit "fortnight"', 'an unknown unit is refused');
SELECT throws_ok($$SELECT deadline(now(), -2, 'working_day')$$, '22023',
                 'negative deadline amount -2', 'a negative amount is refused');
SELECT throws_ok($$SELECT add_working_time(now(), -1)$$, '22023', NULL,
                 'negative working time is refused');
SELECT throws_ok($$SELECT working_seconds(now(), 'infinity')$$, '22008', NULL,
                 'an infinite instant is refused');
SELECT throws_ok($$SET gridgov.calendar_timezone = 'Atlantis/Capital'$$, '22023', NULL,
                 'an unknown time zone is refused');
SELECT throws_ok($$INSERT INTO work_period VALUES ('11:30', '14:30')$$, '23P01', NULL,
                 'overlapping working periods are refused');
SELECT throws_ok($$INSERT INTO work_period VALUES ('20:00', '19:00')$$, '23514', NULL,
                 'a period must end after it starts');
DELETE FROM work_period;
SELECT throws_ok($$SELECT add_working_time('2026-03-11 10:00+08', 60)$$, '55000',
                 'the working calendar has no working periods', 'no working periods: no deadline');
SELECT is(working_seconds('2026-03-11 00:00+08', '2026-03-12 00:00+08'), 0::bigint,
          'no working periods: no working time');

SELECT * FROM finish();
ROLLBACK;
