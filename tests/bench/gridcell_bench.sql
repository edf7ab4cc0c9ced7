-- gridcell benchmark: assigning points to Beidou grid cells, and counting
-- the points under a cell, against what a PostGIS user would do instead.
--
-- Run through tests/bench/gridcell_bench.sh (a throwaway database with
-- postgis and gridgov), or by hand:  psql -v npoints=5000000 -f this file.
-- It prints ratios: how many times longer the alternative takes than
-- gridcell (> 1 means gridcell is faster), and how many times a bare scan
-- of the points gridcell's assignment takes.  Every query is timed at the
-- server's settings (PostgreSQL's defaults: JIT on, parallel workers) and
-- with jit = off; both sides run the same way.
--
--   assignment   N random points in Guangdong (lng 109.7-117.3, lat
--                20.2-25.5), each assigned to its level 7 cell (1/4",
--                about 7.7 m) and level 10 cell (1/2048", about 1.5 cm)
--                with gridcell(geom, level), against ST_GeoHash(geom, n)
--                at the nearest precision: 9 characters (about 4.8 m x
--                4.8 m) and 12 characters (about 3.7 cm x 1.9 cm).  Both
--                read the same geometry column; "net" subtracts the time
--                of the bare scan, count(geom).
--   counting     the points under each of a sample of level-4 cells (1' x
--                1'; also level 3 and level 2 cells), through a btree on
--                the stored level-10 cell (cell <@ X, a range scan), against
--                a GiST index on the point geometry (geom && boundary(X),
--                and ST_Within(geom, boundary(X))).
\set ON_ERROR_STOP on
\if :{?npoints}
\else
\set npoints 5000000
\endif
\pset footer off
SET search_path = gridgov, public;
SET client_min_messages = warning;
SELECT name, setting, source FROM pg_settings
 WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'max_parallel_workers_per_gather', 'max_parallel_workers', 'fsync')
 ORDER BY name;

-- best of several runs, in milliseconds
CREATE FUNCTION pg_temp.best_ms(query text, runs integer DEFAULT 3) RETURNS float8
    LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
    best float8 := 'Infinity';
BEGIN
    FOR r IN 1 .. runs LOOP
        started := clock_timestamp();
        EXECUTE query;
        best := least(best, 1000 * extract(epoch FROM clock_timestamp() - started));
    END LOOP;
    RETURN best;
END;
$$;

CREATE TEMP TABLE bench_result (
    ord serial,
    setting text,
    benchmark text,
    gridcell_query text,
    gridcell_ms float8,
    alternative_query text,
    alternative_ms float8
);

\echo == points
SELECT setseed(0.2024);
DROP TABLE IF EXISTS bench_points;
CREATE TABLE bench_points AS
SELECT i AS id, ST_SetSRID(ST_MakePoint(109.7 + 7.6 * random(), 20.2 + 5.3 * random()), 4326) AS geom
  FROM generate_series(1, :npoints) AS i;
VACUUM ANALYZE bench_points;
SELECT count(*) AS points, pg_size_pretty(pg_table_size('bench_points')) AS table_size FROM bench_points;

-- the settings the timing runs at: the server's, and the same with jit off
CREATE TEMP TABLE bench_setting (setting text PRIMARY KEY, jit text NOT NULL);
INSERT INTO bench_setting
VALUES ('default', (SELECT reset_val FROM pg_settings WHERE name = 'jit')), ('jit off', 'off');
CREATE TEMP TABLE bench_scan (setting text PRIMARY KEY, ms float8 NOT NULL);

\echo == assignment (best of 5 rounds, each round one full scan of every query, at each setting)
-- The best time of each query over rounds in which every query runs once,
-- so that other work on the machine weighs on all of them alike.
CREATE FUNCTION pg_temp.best_interleaved(queries text[], rounds integer) RETURNS float8[]
    LANGUAGE plpgsql AS $$
DECLARE
    best float8[] := array_fill('Infinity'::float8, ARRAY[cardinality(queries)]);
    started timestamptz;
BEGIN
    FOR r IN 1 .. rounds LOOP
        FOR q IN 1 .. cardinality(queries) LOOP
            started := clock_timestamp();
            EXECUTE queries[q];
            best[q] := least(best[q], 1000 * extract(epoch FROM clock_timestamp() - started));
        END LOOP;
    END LOOP;
    RETURN best;
END;
$$;

-- gridcell(geom, level) and ST_GeoHash(geom, n) over every point (and the
-- bare scan, count(geom)) at setting s
CREATE FUNCTION pg_temp.time_assignment(s text, npoints bigint) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    q text[] := ARRAY['SELECT count(geom) FROM bench_points',
                      'SELECT count(gridcell(geom, 7)) FROM bench_points',
                      'SELECT count(ST_GeoHash(geom, 9)) FROM bench_points',
                      'SELECT count(gridcell(geom, 10)) FROM bench_points',
                      'SELECT count(ST_GeoHash(geom, 12)) FROM bench_points',
                      'SELECT count(gridcell(ST_X(geom), ST_Y(geom), 10)) FROM bench_points'];
    ms float8[];
BEGIN
    PERFORM set_config('jit', (SELECT jit FROM bench_setting WHERE setting = s), true);
    ms := pg_temp.best_interleaved(q, 5);
    INSERT INTO bench_scan VALUES (s, ms[1]);
    INSERT INTO bench_result (setting, benchmark, gridcell_query, gridcell_ms, alternative_query, alternative_ms)
    VALUES (s, 'assign ' || npoints || ' points, level 7 / geohash 9',
            'count(gridcell(geom, 7))', ms[2], 'count(ST_GeoHash(geom, 9))', ms[3]),
           (s, 'assign ' || npoints || ' points, level 10 / geohash 12',
            'count(gridcell(geom, 10))', ms[4], 'count(ST_GeoHash(geom, 12))', ms[5]),
           -- the same, from longitude and latitude numbers instead of a geometry
           (s, 'assign ' || npoints || ' lng/lat pairs, level 10 / geohash 12',
            'count(gridcell(ST_X(geom), ST_Y(geom), 10))', ms[6], 'count(ST_GeoHash(geom, 12))', ms[5]);
END;
$$;
SELECT pg_temp.time_assignment(setting, :npoints) FROM bench_setting ORDER BY setting;

-- how comparable the precisions are: mean cell areas in square metres
SELECT round(avg(area(gridcell(geom, 7)))::numeric, 1) AS level_7_m2,
       round(avg(ST_Area(ST_GeomFromGeoHash(ST_GeoHash(geom, 9))::geography))::numeric, 1) AS geohash_9_m2,
       round(avg(area(gridcell(geom, 10)))::numeric, 6) AS level_10_m2,
       round(avg(ST_Area(ST_GeomFromGeoHash(ST_GeoHash(geom, 12))::geography))::numeric, 6) AS geohash_12_m2
  FROM (SELECT geom FROM bench_points LIMIT 1000) s;

\echo == indexes
SELECT pg_temp.best_ms('ALTER TABLE bench_points ADD COLUMN cell gridcell; UPDATE bench_points SET cell = gridcell(geom, 10)', 1) AS add_cell_ms;
VACUUM ANALYZE bench_points;
SELECT pg_temp.best_ms('CREATE INDEX bench_points_cell ON bench_points (cell)', 1) AS btree_build_ms,
       pg_temp.best_ms('CREATE INDEX bench_points_geom ON bench_points USING gist (geom)', 1) AS gist_build_ms;
VACUUM ANALYZE bench_points;
SELECT pg_size_pretty(pg_relation_size('bench_points_cell')) AS btree_size,
       pg_size_pretty(pg_relation_size('bench_points_geom')) AS gist_size;

\echo == counting
-- sample cells: the cells of random points, at levels 4, 3 and 2
SELECT setseed(0.7);
CREATE TEMP TABLE sample_cells AS
SELECT 4 AS level, c FROM (SELECT DISTINCT parent(cell, 4) AS c FROM bench_points WHERE id <= 20000) s ORDER BY random() LIMIT 400;
INSERT INTO sample_cells
SELECT 3, c FROM (SELECT DISTINCT parent(cell, 3) AS c FROM bench_points WHERE id <= 20000) s ORDER BY random() LIMIT 40;
INSERT INTO sample_cells
SELECT 2, c FROM (SELECT DISTINCT parent(cell, 2) AS c FROM bench_points WHERE id <= 20000) s ORDER BY random() LIMIT 10;
ANALYZE sample_cells;

-- the plans (each inner query runs once per sample cell)
EXPLAIN (COSTS OFF)
SELECT sum(n) FROM sample_cells s
 CROSS JOIN LATERAL (SELECT count(*) AS n FROM bench_points p WHERE p.cell <@ s.c) k WHERE s.level = 4;
EXPLAIN (COSTS OFF)
SELECT sum(n) FROM sample_cells s
 CROSS JOIN LATERAL (SELECT count(*) AS n FROM bench_points p WHERE p.geom && boundary(s.c)) k WHERE s.level = 4;
EXPLAIN (COSTS OFF)
SELECT sum(n) FROM sample_cells s
 CROSS JOIN LATERAL (SELECT count(*) AS n FROM bench_points p WHERE ST_Within(p.geom, boundary(s.c))) k WHERE s.level = 4;

-- the three ways count the same points (the box test also takes points on
-- a cell's east and north edges, which belong to the neighbours)
SELECT s.level, count(*) AS cells,
       sum((SELECT count(*) FROM bench_points p WHERE p.cell <@ s.c)) AS btree_points,
       sum((SELECT count(*) FROM bench_points p WHERE p.geom && boundary(s.c))) AS gist_box_points,
       sum((SELECT count(*) FROM bench_points p WHERE ST_Within(p.geom, boundary(s.c)))) AS gist_within_points
  FROM sample_cells s GROUP BY s.level ORDER BY s.level DESC;

-- the planner's estimate of the points under a sample cell (the inner scan,
-- once per cell) against the actual points per cell, at the server's
-- settings: an estimate far above the truth is what brings JIT on
CREATE FUNCTION pg_temp.inner_rows(q text)
    RETURNS TABLE (node text, estimated_rows float8, actual_rows float8, loops float8, total_cost float8, jit_functions int)
    LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
    RETURN QUERY
    SELECT concat_ws(' ', n->>'Node Type', n->>'Index Name'), (n->>'Plan Rows')::float8,
           (n->>'Actual Rows')::float8, (n->>'Actual Loops')::float8,
           (plan->0->'Plan'->>'Total Cost')::float8, coalesce((plan->0->'JIT'->>'Functions')::int, 0)
      FROM jsonb_path_query(plan, 'strict $.**') AS n
     WHERE jsonb_typeof(n) = 'object' AND n->>'Relation Name' = 'bench_points';
END;
$$;
\echo 'estimated and actual points under a sample cell (per loop; server settings):'
SELECT l AS level, r.node, round(r.estimated_rows::numeric) AS estimated_rows,
       round(r.actual_rows::numeric, 1) AS actual_rows, r.loops,
       round((r.estimated_rows / nullif(r.actual_rows, 0))::numeric, 2) AS estimated_over_actual,
       round(r.total_cost::numeric) AS plan_cost, r.jit_functions
  FROM (VALUES (4), (3), (2)) AS levels(l),
       pg_temp.inner_rows(format('SELECT sum(n) FROM sample_cells s CROSS JOIN LATERAL
            (SELECT count(*) AS n FROM bench_points p WHERE p.cell <@ s.c) k WHERE s.level = %s', l)) r
 ORDER BY l DESC;

-- the counts under the sample cells through the btree and the GiST index
-- at setting s
CREATE FUNCTION pg_temp.time_counting(s text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('jit', (SELECT jit FROM bench_setting WHERE setting = s), true);
    INSERT INTO bench_result (setting, benchmark, gridcell_query, gridcell_ms, alternative_query, alternative_ms)
    SELECT s, format('count points under %s level-%s cells', (SELECT count(*) FROM sample_cells WHERE level = l), l),
           'cell <@ X (btree)',
           pg_temp.best_ms(format('SELECT sum(n) FROM sample_cells s CROSS JOIN LATERAL
                (SELECT count(*) AS n FROM bench_points p WHERE p.cell <@ s.c) k WHERE s.level = %s', l), 5),
           a.q,
           pg_temp.best_ms(format('SELECT sum(n) FROM sample_cells s CROSS JOIN LATERAL
                (SELECT count(*) AS n FROM bench_points p WHERE %s) k WHERE s.level = %s', a.cond, l), 5)
      FROM (VALUES (4), (3), (2)) AS levels(l),
           (VALUES (1, 'geom && boundary(X) (GiST)', 'p.geom && boundary(s.c)'),
                   (2, 'ST_Within(geom, boundary(X)) (GiST)', 'ST_Within(p.geom, boundary(s.c))')) AS a(o, q, cond)
     ORDER BY l DESC, a.o;
END;
$$;
SELECT pg_temp.time_counting(setting) FROM bench_setting ORDER BY setting;

\echo == results (ratio = alternative time / gridcell time; > 1: gridcell is faster)
SELECT r.setting, r.benchmark,
       r.gridcell_query, round(r.gridcell_ms::numeric, 1) AS gridcell_ms,
       r.alternative_query, round(r.alternative_ms::numeric, 1) AS alternative_ms,
       round((r.alternative_ms / r.gridcell_ms)::numeric, 2) AS ratio,
       CASE WHEN r.benchmark LIKE 'assign%'
            THEN round(((r.alternative_ms - b.ms) / (r.gridcell_ms - b.ms))::numeric, 2) END AS net_ratio
  FROM bench_result r JOIN bench_scan b USING (setting) ORDER BY r.setting, r.ord;

\echo == assignment against the bare scan (gridcell time / count(geom) time; target <= 1.5)
SELECT r.setting, r.gridcell_query, round(b.ms::numeric, 1) AS bare_scan_ms,
       round(r.gridcell_ms::numeric, 1) AS gridcell_ms, round((r.gridcell_ms / b.ms)::numeric, 2) AS over_scan,
       CASE WHEN r.gridcell_query NOT LIKE 'count(gridcell(geom,%' THEN '(no target)'
            WHEN r.gridcell_ms / b.ms <= 1.5 THEN 'met' ELSE 'MISSED' END AS verdict
  FROM bench_result r JOIN bench_scan b USING (setting)
 WHERE r.benchmark LIKE 'assign%'
 ORDER BY r.setting, r.ord;

DROP TABLE bench_points;
