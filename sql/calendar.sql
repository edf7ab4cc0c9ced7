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

CREATE TABLE gridgov.calendar_day (
    day         date PRIMARY KEY CONSTRAINT calendar_day_finite CHECK (pg_catalog.isfinite(day)),
    is_workday  boolean NOT NULL,
    note        text
);
COMMENT ON TABLE gridgov.calendar_day IS
    'exceptions to the weekday rule (Monday-Friday work): public holidays and make-up workdays (调休)';
COMMENT ON COLUMN gridgov.calendar_day.day IS 'the date the exception is for; primary key';
COMMENT ON COLUMN gridgov.calendar_day.is_workday IS
    'false for a holiday, true for a make-up workday; a row that agrees with the weekday rule changes nothing';
COMMENT ON COLUMN gridgov.calendar_day.note IS
    'the holiday, such as 春节, or 春节调休 for a make-up workday';

-- The official schedule (国务院办公厅关于2025年/2026年部分节假日安排的通知).
-- Every day of each holiday period is listed, weekend days included, so the
-- table reads like the notice and tells which holiday any rest day belongs
-- to; the weekend rows agree with the weekday rule and change no count.
INSERT INTO gridgov.calendar_day (day, is_workday, note) VALUES
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
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendar_day',
           'WHERE day OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(
               pg_catalog.array_agg(pg_catalog.to_char(day, 'YYYY-MM-DD') ORDER BY day)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.date[])')
  FROM gridgov.calendar_day;

