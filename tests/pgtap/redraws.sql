-- Redraws (issue 19, item 2): split_grid, merge_grids and reshape_grid,
-- their lineage and every error they raise; routing by reported_at (late
-- reports before and after a redraw, a gap a redraw leaves); and a property
-- test over a sequence of random redraws of Voronoi grids, where grid_at at
-- random times, through the in-memory index and through PostGIS, and the
-- engine's routing of late reports are compared with plain ST_Covers over
-- the versions in unit and unit_history, and the shares with ST_Area.
BEGIN;
\ir case_fixture.psql
SELECT plan(71);

UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.73, 113.95, 22.77, 4326)) WHERE code = '440311006003';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.95, 22.73, 113.98, 22.77, 4326)) WHERE code = '440311006004';
-- the fixture's grids were drawn on 1 January 2026
UPDATE unit SET valid_from = '2026-01-01' WHERE level = 6;
INSERT INTO grid_layer (name, title) VALUES ('epidemic', '防疫网格');
INSERT INTO unit (code, name, boundary, layer, valid_from) VALUES
    ('440311006003501', '根竹园防疫网格01', ST_Multi(ST_MakeEnvelope(113.93, 22.76, 113.95, 22.77, 4326)), 'epidemic', '2026-01-01'),
    ('440311006003002', '根竹园社区第02网格', NULL, 'governance', '2026-01-01');

CREATE FUNCTION pg_temp.box(x0 float8, y0 float8, x1 float8, y1 float8) RETURNS geometry
    LANGUAGE sql IMMUTABLE RETURN ST_MakeEnvelope(x0, y0, x1, y1, 4326);
CREATE FUNCTION pg_temp.at(x float8, y float8) RETURNS geometry
    LANGUAGE sql IMMUTABLE RETURN ST_SetSRID(ST_MakePoint(x, y), 4326);
-- a case reported at (x, y) at time t (now() if NULL): where it went
CREATE FUNCTION pg_temp.report(x float8, y float8, t timestamptz) RETURNS TABLE (unit text, grid_gap boolean, note text)
    LANGUAGE sql AS $$
    INSERT INTO cases (category, channel, location, reported_at)
    VALUES ('noise', 'patrol', pg_temp.at(x, y), COALESCE(t, now()))
    RETURNING unit::text, grid_gap, note
$$;

-- ----------------------------------------------------------------------
-- Errors: every check names the bad piece
-- ----------------------------------------------------------------------
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)], NULL)$$,
                 '22023', 'the redraw has no effective time', 'a redraw needs a time');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)],
                                     '2099-01-01 00:00+08')$$,
                 '22023', 'a redraw cannot take effect at 2099-01-01 00:00:00+08, in the future', 'a redraw is never dated in the future');
SELECT throws_ok($$SELECT split_grid('440311006003', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 'GG011', 'unit 440311006003 is not a grid in force', 'a community is not a grid to split');
SELECT throws_ok($$SELECT split_grid('440311006003999', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 'GG011', 'unit 440311006003999 is not a grid in force', 'nor a code never registered');
SELECT throws_ok($$SELECT split_grid('440311006003002', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 'GG011', 'grid 440311006003002 has no boundary to redraw', 'a grid without a boundary is not redrawn');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)],
                                     '2025-12-01 00:00+08')$$,
                 'GG011', 'grid 440311006003001 took its current form at 2026-01-01 00:00:00+08, not before the redraw at 2025-12-01 00:00:00+08',
                 'a redraw comes after the version it replaces');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011}', '{a}', ARRAY[pg_temp.box(113.93, 22.74, 113.95, 22.76)])$$,
                 '22023', 'a split of grid 440311006003001 needs at least two new grids, not 1', 'a split makes two grids at least');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 '22023', 'the new grids'' codes, names and boundaries differ in number: 2, 1 and 2', 'one name per new grid');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 '22023', 'new grid 440311006003 is not a grid code (level 6)', 'a new grid has a grid''s code');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003011}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 '22023', 'new grid 440311006003011 is given twice', 'each new grid once');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,""}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 '22023', 'new grid 440311006003012 has no name', 'each new grid has a name');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006004012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 'GG011', 'new grid 440311006004012 is under 440311006004, not under 440311006003 like grid 440311006003001',
                 'the new grids stay in the community');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003501}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 'GG011', 'unit 440311006003501 is already registered', 'a split makes new codes');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), NULL])$$,
                 '22023', 'new grid 440311006003012 has no boundary', 'each new grid is drawn');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), ST_SetSRID(ST_MakeEnvelope(113.94, 22.74, 113.95, 22.76), 3857)])$$,
                 '22023', 'the boundary of new grid 440311006003012 is a POLYGON in SRID 3857, not a polygon in SRID 4326',
                 'in longitudes and latitudes');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.at(113.945, 22.75)])$$,
                 '22023', 'the boundary of new grid 440311006003012 is a POINT in SRID 4326, not a polygon in SRID 4326',
                 'as a polygon');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76),
                                           'SRID=4326;POLYGON((113.94 22.74, 113.95 22.76, 113.95 22.74, 113.94 22.76, 113.94 22.74))'::geometry])$$,
                 '22023', 'the boundary of new grid 440311006003012 is not valid: Self-intersection', 'a valid polygon');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76),
                                           'SRID=4326;POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90))'::geometry])$$,
                 '22023', 'the boundary of new grid 440311006003012 spans longitudes -180 to 180 and latitudes -90 to 90, not a grid''s ground',
                 'the whole globe, which PostGIS cannot measure (an edge between antipodes)');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(22.74, 113.94, 22.76, 113.95)])$$,
                 '22023', 'the boundary of new grid 440311006003012 spans longitudes 22.74 to 22.76 and latitudes 113.94 to 113.95, not a grid''s ground',
                 'latitude before longitude: off the globe');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.94000001, 22.74000001)])$$,
                 '22023', 'new grid 440311006003012 has no area', 'of 1 m² at least');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.941, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)])$$,
                 'GG011', 'new grids 440311006003011 and 440311006003012 overlap by 227484 m²', 'the new grids do not overlap');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.765)])$$,
                 'GG011', 'new grid 440311006003012 reaches 568710 m² outside grid 440311006003001', 'nor reach outside the old grid');
