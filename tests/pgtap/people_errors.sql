-- People and organizations: every bad input is refused with its SQLSTATE, a
-- message naming the bad part and a hint, and leaves nothing written; the
-- constraints hold where the triggers are off; a role that is not the
-- owner gets the same refusals and can run the checks without reading
-- personal data.
BEGIN;
\i tests/pgtap/people_fixture.psql
SELECT plan(66);

-- an error's hint, for the checks below
CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END $$;

-- organizations
SELECT throws_ok($$INSERT INTO organization (kind, name, anchor) VALUES ('party_cell', '某党组', '440311006003')$$,
                 '23503', 'organization kind "party_cell" does not exist', 'an unknown kind is refused (23503)');
SELECT is(pg_temp.hint_of($$INSERT INTO organization (kind, name, anchor) VALUES ('party_cell', '某党组', '440311006003')$$),
          'The kinds are the codes in gridgov.organization_kind, such as community_committee, grid_branch and hongxiaoer_team; add a row there for a new kind.',
          'with a hint naming the kinds table');
SELECT throws_ok($$INSERT INTO organization (kind, name, parent, anchor) VALUES ('grid_branch', '某支部', 99, '440311006003')$$,
                 '23503', 'parent organization 99 does not exist', 'a missing parent is refused (23503)');
SELECT throws_ok($$INSERT INTO organization (kind, name, anchor) VALUES ('grid_branch', '某支部', '440311006009')$$,
                 '23503', 'anchor unit 440311006009 is not registered', 'an unregistered anchor is refused (23503)');
SELECT throws_ok($$INSERT INTO organization (kind, name, anchor) VALUES ('grid_branch', '某支部', '440311')$$,
                 '23514', 'an organization of kind grid_branch cannot be anchored at 440311, a unit of level 3 (county)',
                 'an anchor at a level the kind does not allow is refused (23514)');
SELECT is(pg_temp.hint_of($$INSERT INTO organization (kind, name, anchor) VALUES ('grid_branch', '某支部', '440311')$$),
          'Anchor it at a unit of those levels, or change anchor_levels of the kind in gridgov.organization_kind.',
          'with a hint');
SELECT throws_ok($$UPDATE organization SET parent = 1 WHERE id = 1$$,
                 '23514', 'organization 1 cannot have organization 1 as its parent: that would make a cycle',
                 'its own parent is a cycle (23514)');
SELECT throws_ok($$UPDATE organization SET parent = 5 WHERE id = 1$$,
                 '23514', 'organization 1 cannot have organization 5 as its parent: that would make a cycle',
                 'a parent below it is a cycle');
SELECT is(pg_temp.hint_of($$UPDATE organization SET parent = 5 WHERE id = 1$$),
          'Move organization 5 out from under organization 1 first, or choose another parent.', 'with a hint');
SELECT lives_ok($$UPDATE organization SET parent = 7 WHERE id = 1; UPDATE organization SET parent = NULL WHERE id = 1$$,
                'a parent elsewhere is accepted');
SELECT throws_ok($$UPDATE organization SET anchor = '440311006003002' WHERE id = 4$$,
                 '23514', 'organization 4 covers unit 4403110060030010001 during [2024-01-01,), outside its new anchor 440311006003002 or period [2024-01-01,)',
                 'an anchor that leaves its coverage outside is refused');
SELECT throws_ok($$UPDATE organization SET valid = '[2024-01-01,2025-01-01)' WHERE id = 5$$,
                 '23514', 'organization 5 covers unit 4403110060030010001 during [2024-01-01,), outside its new anchor 440311006003001 or period [2024-01-01,2025-01-01)',
                 'a shorter period that leaves its coverage outside is refused');
SELECT throws_ok($$UPDATE organization SET valid = '[2024-01-01,2025-01-01)' WHERE id = 8$$,
                 '23514', 'organization 8 covers unit 440311006003 during [2024-01-01,), outside its new anchor 440311006003 or period [2024-01-01,2025-01-01)',
                 'so is one that leaves the squad''s coverage outside');
