#!/usr/bin/env bash
# pg_dump keeps everything of the three lists: budget kinds a user added,
# budget lines with their counters and the ledger, projects with their
# moves, consultations and votes, a district's own stage limits, needs,
# offers and takes, and the identity counters.  A plain pg_restore and a
# plain pg_dump | psql restore all of it through the pillar's triggers as
# written: nothing counted twice, no move recorded again, no vote refused
# for coming after its consultation; afterwards the triggers are in force
# again (the ledger append-only, a line never overcommitted, a vote after
# its consultation refused) and new rows continue the counters.  Runs
# against the cluster the PG* variables name; ends with
# "lists_dump_restore: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
src=gridgov_lists_dump_src_$$ restored=gridgov_lists_dump_r_$$ piped=gridgov_lists_dump_p_$$ dump=$(mktemp)
export PGOPTIONS='--client-min-messages=warning' PGTZ=Asia/Shanghai
trap 'for db in "$src" "$restored" "$piped"; do dropdb --if-exists "$db" >/dev/null 2>&1; done; rm -f "$dump"' EXIT

. "$here/check.bash"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "SET search_path = gridgov, public" -c "$2"; }
sqlstate() { psql -X -q -A -t -d "$1" -v VERBOSITY=sqlstate -c "SET search_path = gridgov, public" -c "$2" 2>&1 | sed -n 's/^.*ERROR: *//p'; }

createdb "$src" && createdb "$restored" && createdb "$piped" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'EOF' || { echo "lists_dump_restore: setup failed"; echo "lists_dump_restore: 0 passed, 1 failed"; exit 1; }
CREATE EXTENSION gridgov CASCADE;
BEGIN;
\i tests/pgtap/lists_fixture.psql
COMMIT;
SET search_path = gridgov, public;
INSERT INTO budget_kind VALUES ('party_service', '党群服务经费', 50000000);
INSERT INTO project_stage_limit VALUES ('under_way', 90);
SELECT commit_budget(1, 2000000, '道路改造'), commit_budget(2, 50000, '长者饭堂');
SELECT pay_commitment(1, 500000, '第一期'), release_commitment(2, 10000, '结余');
-- a project through its consultations (votes as an import brings them) to approval
SELECT propose_project('440311006003', 'micro_project', '小区路灯更换', 150000, '440311006003001', 2026, 1,
                       now() - interval '20 days');
INSERT INTO person (id) SELECT generate_series(1, 3);
SELECT consult_project(1, s, now() - interval '15 days', now() - interval '10 days')
  FROM unnest(ARRAY['proposal', 'deliberation', 'review', 'resolution']) s;
INSERT INTO project_vote (consultation, person, vote, cast_at)
SELECT c.id, g, 'yes', now() - interval '12 days' FROM project_consultation c, generate_series(1, 3) g;
SELECT advance_project(1, '居民代表会议通过', now() - interval '9 days');
SELECT consult_project(1, 'resolution_disclosure', now() - interval '8 days', now() + interval '1 day');
SELECT advance_project(1, '决议公开', now() - interval '7 days');
SELECT pay_commitment(p.commitment, 50000) FROM project p WHERE p.id = 1;
SELECT propose_project('440311006004', 'micro_project', '篮球场翻新', 30000, year => 2026);
SELECT consult_project(2, 'resolution', now() - interval '1 hour', now() + interval '2 days');
SELECT vote_project(c.id, 1, 'yes') FROM project_consultation c WHERE c.project = 2;
-- needs, offers, a take
INSERT INTO post (id, person, role, unit, valid) VALUES (1, 2, 'hongxiaoer', '440311006003001', '[2024-01-01,)');
INSERT INTO offer (post, skill, capacity) VALUES (1, 'elder_care', 2);
SELECT report_need('440311006003001', 'elder_care', '独居老人助餐', households => 3);
SELECT report_need('440311006003001', 'repair', '楼道灯');
SELECT take_need(1, 1, '每周三次');
EOF

fingerprint="SELECT md5(concat_ws('|',
    (SELECT string_agg(k::text, ',' ORDER BY code) FROM budget_kind k),
    (SELECT string_agg(b::text, ',' ORDER BY id) FROM budget b),
    (SELECT string_agg(e::text, ',' ORDER BY id) FROM budget_entry e),
    (SELECT string_agg(l::text, ',' ORDER BY stage) FROM project_stage_limit l),
    (SELECT string_agg(p::text, ',' ORDER BY id) FROM project p),
    (SELECT string_agg(m::text, ',' ORDER BY project, stage) FROM project_move m),
    (SELECT string_agg(c::text, ',' ORDER BY id) FROM project_consultation c),
    (SELECT string_agg(v::text, ',' ORDER BY consultation, person) FROM project_vote v),
    (SELECT string_agg(n::text, ',' ORDER BY id) FROM need n),
    (SELECT string_agg(f::text, ',' ORDER BY id) FROM offer f),
    (SELECT string_agg(t::text, ',' ORDER BY need, offer) FROM need_take t)))
  || ' ' || (SELECT count(*) FROM budget_entry) || '/' || (SELECT count(*) FROM project_move) || '/'
  || (SELECT count(*) FROM project_vote) || '/' || (SELECT count(*) FROM need)"
before=$(q "$src" "$fingerprint")
check "the source holds entries, moves, votes and needs" t \
	"$(q "$src" "SELECT (SELECT count(*) FROM budget_entry) = 6 AND (SELECT count(*) FROM project_move) = 4
	             AND (SELECT count(*) FROM project_vote) = 13 AND (SELECT count(*) FROM need) = 2")"

pg_dump -Fc -d "$src" -f "$dump" 2>/dev/null || exit 1
pg_restore -d "$restored" "$dump"
check "pg_restore succeeds" 0 "$?"
pg_dump -d "$src" 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d "$piped" >/dev/null
check "pg_dump | psql succeeds" 0 "$?"

for db in "$restored" "$piped"; do
	how=$([ "$db" = "$restored" ] && echo "pg_restore" || echo "pg_dump | psql")
	check "$how: every row of the lists survives as written, nothing counted twice" "$before" "$(q "$db" "$fingerprint")"
	check "$how: the ledger is append-only again" GG009 "$(sqlstate "$db" "DELETE FROM budget_entry")"
	check "$how: a line is never overcommitted again" 23514 "$(sqlstate "$db" "SELECT commit_budget(4, 1000.01)")"
	# (the refused commitment above took number 7)
	check "$how: a new commitment is counted once, continuing the ledger's numbers" "8 100000" \
		"$(q "$db" "SELECT id FROM commit_budget(4, 1000)" | tr '\n' ' ')$(q "$db" "SELECT committed_fen FROM budget WHERE id = 4")"
	check "$how: a vote after its consultation closed is refused again" 55000 \
		"$(sqlstate "$db" "SELECT vote_project(c.id, 2, 'yes') FROM project_consultation c WHERE c.project = 1 AND c.step = 'review'")"
	check "$how: a project moves on, its limit from the restored stage limits" t \
		"$(q "$db" "SELECT stage = 'under_way' AND stage_due = deadline(stage_since, 90, 'working_day') FROM advance_project(1)")"
	check "$how: new projects, needs and offers continue their numbers" "3 3 2" \
		"$(q "$db" "SELECT (propose_project('440311006004', 'base_works', '道路', 100, year => 2026)).id || ' '
		             || (report_need('440311006004001', 'repair', '水管')).id || ' '
		             || nextval(pg_get_serial_sequence('gridgov.offer', 'id'))")"
done

check_summary lists_dump_restore
