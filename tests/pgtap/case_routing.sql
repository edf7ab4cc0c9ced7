-- Routing a point to its grid: the engine answers from its in-memory grid
-- index (src/grid_index.c) and must agree with PostGIS (ST_Covers, the
-- smallest code among covering grids) on every point, above all on the hard
-- ones: vertices and edges shared by neighbouring grids, points a hair off
-- them, holes, multipolygons, overlaps, expired grids, and changes to the
-- grids within the same session.
BEGIN;
\ir case_fixture.psql
SELECT plan(24);

-- 300 irregular grids: the Voronoi cells of random seeds, clipped to a box,
-- so neighbours share every edge and three meet at each inner vertex.
SELECT setseed(0.4403);
CREATE TEMP TABLE seed AS
SELECT ST_SetSRID(ST_MakePoint(113.80 + random() * 0.06, 22.60 + random() * 0.06), 4326) AS p
  FROM generate_series(1, 300);
INSERT INTO unit (code, name, boundary)
SELECT ('440311006003' || (100 + row_number() OVER (ORDER BY ST_X(ST_Centroid(cell)), ST_Y(ST_Centroid(cell))))::text)::gridcode,
       '根竹园社区试验网格', ST_Multi(cell)
  FROM (SELECT ST_Intersection((ST_Dump(ST_VoronoiPolygons(ST_Collect(p)))).geom,
                               ST_MakeEnvelope(113.80, 22.60, 113.86, 22.66, 4326)) AS cell
          FROM seed) v;

-- shapes the Voronoi cells do not have, in a second box
INSERT INTO unit (code, name, boundary, valid_from, valid_to) VALUES
    -- concave, with a hole
    ('440311006004101', '带洞网格',
     ST_Multi(ST_GeomFromText('POLYGON((113.90 22.60, 113.93 22.60, 113.93 22.61, 113.91 22.61, 113.91 22.63, 113.90 22.63, 113.90 22.60),
                                       (113.901 22.601, 113.905 22.601, 113.905 22.605, 113.901 22.605, 113.901 22.601))', 4326)),
     now(), NULL),
    -- two parts
    ('440311006004102', '两块网格',
     ST_GeomFromText('MULTIPOLYGON(((113.92 22.62, 113.93 22.62, 113.93 22.63, 113.92 22.63, 113.92 22.62)),
                                   ((113.94 22.60, 113.95 22.60, 113.945 22.61, 113.94 22.60)))', 4326),
     now(), NULL),
    -- overlapping the hole and part of the first grid: the smaller code wins
    ('440311006004103', '重叠网格', ST_Multi(ST_MakeEnvelope(113.902, 22.602, 113.912, 22.612, 4326)), now(), NULL),
    -- expired: never routed to
    ('440311006004104', '已撤销网格', ST_Multi(ST_MakeEnvelope(113.95, 22.62, 113.96, 22.63, 4326)),
     '2020-01-01', '2021-01-01'),
    -- ends in the future: still routed to
    ('440311006004105', '将撤销网格', ST_Multi(ST_MakeEnvelope(113.96, 22.62, 113.97, 22.63, 4326)),
     now(), now() + interval '1 year');

-- The engine's answer for a point (NULL when it refuses: no grid covers it),
-- and PostGIS's.
CREATE FUNCTION pg_temp.routed(point geometry) RETURNS gridcode LANGUAGE plpgsql AS $$
DECLARE
    result gridcode;
BEGIN
    INSERT INTO cases (category, channel, location, reported_at)
    VALUES ('noise', 'sensor', point, '2026-11-16 10:00+08') RETURNING unit INTO result;
    RETURN result;
EXCEPTION WHEN SQLSTATE 'GG003' THEN
    RETURN NULL;
END $$;
CREATE FUNCTION pg_temp.covering(point geometry) RETURNS gridcode LANGUAGE sql AS $$
    SELECT code FROM unit
     WHERE level = 6 AND ST_Covers(boundary, point) AND (valid_to IS NULL OR valid_to > now())
     ORDER BY code LIMIT 1
$$;

CREATE TEMP TABLE probe (kind text, p geometry);
-- random points over both boxes and around them
INSERT INTO probe
SELECT 'random', ST_SetSRID(ST_MakePoint(113.79 + random() * 0.19, 22.59 + random() * 0.08), 4326)
  FROM generate_series(1, 3000);
-- every vertex, exactly
INSERT INTO probe
SELECT DISTINCT 'vertex', (ST_DumpPoints(boundary)).geom FROM unit WHERE level = 6 AND boundary IS NOT NULL;
-- the middle of every edge (exactly on it, or within a rounding of it)
INSERT INTO probe
SELECT 'edge', ST_LineInterpolatePoint(ST_MakeLine(a, b), 0.5)
  FROM (SELECT (d).geom AS a, lead((d).geom) OVER (PARTITION BY code, (d).path[1], (d).path[2] ORDER BY (d).path[3]) AS b
          FROM (SELECT code, ST_DumpPoints(boundary) AS d FROM unit WHERE level = 6 AND boundary IS NOT NULL) x) e
 WHERE b IS NOT NULL;
-- a hair (1e-9 degree, 0.1 mm) and a whisker (1e-12 degree) off each vertex
INSERT INTO probe
SELECT 'near ' || d, ST_Translate(p, dx * d, dy * d)
  FROM probe, (VALUES (1e-9), (1e-12)) h(d), (VALUES (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1)) o(dx, dy)
 WHERE kind = 'vertex';

CREATE TEMP TABLE answer AS
SELECT kind, p, pg_temp.routed(p) AS engine, pg_temp.covering(p) AS postgis FROM probe;

SELECT is((SELECT count(*) FROM answer WHERE engine IS DISTINCT FROM postgis), 0::bigint,
          'the engine routes every probe point to the grid PostGIS finds');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND engine IS NOT NULL) > 600,
          'hundreds of random points fall in a grid');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND engine IS NULL) > 300,
          'many random points fall in no grid');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'vertex') > 600, 'over six hundred vertices probed');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'edge') > 1500, 'over fifteen hundred edge midpoints probed');
