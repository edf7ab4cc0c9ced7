-- gridgov: the ready-made group roles, and who may execute what
--
-- A DBA gives a login what it needs by granting it one or more of these
-- NOLOGIN roles (docs/operations.md, "Roles"):
--
--   gridgov_reader         reads the registry, the configuration, the cases,
--                          the rollups, every view, KPI and map
--   gridgov_handler        a reader who also reports cases and moves them
--                          through the lifecycle functions (the contacts of
--                          the cases it handles through case_reporters)
--   gridgov_administrator  a reader who also manages units, categories,
--                          rules, service points, the calendar, the risk
--                          settings, organizations and people, and
--                          refreshes the rollups
--   gridgov_auditor        reads the cases and both histories and runs
--                          verify_history()
--   gridgov_importer       may date moves and name their actors (docs/cases.md);
--                          it grants nothing else: grant gridgov_handler too
--
-- Privileges are about objects; row-level security narrows the rows each
-- role sees on top of them.  Roles belong to the cluster, not to a
-- database: each is created once, if missing, as PostgreSQL's predefined
-- roles are there before anyone grants them; DROP EXTENSION leaves them
-- (with their members), and pg_dump does not dump them or their memberships
-- (pg_dumpall --roles-only does).  The grants below are the extension's:
-- CREATE EXTENSION makes them again in a restored database.

-- ======================================================================
-- Roles
-- ======================================================================

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT v.name, v.member_of, v.purpose
          FROM (VALUES
                ('gridgov_reader', NULL,
                 'gridgov: reads the registry, the configuration, the cases, the rollups, every view, KPI and map; grant it to BI and GIS logins'),
                ('gridgov_handler', 'gridgov_reader',
                 'gridgov: a reader who also reports cases and moves them through the lifecycle functions'),
                ('gridgov_administrator', 'gridgov_reader',
                 'gridgov: a reader who also manages units, categories, rules, service points, the calendar, the risk settings, organizations and people, and refreshes the rollups'),
                ('gridgov_auditor', NULL,
                 'gridgov: reads the cases and the histories of cases and units, and checks them with verify_history()'),
                ('gridgov_importer', NULL,
                 'gridgov: its members may give the time (not in the future) and the actor of reports and moves of cases'))
               AS v(name, member_of, purpose)
         WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles o WHERE o.rolname OPERATOR(pg_catalog.=) v.name)
    LOOP
        BEGIN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
            -- another database's CREATE EXTENSION made it meanwhile: we
            -- waited for its commit on the name; its role is as good
            CONTINUE;
        END;
        EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
        IF r.member_of IS NOT NULL THEN
            EXECUTE pg_catalog.format('GRANT %I TO %I', r.member_of, r.name);
        END IF;
    END LOOP;
END;
$$;

-- ======================================================================
-- Privileges
-- ======================================================================

GRANT USAGE ON SCHEMA gridgov
    TO gridgov_reader, gridgov_handler, gridgov_administrator, gridgov_auditor, gridgov_importer;

-- Readers: everything the dashboards, the maps, the KPIs, the case clock
-- and the coverage checks read, and the views themselves, and the grids'
-- lineage and versions (routing a case by its reported_at reads them, as
-- the reporting handler; unit_history below).  Not person_contact
-- (personal data, docs/people.md).
GRANT SELECT ON gridgov.unit, gridgov.grid_lineage, gridgov.unit_versions,
                gridgov.calendar_day, gridgov.work_period,
                gridgov.organization_kind, gridgov.organization, gridgov.organization_unit,
                gridgov.person, gridgov.role, gridgov.post,
                gridgov.grid_party_days, gridgov.community_headcount,
                gridgov.category, gridgov.service_point, gridgov.category_rule,
                gridgov.warning_rule,
                gridgov.kpi_daily, gridgov.kpi_unit_daily, gridgov.kpi_handler_daily,
                gridgov.risk_setting, gridgov.risk_weight, gridgov.risk_color,
                gridgov.risk_daily, gridgov.risk_rollup,
                gridgov.grid_layer, gridgov.case_grids,
                gridgov.case_clock, gridgov.grid_gaps, gridgov.daily_flow, gridgov.unit_kpi_monthly,
                gridgov.service_point_monthly, gridgov.risk_map, gridgov.unit_map,
                gridgov.grids_without_party_members, gridgov.party_members_outside_grids,
                gridgov.grids_without_branch, gridgov.buildings_without_team,
                gridgov.teams_breaking_rule, gridgov.secretaries_without_reserves,
                gridgov.coverage_summary
    TO gridgov_reader;

