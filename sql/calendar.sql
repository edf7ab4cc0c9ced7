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
-- backend into memory (src/calendar_cache.c); a statement-level trigger on each table tells every
-- backend to read them again after a change (src/cache.c).

-- ======================================================================
-- Tables
-- ======================================================================

CREATE TABLE @extschema@.calendar_day (
    day         date PRIMARY KEY CONSTRAINT calendar_day_finite CHECK (pg_catalog.isfinite(day)),
    is_workday  boolean NOT NULL,
    note        text
);
COMMENT ON TABLE @extschema@.calendar_day IS
    'exceptions to the weekday rule (Monday-Friday work): public holidays and make-up workdays (调休)';
COMMENT ON COLUMN @extschema@.calendar_day.day IS 'the date the exception is for; primary key';
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
COMMENT ON COLUMN @extschema@.work_period.starts IS
    'wall-clock time the period starts (included), in gridgov.calendar_timezone; primary key';
COMMENT ON COLUMN @extschema@.work_period.ends IS
    'wall-clock time the period ends (excluded), after starts; periods may not overlap';

INSERT INTO @extschema@.work_period (starts, ends) VALUES ('09:00', '12:00'), ('14:00', '18:00');

-- As for calendar_day: pg_dump keeps periods other than the two above.  One
-- that overlaps them (changed hours such as 08:30-12:00) makes the restore
-- of this table fail loudly on work_period_no_overlap rather than silently
-- mix old and new hours; set such hours again after a restore.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.work_period',
           'WHERE (starts, ends) NOT IN ((''09:00''::pg_catalog.time, ''12:00''::pg_catalog.time),'
           ' (''14:00''::pg_catalog.time, ''18:00''::pg_catalog.time))');

-- ======================================================================
-- Functions
-- ======================================================================

CREATE FUNCTION @extschema@.invalidate_cache() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_invalidate_cache' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.invalidate_cache() IS
    'AFTER ... FOR EACH STATEMENT trigger: makes every backend reload its cache of the table';

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

-- ======================================================================
-- Triggers
-- ======================================================================

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
