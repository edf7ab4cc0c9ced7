#!/usr/bin/env bash
# Without gridgov's worker: the one pg_cron recipe of docs/operations.md,
# run as written in a cluster of its own started with
# shared_preload_libraries = 'pg_cron' (Debian's postgresql-15-cron, which
# tools/ensure-deps installs).  The six jobs are scheduled, each command
# runs as written, and pg_cron itself runs the escalation sweep at the next
# minute: overdue cases escalated.  The last line is
# "worker_pg_cron: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

bin=$(pg_config --bindir)
if [ ! -f "$(pg_config --pkglibdir)/pg_cron.so" ]; then
	echo "worker_pg_cron: pg_cron is not installed in $(pg_config --pkglibdir) (tools/ensure-deps installs postgresql-15-cron)"
	echo "worker_pg_cron: 0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d)
chmod 755 "$work"
port=$((20000 + ($$ + 7) % 20000))
db=gridgov_cron
run() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=$db PGTZ=Asia/Shanghai
q() { psql -X -q -At -c "$1" 2>/dev/null; }
trap 'run "$bin/pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1; rm -rf "$work"' EXIT

run "$bin/initdb -D $work/data -U postgres --auth=trust" >/dev/null 2>&1
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$work'
listen_addresses = ''
shared_preload_libraries = 'pg_cron'
cron.database_name = '$db'
cron.host = '$work'
fsync = off
CONF
if ! run "$bin/pg_ctl -D $work/data -l $work/log -w start" >/dev/null || ! createdb "$db" ||
	! psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION gridgov CASCADE' \
		-c 'CREATE EXTENSION pg_cron' -f tests/pgtap/case_fixture.psql >/dev/null; then
	echo "worker_pg_cron: setup failed"; tail -20 "$work/log"
	echo "worker_pg_cron: 0 passed, 1 failed"
	exit 1
fi
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET search_path = gridgov, public;
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 09:00+08'
  FROM generate_series(1, 3) g;
SELECT accept(g, at => '2026-11-16 09:30+08') FROM generate_series(1, 3) g;
SQL

# the recipe, exactly as docs/operations.md gives it
recipe=$(sed -n "/^    SELECT cron.schedule('gridgov-/s/^    //p" docs/operations.md)
check "the recipe has six jobs, one per shipped job" "6" "$(printf '%s\n' "$recipe" | grep -c cron.schedule)"
printf '%s\n' "$recipe" | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
check "pg_cron holds the six jobs" "6" "$(q "SELECT count(*) FROM cron.job WHERE jobname LIKE 'gridgov-%'")"
check "the recipe schedules every job the worker would run, and nothing else" \
	"$(q "SELECT string_agg(function::text, ' ' ORDER BY function::text COLLATE \"C\") FROM gridgov.job")" \
	"$(printf '%s\n' "$recipe" | sed -n "s/.*'SELECT \(gridgov\.[a-z_]*\)()');$/\1/p" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
# each command runs as written (the sweep last, pg_cron runs it below)
ran=0
while IFS= read -r command; do
	psql -X -q -v ON_ERROR_STOP=1 -c "$command" >/dev/null 2>&1 && ran=$((ran + 1))
done < <(q "SELECT command FROM cron.job WHERE jobname LIKE 'gridgov-%' AND jobname <> 'gridgov-escalation-sweep'")
check "every other command runs" "5" "$ran"

# pg_cron runs the sweep at the next minute
escalated=0
for _ in $(seq 1 90); do
	escalated=$(q "SELECT count(*) FROM gridgov.cases WHERE escalations = 1")
	[ "$escalated" = 3 ] && break
	sleep 1
done
check "pg_cron's sweep escalated the overdue cases" "3" "$escalated"
check "and recorded its run as succeeded" "t" \
	"$(q "SELECT bool_or(d.status = 'succeeded') FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'gridgov-escalation-sweep'")"
check_summary worker_pg_cron
