-- The examples of docs/services.md, run for real: tools/check-docs checks
-- that every example in the docs appears, with its output, in expected/.
-- The venues are tests/pgtap/services_fixture.psql.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
BEGIN;
\i tests/pgtap/services_fixture.psql
SET datestyle = 'ISO, YMD';
SET TIME ZONE 'Asia/Shanghai';
\set ECHO all
SELECT id, name, kind, service_point, unit, capacity, status FROM venue ORDER BY id;
SELECT * FROM venue_open_periods(1, '2030-06-03');
SELECT * FROM venue_open_periods(1, '2030-06-08');
SELECT * FROM venue_open_periods(1, '2030-06-05');
SELECT id, venue, during, person, organization, attendees, status
  FROM book_venue(1, '[2030-06-03 14:00+08, 2030-06-03 16:00+08)', person => 13, attendees => 40, purpose => '书法班');
SELECT id, during, organization, status
  FROM book_venue(1, '[2030-06-03 16:00+08, 2030-06-03 18:00+08)', organization => 5, attendees => 12);
SELECT id FROM book_venue(1, '[2030-06-03 15:00+08, 2030-06-03 17:00+08)', person => 2);
INSERT INTO booking (venue, during, person) VALUES (1, '[2030-06-03 17:30+08, 2030-06-03 19:00+08)', 3);
SELECT id FROM book_venue(1, '[2030-06-03 11:00+08, 2030-06-03 15:00+08)', person => 2);
SELECT id FROM book_venue(1, '[2030-06-05 10:00+08, 2030-06-05 11:00+08)', person => 2);
SELECT id FROM book_venue(1, '[2030-06-06 14:00+08, 2030-06-06 15:00+08)', person => 2);
SELECT id FROM book_venue(2, '[2030-06-08 10:00+08, 2030-06-08 11:00+08)', person => 2);
SELECT id FROM book_venue(4, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 2);
SELECT id FROM book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 2, attendees => 25);
SELECT id FROM book_venue(2, '[2020-06-01 10:00+08, 2020-06-01 11:00+08)', person => 2);
SELECT id FROM book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 2, organization => 5);
SELECT id, status, cancel_reason FROM cancel_booking(1, '老师生病');
SELECT id, during, person, status FROM book_venue(1, '[2030-06-03 14:00+08, 2030-06-03 16:00+08)', person => 2);
SELECT id, during, status, cancel_reason FROM booking WHERE venue = 1 ORDER BY id;
SELECT * FROM venue_day(1, '2030-06-03');
UPDATE booking SET attendees = 60 WHERE id = 2;
DELETE FROM booking WHERE id = 1;
SELECT id FROM cancel_booking(1);
SELECT code, name FROM activity_category ORDER BY code;
SELECT id, title, category, venue, unit, during, capacity, signed_up
  FROM publish_activity(2, '[2030-06-04 14:00+08, 2030-06-04 16:00+08)', '法律咨询进社区', 'legal', 1, capacity => 3);
SELECT id FROM publish_activity(2, '[2030-06-04 15:00+08, 2030-06-04 17:00+08)', '象棋比赛', 'culture_sports', 1);
SELECT id FROM publish_activity(2, '[2030-06-04 09:00+08, 2030-06-04 11:00+08)', '健康讲座', 'health', 1, capacity => 30);
SELECT s.id, s.person, s.status FROM generate_series(2, 6) p, LATERAL sign_up(1, p) s;
SELECT id FROM sign_up(1, 2);
SELECT * FROM activity_places WHERE id = 1;
SELECT id, status, cancelled_at IS NOT NULL AS cancelled FROM cancel_signup(2);
SELECT id, person, status, promoted_at IS NOT NULL AS promoted FROM signup WHERE activity = 1 ORDER BY id;
UPDATE activity SET signed_up = 4 WHERE id = 1;
SELECT record_attendance(1, ARRAY[3, 4]);
SELECT record_attendance(1, ARRAY[2, 4, 5]);
SELECT id, person, status, attended FROM signup WHERE activity = 1 ORDER BY id;
SELECT * FROM activity_places WHERE id = 1;
SELECT id, person, target_kind, target, stars, unit FROM rate(2, 'hall', 1, 5, '服务热情');
SELECT id FROM rate(2, 'hall', 1, 4);
SELECT id FROM rate(2, 'activity', 1, 5);
SELECT id FROM rate(2, 'case', 999, 5);
SELECT id FROM rate(2, 'venue', 1, 6);
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT p, t.kind, t.target, CASE WHEN t.target = 1 THEN 5 - p % 3 ELSE 3 + p % 2 END, '2026-03-10 10:00+08'
  FROM generate_series(3, 12) p, (VALUES ('hall', 1), ('venue', 1), ('venue', 2), ('hall', 2), ('venue', 3)) t(kind, target);
INSERT INTO person (id) SELECT generate_series(101, 110);
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT p, 'venue', 3, CASE WHEN p % 4 = 0 THEN 4 ELSE 5 END, '2026-04-20 15:00+08' FROM generate_series(101, 110) p;
SELECT unit, month, target_kind, ratings, stars, five_stars FROM rating_monthly
 WHERE month < '2026-06-01' ORDER BY unit, month, target_kind;
SELECT * FROM ratings_by_unit('440311', 5, '2026-03-01', '2026-03-01');
SELECT * FROM ratings_by_unit('440311', 4, '2026-03-01', '2026-04-01', ARRAY['venue']);
UPDATE rating SET stars = 5 WHERE person = 2;
SELECT rank, service_point, name, score, ratings, mean_stars, rating_score, cases, case_score
  FROM hall_scores('2026-03-01', min_ratings => 5, min_cases => 0);
SELECT month, rank, service_point, score, figures->>'mean_stars' AS mean_stars, formula
  FROM award_month('2026-03-01', winners => 1, min_ratings => 5, min_cases => 0);
SELECT month FROM award_month('2026-03-01', winners => 1, min_ratings => 5, min_cases => 0);
SELECT month FROM award_month('2026-03-01', rating_weight => 0.7, case_weight => 0.5);
SELECT month FROM award_month('2099-01-01');
SELECT month, rank, service_point, score FROM award_month('2026-04-01', winners => 1, min_ratings => 5, min_cases => 0);
SELECT month, rank, name, score, kept, flags_so_far, mean_stars FROM hall_award_history ORDER BY month, rank;
\set ECHO none
ROLLBACK;
