-- Needs and offers: a need reported again is one need with more
-- households; from a case it takes the case's unit, place and category;
-- matching proposes offers of its skill, nearest on the tree within the
-- unit of its handling level, then in space; an unmatched need past its
-- limit escalates, which widens the search; taking and meeting record who
-- did it; bad takes refused with their SQLSTATE; a handler reports where
-- it handles only, and writes what a report changes, never a need's limit,
-- level, escalations or dates.
BEGIN;
\i tests/pgtap/lists_fixture.psql
SELECT plan(60);

INSERT INTO person (id) SELECT generate_series(1, 4);
INSERT INTO post (id, person, role, organization, unit, valid) VALUES
    (1, 1, 'party_member_community', 1, NULL, '[2024-01-01,)'),
    (2, 2, 'hongxiaoer', NULL, '440311006003001', '[2024-01-01,)'),
    (3, 3, 'party_member_community', 2, NULL, '[2024-01-01,)'),
    (4, 4, 'volunteer', NULL, '440311001001001', '[2024-01-01,)');
INSERT INTO offer (id, post, skill, capacity, location) VALUES
    (1, 1, 'elder_care', 2, ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326)),
    (2, 2, 'elder_care', 1, ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326)),
    (3, 3, 'elder_care', 1, NULL),
    (4, 4, 'elder_care', 1, NULL),
    (5, 2, 'repair', 1, NULL);
INSERT INTO offer (id, post, skill, available) VALUES (6, 1, 'elder_care', tstzrange(now() - interval '30 days', now() - interval '1 day'));

-- reporting, grouped
SELECT results_eq($$SELECT id, unit::text, community::text, skill, households, status, handling_level, cell IS NOT NULL
                      FROM report_need('440311006003001', 'elder_care', '独居老人助餐', ST_SetSRID(ST_MakePoint(113.941, 22.751), 4326))$$,
                  $$VALUES (1::bigint, '440311006003001', '440311006003', 'elder_care', 1, 'open', 5, true)$$,
                  'report_need: a new need, in its grid, its community and its cell');
SELECT is((SELECT due_at FROM need WHERE id = 1), deadline(now(), 5, 'working_day'), 'due in 5 working days');
SELECT results_eq($$SELECT id, households FROM report_need('440311006003001', 'elder_care', '老人助餐', households => 2)$$,
                  $$VALUES (1::bigint, 3)$$, 'the same need from two more households: one need, 3 households');
SELECT is((SELECT title FROM need WHERE id = 1), '独居老人助餐', 'keeping its first title');
SELECT results_eq($$SELECT id, households FROM report_need('440311006003001', 'repair', '楼道灯坏了')$$,
                  $$VALUES (2::bigint, 1)$$, 'another skill, another need');
SELECT throws_ok($$SELECT report_need('440311006', 'repair', '街道')$$, '23514', NULL, 'a need above any community (23514)');
SELECT throws_ok($$SELECT report_need('440311006003001', 'Repair!', '楼道')$$, '23514', NULL, 'a skill that is no code (23514)');
SELECT throws_ok($$SELECT report_need('440311006003001', 'repair', '楼道', households => 0)$$, '22023',
                 'a report of 0 households', 'a report of no household (22023)');

-- from a case
INSERT INTO cases (id, category, channel, location, description, reported_at)
SELECT 1, 'neighbour_dispute', 'hotline', point, '楼上漏水', now() FROM spot WHERE name = 'mashantou';
SELECT results_eq($$SELECT unit::text, skill, title, category, case_id FROM need_from_case(1, 'mediation')$$,
                  $$VALUES ('440311006004001', 'mediation', '楼上漏水', 'neighbour_dispute', 1::bigint)$$,
                  'need_from_case: the case''s unit, description and category');
SELECT throws_ok($$SELECT need_from_case(99, 'mediation')$$, '23503', 'case 99 does not exist', 'of no case (23503)');

-- matching
SELECT results_eq($$SELECT offer, person, place::text, tree_steps, metres > 0 FROM match_need(1)$$,
                  $$VALUES (2::bigint, 2::bigint, '440311006003001', 0, true), (1, 1, '440311006003', 1, true)$$,
                  'match_need: the grid''s 红小二 first, then the community''s party member; not 马山头''s, not the lapsed offer');
SELECT is((SELECT count(*) FROM match_need(1, 1)), 1::bigint, 'as many as asked');
SELECT results_eq($$SELECT need, rank, offer FROM need_proposals('440311') WHERE need = 1$$,
                  $$VALUES (1::bigint, 1::bigint, 2::bigint), (1, 2, 1)$$, 'need_proposals: for each open need');
