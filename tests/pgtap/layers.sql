-- Grid layers (issue 19, items 1 and 4) over generated layers: Voronoi
-- governance grids tiling two communities, an epidemic layer tiling them
-- with other seeds less a fifth of its grids (gaps), and an enclosed-unit
-- layer of random rectangles that overlap each other.  Every answer of the
-- overlay functions and of grid_at is computed a second way: ST_Area of
-- ST_Intersection and plain ST_Covers queries over gridgov.unit.
BEGIN;
\ir case_fixture.psql
SELECT plan(15);

UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.73, 113.95, 22.77, 4326)) WHERE code = '440311006003';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.95, 22.73, 113.98, 22.77, 4326)) WHERE code = '440311006004';
UPDATE unit SET valid_from = now() - interval '1 day', valid_to = now()
 WHERE code IN ('440311006003001', '440311006004001', '440311001001001');
INSERT INTO grid_layer (name, title) VALUES ('epidemic', '防疫网格'), ('enclosed_unit', '封闭小区');

SELECT setseed(0.1904);
-- count Voronoi grids per community, numbered from first in the layer
CREATE FUNCTION pg_temp.tile(layer text, first integer, per_community integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO unit (code, name, boundary, layer)
    SELECT (v.community::text || (first + row_number() OVER (PARTITION BY v.community ORDER BY ST_X(ST_Centroid(v.cell)), ST_Y(ST_Centroid(v.cell))))::text)::gridcode,
           '试验网格', ST_Multi(v.cell), layer
      FROM (SELECT s.community, ST_Intersection((ST_Dump(ST_VoronoiPolygons(ST_Collect(s.p)))).geom, c.boundary) AS cell
              FROM (SELECT c.code AS community,
                           ST_SetSRID(ST_MakePoint(ST_XMin(c.boundary) + random() * (ST_XMax(c.boundary) - ST_XMin(c.boundary)),
                                                   ST_YMin(c.boundary) + random() * (ST_YMax(c.boundary) - ST_YMin(c.boundary))), 4326) AS p
                      FROM unit c, generate_series(1, per_community)
                     WHERE c.code IN ('440311006003', '440311006004')) s
              JOIN unit c ON c.code = s.community
             GROUP BY s.community, c.boundary) v
$$;
SELECT pg_temp.tile('governance', 100, 25);
SELECT pg_temp.tile('epidemic', 500, 12);
DELETE FROM unit WHERE layer = 'epidemic' AND random() < 0.2;
INSERT INTO unit (code, name, boundary, layer)
SELECT ('440311006003' || (700 + i))::gridcode, '封闭小区', ST_Multi(ST_MakeEnvelope(x, y, x + 0.004 + random() * 0.01, y + 0.004 + random() * 0.01, 4326)), 'enclosed_unit'
  FROM (SELECT i, 113.925 + random() * 0.045 AS x, 22.73 + random() * 0.03 AS y FROM generate_series(1, 40) i) r;

CREATE TEMP TABLE g AS SELECT code, layer, boundary FROM unit WHERE level = 6 AND valid_to IS NULL;
SELECT ok((SELECT count(*) FILTER (WHERE layer = 'governance') = 50 AND count(*) FILTER (WHERE layer = 'epidemic') BETWEEN 12 AND 23
              AND count(*) FILTER (WHERE layer = 'enclosed_unit') = 40 FROM g),
          'three generated layers: 50 governance grids, the epidemic grids left, 40 enclosed units');

-- shares of a governance grid over the epidemic layer (no overlaps in it)
-- add up to the share the layer covers.  Areas are geodesic (geography):
-- a straight edge in degrees is not a geodesic, so a polygon cut into
-- pieces at new vertices measures a little differently from the whole
-- (under 1e-4 here, about 20 m² of a square kilometre); hence the tolerance.
CREATE TEMP TABLE covered AS
SELECT a.code, ST_Area(ST_Intersection(a.boundary, (SELECT ST_Union(boundary) FROM g WHERE layer = 'epidemic'))::geography)
                / ST_Area(a.boundary::geography) AS share,
       (SELECT COALESCE(sum(o.share_of_grid), 0) FROM grid_overlay(a.code, 'epidemic', 0) o) AS summed
  FROM g a WHERE a.layer = 'governance';
SELECT is((SELECT count(*) FROM covered WHERE abs(share - summed) > 1e-4), 0::bigint,
          'each governance grid: its overlay shares over the epidemic layer sum to the share of it the layer covers');
SELECT ok((SELECT count(*) FROM covered WHERE share < 0.999) > 5 AND (SELECT count(*) FROM covered WHERE share > 0.999) > 5,
          'some governance grids lie partly in the epidemic layer''s gaps, some wholly inside it');

-- every pair's overlap, second way: all pairs, no spatial filter
SELECT set_eq($$SELECT o.other::text, round(o.overlap_m2) FROM g a, grid_overlay(a.code, 'enclosed_unit') o WHERE a.code = (SELECT min(code) FROM g WHERE layer = 'governance' AND code::text LIKE '440311006003%')$$,
              $$SELECT b.code::text, round(ST_Area(ST_Intersection(a.boundary, b.boundary)::geography))
                  FROM g a, g b WHERE a.code = (SELECT min(code) FROM g WHERE layer = 'governance' AND code::text LIKE '440311006003%')
                   AND b.layer = 'enclosed_unit' AND ST_Area(ST_Intersection(a.boundary, b.boundary)::geography) >= 1$$,
              'grid_overlay of a governance grid over the enclosed units: the pairs and areas of an all-pairs ST_Intersection');
SELECT set_eq($$SELECT grid::text, other::text, round(overlap_m2) AS m2, round(share_of_grid::numeric, 9) AS share FROM layer_overlaps('enclosed_unit')$$,
              $$SELECT a.code::text AS grid, b.code::text AS other, round(ST_Area(ST_Intersection(a.boundary, b.boundary)::geography)) AS m2,
                       round((ST_Area(ST_Intersection(a.boundary, b.boundary)::geography) / ST_Area(a.boundary::geography))::numeric, 9) AS share
                  FROM g a, g b WHERE a.layer = 'enclosed_unit' AND b.layer = 'enclosed_unit' AND a.code < b.code
                   AND ST_Area(ST_Intersection(a.boundary, b.boundary)::geography) >= 1$$,
              'layer_overlaps: every overlapping pair of enclosed units, as all pairs of ST_Intersection find them');
SELECT ok((SELECT count(*) FROM layer_overlaps('enclosed_unit')) > 5, 'the random enclosed units overlap in places');
SELECT is((SELECT count(*) FROM layer_overlaps('governance')) + (SELECT count(*) FROM layer_overlaps('epidemic')), 0::bigint,
          'the tilings have no overlaps: shared edges and slivers under 1 m² are none');

-- gaps: the gap's area and the covered area make up the community
SELECT is((SELECT count(*) FROM unit c
            LEFT JOIN layer_gaps('epidemic', 0) lg ON lg.unit = c.code
           WHERE c.code IN ('440311006003', '440311006004')
             AND abs(COALESCE(lg.share, 0) + ST_Area(ST_Intersection(c.boundary, (SELECT ST_Union(boundary) FROM g WHERE layer = 'epidemic'))::geography)
                                             / ST_Area(c.boundary::geography) - 1) > 1e-4), 0::bigint,
          'layer_gaps: gap share plus covered share is the whole community');

-- grid_at in every layer, and routing in the primary one, against ST_Covers
CREATE TEMP TABLE probe AS
SELECT ST_SetSRID(ST_MakePoint(113.92 + random() * 0.065, 22.725 + random() * 0.05), 4326) AS p FROM generate_series(1, 600)
UNION ALL SELECT (ST_DumpPoints(boundary)).geom FROM g WHERE layer = 'enclosed_unit';
SELECT is((SELECT count(*) FROM probe, grid_layer l
            WHERE grid_at(p, l.name) IS DISTINCT FROM
                  (SELECT min(code) FROM g WHERE g.layer = l.name AND ST_Covers(g.boundary, p))), 0::bigint,
          'grid_at in every layer: the smallest code of the layer''s grids that ST_Covers the point');
-- outside the layer functions the grids are the routing layer's: the party
-- coverage checks and the risk map count each governance grid once and no
-- grid of another layer, and follow the primary layer when it changes
SELECT is((SELECT array_agg(grid::text ORDER BY grid) FROM grids_without_party_members('440311')),
          (SELECT array_agg(code::text ORDER BY code) FROM unit
            WHERE level = 6 AND layer = 'governance' AND (valid_to IS NULL OR valid_to > CURRENT_DATE)),
          'grids_without_party_members: the governance grids, none of another layer (with those retired today)');
SELECT is((SELECT array_agg(grid::text ORDER BY grid) FROM grids_without_branch('440311')),
          (SELECT array_agg(code::text ORDER BY code) FROM unit
            WHERE level = 6 AND layer = 'governance' AND (valid_to IS NULL OR valid_to > CURRENT_DATE)),
          'grids_without_branch: the governance grids (with those retired today)');
SELECT is((SELECT array_agg(unit ORDER BY unit) FROM risk_map WHERE level = 6),
          (SELECT array_agg(code::text ORDER BY code) FROM g WHERE layer = 'governance'),
          'risk_map: the governance grids');
SELECT is((SELECT array_agg(f ->> 'id' ORDER BY f ->> 'id') FROM jsonb_array_elements(risk_geojson('440311006003') -> 'features') f),
          (SELECT array_agg(code::text ORDER BY code) FROM g WHERE layer = 'governance' AND code <@ '440311006003'),
          'risk_geojson of a community: its governance grids');
UPDATE grid_layer SET is_primary = (name = 'epidemic');
SELECT is((SELECT array_agg(unit ORDER BY unit) FROM risk_map WHERE level = 6),
          (SELECT array_agg(code::text ORDER BY code) FROM g WHERE layer = 'epidemic'),
          'with the epidemic layer primary, risk_map draws its grids instead');
-- the same session's kept plan reads the primary layer at each call
SELECT is((SELECT array_agg(grid::text ORDER BY grid) FROM grids_without_party_members('440311')),
          (SELECT array_agg(code::text ORDER BY code) FROM unit
            WHERE level = 6 AND layer = 'epidemic' AND (valid_to IS NULL OR valid_to > CURRENT_DATE)),
          'with the epidemic layer primary, grids_without_party_members checks its grids instead');
SELECT * FROM finish();
ROLLBACK;
