-- A gap between the grids is not an error (issue 19, item 3): a point no
-- current grid covers goes to the lowest unit covering it (community, else
-- subdistrict, else district), flagged for the grid office (grid_gap, a note
-- in its first history row, the view grid_gaps); only a point outside every
-- unit is refused (GG003).  The gaps are generated: grids taken out of
-- force, grids redrawn smaller, a grid redrawn with a hole.  A property test
-- compares every routed point with a plain ST_Covers query over gridgov.unit.
BEGIN;
\ir case_fixture.psql
SELECT plan(30);

-- the district, its two subdistricts (a strip of the district left
-- between them and its northern edge) and three communities, side by side
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.88, 22.72, 114.00, 22.80, 4326)) WHERE code = '440311';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.88, 22.72, 113.925, 22.79, 4326)) WHERE code = '440311001';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.72, 114.00, 22.79, 4326)) WHERE code = '440311006';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.89, 22.74, 113.925, 22.78, 4326)) WHERE code = '440311001001';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.73, 113.95, 22.77, 4326)) WHERE code = '440311006003';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.95, 22.73, 113.98, 22.77, 4326)) WHERE code = '440311006004';
-- the fixture's grids leave way: Voronoi grids tile two communities (out
-- of force since 1 November, before the reports of 16 November below, which
-- are routed to the grids of their time)
UPDATE unit SET valid_from = '2026-01-01 00:00+08', valid_to = '2026-11-01 00:00+08'
 WHERE code IN ('440311006003001', '440311006004001');

SELECT setseed(0.1903);
CREATE TEMP TABLE seed AS
SELECT c.code AS community, ST_SetSRID(ST_MakePoint(ST_XMin(c.boundary) + random() * (ST_XMax(c.boundary) - ST_XMin(c.boundary)),
                                                     ST_YMin(c.boundary) + random() * (ST_YMax(c.boundary) - ST_YMin(c.boundary))), 4326) AS p
  FROM unit c, generate_series(1, 30)
 WHERE c.code IN ('440311006003', '440311006004');
INSERT INTO unit (code, name, boundary)
SELECT (v.community::text || (100 + row_number() OVER (PARTITION BY v.community ORDER BY ST_X(ST_Centroid(v.cell)), ST_Y(ST_Centroid(v.cell))))::text)::gridcode,
       '试验网格', ST_Multi(v.cell)
  FROM (SELECT s.community, ST_Intersection((ST_Dump(ST_VoronoiPolygons(ST_Collect(s.p)))).geom, c.boundary) AS cell
          FROM seed s JOIN unit c ON c.code = s.community
         GROUP BY s.community, c.boundary) v;
SELECT is((SELECT count(*) FROM unit WHERE level = 6 AND valid_to IS NULL AND parent IN ('440311006003', '440311006004')),
          60::bigint, 'sixty Voronoi grids tile the two communities');

-- Gaps: a fifth of the grids taken out of force (deleted), a fifth redrawn
-- smaller, one redrawn with a hole.
CREATE TEMP TABLE touched AS
SELECT code, (row_number() OVER (ORDER BY random())) % 5 AS fate
  FROM unit WHERE level = 6 AND valid_to IS NULL AND parent IN ('440311006003', '440311006004');
UPDATE unit SET valid_from = '2026-01-01 00:00+08', valid_to = '2026-11-01 00:00+08'
 WHERE code IN (SELECT code FROM touched WHERE fate = 0);
UPDATE unit SET boundary = ST_Multi(ST_Buffer(boundary, -0.0008, 'join=mitre'))
 WHERE code IN (SELECT code FROM touched WHERE fate = 1);
-- 光明社区's grid keeps its place but loses its middle
UPDATE unit SET boundary = ST_Multi(ST_Difference(boundary, ST_MakeEnvelope(113.905, 22.755, 113.915, 22.765, 4326)))
 WHERE code = '440311001001001';
SELECT ok((SELECT bool_and(ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)) FROM unit WHERE level = 6 AND valid_to IS NULL),
          'the redrawn grids are valid and not empty');

