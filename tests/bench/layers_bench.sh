#!/usr/bin/env bash
# Grid layers benchmark: routing points to the primary layer's grids with
# one layer loaded (Guangming's 418 governance grids) and with three more
# over the same ground (84 epidemic grids, 418 party-building grids, 210
# enclosed units: tests/data/guangming_layers.sql, tests/bench/layers_bench.sql).
# Routing is grid_at(point, 'governance'): the in-memory index lookup that
# intake routes every case with (docs/layers.md).  Goal: at most 1.3 times
# the one-layer time.  For context, the same routing through PostGIS:
# ST_Covers over the GiST index of unit, as unit_at() does it, for the
# first 10,000 points.
#
#   [PG* variables] tests/bench/layers_bench.sh [-n POINTS] [-r RUNS]
#
# Two databases, made and dropped by the script (GRIDGOV_BENCH_KEEP=1 keeps
# them).  Each run times the routing of POINTS points (default 2,000,000,
# the same pseudo-random points of the district's box in both databases)
# once in each database, in a fresh session that first routes one point
# (which reads the index), at the server's settings and then with jit =
# off; medians of RUNS runs (default 5).  Before timing, it checks that
# both databases route every point to the same grid, and that grid_at
# answers as ST_Covers does in every layer for 20,000 of the points.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
points=2000000
runs=5
while getopts "n:r:" opt; do
	case $opt in
		n) points=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-n POINTS] [-r RUNS]" >&2; exit 2 ;;
	esac
done
for v in "$points" "$runs"; do
	case $v in '' | *[!0-9]* | 0) echo "layers_bench: POINTS and RUNS must be positive integers" >&2; exit 2 ;; esac
done

workdir=$(mktemp -d)
. "$top/tests/bench/bench_database.bash"
bench_on_exit 'rm -rf "$workdir"'

started=$(date +%s)
echo "== grid layers benchmark: $points points, $runs runs"
bench_machine
grep -E '^(code|44|4403|440311[0-9]*),' "$top/tests/data/china-division/guangdong.csv" > "$workdir/guangming.csv"

# The district, its points, and the timed routing, in the current database.
load() {
	"$top/tools/load-china-division" "$workdir/guangming.csv" >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -v points="$points" -f "$top/tests/data/guangming.sql" -f "$here/guangming_points.sql"
	psql -X -q -v ON_ERROR_STOP=1 <<'EOF'
-- routes every point with the in-memory index, after one point first (so
-- a backend without the index reads it before the clock starts)
CREATE FUNCTION bench_route(OUT ms double precision, OUT routed bigint, OUT checksum numeric)
    LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    PERFORM gridgov.grid_at(ST_SetSRID(ST_MakePoint(113.9, 22.75), 4326), 'governance');
    t0 := clock_timestamp();
    SELECT count(g), sum(g::bigint) INTO routed, checksum
      FROM (SELECT gridgov.grid_at(p, 'governance') AS g FROM bench_point) s;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;
-- the same through PostGIS, over the first n points
CREATE FUNCTION bench_covers(n integer, OUT ms double precision, OUT routed bigint, OUT checksum numeric)
    LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    SELECT count(g), sum(g::bigint) INTO routed, checksum
      FROM (SELECT (SELECT u.code FROM gridgov.unit u
                     WHERE u.level = 6 AND u.layer = 'governance' AND ST_Covers(u.boundary, b.p)
                       AND gridgov.unit_is_current(u.valid_to)
                     ORDER BY u.code LIMIT 1) AS g
              FROM bench_point b WHERE b.i <= n) s;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;
VACUUM ANALYZE gridgov.unit, bench_point;
EOF
}

bench_database layers_one
one=$PGDATABASE
load
bench_database layers_four
four=$PGDATABASE
load
psql -X -q -v ON_ERROR_STOP=1 -f "$top/tests/data/guangming_layers.sql" -f "$here/layers_bench.sql" \
	-c 'VACUUM ANALYZE gridgov.unit'

