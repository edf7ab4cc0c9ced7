#!/usr/bin/env bash
# Sign-ups under 8 concurrent clients, against the cluster that the PG*
# variables name.
#
# In a database of its own (created and dropped here): the services fixture
# (tests/pgtap/services_fixture.psql), 200 more people and an activity with
# 30 places.  Then 8 psql sessions at once each sign up all 200 people, each
# in an order of its own, one sign_up() per statement: 1,600 attempts, of
# which one per person succeeds and the rest are refused (23505).  Checks:
#   - every attempt was a sign-up or a refusal, every refusal 23505, one
#     sign-up per person, 0 lost (the sign-ups the sessions were told of are
#     the table's);
#   - never over capacity: 30 confirmed, signed_up = 30, 170 waiting.
# Then the 8 sessions at once each cancel 10 sign-ups of their own (80:
# some confirmed, some waiting), and the checks again: every cancellation
# made, the places of the confirmed ones went to the waiting list (30
# confirmed, signed_up = 30, 90 waiting), and first come, first served: the
# confirmed are the first 30 of the sign-ups not cancelled, in order.
# The last line is "services_signup_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8

. tests/shell/check.bash
scratch_database services_signup_concurrency
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<'SQL' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/services_fixture.psql
INSERT INTO person (id) SELECT generate_series(101, 300);
SELECT publish_activity(1, '[2030-06-03 14:00+08, 2030-06-03 17:00+08)', '社区运动会', 'culture_sports', 1, capacity => 30);
SQL


for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT format('SELECT id FROM gridgov.sign_up(1, %s);', p)
	                  FROM generate_series(101, 300) p ORDER BY md5(p || '-' || $i)" >"$work/signup$i.sql" ||
		fail_setup "client $i's script"
done
run_clients signup -v VERBOSITY=verbose
told=$(cat "$work"/signup*.out | grep -c . || true)
refused=$(cat "$work"/signup*.err | grep -c 'ERROR:  ' || true)
check "every attempt was a sign-up or a refusal" $((clients * 200)) $((told + refused))
check "every refusal was 23505" 0 "$(cat "$work"/signup*.err | grep 'ERROR:  ' | grep -vc 'ERROR:  23505: ' || true)"
check "one sign-up per person" "200 200" "$(q "SELECT count(*) || ' ' || count(DISTINCT person) FROM signup")"
check "0 lost: the sign-ups told are the table's" "$(cat "$work"/signup*.out | sort -n | md5sum)" \
	"$(q "SELECT id FROM signup ORDER BY id" | md5sum)"
check "never over capacity: 30 confirmed, signed_up 30, 170 waiting" "30 30 170" \
	"$(q "SELECT count(*) FILTER (WHERE status = 'confirmed') || ' ' || (SELECT signed_up FROM activity WHERE id = 1)
	            || ' ' || count(*) FILTER (WHERE status = 'waiting') FROM signup")"

# each client cancels 10 sign-ups of its own: persons 101 + 8k + i - 1
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT format('SELECT id FROM gridgov.cancel_signup(%s);', s.id)
	                  FROM gridgov.signup s WHERE (s.person - 101) % $clients = $i - 1 AND s.person < 181
	                 ORDER BY md5(s.id || '-' || $i)" >"$work/cancel$i.sql" || fail_setup "client $i's cancellations"
done
run_clients cancel -v VERBOSITY=verbose
check "every cancellation made" "80 0" \
	"$(cat "$work"/cancel*.out | grep -c . || true) $(cat "$work"/cancel*.err | grep -c 'ERROR:  ' || true)"
check "the places went to the waiting list: 30 confirmed, signed_up 30, 90 waiting, 80 cancelled" "30 30 90 80" \
	"$(q "SELECT count(*) FILTER (WHERE status = 'confirmed') || ' ' || (SELECT signed_up FROM activity WHERE id = 1)
	            || ' ' || count(*) FILTER (WHERE status = 'waiting') || ' ' || count(*) FILTER (WHERE status = 'cancelled')
	       FROM signup")"
check "first come, first served: the confirmed are the first 30 not cancelled" 0 \
	"$(q "SELECT count(*) FROM (SELECT id, status, row_number() OVER (ORDER BY signed_at, id) AS place
	                             FROM signup WHERE status <> 'cancelled') x
	       WHERE (place <= 30) <> (status = 'confirmed')")"
check_summary services_signup_concurrency