-- The engine's answer for a point (NULL when it refuses with GG003) and
-- whether it flagged a gap; the second way, a plain ST_Covers query.
CREATE FUNCTION pg_temp.routed(point geometry, OUT unit gridcode, OUT gap boolean) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cases (category, channel, location, reported_at)
    VALUES ('noise', 'sensor', point, '2026-11-16 10:00+08') RETURNING cases.unit, grid_gap INTO unit, gap;
EXCEPTION WHEN SQLSTATE 'GG003' THEN
    unit := NULL;
    gap := NULL;
END $$;
CREATE FUNCTION pg_temp.covering(point geometry) RETURNS gridcode LANGUAGE sql AS $$
    SELECT code FROM unit
     WHERE level BETWEEN 3 AND 6 AND ST_Covers(boundary, point) AND (valid_to IS NULL OR valid_to > now())
     ORDER BY level DESC, code LIMIT 1
$$;

CREATE TEMP TABLE probe (kind text, p geometry);
-- random points over the district and around it
INSERT INTO probe
SELECT 'random', ST_SetSRID(ST_MakePoint(113.87 + random() * 0.14, 22.71 + random() * 0.10), 4326)
  FROM generate_series(1, 2500);
-- every vertex of the grids, current or not (the corners of every gap)
INSERT INTO probe
SELECT DISTINCT 'vertex', (ST_DumpPoints(boundary)).geom FROM unit WHERE level = 6 AND boundary IS NOT NULL;
-- a hair (1e-9 degree) off each vertex of the redrawn and removed grids
INSERT INTO probe
SELECT 'near', ST_Translate((ST_DumpPoints(boundary)).geom, dx * 1e-9, dy * 1e-9)
  FROM unit, (VALUES (1, 0), (-1, 0), (0, 1), (0, -1)) o(dx, dy)
 WHERE code IN (SELECT code FROM touched WHERE fate IN (0, 1)) OR code = '440311001001001';
-- the edges of the district: on them, and a hair outside
INSERT INTO probe VALUES
    ('district edge', ST_SetSRID(ST_MakePoint(113.88, 22.795), 4326)),
    ('district edge', ST_SetSRID(ST_MakePoint(114.00, 22.80), 4326)),
    ('outside', ST_SetSRID(ST_MakePoint(113.88 - 1e-9, 22.75), 4326)),
    ('outside', ST_SetSRID(ST_MakePoint(114.50, 22.50), 4326));

CREATE TEMP TABLE answer AS
SELECT kind, p, (pg_temp.routed(p)).*, pg_temp.covering(p) AS postgis FROM probe;

SELECT is((SELECT count(*) FROM answer WHERE unit IS DISTINCT FROM postgis), 0::bigint,
          'every probe point goes to the unit the plain ST_Covers query finds, or is refused where it finds none');
SELECT is((SELECT count(*) FROM answer WHERE gap IS DISTINCT FROM (CASE WHEN postgis IS NOT NULL THEN level(postgis) < 6 END)),
          0::bigint, 'exactly the points routed to a unit above the grids are flagged as gaps');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND level(unit) = 5) > 100,
          'over a hundred random points fall in a gap inside a community');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND level(unit) = 4) > 50,
          'many fall in a subdistrict outside every community');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND level(unit) = 3) > 10,
          'some fall in the district outside every subdistrict');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND level(unit) = 6) > 150,
          'hundreds fall in a grid');
SELECT ok((SELECT count(*) FROM answer WHERE kind = 'random' AND unit IS NULL) > 300,
          'hundreds fall outside the district and are refused');
SELECT ok((SELECT count(*) FROM answer WHERE kind IN ('vertex', 'near') AND level(unit) = 5) > 20,
          'vertices and near-vertices land in gaps too');
SELECT results_eq($$SELECT kind, unit::text FROM answer WHERE kind IN ('district edge', 'outside') ORDER BY kind, unit$$,
                  $$VALUES ('district edge', '440311'), ('district edge', '440311'), ('outside', NULL), ('outside', NULL)$$,
                  'the district''s edge is in it (ST_Covers); a hair outside, and far outside, are refused');

