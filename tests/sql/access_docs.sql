-- The examples of docs/access.md, run for real (tools/check-docs), in one
-- transaction that is rolled back: the roles and grants go with it.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
-- the sequences as they were, to be put back (a rollback does not)
SELECT string_agg(format('SELECT setval(%L, %s, %L);', schemaname || '.' || sequencename,
                         coalesce(last_value, 1), last_value IS NOT NULL), ' ') AS restore_sequences
  FROM pg_sequences WHERE schemaname = 'gridgov' \gset
BEGIN;
\i tests/pgtap/case_fixture.psql
INSERT INTO cases (id, category, channel, location, reporter, reported_at) VALUES
    (201, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '{"name": "陈先生", "phone": "13912345678"}', '2026-11-16 09:00+08'),
    (202, 'noise', 'resident_app', ST_SetSRID(ST_MakePoint(113.96, 22.75), 4326), '{"name": "刘女士"}', '2026-11-16 09:10+08'),
    (203, 'illegal_construction', 'patrol', ST_SetSRID(ST_MakePoint(113.91, 22.76), 4326), '{}', '2026-11-16 09:20+08');
-- readers read every table but the parts of cases and case_history that
-- gridgov_reader withholds; handlers read those too
CREATE ROLE gridgov_docs_readers IN ROLE gridgov_reader;
GRANT USAGE ON SCHEMA gridgov TO gridgov_docs_readers;
GRANT SELECT ON ALL TABLES IN SCHEMA gridgov TO gridgov_docs_readers;
REVOKE SELECT ON cases, case_history FROM gridgov_docs_readers;
GRANT INSERT, UPDATE ON cases TO gridgov_docs_readers;
GRANT INSERT, UPDATE, DELETE ON jurisdiction_grant, category_grant TO gridgov_docs_readers;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA gridgov TO gridgov_docs_readers;
CREATE ROLE gridgov_docs_handlers IN ROLE gridgov_docs_readers, gridgov_handler;
\set ECHO all
-- grants
CREATE ROLE worker_genzhuyuan IN ROLE gridgov_docs_handlers;
CREATE ROLE office_matian IN ROLE gridgov_docs_readers;
CREATE ROLE chengguan_desk IN ROLE gridgov_docs_handlers;
SELECT grantee, unit, function, upper_inf(valid) AS open_ended
  FROM grant_jurisdiction('worker_genzhuyuan', '440311006003', 'handler');
SELECT grantee, unit, function, lower(valid) FROM grant_jurisdiction('office_matian', '440311006', 'viewer', tstzrange('2026-11-01 00:00+08', NULL));
SELECT grantee, category, unit, function FROM grant_category('chengguan_desk', 'illegal_construction', '440311');
SELECT grantee, unit, unit_name, category, function FROM jurisdiction_holders ORDER BY grantee::text;
-- who sees what
SET ROLE worker_genzhuyuan;
SELECT id, unit, category FROM cases ORDER BY id;
SELECT code, name FROM unit ORDER BY code;
SELECT breadcrumb('440311006003001');
SELECT case_id, seq, action FROM case_history ORDER BY case_id, seq;
RESET ROLE;
SET ROLE office_matian;
SELECT id, unit, category FROM cases ORDER BY id;
RESET ROLE;
SET ROLE chengguan_desk;
SELECT id, unit, category FROM cases ORDER BY id;
RESET ROLE;
-- the tests
SET ROLE office_matian;
SELECT jurisdiction_visible('440311006003001'), jurisdiction_holds('440311006003001', 'handler'),
       jurisdiction_covers('440311'), jurisdiction_visible('440311001001001');
