# Sourced by the shell tests: count checks and print them as TAP-like lines;
# `check_summary NAME` prints the closing "NAME: N passed, M failed" and
# returns non-zero when anything failed.  A test that holds a session open
# runs it as `coproc SESSION { psql -X -q -At ...; }` and talks to it with
# `ask`.
passed=0 failed=0
check() {	# check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1: expected '$2', got '$3'"
	fi
}
check_summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
ask() {	# ask SQL: the open session's output for SQL, lines joined by spaces
	local line answer=
	printf '%s\n\\echo __answered__\n' "$1" >&"${SESSION[1]}"
	while IFS= read -r -t 30 line <&"${SESSION[0]}"; do
		[ "$line" = __answered__ ] && { printf '%s' "${answer# }"; return; }
		answer+=" $line"
	done
	printf 'no answer'
}
# scratch_database TEST [MESSAGES]: the test's own database, gridgov_TEST_PID,
# made PGDATABASE (in the calendar's zone, client messages from MESSAGES,
# warning by default), a work directory $work, and $pids for the clients
# started in the background; at exit the clients are stopped and the
# database and directory removed.  fail_setup MESSAGE ends the test as one
# failure.
scratch_database() {
	test_name=$1
	db=gridgov_${1}_$$
	export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS="--client-min-messages=${2:-warning}"
	work=$(mktemp -d)
	pids=()
	trap scratch_cleanup EXIT
	createdb "$db" || fail_setup "createdb $db"
}
scratch_cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	rm -rf "$work"
}
fail_setup() {
	echo "$test_name: setup failed: $*" >&2
	echo "$test_name: 0 passed, 1 failed"
	exit 1
}
# run_clients PHASE [PSQL OPTION ...]: $work/PHASE1.sql to PHASE$clients.sql
# run by $clients sessions at once, each writing PHASEi.out and PHASEi.err,
# and a check that every session finished
run_clients() {
	local phase=$1 i pid finished=0
	shift
	for i in $(seq 1 "$clients"); do
		psql -X -At "$@" -f "$work/$phase$i.sql" >"$work/$phase$i.out" 2>"$work/$phase$i.err" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" && finished=$((finished + 1)); done
	pids=()
	check "$phase: all $clients sessions finished" "$clients" "$finished"
}
# q SQL: SQL's answer in the test's database, unaligned, gridgov first on the path
q() { psql -X -q -At -c "SET search_path = gridgov, public" -c "$1"; }
