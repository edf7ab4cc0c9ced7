-- The examples of docs/dashboards.md, run for real (tools/check-docs).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/dashboard_fixture.psql
\i tests/pgtap/dashboard_mvt.psql
\set ECHO all
SELECT refresh_kpi_daily('2026-10-01', '2026-11-20', '2026-11-18 00:00+08');
SELECT refresh_risk_daily('2026-10-01', '2026-11-16');
SELECT day, unit, unit_name, category, received, closed, closed_on_time, open_at_refresh
  FROM daily_flow WHERE day BETWEEN '2026-10-19' AND '2026-10-20' ORDER BY day, unit, category;
SELECT subdistrict_name, sum(received) AS received, sum(closed) AS closed,
       round(sum(closed)::numeric / nullif(sum(due_to_close), 0), 4) AS closure_rate
  FROM daily_flow WHERE day >= '2026-10-01' AND day < '2026-11-01'
 GROUP BY subdistrict_name ORDER BY 1;
SELECT unit, name, level_name, received, closed, closure_rate, on_time_rate, community_share, satisfaction_mean
  FROM kpi_by_unit('2026-10-01', '2026-10-31') WHERE level BETWEEN 3 AND 5 ORDER BY unit;
SELECT breadcrumb, escalated, escalation_rate, open_at_refresh, overdue_at_refresh, close_hours_p50, close_hours_p90
  FROM unit_kpi_monthly WHERE month = '2026-10-01' AND level = 5 ORDER BY unit;
SELECT rank, name, received, closure_rate, on_time_rate, satisfied_share, escalation_rate, score
  FROM service_point_ranking('2026-10-01', '2026-11-18 00:00+08');
SELECT unit, name, level, parent, ST_AsText(ST_Centroid(boundary), 4) AS centroid
  FROM risk_map WHERE parent = '440311006' ORDER BY unit;
SELECT id, unit, name, level_name FROM unit_map WHERE unit::gridcode <@ '440311006003' ORDER BY id;
SELECT f->>'id' AS id, f->'geometry'->>'type' AS geometry, f->'properties' AS properties
  FROM jsonb_array_elements(risk_geojson('440311006', '2026-11-18 00:00+08')->'features') f;
SELECT risk_tile_params(10, 836, 445, '{"level": "5", "as_of": "2026-11-18 00:00+08"}')
       = risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08') AS same_tile;
SELECT layer, feature, geom_type, properties
  FROM pg_temp.mvt_features(risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08'));
SELECT layer, feature, properties->>'cell' AS cell, properties->>'cases' AS cases, properties->>'color' AS color
  FROM pg_temp.mvt_features(risk_cell_tile(14, 13377, 7128, 7, '2026-11-18 00:00+08'));
SELECT risk_tile(2, 4, 0);
-- a read-only login for a BI or GIS tool
CREATE ROLE metabase LOGIN PASSWORD 'change me' IN ROLE gridgov_reader;
ALTER ROLE metabase SET search_path = gridgov, public;
SELECT function FROM grant_jurisdiction('metabase', '44', 'viewer');
SET ROLE metabase;
SELECT (SELECT count(*) FROM daily_flow) AS daily_flow,
       (SELECT count(*) FROM unit_kpi_monthly WHERE month = '2026-10-01') AS unit_kpi_monthly,
       (SELECT count(*) FROM service_point_ranking('2026-10-01', '2026-11-18 00:00+08')) AS ranked,
       (SELECT count(*) FROM risk_map) AS risk_map,
       (SELECT count(*) FROM case_clock) AS case_clock;
SELECT jsonb_array_length(risk_geojson('440311006', '2026-11-18 00:00+08')->'features') AS geojson_features,
       length(risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08')) > 0 AS tile,
       length(risk_cell_tile(14, 13377, 7128, 7, '2026-11-18 00:00+08')) > 0 AS cell_tile;
SELECT count(*) FROM cases WHERE status = 'reported';
UPDATE cases SET note = '看过' WHERE status = 'reported';
SELECT * FROM person_contact;
RESET ROLE;
CREATE ROLE somebody LOGIN;
SET ROLE somebody;
SELECT count(*) FROM gridgov.daily_flow;
RESET ROLE;
ROLLBACK;