SELECT throws_ok($$SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{a,b}',
                                     ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.755)])$$,
                 'GG011', 'the new grids leave 568710 m² of grid 440311006003001 uncovered', 'and cover all of it');
SELECT throws_ok($$SELECT merge_grids('{440311006003001}', '440311006003011', 'a', pg_temp.box(113.93, 22.74, 113.95, 22.76))$$,
                 '22023', 'a merge needs at least two grids, not 1', 'a merge joins two grids at least');
SELECT throws_ok($$SELECT merge_grids('{440311006003001,440311006003001}', '440311006003011', 'a', pg_temp.box(113.93, 22.74, 113.95, 22.76))$$,
                 '22023', 'grid 440311006003001 is given twice', 'each once');
SELECT throws_ok($$SELECT merge_grids('{440311006003001,440311006004001}', '440311006003011', 'a', pg_temp.box(113.93, 22.74, 113.97, 22.76))$$,
                 'GG011', 'grid 440311006004001 is under 440311006004, grid 440311006003001 under 440311006003: a merge joins grids of one community',
                 'of one community');
SELECT throws_ok($$SELECT merge_grids('{440311006003001,440311006003501}', '440311006003011', 'a', pg_temp.box(113.93, 22.74, 113.95, 22.77))$$,
                 'GG011', 'grid 440311006003501 is in layer epidemic, grid 440311006003001 in layer governance: a merge joins grids of one layer',
                 'and of one layer');
SELECT throws_ok($$SELECT reshape_grid('440311006003001', pg_temp.box(113.93, 22.74, 113.95, 22.76))$$,
                 '22023', 'the new boundary of grid 440311006003001 is its current one', 'a reshape changes the boundary');
SELECT throws_ok($$SELECT reshape_grid('440311006003001', pg_temp.box(113.92, 22.74, 113.95, 22.76))$$,
                 'GG011', 'the new boundary of grid 440311006003001 reaches 1137420 m² outside its community 440311006003',
                 'a reshaped grid stays in its community');
SELECT is((SELECT count(*) FROM grid_lineage) + (SELECT count(*) FROM unit_history), 0::bigint,
          'a refused redraw writes nothing');

-- ----------------------------------------------------------------------
-- A split, a merge and a reshape, and the cases reported around them
-- ----------------------------------------------------------------------
SELECT results_eq($$SELECT old_code::text, old_valid_from, new_code::text, new_valid_from, redraw, round(share_of_old::numeric, 6), share_of_new
                      FROM split_grid('440311006003001', '{440311006003011,440311006003012}', '{根竹园社区第11网格,根竹园社区第12网格}',
                                      ARRAY[pg_temp.box(113.93, 22.74, 113.94, 22.76), pg_temp.box(113.94, 22.74, 113.95, 22.76)],
                                      '2026-06-01 00:00+08') ORDER BY new_code$$,
                  $$VALUES ('440311006003001', '2026-01-01 00:00+08'::timestamptz, '440311006003011', '2026-06-01 00:00+08'::timestamptz, 'split', 0.5, 1::float8),
                           ('440311006003001', '2026-01-01 00:00+08'::timestamptz, '440311006003012', '2026-06-01 00:00+08'::timestamptz, 'split', 0.5, 1::float8)$$,
                  'split_grid returns the lineage: each half took half of the old grid');
