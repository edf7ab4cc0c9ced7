-- The end of the tour: the district dashboard, read from the daily rollups
-- and the views that BI and GIS tools read (docs/dashboards.md).
\pset footer off
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';

\echo 'D1. October 2026 per subdistrict: closure rate (结案率: closed / due to close), on-time,'
\echo '    community-settled rates,'
\echo '    satisfaction (from the daily rollup per unit, kpi_unit_daily).'
SELECT u.name AS subdistrict,
       received(k) AS received, closed(k) AS closed,
       round(100 * closure_rate(k), 1) AS closure_pct,
       round(100 * on_time_rate(k), 1) AS on_time_pct,
       round(100 * community_share(k), 1) AS community_pct,
       round(satisfaction_mean(k), 2) AS satisfaction,
       round(close_hours(k, 0.5)::numeric, 1) AS p50_close_working_hours
  FROM (SELECT d.unit AS subdistrict, kpi_merge(d.kpi) AS k
          FROM kpi_unit_daily d
         WHERE d.level = 4 AND d.day >= '2026-10-01' AND d.day < '2026-11-01'
         GROUP BY 1) m
  JOIN unit u ON u.code = m.subdistrict
 ORDER BY u.code;

\echo 'D1b. Those figures merged a few rollup rows; a rescan of the month''s cases with gridgov.kpi'
\echo '     (planned over the columns it reads) gives the very same states, sketches included.'
SELECT (SELECT count(*) FROM kpi_unit_daily
         WHERE level = 4 AND day >= '2026-10-01' AND day < '2026-11-01') AS rollup_rows_merged,
       (SELECT count(*) FROM cases
         WHERE reported_at >= '2026-10-01 00:00+08' AND reported_at < '2026-11-01 00:00+08')
           AS cases_rescanned,
       count(*) AS subdistricts, count(*) FILTER (WHERE r.k::text = s.k::text) AS same_state
  FROM (SELECT unit, kpi_merge(kpi) AS k FROM kpi_unit_daily
         WHERE level = 4 AND day >= '2026-10-01' AND day < '2026-11-01' GROUP BY unit) r
  JOIN (SELECT ancestor(c.unit, 4) AS unit, kpi(c, '2026-10-29 18:00+08') AS k FROM cases c
         WHERE c.reported_at >= '2026-10-01 00:00+08' AND c.reported_at < '2026-11-01 00:00+08'
         GROUP BY 1) s USING (unit);

\echo 'D2. The best service halls of October (composite score, docs/dashboards.md).'
SELECT rank, name, unit_name, received, round(100 * closure_rate, 1) AS closure_pct,
       round(100 * on_time_rate, 1) AS on_time_pct, round(satisfaction_mean, 2) AS satisfaction,
       score
  FROM service_point_ranking('2026-10-01', '2026-10-29 18:00+08')
 WHERE level = 5 AND rank <= 3
 ORDER BY rank;

\echo 'D3. The real-time risk map (实时风险预警图): colours per community on 29 October.'
SELECT risk_color(r.score, 5) AS color, count(*) AS communities,
       string_agg(u.name || ' ' || round(r.score::numeric), '、' ORDER BY r.score DESC) AS which
  FROM risk_scores(gridcode '440311', '2026-10-29 18:00+08', 5) r
  JOIN unit u ON u.code = r.unit
 WHERE u.level = 5
 GROUP BY 1
 ORDER BY array_position(ARRAY['red', 'orange', 'yellow', 'blue'], risk_color(r.score, 5));

\echo 'D4. Heat map: the 90 days of events bucketed by Beidou cell at level 6 (about 60 m) and 7'
\echo '    (about 7 m): the hottest cells of each.'
SELECT level, cell, events, categories
  FROM (SELECT l AS level, parent(c.cell, l) AS cell, count(*) AS events,
               string_agg(DISTINCT k.name, '、') AS categories,
               row_number() OVER (PARTITION BY l ORDER BY count(*) DESC, parent(c.cell, l)) AS place
          FROM cases c JOIN category k ON k.code = c.category, generate_series(6, 7) l
         GROUP BY l, parent(c.cell, l)) hot
 WHERE place <= 3
 ORDER BY level, events DESC, cell;
