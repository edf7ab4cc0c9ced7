#!/usr/bin/env bash
# Judicial confirmations under 8 concurrent clients, against the cluster
# that the PG* variables name.
#
# In a database of its own: the mediation fixture of the pgTAP suites
# (tests/pgtap/mediation_fixture.psql) and 100 more disputes, each mediated,
# settled and sent for confirmation.  Then 8 psql sessions at once go over
# all 100, each in an order of its own: four confirm every agreement, four
# record every agreement broken, one statement each, and log what they were
# told.  Afterwards, checks:
#   - every refusal was GG013 (already decided, already broken), none other;
#   - each agreement was confirmed by one session at most and broken by
#     exactly one;
#   - what the sessions were told is what the rows say: confirmed exactly
#     where a confirmation was told, every other confirmation withdrawn by
#     the breach, none left pending, every agreement broken once;
#   - the run did collide: both kinds of refusal happened.
# The last line is "mediation_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8
disputes=100

. tests/shell/check.bash
scratch_database mediation_concurrency
psql -X -q -v ON_ERROR_STOP=1 -v disputes="$disputes" >/dev/null 2>"$work/setup.err" <<'EOF2' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/mediation_fixture.psql
INSERT INTO cases (id, category, channel, unit)
SELECT 100 + g, 'neighbour_dispute', 'walk_in', '440311006003001' FROM generate_series(1, :disputes) g;
SELECT open_mediation(100 + g, 2, '{5,6}') FROM generate_series(1, :disputes) g;
SELECT hold_session(m.id, tstzrange(now(), now() + interval '1 hour')) FROM mediation m;
SELECT close_mediation(m.id, '协议' || m.id) FROM mediation m;
SELECT request_confirmation(m.id) FROM mediation m;
EOF2

for i in $(seq 1 $clients); do
	if [ $((i % 2)) -eq 0 ]; then
		step="format('SELECT ''c '' || mediation FROM gridgov.confirm_agreement(%s);', id)"
	else
		step="format('SELECT ''b '' || id FROM gridgov.break_agreement(%s, ''未履行'');', id)"
	fi
	psql -X -At -c "SELECT $step FROM gridgov.mediation ORDER BY md5(id || '-' || $i)" >"$work/client$i.sql" ||
		fail_setup "client $i's script"
done

run_clients client -v VERBOSITY=sqlstate

told=$(cat "$work"/client*.out)
refused=$(cat "$work"/client*.err | grep -c 'ERROR:  ' || true)
other=$(cat "$work"/client*.err | grep -v 'ERROR:  GG013$' | grep -c . || true)
check "every attempt was told an outcome or refused" "$((clients * disputes))" "$(( $(printf '%s\n' "$told" | grep -c .) + refused ))"
check "every refusal was GG013" 0 "$other"
check "no agreement confirmed twice" 0 "$(printf '%s\n' "$told" | grep '^c ' | sort | uniq -d | grep -c . || true)"
check "every agreement broken exactly once" "$disputes" "$(printf '%s\n' "$told" | grep '^b ' | sort -u | grep -c .)"
check "no agreement broken twice" 0 "$(printf '%s\n' "$told" | grep '^b ' | sort | uniq -d | grep -c . || true)"
confirmed_told=$(printf '%s\n' "$told" | sed -n 's/^c //p' | sort -n)
# (none at all when the breaches ran first, as on a loaded machine)
check "confirmed exactly where a session was told so" "$(printf '%s\n' "$confirmed_told" | grep . | md5sum)" \
	"$(q "SELECT mediation FROM judicial_confirmation WHERE status = 'confirmed' ORDER BY mediation" | grep . | md5sum)"
check "every other confirmation withdrawn by the breach, none pending" \
	"$(( disputes - $(printf '%s\n' "$confirmed_told" | grep -c .) ))" \
	"$(q "SELECT count(*) FILTER (WHERE status = 'withdrawn') + 1000 * count(*) FILTER (WHERE status = 'pending') FROM judicial_confirmation")"
check "every agreement broken in the rows" "$disputes" "$(q "SELECT count(*) FROM mediation WHERE broken_at IS NOT NULL")"
check "a withdrawal's time is its breach's" 0 \
	"$(q "SELECT count(*) FROM judicial_confirmation j JOIN mediation m ON m.id = j.mediation
	       WHERE j.status = 'withdrawn' AND j.decided_at <> m.broken_at")"
check "sessions collided on a confirmation (GG013)" t \
	"$(grep -qs GG013 "$work"/client{2,4,6,8}.err && echo t || echo f)"
check "sessions collided on a breach (GG013)" t \
	"$(grep -qs GG013 "$work"/client{1,3,5,7}.err && echo t || echo f)"
check_summary mediation_concurrency
