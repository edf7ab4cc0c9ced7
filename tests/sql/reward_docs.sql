-- The examples of the rewards section of docs/people.md, run for real:
-- tools/check-docs checks that every example in the docs appears, with its
-- output, in expected/.  The district is tests/pgtap/reward_fixture.psql
-- (its ids made explicit, its reward counter set).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
BEGIN;
\i tests/pgtap/reward_fixture.psql
SET datestyle = 'ISO, YMD';
\set ECHO all
SELECT id, case_id, person, amount_fen, note FROM award_report(1, 200, 1, '及时发现噪音扰民');
SELECT case_id, person, amount_fen FROM award_report(2, 150.50, 2);
SELECT case_id, person, amount_fen FROM award_report(3, 120, 1);
SELECT award_report(7, 50, 2, '及时发现邻里纠纷');
UPDATE reward_fund SET capital_fen = capital_fen + 10000 WHERE id = 2;
SELECT id, case_id, amount_fen FROM award_report(7, 50, 2, '及时发现邻里纠纷');
SELECT award_report(1, 100, 1);
SELECT award_report(6, 100, 1);
SELECT award_report(4, 100, 1);
SELECT award_report(3, 20000, 1);
SELECT award_report(999, 100, 1);
UPDATE reward SET amount_fen = 100000 WHERE case_id = 1;
UPDATE reward_fund SET paid_fen = 0 WHERE id = 1;
SELECT * FROM reward_funds ORDER BY id;
SELECT * FROM volunteer_reports('440311', '2026-11-01', '2026-11-30');
SELECT * FROM volunteer_figures('440311', '2026-11-01', '2026-11-30');
SELECT volunteers, reports, settled_in_community, awards
  FROM volunteer_figures('440311', '2026-11-01', '2026-11-30', '{neighbour_dispute}');
SELECT district, name, volunteers, reports, reports_per_volunteer, awards, awarded_yuan FROM volunteer_figures;
ROLLBACK;
