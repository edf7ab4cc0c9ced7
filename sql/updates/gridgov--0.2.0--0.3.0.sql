-- gridgov 0.2.0--0.3.0: a released script, frozen: it never changes (sql/updates/SHA256SUMS).
\echo Use "CREATE EXTENSION gridgov" to load this file. \quit
-- gridgov pillar 3: working-day calendar
--
-- Time limits of cases are counted in working time: Monday to Friday are
-- workdays and Saturday and Sunday rest days (the weekday rule), except the
-- dates listed in calendar_day (public holidays, and the make-up workdays,
-- 调休, that move rest days next to them); a workday's working time is the
-- periods in work_period, wall-clock times in the zone that the setting
-- gridgov.calendar_timezone names (Asia/Shanghai unless changed).
--
-- The functions are C (src/calendar.c).  They read both tables once per
-- backend into memory; a statement-level trigger on each table tells every
-- backend to read them again after a change (src/cache.c).

CREATE FUNCTION @extschema@.invalidate_cache() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_invalidate_cache' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.invalidate_cache() IS
    'AFTER ... FOR EACH STATEMENT trigger: makes every backend reload its cache of the table';

CREATE TABLE @extschema@.calendar_day (
    day         date PRIMARY KEY CONSTRAINT calendar_day_finite CHECK (pg_catalog.isfinite(day)),
    is_workday  boolean NOT NULL,
    note        text
);
COMMENT ON TABLE @extschema@.calendar_day IS
    'exceptions to the weekday rule (Monday-Friday work): public holidays and make-up workdays (调休)';
COMMENT ON COLUMN @extschema@.calendar_day.is_workday IS
    'false for a holiday, true for a make-up workday; a row that agrees with the weekday rule changes nothing';
COMMENT ON COLUMN @extschema@.calendar_day.note IS
    'the holiday, such as 春节, or 春节调休 for a make-up workday';

-- The official schedule (国务院办公厅关于2025年/2026年部分节假日安排的通知).
-- Every day of each holiday period is listed, weekend days included, so the
-- table reads like the notice and tells which holiday any rest day belongs
-- to; the weekend rows agree with the weekday rule and change no count.
INSERT INTO @extschema@.calendar_day (day, is_workday, note) VALUES
    ('2025-01-01', false, '元旦'),
    ('2025-01-26', true,  '春节调休'),
    ('2025-01-28', false, '春节'), ('2025-01-29', false, '春节'), ('2025-01-30', false, '春节'),
    ('2025-01-31', false, '春节'), ('2025-02-01', false, '春节'), ('2025-02-02', false, '春节'),
    ('2025-02-03', false, '春节'), ('2025-02-04', false, '春节'),
    ('2025-02-08', true,  '春节调休'),
    ('2025-04-04', false, '清明节'), ('2025-04-05', false, '清明节'), ('2025-04-06', false, '清明节'),
    ('2025-04-27', true,  '劳动节调休'),
    ('2025-05-01', false, '劳动节'), ('2025-05-02', false, '劳动节'), ('2025-05-03', false, '劳动节'),
    ('2025-05-04', false, '劳动节'), ('2025-05-05', false, '劳动节'),
    ('2025-05-31', false, '端午节'), ('2025-06-01', false, '端午节'), ('2025-06-02', false, '端午节'),
    ('2025-09-28', true,  '国庆节、中秋节调休'),
    ('2025-10-01', false, '国庆节、中秋节'), ('2025-10-02', false, '国庆节、中秋节'),
    ('2025-10-03', false, '国庆节、中秋节'), ('2025-10-04', false, '国庆节、中秋节'),
    ('2025-10-05', false, '国庆节、中秋节'), ('2025-10-06', false, '国庆节、中秋节'),
    ('2025-10-07', false, '国庆节、中秋节'), ('2025-10-08', false, '国庆节、中秋节'),
    ('2025-10-11', true,  '国庆节、中秋节调休'),
    ('2026-01-01', false, '元旦'), ('2026-01-02', false, '元旦'), ('2026-01-03', false, '元旦'),
    ('2026-01-04', true,  '元旦调休'),
    ('2026-02-14', true,  '春节调休'),
    ('2026-02-15', false, '春节'), ('2026-02-16', false, '春节'), ('2026-02-17', false, '春节'),
    ('2026-02-18', false, '春节'), ('2026-02-19', false, '春节'), ('2026-02-20', false, '春节'),
    ('2026-02-21', false, '春节'), ('2026-02-22', false, '春节'), ('2026-02-23', false, '春节'),
    ('2026-02-28', true,  '春节调休'),
    ('2026-04-04', false, '清明节'), ('2026-04-05', false, '清明节'), ('2026-04-06', false, '清明节'),
    ('2026-05-01', false, '劳动节'), ('2026-05-02', false, '劳动节'), ('2026-05-03', false, '劳动节'),
    ('2026-05-04', false, '劳动节'), ('2026-05-05', false, '劳动节'),
    ('2026-05-09', true,  '劳动节调休'),
    ('2026-06-19', false, '端午节'), ('2026-06-20', false, '端午节'), ('2026-06-21', false, '端午节'),
    ('2026-09-20', true,  '国庆节调休'),
    ('2026-09-25', false, '中秋节'), ('2026-09-26', false, '中秋节'), ('2026-09-27', false, '中秋节'),
    ('2026-10-01', false, '国庆节'), ('2026-10-02', false, '国庆节'), ('2026-10-03', false, '国庆节'),
    ('2026-10-04', false, '国庆节'), ('2026-10-05', false, '国庆节'), ('2026-10-06', false, '国庆节'),
    ('2026-10-07', false, '国庆节'),
    ('2026-10-10', true,  '国庆节调休');

