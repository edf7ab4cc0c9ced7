-- gridcell's properties over random points, cells and polygons, at every
-- level and in every quadrant (the regression test gridcell_properties
-- checks the same on a fixed sequence; this one draws a fresh sample from
-- a fixed seed, larger).
BEGIN;
SET search_path = gridgov, public;
SELECT plan(26);
SELECT setseed(0.3940);

CREATE TEMP TABLE p AS
SELECT i, -180 + 360 * random() AS lng, -87.9999 + 175.9998 * random() AS lat,
       1 + (i % 10) AS level
  FROM generate_series(1, 20000) AS i;
CREATE TEMP TABLE c AS
SELECT i, level, gridcell(lng, lat, level) AS cell, lng, lat FROM p;

-- 1-5: points and cells
SELECT is_empty($$SELECT i FROM c WHERE cell::text::gridcell <> cell OR level(cell) <> level
                   OR cell::bigint::gridcell <> cell$$,
                'text and bigint round trips keep the cell and its level');
SELECT is_empty($$SELECT i FROM c WHERE NOT ST_Covers(boundary(cell), ST_SetSRID(ST_MakePoint(lng, lat), 4326))$$,
                'every point lies in its cell');
SELECT is_empty($$SELECT i FROM c WHERE gridcell(ST_SetSRID(ST_MakePoint(lng, lat), 4326), level) <> cell$$,
                'geometry and numbers give the same cell');
SELECT is_empty($$SELECT i FROM c WHERE gridcell(center(cell), level) <> cell$$,
                'every center maps back to its cell');
SELECT is_empty($$SELECT i, l FROM c, generate_series(1, 10) l
                   WHERE (l <= level AND (parent(cell, l) <> gridcell(lng, lat, l)
                                          OR NOT starts_with(cell::text, parent(cell, l)::text)))
                      OR (l > level AND NOT gridcell(lng, lat, l) <@ cell)$$,
                'coarser cells are prefixes, finer cells are inside');

-- 6-8: edges.  The locating corner of a cell (nearest the origin) belongs
-- to the cell, unless it lies on the prime meridian or the equator, which
-- belong to the east and the north; the point 1e-9 degree past it, toward
-- the origin, belongs to the diagonal neighbour on that side.
CREATE TEMP TABLE corner AS
SELECT i, level, cell,
       CASE WHEN ST_X(center(cell)) >= 0 THEN ST_XMin(boundary(cell)) ELSE ST_XMax(boundary(cell)) END AS x,
       CASE WHEN ST_Y(center(cell)) >= 0 THEN ST_YMin(boundary(cell)) ELSE ST_YMax(boundary(cell)) END AS y
  FROM c;
SELECT is_empty($$SELECT i FROM corner WHERE x <> 0 AND y <> 0 AND gridcell(x, y, level) <> cell$$,
                'a point on a cell''s locating corner belongs to the cell');
SELECT is_empty($$SELECT i FROM corner
                   WHERE x <> 0 AND y <> 0
                     AND gridcell(x - sign(x) * 1e-9, y - sign(y) * 1e-9, level) <> ALL
                         (SELECT n FROM k_ring(cell, 1) n WHERE n <> cell
                            AND ST_Touches(boundary(n), ST_SetSRID(ST_MakePoint(x, y), 4326)))$$,
                '1e-9 degree toward the origin falls into a neighbour');
SELECT is_empty($$SELECT i FROM corner
                   WHERE x <> 0 AND y <> 0 AND gridcell(x + sign(x) * 1e-9, y + sign(y) * 1e-9, level) <> cell$$,
                '1e-9 degree away from the origin stays in the cell');

-- 9: order
SELECT ok((SELECT array_agg(cell ORDER BY cell) = array_agg(cell ORDER BY cell::text COLLATE "C") FROM c),
          'cells sort as their codes');

-- 10-11: containment against code prefixes, over random pairs
SELECT is_empty($$SELECT a.i FROM c a JOIN c b ON b.i = a.i % 997 + 1
                   WHERE (a.cell @> b.cell) <> starts_with(b.cell::text, a.cell::text)
                      OR (a.cell <@ b.cell) <> starts_with(a.cell::text, b.cell::text)$$,
                '@> and <@ agree with code prefixes');
SELECT is_empty($$SELECT a.i FROM c a JOIN c b ON b.i = a.i % 991 + 1
                   WHERE (a.cell @> b.cell) <> (b.cell BETWEEN a.cell AND subtree_last(a.cell))$$,
                'a cell''s descendants are the range up to subtree_last()');

-- 12-16: children of random cells at levels 1-9
CREATE TEMP TABLE s AS SELECT DISTINCT ON (level) i, level, cell FROM c WHERE level < 10 ORDER BY level, random();
INSERT INTO s SELECT i, level, cell FROM c WHERE level < 10 AND i % 250 = 0;
SELECT is_empty($$SELECT s.i FROM s CROSS JOIN LATERAL children(s.cell) ch
                   WHERE parent(ch) <> s.cell OR level(ch) <> s.level + 1$$,
                'every child''s parent is the cell');
SELECT is_empty($$SELECT s.i FROM s
                   WHERE (SELECT count(DISTINCT ch) FROM children(s.cell) ch)
                         <> (ARRAY[96, 6, 150, 225, 4, 64, 64, 64, 64])[s.level]$$,
                'a cell has as many different children as its level''s split');
