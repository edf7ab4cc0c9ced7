-- What DROP EXTENSION leaves (issue 18, item 7): the schema gridgov, which
-- CREATE EXTENSION made from the control file's "schema = gridgov" outside
-- the extension; PostgreSQL refuses to make it a member, so the user drops
-- it (docs/operations.md, "Removing gridgov").  In a transaction, undone.
BEGIN;
SELECT plan(5);
SELECT is((SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'gridgov'), 'gridgov', 'the extension lives in schema gridgov');
SELECT is((SELECT count(*)::int FROM pg_depend
            WHERE classid = 'pg_namespace'::regclass AND objid = 'gridgov'::regnamespace
              AND refclassid = 'pg_extension'::regclass AND deptype = 'e'), 0,
          'the schema is not a member of the extension');
SELECT throws_ok('ALTER EXTENSION gridgov ADD SCHEMA gridgov', '55000',
                 'cannot add schema "gridgov" to extension "gridgov" because the schema contains the extension',
                 'and PostgreSQL refuses to make it one');
DROP EXTENSION gridgov CASCADE;
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'gridgov'::regnamespace)
          + (SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'gridgov'::regnamespace)
          + (SELECT count(*)::int FROM pg_type WHERE typnamespace = 'gridgov'::regnamespace), 0,
          'DROP EXTENSION leaves the schema gridgov empty');
DROP SCHEMA gridgov;
SELECT is((SELECT count(*)::int FROM pg_namespace WHERE nspname = 'gridgov'), 0,
          'DROP SCHEMA gridgov, as docs/operations.md says, removes it');
SELECT * FROM finish();
ROLLBACK;