SELECT results_eq($$SELECT code::text, name, layer, valid_from, valid_to FROM unit
                     WHERE parent = '440311006003' AND layer = 'governance' AND boundary IS NOT NULL ORDER BY code$$,
                  $$VALUES ('440311006003001', '根竹园社区第01网格', 'governance', '2026-01-01 00:00+08'::timestamptz, '2026-06-01 00:00+08'::timestamptz),
                           ('440311006003011', '根竹园社区第11网格', 'governance', '2026-06-01 00:00+08'::timestamptz, NULL),
                           ('440311006003012', '根竹园社区第12网格', 'governance', '2026-06-01 00:00+08'::timestamptz, NULL)$$,
                  'the old grid stays in unit, ended at the split; the new grids start then, in its layer');
SELECT is(ARRAY[grid_at(pg_temp.at(113.935, 22.75), 'governance', '2026-05-31 23:59+08'),
                grid_at(pg_temp.at(113.935, 22.75), 'governance', '2026-06-01 00:00+08'),
                grid_at(pg_temp.at(113.945, 22.75), 'governance'),
                grid_at(pg_temp.at(113.945, 22.75), 'governance', '2025-03-01 00:00+08')],
          '{440311006003001,440311006003011,440311006003012,440311006003001}'::gridcode[],
          'grid_at at a time: the old grid before the split (and before it was registered), the halves from the split on');
-- the engine routes by reported_at: late reports go to the grid of their time
SELECT results_eq($$SELECT unit, grid_gap FROM pg_temp.report(113.935, 22.75, '2026-05-20 10:00+08')
                    UNION ALL SELECT unit, grid_gap FROM pg_temp.report(113.935, 22.75, '2026-06-02 10:00+08')$$,
                  $$VALUES ('440311006003001', false), ('440311006003011', false)$$,
                  'a late report of 20 May goes to the old grid, one of 2 June to the new one');
SELECT results_eq($$SELECT unit FROM pg_temp.report(113.945, 22.75, NULL)$$,
                  $$VALUES ('440311006003012')$$, 'a current report goes to the new grid');

SELECT results_eq($$SELECT old_code::text, new_code::text, new_valid_from, redraw, share_of_old, round(share_of_new::numeric, 6)
                      FROM merge_grids('{440311006003011,440311006003012}', '440311006003013', '根竹园社区第13网格',
                                       pg_temp.box(113.93, 22.74, 113.95, 22.76), '2026-08-01 00:00+08') ORDER BY old_code$$,
                  $$VALUES ('440311006003011', '440311006003013', '2026-08-01 00:00+08'::timestamptz, 'merge', 1::float8, 0.5),
                           ('440311006003012', '440311006003013', '2026-08-01 00:00+08'::timestamptz, 'merge', 1::float8, 0.5)$$,
                  'merge_grids returns the lineage: all of each old grid went to the new one, and made half of it');
SELECT results_eq($$SELECT old_code::text, old_valid_from, new_code::text, new_valid_from, redraw, round(share_of_old::numeric, 6), round(share_of_new::numeric, 6)
                      FROM reshape_grid('440311006003013', pg_temp.box(113.93, 22.745, 113.95, 22.76), '2026-09-01 00:00+08')$$,
                  $$VALUES ('440311006003013', '2026-08-01 00:00+08'::timestamptz, '440311006003013', '2026-09-01 00:00+08'::timestamptz, 'reshape', 0.749987, 1.000000)$$,
                  'reshape_grid returns the lineage: the new boundary kept three quarters of the old one');
SELECT results_eq($$SELECT valid_from, valid_to, ST_Equals(boundary, pg_temp.box(113.93, 22.74, 113.95, 22.76)) FROM unit_history WHERE code = '440311006003013'$$,
                  $$VALUES ('2026-08-01 00:00+08'::timestamptz, '2026-09-01 00:00+08'::timestamptz, true)$$,
                  'the reshaped grid''s old version is in unit_history, ended at the reshape');
SELECT results_eq($$SELECT valid_from, valid_to FROM unit WHERE code = '440311006003013'$$,
                  $$VALUES ('2026-09-01 00:00+08'::timestamptz, NULL::timestamptz)$$, 'and its new one in unit, from the reshape');
