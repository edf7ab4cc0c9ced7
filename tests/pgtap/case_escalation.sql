-- Escalation (referral, named level, the time-based sweep), early warning,
-- and the cache that carries rule changes to the triggers.
BEGIN;
\ir case_fixture.psql
SELECT plan(22);

-- three cases handled by Genzhuyuan's hall, one in each open state
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08'
  FROM generate_series(11, 15) g;
SELECT accept(g, at => '2026-11-16 09:30+08') FROM generate_series(11, 15) g;
SELECT dispatch(g, at => '2026-11-16 10:00+08') FROM generate_series(12, 15) g;
SELECT start(g, at => '2026-11-16 10:30+08') FROM generate_series(13, 15) g;
SELECT suspend(15, '等待鉴定', at => '2026-11-16 11:00+08');

-- referral upward by the handler
SELECT throws_ok($$SELECT escalate(13, NULL)$$, 'GG002', NULL, 'a referral needs a reason');
SELECT lives_ok($$SELECT escalate(13, '涉及多个社区', at => '2026-11-17 09:00+08')$$, 'refer upward');
SELECT results_eq($$SELECT status, handling_level, service_point, escalations, stage, stage_deadline FROM cases WHERE id = 13$$,
                  $$VALUES ('dispatched', 4, 2, 1, 'resolve', '2026-11-19 18:00+08'::timestamptz)$$,
                  'one level up to the subdistrict center, with a fresh 3-working-day limit: Tuesday 09:00 to Thursday 18:00');
SELECT results_eq($$SELECT action, escalation_trigger, handling_level, service_point, note FROM case_history WHERE case_id = 13 AND seq = 5$$,
                  $$VALUES ('escalate', 'referral', 4, 2, '涉及多个社区')$$, 'recorded as a referral');
SELECT lives_ok($$SELECT escalate(13, '需区级协调', to_level => 3, at => '2026-11-17 10:00+08')$$, 'refer to a named level');
SELECT results_eq($$SELECT handling_level, service_point, escalations FROM cases WHERE id = 13$$,
                  $$VALUES (3, 1, 2)$$, 'at the district center');
SELECT throws_ok($$SELECT escalate(13, '再上报')$$, 'GG001', 'case 13 is handled at district level and cannot climb higher',
                 'the district is the top');
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (16, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08');
SELECT throws_ok($$SELECT escalate(16, '未受理就上报')$$, 'GG001', NULL, 'a case not yet accepted is not escalated');
SELECT lives_ok($$UPDATE cases SET handling_level = 4, note = '直接改级别' WHERE id = 14$$,
                'lowering handling_level in a plain UPDATE is a referral too');
SELECT results_eq($$SELECT status, service_point, escalation_trigger FROM cases WHERE id = 14$$,
                  $$VALUES ('dispatched', 2, 'referral')$$, 'routed and recorded');

-- the time-based sweep
SELECT is((SELECT count(*) FROM escalate_overdue('2026-11-16 12:00+08'))::int, 0, 'nothing is due on Monday noon');
SELECT results_eq($$SELECT case_id, missed_deadline, from_level, to_level, service_point FROM escalate_overdue('2026-11-20 12:00+08') ORDER BY case_id$$,
                  $$VALUES (11::bigint, '2026-11-17 09:30+08'::timestamptz, 5, 4, 2),
                           (12, '2026-11-19 10:00+08', 5, 4, 2)$$,
                  'on Friday noon: the undispatched and the unresolved case; not the suspended one, nor those ahead of their deadline');
SELECT is((SELECT count(*) FROM escalate_overdue('2026-11-20 12:00+08'))::int, 0, 'a second sweep escalates nothing again');
SELECT is((SELECT count(*) FROM escalate_overdue('2026-11-17 12:00+08'))::int, 0,
          'a sweep dated before cases'' last moves leaves them alone');
SELECT results_eq($$SELECT escalation_trigger, note FROM case_history WHERE case_id = 11 AND action = 'escalate'$$,
                  $$VALUES ('overdue', 'deadline 2026-11-17 09:30:00+08 missed')$$, 'recorded as overdue');
SELECT results_eq($$SELECT status, stage, stage_deadline FROM cases WHERE id = 11$$,
                  $$VALUES ('dispatched', 'resolve', '2026-11-25 12:00+08'::timestamptz)$$,
                  'the escalated case is re-dispatched with a fresh limit from the sweep''s time');
SELECT is((SELECT status FROM cases WHERE id = 15), 'suspended', 'a suspended case''s clock is stopped');
SELECT results_eq($$SELECT id, deadlines_missed FROM cases WHERE id IN (11, 12, 15) ORDER BY id$$,
                  $$VALUES (11::bigint, 1), (12, 1), (15, 0)$$, 'an overdue escalation counts a missed deadline');

-- early warning: a third report in a week in the same grid
INSERT INTO cases (id, category, channel, location, reported_at) VALUES
    (21, 'neighbour_dispute', 'walk_in', (SELECT point FROM spot WHERE name = 'mashantou'), '2026-11-02 10:00+08'),
    (22, 'neighbour_dispute', 'walk_in', (SELECT point FROM spot WHERE name = 'mashantou'), '2026-11-10 10:00+08'),
    (23, 'neighbour_dispute', 'hotline', (SELECT point FROM spot WHERE name = 'mashantou'), '2026-11-12 10:00+08'),
    (24, 'neighbour_dispute', 'patrol', (SELECT point FROM spot WHERE name = 'mashantou'), '2026-11-13 10:00+08'),
    (25, 'neighbour_dispute', 'patrol', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-13 10:00+08');
SELECT results_eq($$SELECT id, severity::int, reported_severity::int, warning, linked_cases FROM cases WHERE id BETWEEN 21 AND 25 ORDER BY id$$,
                  $$VALUES (21::bigint, 1, 1, false, '{}'::bigint[]),
                           (22, 1, 1, false, '{}'),
                           (23, 1, 1, false, '{}'),
                           (24, 2, 1, true, '{22,23}'),
                           (25, 1, 1, false, '{}')$$,
                  'the third report within 7 days in one grid is raised and linked; other grids and older reports do not count');

-- rule changes reach the triggers at once (cache invalidation)
INSERT INTO warning_rule (category, time_window, threshold) VALUES (NULL, '30 days', 2);
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (26, 'neighbour_dispute', 'patrol', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-14 10:00+08');
SELECT results_eq($$SELECT severity, linked_cases FROM cases WHERE id = 26$$,
                  $$VALUES (2::smallint, '{25}'::bigint[])$$, 'a changed warning rule applies to the next report');
UPDATE category_rule SET handling_level = 4 WHERE category = 'neighbour_dispute' AND severity = 1;
INSERT INTO cases (id, category, channel, unit, reported_at)
VALUES (27, 'neighbour_dispute', 'patrol', '440311001001001', '2026-11-14 10:00+08');
SELECT results_eq($$SELECT handling_level, service_point FROM cases WHERE id = 27$$,
                  $$VALUES (4, 3)$$, 'a changed category rule applies to the next report');
INSERT INTO service_point (id, name, unit, department) VALUES (9, '光明街道综合行政执法队', '440311001', 'urban_management');
INSERT INTO cases (id, category, channel, unit, reported_at)
VALUES (28, 'illegal_construction', 'patrol', '440311001001001', '2026-11-14 10:00+08');
SELECT results_eq($$SELECT handling_level, service_point FROM cases WHERE id = 28$$,
                  $$VALUES (4, 9)$$, 'a new department desk is routed to at once');
SELECT * FROM finish();
ROLLBACK;
