-- gridgov pillar 4: KPI aggregates
--
-- gridgov.kpi(c) counts what the 12345 hotlines and digital urban
-- management report (received, accepted, closed, on time, reworked, ...)
-- and sketches the working hours to acceptance and to closure, into a
-- state of type kpi_state (src/kpi.c).  The state is a real type, not
-- internal: it is stored in rollups (kpi_daily), merged with kpi_merge,
-- combined across parallel workers (and, later, Citus shards), and read
-- with the accessors below.  Every figure's definition is in docs/kpi.md.

-- ======================================================================
-- Types
-- ======================================================================

CREATE TYPE gridgov.kpi_state;

CREATE FUNCTION gridgov.kpi_state_in(cstring) RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.kpi_state_out(gridgov.kpi_state) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.kpi_state_recv(internal) RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.kpi_state_send(gridgov.kpi_state) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A varlena; large states (a district over years) are compressed.
CREATE TYPE gridgov.kpi_state (
    INPUT = gridgov.kpi_state_in,
    OUTPUT = gridgov.kpi_state_out,
    RECEIVE = gridgov.kpi_state_recv,
    SEND = gridgov.kpi_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended,
    CATEGORY = 'U'
);
COMMENT ON TYPE gridgov.kpi_state IS
    'mergeable KPI state of a set of cases: counters and sketches of working hours to acceptance and closure; read it with the accessors';

COMMENT ON FUNCTION gridgov.kpi_state_in(cstring) IS
    'kpi_state from its text form, a JSON object such as {"version": 1, "received": 3, ...}';
COMMENT ON FUNCTION gridgov.kpi_state_out(gridgov.kpi_state) IS
    'text form of a kpi_state: a JSON object with every counter and both sketches';
COMMENT ON FUNCTION gridgov.kpi_state_recv(internal) IS 'kpi_state from its binary form';
COMMENT ON FUNCTION gridgov.kpi_state_send(gridgov.kpi_state) IS 'binary form of a kpi_state';

-- ======================================================================
-- Tables
-- ======================================================================

-- Daily rollups: one state per day (in gridgov.calendar_timezone), grid and
-- category.  Months, districts and any other grouping are kpi_merge over
-- these rows.
CREATE TABLE gridgov.kpi_daily (
    day         date NOT NULL,
    unit        gridgov.gridcode NOT NULL,
    category    text NOT NULL,
    kpi         gridgov.kpi_state NOT NULL,
    PRIMARY KEY (day, unit, category)
);
COMMENT ON TABLE gridgov.kpi_daily IS
    'KPI state of the cases reported on a day (calendar time zone) per unit and category; filled by refresh_kpi_daily';
COMMENT ON COLUMN gridgov.kpi_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.kpi_daily.unit IS 'the cases'' unit, usually a grid';
COMMENT ON COLUMN gridgov.kpi_daily.category IS 'the cases'' category';
COMMENT ON COLUMN gridgov.kpi_daily.kpi IS
    'kpi(cases, as_of) of those cases, as_of being the refresh''s';
SELECT pg_catalog.pg_extension_config_dump('gridgov.kpi_daily', '');

-- The same days per unit at every level from district to grid, all
-- categories together: each row merges the kpi_daily rows of the unit and
-- of every unit below it.  "Each subdistrict this month" reads 6 rows a day
-- here instead of every grid's and category's.
CREATE TABLE gridgov.kpi_unit_daily (
    day         date NOT NULL,
    unit        gridgov.gridcode NOT NULL,
    level       integer NOT NULL GENERATED ALWAYS AS (gridgov.level(unit)) STORED,
    kpi         gridgov.kpi_state NOT NULL,
    PRIMARY KEY (day, unit)
);
CREATE INDEX kpi_unit_daily_level ON gridgov.kpi_unit_daily (level, day);
COMMENT ON TABLE gridgov.kpi_unit_daily IS
    'KPI state of the cases reported on a day (calendar time zone) in each unit and below it, district to grid, all categories; filled by refresh_kpi_daily';
COMMENT ON COLUMN gridgov.kpi_unit_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.kpi_unit_daily.unit IS 'a unit from district to grid: its cases and those of every unit below it';
COMMENT ON COLUMN gridgov.kpi_unit_daily.level IS 'derived from unit: 3 district, 4 subdistrict, 5 community, 6 grid';
COMMENT ON COLUMN gridgov.kpi_unit_daily.kpi IS
    'kpi_merge of the day''s kpi_daily rows of the unit and the units below it';
