-- Budgets: commitments within their line, payments and releases within
-- their commitment, the counters following the ledger; every bad entry
-- refused with its SQLSTATE and a hint, leaving the books as they were; the
-- ledger append-only (GG009); the spend reports summed up the tree; a clerk
-- who is not the owner enters where a grant lets it, and nowhere else.
BEGIN;
\i tests/pgtap/lists_fixture.psql
SELECT plan(55);

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
-- the lines' counters and the ledger's size, to show a refusal left them alone
CREATE FUNCTION pg_temp.books() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(id || ':' || committed_fen || '/' || paid_fen, ' ' ORDER BY id)
           || ' # ' || (SELECT count(*) FROM gridgov.budget_entry)
      FROM gridgov.budget $$;

-- commitments
SELECT results_eq($$SELECT id, budget, kind, commitment, amount_fen, entered_by = CURRENT_USER, note
                      FROM commit_budget(2, 150000, '微实事：小区路灯更换')$$,
                  $$VALUES (1::bigint, 2::bigint, 'commitment', NULL::bigint, 15000000::bigint, true, '微实事：小区路灯更换')$$,
                  'commit_budget enters a commitment, in fen');
SELECT is((SELECT entered_at FROM budget_entry WHERE id = 1), now(), 'at the server''s time');
SELECT lives_ok($$SELECT commit_budget(2, 49999.99, '微实事：长者饭堂')$$, 'a commitment to the fen');
SELECT is(pg_temp.books(), '1:0/0 2:19999999/0 3:0/0 4:0/0 # 2', 'the line committed both');
SELECT lives_ok($$SELECT commit_budget(4, 1000)$$, 'a commitment of the whole line');
SELECT throws_ok($$SELECT commit_budget(4, 0.01)$$, '23514',
                 'a commitment of 1 fen is beyond budget line 4, which has 0 fen uncommitted',
                 'one fen more is beyond the line (23514)');
SELECT is(pg_temp.hint_of($$SELECT commit_budget(4, 0.01)$$),
          'Commit less, release what other commitments will not need, or raise the budget''s amount_fen.', 'with a hint');
SELECT throws_ok($$SELECT commit_budget(99, 10)$$, '23503', 'budget line 99 does not exist', 'an unknown line (23503)');
SELECT throws_ok($$SELECT commit_budget(2, 0)$$, '22023', 'an amount of 0 yuan is not positive', 'nothing (22023)');
SELECT throws_ok($$SELECT commit_budget(2, -5)$$, '22023', 'an amount of -5 yuan is not positive', 'a negative amount (22023)');
SELECT throws_ok($$SELECT commit_budget(2, 'NaN')$$, '22023', 'an amount of NaN yuan is not a number', 'NaN (22023)');
SELECT throws_ok($$SELECT commit_budget(2, 'Infinity')$$, '22003', 'an amount of Infinity yuan is out of range',
                 'an infinite amount (22003)');
SELECT throws_ok($$SELECT commit_budget(2, 92233720368547758.08)$$, '22003',
                 'an amount of 92233720368547758.08 yuan is out of range', 'a fen beyond a bigint (22003)');
SELECT is(yuan_to_fen(92233720368547758.07), 9223372036854775807, 'the largest amount is a bigint''s largest number of fen');
SELECT throws_ok($$SELECT pay_commitment(1, '-Infinity')$$, '22023', 'an amount of -Infinity yuan is not positive',
                 'a payment of minus infinity (22023)');
SELECT throws_ok($$SELECT commit_budget(2, 1.234)$$, '22023', 'an amount of 1.234 yuan is not a whole number of fen',
                 'a part of a fen (22023)');
SELECT throws_ok($$INSERT INTO budget_entry (budget, kind, amount_fen) VALUES (2, 'refund', 100)$$, '22023',
                 '"refund" is not a kind of budget entry', 'an unknown kind (22023)');
SELECT throws_ok($$INSERT INTO budget_entry (budget, kind, commitment, amount_fen) VALUES (2, 'commitment', 1, 100)$$, '22023',
                 'a commitment draws on no other commitment', 'a commitment naming a commitment (22023)');
SELECT is(pg_temp.books(), '1:0/0 2:19999999/0 3:0/0 4:100000/0 # 3', 'the refusals left the books alone');