-- case_district(), by which Citus routes a report before its row exists
-- (src/case_district.c), answers as intake does: for every probe point the
-- district above the unit intake chose, GG003 where intake refused it.
CREATE FUNCTION pg_temp.district_of(point geometry) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN case_district(NULL, point, '2026-11-16 10:00+08')::text;
EXCEPTION WHEN SQLSTATE 'GG003' THEN
    RETURN 'GG003';
END $$;
SELECT is((SELECT count(*) FROM answer
            WHERE pg_temp.district_of(p) IS DISTINCT FROM COALESCE(ancestor(unit, 3)::text, 'GG003')),
          0::bigint, 'case_district() of every probe point: the district of intake''s unit, or GG003 where intake refused');
SELECT is((SELECT count(*) FROM cases WHERE case_district(unit, NULL) <> district), 0::bigint,
          'case_district() of every case''s unit: the case''s district');
SELECT throws_ok($$SELECT case_district(NULL, NULL)$$, 'GG003', 'the new case has neither a location nor a unit',
                 'case_district() of nothing: GG003');
SELECT throws_ok($$SELECT case_district('44', NULL)$$, 'GG003',
                 'the new case must belong to a unit at or below a county or district',
                 'case_district() of a province: GG003');

-- the hole of 光明社区's grid: inside it the community, on its edge the grid
SELECT results_eq($$SELECT (pg_temp.routed(ST_SetSRID(ST_MakePoint(x, y), 4326))).unit::text FROM (VALUES
                        (1, 113.91, 22.76), (2, 113.905, 22.76), (3, 113.905 + 1e-9, 22.76), (4, 113.905 - 1e-9, 22.76)) v(n, x, y)
                    ORDER BY n$$,
                  $$VALUES ('440311001001'), ('440311001001001'), ('440311001001'), ('440311001001001')$$,
                  'in the hole: the community; on its edge or a hair outside it: the grid');

-- the flag, the view, the history
SELECT is((SELECT count(*) FROM grid_gaps), (SELECT count(*) FROM cases WHERE grid_gap),
          'grid_gaps lists every flagged case');
SELECT is((SELECT count(*) FROM grid_gaps g JOIN cases c USING (id)
            WHERE g.unit = c.unit::text AND g.unit_level = level(c.unit) AND g.gap_open), (SELECT count(*) FROM grid_gaps),
          'with its unit and level, every gap still open');
SELECT is((SELECT count(*) FROM case_history h JOIN cases c ON c.id = h.case_id
            WHERE h.seq = 1 AND h.note = format('no grid covers the location: routed to unit %s (level %s)', c.unit, level(c.unit))),
          (SELECT count(*) FROM cases WHERE grid_gap), 'each flagged case''s first history row says where it went and why');
SELECT is((SELECT count(*) FROM case_history h JOIN cases c ON c.id = h.case_id WHERE NOT c.grid_gap AND h.note IS NOT NULL),
          0::bigint, 'and no other case''s does');

-- a grid drawn over a gap closes it for the view, and takes its next cases
CREATE TEMP TABLE hole_case AS
SELECT id, location FROM cases
 WHERE grid_gap AND ST_Covers(ST_MakeEnvelope(113.905, 22.755, 113.915, 22.765, 4326), location) LIMIT 1;
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.90, 22.75, 113.92, 22.77, 4326)) WHERE code = '440311001001001';
SELECT results_eq($$SELECT gap_open, (pg_temp.routed(h.location)).unit::text FROM grid_gaps g JOIN hole_case h USING (id)$$,
                  $$VALUES (false, '440311001001001')$$,
                  'a grid redrawn over the hole: the old case''s gap is closed, a new case there goes to the grid');

-- a late report, imported, into a gap: dated when it was reported, its
-- deadline counted from then like a grid case's; the whole lifecycle runs
INSERT INTO cases (id, category, channel, location, reported_at, actor) VALUES
    (990001, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.91, 22.745), 4326), '2026-11-13 16:00+08', '12345热线坐席07'),
    (990002, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.91, 22.76), 4326), '2026-11-13 16:00+08', '12345热线坐席07');
