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
\set moved 'SELECT (SELECT status FROM gridgov.accept(c.id, at => ''2026-11-02 09:10+08'')) || '' '' || c.service_point FROM gridgov.cases c'

\set where 'in the extension as installed'
\ir extension_recreate_phase.psql

DROP EXTENSION gridgov CASCADE;
CREATE EXTENSION gridgov;
\set where 'the extension dropped and created again in the same session, in a new schema gridgov'
\ir extension_recreate_phase.psql
SELECT is((SELECT count(*)::int FROM gridgov.rollup_change), 2, 'the report and the move noted in the new rollups'' log');
SELECT is((SELECT count(*)::int FROM gridgov.case_history), 2, 'and in the new history');

-- a schema gridgov made beforehand is kept by DROP EXTENSION: the same
-- schema, with new tables and types in it
DROP EXTENSION gridgov CASCADE;
CREATE SCHEMA gridgov;
CREATE EXTENSION gridgov;
\set where 'created again in a schema gridgov made beforehand'
\ir extension_recreate_phase.psql
DROP EXTENSION gridgov CASCADE;
SELECT is((SELECT count(*)::int FROM pg_namespace WHERE nspname = 'gridgov'), 1, 'DROP EXTENSION keeps that schema');
CREATE EXTENSION gridgov;
\set where 'created again in that schema, kept (the same schema, new types)'
\ir extension_recreate_phase.psql
SELECT is((SELECT count(*)::int FROM gridgov.rollup_change), 2, 'the report and the move noted in the log there');

SELECT * FROM finish();
ROLLBACK;
