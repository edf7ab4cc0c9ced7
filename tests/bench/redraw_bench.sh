#!/usr/bin/env bash
# Redraws benchmark (issue 19): routing points with the in-memory index
# once the grids have a year of redraws behind them, against routing with
# one layer and no redraws, and against PostGIS.  Two databases:
#   one   Guangming's 418 governance grids, one version each;
#   year  the same with the three other layers of issue 19 (84 epidemic
#         grids, 418 party-building grids, 210 enclosed units:
#         tests/data/guangming_layers.sql, layers_bench.sql) and a year of
#         redraws of the governance grids, 12 monthly redraws of 5% of them
#         (redraw_bench.sql): about 600 versions of governance grids.
# Timed, for POINTS pseudo-random points of the district's box:
#   one/now     grid_at(p, 'governance') in one: today's routing before;
#   year/now    the same in year: a current report;
#   year/dated  grid_at(p, 'governance', t) in year, t spread over 2026:
#               a late report, routed to the grid in force at t;
#   covers      the dated routing through PostGIS, ST_Covers over the GiST
#               indexes of unit and unit_history with the validity filter
#               valid_from <= t < valid_to, for the first 10,000 points.
# Goals: year over one at most 1.3 (now and dated), covers over the index
# (dated) at least 3.  Each run times each in a fresh session (which reads
# the index with one point before the clock starts), at the server's
# settings and with jit = off; medians of RUNS runs.  Before timing it
# checks that dated routing at 30 November 2025 in year equals today's
# routing in one, and that the index and PostGIS agree on 20,000 points at
# their times.
#
#   [PG* variables] tests/bench/redraw_bench.sh [-n POINTS] [-r RUNS]
#
# (defaults 500,000 points, 3 runs; GRIDGOV_BENCH_KEEP=1 keeps the databases)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
points=500000
runs=3
while getopts "n:r:" opt; do
	case $opt in
		n) points=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-n POINTS] [-r RUNS]" >&2; exit 2 ;;
	esac
done
for v in "$points" "$runs"; do
	case $v in '' | *[!0-9]* | 0) echo "redraw_bench: POINTS and RUNS must be positive integers" >&2; exit 2 ;; esac
done

workdir=$(mktemp -d)
. "$top/tests/bench/bench_database.bash"
bench_on_exit 'rm -rf "$workdir"'

started=$(date +%s)
echo "== redraws benchmark: $points points, $runs runs"
bench_machine
grep -E '^(code|44|4403|440311[0-9]*),' "$top/tests/data/china-division/guangdong.csv" > "$workdir/guangming.csv"

# The district, its points with a time each in 2026, and the timed routing.
load() {
	"$top/tools/load-china-division" "$workdir/guangming.csv" >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -v points="$points" -f "$top/tests/data/guangming.sql" -f "$here/guangming_points.sql"
	psql -X -q -v ON_ERROR_STOP=1 <<'EOF'
-- routes every point with the in-memory index (dated: at its time), after
-- one point first (so a backend without the index reads it before the
-- clock starts)
CREATE FUNCTION bench_route(dated boolean, OUT ms double precision, OUT routed bigint, OUT checksum numeric)
    LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    PERFORM gridgov.grid_at(ST_SetSRID(ST_MakePoint(113.9, 22.75), 4326), 'governance');
    t0 := clock_timestamp();
    IF dated THEN
        SELECT count(g), sum(g::bigint) INTO routed, checksum
          FROM (SELECT gridgov.grid_at(p, 'governance', t) AS g FROM bench_point) s;
    ELSE
        SELECT count(g), sum(g::bigint) INTO routed, checksum
          FROM (SELECT gridgov.grid_at(p, 'governance') AS g FROM bench_point) s;
    END IF;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;
-- the grid in force at t covering p through PostGIS: ST_Covers over the
-- GiST indexes of unit and unit_history, with the validity filter
CREATE FUNCTION bench_covers_at(p geometry, t timestamptz) RETURNS gridgov.gridcode
    LANGUAGE sql STABLE AS $$
    SELECT v.code
      FROM (SELECT u.code, u.boundary, u.valid_from, u.valid_to FROM gridgov.unit u
             WHERE u.level = 6 AND u.layer = 'governance' AND ST_Covers(u.boundary, p)
            UNION ALL
            SELECT h.code, h.boundary, h.valid_from, h.valid_to FROM gridgov.unit_history h
             WHERE h.layer = 'governance' AND ST_Covers(h.boundary, p)) v
     WHERE v.valid_from <= t AND (v.valid_to IS NULL OR v.valid_to > t)
     ORDER BY v.code LIMIT 1
$$;
CREATE FUNCTION bench_covers(n integer, OUT ms double precision, OUT routed bigint, OUT checksum numeric)
    LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    SELECT count(g), sum(g::bigint) INTO routed, checksum
      FROM (SELECT bench_covers_at(b.p, b.t) AS g FROM bench_point b WHERE b.i <= n) s;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;
VACUUM ANALYZE gridgov.unit, bench_point;
EOF
}