SELECT throws_ok($$INSERT INTO organization (kind, name, anchor) VALUES ('grid_branch', '', '440311006003')$$,
                 '23514', NULL, 'an empty name is refused');

-- what the organizations cover
SELECT throws_ok($$INSERT INTO organization_unit (organization, unit) VALUES (99, '440311006003001')$$,
                 '23503', 'organization 99 does not exist', 'coverage by a missing organization is refused (23503)');
SELECT throws_ok($$INSERT INTO organization_unit (organization, unit) VALUES (2, '440311006003009')$$,
                 '23503', 'unit 440311006003009 is not registered', 'coverage of an unregistered unit is refused (23503)');
SELECT throws_ok($$INSERT INTO organization_unit (organization, unit, valid) VALUES (2, '440311006004001', '[2025-01-01,)')$$,
                 '23514', 'unit 440311006004001 is outside organization 2 (根竹园片区党总支), which is anchored at 440311006003',
                 'coverage outside the anchor is refused (23514)');
SELECT is(pg_temp.hint_of($$INSERT INTO organization_unit (organization, unit, valid) VALUES (2, '440311006004001', '[2025-01-01,)')$$),
          'An organization covers units under its anchor: cover units under 440311006003, or anchor the organization higher first.',
          'with a hint');
SELECT throws_ok($$INSERT INTO organization_unit (organization, unit, valid) VALUES (3, '4403110060030030001', '[2025-01-01,2026-06-01)')$$,
                 '23514', 'organization 3 (第三网格党支部) cannot cover unit 4403110060030030001 during [2025-01-01,2026-06-01), outside its own period [2024-01-01,2026-01-01)',
                 'coverage outside the organization''s period is refused (23514)');
SELECT throws_ok($$INSERT INTO organization_unit (organization, unit, valid) VALUES (2, '440311006003001', '[2025-01-01,2025-02-01)')$$,
                 '23P01', 'organization 2 (根竹园片区党总支) already covers unit 440311006003001 during [2024-01-01,), which overlaps [2025-01-01,2025-02-01)',
                 'an overlapping coverage is refused (23P01)');
SELECT is(pg_temp.hint_of($$INSERT INTO organization_unit (organization, unit, valid) VALUES (2, '440311006003001', '[2025-01-01,2025-02-01)')$$),
          'End the earlier coverage first (the upper bound of its valid), or start this one when it ends.', 'with a hint');
SELECT throws_ok($$DELETE FROM organization_unit WHERE organization = 8$$,
                 '23503', 'post 7 (person 4 as grid_worker on 440311006003001 during [2024-01-01,)) would lie outside the units organization 8 covers',
                 'deleting a coverage a post lies in is refused (23503)');
SELECT throws_ok($$UPDATE organization_unit SET valid = '[2024-01-01,2025-01-01)' WHERE organization = 8$$,
                 '23503', 'post 7 (person 4 as grid_worker on 440311006003001 during [2024-01-01,)) would lie outside the units organization 8 covers',
                 'so is shortening it');
SELECT lives_ok($$WITH earlier AS (UPDATE organization_unit SET valid = '[2024-01-01,2025-06-01)' WHERE organization = 8
                                   RETURNING organization, unit)
                  INSERT INTO organization_unit (organization, unit, valid) SELECT organization, unit, '[2025-06-01,)' FROM earlier$$,
                'a coverage split in two in one statement, its posts covered throughout, is accepted');
SELECT is((SELECT array_agg(valid::text ORDER BY valid) FROM organization_unit WHERE organization = 8),
          '{"[2024-01-01,2025-06-01)","[2025-06-01,)"}', 'and stored');

-- people and posts
SELECT throws_ok($$INSERT INTO post (person, role, organization) VALUES (99, 'grid_worker', 8)$$,
                 '23503', 'person 99 does not exist', 'a post of a missing person is refused (23503)');