SELECT is_empty($$SELECT * FROM match_need((SELECT id FROM need WHERE skill = 'mediation'))$$, 'nobody offers mediation');
SELECT is((SELECT count(*) FROM match_need(1, NULL)), 2::bigint, 'NULL proposals: no limit');
SELECT throws_ok($$SELECT * FROM match_need(1, -1)$$, '22023', 'proposals must not be negative: -1',
                 'a negative number of proposals is refused, naming the parameter');
SELECT throws_ok($$SELECT x.* FROM (VALUES (2), (-1)) v(n), match_need(1, v.n) x$$, '22023',
                 'proposals must not be negative: -1', 'also when read from a row, before LIMIT''s own check');
SELECT throws_ok($$SELECT * FROM need_proposals('440311', -2)$$, '22023', 'proposals must not be negative: -2',
                 'need_proposals too');
SELECT throws_ok($$SELECT * FROM need_proposals('440311001', -2)$$, '22023', 'proposals must not be negative: -2',
                 'even under a root with no open need');

-- escalation
SELECT is(escalate_needs(), 0::bigint, 'nothing is due yet');
SELECT results_eq($$SELECT function = 'gridgov.job_need_escalation'::regproc, period, enabled FROM job WHERE name = 'need_escalation'$$,
                  $$VALUES (true, interval '10 minutes', true)$$,
                  'the background worker escalates needs every 10 minutes (job need_escalation)');
SELECT is(job_need_escalation(), 0::bigint, 'the job is escalate_needs at now');
SELECT is(escalate_needs(now() + interval '30 days'), 3::bigint, 'thirty days on, the three open needs escalate');
SELECT results_eq($$SELECT handling_level, escalations, due_at FROM need WHERE id = 1$$,
                  $$VALUES (4, 1, deadline(now() + interval '30 days', 5, 'working_day'))$$,
                  'to the subdistrict, due again 5 working days on');
SELECT results_eq($$SELECT offer, tree_steps FROM match_need(1, 5)$$,
                  $$VALUES (2::bigint, 0), (1, 1), (3, 3)$$, 'the subdistrict''s offers join: 马山头''s party member');
SELECT is(escalate_needs(now() + interval '60 days'), 3::bigint, 'and again');
SELECT results_eq($$SELECT offer, tree_steps FROM match_need(1, 5)$$,
                  $$VALUES (2::bigint, 0), (1, 1), (3, 3), (4, 6)$$, 'the district''s: 光明街道''s volunteer');
SELECT is(escalate_needs(now() + interval '90 days'), 0::bigint, 'no higher than the district');

-- taking and meeting
SELECT results_eq($$SELECT need, offer, person, taken_by = CURRENT_USER, met_at FROM take_need(1, 2, '每周三次')$$,
                  $$VALUES (1::bigint, 2::bigint, 2::bigint, true, NULL::timestamptz)$$, 'take_need: person 2 takes it');
SELECT is((SELECT status FROM need WHERE id = 1), 'taken', 'the need is taken');
SELECT throws_ok($$SELECT take_need(1, 1)$$, '55000', 'need 1 is taken, not open', 'taken once (55000)');
SELECT lives_ok($$SELECT report_need('440311006003', 'elder_care', '助浴')$$, 'an elder-care need elsewhere in the community');
SELECT throws_ok($$SELECT take_need((SELECT id FROM need WHERE unit = '440311006003'), 2)$$, '55000',
                 'offer 2 has taken 1 needs not yet met: it is full',
                 'an offer at its capacity (55000)');
SELECT throws_ok($$SELECT take_need((SELECT id FROM need WHERE unit = '440311006003'), 5)$$, '22023', NULL,
                 'an offer of another skill (22023)');
SELECT throws_ok($$SELECT take_need((SELECT id FROM need WHERE unit = '440311006003'), 6)$$, '22023', NULL, 'a lapsed offer (22023)');
SELECT results_eq($$SELECT status FROM meet_need(1, '已送餐')$$, $$VALUES ('met')$$, 'meet_need: met');
SELECT lives_ok($$SELECT take_need((SELECT id FROM need WHERE unit = '440311006003'), 2)$$, 'the offer has room again');
-- a plain INSERT into need_take is held to the same rules (its trigger)
SELECT report_need('440311006003001', 'elder_care', '陪诊') \g /dev/null
SELECT throws_ok($$INSERT INTO need_take (need, offer) VALUES ((SELECT max(id) FROM need), 2)$$, '55000',
                 'offer 2 has taken 1 needs not yet met: it is full', 'a plain INSERT beyond an offer''s capacity (55000)');
SELECT throws_ok($$INSERT INTO need_take (need, offer, person) VALUES ((SELECT max(id) FROM need), 1, 3)$$, '22023',
                 NULL, 'a plain INSERT naming another than the offer''s holder (22023)');
