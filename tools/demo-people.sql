-- The people part of the tour: Guangming's organizations and people
-- (tests/data/guangming_people.sql) and the morning coverage check, on
-- 2026-10-29, the last day of the case simulation; then the patrol
-- volunteers' reports of the 90 days and their rewards
-- (tests/data/guangming_rewards.sql).
\pset footer off
SET search_path = gridgov, public;
-- The checks are SQL functions inlined into one large plan, whose estimated
-- cost makes PostgreSQL compile it with JIT: at this size the compilation
-- takes seconds and the checks themselves well under one.
SET jit = off;
SET timezone = 'Asia/Shanghai';

\echo 'P1. The party organization on the grids, by subdistrict: 支部建在网格上.'
SELECT coalesce(s.name, '光明区 (all)') AS subdistrict,
       count(*) FILTER (WHERE o.kind = 'community_committee') AS community_committees,
       count(*) FILTER (WHERE o.kind = 'area_branch') AS area_branches,
       count(*) FILTER (WHERE o.kind = 'grid_branch') AS grid_branches,
       count(*) FILTER (WHERE o.kind = 'hongxiaoer_team') AS "红小二 teams",
       count(*) FILTER (WHERE o.kind = 'governance_squad') AS squads
  FROM organization o JOIN unit s ON s.code = ancestor(o.anchor, 4)
 WHERE o.anchor <@ '440311' AND level(o.anchor) >= 5
 GROUP BY ROLLUP ((s.code, s.name))
 ORDER BY s.code NULLS LAST;

\echo 'P2. The people, by role, on 2026-10-29 (one person may hold several posts: 一肩挑).'
SELECT r.class, r.code AS role, r.name, count(DISTINCT p.person) AS people
  FROM post p JOIN role r ON r.code = p.role
 WHERE p.valid @> date '2026-10-29'
 GROUP BY r.class, r.code, r.name
 ORDER BY r.class, people DESC;

\echo 'P3. The morning coverage check on 2026-10-29, district-wide and for 光明街道 (the only'
\echo '    subdistrict with 红小二 teams).'
SELECT d.check_name, d.gaps AS "光明区", s.gaps AS "光明街道"
  FROM coverage_summary('440311', '2026-10-29') d
  JOIN coverage_summary('440311001', '2026-10-29') s USING (check_name);

\echo 'P4. What the check found: a grid that lost its branch, party members not yet placed, teams'
\echo '    and secretaries short.'
SELECT grid, name FROM grids_without_branch('440311', '2026-10-29');
SELECT m.person, m.role, o.name AS registered_with
  FROM party_members_outside_grids('440311', '2026-10-29') m
  JOIN organization o ON o.id = m.organization;
SELECT name, anchor, members, full_time_party_members
  FROM teams_breaking_rule('440311', '2026-10-29');
SELECT o.name AS committee, s.secretary, s.reserve_cadres
  FROM secretaries_without_reserves('440311', '2026-10-29') s
  JOIN organization o ON o.id = s.organization;

\echo 'P5. People placed under each community of 马田街道, and how many are party members.'
SELECT unit, name, people, party_members FROM people_by_unit('440311006', 5, '2026-10-29');

\echo 'P6. The patrol volunteers'' reward fund (平安员奖励基金): awards of 50 to 10,000 yuan for'
\echo '    disputes they reported; paid follows the ledger.'
SELECT name, capital_yuan, paid_yuan, left_yuan, awards, ledger_yuan FROM reward_funds;

\echo 'P7. The 36,000 volunteers over the 90 days: reports per volunteer, settled inside the'
\echo '    community, rewards paid; all reports, then disputes.'
SELECT 'all' AS reports_of, * FROM volunteer_figures('440311', '2026-08-01', '2026-10-29')
UNION ALL
SELECT 'disputes', * FROM volunteer_figures('440311', '2026-08-01', '2026-10-29',
                                            '{neighbour_dispute,property_management,
                                              labour_dispute}');

\echo 'P8. Disputes found by volunteers, by subdistrict: how many were settled inside the community'
\echo '    (小事不出村).'
SELECT s.name AS subdistrict, f.volunteers, f.reporting_volunteers, f.reports AS disputes, f.closed,
       f.settled_in_community, f.settled_in_community_pct AS "settled %", f.awards, f.awarded_yuan
  FROM unit s,
       LATERAL volunteer_figures(s.code, '2026-08-01', '2026-10-29',
                                 '{neighbour_dispute,property_management,labour_dispute}') f
 WHERE s.parent = '440311'
 ORDER BY s.code;

\echo 'P9. The most active volunteers of the 90 days, and what they were awarded.'
SELECT r.person, p.properties->>'patrol_no' AS patrol_no, n.name, r.reports, r.closed, r.awards,
       r.awarded_yuan
  FROM volunteer_reports('440311', '2026-08-01', '2026-10-29') r
  JOIN person p ON p.id = r.person
  LEFT JOIN person_contact n ON n.person = r.person
 ORDER BY r.reports DESC, r.awarded_yuan DESC, r.person
 LIMIT 5;
