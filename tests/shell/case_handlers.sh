#!/usr/bin/env bash
# Takers racing for cases, against the cluster that the PG* variables name.
#
# In a database of its own (created and dropped here): the people fixture of
# the pgTAP suites, a community hall run by the governance squad, and
# cases dispatched there.  Two login roles, the squad's leader (person 1)
# and a grid worker (person 4), both with posts in the squad, then start
# every case at once, in opposite orders, each in a session of its own.
# Checks: each case was started exactly once (the loser hears GG001, the
# case is no longer dispatched); each case's handler and the actor_person of
# its start row are the winner's person, as the winner's session was told;
# the history has four rows a case and verify_history() is empty; and a
# session that stays open sees person_login change in another session at its
# next move (the engine's per-backend cache is told).  The last line is
# "case_handlers: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

db=gridgov_handlers_$$
# a password, for clusters (CI's pg_virtualenv) that ask one of every login
secret=handlers-$$-$RANDOM
cases=${HANDLERS_CASES:-200}
export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d)

cleanup() {
	{ exec 3>&-; } 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	psql -X -q -d postgres -c 'DROP ROLE IF EXISTS handlers_race_chen, handlers_race_li' >/dev/null 2>&1
	[ -n "${HANDLERS_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

fail_setup() {
	echo "case_handlers: setup failed: $*" >&2
	echo "case_handlers: 0 passed, 1 failed"
	exit 1
}

createdb "$db" || fail_setup "createdb $db"
psql -X -q -v ON_ERROR_STOP=1 -v cases="$cases" -v secret="$secret" >/dev/null 2>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/people_fixture.psql
INSERT INTO category (code, name) VALUES ('noise', '噪音扰民');
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
VALUES ('noise', 1, 5, 'working_day', 1, 1, 3, 1);
INSERT INTO service_point (id, name, unit, organization)
VALUES (3, '根竹园社区党群服务中心', '440311006003', 8);
DROP ROLE IF EXISTS handlers_race_chen, handlers_race_li;
CREATE ROLE handlers_race_chen LOGIN PASSWORD :'secret' IN ROLE gridgov_handler;
CREATE ROLE handlers_race_li LOGIN PASSWORD :'secret' IN ROLE gridgov_handler;
INSERT INTO person_login VALUES ('handlers_race_chen', 1), ('handlers_race_li', 4);
-- row-level security: both handle the community's cases
SELECT grant_jurisdiction('handlers_race_chen', '440311006003', 'handler'),
       grant_jurisdiction('handlers_race_li', '440311006003', 'handler');
INSERT INTO cases (id, unit, category, channel)
SELECT g, '440311006003001', 'noise', 'patrol' FROM generate_series(1, :cases) g;
SELECT count(*) FROM cases c, LATERAL accept(c.id, handler => 1) a;
SELECT count(*) FROM cases c, LATERAL dispatch(c.id, handler => 1) d;
EOF

for role in handlers_race_chen handlers_race_li; do
	if [ "$role" = handlers_race_chen ]; then order="1 $cases"; else order="$cases -1 1"; fi
	seq $order | sed 's/.*/SELECT '"'"'won '"'"' || id || '"'"' '"'"' || handler FROM gridgov.start(&);/' >"$work/$role.sql"
	PGPASSWORD=$secret psql -X -q -At -U "$role" -v ON_ERROR_STOP=0 -v VERBOSITY=verbose -f "$work/$role.sql" \
		>"$work/$role.out" 2>"$work/$role.err" &
done
wait

chen_won=$(grep -c '^won ' "$work/handlers_race_chen.out")
li_won=$(grep -c '^won ' "$work/handlers_race_li.out")
refused=$(grep -c '^psql:.*ERROR:  GG001' "$work/handlers_race_chen.err" "$work/handlers_race_li.err" | awk -F: '{s+=$NF} END {print s+0}')
other_errors=$(grep -h 'ERROR:' "$work/handlers_race_chen.err" "$work/handlers_race_li.err" | grep -vc 'ERROR:  GG001')
check "every case started exactly once" "$cases" "$((chen_won + li_won))"
check "every other attempt refused with GG001" "$cases" "$refused"
check "no other error" 0 "$other_errors"
check "both takers won some cases" yes "$([ "$chen_won" -gt 0 ] && [ "$li_won" -gt 0 ] && echo yes || echo no)"

# what each session was told is what the cases and their history say
{ sed -n 's/^won \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$work/handlers_race_chen.out" "$work/handlers_race_li.out"; } \
	| sort -n >"$work/told"
psql -X -q -At -F ' ' -c "SELECT c.id, c.handler FROM gridgov.cases c ORDER BY c.id" >"$work/cases"
psql -X -q -At -F ' ' -c "SELECT h.case_id, h.actor_person FROM gridgov.case_history h WHERE h.action = 'start' ORDER BY h.case_id" >"$work/starts"
check "each case's handler is the person its winner was told" "" "$(diff "$work/told" "$work/cases")"
check "each start row names the winner's person as its actor" "" "$(diff "$work/told" "$work/starts")"
check "winners by role match their persons" "ok" "$(grep -c '^won [0-9]* 1$' "$work/handlers_race_chen.out" | grep -qx "$chen_won" && grep -c '^won [0-9]* 4$' "$work/handlers_race_li.out" | grep -qx "$li_won" && echo ok)"
check "four history rows a case" "$((4 * cases))" "$(psql -X -q -At -c 'SELECT count(*) FROM gridgov.case_history')"
check "verify_history() is empty" 0 "$(psql -X -q -At -c 'SELECT count(*) FROM gridgov.verify_history()')"

# an open session learns of a change of person_login made elsewhere
coproc SESSION { PGPASSWORD=$secret psql -X -q -At -U handlers_race_li 2>&1; }
check "the open session is person 4" 4 "$(ask 'SELECT actor_person FROM gridgov.resolve(1);')"
psql -X -q -c "UPDATE gridgov.person_login SET person = 1 WHERE login = 'handlers_race_li'::regrole"
check "after person_login changed elsewhere, person 1" 1 "$(ask 'SELECT actor_person FROM gridgov.verify(1);')"
exec {SESSION[1]}>&-
check_summary case_handlers
