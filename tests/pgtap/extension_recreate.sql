-- A session that reported and moved cases, and registered an organization,
-- before the extension was dropped and created again goes on doing so after
-- it.  The case engine, the rollups' log and the people pillar's checks keep
-- their queries planned for the session, and those plans
-- name the tables and the gridcode type of the extension they were made
-- for: they are prepared again for the new one, whether its schema gridgov
-- was made anew (a new schema) or was there before and kept (the same
-- schema, new types).  Before, the first report after the new CREATE
-- EXTENSION failed with "cache lookup failed for type".  In a transaction,
-- undone.
BEGIN;
SELECT plan(16);

-- a reader of the community, not the owner: what it sees goes through the
-- jurisdiction grants' kept plan
CREATE ROLE gridgov_test_recreate_viewer IN ROLE gridgov_reader;
SET LOCAL client_min_messages = warning;

-- a district's units down to a community, its service points, a category
-- and its rule; one report, accepted; what the log noted; a community's
-- party committee registered through the people pillar's checks
\set setup 'INSERT INTO gridgov.unit (code, name) VALUES (''44'', ''广东省''), (''4403'', ''深圳市''), (''440311'', ''光明区''), (''440311006'', ''马田街道''), (''440311006004'', ''马山头社区''); INSERT INTO gridgov.service_point (id, name, unit) VALUES (1, ''区中心'', ''440311''), (2, ''街道中心'', ''440311006''), (3, ''社区中心'', ''440311006004''); INSERT INTO gridgov.category (code, name) VALUES (''noise'', ''噪音扰民''); INSERT INTO gridgov.category_rule (category, severity, handling_level, limit_unit, accept_limit, dispatch_limit, resolve_limit, verify_limit) VALUES (''noise'', 1, 5, ''working_day'', 1, 1, 3, 1);'
\set report 'INSERT INTO gridgov.cases (category, channel, unit, reported_at) VALUES (''noise'', ''hotline'', ''440311006004'', ''2026-11-02 09:00+08'');'
\set organize 'INSERT INTO gridgov.organization (kind, name, anchor, valid) VALUES (''community_committee'', ''马山头社区党委'', ''440311006004'', ''[2026-01-01,)'')'
\set viewed 'SET LOCAL ROLE gridgov_test_recreate_viewer; SELECT is((SELECT count(*)::int FROM gridgov.cases), 1, :''what''); RESET ROLE;'
\set moved 'SELECT (SELECT status FROM gridgov.accept(c.id, at => ''2026-11-02 09:10+08'')) || '' '' || c.service_point FROM gridgov.cases c'

:setup
:report
SELECT is((:moved), 'accepted 3', 'a report routed to its community and accepted, in the extension as installed');
SELECT lives_ok(:'organize', 'a community committee registered, its checks passed, in the extension as installed');
INSERT INTO gridgov.jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_recreate_viewer', '440311006004', 'viewer');
\set what 'the community''s viewer, not the owner, reads its case, in the extension as installed'
:viewed

DROP EXTENSION gridgov CASCADE;
CREATE EXTENSION gridgov;
:setup
:report
SELECT is((:moved), 'accepted 3', 'the same session, the extension dropped and created again (a new schema gridgov): reported and accepted');
SELECT lives_ok(:'organize', 'a community committee registered, its checks passed, after it was created again in a new schema gridgov');
INSERT INTO gridgov.jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_recreate_viewer', '440311006004', 'viewer');
\set what 'the community''s viewer, not the owner, reads its case, after it was created again in a new schema gridgov'
:viewed
SELECT is((SELECT count(*)::int FROM gridgov.rollup_change), 2, 'the report and the move noted in the new rollups'' log');
SELECT is((SELECT count(*)::int FROM gridgov.case_history), 2, 'and in the new history');

-- a schema gridgov made beforehand is kept by DROP EXTENSION: the same
-- schema, with new tables and types in it
DROP EXTENSION gridgov CASCADE;
CREATE SCHEMA gridgov;
CREATE EXTENSION gridgov;
:setup
:report
SELECT is((:moved), 'accepted 3', 'created again in a schema gridgov made beforehand: reported and accepted');
SELECT lives_ok(:'organize', 'a community committee registered, its checks passed, after it was created again in a schema gridgov made beforehand');
INSERT INTO gridgov.jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_recreate_viewer', '440311006004', 'viewer');
\set what 'the community''s viewer, not the owner, reads its case, after it was created again in a schema gridgov made beforehand'
:viewed
DROP EXTENSION gridgov CASCADE;
SELECT is((SELECT count(*)::int FROM pg_namespace WHERE nspname = 'gridgov'), 1, 'DROP EXTENSION keeps that schema');
CREATE EXTENSION gridgov;
:setup
:report
SELECT is((:moved), 'accepted 3', 'and created again in it, the same schema with new types: reported and accepted');
SELECT lives_ok(:'organize', 'a community committee registered, its checks passed, after it was created again in that schema, kept');
INSERT INTO gridgov.jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_recreate_viewer', '440311006004', 'viewer');
\set what 'the community''s viewer, not the owner, reads its case, after it was created again in that schema, kept'
:viewed
SELECT is((SELECT count(*)::int FROM gridgov.rollup_change), 2, 'the report and the move noted in the log there');

SELECT * FROM finish();
ROLLBACK;