SELECT is(pg_temp.hint_of($$INSERT INTO post (person, role, organization) VALUES (99, 'grid_worker', 8)$$),
          'Insert the person into gridgov.person first (and their name and phone into gridgov.person_contact).',
          'with a hint');
SELECT throws_ok($$INSERT INTO post (person, role, organization) VALUES (13, 'warden', 8)$$,
                 '23503', 'role "warden" does not exist', 'an unknown role is refused (23503)');
SELECT is(pg_temp.hint_of($$INSERT INTO post (person, role, organization) VALUES (13, 'warden', 8)$$),
          'The roles are the codes in gridgov.role, such as grid_worker, secretary and party_member_community; add a row there for a new role.',
          'with a hint');
SELECT throws_ok($$INSERT INTO post (person, role, organization) VALUES (13, 'member', 99)$$,
                 '23503', 'organization 99 does not exist', 'a post in a missing organization is refused (23503)');
SELECT throws_ok($$INSERT INTO post (person, role, unit) VALUES (13, 'member', '440311006003009')$$,
                 '23503', 'unit 440311006003009 is not registered', 'a post on an unregistered unit is refused (23503)');
SELECT throws_ok($$INSERT INTO post (person, role) VALUES (13, 'member')$$,
                 '23514', 'a post needs an organization or a unit', 'a post with neither is refused (23514)');
SELECT throws_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (13, 'building_head', 2, '440311006003003', '[2025-01-01,)')$$,
                 '23514', 'the post of person 13 as building_head in organization 2 (根竹园片区党总支) on 440311006003003 during [2025-01-01,) lies outside the units the organization covers',
                 'a post outside its organization''s units is refused (23514)');
SELECT is(pg_temp.hint_of($$INSERT INTO post (person, role, organization, unit, valid) VALUES (13, 'building_head', 2, '440311006003003', '[2025-01-01,)')$$),
          'Cover the unit in gridgov.organization_unit first, or hold the post on a unit the organization covers.',
          'with a hint');
SELECT lives_ok($$INSERT INTO organization_unit (organization, unit, valid) VALUES (2, '440311006003004', '[2025-01-01,2025-03-01)')$$,
                'the area branch covers grid 004 for two months');
SELECT throws_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (13, 'member', 2, '4403110060030040001', '[2025-01-01,2025-06-01)')$$,
                 '23514', 'the post of person 13 as member in organization 2 (根竹园片区党总支) on 4403110060030040001 during [2025-01-01,2025-06-01) lies outside the units the organization covers',
                 'a post on a building in it for five months is refused: covered through the grid, but only for part of the time');
SELECT throws_ok($$INSERT INTO post (person, role, organization, valid) VALUES (13, 'member', 3, '[2025-01-01,2026-06-01)')$$,
                 '23514', 'the post of person 13 as member in organization 3 (第三网格党支部) during [2025-01-01,2026-06-01) lies outside the organization''s period [2024-01-01,2026-01-01)',
                 'a post outside its organization''s period is refused (23514)');
SELECT throws_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (4, 'grid_worker', 8, '440311006003001', '[2025-01-01,2025-06-01)')$$,
                 '23P01', 'person 4 as grid_worker in organization 8 (根竹园社区综合治理中队) on 440311006003001 already holds this post during [2024-01-01,), which overlaps [2025-01-01,2025-06-01)',
                 'the same post twice at once is refused (23P01)');
SELECT is(pg_temp.hint_of($$INSERT INTO post (person, role, organization, unit, valid) VALUES (4, 'grid_worker', 8, '440311006003001', '[2025-01-01,2025-06-01)')$$),
          'End the earlier post first (the upper bound of its valid), or start this one when it ends; a person may hold different posts at once.',
          'with a hint');
