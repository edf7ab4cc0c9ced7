-- Redraws (issue 19, item 2): the examples of docs/layers.md, "Redraws",
-- run for real (tools/check-docs): a split, a late report before it and a
-- report after it, a merge, a reshape that leaves a gap, the versions and
-- the lineage, and the errors of a redraw that does not fit.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/case_fixture.psql
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.73, 113.95, 22.77, 4326)) WHERE code = '440311006003';
-- the grids were drawn on 1 January 2026
UPDATE unit SET valid_from = '2026-01-01 00:00+08' WHERE level = 6;
\set ECHO all
SELECT old_code, new_code, new_valid_from, round(share_of_old::numeric, 4) AS share_of_old, share_of_new
  FROM split_grid('440311006003001',
                  ARRAY['440311006003011', '440311006003012']::gridcode[],
                  ARRAY['根竹园社区第11网格', '根竹园社区第12网格'],
                  ARRAY[ST_MakeEnvelope(113.93, 22.74, 113.94, 22.76, 4326),
                        ST_MakeEnvelope(113.94, 22.74, 113.95, 22.76, 4326)],
                  '2026-06-01 00:00+08');
SELECT grid_at(ST_Point(113.935, 22.75, 4326), 'governance', '2026-05-20 10:00+08') AS before,
       grid_at(ST_Point(113.935, 22.75, 4326), 'governance') AS today;
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (401, 'noise', 'patrol', ST_Point(113.935, 22.75, 4326), '2026-05-20 10:00+08'),
       (402, 'noise', 'patrol', ST_Point(113.935, 22.75, 4326), now())
RETURNING id, unit;
SELECT old_code, new_code, new_valid_from, share_of_old, round(share_of_new::numeric, 4) AS share_of_new
  FROM merge_grids(ARRAY['440311006003011', '440311006003012']::gridcode[], '440311006003013',
                   '根竹园社区第13网格', ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326), '2026-08-01 00:00+08');
SELECT old_code, old_valid_from, new_valid_from, redraw, round(share_of_old::numeric, 4) AS share_of_old,
       round(share_of_new::numeric, 4) AS share_of_new
  FROM reshape_grid('440311006003013', ST_MakeEnvelope(113.93, 22.745, 113.95, 22.76, 4326), '2026-09-01 00:00+08');
SELECT code, valid_from, valid_to, routes_from FROM unit_versions
 WHERE code::text LIKE '4403110060030__' AND level = 6 ORDER BY code, valid_from;
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (403, 'noise', 'patrol', ST_Point(113.935, 22.742, 4326), '2026-08-20 10:00+08'),
       (404, 'noise', 'patrol', ST_Point(113.935, 22.742, 4326), now())
RETURNING id, unit, grid_gap;
INSERT INTO cases (id, category, channel, unit, reported_at)
VALUES (405, 'noise', 'hotline', '440311006003011', '2026-07-01 10:00+08'),
       (406, 'noise', 'hotline', '440311006003013', now());
SELECT id, unit, reported_at::date, round(weight::numeric, 4) AS weight, mapped
  FROM lineage_cases('440311006003013', '2026-05-01 00:00+08', '2026-12-01 00:00+08');
SELECT received(kpi), closed(kpi), by_location, by_lineage, round(apportioned::numeric, 4) AS apportioned
  FROM kpi_through_lineage('440311006003013', '2026-05-01 00:00+08', now() + interval '1 minute');
SELECT round(risk_through_lineage('440311006003013', '2026-07-02 10:00+08')::numeric, 4) AS score,
       round((SELECT risk(c, '2026-07-02 10:00+08') FROM cases c WHERE id = 401)::numeric, 4) AS case_401,
       round((SELECT risk(c, '2026-07-02 10:00+08') FROM cases c WHERE id = 405)::numeric, 4) AS case_405;
-- errors: a redraw that does not fit is refused whole, naming the piece
SELECT * FROM split_grid('440311006003013', ARRAY['440311006003021', '440311006003022']::gridcode[],
                         ARRAY['根竹园社区第21网格', '根竹园社区第22网格'],
                         ARRAY[ST_MakeEnvelope(113.93, 22.745, 113.94, 22.76, 4326),
                               ST_MakeEnvelope(113.94, 22.745, 113.95, 22.755, 4326)]);
SELECT * FROM split_grid('440311006003013', ARRAY['440311006003021', '440311006004022']::gridcode[],
                         ARRAY['根竹园社区第21网格', '马山头社区第22网格'],
                         ARRAY[ST_MakeEnvelope(113.93, 22.745, 113.94, 22.76, 4326),
                               ST_MakeEnvelope(113.94, 22.745, 113.95, 22.76, 4326)]);
SELECT * FROM merge_grids(ARRAY['440311006003013', '440311006004001']::gridcode[], '440311006003021', '合并网格',
                          ST_MakeEnvelope(113.93, 22.74, 113.97, 22.76, 4326));
SELECT * FROM reshape_grid('440311006003013', ST_MakeEnvelope(113.93, 22.745, 113.95, 22.76, 4326), '2099-01-01 00:00+08');
SELECT * FROM reshape_grid('440311006003013', ST_MakeEnvelope(113.93, 22.745, 113.95, 22.76, 4326), '2026-07-01 00:00+08');
ROLLBACK;
