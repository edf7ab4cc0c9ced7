-- The views and map functions for BI and GIS tools: plain column types
-- only, the rollups merged up the tree equal a rescan, the ranking's known
-- winner, the risk map against risk_now, GeoJSON structure, and vector tiles
-- decoded back (tests/pgtap/dashboard_mvt.psql).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/dashboard_fixture.psql
\i tests/pgtap/dashboard_mvt.psql
SELECT refresh_kpi_daily('2026-10-01', '2026-11-20', '2026-11-18 00:00+08') > 0 AS kpi_refreshed,
       refresh_risk_daily('2026-10-01', '2026-11-16') > 0 AS risk_refreshed;
\set ECHO all

-- No gridgov type reaches a tool: every column of the views, and every
-- column the table functions return, has a PostgreSQL or PostGIS type.
SELECT c.table_name, c.column_name, c.data_type, c.udt_name
  FROM information_schema.columns c
 WHERE c.table_schema = 'gridgov'
   AND c.table_name IN ('daily_flow', 'unit_kpi_monthly', 'service_point_monthly', 'risk_map')
 ORDER BY c.table_name, c.ordinal_position;
SELECT count(*) AS gridgov_typed_view_columns
  FROM information_schema.columns c
 WHERE c.table_schema = 'gridgov'
   AND c.table_name IN ('daily_flow', 'unit_kpi_monthly', 'service_point_monthly', 'risk_map')
   AND c.udt_schema NOT IN ('pg_catalog', (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                                           WHERE e.extname = 'postgis'));
SELECT p.proname, t.typname
  FROM pg_proc p CROSS JOIN LATERAL unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) a(type)
  JOIN pg_type t ON t.oid = a.type
 WHERE p.oid IN ('kpi_by_unit(date, date)'::regprocedure,
                 'service_point_ranking(date, timestamptz, integer)'::regprocedure,
                 'risk_tile(integer, integer, integer, integer, timestamptz)'::regprocedure,
                 'risk_cell_tile(integer, integer, integer, integer, timestamptz)'::regprocedure)
   AND t.typnamespace = 'gridgov'::regnamespace;

-- Labels: the views' functions read tables and the clock.
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility, p.proparallel AS parallel, p.proisstrict AS strict
  FROM pg_proc p
 WHERE p.pronamespace = 'gridgov'::regnamespace
   AND p.proname IN ('kpi_by_unit', 'service_point_ranking', 'risk_geojson', 'risk_tile', 'risk_cell_tile', 'check_tile')
 ORDER BY p.oid::regprocedure::text;

-- Daily flow: one row per day, grid and category of kpi_daily; its counts
-- add up to the cases.
SELECT count(*) AS rows, sum(received) AS received, sum(closed) AS closed,
       (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM cases WHERE status = 'closed') AS closed_cases
  FROM daily_flow;
SELECT day, unit_name, community_name, subdistrict_name, category_name, received, closed, closed_on_time
  FROM daily_flow WHERE day = '2026-10-19' ORDER BY unit, category;

-- The KPI table at every level: merging the rollup up the tree gives what
-- the aggregate gives on the cases of each subtree.
SELECT unit, name, level, received, closed, closure_rate, on_time_rate, escalation_rate, community_share,
       open_at_refresh, satisfaction_mean
  FROM kpi_by_unit('2026-10-01', '2026-10-31') WHERE level >= 3 ORDER BY unit;
SELECT count(*) AS units,
       bool_and(k.received = received(a.kpi) AND k.closed = closed(a.kpi)
                AND k.closed_on_time = closed_on_time(a.kpi) AND k.escalated = escalated(a.kpi)
                AND k.open_at_refresh = open_now(a.kpi)
                AND k.closure_rate IS NOT DISTINCT FROM round(closure_rate(a.kpi), 4)) AS merged_equals_rescan
  FROM kpi_by_unit('2026-10-01', '2026-11-20') k
 CROSS JOIN LATERAL (SELECT kpi(c, '2026-11-18 00:00+08') AS kpi FROM cases c WHERE c.unit <@ k.unit::gridcode) a;
SELECT month, level, count(*) AS units, sum(received) AS received
  FROM unit_kpi_monthly GROUP BY month, level ORDER BY month, level;
SELECT month, unit, name, received, closed, closure_rate
  FROM unit_kpi_monthly WHERE month = '2026-10-01' AND level = 5 ORDER BY unit;

-- The best service hall of October: Genzhuyuan's, every case closed on time
-- and rated 5; Mashantou's closed late a third of the time; Guangming's
-- referred a quarter up and left a quarter open.  The district's law
-- enforcement desk had only 8 cases: listed, not ranked.
SELECT rank, service_point, name, level, department, received, closed, closure_rate, on_time_rate,
       satisfied_share, escalation_rate, score
  FROM service_point_ranking('2026-10-19', '2026-11-18 00:00+08');
SELECT rank, name, score FROM service_point_ranking('2026-10-01', '2026-11-18 00:00+08', min_cases => 5)
 WHERE department IS NOT NULL;
