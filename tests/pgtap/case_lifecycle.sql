-- The case engine: routing at intake, every legal move with its deadline
-- worked out by hand, and the illegal ones refused.
BEGIN;
\ir case_fixture.psql
SELECT plan(68);

-- routing: the point finds its grid, the rule its level, the level its hall
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (1, 'noise', 'resident_app', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 10:00+08');
SELECT results_eq($$SELECT unit, district, handling_level, service_point, status, stage FROM cases WHERE id = 1$$,
                  $$VALUES ('440311006003001'::gridcode, '440311'::gridcode, 5, 4, 'reported', 'accept')$$,
                  'a minor noise case goes to its community hall');
SELECT is((SELECT stage_deadline FROM cases WHERE id = 1), '2026-11-17 10:00+08'::timestamptz,
          'accept within 1 working day: Monday 10:00 + 7 working hours = Tuesday 10:00');
SELECT results_eq($$SELECT seq, action, from_status, to_status, actor FROM case_history WHERE case_id = 1$$,
                  $$VALUES (1, 'report', NULL::text, 'reported', current_user::text COLLATE "default")$$, 'the report is the first history row');

-- accept, dispatch, start
SELECT lives_ok($$SELECT accept(1, at => '2026-11-16 11:00+08', actor => '值班员王')$$, 'accept');
SELECT results_eq($$SELECT status, stage, stage_deadline, accepted_at, actor FROM cases WHERE id = 1$$,
                  $$VALUES ('accepted', 'dispatch', '2026-11-17 11:00+08'::timestamptz, '2026-11-16 11:00+08'::timestamptz, '值班员王')$$,
                  'accepted: dispatch within 1 working day, by Tuesday 11:00');
SELECT throws_ok($$SELECT accept(1, at => '2026-11-16 11:30+08')$$, 'GG001', 'case 1 cannot move: it is already accepted',
                 'repeating a move is refused, not silently ignored');
SELECT lives_ok($$SELECT dispatch(1, at => '2026-11-17 09:30+08')$$, 'dispatch');
SELECT is((SELECT stage_deadline FROM cases WHERE id = 1), '2026-11-20 09:30+08'::timestamptz,
          'resolve within 3 working days: Tuesday 09:30 + 21 working hours = Friday 09:30');
SELECT lives_ok($$SELECT start(1, at => '2026-11-17 10:00+08')$$, 'start');

-- suspension stops the clock
SELECT lives_ok($$SELECT suspend(1, '等待业主回国', at => '2026-11-18 10:00+08')$$, 'suspend');
SELECT is((SELECT status FROM cases WHERE id = 1), 'suspended', 'suspended');
SELECT throws_ok($$SELECT start(1, at => '2026-11-19 10:00+08')$$, 'GG001', 'case 1 cannot start: it is suspended, not dispatched',
                 'start is not a resume: a session that saw the case dispatched, late, is refused');
SELECT lives_ok($$SELECT resume(1, at => '2026-11-23 10:00+08')$$, 'resume');
SELECT results_eq($$SELECT status, stage_deadline, suspended_at, stage_paused_seconds FROM cases WHERE id = 1$$,
                  $$VALUES ('in_progress', '2026-11-25 09:30+08'::timestamptz, NULL::timestamptz, 75600::bigint)$$,
                  'resumed: the 21 working hours suspended push Friday 09:30 to Wednesday 09:30');
SELECT is((SELECT suspended_seconds FROM cases WHERE id = 1), 432000::bigint, 'five calendar days were suspended');

-- extension
SELECT throws_ok($$SELECT extend(1, '2026-11-24 18:00+08', '材料未齐', at => '2026-11-23 11:00+08')$$,
                 'GG002', NULL, 'an extension must move the deadline later');
SELECT throws_ok($$SELECT extend(1, '2026-11-27 18:00+08', NULL, at => '2026-11-23 11:00+08')$$,
                 'GG002', NULL, 'an extension needs a reason');
SELECT lives_ok($$SELECT extend(1, '2026-11-27 18:00+08', '需协调物业', at => '2026-11-23 11:00+08')$$, 'extend');
SELECT results_eq($$SELECT status, stage_deadline, extensions, note FROM cases WHERE id = 1$$,
                  $$VALUES ('in_progress', '2026-11-27 18:00+08'::timestamptz, 1, '需协调物业')$$, 'extended');

-- resolve, reopen, resolve, verify, close
SELECT lives_ok($$SELECT resolve(1, at => '2026-11-24 15:00+08')$$, 'resolve');
SELECT results_eq($$SELECT status, stage, stage_deadline FROM cases WHERE id = 1$$,
                  $$VALUES ('resolved', 'verify', '2026-11-25 15:00+08'::timestamptz)$$,
                  'verify within 1 working day: Tuesday 15:00 + 7 working hours = Wednesday 15:00');
SELECT lives_ok($$SELECT reopen(1, '复查仍有噪音', at => '2026-11-25 09:00+08')$$, 'reopen');
SELECT results_eq($$SELECT status, stage, service_point, reopenings, resolved_at, stage_deadline FROM cases WHERE id = 1$$,
                  $$VALUES ('in_progress', 'resolve', 4, 1, NULL::timestamptz, '2026-11-27 18:00+08'::timestamptz)$$,
                  'reopened: back to the same hall, 3 more working days from Wednesday 09:00');
SELECT lives_ok($$SELECT resolve(1, at => '2026-11-26 10:00+08')$$, 'resolve again');
SELECT lives_ok($$SELECT verify(1, at => '2026-11-26 11:00+08')$$, 'verify');
SELECT results_eq($$SELECT stage, stage_deadline FROM cases WHERE id = 1$$,
                  $$VALUES ('close', NULL::timestamptz)$$, 'verified: awaiting closure, no deadline');
SELECT lives_ok($$SELECT close(1, 5, '处理及时', at => '2026-11-26 16:00+08')$$, 'close');
SELECT results_eq($$SELECT status, satisfaction, evaluation, closed_at FROM cases WHERE id = 1$$,
                  $$VALUES ('closed', 5::smallint, '处理及时', '2026-11-26 16:00+08'::timestamptz)$$, 'closed with the evaluation');
SELECT results_eq($$SELECT array_agg(action ORDER BY seq) FROM case_history WHERE case_id = 1$$,
                  $$VALUES (ARRAY['report','accept','dispatch','start','suspend','resume','extend','resolve','reopen','resolve','verify','close'])$$,
                  'twelve history rows, in order');
SELECT is((SELECT deadlines_missed FROM cases WHERE id = 1), 0, 'every stage of case 1 ended within its limit');
SELECT throws_ok($$SELECT reopen(1, 'again')$$, 'GG001', 'case 1 cannot reopen: it is closed, not resolved',
                 'a closed case is final');

-- holidays and make-up workdays
INSERT INTO cases (id, category, channel, location, reported_at) VALUES
    (2, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-09-30 17:00+08'),
    (3, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'mashantou'), '2026-10-09 17:00+08');
SELECT is((SELECT stage_deadline FROM cases WHERE id = 2), '2026-10-08 17:00+08'::timestamptz,
          'National Day: Wednesday 17:00, then nothing until Thursday 8 October 17:00');
SELECT is((SELECT stage_deadline FROM cases WHERE id = 3), '2026-10-10 17:00+08'::timestamptz,
          'Saturday 10 October is a make-up workday');
SELECT is((SELECT service_point FROM cases WHERE id = 3), 5, 'the other community''s hall');

-- a plain UPDATE is a move like any other
SELECT lives_ok($$UPDATE cases SET status = 'accepted', moved_at = '2026-10-09 18:30+08' WHERE id = 3$$,
                'UPDATE SET status accepts');
SELECT results_eq($$SELECT status, stage, history_seq FROM cases WHERE id = 3$$,
                  $$VALUES ('accepted', 'dispatch', 2)$$, 'with the same effects and history');
SELECT throws_ok($$UPDATE cases SET status = 'closed' WHERE id = 3$$, 'GG001',
                 'case 3 cannot move from "accepted" to "closed"', 'an illegal plain UPDATE is refused');
SELECT throws_like($$SELECT close(2)$$, '%cannot move from "reported" to "closed"%', 'an illegal move names both states');
SELECT throws_ok($$UPDATE cases SET status = 'lost' WHERE id = 2$$, 'GG001', NULL, 'an unknown status is refused');
SELECT throws_ok($$UPDATE cases SET escalations = 7 WHERE id = 2$$, 'GG001',
                 'column "escalations" of case 2 is kept by the case engine', 'engine columns are not writable');
SELECT lives_ok($$UPDATE cases SET description = '夜间施工噪音' WHERE id = 2$$, 'the description is');
SELECT results_eq($$SELECT history_seq, last_action, status FROM cases WHERE id = 2$$, $$VALUES (2, 'edit', 'reported')$$,
                  'and an edit is a move of its own in the history, the status unchanged');
SELECT throws_ok($$SELECT reject(2, NULL)$$, 'GG002', NULL, 'a rejection needs a reason');
SELECT throws_ok($$SELECT accept(2, at => '2026-09-30 16:00+08')$$, 'GG002', NULL, 'a move cannot go back in time');
SELECT throws_ok($$SELECT merge(2, 2)$$, 'GG002', NULL, 'a case cannot be merged into itself');
SELECT throws_ok($$SELECT merge(2, 999)$$, 'GG002', NULL, 'nor into a case that does not exist');
SELECT lives_ok($$SELECT merge(2, 1)$$, 'merge into an earlier case');
SELECT results_eq($$SELECT status, duplicate_of, stage_deadline FROM cases WHERE id = 2$$,
                  $$VALUES ('merged', 1::bigint, NULL::timestamptz)$$, 'merged: final');
SELECT throws_ok($$SELECT accept(424242)$$, 'GG004', 'case 424242 does not exist', 'an unknown case');
SELECT throws_ok($$SELECT resume(3)$$, 'GG001', 'case 3 cannot resume: it is accepted, not suspended',
                 'resume only a suspended case');
SELECT lives_ok($$SELECT dispatch(3, at => '2026-10-12 09:00+08'); SELECT return_case(3, '不属本社区', at => '2026-10-12 10:00+08')$$,
                'dispatch and return');
SELECT results_eq($$SELECT status, stage, returns FROM cases WHERE id = 3$$,
                  $$VALUES ('returned', 'dispatch', 1)$$, 'returned for re-dispatch');
SELECT lives_ok($$SELECT dispatch(3, 2, at => '2026-10-12 11:00+08')$$, 'dispatch again, to a named service point');
SELECT results_eq($$SELECT service_point, handling_level FROM cases WHERE id = 3$$,
                  $$VALUES (2, 4)$$, 'the named subdistrict center is respected');
SELECT lives_ok($$SELECT start(3, at => '2026-10-12 14:00+08')$$, 'start');
SELECT throws_ok($$SELECT dispatch(3, 3)$$, 'GG001', NULL, 'an in-progress case is not dispatched again');

-- routing by severity, department, explicit choices, and failures
INSERT INTO cases (id, category, severity, channel, location, reported_at) VALUES
    (4, 'noise', 3, 'patrol', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 10:00+08'),
    (5, 'noise', 4, 'sensor', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 10:00+08'),
    (6, 'illegal_construction', 1, 'patrol', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 10:00+08'),
    (7, 'illegal_construction', 1, 'patrol', (SELECT point FROM spot WHERE name = 'guangming'), '2026-11-16 10:00+08');
SELECT results_eq($$SELECT id, handling_level, service_point, escalations, escalation_trigger FROM cases WHERE id BETWEEN 4 AND 7 ORDER BY id$$,
                  $$VALUES (4::bigint, 4, 2, 1, 'severity'), (5, 3, 1, 1, 'severity'), (6, 4, 8, 0, NULL), (7, 3, 7, 0, NULL)$$,
                  'major goes to the subdistrict, critical to the district; a department''s case to its desk, climbing where the subdistrict has none');
SELECT is((SELECT stage_deadline FROM cases WHERE id = 5), '2026-11-16 11:00+08'::timestamptz, 'a clock-hour limit ignores the calendar');
SELECT results_eq($$SELECT escalation_trigger FROM case_history WHERE case_id = 4$$, $$VALUES ('severity')$$,
                  'the escalation at intake is recorded');
SELECT throws_ok($$INSERT INTO cases (category, channel, location) SELECT 'noise', 'hotline', point FROM spot WHERE name = 'nowhere'$$,
                 'GG003', NULL, 'a point outside every grid');
SELECT throws_ok($$INSERT INTO cases (category, channel) VALUES ('noise', 'hotline')$$,
                 'GG003', NULL, 'neither a location nor a unit');
INSERT INTO category (code, name) VALUES ('graffiti', '乱涂乱画');
SELECT throws_like($$INSERT INTO cases (category, channel, unit) VALUES ('graffiti', 'hotline', '440311006003001')$$,
                   'no rule for category "graffiti" at severity 1', 'a category without a rule');
SELECT throws_like($$INSERT INTO cases (category, channel, unit, service_point) VALUES ('noise', 'hotline', '440311006003001', 6)$$,
                   'service point 6 does not serve the unit of case %', 'a hall of another community');
SELECT lives_ok($$INSERT INTO cases (id, category, channel, unit, service_point, reported_at) VALUES (8, 'noise', 'walk_in', '440311006003001', 1, '2026-11-16 10:00+08')$$,
                'an explicit unit and service point');
SELECT results_eq($$SELECT handling_level, service_point FROM cases WHERE id = 8$$, $$VALUES (3, 1)$$, 'are respected');
SELECT throws_ok($$INSERT INTO cases (category, channel, unit, status) VALUES ('noise', 'hotline', '440311006003001', 'closed')$$,
                 'GG001', NULL, 'a case starts as reported');
SET LOCAL search_path = pg_catalog;
INSERT INTO gridgov.cases (id, category, channel, location, reported_at)
VALUES (9, 'noise', 'hotline', public.ST_SetSRID(public.ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 10:00+08');
SET LOCAL search_path = gridgov, public;
SELECT is((SELECT unit FROM cases WHERE id = 9), '440311006003001'::gridcode,
          'routing does not depend on the caller''s search_path');

-- apply_move names the case's columns (handlers may not read the reporter):
-- to the owner a move returns the row as the table holds it, each column in
-- its place
INSERT INTO cases (id, category, channel, location, reported_at, reporter)
VALUES (9001, 'noise', 'resident_app', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 10:00+08',
        '{"name": "李", "phone": "13800000000"}');
CREATE TEMP TABLE moved AS SELECT to_jsonb(m) AS row FROM accept(9001, at => '2026-11-16 11:00+08') m;
SELECT is((SELECT row FROM moved), (SELECT to_jsonb(c) FROM cases c WHERE c.id = 9001),
          'a move returns the case whole to the owner, every column in its place');

SELECT * FROM finish();
ROLLBACK;
