-- Rewards: an award pays the reporting volunteer from a fund and is written
-- once; every bad award is refused with its SQLSTATE, a message naming the
-- bad part and a hint, and leaves the fund and the ledger as they were;
-- the ledger is append-only and paid_fen follows it; a clerk who is not the
-- owner awards with the grants the docs name; the figures are counted
-- again by hand.
BEGIN;
\i tests/pgtap/reward_fixture.psql
SELECT plan(56);

-- an error's hint, for the checks below
CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END $$;
-- the funds and the ledger, to show that a refusal left them alone
CREATE FUNCTION pg_temp.books() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(id || ':' || paid_fen, ' ' ORDER BY id) || ' / ' || (SELECT count(*) FROM gridgov.reward)
      FROM gridgov.reward_fund $$;

-- an award
SELECT results_eq($$SELECT id, fund, case_id, person, amount_fen, awarded_by = CURRENT_USER, note
                      FROM award_report(1, 200, 1, '及时发现噪音扰民')$$,
                  $$VALUES (1::bigint, 1::bigint, 1::bigint, 1::bigint, 20000::bigint, true, '及时发现噪音扰民')$$,
                  'award_report pays the case''s reporter, in fen');
SELECT is((SELECT awarded_at FROM reward WHERE id = 1), now(), 'at the server''s time');
SELECT results_eq($$SELECT paid_fen FROM reward_fund WHERE id = 1$$, $$VALUES (20000::bigint)$$, 'the fund paid it');
SELECT lives_ok($$SELECT award_report(2, 150.5, 2)$$, 'an award to the fen, from the small fund');
SELECT results_eq($$SELECT amount_fen, person FROM reward WHERE case_id = 2$$, $$VALUES (15050::bigint, 2::bigint)$$,
                  '150.50 yuan is 15,050 fen, to person 2');
SELECT is(pg_temp.books(), '1:20000 2:15050 / 2', 'the books after two awards');

-- amounts
SELECT throws_ok($$SELECT award_report(3, 49.99, 1)$$, '22003',
                 'a reward of 49.99 yuan is outside 50 to 10,000 yuan', 'below 50 yuan is refused (22003)');
SELECT throws_ok($$SELECT award_report(3, 10000.01, 1)$$, '22003',
                 'a reward of 10000.01 yuan is outside 50 to 10,000 yuan', 'above 10,000 yuan is refused (22003)');
SELECT throws_ok($$SELECT award_report(3, NULL, 1)$$, '22003',
                 'a reward of NULL yuan is outside 50 to 10,000 yuan', 'no amount is refused (22003)');
SELECT is(pg_temp.hint_of($$SELECT award_report(3, 20, 1)$$), 'Award between 50 and 10,000 yuan for one report.',
          'with a hint giving the range');
SELECT throws_ok($$SELECT award_report(3, 100.005, 1)$$, '22023',
                 'a reward of 100.005 yuan is not a whole number of fen', 'a part of a fen is refused (22023)');
SELECT throws_ok($$INSERT INTO reward (fund, case_id, amount_fen) VALUES (1, 3, 4999)$$, '22003',
                 'a reward of 4999 fen is outside 5,000 to 1,000,000 fen (50 to 10,000 yuan)',
                 'a plain INSERT below 5,000 fen is refused too (22003)');
-- what the award is for
SELECT throws_ok($$SELECT award_report(999, 100, 1)$$, '23503', 'case 999 does not exist', 'no such case (23503)');
SELECT is(pg_temp.hint_of($$SELECT award_report(999, 100, 1)$$), 'Award a case of gridgov.cases, by its id.',
          'with a hint');
SELECT throws_ok($$SELECT award_report(3, 100, 9)$$, '23503', 'reward fund 9 does not exist', 'no such fund (23503)');
SELECT is(pg_temp.hint_of($$SELECT award_report(3, 100, 9)$$), 'Name a fund of gridgov.reward_fund, by its id.',
          'with a hint');
SELECT throws_ok($$SELECT award_report(6, 100, 1)$$, '55000', 'case 6 is accepted, not closed',
                 'a case not yet closed (55000)');
SELECT is(pg_temp.hint_of($$SELECT award_report(6, 100, 1)$$), 'A report is rewarded once its case is closed (结案).',
          'with a hint');
SELECT throws_ok($$SELECT award_report(4, 100, 1)$$, '22023',
                 'case 4 was not reported by a patrol volunteer: its reporter_person 4 held no patrol_volunteer post on 2026-11-16',
                 'a resident''s report is not a volunteer''s (22023)');
SELECT throws_ok($$SELECT award_report(5, 100, 1)$$, '22023',
                 'case 5 was not reported by a patrol volunteer: its reporter_person 5 held no patrol_volunteer post on 2026-11-16',
                 'nor is a report made after the volunteer''s post ended (22023)');
