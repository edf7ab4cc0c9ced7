#!/usr/bin/env bash
# Row-level security by jurisdiction over a generated population: 1,000
# roles across the Guangming tree (district, subdistricts, communities,
# grids, buildings, departments granted categories, expired grants, roles
# with two grants, a handler's of one community and another function's of
# another, roles that inherit theirs), each reading every table and view
# of the schema that is not on the allow-list of docs/access.md,
# against a computation of what it may see that does not use the C tests (tests/shell/access_population.psql); and every
# write a role may not make refused with 42501.  Creates and drops its own
# database and roles on the cluster the PG* variables name; ends with
# "access_population: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
db=gridgov_access_$$ work=$(mktemp -d)
export PGOPTIONS='--client-min-messages=warning'
drop_roles() {
	psql -X -q -At -d postgres -c "SELECT format('DROP ROLE %I;', rolname) FROM pg_roles
	    WHERE rolname LIKE 'gg\_access\_$$\_%' ORDER BY rolname IN ('gg_access_$$_base', 'gg_access_$$_readbase')" -o "$work/drop.sql" &&
		psql -X -q -d postgres -f "$work/drop.sql" >/dev/null 2>&1
}
trap 'dropdb --if-exists "$db" >/dev/null 2>&1; drop_roles; rm -rf "$work"' EXIT

. "$here/check.bash"

# Guangming alone (its ancestors, itself and everything under it), 2,000
# simulated cases, the rollups, and a committee per community with a
# worker's post on each of its grids; the communities' budgets of 2026, a
# third of them with a commitment, a project on every other line, an
# offer of every fourth post and a need in every grid
grep -E '^(code|44|4403|440311[0-9]*),' "$root/tests/data/china-division/guangdong.csv" > "$work/guangming.csv"
createdb "$db" || exit 1
if ! { psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION gridgov CASCADE' &&
	PGDATABASE=$db "$root/tools/load-china-division" "$work/guangming.csv" >/dev/null &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$root/tests/data/guangming.sql" -f "$root/tests/data/guangming_cases.sql" &&
	psql -X -q -v ON_ERROR_STOP=1 -v sim_cases=2000 -d "$db" -f "$root/tests/data/guangming_simulation.sql" &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "
		SET search_path = gridgov, public;
		SELECT refresh_kpi_daily('2026-08-01', '2026-10-29', '2026-10-29 18:00+08'), refresh_risk_daily('2026-08-01', '2026-10-28');
		INSERT INTO organization (kind, name, anchor, valid)
		SELECT 'community_committee', name || '党委', code, '[2024-01-01,)' FROM unit WHERE level = 5 AND code <@ '440311';
		INSERT INTO organization_unit (organization, unit, valid)
		SELECT o.id, g.code, '[2024-01-01,)' FROM organization o JOIN unit g ON g.parent = o.anchor AND g.level = 6;
		INSERT INTO person SELECT FROM unit WHERE level = 6 AND code <@ '440311';
		INSERT INTO post (person, role, organization, unit, valid)
		SELECT row_number() OVER (ORDER BY ou.unit), 'grid_worker', ou.organization, ou.unit, '[2024-01-01,)'
		  FROM organization_unit ou;
		INSERT INTO post (person, role, organization, valid)
		SELECT p.person, 'secretary', p.organization, '[2024-01-01,)'
		  FROM (SELECT DISTINCT ON (organization) person, organization FROM post ORDER BY organization, person) p;
		INSERT INTO person_contact SELECT id, '网格员' || id, '139' || lpad(id::text, 8, '0'), '44031119900101' || lpad(id::text, 4, '0')
		  FROM person;
		SELECT open_budgets('440311', 2026);
		SELECT commit_budget(id, 1000, '微实事') FROM budget WHERE id % 3 = 0;
		SELECT propose_project(community, kind, '项目', 1000, year => 2026) FROM budget WHERE id % 2 = 0;
		INSERT INTO offer (post, skill) SELECT id, 'repair' FROM post WHERE id % 4 = 0;
		SELECT report_need(code, 'repair', '维修') FROM unit WHERE level = 6 AND code <@ '440311';" \
		-c 'VACUUM ANALYZE' >/dev/null; }; then
	check "load Guangming, its cases and people" yes no
	check_summary access_population
	exit
fi

psql -X -q -At -v ON_ERROR_STOP=1 -v run=$$ -d "$db" -f "$here/access_population.psql" > "$work/out" 2>&1
status=$?
grep -E '^(finding|refusal): ' "$work/out"
summary=$(grep '^checked: ' "$work/out")
echo "${summary:-$(tail -5 "$work/out")}"
check "the population ran to the end" 0 "$status"
check "every table and view is read or on the allow-list, every table off it under row-level security" \
	"coverage: 103 relations, 44 tables with row-level security, 30 on the allow-list, 73 read" \
	"$(grep '^coverage: ' "$work/out")"
check "1,000 roles read 58 tables and views each, every tenth 12 more" "1000 roles, 59200 reads" \
	"$(sed -n 's/.* \([0-9]*\) roles, \([0-9]*\) reads.*/\1 roles, \2 reads/p' <<<"$summary")"
check "personal values were read, masked and not" yes \
	"$(sed -n 's/.*(\([0-9]*\) rows), \([0-9]*\) personal values read, \([0-9]*\) masked.*/\2 \3/p' <<<"$summary" | awk '{print ($2 > 1000 && $1 > $2) ? "yes" : "no"}')"
check "0 rows outside any role's jurisdiction, none missing inside, 0 unmasked personal values without the privilege" "0 findings" \
	"$(sed -n 's/.*, \([0-9]*\) findings.*/\1 findings/p' <<<"$summary")"
check "every refused write is 42501" "0 not 42501" \
	"$(sed -n 's/.*, \([0-9]*\) not 42501.*/\1 not 42501/p' <<<"$summary")"
check "writes were refused" yes \
	"$(sed -n 's/.*, \([0-9]*\) refused writes.*/\1/p' <<<"$summary" | awk '{print ($1 > 500) ? "yes" : "no"}')"
columns=$(grep '^columns: ' "$work/out")
echo "$columns"
check "every role's reads of the reporter and the hashes refused, 42501 naming the column, handlers' too" yes \
	"$(sed -n 's/^columns: \([0-9]*\) reads .*, \([0-9]*\) refused .*; \([0-9]*\) by handlers, \([0-9]*\) refused;.*/\1 \2 \3 \4/p' <<<"$columns" |
	   awk '{print ($1 > 1000 && $1 == $2 && $3 > 1000 && $3 == $4) ? "yes" : "no"}')"