-- pg_dump keeps the days a user added, not the ones above: CREATE EXTENSION
-- puts those back, and dumping them too would make the restore's COPY fail
-- on their keys and lose every row with them (PostGIS's spatial_ref_sys does
-- the same).  A change to or deletion of a preloaded day is therefore not
-- dumped: re-apply it after a restore.  The filter lists the preloaded days
-- as they stand here, so it cannot drift from the INSERT; they are spelled
-- YYYY-MM-DD, which reads the same under every DateStyle.  (The table was
-- created just above, so it holds nothing else.  A later upgrade script that
-- preloads another year must write the list out instead: by then the table
-- also holds the user's rows, which would stop being dumped.)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_day',
           'WHERE day OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(
               pg_catalog.array_agg(pg_catalog.to_char(day, 'YYYY-MM-DD') ORDER BY day)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.date[])')
  FROM @extschema@.calendar_day;

CREATE TABLE @extschema@.work_period (
    starts  time PRIMARY KEY,
    ends    time NOT NULL,
    CONSTRAINT work_period_ends_after_starts CHECK (ends OPERATOR(pg_catalog.>) starts),
    -- no instant of a day may be counted twice
    CONSTRAINT work_period_no_overlap EXCLUDE USING gist (
        pg_catalog.tsrange(DATE '2000-01-01' OPERATOR(pg_catalog.+) starts,
                           DATE '2000-01-01' OPERATOR(pg_catalog.+) ends) WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE @extschema@.work_period IS
    'working hours of every workday, [starts, ends) in gridgov.calendar_timezone; their sum is one working day';

INSERT INTO @extschema@.work_period (starts, ends) VALUES ('09:00', '12:00'), ('14:00', '18:00');

-- As for calendar_day: pg_dump keeps periods other than the two above.  One
-- that overlaps them (changed hours such as 08:30-12:00) makes the restore
-- of this table fail loudly on work_period_no_overlap rather than silently
-- mix old and new hours; set such hours again after a restore.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.work_period',
           'WHERE (starts, ends) NOT IN ((''09:00''::pg_catalog.time, ''12:00''::pg_catalog.time),'
           ' (''14:00''::pg_catalog.time, ''18:00''::pg_catalog.time))');

-- ENABLE ALWAYS: rows replicated into these tables (logical replication
-- applies them with session_replication_role = replica) must reach the
-- caches too.
CREATE TRIGGER calendar_day_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.calendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.calendar_day ENABLE ALWAYS TRIGGER calendar_day_invalidate_cache;
CREATE TRIGGER work_period_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.work_period
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.work_period ENABLE ALWAYS TRIGGER work_period_invalidate_cache;

-- The functions read the tables and the setting gridgov.calendar_timezone,
-- so they are STABLE.
CREATE FUNCTION @extschema@.is_workday(day date) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_is_workday' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_workday(date) IS
    'true on Monday-Friday, false on Saturday-Sunday, unless gridgov.calendar_day says otherwise';

CREATE FUNCTION @extschema@.working_day_seconds() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_working_day_seconds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.working_day_seconds() IS
    'seconds of working time in a standard workday: the sum of gridgov.work_period';

CREATE FUNCTION @extschema@.working_seconds(from_time timestamptz, to_time timestamptz) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_working_seconds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.working_seconds(timestamptz, timestamptz) IS
    'whole seconds of working time in [from_time, to_time); negative when to_time is earlier';

CREATE FUNCTION @extschema@.add_working_time(from_time timestamptz, seconds bigint) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gridgov_add_working_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.add_working_time(timestamptz, bigint) IS
    'the instant at which the given seconds of working time have elapsed after from_time';

CREATE FUNCTION @extschema@.deadline(start timestamptz, amount numeric, unit text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gridgov_deadline' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.deadline(timestamptz, numeric, text) IS
    'start plus amount working_day, working_hour or clock_hour units';

CREATE FUNCTION @extschema@.calendar_timezone() RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_calendar_timezone' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calendar_timezone() IS
    'the zone of the working calendar: the setting gridgov.calendar_timezone, known even before the module has loaded';
-- gridgov pillar 3: the case engine
--
-- A case (诉求/事件) is reported, accepted, dispatched to a service point at a
-- handling level, handled, verified, closed and evaluated; it can be
-- returned, extended, suspended, reopened and escalated.  The rules live in
-- C triggers (src/case_engine.c) so that they hold whoever writes the row:
-- the move functions below are thin UPDATEs, and a plain UPDATE of status
-- goes through the same rules.  Every case row carries its district code
-- (the distribution key on Citus) and its unit (for row-level security by
-- jurisdiction); the history is one hash chain per case.

-- Categories, and per category and severity the handling level and the
-- time limit of each stage.
CREATE TABLE @extschema@.category (
    code        text PRIMARY KEY
                CONSTRAINT category_code_form CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL,
    department  text,
    description text
);
COMMENT ON TABLE @extschema@.category IS 'kinds of cases';
COMMENT ON COLUMN @extschema@.category.department IS
    'functional department that owns the category: its cases go to that department''s service point, never down to a community';

CREATE TABLE @extschema@.category_rule (
    category        text NOT NULL REFERENCES @extschema@.category ON DELETE CASCADE,
    severity        smallint NOT NULL CONSTRAINT category_rule_severity CHECK (severity BETWEEN 1 AND 4),
    handling_level  integer NOT NULL
                    CONSTRAINT category_rule_level CHECK (handling_level BETWEEN 3 AND 5),
    limit_unit      text NOT NULL DEFAULT 'working_day'
                    CONSTRAINT category_rule_unit CHECK (limit_unit IN ('working_day', 'working_hour', 'clock_hour')),
    accept_limit    numeric NOT NULL CONSTRAINT category_rule_accept CHECK (accept_limit > 0),
    dispatch_limit  numeric NOT NULL CONSTRAINT category_rule_dispatch CHECK (dispatch_limit > 0),
    resolve_limit   numeric NOT NULL CONSTRAINT category_rule_resolve CHECK (resolve_limit > 0),
    verify_limit    numeric NOT NULL CONSTRAINT category_rule_verify CHECK (verify_limit > 0),
    PRIMARY KEY (category, severity)
);
COMMENT ON TABLE @extschema@.category_rule IS
    'handling level and stage time limits per category and severity; a case uses the rule of the highest severity not above its own';

-- Service points: the community halls, subdistrict and district centers,
-- and the functional departments' desks.  A service point handles cases at
-- the level of the unit it serves.
CREATE TABLE @extschema@.service_point (
    id          integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    unit        @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    level       integer NOT NULL GENERATED ALWAYS AS (@extschema@.level(unit)) STORED
                CONSTRAINT service_point_level CHECK (level BETWEEN 3 AND 5),
    department  text,
    location    geometry(Point, 4326),
    CONSTRAINT service_point_one_per_unit UNIQUE NULLS NOT DISTINCT (unit, department)
);
COMMENT ON TABLE @extschema@.service_point IS
    'where cases are handled: one general service point per unit (department NULL) and one per functional department';

-- Repeated reports of one category in one grid within a window raise the
-- new case's severity and link it to the earlier ones (矛盾预警).  A row
-- with category NULL applies to every category without a row of its own;
-- with no row at all the engine's built-in rule holds: the third report in
-- 7 days.  (The table starts empty so that pg_dump can dump all of it.)
CREATE TABLE @extschema@.warning_rule (
    category    text REFERENCES @extschema@.category ON DELETE CASCADE,
    time_window interval NOT NULL CONSTRAINT warning_rule_window CHECK (time_window > interval '0'),
    threshold   integer NOT NULL CONSTRAINT warning_rule_threshold CHECK (threshold >= 2),
    CONSTRAINT warning_rule_one_per_category UNIQUE NULLS NOT DISTINCT (category)
);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.category', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.category_rule', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.service_point', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.warning_rule', '');

CREATE TABLE @extschema@.cases (
    id              bigint GENERATED BY DEFAULT AS IDENTITY,
    district        @extschema@.gridcode NOT NULL,
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    category        text NOT NULL REFERENCES @extschema@.category,
    severity        smallint NOT NULL DEFAULT 1 CONSTRAINT cases_severity CHECK (severity BETWEEN 1 AND 4),
    reported_severity smallint,
    channel         text NOT NULL
                    CONSTRAINT cases_channel CHECK (channel IN ('resident_app', 'hotline', 'patrol', 'sensor', 'walk_in')),
    description     text NOT NULL DEFAULT '',
    location        geometry(Point, 4326),
    cell            @extschema@.gridcell GENERATED ALWAYS AS (@extschema@.gridcell(location, 10)) STORED,
    reporter        jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'reported',
    handling_level  integer,
    service_point   integer REFERENCES @extschema@.service_point,
    stage           text,
    stage_started_at timestamptz,
    stage_deadline  timestamptz,
    stage_limit_unit text,
    stage_paused_seconds bigint NOT NULL DEFAULT 0,
    suspended_at    timestamptz,
    suspended_seconds bigint NOT NULL DEFAULT 0,
    reported_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    accepted_at     timestamptz,
    dispatched_at   timestamptz,
    resolved_at     timestamptz,
    verified_at     timestamptz,
    closed_at       timestamptz,
    escalations     integer NOT NULL DEFAULT 0,
    reopenings      integer NOT NULL DEFAULT 0,
    extensions      integer NOT NULL DEFAULT 0,
    returns         integer NOT NULL DEFAULT 0,
    deadlines_missed integer NOT NULL DEFAULT 0,
    duplicate_of    bigint,
    linked_cases    bigint[] NOT NULL DEFAULT '{}',
    warning         boolean NOT NULL DEFAULT false,
    satisfaction    smallint CONSTRAINT cases_satisfaction CHECK (satisfaction BETWEEN 1 AND 5),
    evaluation      text,
    actor           text,
    note            text,
    moved_at        timestamptz,
    last_action     text,
    escalation_trigger text,
    history_seq     integer NOT NULL DEFAULT 0,
    history_hash    bytea,
    PRIMARY KEY (district, id)
);
COMMENT ON TABLE @extschema@.cases IS
    'cases (诉求/事件); insert to report, move with the functions or by updating status';
COMMENT ON COLUMN @extschema@.cases.deadlines_missed IS
    'stages that ended after their deadline: 0 for a case handled on time';
CREATE UNIQUE INDEX cases_id ON @extschema@.cases (id);
CREATE INDEX cases_unit_category ON @extschema@.cases (unit, category, reported_at);
-- the sweep's range: what can still climb (below district level)
CREATE INDEX cases_due ON @extschema@.cases (stage_deadline)
    WHERE status IN ('accepted', 'dispatched', 'returned', 'in_progress') AND suspended_at IS NULL
      AND handling_level > 3;
CREATE INDEX cases_service_point ON @extschema@.cases (service_point) WHERE closed_at IS NULL;
-- heat and risk maps: "the cases in this Beidou cell" is one range
CREATE INDEX cases_cell ON @extschema@.cases (cell);
COMMENT ON COLUMN @extschema@.cases.cell IS 'the Beidou grid cell of the location at level 10 (about 1.5 cm)';

-- One hash-chained history per case: row n's hash covers its content and
-- row n-1's hash.  Append-only.
CREATE TABLE @extschema@.case_history (
    district        @extschema@.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL,
    at              timestamptz NOT NULL,
    actor           text NOT NULL,
    action          text NOT NULL,
    from_status     text,
    to_status       text NOT NULL,
    handling_level  integer,
    service_point   integer,
    escalation_trigger text,
    note            text,
    hash            bytea NOT NULL,
    PRIMARY KEY (district, case_id, seq),
    FOREIGN KEY (district, case_id) REFERENCES @extschema@.cases (district, id)
);
COMMENT ON TABLE @extschema@.case_history IS
    'every report and move of every case; hash-chained per case and append-only';

-- pg_dump keeps the cases, their history and the identity counters (an
-- extension's own tables are otherwise left out of dumps).  Restore them
-- with session_replication_role = replica, so the engine does not take the
-- restored rows for new reports and moves (docs/operations.md).
SELECT pg_catalog.pg_extension_config_dump('@extschema@.cases', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.case_history', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.cases', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.service_point', 'id')::regclass, '');

-- The triggers (src/case_engine.c).  The BEFORE triggers are named to fire
-- after any BEFORE trigger of the user's that sorts earlier, so they see
-- the row that will be written.
CREATE FUNCTION @extschema@.case_before_insert() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.case_before_update() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.case_after_change() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.case_history_refuse_change() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE TRIGGER gridgov_case_intake BEFORE INSERT ON @extschema@.cases
    FOR EACH ROW EXECUTE FUNCTION @extschema@.case_before_insert();
CREATE TRIGGER gridgov_case_move BEFORE UPDATE ON @extschema@.cases
    FOR EACH ROW EXECUTE FUNCTION @extschema@.case_before_update();
CREATE TRIGGER gridgov_case_history AFTER INSERT OR UPDATE ON @extschema@.cases
    FOR EACH ROW EXECUTE FUNCTION @extschema@.case_after_change();
CREATE TRIGGER gridgov_history_append_only BEFORE UPDATE OR DELETE ON @extschema@.case_history
    FOR EACH ROW EXECUTE FUNCTION @extschema@.case_history_refuse_change();
CREATE TRIGGER gridgov_history_no_truncate BEFORE TRUNCATE ON @extschema@.case_history
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.case_history_refuse_change();

-- Moves.  Each is one UPDATE; the triggers do the rest.  note is the
-- reason where a move needs one; at is the time of the move (default: now);
-- actor defaults to the setting gridgov.actor, else the current role.
CREATE FUNCTION @extschema@.apply_move(
    case_id bigint, to_status text, note text, at timestamptz, actor text,
    move text DEFAULT NULL, expected_status text DEFAULT NULL,
    deadline timestamptz DEFAULT NULL, level integer DEFAULT NULL,
    escalation_trigger text DEFAULT NULL, duplicate_of bigint DEFAULT NULL,
    service_point integer DEFAULT NULL, satisfaction integer DEFAULT NULL,
    evaluation text DEFAULT NULL)
    RETURNS @extschema@.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.cases;
    current_status text;
    current_seq integer;
    previous_actor text := pg_catalog.current_setting('gridgov.actor', true);
BEGIN
    SELECT c.status, c.history_seq INTO current_status, current_seq FROM @extschema@.cases c
     WHERE c.id OPERATOR(pg_catalog.=) case_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', case_id USING ERRCODE = 'GG004';
    END IF;
    -- resume, reopen and extend all lead to in_progress: say which was meant
    IF expected_status IS NOT NULL AND current_status OPERATOR(pg_catalog.<>) expected_status THEN
        RAISE EXCEPTION 'case % cannot %: it is %, not %', case_id, move, current_status, expected_status
            USING ERRCODE = 'GG001';
    END IF;
    IF actor IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.actor', actor, true);
    END IF;
    UPDATE @extschema@.cases c
       SET status = COALESCE(to_status, c.status),
           note = COALESCE(apply_move.note, c.note),
           moved_at = COALESCE(apply_move.at, c.moved_at),
           stage_deadline = COALESCE(apply_move.deadline, c.stage_deadline),
           handling_level = COALESCE(apply_move.level,
                                     CASE WHEN move OPERATOR(pg_catalog.=) 'escalate'
                                          THEN c.handling_level OPERATOR(pg_catalog.-) 1
                                          ELSE c.handling_level END),
           escalation_trigger = COALESCE(apply_move.escalation_trigger, c.escalation_trigger),
           duplicate_of = COALESCE(apply_move.duplicate_of, c.duplicate_of),
           service_point = COALESCE(apply_move.service_point, c.service_point),
           satisfaction = COALESCE(apply_move.satisfaction, c.satisfaction),
           evaluation = COALESCE(apply_move.evaluation, c.evaluation)
     WHERE c.id OPERATOR(pg_catalog.=) case_id
    RETURNING c.* INTO moved;
    IF actor IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.actor', COALESCE(previous_actor, ''), true);
    END IF;
    -- a move into the state the case is already in moves nothing: say so
    IF moved.history_seq OPERATOR(pg_catalog.=) current_seq THEN
        RAISE EXCEPTION 'case % cannot move: it is already %', case_id, current_status
            USING ERRCODE = 'GG001',
                  HINT = 'Another session may have made this move first.';
    END IF;
    RETURN moved;
END;
$$;
COMMENT ON FUNCTION @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text) IS
    'one UPDATE of a case that the case triggers check and complete; the move functions call it';

CREATE FUNCTION @extschema@.accept(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'accepted', note, at, actor); END;
CREATE FUNCTION @extschema@.reject(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'rejected', reason, at, actor); END;
CREATE FUNCTION @extschema@.merge(case_id bigint, into_case bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'merged', 'duplicate of ' OPERATOR(pg_catalog.||) into_case, at, actor, duplicate_of => into_case); END;
CREATE FUNCTION @extschema@.dispatch(case_id bigint, service_point integer DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'dispatched', NULL, at, actor, service_point => service_point); END;
CREATE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor); END;
CREATE FUNCTION @extschema@.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'returned', reason, at, actor); END;
CREATE FUNCTION @extschema@.extend(case_id bigint, new_deadline timestamptz, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'extend', 'in_progress', deadline => new_deadline); END;
CREATE FUNCTION @extschema@.suspend(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'suspended', reason, at, actor); END;
CREATE FUNCTION @extschema@.resume(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'resume', 'suspended'); END;
CREATE FUNCTION @extschema@.resolve(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'resolved', note, at, actor); END;
CREATE FUNCTION @extschema@.verify(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'verified', note, at, actor); END;
CREATE FUNCTION @extschema@.reopen(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'reopen', 'resolved'); END;
CREATE FUNCTION @extschema@.close(case_id bigint, satisfaction integer DEFAULT NULL, evaluation text DEFAULT NULL,
                                  at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'closed', NULL, at, actor,
                                                   satisfaction => satisfaction, evaluation => evaluation); END;
