# Sourced by the benchmark drivers: `bench_database NAME` creates database
# NAME_<pid> with gridgov, makes it PGDATABASE, and drops it when the script
# exits (GRIDGOV_BENCH_KEEP=1 keeps it and prints its name).  Run
# `bench_on_exit COMMAND` first to add clean-up of the driver's own.
bench_db=
bench_extra_cleanup=:
bench_on_exit() { bench_extra_cleanup=$1; }
bench_cleanup() {
	$bench_extra_cleanup
	[ -n "$bench_db" ] || return 0
	if [ "${GRIDGOV_BENCH_KEEP:-}" = 1 ]; then
		echo "kept database $bench_db"
	else
		dropdb --if-exists "$bench_db" || echo "could not drop database $bench_db" >&2
	fi
}
trap bench_cleanup EXIT
bench_database() {
	createdb "$1_$$" || exit 1
	bench_db=$1_$$
	export PGDATABASE=$bench_db
	echo "database $bench_db"
	psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION gridgov CASCADE' || exit 1
}