SELECT results_eq($$SELECT pg_temp.routed(ST_SetSRID(ST_MakePoint(x, y), 4326)) FROM (VALUES
                        (1, 113.903, 22.603), (2, 113.907, 22.603), (3, 113.92, 22.625), (4, 113.925, 22.625),
                        (5, 113.945, 22.605), (6, 113.955, 22.625), (7, 113.965, 22.625)) v(n, x, y) ORDER BY n$$,
                  $$VALUES ('440311006004103'::gridcode), ('440311006004101'), ('440311006004102'), ('440311006004102'),
                           ('440311006004102'), (NULL), ('440311006004105')$$,
                  'hole, overlap, the edge of a part (covered), both parts of a multipolygon, expired and expiring grids');

-- a point that is no point on the globe is refused as gridcell() refuses
-- it, not routed to no grid
SELECT throws_ok($$SELECT pg_temp.routed('SRID=4326;POINT(NaN 22.6)')$$, '22023',
                 'longitude NaN is not a finite number', 'a NaN location is refused');
SELECT throws_ok($$SELECT pg_temp.routed(ST_SetSRID(ST_MakePoint(113.9, 122.6), 4326))$$, '22023',
                 'latitude 122.6 is out of range', 'a latitude beyond the pole is refused');

-- a severity outside 1..4 is named as such, not as a missing rule
SELECT throws_ok($$INSERT INTO cases (category, channel, location, severity)
                   VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 9)$$,
                 '23514', 'severity 9 is out of range for a case', 'severity 9 is refused as out of range');
SELECT throws_ok($$INSERT INTO cases (category, channel, location, severity)
                   VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 0)$$,
                 '23514', 'severity 0 is out of range for a case', 'and so is severity 0');

-- changes to the grids reach the index within the session, and the
-- transaction that made them
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.95, 22.62, 113.96, 22.63, 4326)), valid_to = NULL,
               valid_from = now()
 WHERE code = '440311006004104';
SELECT is(pg_temp.routed(ST_SetSRID(ST_MakePoint(113.955, 22.625), 4326)), '440311006004104'::gridcode,
          'a grid brought back into force is routed to at once');
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(114.96, 22.62, 114.97, 22.63, 4326)) WHERE code = '440311006004105';
SELECT is(pg_temp.routed(ST_SetSRID(ST_MakePoint(113.965, 22.625), 4326)), NULL::gridcode,
          'a grid moved away no longer covers its old ground');
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.90, 22.60, 113.93, 22.63, 4326)) WHERE code = '440311006004101';
SELECT is(pg_temp.routed(ST_SetSRID(ST_MakePoint(113.903, 22.603), 4326)), '440311006004101'::gridcode,
          'a changed boundary is routed by its new shape');