-- Reporters' contacts (docs/access.md, "Personal data"): readers read every
-- column of cases but reporter, and every column of the history, but
-- neither the history's hashes nor the content digests (cases.history_hash
-- and history_content, case_history.hash and content): the digest hashes
-- the reporter with fields a reader sees, and so would let a reader test
-- guesses of a phone number, and row 1's hash is the digest's hash.
-- Readers read the reporters through case_reporters, masked where they do
-- not handle.  Handlers, readers too, read what readers read: a column
-- privilege holds in every row the policies show, and a handler of one
-- unit may view another, so the contact of the cases it handles comes to
-- it through case_reporters alone.  Auditors read the whole case and
-- history (as below): verify_history recomputes the digests from the
-- reporter.  A column added to cases or case_history must be added here
-- when readers may read it.
GRANT SELECT (id, district, unit, category, severity, reported_severity, channel, description, location, cell,
              status, handling_level, service_point, stage, stage_started_at, stage_deadline, stage_limit_unit,
              stage_paused_seconds, suspended_at, suspended_seconds, reported_at, accepted_at, dispatched_at,
              resolved_at, verified_at, closed_at, escalations, reopenings, extensions, returns, deadlines_missed,
              duplicate_of, linked_cases, warning, satisfaction, evaluation, actor, note, moved_at, last_action,
              escalation_trigger, history_seq, deadline_provisional, handler, actor_person, reporter_person,
              grid_gap)
    ON gridgov.cases TO gridgov_reader;
GRANT SELECT (district, case_id, seq, at, actor, action, from_status, to_status, handling_level, service_point,
              escalation_trigger, note, entry, actor_person, handler)
    ON gridgov.case_history TO gridgov_reader;

-- Handlers: intake (the engine appends the first history row as the
-- reporting role) and every move, through the move functions or an UPDATE
-- the triggers check.  The history only ever grows through the engine.
GRANT INSERT, UPDATE ON gridgov.cases TO gridgov_handler;
GRANT INSERT ON gridgov.case_history TO gridgov_handler;
GRANT USAGE ON SEQUENCE gridgov.cases_id_seq TO gridgov_handler;

-- Administrators: the registry (whose edits keep the old version in
-- unit_history), the engine's configuration, the calendar, the risk
-- settings, organizations and people, and the rollups they refresh.
GRANT INSERT, UPDATE, DELETE ON gridgov.unit, gridgov.grid_layer, gridgov.calendar_day, gridgov.work_period,
                                gridgov.organization_kind, gridgov.organization,
                                gridgov.organization_unit, gridgov.person, gridgov.role,
                                gridgov.post, gridgov.category, gridgov.service_point,
                                gridgov.category_rule, gridgov.warning_rule,
                                gridgov.risk_setting, gridgov.risk_weight, gridgov.risk_color,
                                gridgov.kpi_daily, gridgov.kpi_unit_daily, gridgov.kpi_handler_daily,
                                gridgov.risk_daily, gridgov.risk_rollup
    TO gridgov_administrator;
GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.person_contact TO gridgov_administrator;
GRANT SELECT, INSERT ON gridgov.unit_history, gridgov.grid_lineage TO gridgov_administrator;
GRANT USAGE ON SEQUENCE gridgov.service_point_id_seq, gridgov.organization_id_seq,
                        gridgov.person_id_seq, gridgov.post_id_seq
    TO gridgov_administrator;

