-- gridcell in the catalogs: the type, its functions' labels and comments,
-- operators, operator classes, casts and the setting.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(32);

-- the type: 8 bytes, by value, double-aligned, plain
SELECT has_type('gridgov', 'gridcell', 'type gridcell exists');
SELECT results_eq($$SELECT typlen::int, typbyval, typalign::text COLLATE "C", typstorage::text COLLATE "C"
                      FROM pg_type WHERE oid = 'gridgov.gridcell'::regtype$$,
                  $$VALUES (8, true, 'd' COLLATE "C", 'p' COLLATE "C")$$,
                  'gridcell is 8 bytes, passed by value, double-aligned, plain');

-- every function of the pillar: labelled, commented, safe from search_path
CREATE TEMP TABLE gridcell_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.provolatile, p.proisstrict,
       p.proparallel, p.prokind, p.prolang, p.prosqlbody IS NOT NULL AS has_sql_body
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'gridgov'
 WHERE (p.oid::regprocedure::text ~ 'gridcell'
        OR pg_get_function_result(p.oid) ~ 'gridcell'
        OR p.proname = 'cover')
   -- the risk map's per-cell functions belong to the risk pillar
   AND p.proname !~ '^risk_';
SELECT cmp_ok((SELECT count(*) FROM gridcell_functions)::int, '>=', 38,
              'the gridcell functions are found');
SELECT is_empty($$SELECT signature FROM gridcell_functions
                   WHERE obj_description(oid, 'pg_proc') IS NULL$$,
                'every gridcell function and aggregate has a comment');
SELECT is_empty($$SELECT signature FROM gridcell_functions WHERE proparallel <> 's'$$,
                'every gridcell function is PARALLEL SAFE');
SELECT is_empty($$SELECT signature FROM gridcell_functions WHERE prokind = 'f' AND NOT proisstrict$$,
                'every gridcell function is STRICT');
SELECT set_eq($$SELECT oid FROM gridcell_functions WHERE provolatile = 's'$$,
              $$VALUES ('gridgov.children(gridgov.gridcell)'::regprocedure::oid),
                       ('gridgov.children(gridgov.gridcell, integer)'::regprocedure),
                       ('gridgov.k_ring(gridgov.gridcell, integer)'::regprocedure),
                       ('gridgov.cover(geometry, integer)'::regprocedure)$$,
              'the set-returning functions, which read gridgov.max_cover_cells, are STABLE');
SELECT is_empty($$SELECT signature FROM gridcell_functions
                   WHERE provolatile NOT IN ('i', 's')$$,
                'no gridcell function is VOLATILE; all others are IMMUTABLE');
SELECT is_empty($$SELECT signature FROM gridcell_functions f JOIN pg_language l ON l.oid = f.prolang
                   WHERE l.lanname = 'sql' AND NOT f.has_sql_body$$,
                'SQL functions have SQL-standard bodies, bound at creation');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'gridgov'::regnamespace
                     AND p.oid::regprocedure::text ~ 'gridcell' AND p.prosecdef$$,
                'no gridcell function is SECURITY DEFINER');

