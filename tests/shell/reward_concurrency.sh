#!/usr/bin/env bash
# The reward fund under 8 concurrent clients, against the cluster that the
# PG* variables name.
#
# In a database of its own (created and dropped here): the reward fixture of
# the pgTAP suites (tests/pgtap/reward_fixture.psql) and 300 more closed
# cases reported by its patrol volunteers, whose awards (50 to 1,000 yuan,
# by case) ask for about twice what a fund of 80,000 yuan holds.  Then 8
# psql sessions at once each try to award every one of the 300 cases from
# that fund, each in an order of its own, one statement per award, and log
# what they were told: the case's number when the award was made, the
# SQLSTATE when refused.  Afterwards, checks:
#   - 0 overspend: the fund paid no more than its capital, and its paid_fen
#     is the ledger's sum;
#   - 0 lost awards: every award a session was told was made is in the
#     ledger, and the ledger holds nothing else;
#   - one award per case, and every refusal was 23505 (already awarded) or
#     23514 (beyond the fund);
#   - no refusal was wrong: what is left in the fund is less than the award
#     of every case that went without one, so the fund ran out;
#   - the run did collide: both refusals happened.
# The last line is "reward_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8
cases=300

. tests/shell/check.bash
scratch_database reward_concurrency
psql -X -q -v ON_ERROR_STOP=1 -v cases="$cases" >/dev/null 2>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/reward_fixture.psql
-- 300 more reports of the volunteers 1, 2 and 3, closed
INSERT INTO cases (id, category, channel, location, reporter_person, reported_at)
SELECT 100 + g, 'noise', 'patrol', s.point, 1 + g % 3, '2026-11-16 10:00+08'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, :cases) g
  JOIN spot s ON s.name = CASE WHEN g % 3 = 2 THEN 'mashantou' ELSE 'genzhuyuan' END;
SELECT pg_temp.close_case(100 + g) FROM generate_series(1, :cases) g;
-- the fund the sessions fight over: about half of what they ask for
INSERT INTO reward_fund (id, name, capital_fen) VALUES (3, '并发测试基金', 8000000);
CREATE TABLE public.ask AS SELECT 100 + g AS case_id, 50 + 50 * (g * 7 % 20) AS yuan FROM generate_series(1, :cases) g;
EOF

# each session's statements, in an order of its own
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT format('SELECT case_id FROM gridgov.award_report(%s, %s, 3);', case_id, yuan)
	                  FROM ask ORDER BY md5(case_id || '-' || $i)" >"$work/client$i.sql" ||
		fail_setup "client $i's script"
done

run_clients client -v VERBOSITY=sqlstate

told=$(cat "$work"/client*.out | sort -n)
told_count=$(printf '%s\n' "$told" | grep -c . || true)
refusals=$(cat "$work"/client*.err | sed -n 's/^psql:[^ ]* ERROR:  \([0-9A-Z]*\)$/\1/p; s/^ERROR:  \([0-9A-Z]*\)$/\1/p' | sort | uniq -c)
other=$(cat "$work"/client*.err | grep -v 'ERROR:  23505$' | grep -v 'ERROR:  23514$' | grep -c . || true)
attempts=$((clients * cases))
refused=$(cat "$work"/client*.err | grep -c 'ERROR:  ' || true)

check "every attempt was an award or a refusal" "$attempts" "$((told_count + refused))"
check "every refusal was 23505 or 23514" 0 "$other"
check "0 overspend: paid_fen <= capital_fen" t "$(q "SELECT paid_fen <= capital_fen FROM reward_fund WHERE id = 3")"
check "paid_fen is the ledger's sum" t \
	"$(q "SELECT f.paid_fen = (SELECT sum(amount_fen) FROM reward WHERE fund = 3) FROM reward_fund f WHERE f.id = 3")"
ledger=$(q "SELECT case_id FROM reward WHERE fund = 3 ORDER BY case_id")
check "0 lost: the awards the sessions were told of are the ledger's ($told_count)" \
	"$(printf '%s\n' "$told" | md5sum)" "$(printf '%s\n' "$ledger" | md5sum)"
check "one award per case" 0 "$(q "SELECT count(*) - count(DISTINCT case_id) FROM reward")"
check "each award is the amount asked" 0 \
	"$(q "SELECT count(*) FROM reward r JOIN ask a USING (case_id) WHERE r.amount_fen <> a.yuan * 100")"
check "no refusal was wrong: what is left pays no unawarded case" 0 \
	"$(q "SELECT count(*) FROM ask a, reward_fund f
	       WHERE f.id = 3 AND a.yuan * 100 <= f.capital_fen - f.paid_fen
	         AND NOT EXISTS (SELECT FROM reward r WHERE r.case_id = a.case_id)")"
check "the fund ran out before every case was awarded" t \
	"$(q "SELECT count(*) < $cases AND count(*) > 0 FROM reward WHERE fund = 3")"
check "sessions collided on a case (23505)" t "$(printf '%s\n' "$refusals" | grep -q ' 23505$' && echo t || echo f)"
check "sessions were refused by the fund (23514)" t "$(printf '%s\n' "$refusals" | grep -q ' 23514$' && echo t || echo f)"
check_summary reward_concurrency
