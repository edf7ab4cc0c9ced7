-- Grid layers (issue 19, item 1): the examples of docs/layers.md, run for
-- real (tools/check-docs), and the edges of the rules: routing stays in the
-- primary layer, grid_at and case_grids answer for every layer, the overlay
-- functions give shares of area, gaps and overlaps inside a layer.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/case_fixture.psql
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.93, 22.73, 113.98, 22.78, 4326)) WHERE code = '440311006003';
\set ECHO all
INSERT INTO grid_layer (name, title) VALUES ('epidemic', '防疫网格');
INSERT INTO unit (code, name, boundary, layer) VALUES
    ('440311006003501', '根竹园防疫网格01', ST_Multi(ST_MakeEnvelope(113.935, 22.74, 113.955, 22.76, 4326)), 'epidemic'),
    ('440311006003502', '根竹园防疫网格02', ST_Multi(ST_MakeEnvelope(113.95, 22.74, 113.96, 22.76, 4326)), 'epidemic');
INSERT INTO cases (id, category, channel, location)
VALUES (301, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326)),
       (302, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.952, 22.75), 4326))
RETURNING id, unit, grid_gap;
SELECT id, layer, is_primary, grid, grid_name FROM case_grids ORDER BY id, layer;
SELECT grid_at(ST_SetSRID(ST_MakePoint(113.952, 22.75), 4326), 'epidemic');
SELECT other, name, round(overlap_m2) AS overlap_m2, round(share_of_grid::numeric, 4) AS share_of_grid,
       round(share_of_other::numeric, 4) AS share_of_other
  FROM grid_overlay('440311006003501', 'governance');
SELECT grid, other, round(overlap_m2) AS overlap_m2, round(share_of_grid::numeric, 4) AS share_of_grid
  FROM layer_overlaps('epidemic');
SELECT unit, name, round(gap_m2) AS gap_m2, round(share::numeric, 4) AS share FROM layer_gaps('epidemic');
-- a layer that does not exist
SELECT grid_at(ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 'party');
SELECT * FROM layer_gaps('party');
-- not a grid
SELECT * FROM grid_overlay('440311006003', 'epidemic');
-- only grids have a layer other than governance's
INSERT INTO unit (code, name, layer, valid_from) VALUES ('440311006005', '新社区', 'epidemic', '2026-11-01');
INSERT INTO unit (code, name, layer) VALUES ('440311006003503', '网格', 'enclosed');
-- at most one primary layer; moving the flag in one statement
INSERT INTO grid_layer (name, title, is_primary) VALUES ('party_building', '党建网格', true), ('enclosed_unit', '封闭小区', true);
UPDATE grid_layer SET is_primary = (name = 'epidemic');
SELECT primary_layer();
-- now routing takes the epidemic grids, unit_at too; the gap view follows
INSERT INTO cases (id, category, channel, location)
VALUES (303, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326)),
       (304, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.932, 22.75), 4326))
RETURNING id, unit, grid_gap;
SELECT code, name FROM unit_at(ST_SetSRID(ST_MakePoint(113.932, 22.75), 4326), 6);
SELECT id, unit, gap_open FROM grid_gaps ORDER BY id;
UPDATE grid_layer SET is_primary = false;
SELECT primary_layer();
-- a grid moved to another layer leaves the governance layer at once
UPDATE unit SET layer = 'epidemic' WHERE code = '440311006003001';
SELECT grid_at(ST_SetSRID(ST_MakePoint(113.932, 22.75), 4326), 'governance');
ROLLBACK;