-- The calendar's years (issue 14): read by readers, loaded by
-- administrators (load_calendar_year also needs UPDATE on cases, to have
-- the engine recount provisional deadlines: a handler's grant).
GRANT SELECT ON gridgov.calendar_year, gridgov.calendar_years TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON gridgov.calendar_year TO gridgov_administrator;
-- Rollups that stay current (issue 14): administrators refresh (the
-- trigger appends to rollup_change as its owner).
GRANT SELECT, INSERT, DELETE ON gridgov.rollup_change TO gridgov_administrator;
-- The queue of notices made on Citus shards: relayed by administrators (the
-- engine queues them as the owner of the case tables).
GRANT SELECT, DELETE ON gridgov.case_notice TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION gridgov.rollup_note_change() FROM PUBLIC;
GRANT SELECT ON gridgov.rollup_state TO gridgov_reader;
GRANT INSERT, UPDATE ON gridgov.rollup_state TO gridgov_administrator;
-- The background worker's jobs (issue 14): read by readers, set by
-- administrators; job_run is the worker's (it runs as the bootstrap superuser).
GRANT SELECT ON gridgov.job, gridgov.job_run, gridgov.job_status TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON gridgov.job TO gridgov_administrator;

-- Auditors: the cases and both histories, with the names to read them by.
GRANT SELECT ON gridgov.cases, gridgov.case_history, gridgov.unit, gridgov.unit_history,
                gridgov.grid_lineage, gridgov.unit_versions, gridgov.category, gridgov.service_point
    TO gridgov_auditor;
-- Readers read the units' earlier versions since 0.8.0 (routing by
-- reported_at): granted after the others, as an update grants it.
GRANT SELECT ON gridgov.unit_history TO gridgov_reader;

-- Functions.  Every function is executable by PUBLIC (as PostgreSQL makes
-- them) but these.  Internal steps of other functions, not an interface:
-- apply_move (the move functions' UPDATE), history_field, content_digest
-- and history_hash (verify_history's recomputation), working_span
-- (case_clock's), and the trigger functions (a trigger runs its function
-- without asking for EXECUTE; nobody else needs it).  And the functions
-- that exist only to write or audit: the moves, the sweep and
-- verify_history, so that a role without the group role hears so by the
-- function's name.  Each goes to the group roles whose work calls it.
REVOKE EXECUTE ON FUNCTION
    gridgov.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text, bigint),
    gridgov.accept(bigint, text, timestamptz, text, bigint),
    gridgov.reject(bigint, text, timestamptz, text),
    gridgov.merge(bigint, bigint, timestamptz, text),
    gridgov.dispatch(bigint, integer, timestamptz, text, bigint),
    gridgov.start(bigint, timestamptz, text, bigint),
    gridgov.return_case(bigint, text, timestamptz, text),
    gridgov.extend(bigint, timestamptz, text, timestamptz, text),
    gridgov.suspend(bigint, text, timestamptz, text),
    gridgov.resume(bigint, timestamptz, text),
    gridgov.resolve(bigint, text, timestamptz, text),
    gridgov.verify(bigint, text, timestamptz, text),
    gridgov.reopen(bigint, text, timestamptz, text),
    gridgov.close(bigint, integer, text, timestamptz, text),
    gridgov.escalate(bigint, text, integer, timestamptz, text),
    gridgov.escalate_overdue(timestamptz),
    gridgov.history_field(text),
    gridgov.content_digest(gridgov.cases),
    gridgov.history_hash(bytea, gridgov.case_history),
    gridgov.verify_history(),
    gridgov.working_span(timestamptz, timestamptz, text),
    gridgov.unit_keep_history(),
    gridgov.invalidate_cache(),
    gridgov.organization_check(),
    gridgov.organization_unit_check(),
    gridgov.organization_unit_release(),
    gridgov.post_check(),
    gridgov.coverage_recount(gridgov.gridcode[], gridgov.gridcode[]),
    gridgov.coverage_recount_units(gridgov.gridcode[]),
    gridgov.coverage_changed(),
    gridgov.coverage_role_changed(),
    gridgov.rebuild_coverage(),
    gridgov.service_point_check(),
    gridgov.case_before_insert(),
    gridgov.case_after_intake(),
    gridgov.case_before_update(),
    gridgov.case_after_change(),
    gridgov.case_history_refuse_change()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gridgov.working_span(timestamptz, timestamptz, text) TO gridgov_reader;
GRANT EXECUTE ON FUNCTION gridgov.rebuild_coverage() TO gridgov_administrator;
GRANT EXECUTE ON FUNCTION
    gridgov.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text, bigint),
    gridgov.accept(bigint, text, timestamptz, text, bigint),
    gridgov.reject(bigint, text, timestamptz, text),
    gridgov.merge(bigint, bigint, timestamptz, text),
    gridgov.dispatch(bigint, integer, timestamptz, text, bigint),
    gridgov.start(bigint, timestamptz, text, bigint),
    gridgov.return_case(bigint, text, timestamptz, text),
    gridgov.extend(bigint, timestamptz, text, timestamptz, text),
    gridgov.suspend(bigint, text, timestamptz, text),
    gridgov.resume(bigint, timestamptz, text),
    gridgov.resolve(bigint, text, timestamptz, text),
    gridgov.verify(bigint, text, timestamptz, text),
    gridgov.reopen(bigint, text, timestamptz, text),
    gridgov.close(bigint, integer, text, timestamptz, text),
    gridgov.escalate(bigint, text, integer, timestamptz, text),
    gridgov.escalate_overdue(timestamptz)
    TO gridgov_handler;