-- payments and releases
SELECT results_eq($$SELECT budget, kind, commitment, amount_fen FROM pay_commitment(1, 100000, '第一期')$$,
                  $$VALUES (2::bigint, 'payment', 1::bigint, 10000000::bigint)$$, 'a payment takes its commitment''s line');
SELECT lives_ok($$SELECT pay_commitment(1, 40000, '第二期')$$, 'a second payment');
SELECT throws_ok($$SELECT pay_commitment(1, 10000.01)$$, '23514',
                 'a payment of 1000001 fen is beyond commitment 1, which has 1000000 fen left',
                 'a payment beyond the commitment (23514)');
SELECT is(pg_temp.hint_of($$SELECT pay_commitment(1, 10000.01)$$),
          'Pay or release at most what the commitment has left; commit more first if the work costs more.', 'with a hint');
SELECT lives_ok($$SELECT release_commitment(1, 10000, '结余')$$, 'the rest released');
SELECT throws_ok($$SELECT release_commitment(1, 0.01)$$, '23514',
                 'a release of 1 fen is beyond commitment 1, which has 0 fen left', 'nothing left to release (23514)');
SELECT throws_ok($$SELECT pay_commitment(1, 0.01)$$, '23514',
                 'a payment of 1 fen is beyond commitment 1, which has 0 fen left',
                 'nor to pay, though the line has paid less than it committed (23514)');
SELECT is(pg_temp.books(), '1:0/0 2:18999999/14000000 3:0/0 4:100000/0 # 6',
          'committed lost the release, paid gained the payments');
SELECT throws_ok(format('SELECT pay_commitment(%s, 10)', (SELECT min(id) FROM budget_entry WHERE kind = 'payment')), '23503',
                 NULL, 'a payment drawing on a payment (23503)');
SELECT throws_ok($$SELECT pay_commitment(999, 10)$$, '23503', 'budget entry 999 is not a commitment',
                 'on nothing (23503)');
SELECT throws_ok($$INSERT INTO budget_entry (budget, kind, commitment, amount_fen) VALUES (3, 'payment', 2, 100)$$, '22023',
                 'commitment 2 is of budget line 2, not 3', 'a payment naming another line (22023)');
SELECT throws_ok($$INSERT INTO budget_entry (budget, kind, amount_fen) VALUES (2, 'payment', 100)$$, '23503',
                 'budget entry NULL is not a commitment', 'a payment naming no commitment (23503)');
SELECT results_eq($$SELECT id, amount_yuan, paid_yuan, released_yuan, left_yuan FROM budget_commitments ORDER BY id$$,
                  $$VALUES (1::bigint, 150000.00, 140000.00, 10000.00, 0.00), (2, 49999.99, 0.00, 0.00, 49999.99),
                           (3, 1000.00, 0.00, 0.00, 1000.00)$$,
                  'budget_commitments: each commitment''s payments, releases and what is left');

-- the ledger is append-only, the counters follow it
SELECT throws_ok($$UPDATE budget_entry SET amount_fen = 1 WHERE id = 1$$, 'GG009',
                 'the budget ledger is append-only: UPDATE is refused', 'no UPDATE of the ledger (GG009)');
SELECT throws_ok($$DELETE FROM budget_entry WHERE kind = 'payment'$$, 'GG009',
                 'the budget ledger is append-only: DELETE is refused', 'no DELETE (GG009)');
SELECT throws_ok($$TRUNCATE budget_entry CASCADE$$, 'GG009',
                 'the budget ledger is append-only: TRUNCATE is refused', 'no TRUNCATE (GG009)');
SELECT throws_ok($$UPDATE budget SET committed_fen = 0 WHERE id = 2$$, 'GG009',
                 'committed_fen and paid_fen of budget line 2 follow the ledger and cannot be set', 'nor the counters (GG009)');
SELECT throws_ok($$UPDATE budget SET community = '440311006004' WHERE id = 2$$, 'GG009',
                 'budget line 2 keeps its community, year and kind', 'nor the community (GG009)');
SELECT throws_ok($$UPDATE budget SET amount_fen = 100 WHERE id = 2$$, '23514', NULL,
                 'an amount below what is committed (23514)');
SELECT lives_ok($$UPDATE budget SET amount_fen = 250000000 WHERE id = 2$$, 'an amount raised');
SELECT throws_ok($$INSERT INTO budget (community, year, kind, amount_fen) VALUES ('440311006003001', 2026, 'micro_project', 100)$$,
                 '23514', NULL, 'a budget of a grid, not a community (23514)');
