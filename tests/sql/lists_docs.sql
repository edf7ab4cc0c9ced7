-- The examples of docs/lists.md, run for real: tools/check-docs checks that
-- every example in the docs appears, with its output, in expected/.  The
-- district is tests/pgtap/lists_fixture.psql (its ids made explicit, its
-- ledger counter set).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
BEGIN;
\i tests/pgtap/lists_fixture.psql
SET datestyle = 'ISO, YMD';
\set ECHO all
SELECT open_budgets('440311', 2025);
SELECT code, name, annual_fen FROM budget_kind ORDER BY code;
SELECT id, budget, kind, amount_fen, note FROM commit_budget(2, 150000, '微实事：小区路灯更换');
SELECT id, budget, kind, commitment, amount_fen FROM pay_commitment(1, 100000, '第一期');
SELECT id, kind, commitment, amount_fen FROM release_commitment(1, 50000, '结余');
SELECT commit_budget(4, 1000.01);
SELECT pay_commitment(1, 1);
SELECT commit_budget(2, 12.345);
UPDATE budget_entry SET amount_fen = 1 WHERE id = 1;
UPDATE budget SET committed_fen = 0 WHERE id = 2;
SELECT id, community_name, year, kind, amount_yuan, committed_yuan, paid_yuan, uncommitted_yuan, commitments
  FROM budget_lines WHERE year = 2026 ORDER BY id;
SELECT id, budget, amount_yuan, paid_yuan, released_yuan, left_yuan FROM budget_commitments;
SELECT unit, name, year, kind, lines, amount_yuan, committed_yuan, paid_yuan, committed_pct
  FROM budget_spend('440311', 4, 2026);
SELECT id, unit, budget, estimate_fen, stage, stage_due
  FROM propose_project('440311006003', 'micro_project', '小区路灯更换', 150000, '440311006003001',
                       year => 2026, proposed_by => 1, at => '2026-11-02 09:00+08');
SELECT propose_project('440311006003', 'micro_project', '篮球场', 30000, '440311006004001');
SELECT advance_project(1);
SELECT step, held FROM consult_project(1, 'proposal', '2026-11-03 09:00+08', '2026-11-03 12:00+08', '社区党委会');
\set ECHO none
SELECT consult_project(1, s, t, t + interval '3 hours', NULL)
  FROM (VALUES ('deliberation', '2026-11-04 09:00+08'::timestamptz), ('review', '2026-11-04 14:00+08'),
               ('resolution', '2026-11-05 14:00+08')) v(s, t) \g /dev/null
INSERT INTO person (id) SELECT generate_series(1, 9);
INSERT INTO project_vote (consultation, person, vote, cast_at)
SELECT c.id, g, CASE WHEN g <= 7 THEN 'yes' WHEN g = 8 THEN 'no' ELSE 'abstain' END, lower(c.held) + interval '1 hour'
  FROM project_consultation c, generate_series(1, 9) g WHERE c.project = 1;
\set ECHO all
SELECT c.step, count(*) FILTER (WHERE v.vote = 'yes') AS yes, count(*) FILTER (WHERE v.vote = 'no') AS no,
       count(*) FILTER (WHERE v.vote = 'abstain') AS abstain, consultation_passed(c.id) AS passed
  FROM project_consultation c JOIN project_vote v ON v.consultation = c.id
 WHERE c.project = 1 GROUP BY c.id, c.step ORDER BY c.id;
SELECT vote_project(c.id, 1, 'yes') FROM project_consultation c WHERE c.project = 1 AND c.step = 'resolution';
SELECT stage, stage_since, stage_due FROM advance_project(1, '居民代表会议通过', '2026-11-06 10:00+08');
SELECT advance_project(1, at => '2026-11-09 10:00+08');
SELECT step FROM consult_project(1, 'resolution_disclosure', '2026-11-06 12:00+08', '2026-11-13 12:00+08', '社区公示栏');
SELECT stage, commitment, stage_due FROM advance_project(1, '决议公开期满', '2026-11-13 14:00+08');
SELECT advance_project(1, to_stage => 'approved');
SELECT id, amount_yuan, left_yuan, note FROM budget_commitments WHERE id = (SELECT commitment FROM project WHERE id = 1);
UPDATE project SET stage = 'accepted' WHERE id = 1;
SELECT stage, moved_at, left_stage_due, moved_at > left_stage_due AS late, note FROM project_move WHERE project = 1 ORDER BY moved_at;
SELECT id, title, stage, stage_name, estimate_yuan, paid_yuan, left_yuan, late_moves FROM project_progress;
\set ECHO none
INSERT INTO post (id, person, role, organization, unit, valid) VALUES
    (1, 1, 'party_member_community', 1, NULL, '[2024-01-01,)'),
    (2, 2, 'hongxiaoer', NULL, '440311006003001', '[2024-01-01,)'),
    (3, 3, 'party_member_community', 2, NULL, '[2024-01-01,)');
INSERT INTO offer (id, post, skill, capacity, location, note) VALUES
    (1, 1, 'elder_care', 2, ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326), '周末上午'),
    (2, 2, 'elder_care', 1, ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '工作日晚上'),
    (3, 3, 'elder_care', 1, NULL, '随叫随到');
SELECT setval(pg_get_serial_sequence('gridgov.need', 'id'), 1, false) \g /dev/null
-- (the escalation below counts working time past the calendar's horizon)
SET client_min_messages = error;
\set ECHO all
SELECT id, unit, community, skill, households, status, handling_level
  FROM report_need('440311006003001', 'elder_care', '独居老人助餐', ST_SetSRID(ST_MakePoint(113.941, 22.751), 4326));
SELECT id, households FROM report_need('440311006003001', 'elder_care', '老人助餐', households => 2);
SELECT * FROM match_need(1);
SELECT escalate_needs(now() + interval '30 days');
SELECT * FROM match_need(1);
SELECT need, offer, person, note FROM take_need(1, 2, '每周三次送餐');
SELECT take_need(1, 1);
SELECT id, status FROM meet_need(1, '已送餐');
SELECT need_id, community_code, unit_code, cell_code, skill, households, status, handling_level, taken_by_person FROM bi_needs;
SELECT project_id, community_name, kind, stage, stage_position, proposed_on, estimate_yuan FROM bi_projects;
ROLLBACK;
