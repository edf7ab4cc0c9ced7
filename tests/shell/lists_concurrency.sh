#!/usr/bin/env bash
# The three lists under 8 concurrent clients, against the cluster that the
# PG* variables name (budget_concurrency.sh does the ledger's own functions).
#
# In a database of its own (created and dropped here), on the lists fixture
# (tests/pgtap/lists_fixture.psql):
#   1. Approvals.  Two micro-project lines of 100,000 yuan for 2027 and 30
#      projects on each, consulted (四议 passed, the resolution disclosed),
#      asking 2,000 to 9,000 yuan each, about 1.7 times what a line holds.
#      8 psql sessions at once each try to approve every project (the
#      approval commits its estimate against its line) and, mixed in, to
#      commit 15 sums of their own on the same lines with commit_budget, in
#      orders of their own, one statement each.
#   2. Takes.  40 open needs of elder care and 6 offers of it taking 12 at
#      once in all; the 8 sessions at once each try every need through every
#      offer, half with take_need and half with a plain INSERT into
#      need_take (whose trigger holds it to the same rules), in orders of
#      their own.
#   3. Reports.  The 8 sessions at once each report the same 10 needs (unit
#      and skill) 20 times, in orders of their own (report_need).
# Checks afterwards:
#   - 0 overspend: no line committed beyond its amount, the lines' counters
#     the ledger's sums; no project approved twice, none committed twice;
#   - 0 lost: every approval, commitment and take a session was told of is
#     there, and nothing else; every report counted once;
#   - nothing half-written: a project refused stays consulted, with no
#     commitment and no move; a need taken once, through one offer;
#   - every refusal of the right SQLSTATE and none wrong: what is left on a
#     line is less than every ask refused on it; every offer is full;
#   - the runs did collide: each kind of refusal happened.
# The last line is "lists_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8

. tests/shell/check.bash
scratch_database lists_concurrency error
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/lists_fixture.psql
-- the lines the sessions fight over: 100,000 yuan each
INSERT INTO budget (id, community, year, kind, amount_fen, organization) VALUES
    (11, '440311006003', 2027, 'micro_project', 10000000, 1),
    (12, '440311006004', 2027, 'micro_project', 10000000, 2);
INSERT INTO person (id) SELECT generate_series(1, 10);
-- 60 projects, consulted as an import brings them (votes with their own
-- times), the resolution disclosed: each waits for its approval
SELECT propose_project((CASE WHEN g % 2 = 0 THEN '440311006003' ELSE '440311006004' END)::gridcode, 'micro_project',
                       '微实事 ' || g, 2000 + 1000 * (g * 7 % 8), year => 2027)
  FROM generate_series(1, 60) g;
SELECT consult_project(p.id, s, now() - interval '3 days', now() - interval '1 day')
  FROM project p, unnest(ARRAY['proposal', 'deliberation', 'review', 'resolution']) s;
INSERT INTO project_vote (consultation, person, vote, cast_at)
SELECT c.id, g, 'yes', now() - interval '2 days' FROM project_consultation c, generate_series(1, 3) g;
SELECT advance_project(id) FROM project;
SELECT consult_project(id, 'resolution_disclosure', now() - interval '1 hour', now() + interval '5 days') FROM project;
-- each session's own direct commitments, 3,000 yuan each
CREATE TABLE public.ask AS
SELECT c AS client, n, 11 + (c + n) % 2 AS budget, 3000 AS yuan
  FROM generate_series(1, 8) c, generate_series(1, 15) n;
-- 40 buildings of 根竹园's first grid, each with a need of elder care; 6
-- party members of its committee offering elder care, 12 needs at once
INSERT INTO unit (code, name)
SELECT ('440311006003001' || lpad(g::text, 4, '0'))::gridcode, '根竹园社区第01网格 ' || g || '栋' FROM generate_series(1, 50) g;
SELECT report_need(('440311006003001' || lpad(g::text, 4, '0'))::gridcode, 'elder_care', '独居老人助餐')
  FROM generate_series(1, 40) g;
INSERT INTO post (person, role, organization, valid)
SELECT g, 'party_member_community', 1, '[2024-01-01,)' FROM generate_series(1, 6) g;
INSERT INTO offer (post, skill, capacity, available)
SELECT p.id, 'elder_care', 1 + p.person % 3, tstzrange(now() - interval '1 day', NULL)
  FROM post p ORDER BY p.id;
EOF

