-- gridcell: properties over many generated points and cells, at every level.
-- Points are a deterministic low-discrepancy sequence over the whole coded
-- globe (|latitude| < 88) and over Guangdong; each query prints how many
-- cases it checked and how many failed.
SET search_path = gridgov, public;

CREATE TEMP TABLE pts AS
SELECT i,
       (-180 + 360 * ((i * 0.6180339887498949) - floor(i * 0.6180339887498949)))::float8 AS lng,
       (-87.999 + 175.998 * ((i * 0.7548776662466927) - floor(i * 0.7548776662466927)))::float8 AS lat
  FROM generate_series(1, 2500) AS i
UNION ALL
SELECT i,
       (109.7 + 7.6 * ((i * 0.5698402909980532) - floor(i * 0.5698402909980532)))::float8,
       (20.2 + 5.3 * ((i * 0.3247179572447460) - floor(i * 0.3247179572447460)))::float8
  FROM generate_series(2501, 5000) AS i;

CREATE TEMP TABLE cells AS
SELECT p.i, p.lng, p.lat, l AS level, gridcell(p.lng, p.lat, l) AS cell
  FROM pts p, generate_series(1, 10) AS l;
SELECT count(*) AS cells, count(DISTINCT level) AS levels FROM cells;

-- 1. The cell's level is the level asked for, its code has the level's
--    length, and text and bigint round trips give the cell back.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE level(cell) <> level
                           OR length(cell::text) <> (ARRAY[4, 6, 7, 9, 11, 12, 14, 16, 18, 20])[level]
                           OR cell::text::gridcell <> cell
                           OR cell::bigint::gridcell <> cell) AS failed
  FROM cells;

-- 2. The point lies in its cell (on the boundary only where the edge rule
--    says so), through both ways in.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE NOT ST_Covers(boundary(cell), ST_SetSRID(ST_MakePoint(lng, lat), 4326))
                           OR gridcell(ST_SetSRID(ST_MakePoint(lng, lat), 4326), level) <> cell) AS failed
  FROM cells;

-- 3. The parent's code is a prefix of the child's, and the cell of a point
--    at a coarser level is the parent at that level.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE NOT starts_with(c.cell::text, p.cell::text)
                           OR parent(c.cell, p.level) <> p.cell
                           OR NOT (p.cell @> c.cell) OR NOT (c.cell <@ p.cell)
                           OR (c.level = p.level + 1 AND parent(c.cell) <> p.cell)) AS failed
  FROM cells c JOIN cells p ON p.i = c.i AND p.level < c.level;

-- 4. The center of a cell maps back to the cell, at its level, and lies
--    strictly inside its boundary.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE gridcell(center(cell), level) <> cell
                           OR NOT ST_Contains(boundary(cell), center(cell))) AS failed
  FROM cells;

-- 5. Order: cells sort as their codes in the C collation, and every cell's
--    descendants lie between it and subtree_last().
SELECT (SELECT array_agg(cell ORDER BY cell) FROM cells)
       = (SELECT array_agg(cell ORDER BY cell::text COLLATE "C") FROM cells) AS same_order;
SELECT count(*) AS checked,
       count(*) FILTER (WHERE (a @> b) <> (b >= a AND b <= subtree_last(a))
                           OR (a @> b) <> starts_with(b::text, a::text)) AS failed
  FROM (SELECT a.cell AS a, b.cell AS b FROM cells a JOIN cells b ON b.i = a.i + 1
        UNION ALL
        SELECT a.cell, b.cell FROM cells a JOIN cells b ON b.i = a.i AND b.level >= a.level) AS pairs(a, b);

-- 6. Every child's parent is the cell; the children are as many as the
--    level's split, all different, in order, and tile the cell exactly: the
--    union of their boundaries equals the cell's boundary, their areas add
--    up to its area (no gaps, no overlaps), both in degrees and in m².
CREATE TEMP TABLE sample AS
SELECT cell, level FROM cells WHERE level < 10 AND i IN (7, 400, 1234, 2501, 3333, 4999);
SELECT s.level, count(DISTINCT s.cell) AS cells,
       bool_and(k.n = (ARRAY[96, 6, 150, 225, 4, 64, 64, 64, 64])[s.level] AND k.n = k.distinct_n) AS count_right,
       bool_and(k.parents_right) AS parents_right,
       bool_and(k.in_order) AS in_order,
       bool_and(ST_Equals(k.union_boundary, boundary(s.cell))) AS union_equals_cell,
       bool_and(abs(k.sum_area_deg / ST_Area(boundary(s.cell)) - 1) < 1e-9
                AND abs(ST_Area(k.union_boundary) / ST_Area(boundary(s.cell)) - 1) < 1e-9) AS no_gap_no_overlap,
       bool_and(abs(k.sum_area_m2 / area(s.cell) - 1) < 1e-9) AS m2_add_up
  FROM sample s
 CROSS JOIN LATERAL (
       SELECT count(*) AS n, count(DISTINCT c) AS distinct_n,
              bool_and(parent(c) = s.cell AND level(c) = s.level + 1 AND s.cell @> c) AS parents_right,
              array_agg(c) = array_agg(c ORDER BY c) AS in_order,
              ST_Union(boundary(c)) AS union_boundary,
              sum(ST_Area(boundary(c))) AS sum_area_deg,
              sum(area(c)) AS sum_area_m2
         FROM children(s.cell) AS c) k
 GROUP BY s.level ORDER BY s.level;
