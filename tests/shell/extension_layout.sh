#!/usr/bin/env bash
# An install from before 0.8.0, updated, keeps its layout (the schema
# gridgov made by PostgreSQL, outside the extension, and the extension
# registered in it) and works: the calendar's C code finds its tables.  Its
# dump restores plainly (pg_restore --exit-on-error into an empty database):
# the dump's CREATE SCHEMA gridgov, then CREATE EXTENSION gridgov WITH SCHEMA
# gridgov, whose script uses that schema, gives the same layout with the
# data.  docs/operations.md's recipe ("The schema's layout") restores it
# into the layout of 0.8.0 instead, where DROP EXTENSION drops the schema:
# CREATE EXTENSION first, then pg_restore of the dump without the schema's
# and the extension's entries.  Ends with "extension_layout: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.bash"
scratch_database extension_layout
new=${db}_new
trap 'scratch_cleanup; dropdb --if-exists "$new" >/dev/null 2>&1' EXIT

psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION postgis' -c 'CREATE EXTENSION btree_gist' \
	-c "CREATE EXTENSION gridgov VERSION '0.7.0'" \
	-c "INSERT INTO gridgov.unit (code, name) VALUES ('44', '广东省'), ('4403', '深圳市'), ('440311', '光明区')" \
	-c "INSERT INTO gridgov.calendar_day VALUES ('2026-12-24', false, '平安夜（示例）')" \
	-c 'ALTER EXTENSION gridgov UPDATE' >/dev/null || fail_setup "install 0.7.0 and update"

layout="SELECT e.extversion || ' ' || e.extnamespace::regnamespace || ' '
               || (SELECT count(*) FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                      AND d.objid = 'gridgov'::regnamespace AND d.refobjid = e.oid AND d.deptype = 'e')
          FROM pg_extension e WHERE e.extname = 'gridgov'"
data="SELECT gridgov.breadcrumb('440311') || ' ' || gridgov.is_workday('2026-12-24') || ' '
             || (SELECT count(*) FROM gridgov.calendar_day)"
check "updated from 0.7.0: registered in gridgov, the schema not a member" "0.8.0 gridgov 0" "$(q "$layout")"
check "and the calendar's C code finds its tables there" "广东省 › 深圳市 › 光明区 false" "$(q "$data" | cut -d' ' -f1-6)"
before=$(q "$data")

pg_dump -Fc -f "$work/old.dump" 2>/dev/null || fail_setup "pg_dump"
createdb "$new" || fail_setup "createdb $new"
pg_restore --exit-on-error -d "$new" "$work/old.dump"
check "a plain pg_restore --exit-on-error of its dump succeeds" 0 $?
check "in the layout of before 0.8.0, as it was" "0.8.0 gridgov 0" "$(PGDATABASE=$new q "$layout")"
check "with the data of the original" "$before" "$(PGDATABASE=$new q "$data")"
psql -X -q -d "$new" -c 'DROP EXTENSION gridgov' >/dev/null
check "DROP EXTENSION there leaves the schema gridgov, empty" "1 0" \
	"$(PGDATABASE=$new q "SELECT count(*) || ' ' || (SELECT count(*) FROM pg_class WHERE relnamespace = 'gridgov'::regnamespace)
	                            FROM pg_namespace WHERE nspname = 'gridgov'")"
dropdb "$new" && createdb "$new" || fail_setup "createdb $new again"
pg_dump 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d "$new" >/dev/null 2>&1
check "and so does pg_dump | psql -v ON_ERROR_STOP=1, the same layout and data" "0.8.0 gridgov 0 $before" \
	"$(PGDATABASE=$new q "$layout") $(PGDATABASE=$new q "$data")"
dropdb "$new" && createdb "$new" || fail_setup "createdb $new again"

# the recipe
psql -X -q -v ON_ERROR_STOP=1 -d "$new" -c 'CREATE EXTENSION gridgov CASCADE' >/dev/null || fail_setup "CREATE EXTENSION in $new"
pg_restore -l "$work/old.dump" | grep -v -E ' (SCHEMA - gridgov|EXTENSION - gridgov|COMMENT - EXTENSION gridgov) ' \
	> "$work/old.list"
check "the recipe's list leaves out the schema, the extension and its comment" 3 \
	$(( $(pg_restore -l "$work/old.dump" | wc -l) - $(wc -l < "$work/old.list") ))
pg_restore --exit-on-error -L "$work/old.list" -d "$new" "$work/old.dump"
check "the recipe's pg_restore runs" 0 $?
check "restored into the layout of 0.8.0: registered in public, the schema a member" "0.8.0 public 1" \
	"$(PGDATABASE=$new q "$layout")"
check "with the data of the original" "$before" "$(PGDATABASE=$new q "$data")"
psql -X -q -d "$new" -c 'DROP EXTENSION gridgov' >/dev/null
check "and DROP EXTENSION there leaves no schema gridgov" 0 \
	"$(PGDATABASE=$new q "SELECT count(*) FROM pg_namespace WHERE nspname = 'gridgov'")"

check_summary extension_layout