SELECT results_eq($$SELECT code::text, routes_from FROM unit_versions WHERE code::text LIKE '4403110060030%' AND level = 6 AND layer = 'governance' AND boundary IS NOT NULL ORDER BY code, valid_from$$,
                  $$VALUES ('440311006003001', '-infinity'::timestamptz), ('440311006003011', '2026-06-01 00:00+08'),
                           ('440311006003012', '2026-06-01 00:00+08'), ('440311006003013', '2026-08-01 00:00+08'),
                           ('440311006003013', '2026-09-01 00:00+08')$$,
                  'unit_versions: a grid registered takes reports from any time, a redrawn one from its redraw');
-- the strip the reshape gave up is a gap since then: the community takes it
SELECT results_eq($$SELECT unit, grid_gap FROM pg_temp.report(113.935, 22.742, '2026-08-15 10:00+08')
                    UNION ALL SELECT unit, grid_gap FROM pg_temp.report(113.935, 22.742, '2026-09-15 10:00+08')
                    UNION ALL SELECT unit, grid_gap FROM pg_temp.report(113.935, 22.742, '2026-05-15 10:00+08')$$,
                  $$VALUES ('440311006003013', false), ('440311006003', true), ('440311006003001', false)$$,
                  'after the reshape, its old ground goes to the community, flagged; before it, to the grids of the time');
SELECT results_eq($$SELECT unit, grid_gap, note FROM pg_temp.report(113.935, 22.742, NULL)$$,
                  $$VALUES ('440311006003', true, 'no grid covers the location: routed to unit 440311006003 (level 5)')$$,
                  'and a current report there too');
SELECT is((SELECT count(*) FROM verify_history()), 0::bigint, 'the histories of the late reports verify');

-- an edit that sets valid_from dates the version it starts
UPDATE unit SET name = '根竹园防疫网格一', valid_from = '2026-03-01 00:00+08' WHERE code = '440311006003501';
SELECT results_eq($$SELECT name, valid_from, valid_to FROM unit_versions WHERE code = '440311006003501' ORDER BY valid_from$$,
                  $$VALUES ('根竹园防疫网格01', '2026-01-01 00:00+08'::timestamptz, '2026-03-01 00:00+08'::timestamptz),
                           ('根竹园防疫网格一', '2026-03-01 00:00+08'::timestamptz, NULL)$$,
                  'an edit giving valid_from ends the old version then');

-- ----------------------------------------------------------------------
-- KPIs and risk through the lineage
-- ----------------------------------------------------------------------
-- cases without a location: one of a half of the split (merged, then
-- reshaped to three quarters), one of the merged grid before the reshape,
-- one of the grid as it is now
INSERT INTO cases (id, category, channel, unit, reported_at) VALUES
    (9001, 'noise', 'patrol', '440311006003011', '2026-07-01 10:00+08'),
    (9002, 'noise', 'patrol', '440311006003013', '2026-08-20 10:00+08'),
    (9003, 'noise', 'patrol', '440311006003013', now());
CREATE TEMP TABLE kept AS
SELECT share_of_old AS w FROM grid_lineage WHERE redraw = 'reshape' AND new_code = '440311006003013';
SELECT results_eq($$SELECT id, round(weight::numeric, 6), mapped FROM lineage_cases('440311006003013', '2026-01-01 00:00+08', now() + interval '1 hour')
                     WHERE mapped = 'lineage'$$,
                  $$VALUES (9001::bigint, 0.749987, 'lineage'), (9002, 0.749987, 'lineage'), (9003, 1.000000, 'lineage')$$,
                  'cases without a location follow the lineage, weighted by the share of area the grid kept of theirs');
-- the second way: the cases whose point today's grid covers, plain ST_Covers
SELECT set_eq($$SELECT id FROM lineage_cases('440311006003013', '2026-01-01 00:00+08', now() + interval '1 hour') WHERE mapped = 'location'$$,
              $$SELECT c.id FROM cases c, unit g
                 WHERE g.code = '440311006003013' AND c.location IS NOT NULL AND ST_Covers(g.boundary, c.location)$$,
              'cases with a location are those whose point the grid covers today, whatever grid they went to');
SELECT results_eq($$SELECT by_location, by_lineage, round(apportioned::numeric, 5), received(kpi)
                      FROM kpi_through_lineage('440311006003013', '2026-01-01 00:00+08', now() + interval '1 hour')$$,
                  $$VALUES (3::bigint, 1::bigint, 1.49997, 4::bigint)$$,
                  'kpi_through_lineage: three cases by location, one whole by lineage, 1.5 cases apportioned outside the state');
