-- A case's references (its unit, category and service point) and its
-- history's reference to the case are foreign keys, declared and enforced.
-- On intake the engine holds each referenced row itself, once per
-- transaction, where PostgreSQL's insert check would query it once per row
-- (src/case_references.c); so it must refuse every dangling reference the
-- check refused, whatever wrote it, and the history must take rows from the
-- engine only.  The locks themselves, seen from a second session, are
-- tested by tests/shell/case_references.sh.
BEGIN;
\ir case_fixture.psql
SELECT plan(20);

SELECT results_eq($$SELECT conrelid::regclass::text, conname::text COLLATE "default", pg_get_constraintdef(oid) FROM pg_constraint
                     WHERE conrelid IN ('cases'::regclass, 'case_history'::regclass) AND contype = 'f' ORDER BY 1, 2$$,
                  $$VALUES ('case_history', 'case_history_district_case_id_fkey',
                            'FOREIGN KEY (district, case_id) REFERENCES cases(district, id)'),
                           ('cases', 'cases_actor_person_fkey', 'FOREIGN KEY (actor_person) REFERENCES person(id)'),
                           ('cases', 'cases_category_fkey', 'FOREIGN KEY (category) REFERENCES category(code)'),
                           ('cases', 'cases_handler_fkey', 'FOREIGN KEY (handler) REFERENCES person(id)'),
                           ('cases', 'cases_reporter_person_fkey', 'FOREIGN KEY (reporter_person) REFERENCES person(id)'),
                           ('cases', 'cases_service_point_fkey', 'FOREIGN KEY (service_point) REFERENCES service_point(id)'),
                           ('cases', 'cases_unit_fkey', 'FOREIGN KEY (unit) REFERENCES unit(code)')$$,
                  'the seven foreign keys are declared, for every tool that reads them');
SELECT results_eq($$SELECT t.tgfoid::regproc::text, t.tgenabled::text, count(*)::int
                      FROM pg_trigger t JOIN pg_constraint c ON c.oid = t.tgconstraint
                     WHERE c.conrelid IN ('cases'::regclass, 'case_history'::regclass) AND c.contype = 'f'
                     GROUP BY 1, 2 ORDER BY 1, 2$$,
                  $$VALUES ('"RI_FKey_check_ins"', 'D', 4), ('"RI_FKey_check_ins"', 'O', 3), ('"RI_FKey_check_upd"', 'O', 7),
                           ('"RI_FKey_noaction_del"', 'O', 7), ('"RI_FKey_noaction_upd"', 'O', 7)$$,
                  'only the per-row insert checks of the unit, category, service point and history are off (the people''s stay: most cases have none); updates and the referenced side are PostgreSQL''s');

-- rows as a trigger of the user's, firing after the engine's, leaves them
CREATE FUNCTION pg_temp.point_elsewhere() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.service_point := current_setting('test.service_point')::int;
    NEW.unit := current_setting('test.unit')::gridcode;
    NEW.category := current_setting('test.category');
    RETURN NEW;
END $$;
CREATE TRIGGER zz_point_elsewhere BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION pg_temp.point_elsewhere();
SET test.service_point = '4';
SET test.unit = '440311006003001';
SET test.category = 'noise';
SELECT lives_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                  VALUES (101, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                'a row whose references exist is stored');

SET test.service_point = '999';
SELECT throws_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                   VALUES (102, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                 '23503', 'insert or update on table "cases" violates foreign key constraint "cases_service_point_fkey"',
                 'a service point that does not exist is refused, as PostgreSQL''s check refuses it');
SET test.service_point = '4';
SET test.unit = '440311006003099';
SELECT throws_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                   VALUES (103, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                 '23503', 'insert or update on table "cases" violates foreign key constraint "cases_unit_fkey"',
                 'so is a unit');
SET test.unit = '440311006003001';
SET test.category = 'no_such_category';
SELECT throws_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                   VALUES (104, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                 '23503', 'insert or update on table "cases" violates foreign key constraint "cases_category_fkey"',
                 'and a category');
DO $$ BEGIN PERFORM set_config('test.category', repeat('c', 100), false); END $$;
SELECT throws_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                   VALUES (105, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                 '23503', NULL, 'and a category code too long to be remembered');

-- the memory of held rows follows the referenced tables: a service point
-- held earlier in this transaction, then deleted, is looked up again
SET test.category = 'noise';
INSERT INTO service_point (id, name, unit, department) VALUES (50, '临时服务点', '440311006003', 'urban_management');
SET test.service_point = '50';
SELECT lives_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                  VALUES (106, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                'a new service point is held');
SELECT throws_ok($$DELETE FROM service_point WHERE id = 50$$, '23503', NULL,
                 'and cannot be deleted while a case refers to it');
