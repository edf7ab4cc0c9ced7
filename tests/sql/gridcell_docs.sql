-- The examples of docs/gridcell.md, run for real: tools/check-docs checks
-- that every example in the docs appears, with its output, in expected/.
SET search_path = gridgov, public;
SELECT gridcell(116.31, 39.99, 4) AS cell, gridcell(ST_SetSRID(ST_MakePoint(116.31, 39.99), 4326), 10) AS level_10;
SELECT l AS level, gridcell(113.9355, 22.7485, l) AS guangming FROM generate_series(1, 10) AS l;
SELECT gridcell(116.25, 39.5, 3) AS on_both_lines, gridcell(116.25 - 1e-9, 39.5, 3) AS west,
       gridcell(116.25, 39.5 - 1e-9, 3) AS south;
SELECT gridcell(116 + 19/60.0, 39.99, 4) AS on_116_19, gridcell(116 + 19/60.0 - 1e-9, 39.99, 4) AS just_west;
SELECT gridcell(-6, 40, 1) AS on_6w, gridcell(10, -4, 1) AS on_4s, gridcell(-0.25, -0.25, 3) AS south_west,
       gridcell(0, 0, 1) AS origin, gridcell(180, 10, 1) AS e180, gridcell(-180, 10, 1) AS w180;
SELECT 'n50j47539 '::gridcell AS cell, gridcell 'N50J47539'::bigint AS stored,
       2251001283460962500::gridcell AS from_bigint;
SELECT c FROM unnest('{N50K,N50J47539,N50J,S01A,N50J475}'::gridcell[]) AS c ORDER BY c;
SELECT level(gridcell 'N50J47539'), parent(gridcell 'N50J47539'), ancestor(gridcell 'N50J47539', 2),
       ancestor(gridcell 'N50J47539', 6) AS finer;
SELECT children(gridcell 'N50J475') LIMIT 3;
SELECT count(*) FROM children(gridcell 'N50J475', 5);
SELECT ST_AsText(center(gridcell 'N50J47539')) AS center, ST_AsText(boundary('N50J47539')) AS boundary;
SELECT round(area(gridcell 'N50J47539')) AS level_4_m2, round(area(gridcell 'N49FB53B41D372')::numeric, 2) AS level_7_m2;
SELECT k_ring('N50J47539', 1);
SELECT are_neighbors('N50J47539', 'N50K40130') AS across_a_sheet, are_neighbors('N60L', 'N01L') AS across_180,
       are_neighbors('N50J47539', 'N50J475') AS different_levels;
SELECT cell, inside FROM cover(ST_MakeEnvelope(113.9333, 22.7466, 113.9352, 22.7482, 4326), 5);
SELECT gridcell 'N50J' @> 'N50J47539' AS contains, gridcell 'N50J47539' <@ 'N50J475' AS contained,
       gridcell 'N50J47539' <@ 'N50J47539' AS itself;
SELECT subtree_first(gridcell 'N50J47539'), subtree_last(gridcell 'N50J47539');
SELECT min(c), max(c) FROM unnest('{N50J47539,N49FB53,N50J}'::gridcell[]) AS c;
CREATE TEMP TABLE events AS
SELECT i AS id, gridcell(113.88 + (i % 300) * 0.0005, 22.70 + (i / 300) * 0.0005, 10) AS cell
  FROM generate_series(0, 89999) AS i;
CREATE INDEX ON events (cell);
VACUUM ANALYZE events;
EXPLAIN (COSTS OFF) SELECT count(*) FROM events WHERE cell <@ 'N49FB53B4';
SELECT ancestor(cell, 4) AS cell, count(*) FROM events WHERE cell <@ 'N49FB53' GROUP BY 1 ORDER BY 2 DESC LIMIT 3;
SET gridgov.max_cover_cells = 100;
SELECT count(*) FROM children(gridcell 'N50J475', 4);
RESET gridgov.max_cover_cells;
SELECT gridcell(116.31, 88, 4);
SELECT 'N50J4G'::gridcell;
SELECT gridcell('SRID=3857;POINT(12947000 4865000)'::geometry, 4);