-- two levels down as well: children(cell, level) are the children's children
SELECT s.level, bool_and(a.cells = b.cells) AS same
  FROM sample s
 CROSS JOIN LATERAL (SELECT array_agg(c ORDER BY c) AS cells
                       FROM children(s.cell, s.level + 2) AS c) a
 CROSS JOIN LATERAL (SELECT array_agg(g ORDER BY g) AS cells
                       FROM children(s.cell) AS c, children(c) AS g) b
 WHERE s.level <= 8 AND s.level <> 3
 GROUP BY s.level ORDER BY s.level;

-- 7. Neighbours share an edge or a corner: the 8 cells of k_ring(cell, 1)
--    around a cell are its neighbours, touch it without overlapping it,
--    and are of its level.  Across ±180° they touch once shifted by 360°.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE NOT are_neighbors(c.cell, n)
                           OR level(n) <> c.level
                           OR NOT (ST_Touches(boundary(c.cell), boundary(n))
                                   OR ST_Touches(boundary(c.cell),
                                                 ST_Translate(boundary(n), 360 * sign(c.lng), 0)))) AS failed,
       count(*) FILTER (WHERE abs(ST_X(center(c.cell)) - ST_X(center(n))) > 180) AS across_180
  FROM cells c CROSS JOIN LATERAL k_ring(c.cell, 1) AS n
 WHERE n <> c.cell AND c.i % 7 = 0;
SELECT count(*) AS checked,
       count(*) FILTER (WHERE cnt <> 9) AS not_nine
  FROM (SELECT c.i, c.level, count(*) AS cnt FROM cells c CROSS JOIN LATERAL k_ring(c.cell, 1) n
         WHERE c.i % 7 = 0 AND abs(c.lat) < 84 GROUP BY c.i, c.level) s;
-- and cells two rows or columns apart are not neighbours
SELECT count(*) AS checked, count(*) FILTER (WHERE are_neighbors(c.cell, n)) AS failed
  FROM cells c CROSS JOIN LATERAL k_ring(c.cell, 2) AS n
 WHERE c.i % 31 = 0 AND n NOT IN (SELECT k_ring(c.cell, 1));

-- 8. Coverings: every cell flagged inside lies in the polygon, every other
--    cell shares area with it without lying in it, and every cell of the
--    level left out shares no area with it.  Polygons: buffers around some
--    of the points, at a level where a cell is about a tenth of the buffer.
CREATE TEMP TABLE polys AS
SELECT i, l AS level,
       ST_Buffer(ST_SetSRID(ST_MakePoint(lng, lat), 4326), r, 5) AS poly
  FROM pts,
       (VALUES (3, 0.8), (4, 0.05), (5, 0.002), (7, 0.0004)) AS v(l, r)
 WHERE i % 150 = 1 AND abs(lat) < 80;
CREATE TEMP TABLE covers AS
SELECT p.i, p.level, c.cell, c.inside FROM polys p CROSS JOIN LATERAL cover(p.poly, p.level) c;
SELECT count(*) AS polygons, (SELECT count(*) FROM covers) AS cells,
       (SELECT count(*) FROM covers WHERE inside) AS inside FROM polys;
SELECT count(*) AS checked,
       count(*) FILTER (WHERE c.inside AND NOT ST_CoveredBy(boundary(c.cell), p.poly)) AS inside_not_in,
       count(*) FILTER (WHERE NOT c.inside AND (ST_CoveredBy(boundary(c.cell), p.poly)
                              OR ST_Area(ST_Intersection(boundary(c.cell), p.poly)) = 0)) AS boundary_wrong,
       count(*) FILTER (WHERE level(c.cell) <> p.level) AS wrong_level
  FROM covers c JOIN polys p USING (i, level);
-- no cell left out: every cell of the level under the polygon's bounding
-- box that shares area with the polygon is in the covering
SELECT count(*) AS checked,
       count(*) FILTER (WHERE ST_Area(ST_Intersection(boundary(k), p.poly)) > 0
                          AND k NOT IN (SELECT cell FROM covers c WHERE c.i = p.i AND c.level = p.level))
           AS missing
  FROM polys p
 CROSS JOIN LATERAL (SELECT gridcell(ST_PointN(ST_ExteriorRing(ST_Envelope(p.poly)), 1), p.level) AS sw) s
 CROSS JOIN LATERAL k_ring(s.sw, 12) AS k
 WHERE ST_Intersects(boundary(k), ST_Envelope(p.poly));
-- a cell's boundary covered at finer levels is exactly its descendants
SELECT s.level, bool_and(a.cells = b.cells AND a.all_inside) AS exact
  FROM sample s
 CROSS JOIN LATERAL (SELECT array_agg(cell ORDER BY cell) AS cells, bool_and(inside) AS all_inside
                       FROM cover(boundary(s.cell), s.level + 1)) a
 CROSS JOIN LATERAL (SELECT array_agg(c ORDER BY c) AS cells FROM children(s.cell) c) b
 GROUP BY s.level ORDER BY s.level;