SELECT count(*) AS november_points FROM service_point_ranking('2026-11-01', '2026-11-18 00:00+08');
-- The score computed a second way, from the rates the function returns
-- (rounded to 4 places, so within 0.01): every weighted rate is its own
-- term, whatever the operators' precedence.
SELECT count(*) AS points,
       count(*) FILTER (WHERE abs(score - 100 * (0.30 * coalesce(closure_rate, 0) + 0.30 * coalesce(on_time_rate, 0)
                                                 + 0.25 * coalesce(satisfied_share, 0)
                                                 + 0.15 * (1 - coalesce(escalation_rate, 1)))) > 0.01) AS misscored
  FROM service_point_ranking('2026-10-01', '2026-11-18 00:00+08', 0);
SELECT bool_and(v.score = r.score AND v.rank IS NOT DISTINCT FROM r.rank) IS NOT FALSE AS view_agrees
  FROM service_point_monthly v
  JOIN service_point_ranking(v.month) r USING (month, service_point);

-- The risk map: every current unit down to the grids, now.
SELECT count(*) AS units, count(boundary) AS with_boundary,
       bool_and(abs(score - risk_now(unit::gridcode)) <= 1e-9 * greatest(score, 1)) AS equals_risk_now,
       bool_and(color = risk_color(score, level)) AS colored_by_level
  FROM risk_map;
SELECT unit, name, level, ST_GeometryType(boundary) AS geometry, ST_SRID(boundary) AS srid
  FROM risk_map WHERE unit::gridcode <@ '440311' ORDER BY unit;

-- GeoJSON: a FeatureCollection of the unit's children.
SELECT jsonb_pretty(risk_geojson('440311006', '2026-11-18 00:00+08'));
SELECT f->'properties'->>'code' AS code, f->'geometry'->>'type' AS type,
       ST_Equals(ST_GeomFromGeoJSON(f->'geometry'), u.boundary) AS same_boundary
  FROM jsonb_array_elements(risk_geojson('440311', '2026-11-18 00:00+08')->'features') f
  JOIN unit u ON u.code = (f->>'id')::gridcode;
SELECT risk_geojson('440311006003001', '2026-11-18 00:00+08') AS a_grid_has_no_children;

-- Vector tiles: z 10, x 836, y 445 holds the whole fixture; decoded with a
-- protocol-buffers reader in PL/pgSQL.
SELECT layer, version, extent, feature, geom_type, commands,
       properties - 'score' AS properties, round((properties->>'score')::numeric, 6) AS score
  FROM pg_temp.mvt_features(risk_tile(10, 836, 445, 6, '2026-11-18 00:00+08'));
SELECT layer, feature, properties->>'code' AS code, properties->>'color' AS color
  FROM pg_temp.mvt_features(risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08'));
SELECT layer, version, extent, feature, geom_type,
       properties - 'score' AS properties, round((properties->>'score')::numeric, 6) AS score
  FROM pg_temp.mvt_features(risk_cell_tile(10, 836, 445, 6, '2026-11-18 00:00+08'));
-- at zoom 14 (tiles of about 2.3 km), the tile of Genzhuyuan's hot spot
SELECT x, y FROM (SELECT floor((113.94 + 180) / 360 * 2 ^ 14)::int AS x,
                         floor((1 - ln(tan(radians(22.75)) + 1 / cos(radians(22.75))) / pi()) / 2 * 2 ^ 14)::int AS y) t;
SELECT feature, properties->>'cell' AS cell, properties->>'cases' AS cases, properties->>'color' AS color
  FROM pg_temp.mvt_features(risk_cell_tile(14, 13377, 7128, 7, '2026-11-18 00:00+08'));
-- without a cell level, the zoom picks one
SELECT t.z, f.properties->>'level' AS cell_level, f.properties->>'cell' AS cell, f.properties->>'cases' AS cases
  FROM (VALUES (10), (12), (14), (16)) v(z)
 CROSS JOIN LATERAL (SELECT v.z, floor((113.94 + 180) / 360 * 2 ^ v.z)::int AS x,
                            floor((1 - ln(tan(radians(22.75)) + 1 / cos(radians(22.75))) / pi()) / 2 * 2 ^ v.z)::int AS y) t
 CROSS JOIN LATERAL pg_temp.mvt_features(risk_cell_tile(t.z, t.x, t.y, as_of => '2026-11-18 00:00+08')) f
 WHERE f.properties->>'cases' = '20'
 ORDER BY t.z;
SELECT length(risk_tile(10, 0, 0, 6, '2026-11-18 00:00+08')) AS empty_tile,
       length(risk_cell_tile(10, 0, 0, 6, '2026-11-18 00:00+08')) AS empty_cell_tile;
SELECT risk_tile(31, 0, 0);
SELECT risk_tile(2, 4, 0);
SELECT risk_tile(2, 0, -1);
SELECT risk_cell_tile(10, 836, 445, 11);
SELECT risk_tile(NULL, 0, 0) IS NULL AS strict, risk_cell_tile(0, NULL, 0) IS NULL AS null_in_null_out;
ROLLBACK;
