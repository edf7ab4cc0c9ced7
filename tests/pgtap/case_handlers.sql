-- Handlers are people (issue 12, items 4 and 5), as properties.  Over the
-- people fixture and service points at every tier, every person is named
-- handler of a case at every service point, on three days: the engine's
-- answer (taken, or refused with GG007) is the one of an independent
-- computation over the posts, and a refusal writes nothing.  Then the
-- history with people chains and verifies, tampering with a history row's
-- people or a case's reporting person shows, and a role that is no person
-- leaves the people of its moves empty.
BEGIN;
\i tests/pgtap/people_fixture.psql
SET timezone = 'Asia/Shanghai';
SELECT plan(14);

INSERT INTO category (code, name) VALUES ('noise', '噪音扰民');
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
VALUES ('noise', 1, 5, 'working_day', 1, 1, 3, 1);
INSERT INTO service_point (id, name, unit, organization) VALUES
    (1, '光明区中心', '440311', NULL),
    (3, '根竹园社区党群服务中心', '440311006003', 8),
    (4, '根竹园第一网格工作站', '440311006003001', 2),
    (5, '一网格1栋服务站', '4403110060030010001', 5),
    (6, '第二网格工作站', '440311006003002', NULL),
    (7, '马山头社区党群服务中心', '440311006004', 7);

-- every person at every service point, on a day the posts of 2025 and of
-- 2026 differ (some end with 2025): one case each, given its service point
CREATE TEMP TABLE attempt AS
SELECT row_number() OVER (ORDER BY d.day, p.id, s.id) AS case_id, p.id AS person, s.id AS service_point,
       s.unit AS point_unit, d.day, NULL::text AS outcome
  FROM person p, service_point s,
       (VALUES ('2025-06-02'::date), ('2026-03-02'::date), ('2023-12-01'::date)) d(day);
INSERT INTO cases (id, unit, category, channel, service_point, reported_at)
SELECT a.case_id,
       CASE WHEN level(a.point_unit) >= 6 THEN a.point_unit
            WHEN a.point_unit <@ '440311006004' THEN '440311006004001'::gridcode
            ELSE '440311006003001'::gridcode END,
       'noise', 'patrol', a.service_point, a.day + time '09:00'
  FROM attempt a;

-- the engine's answer, one savepoint each
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT * FROM attempt ORDER BY case_id LOOP
        BEGIN
            PERFORM gridgov.accept(a.case_id, at => a.day + time '10:00', handler => a.person);
            UPDATE attempt SET outcome = 'taken' WHERE case_id = a.case_id;
        EXCEPTION WHEN OTHERS THEN
            UPDATE attempt SET outcome = SQLSTATE WHERE case_id = a.case_id;
        END;
    END LOOP;
END $$;

-- the same answer from the posts directly: held that day in the point's
-- organization, or on its unit
SELECT is((SELECT count(*) FROM attempt a
            WHERE a.outcome <> CASE WHEN EXISTS (
                      SELECT FROM post p JOIN service_point s ON s.id = a.service_point
                       WHERE p.person = a.person AND a.day <@ p.valid
                         AND (p.organization = s.organization OR p.unit = s.unit))
                  THEN 'taken' ELSE 'GG007' END),
          0::bigint, 'every handler is taken or refused (GG007) as the posts say');
SELECT cmp_ok((SELECT count(*) FROM attempt WHERE outcome = 'taken'), '>', 10::bigint,
              'many are taken');
SELECT cmp_ok((SELECT count(*) FROM attempt WHERE outcome = 'GG007'), '>', 100::bigint,
              'and many refused');
SELECT is((SELECT count(DISTINCT a.day) FROM attempt a WHERE a.outcome = 'taken' AND a.person = 5), 1::bigint,
          'a post that ended with 2025 takes cases in 2025 only');
SELECT is((SELECT count(*) FROM attempt a JOIN cases c ON c.id = a.case_id
            WHERE (a.outcome = 'taken') <> (c.status = 'accepted' AND c.handler = a.person AND c.history_seq = 2)),
          0::bigint, 'a taken case has its handler, a refused one is still reported without one');
SELECT is((SELECT count(*) FROM case_history), (SELECT count(*) + count(*) FILTER (WHERE outcome = 'taken') FROM attempt),
          'a refusal writes no history row');
SELECT is((SELECT count(*) FROM case_history WHERE action = 'accept' AND handler IS NULL), 0::bigint,
          'every accept row names its handler');
SELECT is_empty('SELECT * FROM verify_history()', 'the chains with people verify');

-- the people are in the chain: changed behind the engine, it shows
SET LOCAL session_replication_role = replica;
UPDATE case_history SET handler = 2 WHERE case_id = (SELECT min(case_id) FROM attempt WHERE outcome = 'taken') AND seq = 2;
UPDATE cases SET reporter_person = 3 WHERE id = (SELECT max(case_id) FROM attempt WHERE outcome = 'taken');
SET LOCAL session_replication_role = origin;
SELECT results_eq($$SELECT case_id, problem FROM verify_history() ORDER BY case_id$$,
                  $$VALUES ((SELECT min(case_id) FROM attempt WHERE outcome = 'taken'),
                            'the row''s content or its link to the previous row was changed'),
                           ((SELECT max(case_id) FROM attempt WHERE outcome = 'taken'),
                            'the case''s content differs from its last history row')$$,
                  'a changed handler in the history, or a changed reporting person, is caught');

-- the owner here is no person: its reports and moves name none
SELECT is((SELECT count(*) FROM cases WHERE reporter_person IS NOT NULL OR actor_person IS NOT NULL), 1::bigint,
          'a role that is no person leaves reporter_person and actor_person empty (one tampered above)');
-- a move that keeps the service point, by a role that is no person and
-- naming none, keeps the handler
SELECT is((SELECT handler FROM dispatch((SELECT max(case_id) FROM attempt WHERE outcome = 'taken' AND service_point = 3),
                                       at => '2026-03-02 11:00+08')),
          (SELECT person FROM attempt WHERE case_id = (SELECT max(case_id) FROM attempt WHERE outcome = 'taken' AND service_point = 3)),
          'dispatch at the same service point by a role that is no person keeps the handler');
SELECT throws_ok($$SELECT dispatch((SELECT max(case_id) FROM attempt WHERE outcome = 'taken' AND service_point = 4),
                                   at => '2026-03-02 11:00+08', handler => 12)$$,
                 'GG007', NULL, 'dispatch to a handler without a post there is refused');
-- the setting names the handler of the session's moves; a bad one is refused
SET LOCAL gridgov.handler = '4';
SELECT is((SELECT handler FROM start((SELECT max(case_id) FROM attempt WHERE outcome = 'taken' AND service_point = 3),
                                    at => '2026-03-02 11:30+08')),
          4::bigint, 'gridgov.handler names the handler of a move');
SET LOCAL gridgov.handler = 'chen';
SELECT throws_ok($$SELECT resolve((SELECT max(case_id) FROM attempt WHERE outcome = 'taken' AND service_point = 3),
                                  at => '2026-03-02 12:00+08')$$,
                 '22023', 'gridgov.handler must be a person''s number, not "chen"', 'a setting that is no number is refused');
RESET gridgov.handler;
SELECT * FROM finish();
ROLLBACK;
