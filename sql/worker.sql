-- gridgov: the jobs that keep it running (issue 14)
--
-- Each periodic task is one function: call it from anywhere (pg_cron, a
-- cron job with psql).  With shared_preload_libraries = 'gridgov' and the
-- database named in gridgov.worker_databases, the background worker of
-- src/worker.c runs the enabled rows of gridgov.job itself, each at its
-- period, and keeps what happened in job_run (docs/operations.md).

-- The escalation sweep: the cases' stages and the judicial confirmations
-- (sql/services.sql, created after this file: hence plpgsql, bound when run).
CREATE FUNCTION gridgov.job_escalation_sweep() RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN (SELECT pg_catalog.count(*) FROM gridgov.escalate_overdue(pg_catalog.now()))
           OPERATOR(pg_catalog.+)
           (SELECT pg_catalog.count(*) FROM gridgov.escalate_overdue_confirmations(pg_catalog.now()));
END;
$$;
COMMENT ON FUNCTION gridgov.job_escalation_sweep() IS
    'job: escalate every case past its stage deadline (escalate_overdue at now) and every judicial confirmation past its deadline (escalate_overdue_confirmations); returns how many';

-- Early warning (预警): the open stages that have used 80% of their limit
-- and are not overdue yet, told to listeners of gridgov_early_warning (one
-- notification per round, the cases' ids; no place or person).
CREATE FUNCTION gridgov.job_early_warning() RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT pg_catalog.array_agg(k.id ORDER BY k.id) INTO ids
      FROM gridgov.case_clock(pg_catalog.now()) k WHERE k.light OPERATOR(pg_catalog.=) 'yellow';
    IF ids IS NOT NULL THEN
        PERFORM pg_catalog.pg_notify('gridgov_early_warning', pg_catalog.json_build_object('cases', ids)::text);
    END IF;
    RETURN COALESCE(pg_catalog.cardinality(ids), 0);
END;
$$;
COMMENT ON FUNCTION gridgov.job_early_warning() IS
    'job: notify gridgov_early_warning of the open stages past 80% of their limit and not yet overdue (yellow); returns how many';

CREATE FUNCTION gridgov.job_rollups() RETURNS bigint
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT gridgov.refresh_rollups(pg_catalog.now());
END;
COMMENT ON FUNCTION gridgov.job_rollups() IS
    'job: refresh_rollups() at now, the KPI and risk rollups of the days and units that changed; returns the pairs recomputed';

CREATE FUNCTION gridgov.job_calendar_horizon() RETURNS integer
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    days_left integer := gridgov.calendar_horizon() OPERATOR(pg_catalog.-)
                         pg_catalog.timezone(gridgov.calendar_timezone(), pg_catalog.now())::date;
BEGIN
    IF days_left IS NULL OR days_left OPERATOR(pg_catalog.<) 60 THEN
        RAISE WARNING 'the working calendar holds the holidays up to %, % days from today',
                      COALESCE(gridgov.calendar_horizon()::text, 'no year'), COALESCE(days_left::text, 'no')
            USING HINT = 'Load the next year''s schedule from the State Council''s notice with gridgov.load_calendar_year().';
    END IF;
    RETURN days_left;
END;
$$;
COMMENT ON FUNCTION gridgov.job_calendar_horizon() IS
    'job: the days left before calendar_horizon(); a WARNING (in the server log, for the worker) when fewer than 60 remain';

CREATE TABLE gridgov.job (
    name        text PRIMARY KEY CONSTRAINT job_name_form CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    function    regproc NOT NULL,
    period      interval NOT NULL CONSTRAINT job_period_positive CHECK (period OPERATOR(pg_catalog.>=) interval '1 second'),
    enabled     boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE gridgov.job IS
    'the background worker''s jobs: each function, taking no argument, runs every period while enabled';
COMMENT ON COLUMN gridgov.job.name IS 'the job''s name, such as escalation_sweep';
COMMENT ON COLUMN gridgov.job.function IS 'the function the job calls, without arguments, such as gridgov.job_escalation_sweep';
COMMENT ON COLUMN gridgov.job.period IS 'how often it runs: from the start of one run to the start of the next (1 second at least)';
COMMENT ON COLUMN gridgov.job.enabled IS 'false: the worker leaves it';

INSERT INTO gridgov.job (name, function, period) VALUES
    ('escalation_sweep', 'gridgov.job_escalation_sweep', '1 minute'),
    ('early_warning', 'gridgov.job_early_warning', '5 minutes'),
    ('rollups', 'gridgov.job_rollups', '10 minutes'),
    ('calendar_horizon', 'gridgov.job_calendar_horizon', '1 day');
-- pg_dump keeps the jobs a user added, not the four above (CREATE
-- EXTENSION puts them back; dumping them would make the restore's COPY fail
-- on their keys): a change to one of them is re-applied after a restore.
SELECT pg_catalog.pg_extension_config_dump('gridgov.job',
           'WHERE name NOT IN (''escalation_sweep'', ''early_warning'', ''rollups'', ''calendar_horizon'')');

CREATE TABLE gridgov.job_run (
    name        text PRIMARY KEY REFERENCES gridgov.job ON DELETE CASCADE ON UPDATE CASCADE,
    started_at  timestamptz NOT NULL,
    duration    interval,
    sqlstate    text,
    message     text,
    failures    integer NOT NULL DEFAULT 0,
    next_run    timestamptz NOT NULL
);
COMMENT ON TABLE gridgov.job_run IS 'the last run of each job by the background worker, and when it runs next';
COMMENT ON COLUMN gridgov.job_run.name IS 'the job';
COMMENT ON COLUMN gridgov.job_run.started_at IS 'when its last run started';
COMMENT ON COLUMN gridgov.job_run.duration IS 'how long its last run took; NULL while it runs';
COMMENT ON COLUMN gridgov.job_run.sqlstate IS 'the outcome: 00000 for success, else the SQLSTATE of the error';
COMMENT ON COLUMN gridgov.job_run.message IS 'the error''s message, NULL after a success';
COMMENT ON COLUMN gridgov.job_run.failures IS 'failures in a row: the next run waits period times 2 to that power (at most 64 periods, at most a day)';
COMMENT ON COLUMN gridgov.job_run.next_run IS 'when the worker runs it next';

CREATE VIEW gridgov.job_status WITH (security_invoker = true) AS
SELECT j.name, j.function, j.period, j.enabled, r.started_at AS last_run, r.duration,
       r.sqlstate AS outcome, r.message, r.failures, r.next_run
  FROM gridgov.job j LEFT JOIN gridgov.job_run r ON r.name OPERATOR(pg_catalog.=) j.name;
COMMENT ON VIEW gridgov.job_status IS 'each job with its last run, duration, outcome and next run';
COMMENT ON COLUMN gridgov.job_status.name IS 'the job';
COMMENT ON COLUMN gridgov.job_status.function IS 'the function it calls';
COMMENT ON COLUMN gridgov.job_status.period IS 'how often it runs';
COMMENT ON COLUMN gridgov.job_status.enabled IS 'whether the worker runs it';
COMMENT ON COLUMN gridgov.job_status.last_run IS 'when its last run started; NULL before the first';
COMMENT ON COLUMN gridgov.job_status.duration IS 'how long its last run took';
COMMENT ON COLUMN gridgov.job_status.outcome IS '00000 after a success, else the SQLSTATE of the error';
COMMENT ON COLUMN gridgov.job_status.message IS 'the error''s message';
COMMENT ON COLUMN gridgov.job_status.failures IS 'failures in a row';
COMMENT ON COLUMN gridgov.job_status.next_run IS 'when it runs next';
