#!/usr/bin/env bash
# pg_dump keeps everything gridgov holds: units, calendar, rules, service
# points, cases, their hash-chained history, organizations, people, their
# contacts and posts, the kinds and roles a user added, the identity
# counters, and the privileges (the group roles' grants and a DBA's changes).
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
	INSERT INTO calendar_day VALUES ('2026-12-24', false, '平安夜（示例）');
	INSERT INTO organization_kind VALUES ('temporary_committee', '临时党委', 'party', '[3,5]');
	INSERT INTO role VALUES ('mediator', '调解员', 'staff');
	INSERT INTO organization (kind, name, anchor, valid) VALUES ('community_committee', '根竹园社区党委', '440311006003', '[2024-01-01,)');
	INSERT INTO organization (kind, name, parent, anchor, valid) VALUES
	    ('grid_branch', '第一网格党支部', 1, '440311006003', '[2024-01-01,)'),
	    ('temporary_committee', '防汛临时党委', NULL, '440311', '[2025-06-01,2025-10-01)');
	INSERT INTO organization_unit VALUES (1, '440311006003', '[2024-01-01,)'), (2, '440311006003001', '[2024-01-01,)');
	INSERT INTO person SELECT FROM generate_series(1, 3);
	INSERT INTO person_contact VALUES (1, '陈书记', '13800000001', NULL), (3, '李调解', NULL, NULL);
	INSERT INTO post (person, role, organization, unit, valid) VALUES
	    (1, 'secretary', 1, NULL, '[2024-01-01,)'), (1, 'party_member_community', 2, NULL, '[2024-01-01,)'),
	    (2, 'grid_worker', 1, '440311006003001', '[2024-01-01,)'), (3, 'mediator', NULL, '440311006004', '[2025-01-01,)');" >/dev/null || exit 1

snapshot="SELECT (SELECT count(*) FROM unit) || '/' || (SELECT count(*) FROM service_point) || '/'
                 || (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM case_history) || '/'
                 || (SELECT count(*) FROM calendar_day) || '/'
                 || (SELECT md5(string_agg(encode(hash, 'hex'), '' ORDER BY case_id, seq)) FROM case_history)"
people="SELECT (SELECT count(*) FROM organization) || '/' || (SELECT count(*) FROM organization_unit) || '/'
               || (SELECT count(*) FROM person) || '/' || (SELECT count(*) FROM person_contact) || '/'
               || (SELECT count(*) FROM post) || '/' || (SELECT count(*) FROM organization_kind) || '/'
               || (SELECT count(*) FROM role) || '/'
               || (SELECT string_agg(check_name || '=' || gaps, ',' ORDER BY check_name)
                     FROM coverage_summary('44', '2025-08-01'))"
# the group roles' grants are the extension's; a DBA's change to them is dumped
q "$src" "GRANT SELECT ON person_contact TO gridgov_auditor;
          REVOKE EXECUTE ON FUNCTION working_span(timestamptz, timestamptz, text) FROM gridgov_reader" >/dev/null
privileges="SELECT md5(string_agg(o, ',' ORDER BY o)) FROM (
                SELECT c.oid::regclass || ' ' || coalesce(c.relacl::text, '') AS o FROM pg_class c
                 WHERE c.relnamespace = 'gridgov'::regnamespace
                UNION ALL
                SELECT p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '') FROM pg_proc p
                 WHERE p.pronamespace = 'gridgov'::regnamespace) s"
privileges_before=$(q "$src" "$privileges")
before=$(q "$src" "$snapshot")
people_before=$(q "$src" "$people")

pg_dump -Fc -d "$src" -f "$dump" 2>/dev/null || exit 1
PGOPTIONS="$PGOPTIONS -c session_replication_role=replica" pg_restore -d "$dst" "$dump" || exit 1

check "units, service points, cases, history, calendar and hashes survive" "$before" "$(q "$dst" "$snapshot")"
check "every chain verifies after the restore" "0" "$(q "$dst" "SELECT count(*) FROM verify_history()")"
check "the engine is back on after the restore" "dispatched" \
	"$(q "$dst" "SELECT (dispatch(11, at => '2026-11-16 12:00+08')).status")"
check "new cases continue the id sequence" "21" \
	"$(q "$dst" "INSERT INTO cases (category, channel, unit) VALUES ('noise', 'walk_in', '440311006003001') RETURNING id")"
check "the restored calendar is in force" "f" "$(q "$dst" "SELECT is_workday('2026-12-24')")"
check "organizations, coverage, people, contacts, posts, added kinds and roles survive" "$people_before" "$(q "$dst" "$people")"
check "new people continue the id sequence" "4" "$(q "$dst" "INSERT INTO person DEFAULT VALUES RETURNING id")"
check "the people triggers are back on after the restore" "23503" \
	"$(psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "INSERT INTO gridgov.post (person, role, unit) VALUES (99, 'member', '440311006003')" 2>&1 \
	   | sed -n 's/^.*ERROR: *//p')"

check "the privileges of every table, view, sequence and function survive" "$privileges_before" \
	"$(q "$dst" "$privileges")"
check "the DBA's changes to the group roles' grants among them" "true false" \
	"$(q "$dst" "SELECT has_table_privilege('gridgov_auditor', 'person_contact', 'SELECT') || ' '
	             || has_function_privilege('gridgov_reader', 'working_span(timestamptz, timestamptz, text)', 'EXECUTE')")"
check "internal helpers stay out of PUBLIC's reach" "f" \
	"$(q "$dst" "SELECT has_function_privilege('public', 'history_hash(bytea, case_history)', 'EXECUTE')")"

check_summary extension_dump_restore
