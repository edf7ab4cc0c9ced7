-- Two more layers over the Guangming demo district, for
-- tests/bench/layers_bench.sh (after tests/data/guangming.sql and
-- guangming_layers.sql, the epidemic layer): the district's 418
-- party-building grids and 210 enclosed units, generated as the other
-- layers are.  The party-building grids cut each community's strip into
-- as many bands south to north as it has governance grids west to east,
-- so each crosses all of them; the enclosed units are compounds, a box in
-- the middle of each of 6 or 7 columns of the strip, with open ground
-- around them (a layer with gaps, as such a layer is).
BEGIN;
SET LOCAL search_path = gridgov, public;

INSERT INTO grid_layer (name, title) VALUES ('party_building', '党建网格'), ('enclosed_unit', '封闭小区');

-- party-building grids: numbered from 601
INSERT INTO unit (code, name, layer, boundary, properties)
SELECT child(c.code, 600 + b), c.name || '党建网格' || lpad(b::text, 2, '0'), 'party_building',
       ST_Multi(ST_MakeEnvelope(c.x0, c.y0 + (b - 1) * (c.y1 - c.y0) / c.n,
                                c.x1, c.y0 + b * (c.y1 - c.y0) / c.n, 4326)),
       jsonb_build_object('generated', true)
  FROM (SELECT u.code, u.name, ST_XMin(u.boundary) AS x0, ST_YMin(u.boundary) AS y0,
               ST_XMax(u.boundary) AS x1, ST_YMax(u.boundary) AS y1,
               (SELECT count(*) FROM unit g WHERE g.parent = u.code AND g.level = 6 AND g.layer = 'governance') AS n
          FROM unit u WHERE u.code <@ '440311' AND u.level = 5) c
 CROSS JOIN LATERAL generate_series(1, c.n::integer) b;

-- enclosed units: 7 in each of the first 24 communities by code, 6 in the
-- other 7 (210), numbered from 701; each the middle 60% of its column
INSERT INTO unit (code, name, layer, boundary, properties)
SELECT child(c.code, 700 + k), c.name || '封闭小区' || lpad(k::text, 2, '0'), 'enclosed_unit',
       ST_Multi(ST_MakeEnvelope(c.x0 + (k - 0.8) * c.w, c.y0 + 0.2 * (c.y1 - c.y0),
                                c.x0 + (k - 0.2) * c.w, c.y1 - 0.2 * (c.y1 - c.y0), 4326)),
       jsonb_build_object('generated', true)
  FROM (SELECT u.code, u.name, ST_XMin(u.boundary) AS x0, ST_YMin(u.boundary) AS y0, ST_YMax(u.boundary) AS y1,
               (ST_XMax(u.boundary) - ST_XMin(u.boundary))
                 / CASE WHEN row_number() OVER (ORDER BY u.code) <= 24 THEN 7 ELSE 6 END AS w,
               CASE WHEN row_number() OVER (ORDER BY u.code) <= 24 THEN 7 ELSE 6 END AS n
          FROM unit u WHERE u.code <@ '440311' AND u.level = 5) c
 CROSS JOIN LATERAL generate_series(1, c.n) k;
COMMIT;

SELECT layer, count(*) AS grids FROM gridgov.unit WHERE level = 6 GROUP BY layer ORDER BY layer;
