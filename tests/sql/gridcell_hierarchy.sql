-- gridcell: levels, parents, children, containment and index support
SET search_path = gridgov, public;

-- parent(): one level up; parent(cell, level): the code cut to that level
SELECT parent('N50J4753996000000000'::gridcell) AS up_one,
       parent('N50J'::gridcell) IS NULL AS level_1_has_none;
SELECT l, parent('N50J4753996000000000'::gridcell, l)
  FROM generate_series(1, 10) AS l;
SELECT parent('N50J47539'::gridcell, 5) IS NULL AS finer_level_is_null;
SELECT parent('N50J47539'::gridcell, 0);
SELECT parent('N50J47539'::gridcell, 11);
-- ancestor(cell, level) is the same function under the name gridcode's has;
-- parent(cell, level) is its alias: the two agree on every cell and level
SELECT ancestor('N50J4753996000000000'::gridcell, 3) AS ancestor_3,
       ancestor(gridcode '440311006003', 3) AS gridcode_ancestor_3;
SELECT count(*) AS cells_and_levels,
       count(*) FILTER (WHERE ancestor(c, l) IS NOT DISTINCT FROM parent(c, l)) AS agree,
       count(*) FILTER (WHERE ancestor(c, l) IS NULL) AS coarser,
       count(*) FILTER (WHERE ancestor(c, l) IS NOT NULL AND NOT (c <@ ancestor(c, l) AND level(ancestor(c, l)) = l)) AS wrong
  FROM (SELECT gridcell(100 + g * 0.013, 20 + g * 0.007, 1 + g % 10) AS c FROM generate_series(1, 500) g) s,
       generate_series(1, 10) AS l;
SELECT ancestor('N50J47539'::gridcell, 0);

-- children(): one level down, in order; how many at each level
SELECT children('N50J475'::gridcell) LIMIT 5;
SELECT l, (SELECT count(*) FROM children('N50J'::gridcell, l)) AS cells
  FROM generate_series(1, 4) AS l;
SELECT level(c), count(*), min(c) AS first, max(c) AS last
  FROM (SELECT children('N50J47539960'::gridcell, l) AS c FROM generate_series(7, 8) AS l) s
 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS level_10_has_no_children FROM children('N50J4753996000000000'::gridcell);
SELECT children('N50J47539'::gridcell, 4) AS its_own_level;
-- too many, or a level above the cell
SELECT count(*) FROM children('N50J'::gridcell, 5);
SELECT count(*) FROM children('N50J47539'::gridcell, 3);
SELECT count(*) FROM children('N50J47539'::gridcell, 11);
SET gridgov.max_cover_cells = 100;
SELECT count(*) FROM children('N50J475'::gridcell, 4);
RESET gridgov.max_cover_cells;
SELECT count(*) FROM children('N50J475'::gridcell, 4);

-- Containment: @> and <@ are ancestor-or-self and descendant-or-self
SELECT a, b, a @> b AS contains, a <@ b AS contained, b <@ a AS inverse
  FROM (VALUES ('N50J'::gridcell, 'N50J47539'::gridcell),
               ('N50J47539', 'N50J47539'),
               ('N50J475', 'N50J474'::text::gridcell),
               ('N50J475', 'N50J4753996000000000'),
               ('N50J475', 'N50J4743996000000000')) AS t(a, b);
-- the descendant range runs from the cell to subtree_last()
SELECT subtree_first('N50J47539'::gridcell), subtree_last('N50J47539'::gridcell),
       subtree_last('N50J4753996000000000'::gridcell) AS level_10_is_its_own_range;

-- Comparison operators
SELECT 'N50J'::gridcell < 'N50J47', 'N50J47' <= 'N50J47'::gridcell,
       'N50K'::gridcell > 'N50J4753996000000000', 'S01A'::gridcell >= 'N60V',
       'N50J'::gridcell = 'n50j', 'N50J'::gridcell <> 'N50K';

-- A btree index answers "cell <@ X" as one range scan.  Points on a grid
-- over Shenzhen's Guangming district, at level 10.
CREATE TEMP TABLE events AS
SELECT i AS id, gridcell(113.88 + (i % 300) * 0.0005, 22.70 + (i / 300) * 0.0005, 10) AS cell
  FROM generate_series(0, 89999) AS i;
CREATE INDEX events_cell_idx ON events (cell);
VACUUM ANALYZE events;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM events WHERE cell <@ 'N49FB53B4'::gridcell;
EXPLAIN (COSTS OFF) SELECT count(*) FROM events WHERE 'N49FB53B4'::gridcell @> cell;
-- the same with a non-constant X: a join and a lateral subquery
CREATE TEMP TABLE areas (code gridcell);
INSERT INTO areas VALUES ('N49FB53B4'), ('N49FB53B3'), ('N49FB53C5');
ANALYZE areas;
EXPLAIN (COSTS OFF)
SELECT a.code, n FROM areas a
 CROSS JOIN LATERAL (SELECT count(*) AS n FROM events e WHERE e.cell <@ a.code) s;
EXPLAIN (COSTS OFF)
SELECT a.code, count(*) FROM areas a JOIN events e ON e.cell <@ a.code GROUP BY a.code;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- and it gives the answer a scan gives
SELECT a.code, n,
       (SELECT count(*) FROM events e WHERE parent(e.cell, level(a.code)) = a.code) AS by_parent
  FROM areas a
 CROSS JOIN LATERAL (SELECT count(*) AS n FROM events e WHERE e.cell <@ a.code) s
 ORDER BY a.code;
SELECT count(*) FROM events WHERE cell <@ 'N49FB53B4'::gridcell;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT count(*) FROM events WHERE cell <@ 'N49FB53B4'::gridcell;
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;

-- Hash index; grouping and joining on cells
CREATE INDEX events_cell_hash ON events USING hash (cell);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM events WHERE cell = 'N49FB53B41D372134164';
RESET enable_seqscan;
SELECT parent(cell, 3) AS cell, count(*) FROM events GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM events e JOIN areas a ON parent(e.cell, 4) = a.code;
