-- Projects: proposed in their community, consulted in the four
-- deliberations (四议) and passed, approved once the resolution is
-- disclosed (their estimate committed against their line), carried out,
-- accepted and evaluated once the results are disclosed; a move to any
-- other stage, a vote out of its consultation's period, a project outside
-- its community or on another community's line refused with its SQLSTATE;
-- time limits counted on the working-day calendar, late moves kept.
BEGIN;
\i tests/pgtap/lists_fixture.psql
SELECT plan(48);

CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END $$;
-- the four deliberations held and passed a day ago, as an import would
-- bring them (votes with their own times, from a member of gridgov_importer)
CREATE FUNCTION pg_temp.deliberate(p bigint, passed boolean DEFAULT true) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c bigint;
BEGIN
    FOR c IN SELECT (gridgov.consult_project(p, s, now() - interval '3 days', now() - interval '1 day')).id
               FROM unnest(ARRAY['proposal', 'deliberation', 'review', 'resolution']) s LOOP
        INSERT INTO gridgov.project_vote (consultation, person, vote, cast_at)
        SELECT c, g, CASE WHEN passed OR g = 1 THEN 'yes' ELSE 'no' END, now() - interval '2 days'
          FROM generate_series(1, 3) g;
    END LOOP;
END $$;
INSERT INTO person (id) SELECT generate_series(1, 5);

-- proposing
SELECT results_eq($$SELECT id, community::text, unit::text, kind, budget, estimate_fen, stage, proposed_by
                      FROM propose_project('440311006003', 'micro_project', '小区路灯更换', 150000, '440311006003001', 2026, 1)$$,
                  $$VALUES (1::bigint, '440311006003', '440311006003001', 'micro_project', 2::bigint, 15000000::bigint, 'proposed', 1::bigint)$$,
                  'propose_project: on the community''s micro-project line of 2026');
SELECT is((SELECT stage_due FROM project WHERE id = 1), deadline(now(), 10, 'working_day'),
          'its time limit: 10 working days on the calendar');
SELECT is((SELECT count(*) FROM project_move WHERE project = 1 AND stage = 'proposed'), 1::bigint, 'the proposal is its first move');
SELECT throws_ok($$SELECT propose_project('440311006003', 'micro_project', '路灯', 100, '440311006004001', 2026)$$, '23514',
                 'unit 440311006004001 lies outside community 440311006003, whose project it is',
                 'a project in a unit outside its community (23514)');
SELECT is(pg_temp.hint_of($$SELECT propose_project('440311006003', 'micro_project', '路灯', 100, '440311006004001', 2026)$$),
          'A project is carried out in its community or a unit under it (a grid, a building).', 'with a hint');
SELECT throws_ok($$INSERT INTO project (title, community, unit, kind, budget, estimate_fen) VALUES ('路灯', '440311006003', '440311006003', 'micro_project', 3, 100)$$,
                 '22023', 'budget line 3 is the micro_project budget of 440311006004, not the micro_project budget of 440311006003',
                 'on another community''s line (22023)');
SELECT throws_ok($$INSERT INTO project (title, community, unit, kind, budget, estimate_fen) VALUES ('路灯', '440311006003', '440311006003', 'base_works', 2, 100)$$,
                 '22023', NULL, 'on a line of another kind (22023)');
SELECT throws_ok($$INSERT INTO project (title, community, unit, kind, estimate_fen, stage) VALUES ('路灯', '440311006003', '440311006003', 'base_works', 100, 'approved')$$,
                 '55000', 'a new project is proposed, not approved', 'a project starts proposed (55000)');
SELECT throws_ok($$SELECT propose_project('440311006003001', 'micro_project', '路灯', 100)$$, '23514', NULL,
                 'a project of a grid, not a community (23514)');
SELECT lives_ok($$UPDATE project SET estimate_fen = 14000000 WHERE id = 1$$, 'while proposed, its estimate may change');

-- (the refused inserts above took numbers of their own)
SELECT setval(pg_get_serial_sequence('gridgov.project', 'id'), 1) \g /dev/null

