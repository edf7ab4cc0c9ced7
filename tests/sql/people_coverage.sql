-- The coverage checks on the small district of tests/pgtap/people_fixture.psql,
-- at two days: 2025-06-15 and 2026-03-01, after the third grid's branch,
-- its member, a reserve cadre and a 红小二 volunteer left at the end of
-- 2025 and the fifth grid was retired.  Every answer below was worked out
-- by hand from the fixture's comments.
\set ECHO none
BEGIN;
\i tests/pgtap/people_fixture.psql
\set ECHO all

-- where the posts place people: a post on a unit there, a post in an
-- organization alone on every unit the organization covers
SELECT * FROM placements('440311006003001', '2025-06-15') ORDER BY post, unit;
SELECT * FROM placements('440311006004', '2025-06-15') ORDER BY post, unit;

-- 所有网格有党员: grids 004 and 005 have none in 2025; in 2026 grid 003
-- loses its branch's member and grid 005 is retired
SELECT * FROM grids_without_party_members('440311', '2025-06-15');
SELECT * FROM grids_without_party_members('440311', '2026-03-01');
SELECT * FROM grids_without_party_members('440311006004', '2025-06-15');
SELECT * FROM grids_without_party_members('440311006003003', '2026-03-01');

-- 所有党员进网格: person 9 is a member of the community committee itself;
-- person 10's post ended with 2025
SELECT * FROM party_members_outside_grids('440311', '2025-06-15');
SELECT * FROM party_members_outside_grids('440311', '2026-03-01');
SELECT * FROM party_members_outside_grids('440311006004', '2025-06-15');

-- 支部建在网格上: the area branch covers grids 001 and 002, the third
-- grid's branch grid 003 until it is dissolved
SELECT * FROM grids_without_branch('440311', '2025-06-15');
SELECT * FROM grids_without_branch('440311', '2026-03-01');

-- 一个楼栋一支服务队: team 1 covers building 001-0001, team 2 the whole of
-- grid 002
SELECT * FROM buildings_without_team('440311', '2025-06-15');
SELECT * FROM buildings_without_team('440311006003002', '2025-06-15');

-- 3 to 5 people with a full-time grid party member: team 2 never; team 1
-- until one of its three leaves
SELECT * FROM teams_breaking_rule('440311', '2025-06-15');
SELECT * FROM teams_breaking_rule('440311', '2026-03-01');

-- 后备 1:2: 马山头's secretary has none; 根竹园's has two in 2025, one after
SELECT * FROM secretaries_without_reserves('440311', '2025-06-15');
SELECT * FROM secretaries_without_reserves('440311', '2026-03-01');

SELECT * FROM coverage_summary('440311', '2025-06-15');
SELECT * FROM coverage_summary('440311', '2026-03-01');

-- people under each community and each grid, counted once each
SELECT * FROM people_by_unit('440311', 5, '2025-06-15');
SELECT * FROM people_by_unit('440311', 5, '2026-03-01');
SELECT * FROM people_by_unit('440311006003', 6, '2025-06-15');

-- nothing outside the root, nothing on a day before anything began
SELECT count(*) FROM grids_without_party_members('440312', '2025-06-15');
SELECT * FROM people_by_unit('440311', 5, '2020-01-01');
SELECT count(*) FROM placements(NULL);
SELECT count(*) FROM grids_without_party_members('440311', NULL);

-- the views are the functions for today over every province
SELECT (SELECT array_agg(grid ORDER BY grid) FROM grids_without_party_members)
       IS NOT DISTINCT FROM (SELECT array_agg(grid::text ORDER BY grid::text) FROM grids_without_party_members('44', CURRENT_DATE))
       AS grids_view_is_today,
       (SELECT array_agg(person ORDER BY person) FROM party_members_outside_grids)
       IS NOT DISTINCT FROM (SELECT array_agg(person ORDER BY person) FROM party_members_outside_grids('44', CURRENT_DATE))
       AS members_view_is_today,
       (SELECT array_agg(team ORDER BY team) FROM teams_breaking_rule)
       IS NOT DISTINCT FROM (SELECT array_agg(team ORDER BY team) FROM teams_breaking_rule('44', CURRENT_DATE))
       AS teams_view_is_today,
       (SELECT array_agg(c::text ORDER BY c::text) FROM coverage_summary c)
       IS NOT DISTINCT FROM (SELECT array_agg(c::text ORDER BY c::text) FROM coverage_summary('44', CURRENT_DATE) c)
       AS summary_view_is_today;

-- lineage: the ancestors-or-self of a code, for "covers this unit"
SELECT lineage('4403110060030010001'), lineage('441900003'), lineage('44');
ROLLBACK;
