-- The people pillar's catalog: what pg_dump keeps, the constraints that
-- hold without the triggers, labels that let the planner inline the checks,
-- views that read as the caller, and btree_gist as a requirement.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(14);

SELECT ok((SELECT extconfig FROM pg_extension WHERE extname = 'gridgov')
          @> ARRAY['gridgov.organization_kind'::regclass, 'gridgov.role'::regclass, 'gridgov.organization'::regclass,
                   'gridgov.organization_unit'::regclass, 'gridgov.person'::regclass,
                   'gridgov.person_contact'::regclass, 'gridgov.post'::regclass,
                   pg_get_serial_sequence('gridgov.organization', 'id')::regclass,
                   pg_get_serial_sequence('gridgov.person', 'id')::regclass,
                   pg_get_serial_sequence('gridgov.post', 'id')::regclass]::oid[],
          'every people table and identity counter is dumped by pg_dump');
SELECT is((SELECT c FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(t, c)
            WHERE e.extname = 'gridgov' AND t = 'gridgov.role'::regclass)
          LIKE 'WHERE code OPERATOR(pg_catalog.<>) ALL (''{building_head,%'::text, true,
          'of the roles, only those a user adds');
SELECT is((SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(t, c)
            WHERE e.extname = 'gridgov' AND t = 'gridgov.organization_kind'::regclass
              AND c LIKE '%community_committee%' AND c LIKE '%hongxiaoer_team%'), 1,
          'and of the kinds');
SELECT is((SELECT count(*)::int FROM organization_kind), 17, 'seventeen kinds come with the extension');
SELECT is((SELECT count(*)::int FROM role WHERE class = 'party_member'), 5, 'and the five kinds of party member (五员)');

SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
            WHERE contype = 'x' AND connamespace = 'gridgov'::regnamespace AND conname LIKE ANY ('{post%,organization%}')),
          '{organization_unit_no_overlap,post_no_overlap}', 'two exclusion constraints');
SELECT is((SELECT string_agg(amname, ',') FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid JOIN pg_am a ON a.oid = i.relam
            WHERE c.conname IN ('organization_unit_no_overlap', 'post_no_overlap')), 'gist,gist', 'both on GiST');
SELECT ok((SELECT 'btree_gist' = ANY (requires) FROM pg_available_extension_versions
            WHERE name = 'gridgov' AND version = (SELECT default_version FROM pg_available_extensions WHERE name = 'gridgov')),
          'gridgov requires btree_gist');
SELECT ok(EXISTS (SELECT FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'btree_gist'
                   WHERE d.objid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov') AND d.deptype = 'n'),
          'and depends on it, so btree_gist cannot be dropped under it');

-- the checks are inlined into the calling query: SQL bodies, not STRICT,
-- STABLE, no settings, PARALLEL SAFE
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                   WHERE p.pronamespace = 'gridgov'::regnamespace
                     AND p.proname IN ('placements', 'party_members_outside_grids',
                                       'grids_without_branch', 'buildings_without_team', 'teams_breaking_rule',
                                       'secretaries_without_reserves', 'coverage_summary', 'units_not_covered')
                     AND NOT (p.prosqlbody IS NOT NULL AND NOT p.proisstrict AND p.provolatile = 's'
                              AND p.proconfig IS NULL AND p.proparallel = 's' AND p.proretset)$$,
                'the coverage functions can be inlined');
-- the two that read the kept coverage keep one generic plan per session
SELECT set_eq($$SELECT p.proname::text FROM pg_proc p
                 WHERE p.pronamespace = 'gridgov'::regnamespace
                   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
                   AND p.proconfig @> '{plan_cache_mode=force_generic_plan}'
                   AND NOT p.proisstrict AND p.provolatile = 's' AND p.proparallel = 's' AND p.proretset$$,
              ARRAY['grids_without_party_members', 'people_by_unit'],
              'grids_without_party_members and people_by_unit are PL/pgSQL with a generic plan');
SELECT ok(NOT EXISTS (SELECT FROM pg_proc WHERE proname = 'placements' AND pronamespace = 'gridgov'::regnamespace
                         AND pg_get_functiondef(oid) LIKE '%person_contact%')
          AND NOT EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = 'gridgov'::regnamespace
                             AND p.prosqlbody IS NOT NULL AND pg_get_functiondef(p.oid) LIKE '%person_contact%'),
          'no function reads person_contact');
SELECT is((SELECT count(*)::int FROM pg_class
            WHERE relnamespace = 'gridgov'::regnamespace AND relkind = 'v'
              AND relname IN ('grids_without_party_members', 'party_members_outside_grids', 'grids_without_branch',
                              'buildings_without_team', 'teams_breaking_rule', 'secretaries_without_reserves',
                              'coverage_summary')
              AND reloptions @> '{security_invoker=true}'), 7,
          'the seven views for today read as the caller (security_invoker)');
SELECT ok((SELECT bool_and(has_function_privilege('public', p.oid, 'EXECUTE')) FROM pg_proc p
            WHERE p.pronamespace = 'gridgov'::regnamespace AND p.proname IN ('coverage_summary', 'lineage')),
          'anyone may call the checks; what they may read decides what they see');

SELECT * FROM finish();
ROLLBACK;