CREATE TABLE gridgov.work_period (
    starts  time PRIMARY KEY,
    ends    time NOT NULL,
    CONSTRAINT work_period_ends_after_starts CHECK (ends OPERATOR(pg_catalog.>) starts),
    -- no instant of a day may be counted twice
    CONSTRAINT work_period_no_overlap EXCLUDE USING gist (
        pg_catalog.tsrange(DATE '2000-01-01' OPERATOR(pg_catalog.+) starts,
                           DATE '2000-01-01' OPERATOR(pg_catalog.+) ends) WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE gridgov.work_period IS
    'working hours of every workday, [starts, ends) in gridgov.calendar_timezone; their sum is one working day';
COMMENT ON COLUMN gridgov.work_period.starts IS
    'wall-clock time the period starts (included), in gridgov.calendar_timezone; primary key';
COMMENT ON COLUMN gridgov.work_period.ends IS
    'wall-clock time the period ends (excluded), after starts; periods may not overlap';

INSERT INTO gridgov.work_period (starts, ends) VALUES ('09:00', '12:00'), ('14:00', '18:00');

-- As for calendar_day: pg_dump keeps periods other than the two above.  One
-- that overlaps them (changed hours such as 08:30-12:00) makes the restore
-- of this table fail loudly on work_period_no_overlap rather than silently
-- mix old and new hours; set such hours again after a restore.
SELECT pg_catalog.pg_extension_config_dump('gridgov.work_period',
           'WHERE (starts, ends) NOT IN ((''09:00''::pg_catalog.time, ''12:00''::pg_catalog.time),'
           ' (''14:00''::pg_catalog.time, ''18:00''::pg_catalog.time))');

-- The years whose official schedule is in calendar_day.  Past the last of
-- them (the horizon) the calendar knows only the weekday rule: a time limit
-- that runs past it is counted on plain weekdays and marked provisional on
-- the case until the year is loaded with load_calendar_year().
CREATE TABLE gridgov.calendar_year (
    year        integer PRIMARY KEY CONSTRAINT calendar_year_range CHECK (year BETWEEN 1949 AND 9999),
    source      text NOT NULL CONSTRAINT calendar_year_source_not_empty CHECK (source OPERATOR(pg_catalog.<>) ''),
    loaded_at   timestamptz DEFAULT pg_catalog.now()
);
COMMENT ON TABLE gridgov.calendar_year IS
    'the years whose holidays and make-up workdays calendar_day holds; the horizon is the end of the last year of the run from the first';
COMMENT ON COLUMN gridgov.calendar_year.year IS 'a year whose official schedule is loaded; primary key';
COMMENT ON COLUMN gridgov.calendar_year.source IS 'where the schedule comes from, such as the State Council notice''s title';
COMMENT ON COLUMN gridgov.calendar_year.loaded_at IS 'when the year was loaded; NULL for the years gridgov ships';

INSERT INTO gridgov.calendar_year (year, source, loaded_at) VALUES
    (2025, '国务院办公厅关于2025年部分节假日安排的通知', NULL),
    (2026, '国务院办公厅关于2026年部分节假日安排的通知', NULL);

-- As for calendar_day: pg_dump keeps the years a user loaded.
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendar_year', 'WHERE year NOT IN (2025, 2026)');

-- ======================================================================
-- Functions
-- ======================================================================

CREATE FUNCTION gridgov.invalidate_cache() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_invalidate_cache' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.invalidate_cache() IS
    'AFTER ... FOR EACH STATEMENT trigger: makes every backend reload its cache of the table';

-- The functions read the tables and the setting gridgov.calendar_timezone,
-- so they are STABLE.
CREATE FUNCTION gridgov.is_workday(day date) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_is_workday' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.is_workday(date) IS
    'true on Monday-Friday, false on Saturday-Sunday, unless gridgov.calendar_day says otherwise';

CREATE FUNCTION gridgov.working_day_seconds() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_working_day_seconds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.working_day_seconds() IS
    'seconds of working time in a standard workday: the sum of gridgov.work_period';

CREATE FUNCTION gridgov.working_seconds(from_time timestamptz, to_time timestamptz) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_working_seconds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.working_seconds(timestamptz, timestamptz) IS
    'whole seconds of working time in [from_time, to_time); negative when to_time is earlier';

CREATE FUNCTION gridgov.add_working_time(from_time timestamptz, seconds bigint) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gridgov_add_working_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.add_working_time(timestamptz, bigint) IS
    'the instant at which the given seconds of working time have elapsed after from_time';

CREATE FUNCTION gridgov.deadline(start timestamptz, amount numeric, unit text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gridgov_deadline' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.deadline(timestamptz, numeric, text) IS
    'start plus amount working_day, working_hour or clock_hour units';

CREATE FUNCTION gridgov.calendar_timezone() RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_calendar_timezone' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.calendar_timezone() IS
    'the zone of the working calendar: the setting gridgov.calendar_timezone, known even before the module has loaded';

CREATE FUNCTION gridgov.calendar_horizon() RETURNS date
    AS 'MODULE_PATHNAME', 'gridgov_calendar_horizon' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.calendar_horizon() IS
    'the last day the calendar holds: 31 December of the last year in gridgov.calendar_year without a gap from the first; NULL when none is loaded';

-- One year in the shape of the State Council's notice: for each holiday,
-- its name, the first and last rest day, and the make-up workdays (调休).
-- The year replaces whatever calendar_day held for it; the deadlines that
-- were counted on plain weekdays past the horizon are then counted again
-- (an UPDATE of deadline_provisional, which the case engine answers by
-- recounting the stage's deadline: src/case_engine.c).
CREATE FUNCTION gridgov.load_calendar_year(year integer, holidays jsonb, source text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    h jsonb;
    bad text;
    first_day date;
    last_day date;
    makeup date;
    spans daterange[] := '{}';
    names text[] := '{}';
    workdays date[] := '{}';
    workday_names text[] := '{}';
    i integer;
    recounted bigint;
BEGIN
    IF year IS NULL OR holidays IS NULL OR source IS NULL OR source OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'load_calendar_year needs a year, the holidays and a source, not NULL or empty'
            USING ERRCODE = '22004', HINT = 'Name the notice the schedule comes from as source.';
    END IF;
    IF pg_catalog.jsonb_typeof(holidays) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'the holidays of % must be a JSON array, not %', year, pg_catalog.jsonb_typeof(holidays)
            USING ERRCODE = '22023',
                  HINT = 'Give one object per holiday: {"holiday": "元旦", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "makeup_workdays": ["YYYY-MM-DD"]}.';
    END IF;
    FOR h IN SELECT e FROM pg_catalog.jsonb_array_elements(holidays) AS e LOOP
        SELECT pg_catalog.string_agg(k, ', ') INTO bad
          FROM pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(h) OPERATOR(pg_catalog.=) 'object'
                                                 THEN h ELSE '{}' END) AS k
         WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['holiday', 'from', 'to', 'makeup_workdays']);
        IF pg_catalog.jsonb_typeof(h) OPERATOR(pg_catalog.<>) 'object' OR bad IS NOT NULL
           OR pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'holiday') IS DISTINCT FROM 'string'
           OR h OPERATOR(pg_catalog.->>) 'holiday' OPERATOR(pg_catalog.=) ''
           OR pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'from') IS DISTINCT FROM 'string'
           OR pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'to') IS DISTINCT FROM 'string'
           OR pg_catalog.jsonb_typeof(COALESCE(h OPERATOR(pg_catalog.->) 'makeup_workdays', '[]')) OPERATOR(pg_catalog.<>) 'array' THEN
            RAISE EXCEPTION 'holiday % of % is not in the notice''s shape', h, year
                USING ERRCODE = '22023',
                      DETAIL = CASE WHEN bad IS NOT NULL THEN pg_catalog.format('Unknown keys: %s.', bad) END,
                      HINT = 'Give one object per holiday: {"holiday": "元旦", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "makeup_workdays": ["YYYY-MM-DD"]}.';
        END IF;
        first_day := (h OPERATOR(pg_catalog.->>) 'from')::date;
        last_day := (h OPERATOR(pg_catalog.->>) 'to')::date;
        IF last_day OPERATOR(pg_catalog.<) first_day THEN
            RAISE EXCEPTION 'holiday % of % ends on % before it starts on %',
                            h OPERATOR(pg_catalog.->>) 'holiday', year, last_day, first_day
                USING ERRCODE = '22023', HINT = '"from" is the first rest day, "to" the last, both included.';
        END IF;
        spans := spans OPERATOR(pg_catalog.||) pg_catalog.daterange(first_day, last_day, '[]');
        names := names OPERATOR(pg_catalog.||) (h OPERATOR(pg_catalog.->>) 'holiday');
        FOR makeup IN SELECT d::date FROM pg_catalog.jsonb_array_elements_text(h OPERATOR(pg_catalog.->) 'makeup_workdays') AS d LOOP
            IF EXTRACT(isodow FROM makeup) OPERATOR(pg_catalog.<) 6 THEN
                RAISE EXCEPTION 'make-up workday % of % (%) is a %', makeup, h OPERATOR(pg_catalog.->>) 'holiday', year,
                                pg_catalog.to_char(makeup, 'FMDay')
                    USING ERRCODE = '22023',
                          HINT = 'A make-up workday (调休) is a Saturday or Sunday that is worked; Monday to Friday are workdays already.';
            END IF;
            workdays := workdays OPERATOR(pg_catalog.||) makeup;
            workday_names := workday_names OPERATOR(pg_catalog.||) (h OPERATOR(pg_catalog.->>) 'holiday');
        END LOOP;
    END LOOP;

    -- every date in the year, every rest day in one holiday only, no make-up
    -- workday twice or on a rest day
    SELECT pg_catalog.format('holiday %s %s..%s', n, pg_catalog.lower(r), pg_catalog.upper(r) OPERATOR(pg_catalog.-) 1) INTO bad
      FROM ROWS FROM (pg_catalog.unnest(spans), pg_catalog.unnest(names)) AS s(r, n)
     WHERE EXTRACT(year FROM pg_catalog.lower(r)) OPERATOR(pg_catalog.<>) year
        OR EXTRACT(year FROM pg_catalog.upper(r) OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.<>) year
    UNION ALL
    SELECT pg_catalog.format('make-up workday %s of %s', d, n)
      FROM ROWS FROM (pg_catalog.unnest(workdays), pg_catalog.unnest(workday_names)) AS w(d, n)
     WHERE EXTRACT(year FROM d) OPERATOR(pg_catalog.<>) year
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION '% lies outside %', bad, year
            USING ERRCODE = '22023',
                  HINT = 'Load each year with its own dates; weekend days of a holiday that fall in another year need no row.';
    END IF;
    FOR i IN 1 .. pg_catalog.cardinality(spans) LOOP
        SELECT pg_catalog.format('holidays %s %s..%s and %s %s..%s overlap',
                                 names[i], pg_catalog.lower(spans[i]), pg_catalog.upper(spans[i]) OPERATOR(pg_catalog.-) 1,
                                 names[j], pg_catalog.lower(spans[j]), pg_catalog.upper(spans[j]) OPERATOR(pg_catalog.-) 1) INTO bad
          FROM pg_catalog.generate_series(i OPERATOR(pg_catalog.+) 1, pg_catalog.cardinality(spans)) AS j
         WHERE spans[i] OPERATOR(pg_catalog.&&) spans[j]
         LIMIT 1;
        IF bad IS NULL THEN
            SELECT pg_catalog.format('make-up workday %s of %s falls on a rest day of %s', w.d, w.n, names[i])
              INTO bad
              FROM ROWS FROM (pg_catalog.unnest(workdays), pg_catalog.unnest(workday_names)) AS w(d, n)
             WHERE w.d OPERATOR(pg_catalog.<@) spans[i]
             LIMIT 1;
        END IF;
        EXIT WHEN bad IS NOT NULL;
    END LOOP;
    IF bad IS NULL THEN
        SELECT pg_catalog.format('make-up workday %s is listed twice', d) INTO bad
          FROM pg_catalog.unnest(workdays) AS d GROUP BY d HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1 LIMIT 1;
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the schedule of % does not hold: %', year, bad
            USING ERRCODE = '22023',
                  HINT = 'Each day is a rest day of one holiday or a make-up workday, once: give every period of the notice once.';
    END IF;

    -- the year replaces what calendar_day held for it
    DELETE FROM gridgov.calendar_day d
     WHERE d.day OPERATOR(pg_catalog.>=) pg_catalog.make_date(year, 1, 1)
       AND d.day OPERATOR(pg_catalog.<=) pg_catalog.make_date(year, 12, 31);
    INSERT INTO gridgov.calendar_day (day, is_workday, note)
    SELECT g.day::date, false, s.n
      FROM ROWS FROM (pg_catalog.unnest(spans), pg_catalog.unnest(names)) AS s(r, n),
           pg_catalog.generate_series(pg_catalog.lower(s.r)::timestamp,
                                      (pg_catalog.upper(s.r) OPERATOR(pg_catalog.-) 1)::timestamp, '1 day') AS g(day)
    UNION ALL
    SELECT w.d, true, w.n OPERATOR(pg_catalog.||) '调休'
      FROM ROWS FROM (pg_catalog.unnest(workdays), pg_catalog.unnest(workday_names)) AS w(d, n);
    INSERT INTO gridgov.calendar_year AS y (year, source, loaded_at)
    VALUES (load_calendar_year.year, load_calendar_year.source, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT calendar_year_pkey DO UPDATE SET source = EXCLUDED.source, loaded_at = EXCLUDED.loaded_at;

    -- from this statement on the calendar holds the year: count again
    UPDATE gridgov.cases c SET deadline_provisional = false WHERE c.deadline_provisional;
    GET DIAGNOSTICS recounted = ROW_COUNT;
    RETURN recounted;
END;
$$;
COMMENT ON FUNCTION gridgov.load_calendar_year(integer, jsonb, text) IS
    'load a year''s official schedule, as the State Council notice gives it (holiday periods and make-up workdays), in place of what calendar_day held for it; recounts the provisional deadlines and returns how many';

-- ======================================================================
-- Triggers
-- ======================================================================

-- ENABLE ALWAYS: rows replicated into these tables (logical replication
-- applies them with session_replication_role = replica) must reach the
-- caches too.
CREATE TRIGGER calendar_day_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.calendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_cache();
ALTER TABLE gridgov.calendar_day ENABLE ALWAYS TRIGGER calendar_day_invalidate_cache;
CREATE TRIGGER work_period_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.work_period
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_cache();
ALTER TABLE gridgov.work_period ENABLE ALWAYS TRIGGER work_period_invalidate_cache;
CREATE TRIGGER calendar_year_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.calendar_year
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_cache();
ALTER TABLE gridgov.calendar_year ENABLE ALWAYS TRIGGER calendar_year_invalidate_cache;

-- ======================================================================
-- Views
-- ======================================================================

CREATE VIEW gridgov.calendar_years WITH (security_invoker = true) AS
SELECT y.year, y.source, y.loaded_at,
       (SELECT pg_catalog.count(*) FROM gridgov.calendar_day d
         WHERE d.day OPERATOR(pg_catalog.>=) pg_catalog.make_date(y.year, 1, 1)
           AND d.day OPERATOR(pg_catalog.<=) pg_catalog.make_date(y.year, 12, 31)
           AND NOT d.is_workday) AS rest_days,
       (SELECT pg_catalog.count(*) FROM gridgov.calendar_day d
         WHERE d.day OPERATOR(pg_catalog.>=) pg_catalog.make_date(y.year, 1, 1)
           AND d.day OPERATOR(pg_catalog.<=) pg_catalog.make_date(y.year, 12, 31)
           AND d.is_workday) AS makeup_workdays,
       (SELECT pg_catalog.count(*) FILTER (WHERE gridgov.is_workday(g.day::date))
          FROM pg_catalog.generate_series(pg_catalog.make_date(y.year, 1, 1)::timestamp,
                                          pg_catalog.make_date(y.year, 12, 31)::timestamp, '1 day') AS g(day)) AS workdays,
       y.year OPERATOR(pg_catalog.<=) EXTRACT(year FROM gridgov.calendar_horizon()) AS within_horizon
  FROM gridgov.calendar_year y;
COMMENT ON VIEW gridgov.calendar_years IS
    'the years the calendar holds, with their rest and make-up days and workdays; within_horizon false after a gap';
COMMENT ON COLUMN gridgov.calendar_years.year IS 'a year whose official schedule is loaded';
COMMENT ON COLUMN gridgov.calendar_years.source IS 'where its schedule comes from';
COMMENT ON COLUMN gridgov.calendar_years.loaded_at IS 'when it was loaded; NULL for the years gridgov ships';
COMMENT ON COLUMN gridgov.calendar_years.rest_days IS 'its rows of calendar_day that are rest days: every day of every holiday period';
COMMENT ON COLUMN gridgov.calendar_years.makeup_workdays IS 'its make-up workdays (调休)';
COMMENT ON COLUMN gridgov.calendar_years.workdays IS 'its workdays, as is_workday counts them';
COMMENT ON COLUMN gridgov.calendar_years.within_horizon IS
    'true up to calendar_horizon(); a year loaded after a gap is held but lies past the horizon until the gap is loaded';
