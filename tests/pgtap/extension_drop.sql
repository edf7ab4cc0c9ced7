-- The layout of 0.8.0 (issue 18, item 7): the install script makes the
-- schema gridgov itself, so the schema is a member, and the extension is
-- registered in pg_catalog (gridgov.control, as pg_cron does); nothing of
-- gridgov's is in pg_catalog or public.  DROP EXTENSION then leaves
-- nothing of gridgov, the schema included, and CREATE EXTENSION gridgov
-- CASCADE works again, with PostGIS and btree_gist where they always went.
-- A schema gridgov made beforehand stops CREATE EXTENSION.  In a
-- transaction, undone.
BEGIN;
SELECT plan(12);

CREATE TEMP TABLE member AS
SELECT d.classid, d.objid, d.objsubid, o.type, o.schema, o.identity
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass,
       LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o
 WHERE e.extname = 'gridgov' AND d.deptype = 'e';

SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'gridgov'), 'pg_catalog',
          'the extension is registered in pg_catalog');
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
          '{"btree_gist public","gridgov pg_catalog","postgis public"}',
          'CREATE EXTENSION gridgov CASCADE again: PostGIS and btree_gist in public, gridgov in pg_catalog');
SELECT is(gridgov.child('440311', 6)::text, '440311006', 'and gridgov works');

DROP EXTENSION gridgov;
CREATE SCHEMA gridgov;
SELECT throws_ok('CREATE EXTENSION gridgov', '42P06', 'schema "gridgov" already exists',
                 'a schema gridgov already there stops CREATE EXTENSION');
SELECT * FROM finish();
ROLLBACK;
