-- Who moved a case, and when, comes from the server: the actor is the role
-- in effect (SET ROLE included, a SECURITY DEFINER function's owner not),
-- the time is the clock's (or the transaction's now()).  Only members of
-- gridgov_importer, and superusers, give a time of their own, never in the
-- future nor before the case's last move, or name an actor.
BEGIN;
\ir case_fixture.psql
SELECT plan(45);

SELECT has_role('gridgov_importer', 'the extension creates the role gridgov_importer');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'gridgov_importer'), false, 'which cannot log in');

-- cases reported and accepted earlier, imported by the superuser running
-- the tests, who counts as an importer
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08'
  FROM generate_series(1, 30) g;
SELECT lives_ok($$SELECT accept(g, at => '2026-11-16 09:30+08', actor => '导入') FROM generate_series(10, 14) g$$,
                'a superuser dates moves and names their actor');

-- a handler: a member of the group role that reports and moves cases
CREATE ROLE gridgov_test_handler IN ROLE gridgov_handler;
-- the district's cases, as a handler (docs/access.md)
INSERT INTO jurisdiction_grant (grantee, unit, function) VALUES ('gridgov_test_handler', '440311', 'handler');
-- an importer: the handler's rights, and the role
CREATE ROLE gridgov_test_importer IN ROLE gridgov_test_handler, gridgov_importer;

-- an importer's function, run by the handler on the importer's rights
CREATE FUNCTION public.gridgov_test_accept_at(case_id bigint, at timestamptz) RETURNS text
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
    AS $$ SELECT actor FROM gridgov.accept(case_id, at => at) $$;
ALTER FUNCTION public.gridgov_test_accept_at(bigint, timestamptz) OWNER TO gridgov_test_importer;

SET LOCAL ROLE gridgov_test_handler;

-- spoofing the actor
SET LOCAL gridgov.actor = 'district_chief_zhao';
SELECT throws_ok($$SELECT accept(1)$$, '42501',
                 'role "gridgov_test_handler" may not record the move of case 1 as made by "district_chief_zhao"',
                 'a handler''s gridgov.actor is refused');
SELECT throws_ok($$INSERT INTO cases (id, category, channel, unit) VALUES (40, 'noise', 'hotline', '440311006003001')$$, '42501',
                 'role "gridgov_test_handler" may not record the report of case 40 as made by "district_chief_zhao"',
                 'also on a report');
RESET gridgov.actor;
SELECT throws_ok($$SELECT accept(1, actor => '值班员王')$$, '42501',
                 'role "gridgov_test_handler" may not record the move of case 1 as made by "值班员王"',
                 'the argument actor');
SELECT throws_ok($$UPDATE cases SET status = 'accepted', actor = 'district_chief_zhao' WHERE id = 1$$, '42501',
                 'role "gridgov_test_handler" may not record the move of case 1 as made by "district_chief_zhao"',
                 'the column actor');
SELECT throws_ok($$UPDATE cases SET actor = 'district_chief_zhao' WHERE id = 1$$, '42501', NULL,
                 'the column actor, even without a move');

-- spoofing the time
SELECT throws_ok($$SELECT accept(1, NULL, '2099-12-31 10:00+08')$$, '42501',
                 'role "gridgov_test_handler" may not date the move of case 1 at 2099-12-31 10:00:00+08',
                 'a move dated in the future');
SELECT throws_ok($$SELECT accept(1, at => '2026-11-16 09:30+08')$$, '42501',
                 'role "gridgov_test_handler" may not date the move of case 1 at 2026-11-16 09:30:00+08',
                 'a backdated move');
SELECT throws_ok($$UPDATE cases SET status = 'accepted', moved_at = '2026-11-16 09:30+08' WHERE id = 1$$, '42501',
                 'role "gridgov_test_handler" may not date the move of case 1 at 2026-11-16 09:30:00+08',
                 'the column moved_at');
SELECT throws_ok($$UPDATE cases SET moved_at = '2026-11-16 09:30+08' WHERE id = 1$$, '42501', NULL,
                 'the column moved_at, even without a move');
SELECT throws_ok($$INSERT INTO cases (id, category, channel, unit, reported_at)
                   VALUES (40, 'noise', 'hotline', '440311006003001', '2026-11-01 09:00+08')$$, '42501',
                 'role "gridgov_test_handler" may not date the report of case 40 at 2026-11-01 09:00:00+08',
                 'a backdated report');
SELECT throws_ok($$INSERT INTO cases (id, category, channel, unit, reported_at)
                   VALUES (40, 'noise', 'hotline', '440311006003001', clock_timestamp())$$, '42501', NULL,
                 'a report dated by the clock instead of the transaction');
SELECT throws_like($$SELECT * FROM escalate_overdue('2026-11-18 12:00+08')$$,
                   'role "gridgov_test_handler" may not date the move of case 1_ at 2026-11-18 12:00:00+08',
                   'a sweep as of another time');
SELECT is((SELECT status FROM cases WHERE id = 1), 'reported', 'none of them moved the case');
SELECT lives_ok($$SELECT accept(7, at => now())$$,
                 'the transaction''s now() is the server''s time: anyone may give it');
SELECT is(current_setting('gridgov.actor'), '', 'the refused actor => left gridgov.actor empty');

-- the role and the clock
SELECT lives_ok($$SELECT accept(1)$$, 'a handler moves a case');
SELECT results_eq($$SELECT actor, at >= now() AND at <= clock_timestamp() FROM case_history WHERE case_id = 1 AND seq = 2$$,
                  $$VALUES ('gridgov_test_handler'::text, true)$$,
                  'recorded as by the role, at the clock''s time');
