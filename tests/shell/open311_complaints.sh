#!/usr/bin/env bash
# Complaints at once (issue 18, item 2): a reporter's complaint reopens a
# closed request as rework, once.  Against the cluster that the PG*
# variables name, in a database of its own (created and dropped here), with
# the case fixture of the pgTAP suites and a login that is only a
# gridgov_reporter.
#
# 20 requests are posted through Open311 by the login, then closed by the
# owner.  For each, 4 sessions of the login complain at the same moment
# (released together), each with the request's token.  Afterwards:
#   - each request was reopened exactly once: reopenings = 1, one history
#     row reopen, the case in progress again;
#   - exactly one complaint per request succeeded, and the three others were
#     refused with 55000 (not closed), none with another error;
#   - the rework rate counts them: reworked 20 of the 20 requests;
#   - every history chain still verifies.
# The last line is "open311_complaints: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_open311_complaints_$$
web=gridgov_open311_web_$$
secret=web-$$-$RANDOM
requests=20
sessions=4
export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d)
pids=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $web" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

. tests/shell/check.bash

fail_setup() {
	echo "open311_complaints: setup failed: $*" >&2
	echo "open311_complaints: 0 passed, 1 failed"
	exit 1
}

createdb "$db" || fail_setup "createdb $db"
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<EOF || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/case_fixture.psql
INSERT INTO open311_service (category, service_code) VALUES ('noise', 'noise');
CREATE ROLE $web LOGIN PASSWORD '$secret' IN ROLE gridgov_reporter;
EOF

# the login posts the requests and keeps their tokens
PGUSER=$web PGPASSWORD=$secret psql -X -q -At -v ON_ERROR_STOP=1 -v n="$requests" >"$work/tokens" 2>"$work/setup.err" <<'EOF' ||
SELECT gridgov.open311_post_request('noise', lat => 22.75, long => 113.94, description => '夜间噪音 ' || g) -> 0 ->> 'token'
  FROM generate_series(1, :n) g;
EOF
	fail_setup "$(cat "$work/setup.err")"
check "the login posted $requests requests" "$requests" "$(wc -l <"$work/tokens" | tr -d ' ')"

# the owner handles and closes them
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
SET search_path = gridgov, public;
SELECT count(*) FROM (SELECT accept(id), dispatch(id), start(id), resolve(id, '已处理'), verify(id), close(id)
                        FROM cases ORDER BY id) moved;
EOF

# each request: 4 sessions complain at once, released by a lock the owner holds
for token in $(cat "$work/tokens"); do
	psql -X -q -At -c "SELECT pg_advisory_lock(311)" -c "SELECT pg_sleep(0.5)" -c "SELECT pg_advisory_unlock(311)" >/dev/null &
	holder=$!
	pids+=("$holder")
	sleep 0.1
	for s in $(seq "$sessions"); do
		PGUSER=$web PGPASSWORD=$secret psql -X -q -At -v ON_ERROR_STOP=1 -v token="$token" >>"$work/outcomes" 2>&1 <<'EOF' &
\set VERBOSITY sqlstate
SELECT pg_advisory_lock_shared(311);
SELECT 'reopened ' || (gridgov.open311_complain(:'token', '噪音又出现了') -> 'request' ->> 'service_request_id');
EOF
		pids+=("$!")
	done
	wait
	pids=()
done

check 'one complaint of each request reopened it' "$requests" "$(grep -c '^reopened ' "$work/outcomes")"
check "and the $((requests * (sessions - 1))) others were refused with 55000, not closed" \
	"$((requests * (sessions - 1)))" "$(grep -c '^ERROR:  55000' "$work/outcomes")"
check 'no other error' '0' "$(grep '^ERROR' "$work/outcomes" | grep -vc '^ERROR:  55000')"
check 'every request reopened exactly once, in progress again, not closed' "$requests|$requests|$requests|0" \
	"$(psql -X -At -c "SELECT count(*) FILTER (WHERE reopenings = 1), count(*) FILTER (WHERE status = 'in_progress'),
	                          (SELECT count(*) FROM gridgov.case_history WHERE action = 'reopen'),
	                          count(*) FILTER (WHERE closed_at IS NOT NULL)
	                     FROM gridgov.cases")"
check 'the rework rate counts them' "$requests" \
	"$(psql -X -At -c "SELECT gridgov.reworked(gridgov.kpi(c)) FROM gridgov.cases c")"
check 'every chain verifies' '0' "$(psql -X -At -c "SELECT count(*) FROM gridgov.verify_history()")"

check_summary open311_complaints
