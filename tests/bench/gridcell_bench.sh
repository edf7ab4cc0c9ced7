#!/usr/bin/env bash
# Run the gridcell benchmark in a throwaway database of the cluster that the
# PG* variables (or -p PORT) point at, and drop it afterwards.
#
#   tests/bench/gridcell_bench.sh [-p PORT] [-n POINTS]
#
# POINTS defaults to 5000000 (a few minutes on 2 cores; the database peaks
# at about 1.5 GB).  GRIDGOV_VERSION, if set, installs that gridgov version.
set -euo pipefail
cd "$(dirname "$0")/../.."

port_args=()
points=5000000
while getopts "p:n:" opt; do
	case $opt in
		p) port_args=(-p "$OPTARG") ;;
		n) points=$OPTARG ;;
		*) echo "usage: $0 [-p PORT] [-n POINTS]" >&2; exit 2 ;;
	esac
done

db=gridgov_bench_$$
version_clause=""
[ -n "${GRIDGOV_VERSION:-}" ] && version_clause="VERSION '$GRIDGOV_VERSION'"

createdb "${port_args[@]}" "$db"
trap 'dropdb "${port_args[@]}" --if-exists "$db"' EXIT
psql -X -q "${port_args[@]}" -d "$db" -v ON_ERROR_STOP=1 \
	-c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION postgis" \
	-c "CREATE EXTENSION gridgov $version_clause CASCADE"
echo "gridcell benchmark: $points points, $(nproc) cores, $(psql -X -At "${port_args[@]}" -d "$db" -c 'SHOW server_version')"
time psql -X "${port_args[@]}" -d "$db" -v npoints="$points" -f tests/bench/gridcell_bench.sql