-- center() and boundary() are inlined into the caller's query
SELECT ok(EXISTS (SELECT FROM pg_proc WHERE oid = 'gridgov.center(gridgov.gridcell)'::regprocedure
                   AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')),
          'center() is a SQL function');

-- operators
SELECT has_operator('gridcell', 'gridgov', '=', 'gridcell', 'boolean', '= exists');
SELECT has_operator('gridcell', 'gridgov', '<>', 'gridcell', 'boolean', '<> exists');
SELECT has_operator('gridcell', 'gridgov', '<', 'gridcell', 'boolean', '< exists');
SELECT has_operator('gridcell', 'gridgov', '@>', 'gridcell', 'boolean', '@> exists');
SELECT has_operator('gridcell', 'gridgov', '<@', 'gridcell', 'boolean', '<@ exists');
SELECT results_eq($$SELECT oprcanhash, oprcanmerge FROM pg_operator
                     WHERE oprname = '=' AND oprleft = 'gridgov.gridcell'::regtype$$,
                  $$VALUES (true, true)$$, '= supports hash and merge joins');
SELECT is((SELECT c.oprname::text FROM pg_operator o JOIN pg_operator c ON c.oid = o.oprcom
             WHERE o.oprname = '@>' AND o.oprleft = 'gridgov.gridcell'::regtype),
          '<@', '@> and <@ are commutators');
SELECT is((SELECT array_agg(p.prosupport ORDER BY o.oprname)
             FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
            WHERE o.oprname IN ('@>', '<@') AND o.oprleft = 'gridgov.gridcell'::regtype),
          ARRAY['gridgov.subtree_contained_support'::regproc, 'gridgov.subtree_contains_support'::regproc],
          '<@ and @> carry the planner support that makes them index ranges');
SELECT is((SELECT prorettype FROM pg_proc
            WHERE oid = 'gridgov.subtree_last(gridgov.gridcell)'::regprocedure),
          'gridgov.gridcell'::regtype::oid,
          'subtree_last(gridcell), in the operators'' schema, returns a gridcell');

-- operator classes: btree with sort support and equal-image, hash with extended hash
SELECT ok((SELECT opcdefault FROM pg_opclass
            WHERE opcname = 'gridcell_ops' AND opcnamespace = 'gridgov'::regnamespace
              AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')),
          'gridcell_ops is the default btree class');
SELECT is((SELECT array_agg(amproc::regproc ORDER BY amprocnum) FROM pg_amproc
             WHERE amprocfamily = (SELECT opcfamily FROM pg_opclass WHERE opcname = 'gridcell_ops')),
          ARRAY['gridgov.gridcell_cmp'::regproc, 'gridgov.gridcell_sortsupport'::regproc,
                'pg_catalog.btequalimage'::regproc],
          'btree support: comparison, sort support, equal image (deduplication)');
SELECT ok((SELECT opcdefault FROM pg_opclass
            WHERE opcname = 'gridcell_hash_ops' AND opcnamespace = 'gridgov'::regnamespace
              AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hash')),
          'gridcell_hash_ops is the default hash class');
SELECT results_eq($$SELECT amprocnum::int FROM pg_amproc
                     WHERE amprocfamily = (SELECT opcfamily FROM pg_opclass WHERE opcname = 'gridcell_hash_ops')
                     ORDER BY 1$$,
                  $$VALUES (1), (2)$$, 'hash support: 32-bit and extended 64-bit hash');
SELECT is(gridcell_hash('N50J47539'), hashint8('N50J47539'::gridcell::bigint),
          'hashes agree with bigint''s, as the int8 functions are reused');

-- casts
SELECT results_eq($$SELECT castcontext::text || castmethod::text FROM pg_cast
                     WHERE castsource = 'bigint'::regtype AND casttarget = 'gridgov.gridcell'::regtype$$,
                  $$VALUES ('ef')$$, 'bigint -> gridcell is explicit, through a checking function');
SELECT results_eq($$SELECT castcontext::text || castmethod::text FROM pg_cast
                     WHERE castsource = 'gridgov.gridcell'::regtype AND casttarget = 'bigint'::regtype$$,
                  $$VALUES ('eb')$$, 'gridcell -> bigint is explicit and free');
SELECT results_eq($$SELECT castcontext::text || castmethod::text FROM pg_cast
                     WHERE castsource = 'gridgov.gridcell'::regtype AND casttarget = 'text'::regtype$$,
                  $$VALUES ('ai')$$, 'gridcell -> text is an assignment cast through the code');
SELECT results_eq($$SELECT castcontext::text || castmethod::text FROM pg_cast
                     WHERE castsource = 'text'::regtype AND casttarget = 'gridgov.gridcell'::regtype$$,
                  $$VALUES ('ei')$$, 'text -> gridcell is explicit, through the code');

-- the setting bounding set-returning functions
SELECT lives_ok($$SELECT count(*) FROM gridgov.children('N50J'::gridgov.gridcell)$$,
                'a set-returning call defines the setting if the module has not yet');
SELECT is(current_setting('gridgov.max_cover_cells'), '1000000', 'gridgov.max_cover_cells defaults to 1000000');
SELECT is((SELECT ARRAY[vartype, context, min_val, max_val] FROM pg_settings
            WHERE name = 'gridgov.max_cover_cells'),
          ARRAY['integer', 'user', '1', '2147483647'],
          'any user may set it, from 1 up');

SELECT * FROM finish();
ROLLBACK;