SELECT results_eq($$SELECT id, unit::text, grid_gap, handling_level, service_point, stage_deadline FROM cases WHERE id IN (990001, 990002) ORDER BY id$$,
                  $$VALUES (990001::bigint, '440311001001', true, 5, 6, '2026-11-16 16:00+08'::timestamptz),
                           (990002, '440311001001001', false, 5, 6, '2026-11-16 16:00+08')$$,
                  'a late report in a gap: the community''s hall, the same deadline as in the grid next to it');
SELECT accept(990001, at => '2026-11-16 09:00+08');
SELECT dispatch(990001, at => '2026-11-16 10:00+08');
SELECT start(990001, at => '2026-11-16 11:00+08');
SELECT escalate(990001, '跨社区', at => '2026-11-17 10:00+08');
SELECT start(990001, at => '2026-11-17 11:00+08');
SELECT resolve(990001, at => '2026-11-18 10:00+08');
SELECT verify(990001, at => '2026-11-18 15:00+08');
SELECT close(990001, 5, '满意', at => '2026-11-19 10:00+08');
SELECT results_eq($$SELECT status, handling_level, service_point, grid_gap, unit::text FROM cases WHERE id = 990001$$,
                  $$VALUES ('closed', 4, 3, true, '440311001001')$$,
                  'the gap case is escalated to its subdistrict and closed; it keeps its unit and its flag');
SELECT is_empty($$SELECT * FROM verify_history()$$, 'every history chain, the gap cases'' included, verifies');

-- KPIs: a gap case counts in its community and above, in no grid
SELECT refresh_kpi_daily('2026-11-13', '2026-11-19', '2026-11-20 00:00+08');
SELECT results_eq($$SELECT unit, received, closed FROM kpi_by_unit('2026-11-13', '2026-11-13')
                    WHERE unit IN ('440311001001', '440311001001001', '440311001') ORDER BY unit$$,
                  $$VALUES ('440311001', 2::bigint, 1::bigint), ('440311001001', 2, 1), ('440311001001001', 1, 0)$$,
                  'the KPIs count the gap case in its community and subdistrict, not in the grid next to it');

-- who sees the gaps: a viewer of one community sees its own only
CREATE ROLE gap_viewer IN ROLE gridgov_reader;
SELECT grant_jurisdiction('gap_viewer', '440311006004', 'viewer');
GRANT SELECT ON answer TO gap_viewer;
-- a hostile schema ahead of gridgov's on the path, shadowing what a
-- placement query would call by name
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.st_covers(geometry, geometry) RETURNS boolean LANGUAGE sql RETURN false;
CREATE FUNCTION hostile.st_intersects(geometry, geometry) RETURNS boolean LANGUAGE sql RETURN false;
CREATE FUNCTION hostile.ancestor(gridcode, integer) RETURNS gridcode LANGUAGE sql RETURN NULL::gridcode;
GRANT USAGE ON SCHEMA hostile TO gap_viewer;
SET ROLE gap_viewer;
SELECT ok((SELECT count(*) FROM grid_gaps) > 0 AND (SELECT bool_and(unit LIKE '440311006004%') FROM grid_gaps),
          'a viewer of one community sees that community''s gaps and no others');
SELECT throws_ok($$UPDATE cases SET grid_gap = false$$, '42501', NULL, 'and cannot clear a flag');
SELECT is((SELECT count(*) FROM answer
            WHERE pg_temp.district_of(p) IS DISTINCT FROM COALESCE(ancestor(unit, 3)::text, 'GG003')),
          0::bigint, 'case_district() answers it as intake placed every probe point, in any community''s gaps');
SET LOCAL search_path = hostile, gridgov, public;
SELECT is((SELECT count(*) FROM answer
            WHERE pg_temp.district_of(p) IS DISTINCT FROM COALESCE(gridgov.ancestor(unit, 3)::text, 'GG003')),
          0::bigint, 'and the same with a hostile schema first on its search_path');
SET LOCAL search_path = gridgov, public;
RESET ROLE;
SELECT throws_ok($$UPDATE cases SET grid_gap = false WHERE id = 990001$$, 'GG001',
                 'column "grid_gap" of case 990001 is kept by the case engine', 'not even the owner: the engine keeps the flag');

SELECT * FROM finish();
ROLLBACK;
