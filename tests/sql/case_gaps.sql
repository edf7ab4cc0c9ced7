-- A gap between the grids is not an error (issue 19, item 3): the examples
-- of docs/cases.md, "Gaps between the grids", run for real
-- (tools/check-docs), and the edges of the rule.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/case_fixture.psql
-- the district, Matian subdistrict and Genzhuyuan community get boundaries;
-- Genzhuyuan's grid 01 covers only the west half of the community
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.85, 22.70, 114.00, 22.80, 4326)) WHERE code = '440311';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.93, 22.73, 113.98, 22.78, 4326)) WHERE code = '440311006';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326)) WHERE code = '440311006003';
\set ECHO all
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.93, 22.74, 113.94, 22.76, 4326))
 WHERE code = '440311006003001';
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (201, 'noise', 'resident_app', ST_SetSRID(ST_MakePoint(113.945, 22.75), 4326), '2026-11-16 10:00+08')
RETURNING id, unit, grid_gap, handling_level, service_point, stage_deadline;
SELECT seq, action, to_status, note FROM case_history WHERE case_id = 201;
INSERT INTO cases (id, category, channel, location, reported_at, note)
VALUES (202, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.97, 22.77), 4326), '2026-11-16 11:00+08', '来电人在工地外')
RETURNING id, unit, grid_gap, handling_level, service_point, note;
INSERT INTO cases (id, category, channel, location)
VALUES (203, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(114.50, 22.50), 4326));
SELECT id, unit, unit_name, unit_level, status, gap_open FROM grid_gaps ORDER BY id;
INSERT INTO unit (code, name, boundary)
VALUES ('440311006003002', '根竹园社区第02网格', ST_Multi(ST_MakeEnvelope(113.94, 22.74, 113.95, 22.76, 4326)));
SELECT id, unit, gap_open FROM grid_gaps ORDER BY id;
-- on the edge of a grid: covered, not a gap
INSERT INTO cases (id, category, channel, location)
VALUES (204, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326))
RETURNING id, unit, grid_gap, note;
-- on the subdistrict's edge, outside every community and grid
INSERT INTO cases (id, category, channel, location)
VALUES (205, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.98, 22.78), 4326))
RETURNING id, unit, grid_gap;
-- on the district's edge, outside the subdistrict
INSERT INTO cases (id, category, channel, location)
VALUES (206, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.85, 22.70), 4326))
RETURNING id, unit, grid_gap, handling_level, service_point;
-- a hair outside the district
INSERT INTO cases (id, category, channel, location)
VALUES (207, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.85 - 1e-9, 22.75), 4326));
-- a unit given explicitly is respected, never flagged
INSERT INTO cases (id, category, channel, location, unit)
VALUES (208, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.97, 22.77), 4326), '440311006004')
RETURNING id, unit, grid_gap;
-- the caller cannot set the flag: the engine does
INSERT INTO cases (id, category, channel, location, grid_gap)
VALUES (209, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.935, 22.75), 4326), true)
RETURNING id, unit, grid_gap;
UPDATE cases SET grid_gap = false WHERE id = 202;
-- a grid and its community out of force: the subdistrict takes the gap
UPDATE unit SET valid_from = now() - interval '1 day', valid_to = now()
 WHERE code IN ('440311006003', '440311006003002');
INSERT INTO cases (id, category, channel, location)
VALUES (210, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.945, 22.75), 4326))
RETURNING id, unit, grid_gap;
SELECT count(*) AS broken FROM verify_history();
ROLLBACK;