RESET ROLE;
SET ROLE worker_genzhuyuan;
SELECT jurisdiction_acts('440311006003001'), jurisdiction_acts('440311006004001');
RESET ROLE;
-- refused writes
SET ROLE office_matian;
UPDATE cases SET description = '已核实' WHERE id = 201;
INSERT INTO cases (category, channel, unit) VALUES ('noise', 'hotline', '440311006003001');
SELECT grant_jurisdiction('office_matian', '440311006', 'handler');
RESET ROLE;
SET ROLE worker_genzhuyuan;
INSERT INTO cases (category, channel, unit) VALUES ('noise', 'hotline', '440311006004001');
SELECT id, status FROM accept(202);
RESET ROLE;
-- personal data
SET ROLE worker_genzhuyuan;
SELECT id, reporter, masked FROM case_reporters ORDER BY id;
RESET ROLE;
SET ROLE office_matian;
SELECT id, reporter, masked FROM case_reporters ORDER BY id;
RESET ROLE;
SELECT mask_personal('13912345678'), mask_personal('陈先生'), mask_personal('{"phone": "13912345678", "age": 41}'::jsonb);
-- which privileges see what
SET ROLE office_matian;
SELECT id, reporter FROM cases;
SELECT count(*) FILTER (WHERE has_column_privilege(attrelid, attnum, 'SELECT')) AS readable,
       string_agg(attname, ', ' ORDER BY attnum) FILTER (WHERE NOT has_column_privilege(attrelid, attnum, 'SELECT')) AS withheld
  FROM pg_attribute
 WHERE attrelid = 'gridgov.cases'::regclass AND attnum > 0 AND NOT attisdropped;
RESET ROLE;
SELECT function FROM grant_jurisdiction('worker_genzhuyuan', '440311006', 'viewer');
SET ROLE worker_genzhuyuan;
SELECT id, reporter, masked FROM case_reporters ORDER BY id;
SELECT id, reporter FROM cases ORDER BY id;
RESET ROLE;
-- retention
UPDATE cases SET status = 'rejected', note = '重复来电', moved_at = '2026-11-20 10:00+08' WHERE id = 202;
SELECT anonymise_personal_data('100 years');
SELECT anonymise_personal_data('1 day');
SELECT id, reporter, last_action, note FROM cases WHERE id = 202;
SELECT count(*) AS problems FROM verify_history();
SELECT anonymise_personal_data('-1 day');
-- revoking
SELECT revoke_jurisdiction('office_matian', '440311006');
SET ROLE office_matian;
SELECT count(*) FROM cases;
RESET ROLE;
SELECT grantee, unit, function, lower(valid), upper(valid) = now() AS ended_now
  FROM jurisdiction_grant WHERE grantee = 'office_matian'::regrole;
SELECT grant_jurisdiction('office_matian', '440311006', 'steward');
-- (not in the docs) jurisdiction_acts is holds(handler) or
-- holds(administrator) for every unit and every function granted: each of
-- four roles granted one function on Matian, plus one with no grant
CREATE ROLE acts_handler IN ROLE gridgov_docs_readers;
CREATE ROLE acts_viewer IN ROLE gridgov_docs_readers;
CREATE ROLE acts_administrator IN ROLE gridgov_docs_readers;
CREATE ROLE acts_auditor IN ROLE gridgov_docs_readers;
CREATE ROLE acts_none IN ROLE gridgov_docs_readers;
SELECT count(*) FROM (SELECT grant_jurisdiction(('acts_' || f)::regrole, '440311006', f)
                        FROM unnest('{handler,viewer,administrator,auditor}'::text[]) f) g;
-- every unit, read as the owner, and each one's next sibling
CREATE TEMP TABLE acts_codes AS
SELECT code FROM unit UNION SELECT (code::text::bigint + 1)::text::gridcode FROM unit WHERE level > 1;
GRANT SELECT ON acts_codes TO gridgov_docs_readers;
CREATE FUNCTION pg_temp.acts_mismatches() RETURNS TABLE (acting bigint, mismatches bigint) LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE gridgov.jurisdiction_acts(a.code)),
           count(*) FILTER (WHERE gridgov.jurisdiction_acts(a.code) IS DISTINCT FROM
                                  (gridgov.jurisdiction_holds(a.code, 'handler')
                                   OR gridgov.jurisdiction_holds(a.code, 'administrator')))
      FROM acts_codes a $$;
SET ROLE acts_handler;
SELECT * FROM pg_temp.acts_mismatches();
SET ROLE acts_viewer;
SELECT * FROM pg_temp.acts_mismatches();
SET ROLE acts_administrator;
SELECT * FROM pg_temp.acts_mismatches();
SET ROLE acts_auditor;
SELECT * FROM pg_temp.acts_mismatches();
SET ROLE acts_none;
SELECT * FROM pg_temp.acts_mismatches();
RESET ROLE;
SELECT count(*) FILTER (WHERE code <@ '440311006') AS under_matian, count(*) AS codes FROM acts_codes;
ROLLBACK;
\set ECHO none
\o /dev/null
:restore_sequences
\o
