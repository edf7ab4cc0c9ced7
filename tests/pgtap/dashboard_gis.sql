-- What GIS tools need (issue 18, item 5): a unique integer key as the first
-- column of the map views (QGIS takes a view's first column as its key),
-- GeoJSON rings in RFC 7946's orientation, checked by the shoelace formula
-- over the GeoJSON's own coordinates rather than by PostGIS, and the tile
-- functions found by the criteria of pg_tileserv (a function whose first
-- three arguments are integers named z, x, y, returning bytea) and of
-- martin (exactly z, x, y or z, x, y and a json, returning bytea).
BEGIN;
\ir dashboard_fixture.psql
SET search_path = gridgov, public;
SELECT refresh_risk_daily('2026-10-01', '2026-11-16') > 0 AS risk_refreshed \gset
SELECT plan(22);

-- Keys
SELECT is((SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = 'risk_map'::regclass AND a.attnum = 1),
          'id bigint', 'risk_map''s first column is id, a bigint');
SELECT is((SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = 'unit_map'::regclass AND a.attnum = 1),
          'id bigint', 'unit_map''s first column is id, a bigint');
SELECT is((SELECT count(DISTINCT id) FROM risk_map), (SELECT count(*) FROM risk_map), 'risk_map''s ids are unique');
SELECT is_empty($$SELECT id FROM risk_map WHERE id IS NULL OR id <> unit::gridcode::bigint$$,
                'a risk_map id is its unit''s code as a number');
SELECT is((SELECT count(DISTINCT id) FROM unit_map), (SELECT count(*) FROM unit), 'unit_map has every unit, ids unique');
SELECT is((SELECT id FROM unit_map WHERE unit = '440311006003001'), 4403110060030010000,
          'the grid 440311006003001 is feature 4403110060030010000');
SELECT is((SELECT string_agg(format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = 'unit_map'::regclass AND a.attnum > 0),
          'bigint,text,text,integer,text,text,jsonb,timestamp with time zone,timestamp with time zone,geometry(MultiPolygon,4326)',
          'unit_map: plain types, the boundary typed for GIS tools');

-- A grid with a hole, drawn clockwise (its hole counter-clockwise): the
-- GeoJSON must turn both.
INSERT INTO unit (code, name, boundary) VALUES ('440311006003009', '环形网格',
    ST_Multi(ST_GeomFromText('POLYGON((113.930 22.740, 113.930 22.745, 113.935 22.745, 113.935 22.740, 113.930 22.740),
                                      (113.931 22.741, 113.933 22.741, 113.933 22.743, 113.931 22.743, 113.931 22.741))', 4326)));
SELECT ok(ST_IsPolygonCW(boundary), 'the ring grid is stored clockwise') FROM unit WHERE code = '440311006003009';

-- twice the signed area of every ring of the features' geometries, from
-- the GeoJSON numbers: positive counter-clockwise, negative clockwise
CREATE TEMP TABLE ring AS
SELECT f.id, p.n AS polygon, r.n AS ring, sum(q.x * q.next_y - q.next_x * q.y) AS twice_area, count(*) AS points
  FROM (SELECT feature->>'id' AS id, feature->'geometry'->'coordinates' AS coordinates
          FROM unnest(ARRAY['440311', '440311006', '440311006003', '440311001']) root,
               jsonb_array_elements(risk_geojson(root::gridcode, '2026-11-18 00:00+08')->'features') feature
         WHERE feature->'geometry'->>'type' = 'MultiPolygon') f,
       jsonb_array_elements(f.coordinates) WITH ORDINALITY p(polygon, n),
       jsonb_array_elements(p.polygon) WITH ORDINALITY r(ring, n),
       LATERAL (SELECT (pt->>0)::numeric AS x, (pt->>1)::numeric AS y,
                       lead((pt->>0)::numeric) OVER (ORDER BY k) AS next_x,
                       lead((pt->>1)::numeric) OVER (ORDER BY k) AS next_y
                  FROM jsonb_array_elements(r.ring) WITH ORDINALITY s(pt, k)) q
 WHERE q.next_x IS NOT NULL
 GROUP BY f.id, p.n, r.n;
SELECT is((SELECT count(*) FROM ring WHERE ring = 1)::int, 7, 'the outer rings of the maps'' 7 features are read');
SELECT is_empty($$SELECT id, polygon FROM ring WHERE ring = 1 AND twice_area <= 0$$,
                'every outer ring is counter-clockwise (shoelace over the GeoJSON)');
SELECT is((SELECT count(*)::int FROM ring WHERE ring > 1), 1, 'the ring grid''s hole is there');
SELECT is_empty($$SELECT id, polygon, ring FROM ring WHERE ring > 1 AND twice_area >= 0$$,
                'every hole is clockwise');
SELECT is((SELECT round(twice_area / 2, 6) FROM ring WHERE id = '440311006003009' AND ring = 1), 0.000025,
          'the ring grid''s outer ring: 0.005 x 0.005 degrees, counter-clockwise');

-- Tile servers
CREATE TEMP TABLE tile_function AS
SELECT p.oid, p.proname,
       p.pronargs >= 3 AND p.proargtypes[0:2] = ARRAY['int4'::regtype::oid, 'int4'::regtype::oid, 'int4'::regtype::oid]
           AND p.proargnames[1:3] = ARRAY['z', 'x', 'y'] AND p.prorettype = 'bytea'::regtype AS tileserv,
       p.pronargs IN (3, 4) AND p.proargtypes[0:2] = ARRAY['int4'::regtype::oid, 'int4'::regtype::oid, 'int4'::regtype::oid]
           AND lower(p.proargnames[1]) IN ('z', 'zoom') AND lower(p.proargnames[2]) = 'x' AND lower(p.proargnames[3]) = 'y'
           AND (p.pronargs = 3 OR p.proargtypes[3] = 'json'::regtype) AND p.prorettype = 'bytea'::regtype AS martin
  FROM pg_proc p WHERE p.pronamespace = 'gridgov'::regnamespace AND p.prorettype = 'bytea'::regtype;
SELECT set_eq($$SELECT proname FROM tile_function WHERE tileserv$$,
              $$VALUES ('risk_tile'), ('risk_cell_tile'), ('risk_tile_params'), ('risk_cell_tile_params')$$,
              'pg_tileserv finds the four tile functions (the options of risk_tile as query parameters)');
SELECT set_eq($$SELECT proname FROM tile_function WHERE martin$$,
              $$VALUES ('risk_tile_params'), ('risk_cell_tile_params')$$,
              'martin finds the two of (z, x, y, json)');
SELECT is(risk_tile(x => 836, y => 445, z => 10, level => '5', as_of => '2026-11-18 00:00+08'),
          risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08'),
          'pg_tileserv''s call: named arguments, the options as text');
SELECT is(risk_tile_params(10, 836, 445, '{"level": "5", "as_of": "2026-11-18 00:00+08"}'),
          risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08'),
          'martin''s call: the query parameters as json strings');
SELECT is(risk_cell_tile_params(14, 13377, 7128, '{"cell_level": "7", "as_of": "2026-11-18 00:00+08"}'),
          risk_cell_tile(14, 13377, 7128, 7, '2026-11-18 00:00+08'),
          'martin''s call of the cell map');
SELECT throws_ok($$SELECT risk_tile_params(2, 4, 0, NULL)$$, '22023', 'tile 2/4/0 does not exist',
                 'a tile that does not exist is refused through martin''s function too');
SELECT throws_ok($$SELECT risk_cell_tile(100, 6, 7)$$, '22023', 'tile zoom 100 is out of range',
                 'the cell map refuses a zoom beyond 30 itself, not through PostGIS''s XX000');
SELECT throws_ok($$SELECT risk_cell_tile(1, -2147483648, 3, 1)$$, '22023', 'tile 1/-2147483648/3 does not exist',
                 'and a tile that does not exist');
SELECT throws_ok($$SELECT risk_cell_tile(10, 836, 445, 11)$$, '22023', 'cell level 11 is out of range for gridcell',
                 'and a cell level that does not exist');
SELECT * FROM finish();
ROLLBACK;