bench_database redraw_one
one=$PGDATABASE
load
bench_database redraw_year
year=$PGDATABASE
load
psql -X -q -v ON_ERROR_STOP=1 -f "$top/tests/data/guangming_layers.sql" -f "$here/layers_bench.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f "$here/redraw_bench.sql" -c 'VACUUM ANALYZE gridgov.unit, gridgov.unit_history'

echo "== checks"
a=$(psql -X -At -d "$one" -c "SELECT count(g) || ' ' || sum(g::bigint) FROM (SELECT gridgov.grid_at(p, 'governance') AS g FROM bench_point) s")
b=$(psql -X -At -d "$year" -c "SELECT count(g) || ' ' || sum(g::bigint) FROM (SELECT gridgov.grid_at(p, 'governance', '2025-11-30 00:00+08') AS g FROM bench_point) s")
echo "routed (count checksum): one today $a, year at 30 November 2025 $b"
[ "$a" = "$b" ] || { echo "redraw_bench: the grids before the redraws route differently" >&2; exit 1; }
agree=$(psql -X -At -d "$year" -c "SELECT count(*) FILTER (WHERE gridgov.grid_at(p, 'governance', t)::bigint IS NOT DISTINCT FROM bench_covers_at(p, t)::bigint)
                                   || ' of ' || count(*) FROM bench_point WHERE i <= 20000")
echo "grid_at at each point's time against ST_Covers with the validity filter: $agree agree"
case $agree in "20000 of 20000" | "$points of $points") ;; *) echo "redraw_bench: the index and PostGIS disagree" >&2; exit 1 ;; esac

echo "== timing: $runs runs, at the server's settings and with jit = off"
covers_points=$((points < 10000 ? points : 10000))
: > "$workdir/times"
for r in $(seq "$runs"); do
	for setting in default jit_off; do
		set_jit=; [ $setting = jit_off ] && set_jit='SET jit = off'
		ms=$(psql -X -q -At -d "$one" -c "${set_jit:-SELECT}" -c "SELECT ms FROM bench_route(false)" | tail -n 1)
		echo "$setting one_now $ms" >> "$workdir/times"
		ms=$(psql -X -q -At -d "$year" -c "${set_jit:-SELECT}" -c "SELECT ms FROM bench_route(false)" | tail -n 1)
		echo "$setting year_now $ms" >> "$workdir/times"
		ms=$(psql -X -q -At -d "$year" -c "${set_jit:-SELECT}" -c "SELECT ms FROM bench_route(true)" | tail -n 1)
		echo "$setting year_dated $ms" >> "$workdir/times"
		ms=$(psql -X -q -At -d "$year" -c "${set_jit:-SELECT}" -c "SELECT ms FROM bench_covers($covers_points)" | tail -n 1)
		echo "$setting covers $ms" >> "$workdir/times"
	done
	echo "run $r (ms): $(tail -n 8 "$workdir/times" | paste -sd ',' | sed 's/,/, /g')"
done

# medians, per point, and the ratios
psql -X -q -d "$one" -v ON_ERROR_STOP=1 -v points="$points" -v covers_points="$covers_points" <<EOF
CREATE TEMP TABLE t (setting text, what text, ms double precision);
\\copy t FROM '$workdir/times' (DELIMITER ' ')
CREATE TEMP TABLE m AS
SELECT setting, what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)
       / CASE what WHEN 'covers' THEN :covers_points ELSE :points END * 1000 AS us
  FROM t GROUP BY 1, 2;
\echo 'median µs per point routed'
SELECT setting, what, round(us::numeric, 3) AS us_per_point FROM m ORDER BY 1, 2;
\echo 'a year of redraws and four layers over one layer (goal at most 1.3), PostGIS over the index (goal at least 3)'
SELECT s.setting, round((n.us / o.us)::numeric, 2) AS now_over_one, round((d.us / o.us)::numeric, 2) AS dated_over_one,
       round((c.us / d.us)::numeric, 1) AS covers_over_dated
  FROM (VALUES ('default'), ('jit_off')) s (setting)
  JOIN m o ON o.setting = s.setting AND o.what = 'one_now'
  JOIN m n ON n.setting = s.setting AND n.what = 'year_now'
  JOIN m d ON d.setting = s.setting AND d.what = 'year_dated'
  JOIN m c ON c.setting = s.setting AND c.what = 'covers'
 ORDER BY 1;
EOF
echo "== done in $(($(date +%s) - started)) s"