SELECT is((SELECT kpi_json(kpi) FROM kpi_through_lineage('440311006003013', '2026-01-01 00:00+08', now() + interval '1 hour', now())),
          (SELECT kpi_json(kpi(c, now())) FROM cases c, unit g
            WHERE g.code = '440311006003013' AND (ST_Covers(g.boundary, c.location) OR c.id = 9003)),
          'its state is kpi() of those whole cases');
SELECT ok(abs(risk_through_lineage('440311006003013', now())
              - (SELECT risk(c, now()) FROM cases c, unit g
                  WHERE g.code = '440311006003013' AND (ST_Covers(g.boundary, c.location) OR c.id = 9003))
              - (SELECT w FROM kept) * (SELECT risk(c, now()) FROM cases c WHERE c.id IN (9001, 9002))) < 1e-9,
          'risk_through_lineage: the whole cases'' risk, and the apportioned cases'' by their share');
SELECT throws_ok($$SELECT * FROM lineage_cases('440311006003001', '2026-01-01', '2026-12-01')$$,
                 'GG011', 'unit 440311006003001 is not a grid in force', 'cases are mapped onto a grid in force');
SELECT throws_ok($$SELECT * FROM kpi_through_lineage('440311006003', '2026-01-01', '2026-12-01')$$,
                 'GG011', 'unit 440311006003 is not a grid in force', 'a grid, not a community');
SELECT throws_ok($$SELECT * FROM lineage_cases('440311006003013', '2026-12-01', '2026-01-01')$$,
                 '22023', 'the period from 2026-12-01 00:00:00+08 to 2026-01-01 00:00:00+08 is empty', 'over a period in order');

-- ----------------------------------------------------------------------
-- Property: a year of random redraws over Voronoi grids
-- ----------------------------------------------------------------------
-- The grids above make way: out of force before 2025 ...
DELETE FROM grid_lineage;
DELETE FROM unit_history;
UPDATE unit SET valid_from = '2024-01-01 00:00+08', valid_to = '2025-01-01 00:00+08'
 WHERE level = 6 AND code::text LIKE '44031100600%';
-- ... and 25 Voronoi grids per community are drawn on 1 January 2025
SELECT setseed(0.19020);
INSERT INTO unit (code, name, boundary, valid_from)
SELECT (v.community::text || (100 + row_number() OVER (PARTITION BY v.community ORDER BY ST_X(ST_Centroid(v.cell)), ST_Y(ST_Centroid(v.cell))))::text)::gridcode,
       '试验网格', ST_Multi(v.cell), '2025-01-01 00:00+08'
  FROM (SELECT s.community, ST_Intersection((ST_Dump(ST_VoronoiPolygons(ST_Collect(s.p)))).geom, c.boundary) AS cell
          FROM (SELECT c.code AS community,
                       ST_SetSRID(ST_MakePoint(ST_XMin(c.boundary) + random() * (ST_XMax(c.boundary) - ST_XMin(c.boundary)),
                                               ST_YMin(c.boundary) + random() * (ST_YMax(c.boundary) - ST_YMin(c.boundary))), 4326) AS p
                  FROM unit c, generate_series(1, 25)
                 WHERE c.code IN ('440311006003', '440311006004')) s
          JOIN unit c ON c.code = s.community
         GROUP BY s.community, c.boundary) v;

-- every version of a governance grid in force at t covering p, the second
-- way: plain ST_Covers over unit and unit_history, validity [valid_from, valid_to)
CREATE FUNCTION pg_temp.brute(p geometry, t timestamptz) RETURNS gridcode LANGUAGE sql STABLE AS $$
    SELECT min(v.code) FROM (SELECT code, boundary, valid_from, valid_to, layer FROM unit WHERE level = 6
                             UNION ALL
                             SELECT code, boundary, valid_from, valid_to, layer FROM unit_history WHERE level(code) = 6) v
     WHERE v.layer = 'governance' AND ST_Covers(v.boundary, p) AND v.valid_from <= t AND (v.valid_to IS NULL OR v.valid_to > t)
$$;
CREATE FUNCTION pg_temp.random_point() RETURNS geometry LANGUAGE sql VOLATILE
    RETURN pg_temp.at(113.925 + random() * 0.055, 22.73 + random() * 0.04);
CREATE FUNCTION pg_temp.random_time() RETURNS timestamptz LANGUAGE sql VOLATILE
    RETURN '2025-01-01 00:00+08'::timestamptz + random() * (now() - '2025-01-01 00:00+08'::timestamptz);