SELECT is_empty($$SELECT s.i FROM s
                   WHERE NOT ST_Equals((SELECT ST_Union(boundary(ch)) FROM children(s.cell) ch), boundary(s.cell))$$,
                'the children''s boundaries tile the cell''s exactly');
SELECT is_empty($$SELECT s.i FROM s
                   WHERE abs((SELECT sum(ST_Area(boundary(ch))) FROM children(s.cell) ch)
                             / ST_Area(boundary(s.cell)) - 1) > 1e-9$$,
                'without overlaps: the children''s areas add up to the cell''s');
SELECT is_empty($$SELECT s.i FROM s
                   WHERE abs((SELECT sum(area(ch)) FROM children(s.cell) ch) / area(s.cell) - 1) > 1e-9$$,
                'and so do their areas in square metres');

-- 17-19: neighbours
SELECT is_empty($$SELECT c.i FROM c CROSS JOIN LATERAL k_ring(c.cell, 1) n
                   WHERE c.i % 5 = 0 AND n <> c.cell
                     AND NOT (are_neighbors(c.cell, n)
                              AND (ST_Touches(boundary(c.cell), boundary(n))
                                   OR ST_Touches(boundary(c.cell), ST_Translate(boundary(n), 360 * sign(c.lng), 0))))$$,
                'the cells of k_ring(cell, 1) are neighbours sharing an edge or corner');
SELECT is_empty($$SELECT c.i FROM c
                   WHERE c.i % 5 = 0 AND abs(c.lat) < 84
                     AND (SELECT count(*) FROM k_ring(c.cell, 1)) <> 9$$,
                'away from 88 degrees, k_ring(cell, 1) has 9 cells');
SELECT is_empty($$SELECT c.i FROM c CROSS JOIN LATERAL k_ring(c.cell, 2) n
                   WHERE c.i % 23 = 0 AND are_neighbors(c.cell, n)
                     AND n NOT IN (SELECT k_ring(c.cell, 1))$$,
                'cells two steps away are no neighbours');

-- 20-21: area against PostGIS on the spheroid
SELECT is_empty($$SELECT i FROM c WHERE i % 20 = 0 AND level BETWEEN 4 AND 9
                     AND abs(area(cell) / ST_Area(boundary(cell)::geography) - 1) > 1e-6$$,
                'area() agrees with PostGIS for small cells');
SELECT is_empty($$SELECT i FROM c WHERE i % 50 = 0 AND level <= 3
                     AND abs(area(cell) / ST_Area(ST_Segmentize(boundary(cell), 0.01)::geography) - 1) > 1e-6$$,
                'and, with parallels densified, for large ones');

-- 22-26: coverings of random polygons
CREATE TEMP TABLE poly AS
SELECT i, l AS level,
       ST_ConvexHull(ST_Collect(ARRAY[
           ST_SetSRID(ST_MakePoint(lng, lat), 4326),
           ST_SetSRID(ST_MakePoint(lng + r * random(), lat + r * (random() - 0.5)), 4326),
           ST_SetSRID(ST_MakePoint(lng + r * (random() - 0.5), lat + r * random()), 4326),
           ST_SetSRID(ST_MakePoint(lng - r * random(), lat - r * random()), 4326)])) AS geom
  FROM (SELECT i, lng, lat FROM p WHERE i % 400 = 0 AND abs(lat) < 80 AND abs(lng) < 170) pts,
       (VALUES (2, 1.5), (4, 0.1), (6, 0.004), (8, 0.0001)) AS v(l, r);
CREATE TEMP TABLE cov AS
SELECT poly.i, poly.level, k.cell, k.inside FROM poly CROSS JOIN LATERAL cover(poly.geom, poly.level) k;
SELECT cmp_ok((SELECT count(*) FROM cov WHERE NOT inside)::int, '>', 100, 'the coverings have boundary cells');
SELECT is_empty($$SELECT cov.i FROM cov JOIN poly USING (i, level)
                   WHERE cov.inside AND NOT ST_CoveredBy(boundary(cov.cell), poly.geom)$$,
                'a cell flagged inside lies in the polygon');
SELECT is_empty($$SELECT cov.i FROM cov JOIN poly USING (i, level)
                   WHERE NOT cov.inside AND (ST_CoveredBy(boundary(cov.cell), poly.geom)
                                            OR ST_Area(ST_Intersection(boundary(cov.cell), poly.geom)) = 0)$$,
                'a cell flagged not inside crosses the polygon''s boundary');
SELECT is_empty($$SELECT poly.i FROM poly
                   WHERE abs(ST_Area(poly.geom) - (SELECT sum(ST_Area(ST_Intersection(boundary(cov.cell), poly.geom)))
                                                   FROM cov WHERE cov.i = poly.i AND cov.level = poly.level))
                         > 1e-9 * ST_Area(poly.geom)$$,
                'the covering leaves no part of the polygon out');
SELECT is_empty($$SELECT poly.i FROM poly
                   WHERE (SELECT array_agg(cell) FROM cov WHERE cov.i = poly.i AND cov.level = poly.level)
                         <> (SELECT array_agg(cell ORDER BY cell) FROM cov WHERE cov.i = poly.i AND cov.level = poly.level)$$,
                'coverings come in cell order');

SELECT * FROM finish();
ROLLBACK;
