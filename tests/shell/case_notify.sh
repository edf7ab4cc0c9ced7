#!/usr/bin/env bash
# What a listener of gridgov_case learns.  PostgreSQL has no privilege on
# notification channels: any role that can connect may LISTEN.  So this
# test listens as a role that was granted nothing (it cannot read a single
# case), while another session reports a case with a reporter, a
# description and a location and moves it through notes and reasons that
# name people.  Every notification must carry exactly the keys case, seq,
# action, from, to and at, match the history row it announces, and hold
# none of the case's personal data, place or handlers.
# Against the cluster that the PG* variables name; in a database of its own
# (created and dropped here), with the case fixture of the pgTAP suites.
# The last line is "case_notify: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

db=gridgov_notify_$$
outsider=gridgov_outsider_$$
secret=listen-$$-$RANDOM
export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning'
session_pid=
work=$(mktemp -d)

cleanup() {
	[ -n "$session_pid" ] && kill "$session_pid" 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $outsider" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

if ! createdb "$db" ||
	! psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION gridgov CASCADE' -f tests/pgtap/case_fixture.psql \
		-c "CREATE ROLE $outsider LOGIN PASSWORD '$secret'" >/dev/null; then
	echo "case_notify: setup failed"
	echo "case_notify: 0 passed, 1 failed"
	exit 1
fi

# the listener: the outsider's own session, fed a statement at a time
coproc SESSION { PGUSER=$outsider PGPASSWORD=$secret psql -X -q -At -v ON_ERROR_STOP=0 2>&1; }
session_pid=$SESSION_PID
check 'the listener is a role of its own' "$outsider" "$(ask 'SELECT current_user;')"
refused=$(ask 'SELECT count(*) FROM gridgov.cases;')
check 'which may not read the cases' 'ERROR:  permission denied' "$(grep -o 'ERROR:  permission denied' <<<"$refused")"
check 'but may listen' '' "$(ask 'LISTEN gridgov_case;')"

# another session reports a case and moves it; each statement commits
if ! psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
SET search_path = gridgov, public;
INSERT INTO cases (id, category, channel, location, description, reporter)
VALUES (501, 'noise', 'resident_app', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326),
        '楼上邻居王五深夜装修', '{"name": "张三", "phone": "13800138000", "address": "根竹园社区12栋"}');
SELECT accept(501, '张三来电确认');
SELECT dispatch(501);
SELECT start(501);
SELECT suspend(501, '等待业主王五回国');
SELECT resume(501);
SELECT escalate(501, '王五拒不配合');
SELECT start(501);
SELECT resolve(501, '已与王五协商');
SELECT reopen(501, '张三反映仍有噪音');
SELECT resolve(501, '王五承诺停工');
SELECT verify(501, '回访张三');
SELECT close(501, 5, '张三表示满意');
INSERT INTO cases (id, category, channel, location, reporter)
VALUES (502, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.96, 22.75), 4326), '{"name": "李四", "phone": "13900139000"}'),
       (503, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.96, 22.75), 4326), '{"name": "赵六", "phone": "13700137000"}');
SELECT reject(502, '李四重复上报');
SELECT merge(503, 501);
EOF
then
	failed=$((failed + 1)); echo "not ok - the reports and moves failed"
fi

# the listener's psql prints what arrived after its next statement
notes=$(ask "SELECT pg_sleep(0.2);"; echo; ask "SELECT 'done';")
printf '%s\n' "$notes" | grep -o 'Asynchronous notification "gridgov_case" with payload "{[^}]*}" received' |
	sed 's/^.* with payload "\(.*\)" received$/\1/; s/\\/\\\\/g' >"$work/notify.txt"

answer() {	# the mover's view, as superuser, of the notifications received
	psql -X -q -At -v ON_ERROR_STOP=1 -v notify="$work/notify.txt" 2>&1 <<EOF
SET search_path = gridgov, public;
CREATE TEMP TABLE notified (arrived serial, payload jsonb);
\\set copy_notify '\\\\copy notified (payload) FROM ' :'notify'
:copy_notify
$1
EOF
}

check 'one notification per report and move' \
	'17|17' "$(answer "SELECT count(*), (SELECT count(*) FROM case_history) FROM notified;")"
check 'each case'"'"'s in the order of its history' \
	'3|0' "$(answer "SELECT count(DISTINCT c), count(*) FILTER (WHERE s <> coalesce(p, 0) + 1)
	                   FROM (SELECT payload->'case' AS c, (payload->>'seq')::int AS s,
	                                lag((payload->>'seq')::int) OVER (PARTITION BY payload->'case' ORDER BY arrived) AS p
	                           FROM notified) n;")"
check 'each carries exactly case, seq, action, from, to and at' \
	'action,at,case,from,seq,to' \
	"$(answer "SELECT DISTINCT string_agg(k, ',' ORDER BY k) FROM notified n, jsonb_object_keys(n.payload) k GROUP BY n.arrived;")"
check 'and they are the history'"'"'s case, seq, action, from, to and at' \
	'0' \
	"$(answer "SELECT count(*) FROM (
	             (SELECT (payload->>'case')::bigint, (payload->>'seq')::int, payload->>'action',
	                     payload->>'from', payload->>'to', (payload->>'at')::timestamptz FROM notified
	              EXCEPT ALL
	              SELECT case_id, seq, action, from_status, to_status, at FROM case_history)
	             UNION ALL
	             (SELECT case_id, seq, action, from_status, to_status, at FROM case_history
	              EXCEPT ALL
	              SELECT (payload->>'case')::bigint, (payload->>'seq')::int, payload->>'action',
	                     payload->>'from', payload->>'to', (payload->>'at')::timestamptz FROM notified)) d;")"
check 'no reporter, description, note, reason, evaluation or actor in any' \
	'0' \
	"$(answer "SELECT count(*) FROM notified n, cases c
	            WHERE n.payload::text LIKE ANY (ARRAY['%张三%', '%李四%', '%赵六%', '%王五%', '%138001%', '%139001%',
	                                                  '%栋%', '%' || current_user || '%'])
	               OR (c.description <> '' AND n.payload::text LIKE '%' || c.description || '%');")"
check 'no place, unit, district or service point in any' \
	'0' \
	"$(answer "SELECT count(*) FROM notified n, cases c
	            WHERE (n.payload - 'at')::text ~ ('(113\\.9|22\\.7|' || c.unit::text || '|' || c.district::text || '|4403|point|level)');")"
# (on Citus a shard queues its notices for relay_case_notices(): tests/citus/run)
check 'on a single node the engine notified itself: no notice queued, none to relay' \
	'0|0' \
	"$(answer "SELECT (SELECT count(*) FROM case_notice) || '|' || relay_case_notices();")"

echo '\q' >&"${SESSION[1]}"
wait "$session_pid" 2>/dev/null
session_pid=
check_summary case_notify