SELECT pg_catalog.pg_extension_config_dump('gridgov.kpi_unit_daily', '');

-- The same days per handler (docs/kpi.md, "Handlers and organizations"):
-- the cases of each person who handles them, all units and categories
-- together.  A case counts for its handler at the refresh, the last one to
-- take it.  Organizations' figures merge their people's rows.  A row per
-- district too (one for nearly every handler): on Citus the table is
-- distributed by district, colocated with the cases, so that its refresh
-- runs on each shard beside the cases it reads (docs/scale-out.md).
CREATE TABLE gridgov.kpi_handler_daily (
    day         date NOT NULL,
    handler     bigint NOT NULL,
    kpi         gridgov.kpi_state NOT NULL,
    district    gridgov.gridcode NOT NULL,
    PRIMARY KEY (day, handler, district)
);
CREATE INDEX kpi_handler_daily_handler ON gridgov.kpi_handler_daily (handler, day);
COMMENT ON TABLE gridgov.kpi_handler_daily IS
    'KPI state of the cases reported on a day (calendar time zone) per handler (cases.handler at the refresh) and district; filled by refresh_kpi_daily, kept current by refresh_rollups';
COMMENT ON COLUMN gridgov.kpi_handler_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.kpi_handler_daily.handler IS 'the person handling the cases (gridgov.person)';
COMMENT ON COLUMN gridgov.kpi_handler_daily.kpi IS 'kpi(cases, as_of) of those cases, as_of being the refresh''s';
COMMENT ON COLUMN gridgov.kpi_handler_daily.district IS
    'the cases'' district: the handler''s cases of the day in other districts are in rows of their own';
SELECT pg_catalog.pg_extension_config_dump('gridgov.kpi_handler_daily', '');

-- Refreshing recent days reads only their cases: cases arrive in the order
-- of reported_at, which a BRIN index follows at almost no cost.
CREATE INDEX cases_reported_at ON gridgov.cases USING brin (reported_at);

-- ======================================================================
-- Functions
-- ======================================================================

-- The aggregates' support functions (the aggregates are under Aggregates).
-- The transition functions read the calendar tables (working time), hence
-- STABLE.  They update the state in place when called as an aggregate; the
-- final function packs it.
CREATE FUNCTION gridgov.kpi_accum(state gridgov.kpi_state, c gridgov.cases, as_of timestamptz)
    RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.kpi_accum(gridgov.kpi_state, gridgov.cases, timestamptz) IS
    'transition function of kpi(cases, timestamptz): the state with one more case counted at as_of';

CREATE FUNCTION gridgov.kpi_accum(state gridgov.kpi_state, c gridgov.cases)
    RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_accum_now' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.kpi_accum(gridgov.kpi_state, gridgov.cases) IS
    'transition function of kpi(cases): the state with one more case counted at now()';

CREATE FUNCTION gridgov.kpi_combine(gridgov.kpi_state, gridgov.kpi_state)
    RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.kpi_combine(gridgov.kpi_state, gridgov.kpi_state) IS
    'the state of the cases of both states: counters added, sketches merged';

CREATE FUNCTION gridgov.kpi_final(gridgov.kpi_state)
    RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.kpi_final(gridgov.kpi_state) IS
    'final function of the kpi aggregates: the state in its compact stored form; an empty state for no rows';

-- The column form: the columns kpi counts, after the case's id (NULL for a
-- missing row), and as_of.  The planner rewrites kpi(c) and kpi(c, as_of)
-- over gridgov.cases into it (src/kpi_planner.c), so that the executor
-- reads these columns instead of forming the whole row; it can also be
-- called directly, over any table or query with such columns.
CREATE FUNCTION gridgov.kpi_accum(state gridgov.kpi_state, id bigint, status text,
                                      handling_level integer, stage_deadline timestamptz,
                                      suspended_at timestamptz, reported_at timestamptz,
                                      accepted_at timestamptz, dispatched_at timestamptz,
                                      closed_at timestamptz, escalations integer, reopenings integer,
                                      extensions integer, returns integer, deadlines_missed integer,
                                      satisfaction smallint, as_of timestamptz)
    RETURNS gridgov.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_accum_columns' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.kpi_accum(gridgov.kpi_state, bigint, text, integer, timestamptz, timestamptz,
                                          timestamptz, timestamptz, timestamptz, timestamptz, integer, integer,
                                          integer, integer, integer, smallint, timestamptz) IS
    'transition function of the column form of kpi: the state with one more case counted at as_of';