SELECT results_eq($$INSERT INTO need_take (need, offer) VALUES ((SELECT max(id) FROM need), 1) RETURNING person, taken_at = now()$$,
                  $$VALUES (1::bigint, true)$$, 'a plain INSERT: the offer''s holder takes it, now');
SELECT is((SELECT status FROM need WHERE id = (SELECT max(id) FROM need)), 'taken', 'the need is taken');
SELECT throws_ok($$INSERT INTO need_take (need, offer) VALUES ((SELECT max(id) FROM need), 4)$$, '55000', NULL,
                 'and not a second time, through another offer (55000)');
SELECT throws_ok($$UPDATE need_take SET offer = 4 WHERE need = (SELECT max(id) FROM need)$$, '55000', NULL,
                 'a take keeps its offer (55000)');
SELECT lives_ok($$UPDATE need_take SET note = '周二上午' WHERE need = (SELECT max(id) FROM need)$$, 'its note may change');
-- a need's status follows its take, whoever writes it
SELECT throws_ok($$UPDATE need SET status = 'open' WHERE id = (SELECT max(id) FROM need)$$, '55000',
                 NULL, 'a taken need is not opened again by an UPDATE (55000)');
SELECT throws_ok($$UPDATE need SET status = 'taken' WHERE status = 'open' AND id = (SELECT min(id) FROM need WHERE status = 'open')$$,
                 '55000', NULL, 'nor an open one taken without a take (55000)');
SELECT throws_ok($$INSERT INTO need (unit, skill, title, status) VALUES ('440311006003001', 'tutoring', '辅导', 'taken')$$,
                 '55000', 'a new need is open, not taken', 'a new need is open (55000)');
SELECT throws_ok($$UPDATE need_take SET met_at = now() WHERE need = (SELECT max(id) FROM need)$$, '55000', NULL,
                 'a take is not met apart from its need (55000)');
SELECT lives_ok($$UPDATE need SET status = 'met' WHERE id = (SELECT max(id) FROM need)$$, 'a taken need met by an UPDATE');
SELECT is((SELECT met_at FROM need_take WHERE need = (SELECT max(id) FROM need)), now(),
          'ends its take: the offer has room again');
SELECT throws_ok($$UPDATE need SET status = 'taken' WHERE id = (SELECT max(id) FROM need)$$, '55000',
                 NULL, 'a met need stays met (55000)');
SELECT throws_ok($$SELECT meet_need(2)$$, '55000', 'need 2 is not taken', 'an open need is not met (55000)');

-- a grid worker: reports in its community, never moves a need's limit
CREATE ROLE gridgov_test_worker IN ROLE gridgov_handler;
SELECT grant_jurisdiction('gridgov_test_worker', '440311006003', 'handler') \g /dev/null
SET LOCAL ROLE gridgov_test_worker;
SELECT results_eq($$SELECT unit::text, households, status FROM report_need('440311006003001', 'health', '慢病随访', households => 2)$$,
                  $$VALUES ('440311006003001', 2, 'open')$$, 'a handler reports a need in its community');
SELECT results_eq($$SELECT households FROM report_need('440311006003001', 'health', '慢病随访')$$,
                  $$VALUES (3)$$, 'and reports it again: one more household');
SELECT throws_ok($$SELECT report_need('440311001001001', 'health', '慢病随访')$$, '42501',
                 'new row violates row-level security policy for table "need"', 'but not in another subdistrict (42501)');
SELECT throws_ok($$UPDATE need SET due_at = now() + interval '1 year' WHERE skill = 'health'$$, '42501',
                 'permission denied for table need', 'a handler does not move a need''s due time (42501)');
SELECT throws_ok($$UPDATE need SET handling_level = 3, escalations = 0 WHERE skill = 'health'$$, '42501',
                 'permission denied for table need', 'nor its level or escalations (42501)');
SELECT throws_ok($$UPDATE need SET limit_days = 100 WHERE skill = 'health'$$, '42501',
                 'permission denied for table need', 'nor its limit (42501)');
SELECT throws_ok($$INSERT INTO need (unit, skill, title, opened_at) VALUES ('440311006003001', 'tutoring', '辅导', now() - interval '1 year')$$,
                 '42501', 'permission denied for table need', 'nor dates a new one back (42501)');
RESET ROLE;
SELECT results_eq($$SELECT households, due_at = deadline(opened_at, 5, 'working_day') FROM need WHERE skill = 'health'$$,
                  $$VALUES (3, true)$$, 'the need as reported, due as counted');

SELECT * FROM finish();
ROLLBACK;
