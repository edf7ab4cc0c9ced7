-- The layout of 0.8.0 (issue 18, item 7): the install script makes the
-- schema gridgov itself, so the schema is a member, and the extension is
-- registered in the creation schema, public (gridgov.control names no
-- schema); nothing of gridgov's is in pg_catalog or public.  DROP EXTENSION
-- then leaves nothing of gridgov, the schema included, and CREATE EXTENSION
-- gridgov CASCADE works again, with PostGIS and btree_gist where they always
-- went.  A schema gridgov made beforehand is used as it is, not a member
-- (how an old layout's dump restores), if a superuser owns it; CREATE
-- EXTENSION gridgov SCHEMA x registers it in x, with everything still in
-- gridgov.  In a transaction, undone.
BEGIN;
SELECT plan(19);

CREATE TEMP TABLE member AS
SELECT d.classid, d.objid, d.objsubid, o.type, o.schema, o.identity
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass,
       LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o
 WHERE e.extname = 'gridgov' AND d.deptype = 'e';

SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'gridgov'), 'public',
          'the extension is registered in the creation schema, public');
SELECT is((SELECT count(*)::int FROM member WHERE classid = 'pg_namespace'::regclass AND identity = 'gridgov'), 1,
          'the schema gridgov is a member of the extension');
SELECT ok((SELECT count(*) > 400 FROM member WHERE schema = 'gridgov'), 'the members in gridgov are its hundreds of objects');
SELECT is((SELECT array_agg(type || ' ' || identity ORDER BY identity) FROM member WHERE schema <> 'gridgov'), NULL,
          'no member is in another schema (pg_catalog, public)');
SELECT is((SELECT array_agg(DISTINCT type) FROM member WHERE schema IS NULL), '{cast,schema}',
          'the members in no schema are the schema and the casts');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace IN ('pg_catalog'::regnamespace, 'public'::regnamespace) AND probin = '$libdir/gridgov'), 0,
          'no function of the module in pg_catalog or public');

DROP EXTENSION gridgov CASCADE;
SELECT is((SELECT count(*)::int FROM pg_namespace WHERE nspname = 'gridgov'), 0,
          'DROP EXTENSION drops the schema gridgov');
SELECT is((SELECT array_agg(m.type || ' ' || m.identity)
             FROM member m, LATERAL pg_identify_object(m.classid, m.objid, m.objsubid) o WHERE o.identity IS NOT NULL),
          NULL, 'and every other member');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE probin = '$libdir/gridgov'), 0,
          'no function of the module is left anywhere');

-- CASCADE installs the required extensions as before: in the first schema
-- of the search_path, public
SET LOCAL client_min_messages = warning;
DROP EXTENSION btree_gist;
DROP EXTENSION postgis;
CREATE EXTENSION gridgov CASCADE;
SELECT is((SELECT array_agg(extname || ' ' || extnamespace::regnamespace ORDER BY extname) FROM pg_extension
            WHERE extname IN ('postgis', 'btree_gist', 'gridgov')),
          '{"btree_gist public","gridgov public","postgis public"}',
          'CREATE EXTENSION gridgov CASCADE again: PostGIS, btree_gist and gridgov registered in public');
SELECT is(gridgov.child('440311', 6)::text, '440311006', 'and gridgov works');

-- a schema gridgov already there, a superuser's (the test runs as one):
-- used, not a member, so DROP EXTENSION leaves it, empty
DROP EXTENSION gridgov;
CREATE SCHEMA gridgov;
SELECT lives_ok('CREATE EXTENSION gridgov', 'a schema gridgov already there, a superuser''s, is used');
SELECT is((SELECT count(*)::int FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE e.extname = 'gridgov' AND d.classid = 'pg_namespace'::regclass AND d.deptype = 'e'), 0,
          'it is not a member of the extension');
SELECT is(gridgov.child('440311', 6)::text, '440311006', 'and gridgov works in it');
DROP EXTENSION gridgov;
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'gridgov'::regnamespace)
          + (SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'gridgov'::regnamespace)
          + (SELECT count(*)::int FROM pg_type WHERE typnamespace = 'gridgov'::regnamespace), 0,
          'DROP EXTENSION leaves it, empty');

-- one that is not a superuser's is refused: its owner could replace
-- gridgov's functions
CREATE ROLE gridgov_drop_test_owner;
ALTER SCHEMA gridgov OWNER TO gridgov_drop_test_owner;
SELECT throws_ok('CREATE EXTENSION gridgov', '42501',
                 'schema "gridgov" is owned by "gridgov_drop_test_owner", who is not a superuser',
                 'a schema gridgov owned by a role that is not a superuser is refused');
DROP SCHEMA gridgov;

-- CREATE EXTENSION gridgov SCHEMA x: registered in x, its objects in
-- gridgov all the same, the schema gridgov a member; x cannot be dropped
-- without CASCADE (which would drop gridgov) while gridgov is there
CREATE SCHEMA gridgov_drop_test_x;
CREATE EXTENSION gridgov SCHEMA gridgov_drop_test_x;
SELECT is((SELECT extnamespace::regnamespace::text || ' '
                  || (SELECT count(*) FROM pg_depend d WHERE d.refobjid = e.oid AND d.deptype = 'e'
                         AND d.classid = 'pg_namespace'::regclass AND d.objid = 'gridgov'::regnamespace)
                  || ' ' || (SELECT count(*) FROM pg_class WHERE relnamespace = 'gridgov_drop_test_x'::regnamespace)
                  || ' ' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'gridgov_drop_test_x'::regnamespace)
             FROM pg_extension e WHERE e.extname = 'gridgov'),
          'gridgov_drop_test_x 1 0 0', 'SCHEMA x: registered in x, nothing in x, the schema gridgov a member');
SELECT throws_ok('DROP SCHEMA gridgov_drop_test_x', '2BP01', NULL, 'x cannot be dropped while gridgov is registered in it');
SELECT is(gridgov.child('440311', 6)::text, '440311006', 'and gridgov works');
SELECT * FROM finish();
ROLLBACK;
