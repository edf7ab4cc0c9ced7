#!/usr/bin/env bash
# history_checkpoint() with writers at work: the entry of a history row is
# handed out when the row is written, not when it commits, so a checkpoint
# that did not wait could cover a later entry and miss an earlier one still
# uncommitted, and that row would then show as inserted below it.  Here a
# session holds a report uncommitted while another commits a later one; the
# checkpoint waits for the first, a move made meanwhile waits for the
# checkpoint, and once all have committed the checkpoint covers exactly the
# rows before the move and verifies.  Against the cluster that the PG*
# variables name; in a database of its own (created and dropped here).
# The last line is "case_checkpoint_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

db=gridgov_checkpoint_$$
export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning -c search_path=gridgov,public'
work=$(mktemp -d)
session_pid=

cleanup() {
	[ -n "$session_pid" ] && kill "$session_pid" 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
report="INSERT INTO cases (category, channel, unit) VALUES ('noise', 'walk_in', '440311006003001') RETURNING id;"
if ! createdb "$db" ||
	! psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION gridgov CASCADE' -f tests/pgtap/case_fixture.psql \
		-c "$report" -c "$report" >/dev/null; then
	echo "case_checkpoint_concurrency: setup failed"
	echo "case_checkpoint_concurrency: 0 passed, 1 failed"
	exit 1
fi
# waiting for a lock, the statement that starts with $1
waiting() {
	q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
	     AND wait_event_type = 'Lock' AND query LIKE '$1%'"
}

# session 1 reports a case and keeps it uncommitted
coproc SESSION { psql -X -q -At -v ON_ERROR_STOP=0 2>&1; }
session_pid=$SESSION_PID
held=$(ask "BEGIN; $report")
# session 2 reports one after it, and commits
q "$report" >/dev/null
check "the uncommitted report's entry is below the committed one's" "t" \
	"$(q "SELECT max(entry) > (SELECT count(*) FROM case_history) FROM case_history")"

# the checkpoint waits for session 1
psql -X -q -At -c "SELECT history_checkpoint()" >"$work/checkpoint" 2>&1 &
checkpoint_pid=$!
sleep 1
check "the checkpoint waits for the report in progress" "1" "$(waiting 'SELECT history_checkpoint')"
# a move made now waits for the checkpoint
psql -X -q -At -c "SELECT (accept(1)).status" >"$work/move" 2>&1 &
move_pid=$!
sleep 1
check "a move waits for the checkpoint" "1" "$(waiting 'SELECT (accept(1))')"

ask "COMMIT;" >/dev/null
wait "$checkpoint_pid"
check "the checkpoint is taken once the report commits" "0" "$?"
wait "$move_pid"
check "the move is made after it" "accepted" "$(cat "$work/move")"
checkpoint=$(cat "$work/checkpoint")
check "it covers the four reports, not the move" "4" "$(printf '%s\n' "$checkpoint" | sed -n 2p)"
check "and verifies: no row came to lie below it" "0" "$(q "SELECT count(*) FROM verify_history('$checkpoint')")"
check "the held report was case $held" "t" "$(q "SELECT count(*) = 1 FROM case_history WHERE case_id = $held")"

check_summary case_checkpoint_concurrency
