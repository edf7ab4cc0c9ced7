-- Ratings and awards: refusals with their SQLSTATEs, once per resident and
-- target, the monthly rollup equal to a recount whoever rates, the awards
-- kept as records; a role that is not the owner.
BEGIN;
\i tests/pgtap/services_fixture.psql
SET TIME ZONE 'Asia/Shanghai';
SELECT plan(19);

SELECT throws_ok($$SELECT rate(2, 'venue', 99, 4)$$, '23503', 'venue 99 does not exist', 'an unknown venue (23503)');
SELECT throws_ok($$SELECT rate(2, 'hall', 99, 4)$$, '23503', NULL, 'an unknown hall (23503)');
SELECT throws_ok($$SELECT rate(2, 'case', 99, 4)$$, '23503', NULL, 'an unknown case (23503)');
SELECT throws_ok($$SELECT rate(99, 'venue', 1, 4)$$, '23503', NULL, 'an unknown person (23503)');
SELECT throws_ok($$SELECT rate(2, 'venue', 1, 0)$$, '22023', NULL, '0 stars (22023)');
SELECT throws_ok($$INSERT INTO rating (person, target_kind, target, stars) VALUES (2, 'venue', 1, 6)$$,
                 '23514', NULL, '6 stars by a plain INSERT (23514)');
SELECT throws_ok($$SELECT rate(2, 'room', 1, 4)$$, '22023', NULL, 'an unknown kind of target (22023)');
SELECT lives_ok($$SELECT rate(2, 'venue', 1, 4)$$, 'a rating');
SELECT throws_ok($$SELECT rate(2, 'venue', 1, 5)$$, '23505', NULL, 'a second one (23505)');
SELECT lives_ok($$SELECT rate(2, 'venue', 2, 5)$$, 'the same person, another venue');
SELECT throws_ok($$DELETE FROM rating$$, 'GG010', NULL, 'a rating is not deleted (GG010)');

-- the rollup is a recount, however the ratings came
INSERT INTO person (id) SELECT generate_series(101, 300);
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT p, 'venue', 1 + p % 3, 1 + (p * 7) % 5, '2026-01-15 12:00+08'::timestamptz + (p % 10) * interval '1 month'
  FROM generate_series(101, 300) p;
SELECT results_eq(
    $$SELECT unit, month, target_kind, ratings, stars, five_stars FROM rating_monthly ORDER BY 1, 2, 3$$,
    $$SELECT unit, date_trunc('month', rated_at)::date, target_kind, count(*), sum(stars), count(*) FILTER (WHERE stars = 5)
        FROM rating GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
    'rating_monthly is the recount of the ratings');
SELECT results_eq(
    $$SELECT unit, ratings FROM ratings_by_unit('440311', 4, '2026-01-01', '2099-12-01')$$,
    $$SELECT '440311006'::gridcode, count(*) FROM rating$$,
    'and merges up the tree');

-- awards
SELECT lives_ok($$SELECT award_month('2026-02-01', winners => 5, min_ratings => 1, min_cases => 0)$$, 'a month awarded');
SELECT is((SELECT count(*) FROM hall_award WHERE month = '2026-02-01'), 2::bigint, 'both halls rated, both awarded');
SELECT throws_ok($$UPDATE hall_award SET score = 100$$, 'GG010', NULL, 'an award is a record (GG010)');

-- a role that is not the owner: a handler of 马山头 rates there; the
-- rollup is written as the owner; it does not award
CREATE ROLE gridgov_test_desk IN ROLE gridgov_handler;
SELECT grant_jurisdiction('gridgov_test_desk', '440311006004', 'handler') \g /dev/null
SET ROLE gridgov_test_desk;
SELECT lives_ok($$SELECT rate(3, 'venue', 3, 5)$$, 'it records a rating of its units');
SELECT throws_ok($$SELECT rate(3, 'venue', 1, 5)$$, '23503', NULL, 'a venue it cannot see does not exist for it (23503)');
SELECT throws_ok($$SELECT award_month('2026-03-01')$$, '42501', NULL, 'it does not award (42501)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
