#!/usr/bin/env bash
# A new case's unit, category and service point are held FOR KEY SHARE by
# the intake trigger, once per transaction (src/case_references.c), in place
# of PostgreSQL's per-row foreign-key check.  This test holds one session's
# transaction open and probes the referenced rows from another session:
# they must be locked exactly while a case that refers to them is
# uncommitted, also after a savepoint is rolled back and when the
# transaction refers to them again; and a unit deleted concurrently with
# the first case in it must not leave that case referring to nothing.
# Against the cluster that the PG* variables name; in a database of its own
# (created and dropped here), with the case fixture of the pgTAP suites.
# The last line is "case_references: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

db=gridgov_references_$$
export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning -c search_path=gridgov,public'
session_pid=
delete_log=$(mktemp)

cleanup() {
	[ -n "$session_pid" ] && kill "$session_pid" 2>/dev/null
	wait 2>/dev/null
	rm -f "$delete_log"
	dropdb --if-exists "$db" >/dev/null 2>&1
}
trap cleanup EXIT

# two grids of their own, no case in them yet
if ! createdb "$db" ||
	! psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION gridgov CASCADE' -f tests/pgtap/case_fixture.psql \
		-c "INSERT INTO gridgov.unit (code, name, boundary) VALUES
		      ('440311006004002', '马山头社区第02网格', ST_Multi(ST_MakeEnvelope(113.97, 22.74, 113.98, 22.76, 4326))),
		      ('440311006004003', '马山头社区第03网格', ST_Multi(ST_MakeEnvelope(113.98, 22.74, 113.99, 22.76, 4326)))" \
		>/dev/null; then
	echo "case_references: setup failed"
	echo "case_references: 0 passed, 1 failed"
	exit 1
fi

# The session that reports cases: one psql, fed a statement at a time.
coproc SESSION { psql -X -q -At -v ON_ERROR_STOP=0 2>&1; }
session_pid=$SESSION_PID
# probe TABLE WHERE: from another session, "locked" if a row is locked
# against deletion, "free" if not
probe() {
	psql -X -q -At -c "SET lock_timeout = '200ms'" -c "SELECT 'free' FROM gridgov.$1 WHERE $2 FOR UPDATE" 2>&1 |
		sed -e 's/.*canceling statement due to lock timeout.*/locked/' | grep -E '^(free|locked)$' | head -n 1
}
grid2="code = '440311006004002'"
report() {	# report GRID_X: a noise case at a point of that grid
	echo "INSERT INTO gridgov.cases (category, channel, location, reported_at)
	      VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint($1, 22.75), 4326), '2026-11-16 10:00+08');"
}

check 'nothing holds the grid before any case is reported in it' 'free' "$(probe unit "$grid2")"
ask "BEGIN; $(report 113.975)" >/dev/null
check 'an uncommitted case holds its grid' 'locked' "$(probe unit "$grid2")"
check 'its category' 'locked' "$(probe category "code = 'noise'")"
check 'and its service point' 'locked' "$(probe service_point 'id = 5')"
check 'but no other grid' 'free' "$(probe unit "code = '440311006004003'")"
ask "$(report 113.976)" >/dev/null
check 'a second case in the same transaction: still held' 'locked' "$(probe unit "$grid2")"
ask 'COMMIT;' >/dev/null
check 'released at commit' 'free' "$(probe unit "$grid2")"

ask "BEGIN; SAVEPOINT first_try; $(report 113.975) ROLLBACK TO SAVEPOINT first_try;" >/dev/null
check 'released with a rolled-back savepoint' 'free' "$(probe unit "$grid2")"
ask "$(report 113.977)" >/dev/null
check 'and held again by the next case of the transaction' 'locked' "$(probe unit "$grid2")"
ask 'ROLLBACK;' >/dev/null

# The race the lock closes: the third grid's first case, uncommitted, while
# another session deletes the grid.  The delete must wait, then fail.
grid3="code = '440311006004003'"
ask "BEGIN; $(report 113.985)" >/dev/null
psql -X -q -At -v VERBOSITY=sqlstate -c "DELETE FROM gridgov.unit WHERE $grid3" >"$delete_log" 2>&1 &
deleter=$!
sleep 0.5
check 'a concurrent delete of the grid waits for the case' 'yes' "$(kill -0 $deleter 2>/dev/null && echo yes || echo no)"
ask 'COMMIT;' >/dev/null
wait $deleter
check 'and then fails: the grid has a case' 'ERROR:  23503' "$(cat "$delete_log")"
check 'no case refers to a unit that is not there' '0' \
	"$(psql -X -q -At -c 'SELECT count(*) FROM gridgov.cases c WHERE NOT EXISTS (SELECT FROM gridgov.unit u WHERE u.code = c.unit)')"

echo '\q' >&"${SESSION[1]}"
check_summary case_references