SELECT throws_ok($$INSERT INTO post (person, role, unit, valid) VALUES (11, 'party_member_organ', '440311006004001', '[2023-01-01,2024-02-01)')$$,
                 '23P01', 'person 11 as party_member_organ on 440311006004001 already holds this post during [2024-01-01,), which overlaps [2023-01-01,2024-02-01)',
                 'also on a unit alone');
SELECT lives_ok($$INSERT INTO post (person, role, organization, valid) VALUES (3, 'reserve_cadre', 1, '[2026-06-01,)')$$,
                'a post held again after a gap is accepted');
SELECT throws_ok($$UPDATE post SET valid = '[2025-01-01,)' WHERE id = 5$$,
                 '23P01', 'person 3 as reserve_cadre in organization 1 (根竹园社区党委) already holds this post during [2026-06-01,), which overlaps [2025-01-01,)',
                 'an update that makes two posts overlap is refused');
SELECT lives_ok($$INSERT INTO post (person, role, organization, valid) VALUES (4, 'grid_worker', 8, '[2024-01-01,)');
                  INSERT INTO post (person, role, organization, unit, valid) VALUES (4, 'grid_worker', 8, '440311006003002', '[2024-01-01,)')$$,
                'the same role in the same organization without a unit, or on another unit, is another post');
SELECT lives_ok($$INSERT INTO post (person, role, organization, valid) VALUES (12, 'squad_leader', 7, '[2024-01-01,)')$$,
                'a second post at once (一肩挑) is accepted');
SELECT throws_ok($$INSERT INTO post (person, role, unit, valid) VALUES (13, 'member', '440311006003001', 'empty')$$,
                 '23514', NULL, 'an empty period is refused');
SELECT throws_ok($$DELETE FROM person WHERE id = 4$$, '23503', NULL, 'a person who holds posts cannot be deleted');
SELECT lives_ok($$DELETE FROM person WHERE id = 1 AND false$$, 'deleting no one is fine');

-- nothing half-written: one bad row in a statement refuses the statement
SELECT throws_ok($$INSERT INTO post (person, role, unit, valid) VALUES
                     (13, 'building_head', '4403110060030010002', '[2025-01-01,)'),
                     (13, 'building_head', '4403110060030030001', '[2025-01-01,)'),
                     (99, 'building_head', '4403110060030040001', '[2025-01-01,)')$$,
                 '23503', 'person 99 does not exist', 'a statement with a bad third row is refused');
SELECT is((SELECT count(*)::int FROM post WHERE person = 13), 1, 'and none of its rows is kept');
SELECT throws_ok($$INSERT INTO organization (id, kind, name, parent, anchor, valid) VALUES
                     (20, 'grid_branch', '第四网格党支部', 2, '440311006003004', '[2025-01-01,)'),
                     (21, 'building_group', '四网格1栋党小组', 20, '440311006003004', '[2025-01-01,)'),
                     (22, 'building_group', '某党小组', 20, '440311', '[2025-01-01,)')$$,
                 '23514', 'an organization of kind building_group cannot be anchored at 440311, a unit of level 3 (county)',
                 'organizations too');
SELECT is((SELECT count(*)::int FROM organization WHERE id >= 20), 0, 'and none of them is kept');

-- the constraints hold where the triggers do not run (a restore, a
-- replica): the exclusion constraints, with btree_gist
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (4, 'grid_worker', 8, '440311006003001', '[2025-01-01,2025-06-01)')$$,
                 '23P01', 'conflicting key value violates exclusion constraint "post_no_overlap"',
                 'the exclusion constraint refuses an overlapping post by itself');
SELECT throws_ok($$INSERT INTO organization_unit (organization, unit, valid) VALUES (2, '440311006003001', '[2025-01-01,2025-02-01)')$$,
                 '23P01', 'conflicting key value violates exclusion constraint "organization_unit_no_overlap"',
                 'and an overlapping coverage');
RESET session_replication_role;

-- the trigger functions run only as the triggers they are
SELECT throws_ok($$SELECT gridgov.post_check()$$, '39P01', 'post_check() can only be called as a trigger',
                 'a trigger function cannot be called directly');