SELECT is(pg_temp.hint_of($$SELECT award_report(5, 100, 1)$$),
          'Only a report whose reporter_person was a patrol volunteer (平安员) that day is rewarded.', 'with a hint');
SELECT throws_ok($$INSERT INTO reward (fund, case_id, person, amount_fen) VALUES (1, 3, 1, 5000)$$, '22023',
                 'the reward of case 3 goes to its reporter, person 3, not person 1',
                 'a reward to someone else than the reporter (22023)');
SELECT throws_ok($$SELECT award_report(1, 100, 1)$$, '23505', 'case 1 has already been rewarded',
                 'a second award of a case (23505)');
SELECT is(pg_temp.hint_of($$SELECT award_report(1, 100, 1)$$), 'One report earns one award: see gridgov.reward.',
          'with a hint');
SELECT throws_ok($$SELECT award_report(3, 50, 2)$$, '23514',
                 'a reward of 5000 fen is beyond reward fund 2, which has 4950 fen left',
                 'beyond the fund (23514), naming what is left');
SELECT is(pg_temp.hint_of($$SELECT award_report(3, 50, 2)$$), 'Award less, or raise the fund''s capital_fen.',
          'with a hint');
SELECT is(pg_temp.books(), '1:20000 2:15050 / 2', 'every refusal left the funds and the ledger as they were');
-- what is left can be paid to the fen
SELECT lives_ok($$SELECT award_report(3, 49.50 + 0.5, 1)$$, 'another award from the big fund');
SELECT lives_ok($$UPDATE reward_fund SET capital_fen = capital_fen + 100 WHERE id = 2$$, 'a fund can be raised');
SELECT lives_ok($$SELECT award_report(7, 50.50, 2)$$, 'and then pays exactly what it has left');
SELECT results_eq($$SELECT capital_fen - paid_fen FROM reward_fund WHERE id = 2$$, $$VALUES (0::bigint)$$,
                  'the small fund is spent to the fen');
SELECT throws_ok($$UPDATE reward_fund SET capital_fen = capital_fen - 1 WHERE id = 2$$, '23514', NULL,
                 'nor can its capital drop below what it paid (23514)');

-- append-only; paid follows the ledger
SELECT throws_ok($$UPDATE reward SET amount_fen = 10000 WHERE id = 1$$, 'GG008',
                 'the reward ledger is append-only: UPDATE is refused', 'UPDATE of the ledger (GG008)');
SELECT throws_ok($$DELETE FROM reward WHERE id = 1$$, 'GG008',
                 'the reward ledger is append-only: DELETE is refused', 'DELETE (GG008)');
SELECT throws_ok($$TRUNCATE reward CASCADE$$, 'GG008',
                 'the reward ledger is append-only: TRUNCATE is refused', 'TRUNCATE (GG008)');
SELECT throws_ok($$UPDATE reward_fund SET paid_fen = 0 WHERE id = 1$$, 'GG008',
                 'paid_fen of reward fund 1 follows the ledger and cannot be set', 'paid_fen by hand (GG008)');
SELECT is(pg_temp.hint_of($$UPDATE reward_fund SET paid_fen = 0 WHERE id = 1$$),
          'Award through gridgov.award_report(), or an INSERT into gridgov.reward.', 'with a hint');
SELECT lives_ok($$INSERT INTO reward_fund (id, name, capital_fen, paid_fen) VALUES (9, '某基金', 100000, 5000)$$,
                'a fund that starts paid is a restore, which the owner may make');
SELECT throws_ok($$INSERT INTO reward_fund (name, capital_fen) VALUES ('某基金', -1)$$, '23514', NULL,
                 'a negative capital (23514)');

-- the books: paid equals the ledger, by hand
SELECT results_eq($$SELECT id, capital_yuan, paid_yuan, left_yuan, awards, ledger_yuan FROM reward_funds ORDER BY id$$,
                  $$VALUES (1::bigint, 1000000.00, 250.00, 999750.00, 2::bigint, 250.00),
                           (2::bigint, 201.00, 201.00, 0.00, 2::bigint, 201.00),
                           (9::bigint, 1000.00, 50.00, 950.00, 0::bigint, 0.00)$$,
                  'reward_funds: capital, paid, left, and the ledger''s own count and sum');
SELECT results_eq($$SELECT f.id, f.paid_fen FROM reward_fund f WHERE f.id <> 9 ORDER BY f.id$$,
                  $$SELECT r.fund, sum(r.amount_fen)::bigint FROM reward r GROUP BY r.fund ORDER BY r.fund$$,
                  'every fund''s paid_fen is the sum of its awards (but the restored one''s)');