GRANT EXECUTE ON FUNCTION
    gridgov.history_field(text),
    gridgov.content_digest(gridgov.cases),
    gridgov.history_hash(bytea, gridgov.case_history),
    gridgov.verify_history()
    TO gridgov_auditor;

-- Checkpoints of the case history (docs/cases.md, "Checkpoints"): auditors
-- verify them, with the witness's tables; history_changes, the two
-- history_root, history_leaves, history_range_bounds, history_ranges_check
-- and history_ranges_text are verify_history(checkpoint)'s steps.  Taking one
-- locks the history against every writer, which is for its owner only.
GRANT SELECT ON gridgov.case_history_witness, gridgov.case_history_witness_leaf TO gridgov_auditor;
REVOKE EXECUTE ON FUNCTION
    gridgov.history_checkpoint(),
    gridgov.history_changes(integer[], bigint[], bytea),
    gridgov.history_leaves(bigint[], bigint[]),
    gridgov.history_range_bounds(integer[], bigint[], boolean),
    gridgov.history_ranges_check(integer[], bigint[]),
    gridgov.history_ranges_text(integer[], bigint[]),
    gridgov.history_root(bigint),
    gridgov.history_root(integer[], bigint[]),
    gridgov.verify_history(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    gridgov.history_changes(integer[], bigint[], bytea),
    gridgov.history_leaves(bigint[], bigint[]),
    gridgov.history_range_bounds(integer[], bigint[], boolean),
    gridgov.history_ranges_check(integer[], bigint[]),
    gridgov.history_ranges_text(integer[], bigint[]),
    gridgov.history_root(bigint),
    gridgov.history_root(integer[], bigint[]),
    gridgov.verify_history(text)
    TO gridgov_auditor;

-- Rewards (sql/reward.sql): readers see the funds, the ledger and the
-- volunteers' figures; administrators run the funds (raise capital_fen)
-- and award, through award_report or an INSERT into the ledger, whose
-- trigger debits the fund as the awarding role (hence UPDATE on the fund;
-- paid_fen follows the ledger whoever asks).  The trigger functions, like
-- the others, are executed by their triggers only.
GRANT SELECT ON gridgov.reward_fund, gridgov.reward, gridgov.reward_funds,
                gridgov.volunteer_figures
    TO gridgov_reader;
GRANT INSERT, UPDATE ON gridgov.reward_fund TO gridgov_administrator;
GRANT INSERT ON gridgov.reward TO gridgov_administrator;
GRANT USAGE ON SEQUENCE gridgov.reward_fund_id_seq, gridgov.reward_id_seq TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    gridgov.award_report(bigint, numeric, bigint, text),
    gridgov.reward_before_insert(),
    gridgov.reward_refuse_change(),
    gridgov.reward_fund_check()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gridgov.award_report(bigint, numeric, bigint, text) TO gridgov_administrator;
