-- A tour of gridgov on the Guangming demo district.
\pset footer off
SET search_path = gridgov, public;

\echo '1. Jurisdiction codes (gridcode): China''s own numbering, one 8-byte value.'
SELECT c AS code, level(c), level_name(c), parent(c), breadcrumb(c)
  FROM unnest('{440311006003,440311006003001,4403110060030010007}'::gridcode[]) c;

\echo '2. Dongguan has no counties: its towns hang straight under the city.'
SELECT code, name, level_name(code), parent, breadcrumb(code)
  FROM unit WHERE code IN ('4419', '441900003', '441900003001');

\echo '3. Guangming district: 6 subdistricts, 31 communities, 418 grids, 8,360 buildings.'
SELECT s.name AS subdistrict,
       count(*) FILTER (WHERE u.level = 5) AS communities,
       count(*) FILTER (WHERE u.level = 6) AS grids,
       count(*) FILTER (WHERE u.level = 7) AS buildings
  FROM children(gridcode '440311') s
  JOIN unit u ON u.code <@ s.code AND u.code <> s.code
 GROUP BY s.code, s.name ORDER BY s.code;

\echo '4. Who is responsible for this spot? The grid whose boundary covers a point.'
SELECT u.code, u.name, breadcrumb(u.code)
  FROM unit_at(ST_SetSRID(ST_MakePoint(113.9512, 22.8013), 4326), 6) u;

\echo '5. Everything under a subdistrict is one btree range: no recursion.'
EXPLAIN (COSTS OFF) SELECT count(*) FROM unit WHERE code <@ '440311006';
SELECT count(*) AS units_under_matian FROM unit WHERE code <@ '440311006';

\echo '6. The lowest common unit of two buildings, and how far apart they sit in the tree.'
SELECT lca(a, b), breadcrumb(lca(a, b)), depth_between(lca(a, b), a) AS levels_down
  FROM (VALUES ('4403110060030010007'::gridcode, '4403110060050120003'::gridcode)) v(a, b);

\echo '7. Beidou grid cells (gridcell, GB/T 39409-2020): the code of the spot, and its cells.'
SELECT gridcell(ST_SetSRID(ST_MakePoint(113.9512, 22.8013), 4326), l) AS cell, l AS level
  FROM generate_series(1, 10) l;

\echo '8. The 8,360 buildings bucketed at level 6 (about 60 m) and level 7 (about 7 m).'
SELECT b.level, count(*) AS cells, max(b.buildings) AS most_buildings_in_one_cell
  FROM (SELECT l AS level, gridcell(ST_PointOnSurface(u.boundary), l) AS cell, count(*) AS buildings
          FROM unit u, generate_series(6, 7) l
         WHERE u.code <@ '440311' AND u.level = 7
         GROUP BY 1, 2) b
 GROUP BY b.level ORDER BY b.level;