-- grids that need more memory than gridgov.grid_index_memory allows, or a
-- setting of 0, leave routing to PostGIS, with the same answers
SET gridgov.grid_index_memory = 16;
SELECT is((SELECT count(*) FROM (SELECT pg_temp.routed(p) AS engine, pg_temp.covering(p) AS postgis FROM probe
                                   WHERE kind IN ('random', 'edge') LIMIT 600) a
            WHERE engine IS DISTINCT FROM postgis), 0::bigint,
          'with 16kB for the index, too little for 300 grids, routing agrees with PostGIS');
SET gridgov.grid_index_memory = 0;
SELECT is(pg_temp.routed(ST_SetSRID(ST_MakePoint(113.903, 22.603), 4326)), '440311006004101'::gridcode,
          'with the index off, PostGIS routes');
RESET gridgov.grid_index_memory;
SELECT throws_ok($$SET gridgov.grid_index_memory = -1$$, '22023',
                 '-1 kB is outside the valid range for parameter "gridgov.grid_index_memory" (0 .. 2147483647)',
                 'a negative memory cap is refused');
SELECT throws_ok($$SET gridgov.grid_index_memory = 'lots'$$, '22023',
                 'invalid value for parameter "gridgov.grid_index_memory": "lots"',
                 'a memory cap that is not a size is refused');

-- one invalid boundary (a bow tie) turns the index off: PostGIS answers
INSERT INTO unit (code, name, boundary) VALUES
    ('440311006004106', '自相交网格',
     ST_GeomFromText('MULTIPOLYGON(((113.98 22.60, 113.99 22.61, 113.99 22.60, 113.98 22.61, 113.98 22.60)))', 4326));
SELECT is((SELECT count(*) FROM (SELECT pg_temp.routed(p) AS engine, pg_temp.covering(p) AS postgis FROM probe
                                   WHERE kind = 'random' LIMIT 500) a
            WHERE engine IS DISTINCT FROM postgis), 0::bigint,
          'with an invalid boundary among the grids, routing still agrees with PostGIS');
SELECT is(pg_temp.routed(ST_SetSRID(ST_MakePoint(113.9825, 22.605), 4326)), pg_temp.covering(ST_SetSRID(ST_MakePoint(113.9825, 22.605), 4326)),
          'inside the bow tie, the engine says what PostGIS says');

-- a district given at intake must be the unit's (a Citus shard holds the
-- row by the district given: docs/scale-out.md)
SELECT throws_ok($$INSERT INTO cases (district, category, channel, unit)
                   VALUES ('440310', 'noise', 'hotline', '440311006003')$$, 'GG003',
                 'case ' || currval(pg_get_serial_sequence('gridgov.cases', 'id')) + 1
                 || ' belongs to district 440311, not to the district given',
                 'a district that is not the unit''s is refused');
SELECT lives_ok($$INSERT INTO cases (district, category, channel, unit)
                  VALUES ('440311', 'noise', 'hotline', '440311006003')$$,
                'the unit''s own district is taken');

-- early warning reads the btree index on cases (unit, category, reported_at),
-- whatever its name; without one, a clear error
ALTER INDEX cases_unit_category RENAME TO cases_by_grid;
SELECT lives_ok($$INSERT INTO cases (category, channel, location, reported_at)
                  VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 10:00+08')$$,
                'renamed, the index still serves early warning');
DROP INDEX cases_by_grid;
SELECT throws_ok($$INSERT INTO cases (category, channel, location, reported_at)
                   VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 10:00+08')$$,
                 '55000', 'early warning needs a btree index on cases (unit, category, reported_at)',
                 'without the index, intake says which one it needs');
CREATE INDEX cases_unit_category ON cases (category, unit);
CREATE INDEX cases_open_by_grid ON cases (unit, category, reported_at) WHERE status <> 'closed';
SELECT throws_ok($$INSERT INTO cases (category, channel, location, reported_at)
                   VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 10:00+08')$$,
                 '55000', 'early warning needs a btree index on cases (unit, category, reported_at)',
                 'an index of another shape, or a partial one, does not serve');

SELECT * FROM finish();
ROLLBACK;