-- Accessors: counts are bigint, rates numeric (NULL when the denominator
-- is 0), percentiles float8 working hours (NULL when nothing was measured).
CREATE FUNCTION gridgov.received(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_received' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.received(gridgov.kpi_state) IS
    '受理数: cases reported';
CREATE FUNCTION gridgov.accepted(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_accepted' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.accepted(gridgov.kpi_state) IS
    '立案数: cases accepted (accepted_at set)';
CREATE FUNCTION gridgov.dispatched(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_dispatched' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.dispatched(gridgov.kpi_state) IS
    'cases dispatched (dispatched_at set)';
CREATE FUNCTION gridgov.due_to_close(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_due_to_close' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.due_to_close(gridgov.kpi_state) IS
    '应结案数: closed cases, verified cases waiting for closure, and accepted open cases overdue at as_of';
CREATE FUNCTION gridgov.closed(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_closed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.closed(gridgov.kpi_state) IS
    '结案数: cases with status closed';
CREATE FUNCTION gridgov.closure_rate(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_closure_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.closure_rate(gridgov.kpi_state) IS
    '结案率 (the published formula): closed / due_to_close';
CREATE FUNCTION gridgov.closed_on_time(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_closed_on_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.closed_on_time(gridgov.kpi_state) IS
    'closed cases that missed no stage deadline (deadlines_missed = 0)';
CREATE FUNCTION gridgov.on_time_rate(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_on_time_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.on_time_rate(gridgov.kpi_state) IS
    '按期结案率 (the published formula): closed_on_time / due_to_close';
-- The project's own figure, on_time_rate before 0.8.0.
CREATE FUNCTION gridgov.on_time_share(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_on_time_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.on_time_share(gridgov.kpi_state) IS
    'closed_on_time / closed: the share of the closed cases closed on time (the project''s own figure, not the published 按期结案率)';
CREATE FUNCTION gridgov.reworked(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_reworked' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.reworked(gridgov.kpi_state) IS
    '返工数: cases reopened at least once';
CREATE FUNCTION gridgov.rework_rate(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_rework_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.rework_rate(gridgov.kpi_state) IS
    '返工率: reworked / closed';
CREATE FUNCTION gridgov.extended(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.extended(gridgov.kpi_state) IS
    'cases extended at least once';
CREATE FUNCTION gridgov.extension_rate(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_extension_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.extension_rate(gridgov.kpi_state) IS
    '延期率: extended / dispatched';
CREATE FUNCTION gridgov.returned(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_returned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.returned(gridgov.kpi_state) IS
    'cases returned by a service point at least once';
CREATE FUNCTION gridgov.escalated(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_escalated' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.escalated(gridgov.kpi_state) IS
    'cases escalated at least once, at intake included';
CREATE FUNCTION gridgov.escalation_rate(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_escalation_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.escalation_rate(gridgov.kpi_state) IS
    'escalated / accepted';
CREATE FUNCTION gridgov.settled_in_community(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_settled_in_community' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.settled_in_community(gridgov.kpi_state) IS
    'closed cases handled inside the community: at community level (handling_level 5) or at a grid or building station (6, 7)';
CREATE FUNCTION gridgov.community_share(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_community_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.community_share(gridgov.kpi_state) IS
    '小事不出村: settled_in_community / closed';
CREATE FUNCTION gridgov.open_now(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_open_now' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.open_now(gridgov.kpi_state) IS
    'cases reported by as_of and not closed, rejected or merged';
CREATE FUNCTION gridgov.overdue_now(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_overdue_now' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.overdue_now(gridgov.kpi_state) IS
    'open cases whose stage deadline passed before as_of, or before their suspension (case_clock''s red light)';
CREATE FUNCTION gridgov.evaluated(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_evaluated' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.evaluated(gridgov.kpi_state) IS
    'closed cases with a satisfaction';
CREATE FUNCTION gridgov.satisfied(gridgov.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_satisfied' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.satisfied(gridgov.kpi_state) IS
    'closed cases with a satisfaction of 4 or 5';
CREATE FUNCTION gridgov.satisfaction_mean(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_satisfaction_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.satisfaction_mean(gridgov.kpi_state) IS
    'mean satisfaction (1 to 5) of the evaluated cases';
CREATE FUNCTION gridgov.satisfied_share(gridgov.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_satisfied_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.satisfied_share(gridgov.kpi_state) IS
    'satisfied / evaluated';
CREATE FUNCTION gridgov.accept_hours(gridgov.kpi_state, fraction float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'kpi_accept_hours' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.accept_hours(gridgov.kpi_state, float8) IS
    'working hours from report to acceptance at a fraction (0.5 the median), within 0.5% of percentile_disc';
CREATE FUNCTION gridgov.close_hours(gridgov.kpi_state, fraction float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'kpi_close_hours' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.close_hours(gridgov.kpi_state, float8) IS
    'working hours from report to closure at a fraction (0.5 the median), within 0.5% of percentile_disc';
-- One score for an assessment, 0 to 100, from four rates of a state:
-- on time 40%, closure 30%, satisfied 20%, not reworked 10%; a rate that
-- is NULL (nothing to measure) drops out and the others' weights are scaled
-- to sum to 100%.  NULL when all four are NULL.
CREATE FUNCTION gridgov.kpi_score(gridgov.kpi_state) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.round(100 OPERATOR(pg_catalog.*)
        (COALESCE(0.4 OPERATOR(pg_catalog.*) gridgov.on_time_rate($1), 0) OPERATOR(pg_catalog.+)
         COALESCE(0.3 OPERATOR(pg_catalog.*) gridgov.closure_rate($1), 0) OPERATOR(pg_catalog.+)
         COALESCE(0.2 OPERATOR(pg_catalog.*) gridgov.satisfied_share($1), 0) OPERATOR(pg_catalog.+)
         COALESCE(0.1 OPERATOR(pg_catalog.*) (1 OPERATOR(pg_catalog.-) gridgov.rework_rate($1)), 0))
        OPERATOR(pg_catalog./) NULLIF(
         CASE WHEN gridgov.on_time_rate($1) IS NULL THEN 0 ELSE 0.4 END OPERATOR(pg_catalog.+)
         CASE WHEN gridgov.closure_rate($1) IS NULL THEN 0 ELSE 0.3 END OPERATOR(pg_catalog.+)
         CASE WHEN gridgov.satisfied_share($1) IS NULL THEN 0 ELSE 0.2 END OPERATOR(pg_catalog.+)
         CASE WHEN gridgov.rework_rate($1) IS NULL THEN 0 ELSE 0.1 END, 0), 2);
COMMENT ON FUNCTION gridgov.kpi_score(gridgov.kpi_state) IS
    'an assessment score 0 to 100: on_time_rate 40%, closure_rate 30%, satisfied_share 20%, 1 - rework_rate 10%, over the rates that are not NULL; NULL when none is';

CREATE FUNCTION gridgov.kpi_json(gridgov.kpi_state) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kpi_json' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.kpi_json(gridgov.kpi_state) IS
    'every figure of a kpi_state as one jsonb object: counts, rates, satisfaction, p50/p90/p99 working hours';

-- A period of days, first and last included: refuse them reversed.
CREATE FUNCTION gridgov.check_days(from_day date, to_day date) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'first day % is after last day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the days in order; both are included.';
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION gridgov.check_days(date, date) IS
    'true for a period of days in order (one day included); an error (22023) for a first day after the last';

CREATE FUNCTION gridgov.refresh_kpi_daily(from_day date, to_day date,
                                              as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone text;
    written bigint;
BEGIN
    zone := gridgov.calendar_timezone();
    IF from_day IS NULL OR to_day IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'refresh_kpi_daily needs a first day, a last day and as_of, not NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM gridgov.check_days(from_day, to_day);
    -- one refresh at a time; readers are not blocked
    LOCK TABLE gridgov.kpi_daily, gridgov.kpi_unit_daily, gridgov.kpi_handler_daily
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM gridgov.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    DELETE FROM gridgov.kpi_unit_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO gridgov.kpi_daily (day, unit, category, kpi)
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category,
           gridgov.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM gridgov.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- up the tree from the rows just written, not from the cases again
    INSERT INTO gridgov.kpi_unit_daily (day, unit, kpi)
    SELECT d.day, gridgov.ancestor(d.unit, l.level), gridgov.kpi_merge(d.kpi)
      FROM gridgov.kpi_daily d
     CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(gridgov.level(d.unit), 6)) AS l(level)
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
     GROUP BY 1, 2;
    DELETE FROM gridgov.kpi_handler_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO gridgov.kpi_handler_daily (day, handler, district, kpi)
    -- the aggregate's column form: readers may not read the whole case (its
    -- reporter); by district, which on Citus keeps the whole statement on
    -- each shard of the cases and of this rollup beside it
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.handler, c.district,
           gridgov.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM gridgov.cases c
     WHERE c.handler IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION gridgov.refresh_kpi_daily(date, date, timestamptz) IS
    'recompute kpi_daily, kpi_unit_daily and kpi_handler_daily for the days from_day to to_day (both included) at as_of; returns the kpi_daily rows written';

-- ======================================================================
-- Aggregates
-- ======================================================================

-- kpi(c), kpi(c, as_of) and kpi_merge over the functions above.
CREATE AGGREGATE gridgov.kpi(c gridgov.cases, as_of timestamptz) (
    SFUNC = gridgov.kpi_accum,
    STYPE = gridgov.kpi_state,
    SSPACE = 400,
    FINALFUNC = gridgov.kpi_final,
    COMBINEFUNC = gridgov.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.kpi(gridgov.cases, timestamptz) IS
    'KPI state of a set of cases; open and overdue cases are counted at as_of';

CREATE AGGREGATE gridgov.kpi(c gridgov.cases) (
    SFUNC = gridgov.kpi_accum,
    STYPE = gridgov.kpi_state,
    SSPACE = 400,
    FINALFUNC = gridgov.kpi_final,
    COMBINEFUNC = gridgov.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.kpi(gridgov.cases) IS
    'KPI state of a set of cases; open and overdue cases are counted at now()';

CREATE AGGREGATE gridgov.kpi_merge(gridgov.kpi_state) (
    SFUNC = gridgov.kpi_combine,
    STYPE = gridgov.kpi_state,
    SSPACE = 400,
    FINALFUNC = gridgov.kpi_final,
    COMBINEFUNC = gridgov.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.kpi_merge(gridgov.kpi_state) IS
    'merge stored KPI states (rollups) into one: the same counts and sketches as a scan of all their cases';

-- The column form of kpi, over the column form of kpi_accum (above).
CREATE AGGREGATE gridgov.kpi(id bigint, status text, handling_level integer, stage_deadline timestamptz,
                                 suspended_at timestamptz, reported_at timestamptz, accepted_at timestamptz,
                                 dispatched_at timestamptz, closed_at timestamptz, escalations integer,
                                 reopenings integer, extensions integer, returns integer,
                                 deadlines_missed integer, satisfaction smallint, as_of timestamptz) (
    SFUNC = gridgov.kpi_accum,
    STYPE = gridgov.kpi_state,
    SSPACE = 400,
    FINALFUNC = gridgov.kpi_final,
    COMBINEFUNC = gridgov.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.kpi(bigint, text, integer, timestamptz, timestamptz, timestamptz, timestamptz,
                                     timestamptz, timestamptz, integer, integer, integer, integer, integer,
                                     smallint, timestamptz) IS
    'KPI state of a set of cases given by their columns (the form the planner gives kpi(c)); a NULL id counts nothing';

-- Per handler and per organization, for the cases reported from from_day
-- to to_day: kpi_merge over kpi_handler_daily, never the cases again.
-- PL/pgSQL, not SQL: Citus plans a query over distributed tables only with
-- its parameters' values, which a SQL function does not pass.
CREATE FUNCTION gridgov.kpi_by_handler(from_day date, to_day date)
    RETURNS TABLE (handler bigint, kpi gridgov.kpi_state, score numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT m.handler, m.kpi, gridgov.kpi_score(m.kpi)
      FROM (SELECT d.handler, gridgov.kpi_merge(d.kpi) AS kpi
              FROM gridgov.kpi_handler_daily d
             WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
             GROUP BY d.handler) m
     ORDER BY m.handler;
END;
$$;
COMMENT ON FUNCTION gridgov.kpi_by_handler(date, date) IS
    'KPI state and kpi_score of each handler for the cases reported from from_day to to_day (both included), from kpi_handler_daily';

-- An organization's state merges the days of the people who held a post in
-- it on each day (once a day per person, whatever their posts there).  A
-- governance squad under a community committee is assessed half on its own
-- score and half by its committee (授予社区党委对治理中队50%比例考核权),
-- whose half is the score of all the cases of the committee's community
-- (kpi_unit_daily of its anchor): the committee judges the squad by how its
-- community fares.  Every other organization's assessment is its score.
CREATE FUNCTION gridgov.kpi_by_organization(from_day date, to_day date)
    RETURNS TABLE (organization bigint, kind text, kpi gridgov.kpi_state, score numeric,
                   committee_score numeric, assessment numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH own AS (
        SELECT m.organization, gridgov.kpi_merge(d.kpi) AS kpi
          FROM gridgov.kpi_handler_daily d
          CROSS JOIN LATERAL (SELECT DISTINCT p.organization FROM gridgov.post p
                               WHERE p.person OPERATOR(pg_catalog.=) d.handler
                                 AND p.organization IS NOT NULL
                                 AND p.valid OPERATOR(pg_catalog.@>) d.day) m
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
         GROUP BY m.organization
    ), judged AS (
        SELECT o.id, o.kind, own.kpi, gridgov.kpi_score(own.kpi) AS score,
               CASE WHEN o.kind OPERATOR(pg_catalog.=) 'governance_squad'
                     AND c.kind OPERATOR(pg_catalog.=) 'community_committee'
                    THEN (SELECT gridgov.kpi_score(gridgov.kpi_merge(u.kpi))
                            FROM gridgov.kpi_unit_daily u
                           WHERE u.unit OPERATOR(gridgov.=) c.anchor
                             AND u.day OPERATOR(pg_catalog.>=) from_day
                             AND u.day OPERATOR(pg_catalog.<=) to_day) END AS committee_score
          FROM own
          JOIN gridgov.organization o ON o.id OPERATOR(pg_catalog.=) own.organization
          LEFT JOIN gridgov.organization c ON c.id OPERATOR(pg_catalog.=) o.parent
    )
    SELECT j.id, j.kind, j.kpi, j.score, j.committee_score,
           CASE WHEN j.committee_score IS NULL THEN j.score
                ELSE pg_catalog.round((0.5 OPERATOR(pg_catalog.*) j.score) OPERATOR(pg_catalog.+)
                                      (0.5 OPERATOR(pg_catalog.*) j.committee_score), 2) END
      FROM judged j
     ORDER BY j.id;
END;
$$;
COMMENT ON FUNCTION gridgov.kpi_by_organization(date, date) IS
    'KPI state, kpi_score and assessment of each organization whose people handled cases reported from from_day to to_day: a governance squad under a community committee is assessed 50% on its score and 50% on the committee''s, the score of the community''s cases';

-- ======================================================================
-- Through the lineage of redrawn grids (docs/layers.md, "KPIs and risk
-- across a redraw")
-- ======================================================================

-- The cases of a period that belong to a grid as it is now, whatever grids
-- they were reported to.  A case with a location is routed again against
-- today's grids (grid_at): exact, for a split as for a merge or a reshape.
-- A case without one (its unit given at intake) follows the lineage back
-- from the grid to the versions it came from, weighted by the share of
-- each old version's area that went to the grid (summed over the paths):
-- 1 for the cases of a grid merged whole into it, a share of area, an
-- estimate, for those of a grid split or shrunk.
CREATE FUNCTION gridgov.lineage_cases(grid gridgov.gridcode, from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (id bigint, unit gridgov.gridcode, reported_at timestamptz, weight double precision,
                   mapped text)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 100
AS $$
#variable_conflict use_column
DECLARE
    given gridgov.unit;
BEGIN
    SELECT u.* INTO given FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.=) lineage_cases.grid AND u.level OPERATOR(pg_catalog.=) 6
       AND gridgov.unit_is_current(u.valid_to);
    IF given.code IS NULL THEN
        RAISE EXCEPTION 'unit % is not a grid in force', lineage_cases.grid
            USING ERRCODE = 'GG011',
                  HINT = 'The cases are mapped onto a grid (level 6) in force in gridgov.unit.';
    END IF;
    IF from_ts OPERATOR(pg_catalog.>=) to_ts THEN
        RAISE EXCEPTION 'the period from % to % is empty', from_ts, to_ts
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the start of the period, then its end (not included).';
    END IF;
    RETURN QUERY
    WITH RECURSIVE ancestry (code, valid_from, weight) AS (
        SELECT given.code, given.valid_from, 1::double precision
        UNION ALL
        SELECT l.old_code, l.old_valid_from, a.weight OPERATOR(pg_catalog.*) l.share_of_old
          FROM ancestry a
          JOIN gridgov.grid_lineage l
            ON l.new_code OPERATOR(gridgov.=) a.code AND l.new_valid_from OPERATOR(pg_catalog.=) a.valid_from
    ), versions AS (
        SELECT a.code, v.routes_from, v.valid_to, pg_catalog.sum(a.weight) AS weight
          FROM ancestry a
          JOIN gridgov.unit_versions v
            ON v.code OPERATOR(gridgov.=) a.code AND v.valid_from OPERATOR(pg_catalog.=) a.valid_from
         GROUP BY a.code, v.routes_from, v.valid_to
    )
    SELECT c.id, c.unit, c.reported_at, 1::double precision, 'location'::text
      FROM gridgov.cases c
     WHERE c.unit OPERATOR(gridgov.<@) given.parent AND c.location IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) from_ts AND c.reported_at OPERATOR(pg_catalog.<) to_ts
       AND gridgov.grid_at(c.location, given.layer) OPERATOR(gridgov.=) given.code
    UNION ALL
    SELECT c.id, c.unit, c.reported_at, v.weight, 'lineage'::text
      FROM versions v
      JOIN gridgov.cases c
        ON c.unit OPERATOR(gridgov.=) v.code AND c.reported_at OPERATOR(pg_catalog.>=) v.routes_from
       AND (v.valid_to IS NULL OR c.reported_at OPERATOR(pg_catalog.<) v.valid_to)
     WHERE c.location IS NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) from_ts AND c.reported_at OPERATOR(pg_catalog.<) to_ts
     ORDER BY 3, 1;
END;
$$;
COMMENT ON FUNCTION gridgov.lineage_cases(gridgov.gridcode, timestamptz, timestamptz) IS
    'the cases reported from from_ts to to_ts (not included) that belong to a grid in force as it is now: by location routed again (weight 1), or without one through grid_lineage, weighted by the share of area the grid took of the grid they were reported to';

-- A grid's KPIs over a period that spans redraws: the state of the whole
-- cases lineage_cases gives (weight 1), and, apart, the estimate of the
-- cases without a location that came with a share of a split or shrunk
-- grid, which a state cannot hold in part.
CREATE FUNCTION gridgov.kpi_through_lineage(grid gridgov.gridcode, from_ts timestamptz, to_ts timestamptz,
                                                as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (kpi gridgov.kpi_state, by_location bigint, by_lineage bigint, apportioned double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 1
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH l AS (SELECT * FROM gridgov.lineage_cases(grid, from_ts, to_ts))
    SELECT (SELECT gridgov.kpi(c, as_of) FROM gridgov.cases c
             WHERE c.id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT l.id FROM l
                                                           WHERE l.weight OPERATOR(pg_catalog.>) 0.999999999))),
           (SELECT pg_catalog.count(*) FROM l WHERE l.mapped OPERATOR(pg_catalog.=) 'location'),
           (SELECT pg_catalog.count(*) FROM l WHERE l.mapped OPERATOR(pg_catalog.=) 'lineage'
                                              AND l.weight OPERATOR(pg_catalog.>) 0.999999999),
           (SELECT COALESCE(pg_catalog.sum(l.weight), 0) FROM l
             WHERE l.weight OPERATOR(pg_catalog.<=) 0.999999999);
END;
$$;
COMMENT ON FUNCTION gridgov.kpi_through_lineage(gridgov.gridcode, timestamptz, timestamptz, timestamptz) IS
    'KPI state at as_of of the whole cases of a grid in force over a period that spans redraws (lineage_cases of weight 1), with how many came by location and by lineage, and the apportioned estimate of cases without a location from split or shrunk grids';
