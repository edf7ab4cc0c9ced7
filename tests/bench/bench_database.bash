# Sourced by the benchmark drivers: `bench_database NAME` creates database
# NAME_<pid> with gridgov, makes it PGDATABASE, and drops it when the script
# exits (GRIDGOV_BENCH_KEEP=1 keeps it and prints its name); a driver may
# create several.  Run `bench_on_exit COMMAND` first to add clean-up of the
# driver's own.
bench_dbs=()
bench_extra_cleanup=:
bench_on_exit() { bench_extra_cleanup=$1; }
bench_cleanup() {
	$bench_extra_cleanup
	local db
	for db in "${bench_dbs[@]}"; do
		if [ "${GRIDGOV_BENCH_KEEP:-}" = 1 ]; then
			echo "kept database $db"
		else
			dropdb --if-exists "$db" || echo "could not drop database $db" >&2
		fi
	done
}
trap bench_cleanup EXIT
bench_database() {
	createdb "$1_$$" || exit 1
	bench_dbs+=("$1_$$")
	export PGDATABASE=$1_$$
	echo "database $PGDATABASE"
	psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION gridgov CASCADE' || exit 1
}
# Prints the machine a run's figures belong to: the client's cores, CPU and
# load (the development machines are shared, and load moves the figures)
# and the server's version.
bench_machine() {
	echo "client: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	psql -X -d postgres -Atc "SELECT 'server: ' || version()"
}
