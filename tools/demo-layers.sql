-- The layers part of the tour: the epidemic-control layer of 84 grids
-- (tests/data/guangming_layers.sql, generated: the real boundaries are not
-- public) over the governance grids cases are routed in (docs/layers.md).
\pset footer off
SET search_path = gridgov, public;

\echo 'L1. Two grid systems over one ground (环环相扣): the epidemic grid of the spot of tour 4,'
\echo '    the governance grids it is made of, and the share of each grid the overlap is.'
SELECT grid_at(p, 'epidemic') AS epidemic_grid, o.other AS governance_grid, o.name,
       round((o.overlap_m2 / 1e6)::numeric, 3) AS km2,
       round(o.share_of_grid::numeric, 3) AS of_epidemic,
       round(o.share_of_other::numeric, 3) AS of_governance
  FROM ST_SetSRID(ST_MakePoint(113.9512, 22.8013), 4326) p,
       grid_overlay(grid_at(p, 'epidemic'), 'governance') o
 ORDER BY o.other;

\echo 'L2. Each layer checked: its grids, pairs that overlap, communities with ground left uncovered.'
SELECT l.name AS layer, l.title, l.name = primary_layer() AS routes_cases,
       (SELECT count(*) FROM unit u
         WHERE u.layer = l.name AND u.level = 6 AND u.code <@ '440311') AS grids,
       (SELECT count(*) FROM layer_overlaps(l.name)) AS overlapping_pairs,
       (SELECT count(*) FROM layer_gaps(l.name)) AS communities_with_gaps
  FROM grid_layer l
 ORDER BY l.name <> primary_layer(), l.name;