CREATE TEMP TABLE fake_post (LIKE post);
CREATE TRIGGER fake AFTER INSERT ON fake_post FOR EACH ROW EXECUTE FUNCTION gridgov.post_check();
SELECT throws_ok($$INSERT INTO fake_post (id, person, role, unit, valid) VALUES (1, 1, 'member', '44', '[2025-01-01,)')$$,
                 '39P01', 'post_check() must be fired BEFORE INSERT OR UPDATE for each row',
                 'nor as another kind of trigger');

-- bad parameters of the checks
SELECT throws_ok($$SELECT * FROM people_by_unit('440311', 9, '2025-06-15')$$,
                 '22023', 'level 9 is out of range for gridcode', 'people_by_unit refuses a level outside 1..7');
-- under a root where no one is placed too: the level is checked before any row
SELECT throws_ok($$SELECT * FROM people_by_unit_placed('45', 0, '2025-06-15')$$,
                 '22023', 'level 0 is out of range for gridcode', 'people_by_unit_placed refuses a level outside 1..7');
SELECT is_empty($$SELECT * FROM people_by_unit_placed('440311', NULL, '2025-06-15')$$,
                'people_by_unit_placed with no level counts nothing');

-- a role that is not the owner: the same refusals, as the triggers check
-- as the tables' owner; and the checks run without reading personal data
CREATE ROLE gridgov_test_clerk;
GRANT USAGE ON SCHEMA gridgov TO gridgov_test_clerk;
GRANT SELECT, INSERT, UPDATE ON post TO gridgov_test_clerk;
GRANT SELECT ON unit, grid_layer, organization, organization_unit, role, grid_party_days, community_headcount
    TO gridgov_test_clerk;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA gridgov TO gridgov_test_clerk;
-- the clerk administers the district's people (docs/access.md)
INSERT INTO jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_clerk', '440311', 'administrator');
SET LOCAL ROLE gridgov_test_clerk;
SELECT throws_ok($$SELECT count(*) FROM person_contact$$, '42501', NULL, 'the clerk cannot read personal data');
SELECT throws_ok($$SELECT count(*) FROM person$$, '42501', NULL, 'nor the people table');
SELECT lives_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (13, 'building_head', 8, '4403110060030030001', '[2025-01-01,)')$$,
                'but posts people it cannot read');
SELECT throws_ok($$INSERT INTO post (person, role, organization) VALUES (99, 'grid_worker', 8)$$,
                 '23503', 'person 99 does not exist', 'and gets the same refusal of a missing person');
SELECT throws_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (13, 'building_head', 2, '440311006003003', '[2025-01-01,)')$$,
                 '23514', 'the post of person 13 as building_head in organization 2 (根竹园片区党总支) on 440311006003003 during [2025-01-01,) lies outside the units the organization covers',
                 'and of a post outside the units');
SELECT throws_ok($$INSERT INTO post (person, role, organization, unit, valid) VALUES (4, 'grid_worker', 8, '440311006003001', '[2025-01-01,2025-06-01)')$$,
                 '23P01', NULL, 'and of an overlap');
SELECT results_eq($$SELECT check_name, gaps FROM coverage_summary('440311', '2025-06-15') ORDER BY check_name$$,
                  $$VALUES ('buildings_without_team', 5::bigint), ('grids_without_branch', 3), ('grids_without_party_members', 2),
                           ('party_members_outside_grids', 1), ('secretaries_without_reserves', 1), ('teams_breaking_rule', 1)$$,
                  'the coverage checks run for the clerk, who reads no personal data');
SELECT results_eq($$SELECT * FROM people_by_unit('440311', 5, '2025-06-15')$$,
                  $$VALUES ('440311006003'::gridcode, '根竹园社区', 11::bigint, 4::bigint), ('440311006004', '马山头社区', 2, 1)$$,
                  'and so does the head count');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
