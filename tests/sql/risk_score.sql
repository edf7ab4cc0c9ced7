-- The risk score: the aggregate against hand-computed values, the settings
-- and their defaults, the colours at their thresholds, the rollup against
-- the aggregate, and parallel plans against serial ones.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/case_fixture.psql
-- repeats must not raise severities here: no early warning
INSERT INTO warning_rule (category, time_window, threshold) VALUES (NULL, '1 minute', 1000);
\set ECHO all

-- Defaults: weights 1, 2, 4, 8; half-life 7 days; blue 0, yellow 50, orange 100, red 200.
SELECT risk_weights(), risk_half_life();
SELECT * FROM risk_thresholds();

-- Hand-computed: severity 4 weighs 8; exactly one half-life later it is 4,
-- two half-lives later 2; a case reported after as_of does not count yet.
INSERT INTO cases (id, category, channel, severity, unit, reported_at) VALUES
    (1, 'noise', 'hotline', 4, '440311006003001', '2026-11-01 10:00+08');
SELECT risk(c, '2026-11-01 10:00+08') AS at_report,
       risk(c, '2026-11-08 10:00+08') AS one_half_life,
       risk(c, '2026-11-15 10:00+08') AS two_half_lives,
       risk(c, '2026-11-01 09:59:59+08') AS before_report
  FROM cases c;

-- Severities 1, 2, 3 weigh 1, 2, 4; half a half-life is a factor 1/sqrt(2).
INSERT INTO cases (id, category, channel, severity, unit, reported_at) VALUES
    (2, 'noise', 'hotline', 1, '440311006003001', '2026-11-08 10:00+08'),
    (3, 'neighbour_dispute', 'walk_in', 2, '440311006004001', '2026-11-11 22:00+08'),
    (4, 'noise', 'patrol', 3, '440311001001001', '2026-11-15 10:00+08');
SELECT c.id, c.severity, risk(c, '2026-11-15 10:00+08') AS score
  FROM cases c GROUP BY c.id, c.severity ORDER BY c.id;
SELECT risk(c, '2026-11-15 10:00+08') AS total, 2 + 0.5 + 2 * 2 ^ (-0.5) + 4 AS by_hand,
       risk_cases(c, '2026-11-15 10:00+08') AS cases
  FROM cases c;

-- No cases: 0, like count(); per unit with an outer join (one community
-- has no noise cases).
SELECT risk(c, '2026-11-15 10:00+08') AS no_cases FROM cases c WHERE false;
SELECT u.code, risk(c, '2026-11-15 10:00+08') AS noise_score, risk_cases(c, '2026-11-15 10:00+08') AS cases
  FROM unit u LEFT JOIN cases c ON c.unit <@ u.code AND c.category = 'noise'
 WHERE u.level = 5 GROUP BY u.code ORDER BY u.code;

-- Closed cases keep contributing; rejected and merged ones never do.
INSERT INTO cases (id, category, channel, severity, unit, reported_at) VALUES
    (5, 'noise', 'hotline', 4, '440311006004001', '2026-11-14 10:00+08'),
    (6, 'noise', 'hotline', 4, '440311006004001', '2026-11-14 10:00+08'),
    (7, 'noise', 'hotline', 1, '440311006004001', '2026-11-14 10:00+08');
SELECT (reject(5, '不属于本辖区', at => '2026-11-14 11:00+08')).status,
       (merge(6, 3, at => '2026-11-14 11:00+08')).status;
SELECT (accept(7, at => '2026-11-14 10:10+08')).status, (dispatch(7, at => '2026-11-14 10:20+08')).status,
       (start(7, at => '2026-11-14 10:30+08')).status, (resolve(7, at => '2026-11-14 11:00+08')).status,
       (verify(7, at => '2026-11-14 11:30+08')).status, (close(7, 5, at => '2026-11-14 12:00+08')).status;
SELECT risk(c, '2026-11-15 10:00+08') AS score, risk_cases(c, '2026-11-15 10:00+08') AS cases
  FROM cases c WHERE c.id IN (5, 6, 7);

-- The settings: weights and half-life are read once per query.
INSERT INTO risk_weight VALUES (4, 10), (1, 0.5);
INSERT INTO risk_setting (half_life) VALUES ('14 days');
SELECT risk_weights(), risk_half_life();
SELECT risk(c, '2026-11-15 10:00+08') AS weighted_10_at_two_weeks FROM cases c WHERE id = 1;
SELECT risk(c, '2026-11-15 10:00+08') AS weighted_half FROM cases c WHERE id = 2;
DELETE FROM risk_weight;
DELETE FROM risk_setting;
SELECT risk(c, '2026-11-15 10:00+08') AS defaults_again FROM cases c WHERE id = 1;
INSERT INTO risk_weight VALUES (5, 1);
INSERT INTO risk_weight VALUES (1, -1);
INSERT INTO risk_setting (half_life) VALUES ('0 seconds');
INSERT INTO risk_setting (only_row, half_life) VALUES (false, '1 day');