# refusals KIND PHASE: the SQLSTATEs of the statements of a kind (the
# first word of each line of the scripts' .kind files), one a line
refusals() {
	local i
	for i in $(seq 1 $clients); do
		sed -n 's/^psql:[^:]*:\([0-9]*\): ERROR:  \([0-9A-Z]*\)$/\1 \2/p' "$work/$2$i.err" |
			while read -r line code; do
				[ "$(sed -n "${line}p" "$work/$2$i.kind")" = "$1" ] && echo "$code"
			done
	done
}
count_of() { grep -c . || true; }

# 1. approvals and direct commitments, mixed, in an order of each session's own
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT kind, stmt FROM (
	                  SELECT 'approve' AS kind, id AS n,
	                         format('SELECT ''approved '' || id || '' '' || commitment FROM gridgov.advance_project(%s, to_stage => ''approved'');', id) AS stmt
	                    FROM gridgov.project
	                  UNION ALL
	                  SELECT 'commit', 1000 + n,
	                         format('SELECT ''committed '' || id FROM gridgov.commit_budget(%s, %s, %L);', budget, yuan,
	                                'ask ' || n || ' by ' || client)
	                    FROM public.ask WHERE client = $i) s
	                 ORDER BY md5(n || '-' || $i)" >"$work/approve$i.both" || fail_setup "client $i's script"
	cut -d'|' -f1 "$work/approve$i.both" >"$work/approve$i.kind"
	cut -d'|' -f2- "$work/approve$i.both" >"$work/approve$i.sql"
done
run_clients approve -q -v VERBOSITY=sqlstate
approved_told=$(cat "$work"/approve*.out | sed -n 's/^approved \([0-9]*\) \([0-9]*\)$/\1 \2/p' | sort -n)
committed_told=$(cat "$work"/approve*.out | sed -n 's/^committed //p' | sort -n)
refused=$(cat "$work"/approve*.err | grep -c 'ERROR:  ' || true)
check "approve: every attempt was an approval, a commitment or a refusal" "$((clients * (60 + 15)))" \
	"$(( $(printf '%s\n' "$approved_told" | count_of) + $(printf '%s\n' "$committed_told" | count_of) + refused ))"
check "approve: every refused approval was 23514 (the line) or 55000 (approved already)" 0 \
	"$(refusals approve approve | grep -vc '^\(23514\|55000\)$')"
check "approve: every refused commitment was 23514" 0 "$(refusals commit approve | grep -vc '^23514$')"
check "no project was approved twice" "$(printf '%s\n' "$approved_told" | count_of)" \
	"$(printf '%s\n' "$approved_told" | cut -d' ' -f1 | sort -u | count_of)"
check "0 lost approvals: the approved projects and their commitments are those the sessions were told of" \
	"$(printf '%s\n' "$approved_told" | md5sum)" \
	"$(q "SELECT id || ' ' || commitment FROM project WHERE stage = 'approved' ORDER BY id" | md5sum)"
check "one commitment a project, of its estimate, on its line" 0 \
	"$(q "SELECT count(*) FROM project p LEFT JOIN budget_entry e ON e.id = p.commitment
	       WHERE p.stage = 'approved' AND (e.id IS NULL OR e.kind <> 'commitment' OR e.budget <> p.budget
	                                       OR e.amount_fen <> p.estimate_fen)")"
check "0 lost commitments: the ledger's are the projects' and those the sessions were told of" \
	"$(printf '%s\n' "$committed_told" | md5sum)" \
	"$(q "SELECT id FROM budget_entry e WHERE kind = 'commitment' AND budget > 10
	         AND NOT EXISTS (SELECT FROM project p WHERE p.commitment = e.id) ORDER BY id" | md5sum)"
check "0 overspend: no line committed beyond its amount" 0 "$(q "SELECT count(*) FROM budget WHERE committed_fen > amount_fen")"
check "the lines' counters are the ledger's sums" 0 \
	"$(q "SELECT count(*) FROM budget_lines WHERE committed_yuan <> ledger_committed_yuan OR paid_yuan <> ledger_paid_yuan")"
check "nothing half-written: a project not approved stays consulted, with no commitment and two moves" 0 \
	"$(q "SELECT count(*) FROM project p WHERE p.stage <> 'approved'
	         AND (p.stage <> 'consulted' OR p.commitment IS NOT NULL
	              OR (SELECT count(*) FROM project_move m WHERE m.project = p.id) <> 2)")"
check "and an approved one has three moves" 0 \
	"$(q "SELECT count(*) FROM project p WHERE p.stage = 'approved'
	         AND (SELECT count(*) FROM project_move m WHERE m.project = p.id) <> 3")"
