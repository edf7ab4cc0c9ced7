-- The examples of docs/kpi.md, run for real (tools/check-docs), on the
-- cases of tests/pgtap/kpi_fixture.psql.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/kpi_fixture.psql
\set ECHO all
SELECT u.name AS community, received(k), accepted(k), closed(k), round(closure_rate(k), 3) AS closure_rate,
       round(on_time_rate(k), 3) AS on_time_rate, overdue_now(k) AS overdue
  FROM (SELECT ancestor(unit, 5) AS community, kpi(c, '2026-11-27 17:00+08') AS k FROM cases c GROUP BY 1) s
  JOIN unit u ON u.code = s.community
 ORDER BY u.code;
SELECT figure, value
  FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c) s, jsonb_each(kpi_json(k)) AS j(figure, value)
 WHERE figure NOT LIKE '%hours%'
 ORDER BY figure;
SELECT round(accept_hours(k, 0.5)::numeric, 3) AS accept_p50, round(accept_hours(k, 0.9)::numeric, 3) AS accept_p90,
       round(close_hours(k, 0.5)::numeric, 2) AS close_p50, round(close_hours(k, 0.9)::numeric, 2) AS close_p90,
       round(close_hours(k, 0.99)::numeric, 2) AS close_p99
  FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c) s;
SELECT percentile_disc(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY working_seconds(reported_at, closed_at) / 3600.0)
  FROM cases WHERE status = 'closed';
SELECT kpi(c, '2026-11-27 17:00+08') FROM cases c WHERE id IN (3, 4);
SELECT received(k), closure_rate(k), close_hours(k, 0.5)
  FROM (SELECT kpi(c) AS k FROM cases c WHERE category = 'pollution') s;
SELECT refresh_kpi_daily('2026-11-01', '2026-11-30', '2026-11-27 17:00+08');
SELECT subdistrict, month, received(k), round(closure_rate(k), 3) AS closure_rate,
       round(community_share(k), 3) AS community_share, round(close_hours(k, 0.9)::numeric, 2) AS close_p90
  FROM (SELECT ancestor(unit, 4) AS subdistrict, date_trunc('month', day)::date AS month, kpi_merge(kpi) AS k
          FROM kpi_daily GROUP BY 1, 2) m
 ORDER BY 1, 2;
SELECT day, unit, category, received(kpi), closed(kpi), pg_column_size(kpi) AS bytes
  FROM kpi_daily WHERE day = '2026-11-17' ORDER BY unit, category;
SELECT unit, level, received(kpi), closed(kpi)
  FROM kpi_unit_daily WHERE day = '2026-11-17' ORDER BY unit;
SELECT unit AS subdistrict, received(k), round(closure_rate(k), 3) AS closure_rate
  FROM (SELECT unit, kpi_merge(kpi) AS k FROM kpi_unit_daily
         WHERE level = 4 AND day >= '2026-11-01' AND day < '2026-12-01' GROUP BY unit) m;
-- statistics of this test's cases, not of whatever autovacuum last saw
ANALYZE cases;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ancestor(c.unit, 4), kpi(c, '2026-11-27 17:00+08') FROM cases c GROUP BY 1;
SELECT received(k), closed(k), round(closure_rate(k), 3) AS closure_rate
  FROM (SELECT kpi(id, status, handling_level, stage_deadline, suspended_at, reported_at, accepted_at,
                   dispatched_at, closed_at, escalations, reopenings, extensions, returns, deadlines_missed,
                   satisfaction, '2026-11-27 17:00+08') AS k
          FROM cases WHERE category = 'noise') s;
SELECT close_hours(kpi(c), 1.5) FROM cases c;
SELECT '{"version": 1, "received": -3}'::kpi_state;
SELECT '{"version": 1, "received": 1, "closed": 1, "due_to_close": 1, "evaluated": 1, "satisfaction_sum": 9223372036854775807}'::kpi_state;
ROLLBACK;