-- Errors: as_of must be given, and one instant per group.
SELECT risk(c, NULL) FROM cases c;
SELECT risk(c, 'infinity') FROM cases c;
SELECT risk(c, c.reported_at) FROM cases c;
SELECT risk_final('{1,2,3}');
SELECT risk_final(NULL), risk_cases_final(NULL);

-- Colours: the most severe colour whose threshold the score reaches.
SELECT s AS score, risk_color(s) FROM unnest('{0,49.999,50,99.999,100,199.999,200,1e9}'::float8[]) s;
SELECT risk_color(NULL) IS NULL AS null_score;
-- thresholds for every level, then a level of its own
INSERT INTO risk_color (level, color, min_score) VALUES
    (NULL, 'blue', 0), (NULL, 'yellow', 5), (NULL, 'orange', 10), (NULL, 'red', 20),
    (5, 'blue', 0), (5, 'yellow', 50), (5, 'red', 200);
SELECT * FROM risk_thresholds(6);
SELECT * FROM risk_thresholds(5);
SELECT s AS score, risk_color(s, 6) AS grid, risk_color(s, 5) AS community
  FROM unnest('{4.9,5,19.9,20,60,199,200}'::float8[]) s;
INSERT INTO risk_color (level, color, min_score) VALUES (5, 'yellow', 60);
INSERT INTO risk_color (level, color, min_score) VALUES (4, 'blue', 1);
INSERT INTO risk_color (level, color, min_score) VALUES (4, 'purple', 1);
DELETE FROM risk_color;

