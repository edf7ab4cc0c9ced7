#!/usr/bin/env bash
# Every backend keeps gridgov's configuration in memory: the grid boundaries
# (case routing), the category rules and service points (case engine), the
# working calendar.  This test holds one session open with all three loaded
# while other sessions change the tables and commit, and checks that the
# open session's next statement follows each change, as a query would.
# Against the cluster that the PG* variables name; in a database of its own
# (created and dropped here), with the case fixture of the pgTAP suites.
# The last line is "case_caches: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

db=gridgov_caches_$$
export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning -c search_path=gridgov,public'
session_pid=

cleanup() {
	[ -n "$session_pid" ] && kill "$session_pid" 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
}
trap cleanup EXIT

if ! createdb "$db" ||
	! psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION gridgov CASCADE' -f tests/pgtap/case_fixture.psql >/dev/null; then
	echo "case_caches: setup failed"
	echo "case_caches: 0 passed, 1 failed"
	exit 1
fi

# The open session: one psql, fed a statement at a time; each answer ends
# with a line of its own.
coproc SESSION { psql -X -q -At -v ON_ERROR_STOP=0 2>&1; }
session_pid=$SESSION_PID
elsewhere() {	# another session changes the tables and commits
	if ! psql -X -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null; then
		failed=$((failed + 1)); echo "not ok - the change failed: $1"
	fi
}

point='ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326)'
# reported now: a case is routed to the grids in force at its reported_at,
# and the changes below take effect when they are made
intake="INSERT INTO gridgov.cases (category, channel, location)
        VALUES ('noise', 'patrol', $point) RETURNING unit, handling_level, service_point;"

check 'the open session routes a point and loads its caches' \
	'440311006003001|5|4' "$(ask "$intake")"
check 'and counts working time on the calendar' \
	'25200' "$(ask "SELECT gridgov.working_seconds('2026-11-18 09:00+08', '2026-11-18 18:00+08');")"

elsewhere "UPDATE gridgov.unit SET boundary = ST_Multi(ST_MakeEnvelope(113.93, 22.74, 113.935, 22.745, 4326))
            WHERE code = '440311006003001';
           UPDATE gridgov.unit SET boundary = ST_Multi(ST_MakeEnvelope(113.935, 22.74, 113.97, 22.76, 4326))
            WHERE code = '440311006004001';"
check 'grid boundaries changed elsewhere route its next case' \
	'440311006004001|5|5' "$(ask "$intake")"

elsewhere "UPDATE gridgov.category_rule SET handling_level = 4 WHERE category = 'noise' AND severity = 1;"
check 'a category rule changed elsewhere routes its next case' \
	'440311006004001|4|2' "$(ask "$intake")"

desk="INSERT INTO gridgov.cases (category, channel, location)
      VALUES ('illegal_construction', 'patrol', $point) RETURNING unit, handling_level, service_point;"
check 'a department'"'"'s case goes to its subdistrict desk' \
	'440311006004001|4|8' "$(ask "$desk")"
elsewhere "UPDATE gridgov.service_point SET department = 'water_affairs' WHERE id = 8;"
check 'a desk given to another department elsewhere: its next case climbs to the district desk' \
	'440311006004001|3|7' "$(ask "$desk")"

elsewhere "INSERT INTO gridgov.calendar_day (day, is_workday, note) VALUES ('2026-11-18', false, 'test holiday');"
check 'a holiday added elsewhere counts in its next working time' \
	'0' "$(ask "SELECT gridgov.working_seconds('2026-11-18 09:00+08', '2026-11-18 18:00+08');")"

elsewhere "UPDATE gridgov.unit SET valid_from = now() - interval '1 day', valid_to = now() WHERE code = '440311006004001';"
check 'a grid taken out of force elsewhere no longer routes its cases' \
	'ERROR:  GG003' "$(ask "\\set VERBOSITY sqlstate
$intake
\\set VERBOSITY default")"

echo '\q' >&"${SESSION[1]}"
check_summary case_caches