CREATE FUNCTION @extschema@.escalate(case_id bigint, reason text, to_level integer DEFAULT NULL,
                                     at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, NULL, reason, at, actor, 'escalate',
                                                   level => to_level, escalation_trigger => 'referral'); END;

-- The time-based sweep: every case past its stage deadline climbs one
-- level.  Rows another session is moving are skipped (it will be seen by
-- the next sweep if still due), and the locked row is checked again, so
-- two sweeps never escalate one breach twice.
CREATE FUNCTION @extschema@.escalate_overdue(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (case_id bigint, missed_deadline timestamptz, from_level integer, to_level integer,
                   service_point integer)
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    due record;
BEGIN
    FOR due IN
        SELECT c.id, c.stage_deadline, c.handling_level
          FROM @extschema@.cases c
         WHERE c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
           AND c.suspended_at IS NULL
           AND c.stage_deadline OPERATOR(pg_catalog.<) as_of
           AND c.moved_at OPERATOR(pg_catalog.<) as_of
           AND c.handling_level OPERATOR(pg_catalog.>) 3
         ORDER BY c.stage_deadline
           FOR UPDATE OF c SKIP LOCKED
    LOOP
        UPDATE @extschema@.cases c
           SET handling_level = due.handling_level OPERATOR(pg_catalog.-) 1,
               escalation_trigger = 'overdue',
               note = 'deadline ' OPERATOR(pg_catalog.||) due.stage_deadline OPERATOR(pg_catalog.||) ' missed',
               moved_at = as_of
         WHERE c.id OPERATOR(pg_catalog.=) due.id
        RETURNING c.id, due.stage_deadline, due.handling_level, c.handling_level, c.service_point
             INTO case_id, missed_deadline, from_level, to_level, service_point;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION @extschema@.escalate_overdue(timestamptz) IS
    'escalate every case past its stage deadline one level up; returns what it escalated';

-- The hash chain, rebuilt in SQL from each history row: the independent
-- check on what the C trigger wrote.
CREATE FUNCTION @extschema@.history_field(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN $1 IS NULL THEN '-|'
                ELSE pg_catalog.octet_length($1) OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) $1
                     OPERATOR(pg_catalog.||) '|' END;

CREATE FUNCTION @extschema@.history_hash(previous bytea, h @extschema@.case_history) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(COALESCE(previous, '\x'::bytea) OPERATOR(pg_catalog.||) pg_catalog.convert_to(
        @extschema@.history_field(h.case_id::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.seq::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field((EXTRACT(epoch FROM h.at) OPERATOR(pg_catalog.*) 1000000)::bigint::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.actor) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.action) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.from_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.to_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.handling_level::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.service_point::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.escalation_trigger) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.note), 'UTF8'));
