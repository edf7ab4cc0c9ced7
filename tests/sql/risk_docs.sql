-- The examples of docs/risk.md, run for real (tools/check-docs).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/case_fixture.psql
INSERT INTO warning_rule (category, time_window, threshold) VALUES (NULL, '1 minute', 1000);
\set ECHO all
INSERT INTO cases (id, category, channel, severity, location, reported_at) VALUES
    (1, 'noise', 'hotline', 4, ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-01 10:00+08'),
    (2, 'noise', 'resident_app', 1, ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-08 10:00+08'),
    (3, 'neighbour_dispute', 'walk_in', 2, ST_SetSRID(ST_MakePoint(113.96, 22.75), 4326), '2026-11-11 22:00+08'),
    (4, 'noise', 'patrol', 3, ST_SetSRID(ST_MakePoint(113.91, 22.76), 4326), '2026-11-15 10:00+08');
SELECT id, unit, severity, risk(c, '2026-11-15 10:00+08') AS score
  FROM cases c GROUP BY id, unit, severity ORDER BY id;
SELECT ancestor(unit, 5) AS community, risk(c, '2026-11-15 10:00+08') AS score,
       risk_cases(c, '2026-11-15 10:00+08') AS cases
  FROM cases c GROUP BY 1 ORDER BY 1;
SELECT risk_weights(), risk_half_life();
SELECT * FROM risk_thresholds();
SELECT risk_color(49.9), risk_color(50), risk_color(100), risk_color(200);
INSERT INTO risk_color (level, color, min_score) VALUES
    (NULL, 'blue', 0), (NULL, 'yellow', 2), (NULL, 'orange', 4), (NULL, 'red', 8),
    (4, 'blue', 0), (4, 'yellow', 20), (4, 'orange', 40), (4, 'red', 80);
SELECT risk_color(5), risk_color(5, 6) AS grid, risk_color(5, 4) AS subdistrict;
INSERT INTO risk_weight (severity, weight) VALUES (4, 16);
INSERT INTO risk_setting (half_life) VALUES ('3 days 12 hours');
SELECT risk_weights(), risk_half_life(), risk(c, '2026-11-15 10:00+08') FROM cases c WHERE id = 1;
DELETE FROM risk_weight;
DELETE FROM risk_setting;
SELECT risk(c, '2026-11-15 10:00+08') FROM cases c WHERE id = 1;
SELECT risk(c, reported_at) FROM cases c;
SELECT refresh_risk_daily('2026-11-01', '2026-11-14');
SELECT day, unit, severity, cases, mass FROM risk_daily ORDER BY day, unit;
SELECT through, half_life, timezone FROM risk_rollup;
SELECT risk_now('440311006', '2026-11-15 10:00+08'),
       (SELECT risk(c, '2026-11-15 10:00+08') FROM cases c WHERE unit <@ '440311006') AS aggregate;
SELECT unit, score, cases, risk_color(score, level(unit)) AS color
  FROM risk_scores('440311', '2026-11-15 10:00+08', 5);
SELECT cell, score, cases FROM risk_cells('N49FB5', 6, '2026-11-15 10:00+08');
SELECT refresh_risk_daily('2026-11-20', '2026-11-21');
SELECT * FROM risk_scores('440311', 'infinity');
SELECT risk_now('440311006', '2100-01-01'),
       (SELECT risk(c, '2100-01-01') FROM cases c WHERE unit <@ '440311006') AS aggregate;
SELECT risk_color('NaN');
ROLLBACK;