-- the volunteers' figures
SELECT results_eq($$SELECT * FROM volunteer_reports('440311', '2026-11-01', '2026-11-30')$$,
                  $$VALUES (1::bigint, 2::bigint, 1::bigint, 1::bigint, 1::bigint, 200.00),
                           (2::bigint, 2::bigint, 2::bigint, 2::bigint, 2::bigint, 201.00),
                           (3::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 50.00)$$,
                  'volunteer_reports: per volunteer, reports, closed, settled in the community, awards (not 4 nor 5)');
SELECT results_eq($$SELECT person, reports FROM volunteer_reports('440311006003', '2026-11-17', NULL)$$,
                  $$VALUES (2::bigint, 1::bigint)$$, 'under a community, from a day on');
SELECT results_eq($$SELECT person, reports FROM volunteer_reports('440311', NULL, NULL, '{neighbour_dispute}')$$,
                  $$VALUES (2::bigint, 1::bigint)$$, 'of some categories');
SELECT is_empty($$SELECT * FROM volunteer_reports('440311', '2026-11-18', '2026-11-30')$$, 'none after the last report');
SELECT results_eq($$SELECT * FROM volunteer_figures('440311', '2026-11-01', '2026-11-30')$$,
                  $$VALUES (3::bigint, 3::bigint, 5::bigint, 1.667, 4::bigint, 4::bigint, 100.0, 4::bigint, 451.00)$$,
                  'volunteer_figures: 3 volunteers on 11-30 (5''s post ended), 5 reports, 4 closed, 4 awards');
SELECT results_eq($$SELECT volunteers, reports FROM volunteer_figures('440311', NULL, '2026-10-31')$$,
                  $$VALUES (4::bigint, 0::bigint)$$, 'on 10-31: 4 volunteers, no report yet');
SELECT results_eq($$SELECT district, name, volunteers, reports, awards, awarded_yuan FROM volunteer_figures$$,
                  $$VALUES ('440311'::text, '光明区', 3::bigint, 5::bigint, 4::bigint, 451.00)$$,
                  'the view: every district with volunteers, over all time');

-- a clerk who is not the owner awards with the grants docs/people.md names
CREATE ROLE gridgov_reward_clerk;
GRANT USAGE ON SCHEMA gridgov TO gridgov_reward_clerk;
GRANT SELECT ON gridgov.cases, gridgov.post, gridgov.organization, gridgov.reward_fund TO gridgov_reward_clerk;
GRANT SELECT, INSERT ON gridgov.reward TO gridgov_reward_clerk;
GRANT UPDATE (paid_fen) ON gridgov.reward_fund TO gridgov_reward_clerk;
GRANT EXECUTE ON FUNCTION gridgov.award_report(bigint, numeric, bigint, text) TO gridgov_reward_clerk;
GRANT INSERT ON gridgov.reward_fund TO gridgov_reward_clerk;
GRANT USAGE ON SEQUENCE gridgov.reward_fund_id_seq TO gridgov_reward_clerk;
SET ROLE gridgov_reward_clerk;
SELECT throws_ok($$SELECT award_report(1, 80, 1)$$, '23503', 'case 1 does not exist',
                 'a clerk without a jurisdiction grant sees no case to award (23503)');
RESET ROLE;
SELECT grant_jurisdiction('gridgov_reward_clerk', '440311', 'administrator') \g /dev/null
INSERT INTO cases (id, category, channel, location, reporter_person, reported_at)
SELECT 8, 'noise', 'patrol', point, 1, '2026-11-18 09:00+08' FROM spot WHERE name = 'genzhuyuan';
SELECT pg_temp.close_case(8) \g /dev/null
SET ROLE gridgov_reward_clerk;
SELECT throws_ok($$SELECT award_report(8, 80, 2)$$, '23514', NULL,
                 'a clerk is refused as the owner is (23514: the small fund is spent)');
SELECT lives_ok($$SELECT award_report(8, 80, 1)$$, 'a clerk awards');
SELECT results_eq($$SELECT awarded_by FROM reward WHERE case_id = 8$$, $$VALUES ('gridgov_reward_clerk'::text)$$,
                  'in their own name');
SELECT throws_ok($$UPDATE reward_fund SET paid_fen = 0 WHERE id = 1$$, 'GG008', NULL,
                 'but cannot set paid_fen (GG008)');
SELECT throws_ok($$INSERT INTO reward_fund (name, capital_fen, paid_fen) VALUES ('某基金', 100000, 5000)$$, 'GG008',
                 'a new reward fund cannot start with 5000 fen paid', 'a fund that starts paid, from a non-importer (GG008)');
SELECT throws_ok($$INSERT INTO reward (fund, case_id, amount_fen, awarded_at) VALUES (1, 8, 5000, '2026-01-01')$$, '23505',
                 'case 8 has already been rewarded', 'an award with a date of its own, from a non-importer, is checked as any');
SELECT throws_ok($$UPDATE reward_fund SET capital_fen = 0 WHERE id = 1$$, '42501', NULL,
                 'nor the capital without the grant (42501)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
