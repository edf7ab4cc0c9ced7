-- Activities and sign-ups: the refusals with their SQLSTATEs and nothing
-- written; the capacity as a CHECK behind the trigger; the waiting list in
-- order; attendance; an import; a role that is not the owner.
BEGIN;
\i tests/pgtap/services_fixture.psql
SET TIME ZONE 'Asia/Shanghai';
SELECT plan(31);

SELECT lives_ok($$SELECT publish_activity(2, '[2030-06-04 14:00+08, 2030-06-04 16:00+08)', '法律咨询进社区', 'legal', 1, capacity => 2)$$,
                'an activity, booking its venue');
SELECT is((SELECT (b.organization, b.venue, b.during, b.status) FROM activity a JOIN booking b ON b.id = a.booking),
          (1::bigint, 2::bigint, '[2030-06-04 14:00+08, 2030-06-04 16:00+08)'::tstzrange, 'active'::text),
          'held by an active booking of its organization');
SELECT throws_ok($$SELECT publish_activity(2, '[2030-06-04 15:00+08, 2030-06-04 17:00+08)', '象棋', 'culture_sports', 1)$$,
                 '23P01', NULL, 'an activity over another''s time (23P01)');
SELECT throws_ok($$SELECT publish_activity(2, '[2030-06-04 09:00+08, 2030-06-04 11:00+08)', '讲座', 'health', 1, capacity => 21)$$,
                 '22023', NULL, 'over the venue''s capacity (22023)');
SELECT throws_ok($$SELECT publish_activity(2, '[2030-06-04 09:00+08, 2030-06-04 11:00+08)', '讲座', 'cooking', 1)$$,
                 '23503', NULL, 'a category outside the 1+8 (23503)');
SELECT throws_ok($$SELECT publish_activity(2, '[2030-06-04 09:00+08, 2030-06-04 11:00+08)', '讲座', 'health', NULL)$$,
                 '22023', NULL, 'no organization (22023)');
SELECT is((SELECT count(*) FROM booking), 1::bigint, 'the refused activities left no booking');

-- sign-ups: two places, then the waiting list
SELECT is((SELECT status FROM sign_up(1, 2)), 'confirmed', 'a place');
SELECT is((SELECT status FROM sign_up(1, 3)), 'confirmed', 'the last place');
SELECT is((SELECT status FROM sign_up(1, 4)), 'waiting', 'then the waiting list');
SELECT is((SELECT status FROM sign_up(1, 5)), 'waiting', 'in order');
SELECT throws_ok($$SELECT sign_up(1, 2)$$, '23505', 'person 2 has already signed up for activity 1', 'a second sign-up (23505)');
SELECT throws_ok($$SELECT sign_up(9, 2)$$, '23503', NULL, 'an unknown activity (23503)');
SELECT throws_ok($$SELECT sign_up(1, 99)$$, '23503', NULL, 'an unknown person (23503)');
SELECT is((SELECT signed_up FROM activity WHERE id = 1), 2, 'signed_up counts the confirmed');

-- the CHECK stands behind the trigger
SELECT throws_ok($$UPDATE signup SET status = 'confirmed' WHERE person = 4$$, '23514', NULL,
                 'a promotion beyond capacity is refused by activity_within_capacity (23514)');
SELECT throws_ok($$UPDATE activity SET signed_up = 1 WHERE id = 1$$, 'GG010', NULL, 'signed_up cannot be set (GG010)');
SELECT throws_ok($$UPDATE activity SET capacity = 1 WHERE id = 1$$, '23514', NULL, 'nor the capacity set below it (23514)');

-- a cancellation promotes the first waiting
SELECT is((SELECT status FROM cancel_signup((SELECT id FROM signup WHERE person = 2))), 'cancelled', 'cancelled');
SELECT is((SELECT array_agg(person || ':' || status ORDER BY person) FROM signup),
          ARRAY['2:cancelled', '3:confirmed', '4:confirmed', '5:waiting'], 'the first waiting got the place');
SELECT throws_ok($$SELECT cancel_signup((SELECT id FROM signup WHERE person = 2))$$, 'GG010', NULL, 'a second cancellation (GG010)');
SELECT throws_ok($$DELETE FROM signup$$, 'GG010', NULL, 'a delete (GG010)');

-- attendance
SELECT throws_ok($$SELECT record_attendance(1, ARRAY[3, 5])$$, 'GG010', NULL, 'a waiting person did not attend (GG010)');
SELECT is(record_attendance(1, ARRAY[3, 4]), 2, 'the confirmed attended');
SELECT throws_ok($$SELECT cancel_signup((SELECT id FROM signup WHERE person = 3))$$, 'GG010', NULL,
                 'an attended sign-up stands (GG010)');

-- cancelling an activity frees its venue and closes its sign-ups
SELECT lives_ok($$SELECT publish_activity(1, '[2030-06-04 09:00+08, 2030-06-04 11:00+08)', '讲座', 'health', 1)$$, 'another activity');
SELECT is((SELECT status FROM cancel_activity(currval(pg_get_serial_sequence('gridgov.activity', 'id')), '讲师缺席')),
          'cancelled', 'cancelled');
SELECT throws_ok($$SELECT sign_up(currval(pg_get_serial_sequence('gridgov.activity', 'id')), 6)$$, 'GG010', NULL,
                 'a cancelled activity takes no sign-ups (GG010)');
SELECT lives_ok($$SELECT book_venue(1, '[2030-06-04 09:00+08, 2030-06-04 11:00+08)', person => 6)$$, 'its venue is free again');

-- a role that is not the owner: a handler of 马山头 signs up for its activities only
CREATE ROLE gridgov_test_desk IN ROLE gridgov_handler;
SELECT grant_jurisdiction('gridgov_test_desk', '440311006004', 'handler') \g /dev/null
SET ROLE gridgov_test_desk;
SELECT throws_ok($$SELECT sign_up(1, 6)$$, '23503', NULL, 'an activity it cannot see does not exist for it (23503)');
SELECT lives_ok($$SELECT sign_up((SELECT id FROM publish_activity(3, '[2030-06-05 19:00+08, 2030-06-05 21:00+08)', '篮球赛', 'culture_sports', 7)), 6)$$,
                'it publishes and signs up in its units');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