-- consulting
SELECT throws_ok($$SELECT advance_project(1)$$, '55000',
                 'project 1 has not been consulted: proposal, deliberation, review, resolution not held and closed',
                 'no move before the four deliberations (55000)');
SELECT pg_temp.deliberate(1);
SELECT lives_ok($$SELECT advance_project(1, '居民代表会议通过')$$, 'consulted once they are held and passed');
SELECT results_eq($$SELECT stage, stage_since, stage_due FROM project WHERE id = 1$$,
                  $$VALUES ('consulted', now(), deadline(now(), 10, 'working_day'))$$, 'its new stage and time limit');
SELECT throws_ok($$UPDATE project SET estimate_fen = 1 WHERE id = 1$$, '55000', NULL,
                 'once consulted its estimate stays (55000)');
SELECT throws_ok($$UPDATE project SET stage = 'under_way' WHERE id = 1$$, '55000', 'project 1 is consulted: it cannot move to under_way',
                 'no stage skipped (55000)');
SELECT is(pg_temp.hint_of($$UPDATE project SET stage = 'under_way' WHERE id = 1$$), 'Its next stage is approved.', 'with a hint');
SELECT throws_ok($$UPDATE project SET stage = 'proposed' WHERE id = 1$$, '55000', NULL, 'nor a stage gone back to (55000)');
SELECT throws_ok($$UPDATE project SET stage_due = now() WHERE id = 1$$, '55000', 'the times of project 1 follow its moves',
                 'nor its time limit set (55000)');

-- approving: the estimate committed
SELECT throws_ok($$SELECT advance_project(1)$$, '55000', 'the resolution on project 1 has not been disclosed',
                 'no approval before the resolution is disclosed (55000)');
SELECT lives_ok($$SELECT consult_project(1, 'resolution_disclosure', now() - interval '1 hour', now() + interval '5 days', '社区公示栏')$$,
                'the resolution disclosed (决议公开)');
SELECT throws_ok($$SELECT advance_project(1, to_stage => 'under_way')$$, '55000',
                 'project 1 is consulted: it cannot move to under_way', 'to_stage: not from the stage before it (55000)');
SELECT throws_ok($$SELECT advance_project(1, to_stage => 'approval')$$, '22023', '"approval" is not a stage of a project',
                 'to_stage: an unknown stage (22023)');
SELECT lives_ok($$SELECT advance_project(1, to_stage => 'approved')$$, 'approved');
SELECT throws_ok($$SELECT advance_project(1, to_stage => 'approved')$$, '55000',
                 'project 1 is approved: it cannot move to approved', 'approved once: a second approval is refused, not moved on (55000)');
SELECT is((SELECT count(*) FROM project_move WHERE project = 1), 3::bigint, 'and recorded no move');
SELECT results_eq($$SELECT e.budget, e.kind, e.amount_fen, e.note FROM project p JOIN budget_entry e ON e.id = p.commitment WHERE p.id = 1$$,
                  $$VALUES (2::bigint, 'commitment', 14000000::bigint, '项目 1: 小区路灯更换')$$,
                  'its estimate committed against its line');
SELECT is((SELECT committed_fen FROM budget WHERE id = 2), 14000000::bigint, 'the line committed it');
SELECT throws_ok($$UPDATE project SET commitment = NULL WHERE id = 1$$, '55000', NULL, 'the commitment stays (55000)');

-- a project beyond its line is not approved, and nothing moves
SELECT lives_ok($$SELECT propose_project('440311001001', 'micro_project', '社区长者饭堂', 2000, year => 2026)$$, 'a project of 光明社区');
SELECT pg_temp.deliberate(2);
SELECT advance_project(2) \g /dev/null
SELECT consult_project(2, 'resolution_disclosure', now() - interval '1 hour', now() + interval '5 days') \g /dev/null
SELECT throws_ok($$SELECT advance_project(2)$$, '23514',
                 'a commitment of 200000 fen is beyond budget line 4, which has 100000 fen uncommitted',
                 'its approval is refused by the ledger (23514)');
SELECT results_eq($$SELECT stage, commitment FROM project WHERE id = 2$$, $$VALUES ('consulted', NULL::bigint)$$,
                  'it stays consulted, with no commitment');