check "no refusal was wrong: what is left on a line is less than any project or ask refused on it" 0 \
	"$(q "SELECT count(*) FROM budget b
	        JOIN (SELECT budget, estimate_fen AS fen FROM project WHERE stage = 'consulted'
	              UNION ALL
	              SELECT a.budget, a.yuan * 100 FROM public.ask a
	               WHERE NOT EXISTS (SELECT FROM budget_entry e WHERE e.note = 'ask ' || a.n || ' by ' || a.client)) r
	          ON r.budget = b.id
	       WHERE r.fen <= b.amount_fen - b.committed_fen")"
check "sessions were refused by the lines (23514)" t \
	"$([ "$(refusals approve approve | grep -c '^23514$')" -gt 0 ] && [ "$(refusals commit approve | grep -c .)" -gt 0 ] && echo t || echo f)"
check "sessions approved the same projects at once (55000)" t \
	"$([ "$(refusals approve approve | grep -c '^55000$')" -gt 0 ] && echo t || echo f)"

# 2. takes: every need through every offer
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT CASE WHEN (n.id + o.id + $i) % 2 = 0
	                       THEN format('SELECT need || '' '' || offer FROM gridgov.take_need(%s, %s);', n.id, o.id)
	                       ELSE format('INSERT INTO gridgov.need_take (need, offer) VALUES (%s, %s) RETURNING need || '' '' || offer;',
	                                   n.id, o.id) END
	                  FROM gridgov.need n, gridgov.offer o WHERE n.skill = 'elder_care'
	                 ORDER BY md5(n.id || '-' || o.id || '-' || $i)" >"$work/take$i.sql" || fail_setup "client $i's takes"
	sed 's/.*/take/' "$work/take$i.sql" >"$work/take$i.kind"
done
run_clients take -q -v VERBOSITY=sqlstate
taken_told=$(cat "$work"/take*.out | sort -n)
taken_count=$(printf '%s\n' "$taken_told" | count_of)
check "take: every attempt was a take or a refusal" "$((clients * 40 * 6))" \
	"$(( taken_count + $(cat "$work"/take*.err | grep -c 'ERROR:  ' || true) ))"
check "take: every refusal was 55000 (the need taken, the offer full)" 0 "$(refusals take take | grep -vc '^55000$')"
check "0 lost takes: the takes are those the sessions were told of ($taken_count)" \
	"$(printf '%s\n' "$taken_told" | md5sum)" "$(q "SELECT need || ' ' || offer FROM need_take ORDER BY need, offer" | md5sum)"
check "no need taken twice" "$taken_count" "$(q "SELECT count(DISTINCT need) FROM need_take")"
check "no offer beyond its capacity" 0 \
	"$(q "SELECT count(*) FROM offer o WHERE o.capacity < (SELECT count(*) FROM need_take t WHERE t.offer = o.id AND t.met_at IS NULL)")"
check "no refusal was wrong: every offer is full (12 takes)" 12 "$taken_count"
check "the needs taken are those of the takes, the others open" 0 \
	"$(q "SELECT count(*) FROM need n WHERE n.skill = 'elder_care'
	         AND (n.status = 'taken') <> EXISTS (SELECT FROM need_take t WHERE t.need = n.id)
	          OR n.skill = 'elder_care' AND n.status NOT IN ('open', 'taken')")"
check "the takes record the offers' holders" 0 \
	"$(q "SELECT count(*) FROM need_take t JOIN offer o ON o.id = t.offer JOIN post p ON p.id = o.post WHERE t.person <> p.person")"

# 3. reports: the same 10 needs, 20 times by each session
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT format('SELECT id FROM gridgov.report_need(%L, ''repair'', ''楼道灯维修'');',
	                              '440311006003001' || lpad((40 + u)::text, 4, '0'))
	                  FROM generate_series(1, 10) u, generate_series(1, 20) r
	                 ORDER BY md5(u || '-' || r || '-' || $i)" >"$work/report$i.sql" || fail_setup "client $i's reports"
done
run_clients report -q -v VERBOSITY=sqlstate
check "report: every report was taken, none refused" "$((clients * 200)) 0" \
	"$(cat "$work"/report*.out | count_of) $(cat "$work"/report*.err | grep -c 'ERROR:  ' || true)"
check "one open need a unit and skill, every household counted once" "10 1600 160 160" \
	"$(q "SELECT count(*) || ' ' || sum(households) || ' ' || min(households) || ' ' || max(households)
	        FROM need WHERE skill = 'repair'")"
check "each session was told of the same need as the others for a unit" 10 \
	"$(cat "$work"/report*.out | sort -u | count_of)"
check_summary lists_concurrency
