#!/usr/bin/env bash
# The background worker in a cluster of its own, started with
# shared_preload_libraries = 'gridgov': the launcher starts the worker of a
# database once gridgov.worker_databases names it (on reload); overdue cases
# are escalated with no client calling anything; the processes are named in
# pg_stat_activity; after kill -9 of the worker the postmaster restarts it
# and no case is escalated twice; a job that fails is recorded with its
# SQLSTATE while the others go on running; the personal-data retention job
# empties a closed case's reporter with the database's setting; a fast
# shutdown stops it.
# Binaries from pg_config (PATH); the cluster lives in a temporary directory.
# The last line is "worker_jobs: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

bin=$(pg_config --bindir)
work=$(mktemp -d)
chmod 755 "$work"
port=$((20000 + $$ % 20000))
db=gridgov_worker
run() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=$db PGTZ=Asia/Shanghai
q() { psql -X -q -At -c "$1" 2>/dev/null; }

cleanup() {
	run "$bin/pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

run "$bin/initdb -D $work/data -U postgres --auth=trust" >/dev/null 2>&1
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$work'
listen_addresses = ''
shared_preload_libraries = 'gridgov'
gridgov.worker_naptime = 1
fsync = off
CONF
if ! run "$bin/pg_ctl -D $work/data -l $work/log -w start" >/dev/null ||
	! createdb "$db" ||
	! psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION gridgov CASCADE' \
		-f tests/pgtap/case_fixture.psql >/dev/null; then
	echo "worker_jobs: setup failed"; cat "$work/log" 2>/dev/null | tail -20
	echo "worker_jobs: 0 passed, 1 failed"
	exit 1
fi
check "the launcher runs before any database is named" "1" \
	"$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'gridgov launcher'")"

# three cases past their dispatch deadline (2026-11-17 09:30), a sweep every 2 seconds
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET search_path = gridgov, public;
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 09:00+08'
  FROM generate_series(1, 3) g;
SELECT accept(g, at => '2026-11-16 09:30+08') FROM generate_series(1, 3) g;
UPDATE job SET period = '2 seconds' WHERE name IN ('escalation_sweep', 'early_warning', 'rollups');
-- a case closed weeks ago, its reporter's contact kept until the retention job
INSERT INTO cases (id, category, channel, location, reporter, reported_at)
VALUES (4, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '{"phone": "13912345678"}', '2026-11-16 13:00+08');
SELECT accept(4, at => '2026-11-16 13:10+08'), dispatch(4, at => '2026-11-16 13:20+08'),
       start(4, at => '2026-11-16 13:30+08'), resolve(4, at => '2026-11-16 14:00+08'),
       verify(4, at => '2026-11-16 15:00+08'), close(4, 5, at => '2026-11-16 16:00+08');
SQL
q "ALTER DATABASE $db SET gridgov.personal_data_retention = '1 day'" >/dev/null
q "ALTER SYSTEM SET gridgov.worker_databases = '$db'" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null

# within two periods of the worker's start (and its start itself: a few seconds)
escalated=0
for _ in $(seq 1 30); do
	escalated=$(q "SELECT count(*) FROM gridgov.cases WHERE escalations = 1 AND handling_level = 4")
	[ "$escalated" = 3 ] && break
	sleep 1
done
check "overdue cases escalated by the worker, no client calling" "3" "$escalated"
check "the worker is named in pg_stat_activity" "gridgov worker|gridgov worker" \
	"$(q "SELECT backend_type || '|' || application_name FROM pg_stat_activity WHERE backend_type = 'gridgov worker'")"
check "every job ran once at least, the sweep without error" "00000" \
	"$(q "SELECT outcome FROM gridgov.job_status WHERE name = 'escalation_sweep'")"
retained=
for _ in $(seq 1 10); do
	retained=$(q "SELECT outcome FROM gridgov.job_status WHERE name = 'personal_data_retention'")
	[ -n "$retained" ] && break
	sleep 1
done
check "the retention job ran with the database's setting: the closed case's reporter emptied by an edit" \
	"00000|{}|edit|changed reporter: personal data removed after a retention of 1 day|0" \
	"$retained|$(q "SELECT reporter::text || '|' || last_action || '|' || note FROM gridgov.cases WHERE id = 4")|$(q "SELECT count(*) FROM gridgov.verify_history()")"

# kill -9: the postmaster resets the cluster and starts launcher and worker again
pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'gridgov worker'")
kill -9 "$pid"
newpid=
for _ in $(seq 1 60); do
	sleep 1
	newpid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'gridgov worker'")
	[ -n "$newpid" ] && [ "$newpid" != "$pid" ] && break
done
check "after kill -9 a worker runs again" "yes" "$([ -n "$newpid" ] && [ "$newpid" != "$pid" ] && echo yes || echo "no ($newpid)")"
check "one worker for the database, not two" "1" \
	"$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'gridgov worker'")"
before=$(q "SELECT last_run FROM gridgov.job_status WHERE name = 'escalation_sweep'")
sleep 5
check "no case escalated twice" "3|3" \
	"$(q "SELECT count(*) FILTER (WHERE escalations = 1) || '|' || (SELECT count(*) FROM gridgov.case_history WHERE action = 'escalate') FROM gridgov.cases")"

# a job that fails: recorded with its SQLSTATE, backed off; the sweep goes on
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE FUNCTION public.broken_job() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'no such setting' USING ERRCODE = '22023';
END;
$$;
INSERT INTO gridgov.job (name, function, period) VALUES ('broken', 'public.broken_job', '1 second');
SQL
sleep 6
check "the failing job is recorded with its SQLSTATE" "22023|no such setting" \
	"$(q "SELECT outcome || '|' || message FROM gridgov.job_status WHERE name = 'broken'")"
check "it backs off: its next run is further than one period away" "t" \
	"$(q "SELECT failures >= 1 AND next_run - last_run > interval '1 second' FROM gridgov.job_status WHERE name = 'broken'")"
check "the others go on running" "true|00000" \
	"$(q "SELECT (last_run > '$before')::text || '|' || outcome FROM gridgov.job_status WHERE name = 'escalation_sweep'")"
check "the failure is in the server log with its SQLSTATE" "1" \
	"$(grep -c 'gridgov job "broken" failed with SQLSTATE 22023' "$work/log" | awk '{print ($1 > 0)}')"

# SIGHUP: taking the database out of the list stops its worker
q "ALTER SYSTEM SET gridgov.worker_databases = ''" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
left=1
for _ in $(seq 1 20); do
	sleep 1
	left=$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'gridgov worker'")
	[ "$left" = 0 ] && break
done
check "on reload without the database, its worker stops" "0" "$left"

check "a fast shutdown stops launcher and workers" "0" \
	"$(run "$bin/pg_ctl -D $work/data -m fast -t 30 -w stop" >/dev/null 2>&1; echo $?)"
check_summary worker_jobs