check "reporters' phone numbers searched in every relation read, found in case_reporters only (and only of cases handled)" yes \
	"$(sed -n 's/.*searched in \([0-9]*\) relations read by \([0-9]*\) roles (\([0-9]*\) mixed), found in \([0-9]*\) rows of case_reporters (\([0-9]*\) by mixed roles), \([0-9]*\) elsewhere;.*/\1 \2 \3 \4 \5 \6/p' <<<"$columns" |
	   awk '{print ($1 > 60 && $2 > 100 && $3 >= 5 && $4 > 0 && $5 > 0 && $6 == 0) ? "yes" : "no"}')"
check "roles handling one unit and viewing (or administering, auditing) another read reporters as reported and masked" yes \
	"$(sed -n 's/.*mixed roles read \([0-9]*\) reporters as reported, \([0-9]*\) masked$/\1 \2/p' <<<"$columns" |
	   awk '{print ($1 > 0 && $2 > 0) ? "yes" : "no"}')"
check "most roles see cases, the expired and building ones none" yes \
	"$(sed -n 's/.*roles seeing cases \([0-9]*\), roles seeing none \([0-9]*\)/\1 \2/p' <<<"$summary" | awk '{print ($1 > 800 && $2 == 15) ? "yes" : "no"}')"
# The policies that Citus gets instead of the subqueries of case_history,
# post, person_contact, person_login and kpi_handler_daily, and the
# case_reporters that reads case_reporters_rows() (tools/citus-policies.sql,
# run by tools/distribute-citus.sql) let every role read the same rows: every
# 200th role and the kinds few of those are (grants of the district and of
# categories, expired, inherited), under each set of policies (the other
# rolled back).
policy_rows() {	# policy_rows [FILE]: what those roles read of the five tables and case_reporters, under FILE's policies
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<-SQL
	BEGIN;
	${1:+\\i $1}
	CREATE TEMPORARY TABLE read_by (role name, tables text);
	DO \$body\$
	DECLARE
	    r name;
	    t text;
	    seen text;
	    got text[];
	BEGIN
	    FOR r IN SELECT format('gg_access_%s_%s', $$, n) FROM generate_series(1, 1000) n
	               WHERE n % 200 = 1 OR n IN (4, 935, 950, 965, 970, 995) LOOP
	        got := '{}';
	        EXECUTE format('SET ROLE %I', r);
	        FOREACH t IN ARRAY ARRAY['case_history', 'post', 'person_contact', 'person_login', 'kpi_handler_daily'] LOOP
	            -- (the history by the columns a reader may read: not its hashes)
	            EXECUTE format('SELECT count(*) || '' '' || coalesce(md5(string_agg(%1\$s::text, '','' ORDER BY %1\$s::text)), ''-'')
	                            FROM gridgov.%2\$I x',
	                           CASE t WHEN 'case_history' THEN 'ROW(x.district, x.case_id, x.seq, x.at, x.actor, x.action, x.note)'
	                                  ELSE 'x' END, t)
	               INTO seen;
	            got := got || (t || ' ' || seen);
	        END LOOP;
	        -- the reporters, and how many as reported (the role handles the case)
	        SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT x.masked) || ' '
	               || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-')
	          INTO seen FROM gridgov.case_reporters x;
	        got := got || ('case_reporters ' || seen);
	        RESET ROLE;
	        INSERT INTO read_by VALUES (r, array_to_string(got, ' '));
	    END LOOP;
	END
	\$body\$;
	SELECT count(*) FILTER (WHERE tables !~ '^case_history 0 '), count(*) FILTER (WHERE tables ~ '^case_history 0 '),
	       count(*) FILTER (WHERE tables ~ ' case_reporters [0-9]+ [1-9]'),
	       count(*) FILTER (WHERE substring(tables FROM ' case_reporters ([0-9]+) ') <> substring(tables FROM ' case_reporters [0-9]+ ([0-9]+) ')),
	       md5(string_agg(role || ' ' || tables, E'\n' ORDER BY role))
	  FROM read_by;
	ROLLBACK;
	SQL
}
subqueries=$(policy_rows 2>&1)
functions=$(policy_rows "$root/tools/citus-policies.sql" 2>&1)
check "Citus's policies (function calls) and case_reporters (case_reporters_rows()): the rows of the single node's (subqueries, the view), for 11 roles" \
	"$subqueries" "$functions"
check "of those roles, some see history and some none, some read reporters as reported and some masked" yes \
	"$(awk -F'|' '{print ($1 > 0 && $2 > 0 && $3 > 0 && $4 > 0) ? "yes" : "no"}' <<<"$subqueries")"
check_summary access_population