CREATE TEMP TABLE redrawn (k integer, redraw text, grid gridcode, effective timestamptz);
CREATE TEMP TABLE probe (k integer, p geometry, t timestamptz, indexed gridcode, brute gridcode);

-- 48 redraws, one a week from February 2025: a random grid in force is
-- split along a line through its centre, merged with a neighbour of its
-- community, grown into its neighbours or shrunk (leaving a gap).  After
-- each, a random point at a random time is routed, so the index follows
-- every redraw within the session.
DO $$
DECLARE
    k integer;
    g unit;
    other gridcode;
    effective timestamptz;
    next_code integer := 200;
    kind text;
    cx float8;
    cy float8;
    p geometry;
    t timestamptz;
BEGIN
    FOR k IN 1 .. 48 LOOP
        effective := '2025-02-01 00:00+08'::timestamptz + (k - 1) * interval '1 week';
        SELECT * INTO g FROM unit WHERE level = 6 AND layer = 'governance' AND valid_to IS NULL AND boundary IS NOT NULL
                                    AND parent IN ('440311006003', '440311006004')
         ORDER BY random() LIMIT 1;
        kind := (ARRAY['split', 'merge', 'grow', 'shrink'])[1 + floor(random() * 4)::integer];
        IF kind = 'merge' THEN
            SELECT n.code INTO other FROM unit n
             WHERE n.level = 6 AND n.layer = 'governance' AND n.valid_to IS NULL AND n.parent = g.parent
               AND n.code <> g.code AND ST_Intersects(n.boundary, g.boundary)
             ORDER BY n.code LIMIT 1;
            IF other IS NULL THEN
                kind := 'split';
            END IF;
        END IF;
        cx := ST_X(ST_Centroid(g.boundary));
        cy := ST_Y(ST_Centroid(g.boundary));
        IF kind = 'split' THEN
            IF random() < 0.5 THEN
                PERFORM split_grid(g.code, ARRAY[(g.parent::text || next_code)::gridcode, (g.parent::text || (next_code + 1))::gridcode],
                                   ARRAY['分出网格', '分出网格'],
                                   ARRAY[ST_CollectionExtract(ST_Intersection(g.boundary, ST_MakeEnvelope(113, 22, cx, 23, 4326)), 3),
                                         ST_CollectionExtract(ST_Intersection(g.boundary, ST_MakeEnvelope(cx, 22, 115, 23, 4326)), 3)], effective);
            ELSE
                PERFORM split_grid(g.code, ARRAY[(g.parent::text || next_code)::gridcode, (g.parent::text || (next_code + 1))::gridcode],
                                   ARRAY['分出网格', '分出网格'],
                                   ARRAY[ST_CollectionExtract(ST_Intersection(g.boundary, ST_MakeEnvelope(113, 22, 115, cy, 4326)), 3),
                                         ST_CollectionExtract(ST_Intersection(g.boundary, ST_MakeEnvelope(113, cy, 115, 23, 4326)), 3)], effective);
            END IF;
            next_code := next_code + 2;
        ELSIF kind = 'merge' THEN
            PERFORM merge_grids(ARRAY[g.code, other], (g.parent::text || next_code)::gridcode, '合并网格',
                                (SELECT ST_Union(boundary) FROM unit WHERE code IN (g.code, other)), effective);
            next_code := next_code + 1;
        ELSIF kind = 'grow' THEN
            PERFORM reshape_grid(g.code, ST_CollectionExtract(ST_Intersection(ST_Buffer(g.boundary, 0.001, 'quad_segs=2'),
                                                         (SELECT boundary FROM unit WHERE code = g.parent)), 3), effective);
        ELSE
            PERFORM reshape_grid(g.code, ST_Buffer(g.boundary, -0.0005, 'quad_segs=2'), effective);
        END IF;
        INSERT INTO redrawn VALUES (k, kind, g.code, effective);
        p := pg_temp.random_point();
        t := pg_temp.random_time();
        INSERT INTO probe VALUES (k, p, t, grid_at(p, 'governance', t), pg_temp.brute(p, t));
    END LOOP;
END;
$$;

SELECT ok((SELECT count(DISTINCT redraw) = 4 AND count(*) = 48 FROM redrawn), '48 redraws of all four kinds');
SELECT is((SELECT count(*) FROM probe WHERE indexed IS DISTINCT FROM brute), 0::bigint,
          'after each redraw, grid_at at a random time agrees with ST_Covers over the versions in force then');