echo "== checks"
a=$(psql -X -At -d "$one" -c "SELECT routed || ' ' || checksum FROM bench_route()")
b=$(psql -X -At -d "$four" -c "SELECT routed || ' ' || checksum FROM bench_route()")
echo "routed (count checksum): one layer $a, four layers $b"
[ "$a" = "$b" ] || { echo "layers_bench: the two databases route differently" >&2; exit 1; }
psql -X -q -At -d "$four" -v ON_ERROR_STOP=1 <<'EOF' | tee "$workdir/check"
SET search_path = gridgov, public;
SELECT 'grid_at against ST_Covers, ' || l.name || ': ' || count(*) FILTER (WHERE x.g IS NOT DISTINCT FROM x.c)
       || ' of ' || count(*) || ' agree, ' || count(x.c) || ' covered'
  FROM gridgov.grid_layer l
 CROSS JOIN LATERAL (
       SELECT gridgov.grid_at(b.p, l.name) AS g,
              (SELECT u.code FROM gridgov.unit u
                WHERE u.level = 6 AND u.layer = l.name AND ST_Covers(u.boundary, b.p)
                ORDER BY u.code LIMIT 1) AS c
         FROM bench_point b WHERE b.i <= 20000) x
 GROUP BY l.name ORDER BY l.name;
EOF
if grep -v ' 20000 of 20000 agree' "$workdir/check" | grep -q .; then
	echo "layers_bench: grid_at and ST_Covers disagree" >&2
	exit 1
fi

echo "== timing: $runs runs, each in both databases, at the server's settings and with jit = off"
covers_points=$((points < 10000 ? points : 10000))
: > "$workdir/times"
for r in $(seq "$runs"); do
	for db in "$one" "$four"; do
		which=one; [ "$db" = "$four" ] && which=four
		ms=$(psql -X -At -d "$db" -c "SELECT ms FROM bench_route()")
		echo "default $which $ms" >> "$workdir/times"
		ms=$(psql -X -q -At -d "$db" -c 'SET jit = off' -c "SELECT ms FROM bench_route()")
		echo "jit_off $which $ms" >> "$workdir/times"
	done
	ms=$(psql -X -At -d "$four" -c "SELECT ms FROM bench_covers($covers_points)")
	echo "covers four $ms" >> "$workdir/times"
	echo "run $r (ms): $(tail -n 5 "$workdir/times" | paste -sd ',' | sed 's/,/, /g')"
done

# medians, per point, and the ratios
psql -X -q -d "$one" -v ON_ERROR_STOP=1 -v points="$points" -v covers_points="$covers_points" <<EOF
CREATE TEMP TABLE t (setting text, layers text, ms double precision);
\\copy t FROM '$workdir/times' (DELIMITER ' ')
CREATE TEMP TABLE m AS
SELECT setting, layers, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)
       / CASE setting WHEN 'covers' THEN :covers_points ELSE :points END * 1000 AS us
  FROM t GROUP BY 1, 2;
\echo 'median µs per point routed (grid_at with the index; covers: ST_Covers over GiST)'
SELECT setting, layers, round(us::numeric, 3) AS us_per_point FROM m ORDER BY 1, 2;
\echo 'four layers / one layer (goal at most 1.3), and ST_Covers / the index with four layers'
SELECT s.setting, round((f.us / o.us)::numeric, 2) AS four_over_one,
       round((c.us / f.us)::numeric, 1) AS covers_over_index
  FROM (VALUES ('default'), ('jit_off')) s (setting)
  JOIN m o ON o.setting = s.setting AND o.layers = 'one'
  JOIN m f ON f.setting = s.setting AND f.layers = 'four'
  JOIN m c ON c.setting = 'covers'
 ORDER BY 1;
EOF
echo "== done in $(($(date +%s) - started)) s"
