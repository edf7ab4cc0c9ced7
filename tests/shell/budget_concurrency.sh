#!/usr/bin/env bash
# The budget ledger under 8 concurrent clients, against the cluster that the
# PG* variables name.
#
# In a database of its own (created and dropped here): the budgets of the
# lists fixture (tests/pgtap/lists_fixture.psql) and three lines of 100,000
# yuan each, against which 8 psql sessions at once each ask the same 200
# commitments (2,000 to 9,000 yuan, about 3 times what the lines hold), each
# in an order of its own, one statement per commitment, and log what they
# were told: the commitment's number when it was entered, the SQLSTATE when
# refused.  Then the 8 sessions at once each try to pay 40% of every
# commitment entered, in orders of their own: at most two payments of a
# commitment fit in it.  Afterwards, checks:
#   - 0 overspend: no line committed beyond its amount, no line paid beyond
#     what it committed, no commitment paid beyond its amount, and the
#     lines' counters are the ledger's sums;
#   - 0 lost commitments or payments: every entry a session was told of is
#     in the ledger, and the ledger holds nothing else;
#   - every refusal was 23514, and none was wrong: what is left on each line
#     is less than every commitment refused on it;
#   - the run did collide: both kinds of refusal happened.
# The last line is "budget_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8
asks=200

. tests/shell/check.bash
scratch_database budget_concurrency
psql -X -q -v ON_ERROR_STOP=1 -v asks="$asks" >/dev/null 2>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/lists_fixture.psql
-- the lines the sessions fight over: 100,000 yuan each
INSERT INTO budget (id, community, year, kind, amount_fen) VALUES
    (11, '440311006003', 2027, 'micro_project', 10000000),
    (12, '440311006004', 2027, 'micro_project', 10000000),
    (13, '440311001001', 2027, 'micro_project', 10000000);
CREATE TABLE public.ask AS
SELECT g AS n, 11 + g % 3 AS budget, 2000 + 1000 * (g * 7 % 8) AS yuan FROM generate_series(1, :asks) g;
EOF

refusal_codes() { cat "$work/$1"*.err | sed -n 's/^psql:[^ ]* ERROR:  \([0-9A-Z]*\)$/\1/p; s/^ERROR:  \([0-9A-Z]*\)$/\1/p'; }

# commitments: each session asks every one, in an order of its own
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT format('SELECT id FROM gridgov.commit_budget(%s, %s, %L);', budget, yuan, 'ask ' || n || ' by $i')
	                  FROM ask ORDER BY md5(n || '-' || $i)" >"$work/commit$i.sql" || fail_setup "client $i's script"
done
run_clients commit -v VERBOSITY=sqlstate
told=$(cat "$work"/commit*.out | sort -n)
told_count=$(printf '%s\n' "$told" | grep -c . || true)
refused=$(cat "$work"/commit*.err | grep -c 'ERROR:  ' || true)
check "commit: every attempt was a commitment or a refusal" "$((clients * asks))" "$((told_count + refused))"
check "commit: every refusal was 23514" 0 "$(refusal_codes commit | grep -vc '^23514$')"
check "0 overspend: no line committed beyond its amount" 0 "$(q "SELECT count(*) FROM budget WHERE committed_fen > amount_fen")"
check "0 lost commitments: the ledger's are those the sessions were told of ($told_count)" \
	"$(printf '%s\n' "$told" | md5sum)" "$(q "SELECT id FROM budget_entry WHERE kind = 'commitment' ORDER BY id" | md5sum)"
check "no refusal was wrong: what is left on a line is less than any commitment refused on it" 0 \
	"$(q "SELECT count(*) FROM public.ask a JOIN budget b ON b.id = a.budget
	       WHERE a.yuan * 100 <= b.amount_fen - b.committed_fen")"
check "each line ran out" 3 "$(q "SELECT count(*) FROM budget WHERE id > 10 AND amount_fen - committed_fen < 200000")"

# payments: each session tries to pay 40% of every commitment
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT format('SELECT id FROM gridgov.pay_commitment(%s, %s, %L);', id, amount_fen * 4 / 1000, 'by $i')
	                  FROM gridgov.budget_entry WHERE kind = 'commitment' AND budget > 10
	                 ORDER BY md5(id || '-' || $i)" >"$work/pay$i.sql" || fail_setup "client $i's payments"
done
run_clients pay -v VERBOSITY=sqlstate
paid_told=$(cat "$work"/pay*.out | sort -n)
paid_count=$(printf '%s\n' "$paid_told" | grep -c . || true)
check "pay: every refusal was 23514" 0 "$(refusal_codes pay | grep -vc '^23514$')"
check "pay: two payments of each commitment, the others refused" "$((2 * told_count))" "$paid_count"
check "0 lost payments: the ledger's are those the sessions were told of ($paid_count)" \
	"$(printf '%s\n' "$paid_told" | md5sum)" "$(q "SELECT id FROM budget_entry WHERE kind = 'payment' ORDER BY id" | md5sum)"
check "0 overspend: no commitment paid beyond its amount" 0 \
	"$(q "SELECT count(*) FROM budget_entry c WHERE c.kind = 'commitment'
	         AND c.amount_fen < (SELECT coalesce(sum(amount_fen), 0) FROM budget_entry p WHERE p.commitment = c.id)")"
check "0 overspend: no line paid beyond what it committed" 0 "$(q "SELECT count(*) FROM budget WHERE paid_fen > committed_fen")"
check "the lines' counters are the ledger's sums" 0 \
	"$(q "SELECT count(*) FROM budget_lines WHERE committed_yuan <> ledger_committed_yuan OR paid_yuan <> ledger_paid_yuan")"
check "sessions were refused by the lines (commitments)" t "$([ "$refused" -gt 0 ] && echo t || echo f)"
check "sessions were refused by the commitments (payments)" t \
	"$([ "$(refusal_codes pay | grep -c '^23514$')" -gt 0 ] && echo t || echo f)"
check_summary budget_concurrency