-- a resolution not passed
SELECT lives_ok($$SELECT propose_project('440311006004', 'micro_project', '篮球场翻新', 30000, year => 2026)$$, 'a project of 马山头');
SELECT pg_temp.deliberate(3, false);
SELECT throws_ok($$SELECT advance_project(3)$$, '55000', 'the residents'' representatives did not pass project 3',
                 'a resolution voted down stops it (55000)');

-- votes
SELECT throws_ok($$SELECT vote_project((SELECT id FROM project_consultation WHERE project = 3 AND step = 'resolution'), 5, 'yes')$$, '55000',
                 NULL, 'a vote after the consultation closed (55000)');
SELECT is(pg_temp.hint_of($$SELECT vote_project((SELECT id FROM project_consultation WHERE project = 3 AND step = 'resolution'), 5, 'yes')$$),
          'Votes are cast while the consultation is open; hold another one to vote again.', 'with a hint');
SELECT lives_ok($$SELECT propose_project('440311006004', 'micro_project', '加装电梯', 30000, year => 2026)$$, 'another project');
SELECT consult_project(4, 'review', now() - interval '1 hour', now() + interval '1 day') \g /dev/null
SELECT consult_project(4, 'resolution', now() + interval '1 day', now() + interval '2 days') \g /dev/null
SELECT results_eq($$SELECT person, vote, cast_at FROM vote_project((SELECT id FROM project_consultation WHERE project = 4 AND step = 'review'), 5, 'yes')$$,
                  $$VALUES (5::bigint, 'yes', now())$$, 'a vote while it is open');
SELECT throws_ok($$SELECT vote_project((SELECT id FROM project_consultation WHERE project = 4 AND step = 'review'), 5, 'no')$$, '23505', NULL,
                 'one vote a person (23505)');
SELECT throws_ok($$SELECT vote_project((SELECT id FROM project_consultation WHERE project = 4 AND step = 'resolution'), 5, 'yes')$$, '55000',
                 NULL, 'a vote before it opens (55000)');
SELECT throws_ok($$SELECT vote_project((SELECT id FROM project_consultation WHERE project = 1 AND step = 'resolution_disclosure'), 5, 'yes')$$,
                 '22023', NULL, 'a disclosure takes no votes (22023)');
SELECT throws_ok($$SELECT vote_project((SELECT id FROM project_consultation WHERE project = 4 AND step = 'review'), 4, 'maybe')$$,
                 '22023', '"maybe" is not a vote', 'yes, no or abstain (22023)');

-- to the end, with dated moves (as an importer), one of them late
SELECT lives_ok($$SELECT advance_project(1, '开工'), advance_project(1, '竣工验收')$$, 'under way, accepted');
SELECT throws_ok($$SELECT advance_project(1)$$, '55000', 'the results of project 1 have not been disclosed',
                 'no evaluation before the results are disclosed (55000)');
SELECT consult_project(1, 'result_disclosure', now() - interval '1 hour', now() + interval '5 days') \g /dev/null
SELECT lives_ok($$SELECT advance_project(1, '居民满意度测评')$$, 'evaluated');
SELECT throws_ok($$SELECT advance_project(1)$$, '55000', 'project 1 is evaluated: it cannot move to <NULL>', 'and no further (55000)');
SELECT results_eq($$SELECT string_agg(stage, ',' ORDER BY moved_at, stage) FROM project_move WHERE project = 1$$,
                  $$VALUES ('accepted,approved,consulted,evaluated,proposed,under_way')$$, 'every stage entered is kept');
SELECT lives_ok($$SELECT propose_project('440311006003', 'base_works', '道路改造', 500000, year => 2026, at => now() - interval '60 days')$$,
                'an importer dates a proposal');
SELECT results_eq($$SELECT stage, late_moves, overdue FROM project_progress WHERE id = 5$$,
                  $$VALUES ('proposed', 0::bigint, true)$$, 'proposed 60 days ago: its 10 working days ran out');

SELECT * FROM finish();
ROLLBACK;