COMMENT ON FUNCTION @extschema@.history_hash(bytea, @extschema@.case_history) IS
    'SHA-256 of a history row''s canonical content after the previous row''s hash';

CREATE FUNCTION @extschema@.verify_history()
    RETURNS TABLE (district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH chained AS (
        SELECT h.district, h.case_id, h.seq, h.hash,
               @extschema@.history_hash(pg_catalog.lag(h.hash) OVER w, h) AS recomputed,
               pg_catalog.lag(h.seq) OVER w AS previous_seq
          FROM @extschema@.case_history h
        WINDOW w AS (PARTITION BY h.district, h.case_id ORDER BY h.seq)
    ), problems AS (
        SELECT ch.district, ch.case_id, ch.seq,
               CASE WHEN ch.seq OPERATOR(pg_catalog.<>) (COALESCE(ch.previous_seq, 0) OPERATOR(pg_catalog.+) 1)
                    THEN 'a row is missing before this one'
                    WHEN ch.hash OPERATOR(pg_catalog.<>) ch.recomputed
                    THEN 'the row''s content or its link to the previous row was changed' END AS problem
          FROM chained ch
        UNION ALL
        SELECT c.district, c.id, c.history_seq, 'the history ends before the case''s last move'
          FROM @extschema@.cases c
         WHERE NOT EXISTS (SELECT FROM @extschema@.case_history h
                            WHERE h.district OPERATOR(@extschema@.=) c.district
                              AND h.case_id OPERATOR(pg_catalog.=) c.id
                              AND h.seq OPERATOR(pg_catalog.=) c.history_seq
                              AND h.hash OPERATOR(pg_catalog.=) c.history_hash)
    )
    SELECT DISTINCT ON (p.district, p.case_id) p.district, p.case_id, p.seq, p.problem
      FROM problems p
     WHERE p.problem IS NOT NULL
     ORDER BY p.district, p.case_id, p.seq;
END;
COMMENT ON FUNCTION @extschema@.verify_history() IS
    'the first broken link of every case whose history was tampered with; no rows when all chains hold';

-- Changes to the configuration tables reach the engine's per-backend cache,
-- also when logical replication applies them.
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.category
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.category ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.category_rule
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.category_rule ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.service_point
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.service_point ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.warning_rule
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.warning_rule ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;

-- The clock of each open stage: its deadline, the share of its limit used
-- (suspended time excluded), and the traffic light: green, yellow from 80%,
-- red when overdue.
CREATE FUNCTION @extschema@.working_span(from_time timestamptz, to_time timestamptz, limit_unit text) RETURNS bigint
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN limit_unit OPERATOR(pg_catalog.=) 'clock_hour'
                THEN EXTRACT(epoch FROM to_time OPERATOR(pg_catalog.-) from_time)::bigint
                ELSE @extschema@.working_seconds(from_time, to_time) END;
COMMENT ON FUNCTION @extschema@.working_span(timestamptz, timestamptz, text) IS
    'seconds between two instants counted in a limit unit''s way: working time, or clock time for clock_hour';

CREATE FUNCTION @extschema@.case_clock(as_of timestamptz)
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, status text,
                   stage text, service_point integer, stage_started_at timestamptz,
                   stage_deadline timestamptz, share_used numeric, light text)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.id, s.district, s.unit, s.status, s.stage, s.service_point, s.stage_started_at, s.stage_deadline,
           pg_catalog.round(s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1), 3),
           CASE WHEN COALESCE(s.suspended_at, as_of) OPERATOR(pg_catalog.>) s.stage_deadline THEN 'red'
                WHEN s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1) OPERATOR(pg_catalog.>=) 0.8 THEN 'yellow'
                ELSE 'green' END
      FROM (SELECT c.*,
                   @extschema@.working_span(c.stage_started_at, c.stage_deadline, c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS budget,
                   @extschema@.working_span(c.stage_started_at, COALESCE(c.suspended_at, as_of), c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS used
              FROM @extschema@.cases c
             WHERE c.stage_deadline IS NOT NULL) s;
END;
COMMENT ON FUNCTION @extschema@.case_clock(timestamptz) IS
    'every open stage''s deadline, share of its limit used and traffic light at a given time';

CREATE VIEW @extschema@.case_clock AS SELECT * FROM @extschema@.case_clock(pg_catalog.now());
COMMENT ON VIEW @extschema@.case_clock IS 'every open stage''s deadline, share used and traffic light now';
