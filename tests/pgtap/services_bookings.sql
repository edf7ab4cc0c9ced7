-- Venues and bookings: every refusal with its SQLSTATE and nothing written;
-- cancellation keeps the record; the constraint holds where the trigger is
-- off; an import may lie in the past; a role that is not the owner books
-- under a handler grant of the venue's unit only, and sees the venues of
-- its units only.
BEGIN;
\i tests/pgtap/services_fixture.psql
SET TIME ZONE 'Asia/Shanghai';
SELECT plan(36);

-- the refusals
SELECT throws_ok($$SELECT book_venue(9, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 2)$$,
                 '23503', 'venue 9 does not exist', 'an unknown venue (23503)');
SELECT throws_ok($$SELECT book_venue(4, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 2)$$,
                 'GG010', 'venue 4 (根竹园调解室) is closed', 'a closed venue (GG010)');
SELECT throws_ok($$SELECT book_venue(2, '[2020-06-01 10:00+08, 2020-06-01 11:00+08)', person => 2)$$,
                 'GG010', 'a booking of venue 2 from 2020-06-01 10:00:00+08 starts in the past', 'the past (GG010)');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-03 08:00+08, 2030-06-03 10:00+08)', person => 2)$$,
                 'GG010', NULL, 'before opening (GG010)');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-03 17:00+08, 2030-06-03 19:00+08)', person => 2)$$,
                 'GG010', NULL, 'past closing (GG010)');
SELECT throws_ok($$SELECT book_venue(3, '[2030-06-03 21:00+08, 2030-06-04 09:00+08)', person => 2)$$,
                 'GG010', NULL, 'over midnight (GG010)');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-08 10:00+08, 2030-06-08 11:00+08)', person => 2)$$,
                 'GG010', NULL, 'a rest day without hours (GG010)');
SELECT throws_ok($$SELECT book_venue(1, '[2030-06-05 10:00+08, 2030-06-05 11:00+08)', person => 2)$$,
                 'GG010', NULL, 'a day closed by an exception (GG010)');
SELECT lives_ok($$SELECT book_venue(1, '[2030-06-08 10:00+08, 2030-06-08 11:00+08)', person => 2)$$,
                'a rest day''s hours');
SELECT lives_ok($$SELECT book_venue(3, '[2030-06-03 21:00+08, 2030-06-03 22:00+08)', person => 2)$$,
                'up to closing time');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 2, attendees => 21)$$,
                 '22023', NULL, 'over capacity (22023)');
SELECT throws_ok($$SELECT book_venue(2, '(,2030-06-03 11:00+08)', person => 2)$$,
                 '22023', NULL, 'no start (22023)');
SELECT throws_ok($$SELECT book_venue(2, 'empty', person => 2)$$, '22023', NULL, 'an empty range (22023)');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)')$$,
                 '22023', NULL, 'nobody booking (22023)');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', person => 99)$$,
                 '23503', NULL, 'an unknown person (23503)');
SELECT throws_ok($$INSERT INTO booking (venue, during, person, status) VALUES (2, '[2030-06-03 10:00+08, 2030-06-03 11:00+08)', 2, 'cancelled')$$,
                 '22023', NULL, 'a new booking that is not active (22023)');
SELECT is((SELECT count(*) FROM booking), 2::bigint, 'nothing refused was written');

-- overlaps, named
SELECT lives_ok($$SELECT book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 12:00+08)', person => 2)$$, 'a booking');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-03 11:00+08, 2030-06-03 13:00+08)', person => 3)$$,
                 '23P01', 'venue 2 is already booked from 2030-06-03 10:00:00 to 2030-06-03 12:00:00 by booking ' ||
                          (SELECT id FROM booking WHERE venue = 2), 'an overlap names the booking (23P01)');
SELECT lives_ok($$SELECT book_venue(2, '[2030-06-03 12:00+08, 2030-06-03 13:00+08)', person => 3)$$,
                'right after it: ranges are half-open');