SELECT throws_ok($$INSERT INTO budget (community, year, kind, amount_fen) VALUES ('440311006003', 2026, 'micro_project', 100)$$,
                 '23505', NULL, 'a second line of one community, year and kind (23505)');
SELECT results_eq($$SELECT amount_yuan, committed_yuan, paid_yuan, uncommitted_yuan, commitments, ledger_committed_yuan, ledger_paid_yuan
                      FROM budget_lines WHERE id = 2$$,
                  $$VALUES (2500000.00, 189999.99, 140000.00, 2310000.01, 2::bigint, 189999.99, 140000.00)$$,
                  'budget_lines: the counters equal the ledger''s sums');

-- opening a year, lines looked up, reports
SELECT is(open_budgets('440311', 2025), 6::bigint, 'open_budgets: 3 communities x 2 kinds for 2025');
SELECT is(open_budgets('440311', 2025), 0::bigint, 'once');
SELECT is((SELECT amount_fen FROM budget WHERE id = budget_line('440311006003', 2025, 'base_works')), 3000000000::bigint,
          'at the kind''s annual amount, found by budget_line');
SELECT throws_ok($$SELECT budget_line('440311006003', 2030, 'base_works')$$, '23503',
                 'community 440311006003 has no base_works budget for 2030', 'budget_line of no line (23503)');
SELECT results_eq($$SELECT unit::text, year, kind, lines, amount_yuan, committed_yuan, paid_yuan, committed_pct
                      FROM budget_spend('440311', year => 2026)$$,
                  $$VALUES ('440311', 2026, 'base_works', 1::bigint, 30000000.00, 0.00, 0.00, 0.0),
                           ('440311', 2026, 'micro_project', 3::bigint, 4501000.00, 190999.99, 140000.00, 4.2),
                           ('440311', 2026, NULL, 4::bigint, 34501000.00, 190999.99, 140000.00, 0.6)$$,
                  'budget_spend: the district''s 2026, per kind and in all');
SELECT results_eq($$SELECT unit::text, name, lines, committed_yuan FROM budget_spend('440311', 4, 2026, 'micro_project') WHERE kind IS NOT NULL$$,
                  $$VALUES ('440311001', '光明街道', 1::bigint, 1000.00), ('440311006', '马田街道', 2::bigint, 189999.99)$$,
                  'per subdistrict: the communities merged');

-- a clerk who is not the owner: administrators of 根竹园 enter there only
CREATE ROLE gridgov_budget_clerk;
GRANT gridgov_administrator TO gridgov_budget_clerk;
SELECT grant_jurisdiction('gridgov_budget_clerk', '440311006003', 'administrator') \g /dev/null
SET ROLE gridgov_budget_clerk;
SELECT lives_ok($$SELECT commit_budget(1, 2000000, '强基惠民：道路改造')$$, 'a clerk commits in their community');
SELECT throws_ok($$SELECT commit_budget(3, 100)$$, '23503', 'budget line 3 does not exist',
                 'a line of another community is not there for them (23503)');
SELECT throws_ok($$UPDATE budget SET paid_fen = 1 WHERE id = 1$$, 'GG009', NULL, 'nor can they set the counters (GG009)');
SELECT throws_ok($$INSERT INTO budget (community, year, kind, amount_fen, committed_fen) VALUES ('440311006003', 2027, 'base_works', 100, 50)$$,
                 'GG009', 'a new budget line cannot start with 50 fen committed and 0 fen paid',
                 'nor open a line already committed, as a non-importer (GG009)');
SELECT throws_ok($$INSERT INTO budget (community, year, kind, amount_fen) VALUES ('440311006004', 2027, 'base_works', 100)$$,
                 '42501', NULL, 'nor open a line in another community (42501)');
SELECT is((SELECT count(*) FROM budget), 4::bigint, 'they see the lines of 根竹园 only (2025 and 2026)');
RESET ROLE;
CREATE ROLE gridgov_budget_reader;
GRANT gridgov_reader TO gridgov_budget_reader;
SET ROLE gridgov_budget_reader;
SELECT throws_ok($$SELECT commit_budget(1, 100)$$, '42501', NULL, 'a reader cannot commit (42501)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
