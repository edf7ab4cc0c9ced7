-- Rollups that stay current: over a simulated month of cases written with
-- late moves (closures, rejections, escalations, deletions, cases entered
-- late on old days) and deadlines passing between refreshes, after each
-- refresh_rollups() kpi_daily, kpi_unit_daily, kpi_handler_daily and
-- risk_daily equal a full rescan (refresh_kpi_daily, refresh_risk_daily from scratch), state for
-- state; and a refresh recomputes only the pairs that changed.
BEGIN;
\ir case_fixture.psql
SET client_min_messages = error;
SELECT plan(24);
SELECT setseed(0.14);

-- rows written as a restore writes them (the engine's triggers off), so any
-- state can be set; the change log's triggers fire all the same
SET LOCAL session_replication_role = replica;
INSERT INTO cases (id, district, unit, category, channel, status, handling_level, severity, stage, reported_at,
                   accepted_at, stage_deadline, closed_at, deadlines_missed, satisfaction, handler)
SELECT n, '440311', (ARRAY['440311006003001', '440311006004001', '440311001001001'])[1 + n % 3]::gridcode,
       (ARRAY['noise', 'neighbour_dispute'])[1 + n % 2], 'hotline',
       CASE WHEN n % 4 = 0 THEN 'closed' ELSE 'accepted' END, 5, 1 + n % 3, 'dispatch',
       r, r + interval '1 hour', r + (1 + n % 9) * interval '1 day',
       CASE WHEN n % 4 = 0 THEN r + interval '2 days' END, n % 2, CASE WHEN n % 4 = 0 THEN 1 + n % 5 END,
       NULLIF(n % 7, 0)
  FROM generate_series(1, 3000) n,
       LATERAL (SELECT timestamptz '2026-10-01 00:00+08' + (n % 30) * interval '1 day' + (n % 17) * interval '37 minutes' AS r) t;

-- the rollups as a rescan makes them, at as_of
CREATE FUNCTION pg_temp.rescan(as_of timestamptz) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS inc_kpi, inc_unit, inc_risk, inc_handler;
    CREATE TEMP TABLE inc_kpi AS SELECT day, unit, category, kpi::text AS k FROM gridgov.kpi_daily;
    CREATE TEMP TABLE inc_unit AS SELECT day, unit, kpi::text AS k FROM gridgov.kpi_unit_daily;
    CREATE TEMP TABLE inc_handler AS SELECT day, handler, district, kpi::text AS k FROM gridgov.kpi_handler_daily;
    CREATE TEMP TABLE inc_risk AS SELECT day, unit, severity, cases, round(mass::numeric, 9) AS mass FROM gridgov.risk_daily;
    PERFORM gridgov.refresh_kpi_daily('2026-09-01', '2026-12-31', as_of);
    DELETE FROM gridgov.risk_rollup;
    PERFORM gridgov.refresh_risk_daily();
END;
$$;

SELECT cmp_ok(refresh_rollups('2026-10-20 12:00+08'), '>', 0::bigint, 'the first refresh builds everything');
SELECT pg_temp.rescan('2026-10-20 12:00+08');
SELECT set_eq($$SELECT day, unit, category, kpi::text FROM kpi_daily$$, $$SELECT * FROM inc_kpi$$,
              'round 1: kpi_daily equals a rescan');

-- late moves on old days, new cases on old days, a deletion, and time
UPDATE cases SET status = 'closed', closed_at = reported_at + interval '20 days', satisfaction = 4
 WHERE id % 97 = 1 AND status = 'accepted';
UPDATE cases SET status = 'rejected', closed_at = reported_at + interval '1 day' WHERE id % 101 = 2 AND status = 'accepted';
UPDATE cases SET handling_level = 4, escalations = 1 WHERE id % 89 = 3;
-- a case taken by another handler, or by none: its old handler's row
-- loses it although the change notes the case's pair only
UPDATE cases SET handler = CASE WHEN id % 2 = 0 THEN 9 END WHERE id % 83 = 5 AND handler IS NOT NULL;
DELETE FROM cases WHERE id IN (10, 11);
INSERT INTO cases (id, district, unit, category, channel, status, handling_level, severity, reported_at, stage_deadline)
VALUES (5001, '440311', '440311006003001', 'noise', 'patrol', 'reported', 5, 2, '2026-10-03 10:00+08', '2026-10-04 10:00+08'),
       -- cases above and below the grids (a community's gap, a subdistrict,
       -- a building): each level of kpi_unit_daily is merged from the one
       -- below and the level's own cases
       (5002, '440311', '440311006004', 'noise', 'patrol', 'reported', 5, 1, '2026-10-03 11:00+08', '2026-10-04 11:00+08'),
       (5003, '440311', '440311001', 'noise', 'patrol', 'reported', 4, 1, '2026-10-03 12:00+08', '2026-10-04 12:00+08'),
       (5004, '440311', '4403110060030010007', 'neighbour_dispute', 'patrol', 'reported', 5, 1, '2026-10-03 13:00+08', '2026-10-04 13:00+08');
SELECT results_eq($$SELECT count(*) > 0, bool_and(district = ancestor(unit, 3)) FROM rollup_change$$, $$VALUES (true, true)$$,
                  'each noted pair with the district of its cases, the log''s key on Citus (docs/scale-out.md)');
SELECT cmp_ok(refresh_rollups('2026-11-02 12:00+08'), '>', 0::bigint,
              'round 2 recomputes the pairs of the late moves and of the deadlines passed');
SELECT pg_temp.rescan('2026-11-02 12:00+08');
SELECT set_eq($$SELECT day, unit, category, kpi::text FROM kpi_daily$$, $$SELECT * FROM inc_kpi$$,
              'round 2: kpi_daily equals a rescan at the new as_of (late moves, deletion, deadlines passed)');
SELECT set_eq($$SELECT day, unit, kpi::text FROM kpi_unit_daily$$, $$SELECT * FROM inc_unit$$,
              'round 2: kpi_unit_daily equals a rescan');
SELECT set_eq($$SELECT day, unit, severity, cases, round(mass::numeric, 9) FROM risk_daily$$, $$SELECT * FROM inc_risk$$,
              'round 2: risk_daily equals a rescan');
SELECT set_eq($$SELECT day, handler, district, kpi::text FROM kpi_handler_daily$$, $$SELECT * FROM inc_handler$$,
              'round 2: kpi_handler_daily equals a rescan (handlers changed and taken away)');
SELECT results_eq($$SELECT count(*) > 100, count(*) FILTER (WHERE handler = 9) > 0,
                           bool_and(district = '440311') FROM kpi_handler_daily$$,
                  $$VALUES (true, true, true)$$, 'the handlers'' rows: many, the new handler''s among them, by district');
SELECT is_empty($$SELECT * FROM rollup_change$$, 'the log was consumed');

-- round 3: a refresh with nothing new recomputes only the deadlines passed
SELECT is(refresh_rollups('2026-11-02 12:00+08'), 0::bigint, 'nothing changed, no time passed: nothing recomputed');
UPDATE cases SET satisfaction = 2 WHERE id = 4;
SELECT is(refresh_rollups('2026-11-02 12:00+08'), 1::bigint, 'one case changed: one pair');
SELECT pg_temp.rescan('2026-11-02 12:00+08');
SELECT set_eq($$SELECT day, unit, category, kpi::text FROM kpi_daily$$, $$SELECT * FROM inc_kpi$$,
              'round 3: equal again');

-- round 3, again: a case on an old day taken from handler 1 by handler 2.
-- Both handlers' rows of that day change, and only theirs: the other
-- handlers' rows of the day stay where they are (their ctid), not deleted
-- and written again.
CREATE TEMP TABLE handler_rows AS SELECT day, handler, district, kpi::text AS k, ctid AS at FROM kpi_handler_daily;
UPDATE cases SET handler = 2
 WHERE id = (SELECT min(id) FROM cases
              WHERE handler = 1 AND reported_at >= '2026-10-05 00:00+08' AND reported_at < '2026-10-06 00:00+08');
SELECT results_eq($$SELECT day, handler FROM rollup_change ORDER BY handler$$,
                  $$VALUES (date '2026-10-05', 1::bigint), ('2026-10-05', 2)$$,
                  'the move is noted with the handler before it and the one after');
SELECT is(refresh_rollups('2026-11-02 12:00+08'), 1::bigint, 'one case moved: one pair');
SELECT results_eq($$SELECT b.day, b.handler FROM handler_rows b
                     LEFT JOIN kpi_handler_daily h USING (day, handler, district)
                    WHERE h.ctid IS DISTINCT FROM b.at ORDER BY b.handler$$,
                  $$VALUES (date '2026-10-05', 1::bigint), ('2026-10-05', 2)$$,
                  'only the two handlers'' rows of that day were written again');
SELECT is((SELECT count(*) FROM kpi_handler_daily WHERE day = '2026-10-05'),
          (SELECT count(*) FROM handler_rows WHERE day = '2026-10-05'), 'and no row came or went');
SELECT pg_temp.rescan('2026-11-02 12:00+08');
SELECT set_eq($$SELECT day, handler, district, kpi::text FROM kpi_handler_daily WHERE day = '2026-10-05' AND handler IN (1, 2)$$,
              $$SELECT day, handler, district, k FROM inc_handler WHERE day = '2026-10-05' AND handler IN (1, 2)$$,
              'the former handler''s row of that day and the new one''s, as a rescan makes them');
SELECT is_empty($$SELECT day, handler, district, kpi::text FROM kpi_handler_daily WHERE day = '2026-10-05' AND handler IN (1, 2)
                  INTERSECT SELECT day, handler, district, k FROM handler_rows$$,
                'both rows differ from before the move');
-- a case moved to another unit leaves its former pair
UPDATE cases SET unit = '440311001001001' WHERE id = 30;
SELECT is(refresh_rollups('2026-11-02 12:00+08'), 2::bigint, 'a case moved to another unit: its pairs before and after');
SELECT pg_temp.rescan('2026-11-02 12:00+08');
SELECT set_eq($$SELECT day, unit, kpi::text FROM kpi_unit_daily$$, $$SELECT * FROM inc_unit$$,
              'a case moved to another unit: kpi_unit_daily equals a rescan, its former unit''s rows too');

-- round 4: with nothing to go on from (no state) but a risk rollup, a
-- refresh rebuilds both; a case's severity changed meanwhile is in them
DELETE FROM rollup_state;
UPDATE cases SET severity = 3 WHERE id = 6;
SELECT cmp_ok(refresh_rollups('2026-11-03 12:00+08'), '>', 1::bigint, 'no state: every pair rebuilt');
SELECT pg_temp.rescan('2026-11-03 12:00+08');
SELECT set_eq($$SELECT day, unit, kpi::text FROM kpi_unit_daily$$, $$SELECT * FROM inc_unit$$,
              'round 4: kpi_unit_daily equals a rescan');
SELECT set_eq($$SELECT day, unit, severity, cases, round(mass::numeric, 9) FROM risk_daily$$, $$SELECT * FROM inc_risk$$,
              'round 4: risk_daily equals a rescan, the changed severity in it');

SELECT * FROM finish();
ROLLBACK;