SAVEPOINT before_gone;
INSERT INTO service_point (id, name, unit, department) VALUES (51, '又一服务点', '440311006004', 'urban_management');
SET test.service_point = '51';
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (107, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08');
ROLLBACK TO SAVEPOINT before_gone;
SET test.service_point = '51';
SELECT throws_ok($$INSERT INTO cases (id, category, channel, location, reported_at)
                   VALUES (108, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08')$$,
                 '23503', NULL, 'a row held in a rolled-back savepoint is looked up again: it is gone with it');
DROP TRIGGER zz_point_elsewhere ON cases;

-- the check does not depend on what the inserting role may do with the
-- referenced tables: a FOR KEY SHARE lock needs UPDATE rights it lacks
CREATE ROLE gridgov_test_reporter;
GRANT USAGE ON SCHEMA gridgov TO gridgov_test_reporter;
GRANT SELECT ON ALL TABLES IN SCHEMA gridgov TO gridgov_test_reporter;
GRANT INSERT ON cases, case_history TO gridgov_test_reporter;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA gridgov TO gridgov_test_reporter;
-- a hotline reporter reports anywhere in the district (docs/access.md)
INSERT INTO jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_reporter', '440311', 'handler');
SET LOCAL ROLE gridgov_test_reporter;
SELECT throws_ok($$SELECT 1 FROM unit WHERE code = '440311006003001' FOR KEY SHARE$$, '42501', NULL,
                 'the reporting role cannot lock a unit itself');
SELECT lives_ok($$INSERT INTO cases (id, category, channel, location)
                  VALUES (109, 'neighbour_dispute', 'resident_app', ST_SetSRID(ST_MakePoint(113.96, 22.75), 4326))$$,
                'but its cases are stored: the engine holds their references as the tables'' owner');
-- the history takes rows from the engine only
SELECT throws_ok($$INSERT INTO case_history (district, case_id, seq, at, actor, action, to_status, hash)
                   SELECT district, case_id, seq + 1, at, actor, action, to_status, hash FROM case_history WHERE case_id = 109$$, 'GG005',
                 'the case history is written by the case engine only', 'nobody else inserts into the history');
RESET ROLE;
SELECT throws_ok($$INSERT INTO case_history (district, case_id, seq, at, actor, action, to_status, hash)
                   SELECT district, case_id, seq + 1, at, actor, action, to_status, hash FROM case_history WHERE case_id = 109$$, 'GG005',
                 'the case history is written by the case engine only', 'not even its owner');

-- a statement's history is one INSERT over its new rows, also when they
-- spill from memory to disk
SET LOCAL work_mem = '64kB';
INSERT INTO cases (id, category, channel, location, reported_at, description)
SELECT 10000 + g, 'noise', 'sensor', (SELECT point FROM spot WHERE name = 'guangming'), '2026-11-16 09:00+08'::timestamptz + g * interval '1 minute',
       repeat('分贝超标', 50)
  FROM generate_series(1, 2000) g;
RESET work_mem;
SELECT results_eq($$SELECT count(*)::int, count(h.case_id)::int, count(*) FILTER (WHERE h.hash = c.history_hash AND h.seq = 1
                                                                          AND h.action = 'report' AND h.to_status = 'reported')::int
                      FROM cases c LEFT JOIN case_history h ON h.case_id = c.id AND h.district = c.district
                     WHERE c.channel = 'sensor'$$,
                  $$VALUES (2000, 2000, 2000)$$,
                  '2,000 cases in one statement: one first history row each, its hash the case''s');
SELECT is((SELECT count(*) FROM verify_history() v JOIN cases c ON c.id = v.case_id WHERE c.channel = 'sensor')::int, 0,
          'and every chain verifies');
-- the PostgreSQL checks on update are still there
SELECT throws_ok($$UPDATE cases SET status = 'accepted', service_point = 999 WHERE id = 101$$, '23503',
                 'insert or update on table "cases" violates foreign key constraint "cases_service_point_fkey"',
                 'an update to a service point that does not exist is refused by PostgreSQL''s own check');

-- the intake trigger function, misused
SELECT throws_ok($$SELECT case_after_intake()$$, '39P01', NULL, 'the intake trigger function is not called directly');
CREATE TRIGGER zz_intake_per_row AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_after_intake();
SELECT throws_ok($$INSERT INTO cases (id, category, channel, unit, reported_at)
                   VALUES (110, 'noise', 'patrol', '440311006003001', '2026-11-16 09:00+08')$$,
                 '39P01', 'case_after_intake() must be an AFTER INSERT ... FOR EACH STATEMENT trigger with REFERENCING NEW TABLE AS gridgov_new_cases',
                 'nor run for each row');
DROP TRIGGER zz_intake_per_row ON cases;
DROP TRIGGER gridgov_case_intake_history ON cases;
CREATE TRIGGER gridgov_case_intake_history AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION case_after_intake();
SELECT throws_ok($$INSERT INTO cases (id, category, channel, unit, reported_at)
                   VALUES (111, 'noise', 'patrol', '440311006003001', '2026-11-16 09:00+08')$$,
                 '39P01', 'trigger "gridgov_case_intake_history" must name its new table gridgov_new_cases',
                 'nor with a transition table of another name');

SELECT * FROM finish();
ROLLBACK;
