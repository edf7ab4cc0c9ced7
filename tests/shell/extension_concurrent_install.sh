#!/usr/bin/env bash
# Two databases of a cluster that has no gridgov roles yet run CREATE
# EXTENSION at the same moment: the first transaction creates the group
# roles and has not committed; the second finds no role, tries to create
# the same, waits for the first, and must then go on with the roles the
# first made instead of failing on their names.  Both databases end with
# the roles, the memberships and the grants.
#
# Roles belong to the cluster, so the test sets the cluster's gridgov roles
# aside under other names (their grants and members follow them), and puts
# them back on exit, whatever happens.  Runs against the cluster the PG*
# variables name; ends with "extension_concurrent_install: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
first=gridgov_install_a_$$ second=gridgov_install_b_$$ work=$(mktemp -d)
roles="gridgov_reader gridgov_handler gridgov_administrator gridgov_auditor gridgov_importer"
role_list="'gridgov_reader', 'gridgov_handler', 'gridgov_administrator', 'gridgov_auditor', 'gridgov_importer'"
export PGOPTIONS='--client-min-messages=warning'
session_pid= second_pid=

. "$here/check.bash"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${2:-postgres}" -c "$1"; }

# the roles set aside, as "old name saved name" lines
saved=()
restore() {
	local role
	[ -n "$session_pid" ] && kill "$session_pid" 2>/dev/null
	[ -n "$second_pid" ] && kill "$second_pid" 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$first" >/dev/null 2>&1
	dropdb --if-exists "$second" >/dev/null 2>&1
	for role in "${saved[@]}"; do
		set -- $role
		sql "DROP ROLE IF EXISTS $1" >/dev/null 2>&1
		sql "ALTER ROLE $2 RENAME TO $1" >/dev/null 2>&1 || echo "extension_concurrent_install: role $2 is still to be renamed $1" >&2
	done
	rm -rf "$work"
}
trap restore EXIT

for role in $roles; do
	if [ "$(sql "SELECT count(*) FROM pg_roles WHERE rolname = '$role'")" = 1 ]; then
		sql "ALTER ROLE $role RENAME TO ${role}_saved_$$" >/dev/null || exit 1
		saved+=("$role ${role}_saved_$$")
	fi
done
createdb "$first" && createdb "$second" || exit 1

# the first database's CREATE EXTENSION, left open
coproc SESSION { psql -X -q -At -d "$first" 2>&1; }
session_pid=$SESSION_PID
ask 'BEGIN;' >/dev/null
check "the first CREATE EXTENSION runs, uncommitted" "" "$(ask 'CREATE EXTENSION gridgov CASCADE;')"

# the second, which waits for the first on the roles' names
psql -X -q -At -v ON_ERROR_STOP=1 -d "$second" -c 'CREATE EXTENSION gridgov CASCADE' > "$work/second.log" 2>&1 &
second_pid=$!
waiting=
for _ in $(seq 1 100); do
	waiting=$(sql "SELECT wait_event_type FROM pg_stat_activity WHERE datname = '$second' AND pid <> pg_backend_pid()")
	[ "$waiting" = Lock ] && break
	sleep 0.1
done
check "the second waits for the first" "Lock" "$waiting"
ask 'COMMIT;' >/dev/null
wait "$second_pid"
status=$?
second_pid=
check "the second CREATE EXTENSION succeeds once the first commits" "0 " "$status $(cat "$work/second.log")"

check "the roles are there, once each, NOLOGIN" "5 0" \
	"$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE rolcanlogin) FROM pg_roles WHERE rolname IN ($role_list)")"
check "with their memberships" "gridgov_administrator gridgov_reader,gridgov_handler gridgov_reader" \
	"$(sql "SELECT string_agg(member::regrole || ' ' || roleid::regrole, ',' ORDER BY member::regrole::text) FROM pg_auth_members
	         WHERE member::regrole::text IN ($role_list)")"
for db in "$first" "$second"; do
	check "and their grants in both databases ($db)" "true true true true" \
		"$(sql "SELECT has_column_privilege('gridgov_reader', 'gridgov.cases', 'unit', 'SELECT') || ' '
		             || (NOT has_column_privilege('gridgov_reader', 'gridgov.cases', 'reporter', 'SELECT')) || ' '
		             || has_function_privilege('gridgov_handler', 'gridgov.accept(bigint, text, timestamptz, text, bigint)', 'EXECUTE') || ' '
		             || has_function_privilege('gridgov_auditor', 'gridgov.verify_history()', 'EXECUTE')" "$db" | tr -d '\n')"
done

check_summary extension_concurrent_install