-- 3,000 points at random times after the year of redraws
INSERT INTO probe (k, p, t) SELECT 0, pg_temp.random_point(), pg_temp.random_time() FROM generate_series(1, 3000);
UPDATE probe SET indexed = grid_at(p, 'governance', t), brute = pg_temp.brute(p, t) WHERE k = 0;
SELECT is((SELECT count(*) FROM probe WHERE k = 0 AND indexed IS DISTINCT FROM brute), 0::bigint,
          'grid_at at random times agrees with ST_Covers over the versions in force (in-memory index)');
SELECT ok((SELECT count(*) FILTER (WHERE indexed IS NULL) > 50 AND count(*) FILTER (WHERE indexed IS NOT NULL) > 2000 FROM probe),
          'the probes land in grids and in gaps');
SELECT ok((SELECT count(DISTINCT indexed) FROM probe WHERE k = 0 AND right(indexed::text, 3)::integer >= 200) > 10
          AND (SELECT count(DISTINCT indexed) FROM probe WHERE k = 0 AND right(indexed::text, 3)::integer < 200) > 10,
          'the probes find the grids of 2025 and the redrawn ones');
-- and now, where the index looks among the versions without an end only
SELECT is((SELECT count(*) FROM (SELECT pg_temp.random_point() AS p FROM generate_series(1, 1000)) r
            WHERE grid_at(r.p, 'governance') IS DISTINCT FROM pg_temp.brute(r.p, now())), 0::bigint,
          'grid_at now agrees with ST_Covers over the versions in force now');
SET LOCAL gridgov.grid_index_memory = 0;
SELECT is((SELECT count(*) FROM probe WHERE k = 0 AND grid_at(p, 'governance', t) IS DISTINCT FROM brute), 0::bigint,
          'and so does PostGIS over unit_versions, the index turned off');
RESET gridgov.grid_index_memory;

-- the engine: 300 late reports at random times go where the brute force says,
-- a gap to the community covering the point
CREATE TEMP TABLE late AS
SELECT row_number() OVER () AS n, p, t, pg_temp.brute(p, t) AS expected
  FROM probe WHERE k = 0 AND ST_Covers(ST_MakeEnvelope(113.925, 22.73, 113.98, 22.77, 4326), p) LIMIT 300;
WITH ins AS (
    INSERT INTO cases (category, channel, location, reported_at)
    SELECT 'noise', 'patrol', p, t FROM late ORDER BY n RETURNING id, location, reported_at, unit, grid_gap)
SELECT is((SELECT count(*) FROM ins JOIN late l ON ins.reported_at = l.t
            WHERE ins.unit IS DISTINCT FROM COALESCE(l.expected, CASE WHEN ST_X(l.p) < 113.95 THEN '440311006003'::gridcode ELSE '440311006004' END)
               OR ins.grid_gap IS DISTINCT FROM (l.expected IS NULL)), 0::bigint,
          'late reports at random times are routed to the grid in force then, or in a gap to the community');

-- cases without a location, each reported to a version at a time it was in force
INSERT INTO cases (category, channel, unit, reported_at)
SELECT 'noise', 'patrol', v.code, greatest(v.valid_from, '2025-01-01 00:00+08')
         + random() * (least(coalesce(v.valid_to, now()), now()) - greatest(v.valid_from, '2025-01-01 00:00+08'))
  FROM (SELECT code, valid_from, valid_to FROM unit WHERE level = 6 AND layer = 'governance' AND boundary IS NOT NULL
                                                   AND parent IN ('440311006003', '440311006004') AND coalesce(valid_to, now()) > '2025-01-01'
        UNION ALL
        SELECT code, valid_from, valid_to FROM unit_history WHERE layer = 'governance' AND valid_to > '2025-01-01') v
 ORDER BY random() LIMIT 100;
CREATE TEMP TABLE mapped AS
SELECT g.code AS grid, l.* FROM unit g, lineage_cases(g.code, '2025-01-01 00:00+08', now() + interval '1 hour') l
 WHERE g.level = 6 AND g.layer = 'governance' AND g.valid_to IS NULL AND g.parent IN ('440311006003', '440311006004');
SELECT is((SELECT count(*) FROM cases c
            WHERE c.location IS NOT NULL AND c.reported_at >= '2025-01-01 00:00+08'
              AND pg_temp.brute(c.location, now()) IS DISTINCT FROM
                  (SELECT m.grid FROM mapped m WHERE m.id = c.id AND m.mapped = 'location')), 0::bigint,
          'through the lineage, each case with a location goes to the grid covering it today (ST_Covers), if any, and to one only');
