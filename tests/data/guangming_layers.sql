-- The Guangming demo district's epidemic-control layer (防疫网格): 84 grids,
-- as the district counted them during the epidemic, over its 418 governance
-- grids.  The real boundaries are not public, so they are generated: each
-- community's governance grids (its strip, cut west to east) are grouped
-- into 3 runs of neighbours for the first 22 communities by code and 2 for
-- the other 9 (22 x 3 + 9 x 2 = 84), and an epidemic grid is the union of a
-- run.  So the layer nests in the governance layer (环环相扣): no overlaps,
-- no gaps, every governance grid wholly in one epidemic grid.  The codes
-- are numbered from 501 under the community, away from the governance
-- grids' 001 upward.  Deterministic: every run draws the same.
--
-- Needs the governance grids of tests/data/guangming.sql.
BEGIN;
SET LOCAL search_path = gridgov, public;

INSERT INTO grid_layer (name, title) VALUES ('epidemic', '防疫网格');

INSERT INTO unit (code, name, layer, boundary, properties)
SELECT child(c.code, 500 + r.run), c.name || '防疫网格' || lpad(r.run::text, 2, '0'), 'epidemic',
       ST_Multi(ST_Union(r.boundary ORDER BY r.code)), jsonb_build_object('generated', true)
  FROM (SELECT code, name, row_number() OVER (ORDER BY code) AS n
          FROM unit WHERE code <@ '440311' AND level = 5) c
 CROSS JOIN LATERAL (
       SELECT g.code, g.boundary, ntile(CASE WHEN c.n <= 22 THEN 3 ELSE 2 END) OVER (ORDER BY g.code) AS run
         FROM unit g
        WHERE g.parent = c.code AND g.level = 6 AND g.layer = 'governance') r
 GROUP BY c.code, c.name, r.run;

DO $$
BEGIN
    IF (SELECT count(*) FROM gridgov.unit WHERE layer = 'epidemic') <> 84 THEN
        RAISE EXCEPTION 'the epidemic layer has % grids, not 84',
            (SELECT count(*) FROM gridgov.unit WHERE layer = 'epidemic');
    END IF;
END $$;
COMMIT;
