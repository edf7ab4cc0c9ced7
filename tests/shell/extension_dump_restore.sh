#!/usr/bin/env bash
# pg_dump keeps everything gridgov holds: units, calendar, rules, service
# points, cases, their hash-chained history and the identity counters.
# Restored with session_replication_role = replica (docs/operations.md), the
# copy verifies, and new cases continue where the old ones stopped.
# Runs against the cluster the PG* variables name; ends with
# "extension_dump_restore: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=gridgov_dump_src_$$ dst=gridgov_dump_dst_$$ dump=$(mktemp)
export PGOPTIONS='--client-min-messages=warning'
trap 'dropdb --if-exists "$src" >/dev/null 2>&1; dropdb --if-exists "$dst" >/dev/null 2>&1; rm -f "$dump"' EXIT

. "$here/check.bash"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "SET search_path = gridgov, public" -c "$2"; }

createdb "$src" && createdb "$dst" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" -c 'CREATE EXTENSION gridgov CASCADE' \
	-f "$here/../pgtap/case_fixture.psql" -c "
	INSERT INTO cases (category, channel, location, reported_at)
	SELECT 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 09:00+08'::timestamptz + g * interval '1 minute'
	  FROM generate_series(1, 20) g;
	SELECT accept(id, at => '2026-11-16 10:00+08') FROM cases WHERE id <= 15;
	SELECT dispatch(id, at => '2026-11-16 11:00+08') FROM cases WHERE id <= 10;
	INSERT INTO calendar_day VALUES ('2026-12-24', false, '平安夜（示例）');" >/dev/null || exit 1

snapshot="SELECT (SELECT count(*) FROM unit) || '/' || (SELECT count(*) FROM service_point) || '/'
                 || (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM case_history) || '/'
                 || (SELECT count(*) FROM calendar_day) || '/'
                 || (SELECT md5(string_agg(encode(hash, 'hex'), '' ORDER BY case_id, seq)) FROM case_history)"
before=$(q "$src" "$snapshot")

pg_dump -Fc -d "$src" -f "$dump" 2>/dev/null || exit 1
PGOPTIONS="$PGOPTIONS -c session_replication_role=replica" pg_restore -d "$dst" "$dump" || exit 1

check "units, service points, cases, history, calendar and hashes survive" "$before" "$(q "$dst" "$snapshot")"
check "every chain verifies after the restore" "0" "$(q "$dst" "SELECT count(*) FROM verify_history()")"
check "the engine is back on after the restore" "dispatched" \
	"$(q "$dst" "SELECT (dispatch(11, at => '2026-11-16 12:00+08')).status")"
check "new cases continue the id sequence" "21" \
	"$(q "$dst" "INSERT INTO cases (category, channel, unit) VALUES ('noise', 'walk_in', '440311006003001') RETURNING id")"
check "the restored calendar is in force" "f" "$(q "$dst" "SELECT is_workday('2026-12-24')")"

check_summary extension_dump_restore
