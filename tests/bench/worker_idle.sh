#!/usr/bin/env bash
# The background worker's idle cost: CPU time of the gridgov worker and
# launcher processes while nothing is due (every job ran, periods of a day),
# measured from /proc over SECONDS and given per hour, at the default
# naptime (10 s) and at 1 s.  In a cluster of its own started with
# shared_preload_libraries = 'gridgov' (binaries from pg_config).
#
#   tests/bench/worker_idle.sh [-s SECONDS]     (default 120)
set -euo pipefail
seconds=120
while getopts "s:" opt; do
	case $opt in
		s) seconds=$OPTARG ;;
		*) echo "usage: $0 [-s SECONDS]" >&2; exit 2 ;;
	esac
done
bin=$(pg_config --bindir)
work=$(mktemp -d)
chmod 755 "$work"
port=$((20000 + $$ % 20000))
run() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=idle
trap 'run "$bin/pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1; rm -rf "$work"' EXIT
run "$bin/initdb -D $work/data -U postgres --auth=trust" >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$work'
listen_addresses = ''
shared_preload_libraries = 'gridgov'
gridgov.worker_databases = 'idle'
CONF
run "$bin/pg_ctl -D $work/data -l $work/log -w start" >/dev/null
createdb idle
psql -X -q -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION gridgov CASCADE' \
	-c "UPDATE gridgov.job SET period = '1 day'"
ticks=$(getconf CLK_TCK)
cpu() { awk '{ s += $14 + $15 } END { print s }' $(for p in "$@"; do echo "/proc/$p/stat"; done); }
for naptime in 10 1; do
	psql -X -q -c "ALTER SYSTEM SET gridgov.worker_naptime = $naptime" -c 'SELECT pg_reload_conf()' >/dev/null
	for _ in $(seq 1 60); do
		[ "$(psql -X -At -c "SELECT count(*) FROM gridgov.job_run")" = 4 ] && break
		sleep 1
	done
	pids=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type IN ('gridgov worker', 'gridgov launcher')")
	before=$(cpu $pids)
	sleep "$seconds"
	after=$(cpu $pids)
	echo "naptime ${naptime}s: $(awk -v b="$before" -v a="$after" -v t="$ticks" -v s="$seconds" \
		'BEGIN { c = (a - b) / t; printf "%.2f CPU seconds per hour (%.4f%% of one core)", c * 3600 / s, c / s * 100 }') over ${seconds}s, worker and launcher"
done
