-- The examples of docs/people.md, run for real: tools/check-docs checks
-- that every example in the docs appears, with its output, in expected/.
-- The district is tests/pgtap/people_fixture.psql.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/people_fixture.psql
SET datestyle = 'ISO, YMD';
\set ECHO all
SELECT code, name, classification, lower(anchor_levels) AS lowest, upper(anchor_levels) - 1 AS highest
  FROM organization_kind ORDER BY lowest, highest, code;
SELECT class, string_agg(code, ', ' ORDER BY code) AS roles FROM role GROUP BY class ORDER BY class;
SELECT id, kind, name, parent, anchor, valid FROM organization ORDER BY id;
SELECT o.name, c.unit, u.name AS unit_name, c.valid
  FROM organization_unit c JOIN organization o ON o.id = c.organization JOIN unit u ON u.code = c.unit
 WHERE c.organization IN (2, 3, 6) ORDER BY c.organization, c.unit;
SELECT p.id, p.role, o.name AS organization, p.unit, p.valid
  FROM post p LEFT JOIN organization o ON o.id = p.organization
 WHERE p.person = 1 ORDER BY p.id;
SELECT * FROM placements('440311006003001', '2026-03-01') ORDER BY post, unit;
SELECT * FROM coverage_summary('440311', '2026-03-01');
SELECT * FROM grids_without_party_members('440311', '2026-03-01');
SELECT * FROM party_members_outside_grids('440311', '2026-03-01');
SELECT * FROM grids_without_branch('440311', '2026-03-01');
SELECT * FROM buildings_without_team('440311006003', '2026-03-01');
SELECT * FROM teams_breaking_rule('440311', '2026-03-01');
SELECT * FROM secretaries_without_reserves('440311', '2026-03-01');
SELECT * FROM people_by_unit('440311', 5, '2026-03-01');
SELECT * FROM people_by_unit('440311006003', 6, '2026-03-01');
SELECT * FROM people_by_unit_placed('440311006003', 6, '2026-03-01') ORDER BY unit;
SELECT * FROM people_by_unit('440311', 8, '2026-03-01');
SELECT grid, days FROM grid_party_days WHERE grid <@ '440311006003' ORDER BY grid;
SELECT * FROM community_headcount ORDER BY community;
INSERT INTO organization (kind, name, parent, anchor, valid)
VALUES ('grid_branch', '第三、四网格党支部', 2, '440311006003', '[2026-03-01,)')
RETURNING id;
INSERT INTO organization_unit (organization, unit, valid)
VALUES (9, '440311006003003', '[2026-03-01,)'), (9, '440311006003004', '[2026-03-01,)');
INSERT INTO person DEFAULT VALUES RETURNING id;
INSERT INTO person_contact (person, name, phone) VALUES (14, '赵党员', '13800000014');
INSERT INTO post (person, role, organization, unit, valid)
VALUES (14, 'party_member_community', 9, '440311006003004', '[2026-03-01,)'),
       (10, 'party_member_two_new', 9, NULL, '[2026-03-01,)');
SELECT * FROM coverage_summary('440311', '2026-03-01');
INSERT INTO post (person, role, organization, unit, valid)
VALUES (14, 'grid_worker', 2, '440311006003004', '[2026-03-01,)');
INSERT INTO post (person, role, organization, valid)
VALUES (14, 'party_member_community', 9, '[2026-06-01,)');
INSERT INTO post (person, role, organization, unit, valid)
VALUES (14, 'party_member_community', 9, '440311006003004', '[2026-06-01,)');
UPDATE organization SET parent = 9 WHERE id = 2;
INSERT INTO organization_unit (organization, unit, valid)
VALUES (9, '440311006004001', '[2026-03-01,)');
DELETE FROM organization_unit WHERE organization = 9 AND unit = '440311006003004';
INSERT INTO post (person, role, unit) VALUES (15, 'patrol_volunteer', '440311006003001');
INSERT INTO post (person, role, organization) VALUES (13, 'warden', 8);
SET session_replication_role = replica;
INSERT INTO post (person, role, unit, valid)
VALUES (12, 'party_member_community', '440311006004001', '[2026-03-01,)');
RESET session_replication_role;
SELECT * FROM community_headcount WHERE community = '440311006004';
SELECT rebuild_coverage();
SELECT * FROM community_headcount WHERE community = '440311006004';
ROLLBACK;
