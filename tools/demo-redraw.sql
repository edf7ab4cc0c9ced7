-- The redraw part of the tour (docs/layers.md, "Redraws"): the governance
-- grid of the spot of tour 4 is split in two today (宜分则分), a late
-- report of an event before the split goes to the old grid, a new report
-- to a new one, and the KPIs of the new grids gather the old grid's cases
-- through the lineage.
\pset footer off
SET search_path = gridgov, public;

SELECT code AS old_grid, parent AS community FROM unit
 WHERE code = grid_at(ST_SetSRID(ST_MakePoint(113.9512, 22.8013), 4326), 'governance') \gset

\echo 'R1. A redraw: the grid of the spot of tour 4 split today into west and east halves.'
SELECT l.old_code, l.new_code, round(l.share_of_old::numeric, 3) AS share_of_old, l.share_of_new
  FROM unit o
 CROSS JOIN LATERAL (SELECT ST_MakeEnvelope(-180, -90, x, 90, 4326) AS west,
                            ST_MakeEnvelope(x, -90, 180, 90, 4326) AS east
                       FROM (SELECT (ST_XMin(o.boundary) + ST_XMax(o.boundary)) / 2 AS x) m) mid
 CROSS JOIN LATERAL split_grid(
           o.code, ARRAY[child(o.parent, 101), child(o.parent, 102)],
           ARRAY[o.name || '(西)', o.name || '(东)'],
           ARRAY[ST_CollectionExtract(ST_Intersection(o.boundary, mid.west), 3),
                 ST_CollectionExtract(ST_Intersection(o.boundary, mid.east), 3)]) l
 WHERE o.code = :'old_grid';

\echo 'R2. The same spot reported twice: an event of 15 October reported late (by an importer)'
\echo '    goes to the grid of that day, a report of today to the new half the spot lies in.'
INSERT INTO cases (category, channel, location, reported_at)
VALUES ('noise', 'hotline', ST_SetSRID(ST_MakePoint(113.9512, 22.8013), 4326),
        '2026-10-15 20:00+08'),
       ('noise', 'hotline', ST_SetSRID(ST_MakePoint(113.9512, 22.8013), 4326), now())
RETURNING id, reported_at::date AS reported, unit, (SELECT name FROM unit WHERE code = cases.unit);

\echo 'R3. KPIs through the lineage of the 90 simulated days: each half takes the old grid''s'
\echo '    cases whose point it covers, so the two add up to the old grid''s own (last).'
SELECT g AS grid, received(k.kpi), closed(k.kpi), round(closure_rate(k.kpi), 3) AS closure_rate,
       k.by_location, k.by_lineage, round(k.apportioned::numeric, 2) AS apportioned
  FROM unnest(ARRAY[child(:'community', 101), child(:'community', 102)]) g,
       kpi_through_lineage(g, '2026-08-01 00:00+08', '2026-10-30 00:00+08') k
UNION ALL
SELECT :'old_grid', received(k), closed(k), round(closure_rate(k), 3), NULL, NULL, NULL
  FROM (SELECT kpi(c) AS k FROM cases c
         WHERE c.unit = :'old_grid' AND c.reported_at >= '2026-08-01 00:00+08'
           AND c.reported_at < '2026-10-30 00:00+08') s;
