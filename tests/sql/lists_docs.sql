-- The examples of docs/lists.md, run for real: tools/check-docs checks that
-- every example in the docs appears, with its output, in expected/.  The
-- district is tests/pgtap/lists_fixture.psql (its ids made explicit, its
-- ledger counter set).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
BEGIN;
\i tests/pgtap/lists_fixture.psql
SET datestyle = 'ISO, YMD';
\set ECHO all
SELECT open_budgets('440311', 2025);
SELECT code, name, annual_fen FROM budget_kind ORDER BY code;
SELECT id, budget, kind, amount_fen, note FROM commit_budget(2, 150000, '微实事：小区路灯更换');
SELECT id, budget, kind, commitment, amount_fen FROM pay_commitment(1, 100000, '第一期');
SELECT id, kind, commitment, amount_fen FROM release_commitment(1, 50000, '结余');
SELECT commit_budget(4, 1000.01);
SELECT pay_commitment(1, 1);
SELECT commit_budget(2, 12.345);
UPDATE budget_entry SET amount_fen = 1 WHERE id = 1;
UPDATE budget SET committed_fen = 0 WHERE id = 2;
SELECT id, community_name, year, kind, amount_yuan, committed_yuan, paid_yuan, uncommitted_yuan, commitments
  FROM budget_lines WHERE year = 2026 ORDER BY id;
SELECT id, budget, amount_yuan, paid_yuan, released_yuan, left_yuan FROM budget_commitments;
SELECT unit, name, year, kind, lines, amount_yuan, committed_yuan, paid_yuan, committed_pct
  FROM budget_spend('440311', 4, 2026);
ROLLBACK;
