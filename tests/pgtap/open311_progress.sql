-- The reporter's side of a request (issue 18, item 2): its progress by the
-- token (stages and replies), the evaluation after closure, a complaint
-- within gridgov.complaint_window reopening it as rework counted by the
-- rework rate, and a clear error after the window or when it is not closed.
BEGIN;
\ir case_fixture.psql
SELECT plan(32);

INSERT INTO open311_service (category) VALUES ('noise');
CREATE ROLE open311_tap_reporter LOGIN IN ROLE gridgov_reporter;
CREATE TEMP TABLE t AS
SELECT open311_post_request('noise', lat => 22.75, long => 113.94, description => '夜间装修') -> 0 AS answer;
CREATE TEMP TABLE r AS SELECT (answer ->> 'service_request_id')::bigint AS id, answer ->> 'token' AS token FROM t;
GRANT SELECT ON r TO open311_tap_reporter;
CREATE FUNCTION pg_temp.progress() RETURNS json LANGUAGE sql AS $$ SELECT open311_progress((SELECT token FROM r)) $$;

SELECT is(json_array_length(pg_temp.progress() -> 'stages'), 1, 'reported: one stage');
SELECT is(pg_temp.progress() -> 'stages' -> 0 ->> 'action', 'report', 'the report');
SELECT is(json_array_length(pg_temp.progress() -> 'replies'), 0, 'no reply yet');
SELECT is(pg_temp.progress() ->> 'may_evaluate', 'false', 'not to be evaluated before closure');

-- handled, with replies to the reporter and notes that are not for the reporter
SELECT accept((SELECT id FROM r), '内部: 来电人情绪激动');
SELECT dispatch((SELECT id FROM r));
SELECT start((SELECT id FROM r));
SELECT suspend((SELECT id FROM r), '等待物业提供施工许可');
SELECT resume((SELECT id FROM r));
SELECT resolve((SELECT id FROM r), '已责令施工方夜间停工');
SELECT verify((SELECT id FROM r), '内部: 回访');
SELECT close((SELECT id FROM r));
SELECT is(json_array_length(pg_temp.progress() -> 'stages'), 9, 'every stage, the report to the closure');
SELECT is((SELECT string_agg(s ->> 'status', ',') FROM json_array_elements(pg_temp.progress() -> 'stages') s),
          'reported,accepted,dispatched,in_progress,suspended,in_progress,resolved,verified,closed', 'in order, with the status after each');
SELECT is((SELECT string_agg(s ->> 'text', ',') FROM json_array_elements(pg_temp.progress() -> 'replies') s),
          '等待物业提供施工许可,已责令施工方夜间停工', 'the replies: the notes of the suspension and the resolution, not the internal ones');
SELECT is(pg_temp.progress() -> 'request' ->> 'status', 'closed', 'the request is closed');
SELECT is(pg_temp.progress() ->> 'may_complain', 'true', 'a complaint may still reopen it');
SELECT is(pg_temp.progress() ->> 'complaint_until',
          open311_datetime((SELECT closed_at FROM cases WHERE id = (SELECT id FROM r)) + interval '15 days'),
          'until 15 days after its closure, by default');

-- the evaluation, after closure
SELECT throws_ok($$SELECT open311_evaluate((SELECT token FROM r), 6)$$, '22023', NULL, 'a rating is 1 to 5');
SELECT lives_ok($$SELECT open311_evaluate((SELECT token FROM r), 2, '噪音仍在')$$, 'the reporter evaluates');
SELECT results_eq($$SELECT status, satisfaction::int, evaluation, last_action FROM cases WHERE id = (SELECT id FROM r)$$,
                  $$VALUES ('closed', 2, '噪音仍在', 'evaluate')$$, 'a move evaluate: the case stays closed, rated');
SELECT is((SELECT count(*) FROM case_history WHERE case_id = (SELECT id FROM r) AND action = 'evaluate'), 1::bigint,
          'recorded in the history');
SELECT lives_ok($$SELECT open311_evaluate((SELECT token FROM r), 2, '噪音仍在')$$, 'the same evaluation again changes nothing');
SELECT is((SELECT count(*) FROM case_history WHERE case_id = (SELECT id FROM r)), 10::bigint, 'and adds no history row');
SELECT is(reworked(kpi(c)), 0::bigint, 'not reworked yet') FROM cases c;

-- the complaint within the window: rework
SELECT throws_ok($$SELECT open311_complain((SELECT token FROM r), '  ')$$, '22023', 'a complaint needs a reason', 'a complaint says why');
SELECT lives_ok($$SELECT open311_complain((SELECT token FROM r), '夜间仍在施工')$$, 'the reporter complains');
SELECT results_eq($$SELECT status, stage, reopenings, closed_at IS NULL, verified_at IS NULL, note FROM cases WHERE id = (SELECT id FROM r)$$,
                  $$VALUES ('in_progress', 'resolve', 1, true, true, 'complaint: 夜间仍在施工')$$,
                  'the case is reopened as rework: in progress with a fresh resolve stage, no longer closed');
SELECT is((SELECT reworked(kpi(c)) FROM cases c), 1::bigint, 'the rework rate counts it');
SELECT throws_ok($$SELECT open311_complain((SELECT token FROM r), '再次投诉')$$, '55000', NULL,
                 'a second complaint, the request not closed: 55000');
SELECT throws_ok($$SELECT open311_evaluate((SELECT token FROM r), 5)$$, '55000', NULL, 'no evaluation while it is handled again');
SELECT is((SELECT count(*) FROM verify_history()), 0::bigint, 'the chain verifies');

-- past the window: a clear error
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (900, 'noise', 'resident_app', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-10-08 09:00+08');
INSERT INTO open311_request (district, case_id, token_sha256) VALUES ('440311', 900, sha256('old-token'));
SELECT accept(900, at => '2026-10-08 10:00+08');
SELECT dispatch(900, at => '2026-10-08 11:00+08');
SELECT start(900, at => '2026-10-08 14:00+08');
SELECT resolve(900, at => '2026-10-09 10:00+08');
SELECT verify(900, at => '2026-10-09 11:00+08');
SELECT close(900, at => '2026-10-09 15:00+08');
SELECT throws_like($$SELECT open311_complain('old-token', '还是很吵')$$,
                   'request 900 was closed at 2026-10-09 15:00:00+08, and the time for complaints ended at 2026-10-24 15:00:00+08',
                   'past the window: refused, saying when it ended');
SELECT throws_ok($$SELECT open311_complain('old-token', '还是很吵')$$, '55000', NULL, 'with 55000');
SET LOCAL gridgov.complaint_window = '90 days';
SELECT lives_ok($$SELECT open311_complain('old-token', '还是很吵')$$, 'a wider window, set by a superuser, lets it in');
SET LOCAL gridgov.complaint_window = 'soon';
SELECT throws_ok($$SELECT complaint_window()$$, '22007', NULL, 'a window that is no interval is refused when read');
SET LOCAL gridgov.complaint_window = '-1 day';
SELECT throws_ok($$SELECT complaint_window()$$, '22023', NULL, 'and one that is not positive');
RESET gridgov.complaint_window;

-- as a login that is only a gridgov_reporter
SET ROLE open311_tap_reporter;
SELECT throws_ok($$SET gridgov.complaint_window = '100 years'$$, '42501', NULL, 'a reporter cannot widen the window');
SELECT is(pg_temp.progress() -> 'request' ->> 'status', 'open', 'but reads its progress by the token');
SELECT throws_ok($$SELECT count(*) FROM case_history$$, '42501', NULL, 'and not the history itself');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
