#!/usr/bin/env bash
# The handler check on the move path (tests/bench/handler_bench.sql):
# accept() without a handler, with the acting role's person as handler, and
# with a handler named, at the server's defaults and with jit off.
#
#   [PG* variables] [MOVES=N] [RUNS=R] tests/bench/handler_bench.sh
#
# MOVES: moves per round and variant, default 5000; RUNS: rounds, default 5.
# Creates its own database and drops it (GRIDGOV_BENCH_KEEP=1 keeps it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
moves=${MOVES:-5000}
runs=${RUNS:-5}
. tests/bench/bench_database.bash
for setting in default off; do
	bench_database handler_bench_jit_$setting
	echo "== jit: $setting"
	if [ "$setting" = off ]; then opts='-c jit=off'; else opts=''; fi
	PGOPTIONS="$opts" psql -X -q -v n="$moves" -v runs="$runs" -f tests/bench/handler_bench.sql
	bench_cleanup
	bench_db=
done