SELECT pg_sleep(0.01);
SELECT lives_ok($$SELECT dispatch(1)$$, 'and moves it again in the same transaction');
SELECT ok((SELECT h.at > p.at AND h.at > now() FROM case_history h JOIN case_history p ON p.case_id = h.case_id AND p.seq = 2
            WHERE h.case_id = 1 AND h.seq = 3),
          'moves in one transaction follow each other: the clock, not the transaction''s start');
SELECT lives_ok($$INSERT INTO cases (id, category, channel, unit) VALUES (40, 'noise', 'hotline', '440311006003001')$$,
                'a handler reports a case at the transaction''s time');
SELECT results_eq($$SELECT reported_at = now(), actor FROM cases WHERE id = 40$$,
                  $$VALUES (true, 'gridgov_test_handler'::text)$$, 'by the role, at now()');
SELECT lives_ok($$INSERT INTO cases (id, category, channel, unit, reported_at) VALUES (39, 'noise', 'hotline', '440311006003001', NULL)$$,
                'a handler reports a case with a NULL time');
SELECT results_eq($$SELECT c.reported_at = now(), h.at = now() FROM cases c JOIN case_history h ON h.case_id = c.id AND h.seq = 1 WHERE c.id = 39$$,
                  $$VALUES (true, true)$$, 'dated now() by the engine, the case and its first history row');
SELECT is((SELECT count(*)::int FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            WHERE d.adrelid = 'cases'::regclass AND a.attname = 'reported_at'),
          0, 'reported_at has no column default, which Citus would compute on the coordinator (docs/scale-out.md)');
SELECT results_eq($$SELECT count(*)::int FROM escalate_overdue()$$, $$VALUES (5)$$, 'a handler sweeps as of now()');
SELECT results_eq($$SELECT count(*)::int, min(actor), bool_and(at > now() AND at <= clock_timestamp()) FROM case_history WHERE case_id BETWEEN 10 AND 14 AND action = 'escalate'$$,
                  $$VALUES (5, 'gridgov_test_handler'::text, true)$$, 'recorded as by the role, at the clock''s time: moves without a time of their own');

-- a SECURITY DEFINER function of an importer imports on its callers' behalf,
-- and the actor is still the caller
SELECT is(public.gridgov_test_accept_at(2, '2026-11-16 10:00+08'), 'gridgov_test_handler',
          'an importer''s SECURITY DEFINER function dates a move; the actor is the role that called it');
SELECT is((SELECT at FROM case_history WHERE case_id = 2 AND seq = 2), '2026-11-16 10:00+08'::timestamptz, 'at the time it gave');

-- SET ROLE: the actor is the role set, not the session's user
RESET ROLE;
SET LOCAL ROLE gridgov_test_importer;
SELECT lives_ok($$SELECT accept(3)$$, 'an importer moves a case without a time or an actor');
SELECT is((SELECT actor FROM case_history WHERE case_id = 3 AND seq = 2), 'gridgov_test_importer',
          'recorded as by the role set with SET ROLE');

-- an importer's time and actor, and their bounds
SELECT lives_ok($$SELECT accept(4, at => '2026-11-16 09:40+08', actor => '值班员王')$$, 'an importer dates a move and names its actor');
SELECT results_eq($$SELECT at, actor FROM case_history WHERE case_id = 4 AND seq = 2$$,
                  $$VALUES ('2026-11-16 09:40+08'::timestamptz, '值班员王'::text)$$, 'as given');
SET LOCAL gridgov.actor = '网格员李';
SELECT lives_ok($$SELECT dispatch(4, at => '2026-11-16 09:50+08')$$, 'gridgov.actor too');
SELECT is((SELECT actor FROM case_history WHERE case_id = 4 AND seq = 3), '网格员李', 'as given');
RESET gridgov.actor;
SELECT throws_like($$SELECT accept(5, at => clock_timestamp() + interval '1 minute')$$,
                   'the move of case 5 cannot be dated %, in the future', 'not in the future');
SELECT throws_ok($$SELECT accept(5, at => '2026-11-16 08:00+08')$$, 'GG002',
                 'case 5 cannot move at 2026-11-16 08:00:00+08, before its last move at 2026-11-16 09:00:00+08',
                 'not before the case''s last move');
SELECT throws_like($$INSERT INTO cases (id, category, channel, unit, reported_at)
                     VALUES (41, 'noise', 'hotline', '440311006003001', clock_timestamp() + interval '1 second')$$,
                   'the report of case 41 cannot be dated %, in the future', 'nor a report');
SELECT lives_ok($$INSERT INTO cases (id, category, channel, unit, reported_at, actor)
                  VALUES (41, 'noise', 'hotline', '440311006003001', '2026-11-01 09:00+08', '12345热线')$$,
                'an importer reports a case dated earlier, by a named actor');
SELECT results_eq($$SELECT at, actor FROM case_history WHERE case_id = 41$$,
                  $$VALUES ('2026-11-01 09:00+08'::timestamptz, '12345热线'::text)$$, 'as given');
SELECT throws_ok($$SELECT * FROM escalate_overdue(clock_timestamp() + interval '1 day')$$, 'GG002', NULL,
                 'a sweep as of the future moves nothing');
RESET ROLE;

-- membership is what counts: a role granted gridgov_importer later
GRANT gridgov_importer TO gridgov_test_handler;
SET LOCAL ROLE gridgov_test_handler;
SELECT lives_ok($$SELECT accept(6, at => '2026-11-16 09:45+08')$$, 'once granted gridgov_importer, the handler dates moves');
RESET ROLE;

SELECT is((SELECT count(*)::int FROM verify_history()), 0, 'every chain verifies');

SELECT * FROM finish();
ROLLBACK;