-- The rollup: by day (in gridgov.calendar_timezone, not the session's zone),
-- unit and severity; mass is unweighted and decayed to the day's end.
SET timezone = 'UTC';
SELECT refresh_risk_daily('2026-11-01', '2026-11-14');
SELECT day, unit, severity, cases, round(mass::numeric, 12) AS mass FROM risk_daily ORDER BY day, unit, severity;
SELECT through, half_life, timezone FROM risk_rollup;
SET timezone = 'Asia/Shanghai';

-- risk_now and risk_scores equal the aggregate over the subtree's cases, at
-- a day's end (rollup only) and within a day (rollup and cases after it).
CREATE TEMP TABLE instants (as_of timestamptz);
INSERT INTO instants VALUES ('2026-11-15 00:00+08'), ('2026-11-15 10:00+08'), ('2026-11-20 17:45+08'),
                            ('2026-11-12 00:00+08'), ('2026-11-11 23:00+08');
SELECT i.as_of, u.code,
       round(risk_now(u.code, i.as_of)::numeric, 9) AS from_rollup,
       round((SELECT risk(c, i.as_of) FROM cases c WHERE c.unit <@ u.code)::numeric, 9) AS from_cases
  FROM instants i, unit u
 WHERE u.code <@ '440311' AND u.level <= 6
 ORDER BY i.as_of, u.code;
SELECT count(*) AS units_checked,
       max(abs(s.score - a.score) / greatest(a.score, 1e-300)) < 1e-12 AS equal_up_to_rounding,
       bool_and(s.cases = a.cases) AS same_cases
  FROM instants i
 CROSS JOIN LATERAL risk_scores('440311', i.as_of) s
 CROSS JOIN LATERAL (SELECT risk(c, i.as_of) AS score, risk_cases(c, i.as_of) AS cases
                       FROM cases c WHERE c.unit <@ s.unit) a;

-- A new half-life makes the rollup unusable: the readers fall back to the
-- cases, and the next refresh rebuilds it from the first case.
INSERT INTO risk_setting (half_life) VALUES ('3 days');
SELECT risk_rollup_through();
SELECT round(risk_now('440311', '2026-11-15 00:00+08')::numeric, 9) AS from_cases_only,
       round((SELECT risk(c, '2026-11-15 00:00+08') FROM cases c)::numeric, 9) AS aggregate;
SELECT refresh_risk_daily(NULL, '2026-11-14') AS rebuilt;
SELECT min(day), max(day), risk_rollup_through() FROM risk_daily;
SELECT round(risk_now('440311', '2026-11-15 00:00+08')::numeric, 9) AS from_rollup;
DELETE FROM risk_setting;
SELECT refresh_risk_daily(NULL, '2026-11-14') AS rebuilt;
-- a refresh that would leave a gap is refused; from after to is refused
SELECT refresh_risk_daily('2026-11-17', '2026-11-20');
SELECT refresh_risk_daily('2026-11-14', '2026-11-13');
-- the default window: the last 7 days again up to to_day
SELECT refresh_risk_daily(to_day => '2026-11-16');
SELECT through FROM risk_rollup;

-- Bounded inputs.  Risk is computed at instants from 2000-01-01 00:00 UTC
-- up to, not including, 2200-01-01 UTC: any other as_of is refused at once
-- (22008), by every function that takes one, whether there is a rollup or
-- cases to read or not (a grid has no children for risk_geojson, the tile
-- holds no unit at level 7).
SELECT * FROM risk_scores('44', 'infinity', 5);
SELECT * FROM risk_scores('44', '-infinity', 5);
SELECT risk_now('44', 'infinity');
SELECT risk_now('440311', '2200-01-01 00:00+00');
SELECT risk_now('440311', '1999-12-31 23:59:59.999999+00');
SELECT risk_geojson('440311006003001', 'infinity');
SELECT * FROM risk_cells('N49FB5', 6, 'infinity');
SELECT risk_tile(16, 53514, 28581, 7, 'infinity');
SELECT risk_cell_tile(16, 53514, 28581, 7, 'infinity');
SELECT risk_cases(c, '294276-12-31') FROM cases c;
SELECT risk_now('440311', '2000-01-01 00:00+00') AS first_instant;
-- far from the cases, the rollup's days decay to 0 as the aggregate's
-- cases do, instead of failing on an underflow (2^-x in SQL)
SELECT risk_now('440311', '2199-12-31 23:59:59.999999+00') AS last_instant,
       risk_now('440311', '2100-01-01') AS in_2100, (SELECT risk(c, '2100-01-01') FROM cases c) AS aggregate;
-- and so does a day's mass with the shortest half-life, 1 minute: a case
-- reported 23 hours before its day ends is 1,380 half-lives old then
SAVEPOINT one_minute;
INSERT INTO cases (id, category, channel, severity, unit, reported_at) VALUES
    (8, 'noise', 'hotline', 4, '440311006004001', '2026-11-13 01:00+08');
INSERT INTO risk_setting (half_life) VALUES ('1 minute');
SELECT refresh_risk_daily(NULL, '2026-11-14') AS rebuilt_at_one_minute;
SELECT day, unit, severity, cases, mass = 0 AS decayed_to_zero FROM risk_daily ORDER BY day, unit, severity;
SELECT risk_now('440311', '2026-11-14 00:00+08') AS from_rollup,
       (SELECT risk(c, '2026-11-14 00:00+08') FROM cases c) AS aggregate;
ROLLBACK TO one_minute;
-- the rollup holds days that have ended: not today, not later
SELECT refresh_risk_daily('2026-11-14', 'infinity');
\set VERBOSITY sqlstate
SELECT refresh_risk_daily(to_day => risk_day(now()));
\set VERBOSITY default
SELECT refresh_risk_daily(to_day => risk_day(now()) - 1) > 0 AS up_to_yesterday;
SELECT refresh_risk_daily('2026-11-01', '2026-11-16') AS back_to_the_fixture;
-- levels: a unit level is 1 to 7, a cell level 1 to 10
SELECT * FROM risk_scores('44', '2026-11-15 10:00+08', 0);
SELECT * FROM risk_scores('44', '2026-11-15 10:00+08', 8);
SELECT * FROM risk_cells('N49FB5', 11, '2026-11-15 10:00+08');
SELECT risk_tile(16, 53514, 28581, 9, '2026-11-15 10:00+08');
SELECT * FROM risk_thresholds(0);
SELECT risk_color(10, 8);
-- a score is a number of zero or more; an infinite one is red
SELECT risk_color('NaN');
SELECT risk_color(-1);
SELECT risk_color('-Infinity');
SELECT risk_color('Infinity') AS infinite, risk_color(-0.0::float8) AS minus_zero;

-- Parallel plans give what serial ones give.
INSERT INTO cases (id, category, channel, severity, unit, reported_at)
SELECT 100 + g, (ARRAY['noise', 'neighbour_dispute'])[1 + g % 2], 'hotline', 1 + g % 4,
       (ARRAY['440311006003001', '440311006004001', '440311001001001'])[1 + g % 3]::gridcode,
       '2026-10-01 00:00+08'::timestamptz + g * interval '37 minutes'
  FROM generate_series(1, 1500) g;
ANALYZE cases;
CREATE TEMP TABLE serial AS
SELECT c.unit, risk(c, '2026-11-15 10:00+08') AS score,
       risk_cases(c, '2026-11-15 10:00+08') AS cases
  FROM cases c GROUP BY 1;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT risk(c, '2026-11-15 10:00+08'), risk_cases(c, '2026-11-15 10:00+08') FROM cases c;
SELECT round(p.score::numeric, 6) AS parallel, round(s.score::numeric, 6) AS serial,
       p.cases AS parallel_cases, s.cases AS serial_cases
  FROM (SELECT risk(c, '2026-11-15 10:00+08') AS score, risk_cases(c, '2026-11-15 10:00+08') AS cases FROM cases c) p,
       (SELECT sum(score) AS score, sum(cases) AS cases FROM serial) s;
EXPLAIN (COSTS OFF)
SELECT c.unit, risk(c, '2026-11-15 10:00+08') FROM cases c GROUP BY 1;
SELECT p.unit, abs(p.score - s.score) < 1e-9 * s.score AS same_score, p.cases = s.cases AS same_cases
  FROM (SELECT c.unit, risk(c, '2026-11-15 10:00+08') AS score,
               risk_cases(c, '2026-11-15 10:00+08') AS cases
          FROM cases c GROUP BY 1) p
  JOIN serial s USING (unit)
 ORDER BY 1;
RESET ALL;
ROLLBACK;
