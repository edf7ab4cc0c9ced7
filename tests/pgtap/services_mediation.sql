-- Mediation and judicial confirmation: each refusal with its SQLSTATE and
-- nothing written; the steps; the sweep climbing a missed confirmation a
-- level with a fresh 30 minutes, once, and not a decided one; the KPIs
-- counted a second way from the rows.
BEGIN;
\i tests/pgtap/mediation_fixture.psql
SET TIME ZONE 'Asia/Shanghai';
SELECT plan(35);

-- opening
SELECT throws_ok($$SELECT open_mediation(99, 2, '{5,6}', '2026-03-02 10:00+08')$$, '23503', 'case 99 does not exist', 'an unknown case (23503)');
SELECT throws_ok($$SELECT open_mediation(4, 2, '{5,6}', '2026-03-02 10:00+08')$$, 'GG013',
                 'case 4 is of category noise, not a dispute', 'not a dispute (GG013)');
SELECT throws_ok($$SELECT open_mediation(1, 4, '{5,6}', '2026-03-02 10:00+08')$$, 'GG013',
                 'person 4 holds no mediator post over unit 440311006003001 on 2026-03-02', 'a mediator without the post (GG013)');
SELECT throws_ok($$SELECT open_mediation(1, 3, '{5,6}', '2026-03-02 10:00+08')$$, 'GG013',
                 NULL, 'a mediator of another community (GG013)');
SELECT throws_ok($$SELECT open_mediation(1, 2, '{5,6}', '2023-03-02 10:00+08')$$, 'GG013',
                 NULL, 'a mediator before the post began (GG013)');
SELECT throws_ok($$SELECT open_mediation(1, 2, '{5}', '2026-03-02 10:00+08')$$, '22023', NULL, 'one party (22023)');
SELECT throws_ok($$SELECT open_mediation(1, 2, '{5,5}', '2026-03-02 10:00+08')$$, '22023', NULL, 'the same party twice (22023)');
SELECT throws_ok($$SELECT open_mediation(1, 2, '{2,5}', '2026-03-02 10:00+08')$$, '22023', NULL, 'the mediator a party (22023)');
SELECT is((SELECT count(*) FROM mediation), 0::bigint, 'nothing written by the refusals');
SELECT is((SELECT (m.id, m.unit::text, m.status) FROM open_mediation(1, 2, '{5,6}', '2026-03-02 10:00+08') m),
          (1::bigint, '440311006003001'::text, 'open'::text), 'a dispute opened with a mediator of its community');
SELECT lives_ok($$SELECT open_mediation(5, 3, '{7,8}', '2026-03-02 10:00+08')$$, 'a mediator in the committee covering 马山头');
SELECT throws_ok($$SELECT open_mediation(1, 2, '{5,6}', '2026-03-02 10:00+08')$$, '23505', 'case 1 is already mediated', 'once per case (23505)');

-- sessions, agreement
SELECT throws_ok($$SELECT request_confirmation(1, at => '2026-03-02 11:00+08')$$, 'GG013',
                 'mediation 1 (case 1) has no agreement: it is open', 'a confirmation with no agreement (GG013)');
SELECT throws_ok($$SELECT close_mediation(1, '赔偿2000元', at => '2026-03-02 11:00+08')$$, 'GG013',
                 'mediation 1 (case 1) has held no session', 'an agreement before any session (GG013)');
SELECT lives_ok($$SELECT hold_session(1, '[2026-03-02 10:00+08, 2026-03-02 11:00+08)', '双方陈述')$$, 'a session');
SELECT throws_ok($$SELECT hold_session(1, '[2026-03-01 10:00+08, 2026-03-01 11:00+08)')$$, '22023', NULL, 'a session before the opening (22023)');
SELECT is((SELECT status FROM close_mediation(1, '楼上住户赔偿维修费2000元', at => '2026-03-02 11:05+08')), 'settled', 'settled by an agreement');
SELECT throws_ok($$SELECT hold_session(1, '[2026-03-03 10:00+08, 2026-03-03 11:00+08)')$$, 'GG013',
                 'mediation 1 (case 1) is closed: settled', 'a session of a closed mediation (GG013)');
SELECT throws_ok($$SELECT confirm_agreement(1, at => '2026-03-02 11:10+08')$$, 'GG013',
                 'the agreement of mediation 1 (case 1) was not sent for confirmation', 'a decision before the request (GG013)');
SELECT throws_ok($$SELECT request_confirmation(1, at => '2026-03-02 11:10+08', time_limit => '0')$$, '22023', NULL, 'no limit (22023)');