SELECT is((SELECT count(*) FROM (SELECT id FROM mapped WHERE mapped = 'lineage' GROUP BY id HAVING sum(weight) > 1 + 1e-9) s), 0::bigint,
          'a case without a location is shared out among today''s grids, never more than whole');
SELECT ok((SELECT count(*) FILTER (WHERE w > 1 - 1e-9) > 10 AND count(*) FILTER (WHERE w < 1 - 1e-9) > 10
             FROM (SELECT sum(weight) AS w FROM mapped WHERE mapped = 'lineage' GROUP BY id) s),
          'some wholly, where its ground all went on to today''s grids, some in part');
SELECT is((SELECT count(*) FROM cases c JOIN unit u ON u.code = c.unit
            WHERE c.location IS NULL AND u.level = 6 AND u.valid_to IS NULL AND c.reported_at >= u.valid_from
              AND (SELECT sum(m.weight) FROM mapped m WHERE m.id = c.id AND m.grid = u.code) IS DISTINCT FROM 1), 0::bigint,
          'a case reported to a grid as it is today stays whole in it');

-- the lineage
CREATE TEMP TABLE versions AS
SELECT code, boundary, valid_from, valid_to FROM unit WHERE level = 6
UNION ALL SELECT code, boundary, valid_from, valid_to FROM unit_history WHERE level(code) = 6;
SELECT is((SELECT count(*) FROM (SELECT old_code, old_valid_from FROM grid_lineage WHERE redraw IN ('split', 'merge')
                                  GROUP BY 1, 2 HAVING abs(sum(share_of_old) - 1) > 1e-9) s), 0::bigint,
          'the shares of each old grid of a split or merge sum to 1 (within 1e-9)');
-- those of a new grid too, unless the grids merged into it overlapped
-- (grown into each other): their common ground counts in each
SELECT is((SELECT count(*) FROM (SELECT l.new_code, l.new_valid_from FROM grid_lineage l
                                   JOIN versions o ON o.code = l.old_code AND o.valid_from = l.old_valid_from
                                  WHERE l.redraw IN ('split', 'merge')
                                  GROUP BY 1, 2
                                 HAVING abs(sum(l.share_of_new) - 1) > 1e-9
                                    AND sum(ST_Area(o.boundary::geography)) - ST_Area(ST_Union(o.boundary)::geography) < 1) s), 0::bigint,
          'and those of each new grid too, where the old grids did not overlap');
SELECT ok((SELECT count(*) FROM (SELECT l.new_code FROM grid_lineage l WHERE l.redraw = 'merge' GROUP BY l.new_code, l.new_valid_from
                                 HAVING sum(l.share_of_new) > 1 + 1e-6) s) > 0,
          'where they did, a new grid''s shares sum to more than 1');
SELECT is((SELECT count(*) FROM grid_lineage l
             JOIN versions o ON o.code = l.old_code AND o.valid_from = l.old_valid_from
             JOIN versions n ON n.code = l.new_code AND n.valid_from = l.new_valid_from
            WHERE abs(l.share_of_old - ST_Area(ST_Intersection(o.boundary, n.boundary)::geography) / ST_Area(o.boundary::geography)) > 1e-4
               OR abs(l.share_of_new - ST_Area(ST_Intersection(o.boundary, n.boundary)::geography) / ST_Area(n.boundary::geography)) > 1e-4
               OR o.valid_to <> l.new_valid_from), 0::bigint,
          'each share is the overlap''s area over the grid''s (within the 1e-4 of geodesic areas), and the old version ends when the new starts');
SELECT is((SELECT count(*) FROM redrawn r
            WHERE (SELECT count(*) FROM grid_lineage l WHERE l.old_code = r.grid AND l.new_valid_from = r.effective)
                  <> CASE r.redraw WHEN 'split' THEN 2 ELSE 1 END), 0::bigint,
          'every redraw wrote its lineage: two rows for a split, one for the others');
SELECT is((SELECT count(*) FROM versions a JOIN versions b ON a.code = b.code AND a.valid_from < b.valid_from
            WHERE a.valid_to IS NULL OR a.valid_to > b.valid_from), 0::bigint,
          'the versions of a grid never overlap in time');
SELECT is((SELECT count(*) FROM unit_versions v
            WHERE v.level = 6 AND parent(v.code) IN ('440311006003', '440311006004')
              AND v.valid_from >= '2025-02-01 00:00+08' AND v.routes_from <> v.valid_from), 0::bigint,
          'every version a redraw made takes cases from its valid_from');

SELECT * FROM finish();
ROLLBACK;
