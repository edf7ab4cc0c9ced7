-- gridcell benchmark: assigning points to Beidou grid cells, and counting
-- the points under a cell, against what a PostGIS user would do instead.
--
-- Run through tests/bench/gridcell_bench.sh (a throwaway database with
-- postgis and gridgov), or by hand:  psql -v npoints=5000000 -f this file.
-- It prints ratios: how many times longer the alternative takes than
-- gridcell (> 1 means gridcell is faster).  Single-core figures: parallel
-- query and JIT are off, so both sides run the same way.
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
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET client_min_messages = warning;

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

\echo == assignment (best of 3 full scans each)
SELECT pg_temp.best_ms('SELECT count(geom) FROM bench_points') AS scan_ms \gset
INSERT INTO bench_result (benchmark, gridcell_query, gridcell_ms, alternative_query, alternative_ms)
SELECT 'assign ' || :npoints || ' points, level 7 / geohash 9',
       'count(gridcell(geom, 7))', pg_temp.best_ms('SELECT count(gridcell(geom, 7)) FROM bench_points'),
       'count(ST_GeoHash(geom, 9))', pg_temp.best_ms('SELECT count(ST_GeoHash(geom, 9)) FROM bench_points');
INSERT INTO bench_result (benchmark, gridcell_query, gridcell_ms, alternative_query, alternative_ms)
SELECT 'assign ' || :npoints || ' points, level 10 / geohash 12',
       'count(gridcell(geom, 10))', pg_temp.best_ms('SELECT count(gridcell(geom, 10)) FROM bench_points'),
       'count(ST_GeoHash(geom, 12))', pg_temp.best_ms('SELECT count(ST_GeoHash(geom, 12)) FROM bench_points');
-- the same, from longitude and latitude numbers instead of a geometry
INSERT INTO bench_result (benchmark, gridcell_query, gridcell_ms, alternative_query, alternative_ms)
SELECT 'assign ' || :npoints || ' lng/lat pairs, level 10 / geohash 12',
       'count(gridcell(ST_X(geom), ST_Y(geom), 10))',
       pg_temp.best_ms('SELECT count(gridcell(ST_X(geom), ST_Y(geom), 10)) FROM bench_points'),
       'count(ST_GeoHash(geom, 12))', pg_temp.best_ms('SELECT count(ST_GeoHash(geom, 12)) FROM bench_points');

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

INSERT INTO bench_result (benchmark, gridcell_query, gridcell_ms, alternative_query, alternative_ms)
SELECT format('count points under %s level-%s cells', (SELECT count(*) FROM sample_cells WHERE level = l), l),
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

\echo == results (ratio = alternative time / gridcell time; > 1: gridcell is faster)
SELECT benchmark,
       gridcell_query, round(gridcell_ms::numeric, 1) AS gridcell_ms,
       alternative_query, round(alternative_ms::numeric, 1) AS alternative_ms,
       round((alternative_ms / gridcell_ms)::numeric, 2) AS ratio,
       CASE WHEN benchmark LIKE 'assign%'
            THEN round(((alternative_ms - :scan_ms) / (gridcell_ms - :scan_ms))::numeric, 2) END AS net_ratio
  FROM bench_result ORDER BY ord;
SELECT round(:scan_ms::numeric, 1) AS bare_scan_ms;

DROP TABLE bench_points;