-- the 30 minutes, on the clock, and the sweep
SELECT is((SELECT (j.level, j.deadline) FROM request_confirmation(1, at => '2026-03-02 11:10+08') j),
          (5, '2026-03-02 11:40+08'::timestamptz), 'sent: 30 minutes at the community''s room');
SELECT throws_ok($$SELECT request_confirmation(1, at => '2026-03-02 11:11+08')$$, '23505', NULL, 'sent once (23505)');
SELECT is_empty($$SELECT * FROM escalate_overdue_confirmations('2026-03-02 11:40+08')$$, 'not escalated at its deadline');
SELECT results_eq($$SELECT mediation, case_id, missed_deadline, from_level, to_level FROM escalate_overdue_confirmations('2026-03-02 11:41+08')$$,
                  $$VALUES (1::bigint, 1::bigint, '2026-03-02 11:40+08'::timestamptz, 5, 4)$$, 'escalated a minute later');
SELECT is_empty($$SELECT * FROM escalate_overdue_confirmations('2026-03-02 11:42+08')$$, 'and only once');
SELECT is((SELECT (level, deadline, escalations) FROM judicial_confirmation WHERE mediation = 1),
          (4, '2026-03-02 12:11+08'::timestamptz, 1), 'a fresh 30 minutes at the subdistrict''s');
SELECT is((SELECT status FROM confirm_agreement(1, at => '2026-03-02 11:50+08')), 'confirmed', 'confirmed');
SELECT throws_ok($$SELECT confirm_agreement(1, at => '2026-03-02 11:51+08')$$, 'GG013',
                 'the confirmation of mediation 1 (case 1) is already confirmed', 'confirmed once (GG013)');
SELECT is_empty($$SELECT * FROM escalate_overdue_confirmations('2026-03-03 12:00+08')$$, 'a decided one is not escalated');
SELECT lives_ok($$SELECT break_agreement(1, '未按期支付', at => '2026-03-20 09:00+08')$$, 'a confirmed agreement broken later');
SELECT throws_ok($$SELECT break_agreement(1, '再次', at => '2026-03-21 09:00+08')$$, 'GG013', NULL, 'broken once (GG013)');
SELECT throws_ok($$SELECT open_mediation(2, 2, '{5,6}', now() - interval '1 day')$$, '42501', NULL,
                 'a time other than now from a role outside gridgov_importer (42501)')
  FROM (SELECT set_config('role', 'gridgov_handler', true)) s;
RESET ROLE;

-- a second mediation fails, a third settles, is sent and broken while pending
SELECT open_mediation(2, 2, '{5,6}', '2026-03-05 10:00+08'), open_mediation(3, 2, '{9,10}', '2026-03-05 10:00+08') \g /dev/null
SELECT hold_session(m, '[2026-03-05 10:00+08, 2026-03-05 11:00+08)') FROM (VALUES (3), (4)) v(m) \g /dev/null
SELECT close_mediation(3, NULL, '双方分歧过大', '2026-03-05 11:00+08'), close_mediation(4, '互相道歉', at => '2026-03-05 11:00+08') \g /dev/null
SELECT request_confirmation(4, at => '2026-03-05 11:05+08'), break_agreement(4, '反悔', '2026-03-05 11:10+08') \g /dev/null
SELECT is((SELECT status FROM judicial_confirmation WHERE mediation = 4), 'withdrawn', 'a breach withdraws a pending confirmation');
-- the KPIs, against a count of the rows
SELECT results_eq($$SELECT month, community, closed, settled, confirmations, confirmed, confirmed_in_time, escalated, broken
                      FROM mediation_monthly ORDER BY community$$,
                  $$SELECT date_trunc('month', m.closed_at)::date, ancestor(m.unit, 5)::text, count(*),
                           count(*) FILTER (WHERE m.terms IS NOT NULL), count(j.*), count(*) FILTER (WHERE j.status = 'confirmed'),
                           count(*) FILTER (WHERE j.decided_at <= j.requested_at + interval '30 minutes' AND j.status = 'confirmed'),
                           count(*) FILTER (WHERE j.escalations > 0), count(*) FILTER (WHERE m.broken_at IS NOT NULL)
                      FROM mediation m LEFT JOIN judicial_confirmation j ON j.mediation = m.id
                     WHERE m.closed_at IS NOT NULL GROUP BY 1, 2 ORDER BY 2$$, 'mediation_monthly counts as the rows do');
SELECT is((SELECT (closed, settled, settled_share, confirmed_in_time, broken_share) FROM mediation_monthly),
          (3::bigint, 2::bigint, 0.6667, 0::bigint, 1.0000), 'its shares');

SELECT * FROM finish();
ROLLBACK;
