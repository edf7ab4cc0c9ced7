-- Every view of the extension is meant for BI tools unless it is listed
-- here as an administrator's view: its columns reach JDBC, SQLAlchemy and
-- psycopg as types they know (text, numeric, integer, bigint, timestamptz,
-- date, boolean, json, jsonb, PostGIS geometry), and a column naming a rate
-- or a share is numeric.  The views are read from the catalog, so a view
-- added later is checked without a change here (issue 18, item 4).
BEGIN;
SET search_path = gridgov, public;
SELECT plan(7);

-- The administrators' views, with why they are not for BI tools.
CREATE TEMP TABLE not_for_bi (view name, why text);
INSERT INTO not_for_bi VALUES
    ('job_status', 'the background worker''s jobs for the DBA: regproc and interval columns'),
    ('jurisdiction_holders', 'who holds which grant: regrole and tstzrange columns, for administrators'),
    ('case_reporters', 'reporters'' contacts, masked, for the staff who call them back'),
    ('unit_versions', 'every version of every unit, as routing by reported_at reads them: gridcode columns');

CREATE TEMP TABLE bi_view AS
SELECT c.oid, c.relname
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')
   AND c.relkind IN ('v', 'm')
   AND c.relname NOT IN (SELECT view FROM not_for_bi);

CREATE TEMP TABLE plain_type AS
SELECT t::regtype AS type
  FROM unnest(ARRAY['text', 'numeric', 'integer', 'bigint', 'timestamptz', 'date', 'boolean', 'json', 'jsonb',
                    'geometry']) t;

SELECT set_eq($$SELECT c.relname FROM pg_class c, pg_depend d
                 WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')
                   AND c.relname IN (SELECT view FROM not_for_bi)$$,
              $$SELECT view FROM not_for_bi$$,
              'the views left out are views of the extension (the list cannot go stale)');
SELECT cmp_ok((SELECT count(*) FROM bi_view)::int, '>=', 16, 'the BI views are found in the catalog');
SELECT is_empty($$SELECT v.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                    FROM bi_view v JOIN pg_attribute a ON a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped
                   WHERE a.atttypid NOT IN (SELECT type FROM plain_type)
                   ORDER BY 1$$,
                'every column of every BI view has a plain type');
SELECT is_empty($$SELECT v.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                    FROM bi_view v JOIN pg_attribute a ON a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped
                   WHERE a.attname ~ '(rate|share|_pct)$' AND a.atttypid <> 'numeric'::regtype$$,
                'every rate and share of a BI view is numeric');
SELECT is_empty($$SELECT p.oid::regprocedure || ' ' || n || ' ' || t::regtype
                    FROM pg_proc p, unnest(p.proallargtypes, p.proargmodes, p.proargnames) AS a(t, m, n)
                   WHERE p.oid IN ('kpi_by_unit(date, date)'::regprocedure,
                                   'service_point_ranking(date, timestamptz, integer)'::regprocedure)
                     AND m = 't' AND t NOT IN (SELECT type FROM plain_type)$$,
                'every column of the BI table functions has a plain type');
SELECT is(ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                 WHERE a.attrelid = 'case_clock'::regclass AND a.attname IN ('district', 'unit') ORDER BY a.attnum),
          '{text,text}', 'case_clock''s view gives the codes as text');
SELECT is(ARRAY(SELECT t::regtype::text FROM pg_proc p, unnest(p.proallargtypes, p.proargnames) AS a(t, n)
                 WHERE p.oid = 'case_clock(timestamptz)'::regprocedure AND n IN ('district', 'unit')),
          '{gridcode,gridcode}', 'the function case_clock(as_of) keeps them gridcode for SQL');
SELECT * FROM finish();
ROLLBACK;