SELECT lives_ok($$SELECT book_venue(1, '[2030-06-03 10:00+08, 2030-06-03 12:00+08)', person => 3)$$,
                'the same hours of another venue');

-- the constraint is the guarantee: without the trigger, still refused
ALTER TABLE booking DISABLE TRIGGER gridgov_booking_before_insert;
SELECT throws_ok($$INSERT INTO booking (venue, during, person) VALUES (2, '[2030-06-03 11:30+08, 2030-06-03 12:30+08)', 4)$$,
                 '23P01', NULL, 'with the trigger off, booking_no_overlap refuses (23P01)');
ALTER TABLE booking ENABLE TRIGGER gridgov_booking_before_insert;

-- cancellation
SELECT is((SELECT status FROM cancel_booking((SELECT id FROM booking WHERE venue = 2 AND person = 2), '改期')),
          'cancelled', 'cancelled');
SELECT is((SELECT count(*) FROM booking WHERE venue = 2), 2::bigint, 'and kept on record');
SELECT lives_ok($$SELECT book_venue(2, '[2030-06-03 10:00+08, 2030-06-03 12:00+08)', person => 4)$$, 'its slot is free again');
SELECT throws_ok($$SELECT cancel_booking((SELECT id FROM booking WHERE venue = 2 AND person = 2))$$,
                 'GG010', NULL, 'a second cancellation (GG010)');
SELECT throws_ok($$UPDATE booking SET during = '[2030-06-03 14:00+08, 2030-06-03 15:00+08)' WHERE venue = 2 AND person = 4$$,
                 'GG010', NULL, 'a change of time (GG010)');
SELECT throws_ok($$DELETE FROM booking WHERE venue = 2$$, 'GG010', NULL, 'a delete (GG010)');
SELECT throws_ok($$SELECT cancel_booking(999)$$, '23503', NULL, 'an unknown booking (23503)');

-- an import (its own booked_at, by a member of gridgov_importer) may lie in
-- the past, within the hours and without overlap still
SELECT lives_ok($$INSERT INTO booking (venue, during, person, booked_at)
                  VALUES (2, '[2026-06-01 10:00+08, 2026-06-01 11:00+08)', 2, '2026-05-30 09:00+08')$$,
                'an import in the past');
SELECT throws_ok($$INSERT INTO booking (venue, during, person, booked_at)
                   VALUES (2, '[2026-06-01 10:30+08, 2026-06-01 11:30+08)', 3, '2026-05-30 09:00+08')$$,
                 '23P01', NULL, 'overlapping it (23P01)');

-- a role that is not the owner: a handler of 马山头 books its court only
CREATE ROLE gridgov_test_desk IN ROLE gridgov_handler;
SELECT grant_jurisdiction('gridgov_test_desk', '440311006004', 'handler') \g /dev/null
SET ROLE gridgov_test_desk;
SELECT is((SELECT array_agg(id ORDER BY id) FROM venue), ARRAY[3]::bigint[], 'it sees the venues of its units');
SELECT lives_ok($$SELECT book_venue(3, '[2030-06-04 10:00+08, 2030-06-04 11:00+08)', person => 5)$$,
                'it books there');
SELECT throws_ok($$SELECT book_venue(2, '[2030-06-04 10:00+08, 2030-06-04 11:00+08)', person => 5)$$,
                 '23503', NULL, 'a venue it cannot see does not exist for it (23503)');
SELECT throws_ok($$INSERT INTO venue (name, service_point, capacity) VALUES ('新场地', 2, 10)$$,
                 '42501', NULL, 'it keeps no venues (42501)');
RESET ROLE;
SELECT is((SELECT booked_by FROM booking WHERE venue = 3 AND person = 5), 'gridgov_test_desk', 'booked_by is the role');

SELECT * FROM finish();
ROLLBACK;
