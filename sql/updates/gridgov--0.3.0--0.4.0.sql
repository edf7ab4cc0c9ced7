-- gridgov 0.3.0--0.4.0: a released script, frozen: it never changes (sql/updates/SHA256SUMS).
\echo Use "CREATE EXTENSION gridgov" to load this file. \quit
-- gridgov pillar 4: KPI aggregates
--
-- gridgov.kpi(c) counts what the 12345 hotlines and digital urban
-- management report (received, accepted, closed, on time, reworked, ...)
-- and sketches the working hours to acceptance and to closure, into a
-- state of type kpi_state (src/kpi.c).  The state is a real type, not
-- internal: it is stored in rollups (kpi_daily), merged with kpi_merge,
-- combined across parallel workers (and, later, Citus shards), and read
-- with the accessors below.  Every figure's definition is in docs/kpi.md.

CREATE TYPE @extschema@.kpi_state;

CREATE FUNCTION @extschema@.kpi_state_in(cstring) RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.kpi_state_out(@extschema@.kpi_state) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.kpi_state_recv(internal) RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.kpi_state_send(@extschema@.kpi_state) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A varlena; large states (a district over years) are compressed.
CREATE TYPE @extschema@.kpi_state (
    INPUT = @extschema@.kpi_state_in,
    OUTPUT = @extschema@.kpi_state_out,
    RECEIVE = @extschema@.kpi_state_recv,
    SEND = @extschema@.kpi_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended,
    CATEGORY = 'U'
);
COMMENT ON TYPE @extschema@.kpi_state IS
    'mergeable KPI state of a set of cases: counters and sketches of working hours to acceptance and closure; read it with the accessors';

COMMENT ON FUNCTION @extschema@.kpi_state_in(cstring) IS
    'kpi_state from its text form, a JSON object such as {"version": 1, "received": 3, ...}';
COMMENT ON FUNCTION @extschema@.kpi_state_out(@extschema@.kpi_state) IS
    'text form of a kpi_state: a JSON object with every counter and both sketches';
COMMENT ON FUNCTION @extschema@.kpi_state_recv(internal) IS 'kpi_state from its binary form';
COMMENT ON FUNCTION @extschema@.kpi_state_send(@extschema@.kpi_state) IS 'binary form of a kpi_state';

-- The aggregates.  The transition functions read the calendar tables
-- (working time), hence STABLE.  They update the state in place when called
-- as an aggregate; the final function packs it.
CREATE FUNCTION @extschema@.kpi_accum(state @extschema@.kpi_state, c @extschema@.cases, as_of timestamptz)
    RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_accum(@extschema@.kpi_state, @extschema@.cases, timestamptz) IS
    'transition function of kpi(cases, timestamptz): the state with one more case counted at as_of';

CREATE FUNCTION @extschema@.kpi_accum(state @extschema@.kpi_state, c @extschema@.cases)
    RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_accum_now' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_accum(@extschema@.kpi_state, @extschema@.cases) IS
    'transition function of kpi(cases): the state with one more case counted at now()';

CREATE FUNCTION @extschema@.kpi_combine(@extschema@.kpi_state, @extschema@.kpi_state)
    RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_combine(@extschema@.kpi_state, @extschema@.kpi_state) IS
    'the state of the cases of both states: counters added, sketches merged';

CREATE FUNCTION @extschema@.kpi_final(@extschema@.kpi_state)
    RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_final(@extschema@.kpi_state) IS
    'final function of the kpi aggregates: the state in its compact stored form; an empty state for no rows';

CREATE AGGREGATE @extschema@.kpi(c @extschema@.cases, as_of timestamptz) (
    SFUNC = @extschema@.kpi_accum,
    STYPE = @extschema@.kpi_state,
    SSPACE = 400,
    FINALFUNC = @extschema@.kpi_final,
    COMBINEFUNC = @extschema@.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi(@extschema@.cases, timestamptz) IS
    'KPI state of a set of cases; open and overdue cases are counted at as_of';

CREATE AGGREGATE @extschema@.kpi(c @extschema@.cases) (
    SFUNC = @extschema@.kpi_accum,
    STYPE = @extschema@.kpi_state,
    SSPACE = 400,
    FINALFUNC = @extschema@.kpi_final,
    COMBINEFUNC = @extschema@.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi(@extschema@.cases) IS
    'KPI state of a set of cases; open and overdue cases are counted at now()';

CREATE AGGREGATE @extschema@.kpi_merge(@extschema@.kpi_state) (
    SFUNC = @extschema@.kpi_combine,
    STYPE = @extschema@.kpi_state,
    SSPACE = 400,
    FINALFUNC = @extschema@.kpi_final,
    COMBINEFUNC = @extschema@.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_merge(@extschema@.kpi_state) IS
    'merge stored KPI states (rollups) into one: the same counts and sketches as a scan of all their cases';

-- Accessors: counts are bigint, rates numeric (NULL when the denominator
-- is 0), percentiles float8 working hours (NULL when nothing was measured).
CREATE FUNCTION @extschema@.received(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_received' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.received(@extschema@.kpi_state) IS
    '受理数: cases reported';
CREATE FUNCTION @extschema@.accepted(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_accepted' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.accepted(@extschema@.kpi_state) IS
    '立案数: cases accepted (accepted_at set)';
CREATE FUNCTION @extschema@.dispatched(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_dispatched' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dispatched(@extschema@.kpi_state) IS
    'cases dispatched (dispatched_at set)';
CREATE FUNCTION @extschema@.due_to_close(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_due_to_close' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.due_to_close(@extschema@.kpi_state) IS
    '应结案数: closed cases, and accepted open cases overdue at as_of';
CREATE FUNCTION @extschema@.closed(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_closed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.closed(@extschema@.kpi_state) IS
    '结案数: cases with status closed';
CREATE FUNCTION @extschema@.closure_rate(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_closure_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.closure_rate(@extschema@.kpi_state) IS
    '结案率: closed / due_to_close';
CREATE FUNCTION @extschema@.closed_on_time(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_closed_on_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.closed_on_time(@extschema@.kpi_state) IS
    'closed cases that missed no stage deadline (deadlines_missed = 0)';
CREATE FUNCTION @extschema@.on_time_rate(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_on_time_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.on_time_rate(@extschema@.kpi_state) IS
    '按期结案率: closed_on_time / closed';
CREATE FUNCTION @extschema@.reworked(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_reworked' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.reworked(@extschema@.kpi_state) IS
    '返工数: cases reopened at least once';
CREATE FUNCTION @extschema@.rework_rate(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_rework_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rework_rate(@extschema@.kpi_state) IS
    '返工率: reworked / closed';
CREATE FUNCTION @extschema@.extended(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.extended(@extschema@.kpi_state) IS
    'cases extended at least once';
CREATE FUNCTION @extschema@.extension_rate(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_extension_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.extension_rate(@extschema@.kpi_state) IS
    '延期率: extended / dispatched';
CREATE FUNCTION @extschema@.returned(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_returned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.returned(@extschema@.kpi_state) IS
    'cases returned by a service point at least once';
CREATE FUNCTION @extschema@.escalated(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_escalated' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.escalated(@extschema@.kpi_state) IS
    'cases escalated at least once, at intake included';
CREATE FUNCTION @extschema@.escalation_rate(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_escalation_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.escalation_rate(@extschema@.kpi_state) IS
    'escalated / accepted';
CREATE FUNCTION @extschema@.settled_in_community(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_settled_in_community' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.settled_in_community(@extschema@.kpi_state) IS
    'closed cases handled at community level (handling_level 5)';
CREATE FUNCTION @extschema@.community_share(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_community_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.community_share(@extschema@.kpi_state) IS
    '小事不出村: settled_in_community / closed';
CREATE FUNCTION @extschema@.open_now(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_open_now' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.open_now(@extschema@.kpi_state) IS
    'cases reported by as_of and not closed, rejected or merged';
CREATE FUNCTION @extschema@.overdue_now(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_overdue_now' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.overdue_now(@extschema@.kpi_state) IS
    'open cases whose stage deadline passed before as_of, or before their suspension (case_clock''s red light)';
CREATE FUNCTION @extschema@.evaluated(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_evaluated' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.evaluated(@extschema@.kpi_state) IS
    'closed cases with a satisfaction';
CREATE FUNCTION @extschema@.satisfied(@extschema@.kpi_state) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kpi_satisfied' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.satisfied(@extschema@.kpi_state) IS
    'closed cases with a satisfaction of 4 or 5';
CREATE FUNCTION @extschema@.satisfaction_mean(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_satisfaction_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.satisfaction_mean(@extschema@.kpi_state) IS
    'mean satisfaction (1 to 5) of the evaluated cases';
CREATE FUNCTION @extschema@.satisfied_share(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_satisfied_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.satisfied_share(@extschema@.kpi_state) IS
    'satisfied / evaluated';
CREATE FUNCTION @extschema@.accept_hours(@extschema@.kpi_state, fraction float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'kpi_accept_hours' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.accept_hours(@extschema@.kpi_state, float8) IS
    'working hours from report to acceptance at a fraction (0.5 the median), within 0.5% of percentile_disc';
CREATE FUNCTION @extschema@.close_hours(@extschema@.kpi_state, fraction float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'kpi_close_hours' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.close_hours(@extschema@.kpi_state, float8) IS
    'working hours from report to closure at a fraction (0.5 the median), within 0.5% of percentile_disc';
CREATE FUNCTION @extschema@.kpi_json(@extschema@.kpi_state) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kpi_json' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_json(@extschema@.kpi_state) IS
    'every figure of a kpi_state as one jsonb object: counts, rates, satisfaction, p50/p90/p99 working hours';

-- Daily rollups: one state per day (in gridgov.calendar_timezone), grid and
-- category.  Months, districts and any other grouping are kpi_merge over
-- these rows.
CREATE TABLE @extschema@.kpi_daily (
    day         date NOT NULL,
    unit        @extschema@.gridcode NOT NULL,
    category    text NOT NULL,
    kpi         @extschema@.kpi_state NOT NULL,
    PRIMARY KEY (day, unit, category)
);
COMMENT ON TABLE @extschema@.kpi_daily IS
    'KPI state of the cases reported on a day (calendar time zone) per unit and category; filled by refresh_kpi_daily';
COMMENT ON COLUMN @extschema@.kpi_daily.kpi IS
    'kpi(cases, as_of) of those cases, as_of being the refresh''s';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_daily', '');

-- Refreshing recent days reads only their cases: cases arrive in the order
-- of reported_at, which a BRIN index follows at almost no cost.
CREATE INDEX cases_reported_at ON @extschema@.cases USING brin (reported_at);

CREATE FUNCTION @extschema@.refresh_kpi_daily(from_day date, to_day date,
                                              as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone text;
    written bigint;
BEGIN
    zone := @extschema@.calendar_timezone();
    IF from_day IS NULL OR to_day IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'refresh_kpi_daily needs a first day, a last day and as_of, not NULL'
            USING ERRCODE = '22004';
    END IF;
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'first day % is after last day %', from_day, to_day
            USING ERRCODE = '22023', HINT = 'Give the days in order; both are included.';
    END IF;
    -- one refresh at a time; readers are not blocked
    LOCK TABLE @extschema@.kpi_daily IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM @extschema@.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_kpi_daily(date, date, timestamptz) IS
    'recompute kpi_daily for the days from_day to to_day (both included) at as_of; returns the rows written';
-- gridgov pillar 4: risk scores and warning colours
--
-- The real-time risk map (实时风险预警图) colours each unit blue, yellow,
-- orange or red by a risk score: every case contributes a weight by its
-- severity that halves every half-life after its report,
--
--     score(as_of) = Σ weight(severity) · 2^(−(as_of − reported_at) / half_life)
--
-- over the cases reported at or before as_of, rejected and merged cases
-- excepted.  A case keeps contributing, decaying, after it is closed: the
-- score measures how much trouble a place has seen lately, not its backlog
-- (the KPIs count open and overdue cases).  It depends only on columns the
-- case engine never changes after the report (severity, reported_at) and on
-- the early states rejected and merged, so a day's share settles within days
-- and a daily rollup of it stays exact.
--
-- The weights, the half-life and the colour thresholds are configuration
-- tables that start empty: a missing row means the built-in default, so
-- pg_dump keeps exactly what was changed and a restore never collides with
-- rows of the install script.  The aggregate reads them once per query.

CREATE TABLE @extschema@.risk_weight (
    severity    smallint PRIMARY KEY CONSTRAINT risk_weight_severity CHECK (severity BETWEEN 1 AND 4),
    weight      float8 NOT NULL
                CONSTRAINT risk_weight_finite CHECK (weight OPERATOR(pg_catalog.>=) 0
                                                     AND weight OPERATOR(pg_catalog.<) 'Infinity'::float8)
);
COMMENT ON TABLE @extschema@.risk_weight IS
    'risk weight of a case by severity; a severity without a row weighs 2^(severity-1): 1, 2, 4, 8';

CREATE TABLE @extschema@.risk_setting (
    only_row    boolean PRIMARY KEY DEFAULT true CONSTRAINT risk_setting_one_row CHECK (only_row),
    half_life   interval NOT NULL
                CONSTRAINT risk_setting_half_life CHECK (half_life OPERATOR(pg_catalog.>=) interval '1 minute')
);
COMMENT ON TABLE @extschema@.risk_setting IS
    'at most one row: the half-life of a case''s risk contribution (7 days without a row)';
COMMENT ON COLUMN @extschema@.risk_setting.half_life IS
    'counted as EXTRACT(epoch FROM half_life) seconds: a day is 24 hours, a month 30 days';

CREATE TABLE @extschema@.risk_color (
    level       integer CONSTRAINT risk_color_level CHECK (level BETWEEN 1 AND 7),
    color       text NOT NULL CONSTRAINT risk_color_color CHECK (color IN ('blue', 'yellow', 'orange', 'red')),
    min_score   float8 NOT NULL
                CONSTRAINT risk_color_min_score CHECK (min_score OPERATOR(pg_catalog.>=) 0
                                                       AND min_score OPERATOR(pg_catalog.<) 'Infinity'::float8),
    CONSTRAINT risk_color_blue_from_zero CHECK (color OPERATOR(pg_catalog.<>) 'blue' OR min_score OPERATOR(pg_catalog.=) 0),
    CONSTRAINT risk_color_one_per_level UNIQUE NULLS NOT DISTINCT (level, color)
);
COMMENT ON TABLE @extschema@.risk_color IS
    'warning colours of the risk map: a score gets the most severe colour whose min_score it reaches, blue below all';
COMMENT ON COLUMN @extschema@.risk_color.level IS
    'the unit level the thresholds are for; NULL: every level without rows of its own';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.risk_weight', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.risk_setting', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.risk_color', '');

-- The settings in force, defaults filled in.
CREATE FUNCTION @extschema@.risk_half_life() RETURNS interval
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT s.half_life FROM @extschema@.risk_setting s), interval '7 days');
END;
COMMENT ON FUNCTION @extschema@.risk_half_life() IS
    'the half-life in force: gridgov.risk_setting, else 7 days';

CREATE FUNCTION @extschema@.risk_weights() RETURNS float8[]
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.array_agg(COALESCE(w.weight, 2::float8 OPERATOR(pg_catalog.^) (s.severity OPERATOR(pg_catalog.-) 1))
                                ORDER BY s.severity)
      FROM pg_catalog.generate_series(1, 4) AS s(severity)
      LEFT JOIN @extschema@.risk_weight w ON w.severity OPERATOR(pg_catalog.=) s.severity;
END;
COMMENT ON FUNCTION @extschema@.risk_weights() IS
    'the weights in force for severities 1 to 4: gridgov.risk_weight, else 2^(severity-1)';

CREATE FUNCTION @extschema@.risk_thresholds(level integer DEFAULT NULL)
    RETURNS TABLE (color text, min_score float8)
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 4
BEGIN ATOMIC
    WITH chosen AS (
        -- the level's own rows, else the rows for every level, else built in
        SELECT rc.color, rc.min_score, 1 AS source
          FROM @extschema@.risk_color rc WHERE rc.level OPERATOR(pg_catalog.=) risk_thresholds.level
        UNION ALL
        SELECT rc.color, rc.min_score, 2 FROM @extschema@.risk_color rc WHERE rc.level IS NULL
        UNION ALL
        SELECT d.color, d.min_score, 3
          FROM (VALUES ('blue', 0::float8), ('yellow', 50), ('orange', 100), ('red', 200)) AS d(color, min_score)
    ), first_source AS (
        SELECT pg_catalog.min(ch.source) AS source FROM chosen ch
    )
    SELECT ch.color, ch.min_score
      FROM chosen ch JOIN first_source f ON ch.source OPERATOR(pg_catalog.=) f.source
     ORDER BY pg_catalog.array_position(ARRAY['blue', 'yellow', 'orange', 'red'], ch.color);
END;
COMMENT ON FUNCTION @extschema@.risk_thresholds(integer) IS
    'the colour thresholds in force at a unit level: its rows in gridgov.risk_color, else those with level NULL, else blue 0, yellow 50, orange 100, red 200';

CREATE FUNCTION @extschema@.risk_color(score float8, level integer DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN score IS NULL THEN NULL
                ELSE COALESCE((SELECT t.color
                                 FROM @extschema@.risk_thresholds(risk_color.level) t
                                WHERE t.min_score OPERATOR(pg_catalog.<=) score
                                ORDER BY pg_catalog.array_position(ARRAY['blue', 'yellow', 'orange', 'red'], t.color) DESC
                                LIMIT 1), 'blue') END;
END;
COMMENT ON FUNCTION @extschema@.risk_color(float8, integer) IS
    'warning colour of a score (blue, yellow, orange, red) by the thresholds in force at a unit level (NULL: the thresholds for every level)';

-- Days: the rollup's days are calendar dates in gridgov.calendar_timezone,
-- the zone of the working calendar, whatever the session's zone.
CREATE FUNCTION @extschema@.risk_day(at timestamptz) RETURNS date
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN (at AT TIME ZONE @extschema@.calendar_timezone())::date;
COMMENT ON FUNCTION @extschema@.risk_day(timestamptz) IS
    'the date of an instant in gridgov.calendar_timezone: the day of the risk rollup it falls in';

CREATE FUNCTION @extschema@.risk_day_end(day date) RETURNS timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN (day OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE @extschema@.calendar_timezone();
COMMENT ON FUNCTION @extschema@.risk_day_end(date) IS
    'the instant a day of gridgov.calendar_timezone ends (the next day''s midnight there)';

-- The aggregate (src/risk.c).  The state is a float8[]: {as_of in
-- microseconds since 2000, half-life in seconds, score, cases}.
CREATE FUNCTION @extschema@.risk_transition(float8[], @extschema@.cases, timestamptz) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gridgov_risk_transition' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.risk_transition(float8[], @extschema@.cases, timestamptz) IS
    'transition function of risk(): adds a case''s decayed, weighted contribution (reads the risk settings once per query)';
CREATE FUNCTION @extschema@.risk_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gridgov_risk_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.risk_combine(float8[], float8[]) IS
    'combine function of risk(): the sum of two partial states with the same as_of';
CREATE FUNCTION @extschema@.risk_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'gridgov_risk_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.risk_final(float8[]) IS
    'final function of risk(): the score, 0 without cases';
CREATE FUNCTION @extschema@.risk_cases_final(float8[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_risk_cases_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.risk_cases_final(float8[]) IS
    'final function of risk_cases(): the number of cases that contributed';

CREATE AGGREGATE @extschema@.risk(c @extschema@.cases, as_of timestamptz) (
    SFUNC = @extschema@.risk_transition,
    STYPE = float8[],
    FINALFUNC = @extschema@.risk_final,
    COMBINEFUNC = @extschema@.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.risk(@extschema@.cases, timestamptz) IS
    'risk score at as_of: sum of weight(severity) * 2^(-(as_of - reported_at) / half_life) over cases reported by as_of, rejected and merged ones excepted';

CREATE AGGREGATE @extschema@.risk_cases(c @extschema@.cases, as_of timestamptz) (
    SFUNC = @extschema@.risk_transition,
    STYPE = float8[],
    FINALFUNC = @extschema@.risk_cases_final,
    COMBINEFUNC = @extschema@.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.risk_cases(@extschema@.cases, timestamptz) IS
    'the number of cases that risk() counts at as_of (it shares risk()''s state in one query)';

-- The rollup: per day, unit (the case's) and severity, the day's cases and
-- their unweighted mass referenced to the day's end,
--     mass = Σ 2^(−(day_end − reported_at) / half_life),
-- so that at any instant as_of after the day's end the day contributes
--     weight(severity) · mass · 2^(−(as_of − day_end) / half_life)
-- which is exactly its cases' share of risk(c, as_of).  The weights are
-- applied when reading, so changing them needs no refresh; a new half-life
-- or calendar zone does, and until then the readers ignore the rollup.
CREATE TABLE @extschema@.risk_daily (
    day         date NOT NULL,
    unit        @extschema@.gridcode NOT NULL,
    severity    smallint NOT NULL CONSTRAINT risk_daily_severity CHECK (severity BETWEEN 1 AND 4),
    cases       bigint NOT NULL,
    mass        float8 NOT NULL,
    PRIMARY KEY (unit, day, severity)
);
COMMENT ON TABLE @extschema@.risk_daily IS
    'risk rollup: per day (in gridgov.calendar_timezone), unit and severity, the cases and their mass decayed to the day''s end; filled by refresh_risk_daily()';
CREATE INDEX risk_daily_day ON @extschema@.risk_daily (day);
COMMENT ON COLUMN @extschema@.risk_daily.mass IS
    'sum of 2^(-(day_end - reported_at) / half_life) over the day''s counted cases, unweighted';

CREATE TABLE @extschema@.risk_rollup (
    only_row    boolean PRIMARY KEY DEFAULT true CONSTRAINT risk_rollup_one_row CHECK (only_row),
    through     date NOT NULL,
    half_life   interval NOT NULL,
    timezone    text NOT NULL,
    refreshed_at timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.risk_rollup IS
    'the state of gridgov.risk_daily: every day up to through is in it, computed with this half-life and zone';

-- A rollup is costly to rebuild on a large table of cases: pg_dump keeps it.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.risk_daily', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.risk_rollup', '');

-- The last day of risk_daily that the readers may use: NULL when the rollup
-- is empty or was computed with another half-life or zone.
CREATE FUNCTION @extschema@.risk_rollup_through() RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r.through FROM @extschema@.risk_rollup r
     WHERE r.half_life OPERATOR(pg_catalog.=) @extschema@.risk_half_life()
       AND r.timezone OPERATOR(pg_catalog.=) @extschema@.calendar_timezone();
END;
COMMENT ON FUNCTION @extschema@.risk_rollup_through() IS
    'the last day of gridgov.risk_daily usable with the settings in force; NULL when there is none';

CREATE FUNCTION @extschema@.refresh_risk_daily(from_day date DEFAULT NULL, to_day date DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    usable date;
    first_day date;
    written bigint;
BEGIN
    -- one refresh at a time; readers go on reading the previous rollup
    LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
    to_day := COALESCE(to_day, @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1);
    usable := @extschema@.risk_rollup_through();
    IF usable IS NULL THEN
        -- nothing usable: rebuild from the first case
        SELECT @extschema@.risk_day(pg_catalog.min(c.reported_at)) INTO first_day FROM @extschema@.cases c;
        from_day := LEAST(from_day, first_day, to_day);
        from_day := COALESCE(from_day, first_day, to_day);
        DELETE FROM @extschema@.risk_daily;
    ELSE
        -- by default the last 7 days again: rejections and merges come late
        from_day := COALESCE(from_day, LEAST(usable, to_day) OPERATOR(pg_catalog.-) 6);
        IF from_day OPERATOR(pg_catalog.>) (usable OPERATOR(pg_catalog.+) 1) THEN
            RAISE EXCEPTION 'refreshing from % would leave a gap after %, the last day of the risk rollup',
                            from_day, usable
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Refresh from %s or earlier.', usable OPERATOR(pg_catalog.+) 1);
        END IF;
        DELETE FROM @extschema@.risk_daily d
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    END IF;
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'from_day % is after to_day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass)
    SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
           pg_catalog.sum(2::float8 OPERATOR(pg_catalog.^)
                          ((OPERATOR(pg_catalog.-) EXTRACT(epoch FROM @extschema@.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8)
                           OPERATOR(pg_catalog./) half_life_seconds))
      FROM (SELECT @extschema@.risk_day(c.reported_at) AS day, c.unit, c.severity, c.reported_at
              FROM @extschema@.cases c
             WHERE c.reported_at OPERATOR(pg_catalog.>=) @extschema@.risk_day_end(from_day OPERATOR(pg_catalog.-) 1)
               AND c.reported_at OPERATOR(pg_catalog.<) @extschema@.risk_day_end(to_day)
               AND c.status NOT IN ('rejected', 'merged')) k
     GROUP BY k.day, k.unit, k.severity;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO @extschema@.risk_rollup (through, half_life, timezone, refreshed_at)
    VALUES (GREATEST(usable, to_day), @extschema@.risk_half_life(), zone, pg_catalog.now())
    ON CONFLICT (only_row) DO UPDATE
       SET through = EXCLUDED.through, half_life = EXCLUDED.half_life,
           timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_risk_daily(date, date) IS
    'recompute gridgov.risk_daily from from_day (default: 6 days before its last day, or the first case when it is not usable) to to_day (default: yesterday); returns the rows written';

-- Scores from the rollup plus the cases after it: for the unit under and
-- every unit below it down to max_level, the score at as_of (units without
-- cases are left out).  Days the rollup holds and that end by as_of come
-- from risk_daily; cases from then on are aggregated from gridgov.cases.
-- Exactly risk() over the subtree's cases, up to float rounding, as long
-- as the rollup is fresh.
CREATE FUNCTION @extschema@.risk_scores(under @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now(),
                                        max_level integer DEFAULT 6)
    RETURNS TABLE (unit @extschema@.gridcode, score float8, cases bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    WITH settings AS (
        -- last_day NULL without a usable rollup: everything from the cases
        SELECT CASE WHEN r.through IS NOT NULL
                    THEN LEAST(r.through, @extschema@.risk_day(as_of) OPERATOR(pg_catalog.-) 1) END AS last_day,
               EXTRACT(epoch FROM @extschema@.risk_half_life())::float8 AS half_life,
               @extschema@.risk_weights() AS weights
          FROM (SELECT @extschema@.risk_rollup_through() AS through) r
    ), levels AS (
        SELECT l.level FROM pg_catalog.generate_series(@extschema@.level(under), LEAST(max_level, 7)) AS l(level)
    ), decay AS (
        -- per day of the rollup, the decay from its end to as_of
        SELECT g.day::date AS day,
               2::float8 OPERATOR(pg_catalog.^)
               ((OPERATOR(pg_catalog.-) EXTRACT(epoch FROM as_of OPERATOR(pg_catalog.-) @extschema@.risk_day_end(g.day::date))::float8)
                OPERATOR(pg_catalog./) s.half_life) AS factor
          FROM settings s
         CROSS JOIN LATERAL pg_catalog.generate_series(
               (SELECT pg_catalog.min(d.day) FROM @extschema@.risk_daily d)::timestamp,
               s.last_day::timestamp, interval '1 day') AS g(day)
    ), rolled_units AS (
        SELECT d.unit,
               pg_catalog.sum(d.mass OPERATOR(pg_catalog.*) s.weights[d.severity] OPERATOR(pg_catalog.*) f.factor) AS score,
               pg_catalog.sum(d.cases) AS cases
          FROM settings s
          JOIN @extschema@.risk_daily d ON d.day OPERATOR(pg_catalog.<=) s.last_day
          JOIN decay f ON f.day OPERATOR(pg_catalog.=) d.day
         WHERE d.unit OPERATOR(@extschema@.<@) under
         GROUP BY d.unit
    ), rolled AS (
        SELECT @extschema@.ancestor(r.unit, lv.level) AS unit, pg_catalog.sum(r.score) AS score,
               pg_catalog.sum(r.cases)::bigint AS cases
          FROM rolled_units r
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(r.unit)
         GROUP BY 1
    ), recent AS (
        SELECT @extschema@.ancestor(c.unit, lv.level) AS unit,
               @extschema@.risk(c, as_of) AS score,
               @extschema@.risk_cases(c, as_of) AS cases
          FROM settings s
          JOIN @extschema@.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) COALESCE(@extschema@.risk_day_end(s.last_day), '-infinity')
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(c.unit)
         WHERE c.unit OPERATOR(@extschema@.<@) under
         GROUP BY 1
    )
    SELECT b.unit, pg_catalog.sum(b.score), pg_catalog.sum(b.cases)::bigint
      FROM (SELECT * FROM rolled UNION ALL SELECT * FROM recent) b
     WHERE b.cases OPERATOR(pg_catalog.>) 0
     GROUP BY b.unit
     ORDER BY b.unit;
END;
COMMENT ON FUNCTION @extschema@.risk_scores(@extschema@.gridcode, timestamptz, integer) IS
    'risk score and counted cases at as_of of a unit and of every unit below it down to max_level (units without cases left out), from the rollup and the cases after it';

CREATE FUNCTION @extschema@.risk_now(unit @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS float8
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT s.score FROM @extschema@.risk_scores(unit, as_of, @extschema@.level(unit)) s), 0);
END;
COMMENT ON FUNCTION @extschema@.risk_now(@extschema@.gridcode, timestamptz) IS
    'risk score of a unit''s subtree at as_of (default now) from the rollup and the cases after it; equals risk() over the subtree''s cases';

-- Risk by Beidou cell, from the cases (the rollup is by unit): for every
-- cell at a level within an area cell, the score at as_of.
CREATE FUNCTION @extschema@.risk_cells(area @extschema@.gridcell, level integer,
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (cell @extschema@.gridcell, score float8, cases bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    SELECT @extschema@.parent(c.cell, risk_cells.level),
           @extschema@.risk(c, as_of), @extschema@.risk_cases(c, as_of)
      FROM @extschema@.cases c
     WHERE c.cell OPERATOR(@extschema@.<@) area
       AND c.reported_at OPERATOR(pg_catalog.<=) as_of
     GROUP BY 1
    HAVING @extschema@.risk_cases(c, as_of) OPERATOR(pg_catalog.>) 0
     ORDER BY 1;
END;
COMMENT ON FUNCTION @extschema@.risk_cells(@extschema@.gridcell, integer, timestamptz) IS
    'risk score and counted cases at as_of of every Beidou cell at a level inside an area cell (cells without cases left out)';
-- gridgov pillar 4: views and map functions for BI and GIS tools
--
-- Metabase, Superset, Grafana, QGIS and ogr2ogr read these over standard
-- drivers without knowing gridgov's types: every column is text, integer,
-- bigint, numeric, double precision, date, timestamptz, jsonb or geometry
-- (codes are their text form, which sorts like the codes).  Rates are
-- numeric fractions between 0 and 1.  Everything here is derived: the views
-- read the cases, the rollups (kpi_daily, risk_daily) and the unit registry
-- at query time.

-- ----------------------------------------------------------------------
-- Intake, closure and KPIs, from the daily rollup kpi_daily
-- ----------------------------------------------------------------------

-- Per day (in gridgov.calendar_timezone), unit (the case's, usually a grid)
-- and category: the counts of the cases reported that day, as they stood at
-- the rollup's last refresh.  Counts only: sum them in the tool and divide
-- sums for rates (closed / due_to_close is the closure rate).  The names of
-- the community, subdistrict and district above the unit make filters easy.
CREATE VIEW @extschema@.daily_flow AS
SELECT d.day,
       d.unit::text AS unit,
       u.name AS unit_name,
       @extschema@.level(d.unit) AS level,
       @extschema@.ancestor(d.unit, 5)::text AS community,
       cm.name AS community_name,
       @extschema@.ancestor(d.unit, 4)::text AS subdistrict,
       sd.name AS subdistrict_name,
       @extschema@.ancestor(d.unit, 3)::text AS district,
       dt.name AS district_name,
       d.category,
       cat.name AS category_name,
       @extschema@.received(d.kpi) AS received,
       @extschema@.accepted(d.kpi) AS accepted,
       @extschema@.dispatched(d.kpi) AS dispatched,
       @extschema@.due_to_close(d.kpi) AS due_to_close,
       @extschema@.closed(d.kpi) AS closed,
       @extschema@.closed_on_time(d.kpi) AS closed_on_time,
       @extschema@.reworked(d.kpi) AS reworked,
       @extschema@.extended(d.kpi) AS extended,
       @extschema@.returned(d.kpi) AS returned,
       @extschema@.escalated(d.kpi) AS escalated,
       @extschema@.settled_in_community(d.kpi) AS settled_in_community,
       @extschema@.open_now(d.kpi) AS open_at_refresh,
       @extschema@.overdue_now(d.kpi) AS overdue_at_refresh,
       @extschema@.evaluated(d.kpi) AS evaluated,
       @extschema@.satisfied(d.kpi) AS satisfied
  FROM @extschema@.kpi_daily d
  LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) d.unit
  LEFT JOIN @extschema@.unit cm ON cm.code OPERATOR(@extschema@.=) @extschema@.ancestor(d.unit, 5)
  LEFT JOIN @extschema@.unit sd ON sd.code OPERATOR(@extschema@.=) @extschema@.ancestor(d.unit, 4)
  LEFT JOIN @extschema@.unit dt ON dt.code OPERATOR(@extschema@.=) @extschema@.ancestor(d.unit, 3)
  LEFT JOIN @extschema@.category cat ON cat.code OPERATOR(pg_catalog.=) d.category;
COMMENT ON VIEW @extschema@.daily_flow IS
    'daily intake and outcome per unit and category, from kpi_daily: counts of the cases reported that day as of the last refresh';

-- The KPI table of every unit at every level (province down to grid) for
-- the cases reported between two days: kpi_daily merged up the tree with
-- kpi_merge, grouped by the ancestor at each level.
CREATE FUNCTION @extschema@.kpi_by_unit(from_day date, to_day date)
    RETURNS TABLE (unit text, name text, level integer, level_name text, parent text, breadcrumb text,
                   received bigint, accepted bigint, dispatched bigint, due_to_close bigint,
                   closed bigint, closure_rate numeric, closed_on_time bigint, on_time_rate numeric,
                   reworked bigint, rework_rate numeric, extended bigint, extension_rate numeric,
                   returned bigint, escalated bigint, escalation_rate numeric,
                   settled_in_community bigint, community_share numeric,
                   open_at_refresh bigint, overdue_at_refresh bigint,
                   satisfaction_mean numeric, satisfied_share numeric,
                   accept_hours_p50 numeric, accept_hours_p90 numeric,
                   close_hours_p50 numeric, close_hours_p90 numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 500
    -- the merges' estimated cost calls for JIT compilation, which costs
    -- several times what the merges do
    SET jit = off
BEGIN ATOMIC
    SELECT m.unit::text, u.name, m.level, @extschema@.level_name(m.unit), @extschema@.parent(m.unit)::text,
           -- breadcrumb(), as an index scan per row
           (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
              FROM @extschema@.unit a
             WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
                   SELECT @extschema@.ancestor(m.unit, l.level)
                     FROM pg_catalog.generate_series(1, m.level) AS l(level)))
               AND @extschema@.unit_is_current(a)),
           @extschema@.received(m.kpi), @extschema@.accepted(m.kpi), @extschema@.dispatched(m.kpi),
           @extschema@.due_to_close(m.kpi), @extschema@.closed(m.kpi),
           pg_catalog.round(@extschema@.closure_rate(m.kpi), 4),
           @extschema@.closed_on_time(m.kpi), pg_catalog.round(@extschema@.on_time_rate(m.kpi), 4),
           @extschema@.reworked(m.kpi), pg_catalog.round(@extschema@.rework_rate(m.kpi), 4),
           @extschema@.extended(m.kpi), pg_catalog.round(@extschema@.extension_rate(m.kpi), 4),
           @extschema@.returned(m.kpi), @extschema@.escalated(m.kpi),
           pg_catalog.round(@extschema@.escalation_rate(m.kpi), 4),
           @extschema@.settled_in_community(m.kpi), pg_catalog.round(@extschema@.community_share(m.kpi), 4),
           @extschema@.open_now(m.kpi), @extschema@.overdue_now(m.kpi),
           pg_catalog.round(@extschema@.satisfaction_mean(m.kpi), 2),
           pg_catalog.round(@extschema@.satisfied_share(m.kpi), 4),
           pg_catalog.round(@extschema@.accept_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(@extschema@.accept_hours(m.kpi, 0.9)::numeric, 2),
           pg_catalog.round(@extschema@.close_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(@extschema@.close_hours(m.kpi, 0.9)::numeric, 2)
      FROM (SELECT l.level, @extschema@.ancestor(p.unit, l.level) AS unit, @extschema@.kpi_merge(p.kpi) AS kpi
              -- the period's rows merged per unit first, then up the tree
              FROM (SELECT d.unit, @extschema@.kpi_merge(d.kpi) AS kpi
                      FROM @extschema@.kpi_daily d
                     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
                     GROUP BY d.unit) p
             CROSS JOIN LATERAL pg_catalog.generate_series(1, LEAST(@extschema@.level(p.unit), 6)) AS l(level)
             GROUP BY l.level, 2) m
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) m.unit
     ORDER BY m.unit;
END;
COMMENT ON FUNCTION @extschema@.kpi_by_unit(date, date) IS
    'KPI table of every unit from province to grid for the cases reported from from_day to to_day, from kpi_daily';

-- The same per calendar month, for every month kpi_daily holds.  A filter
-- on month reaches the rollup as a range of days.
CREATE VIEW @extschema@.unit_kpi_monthly AS
SELECT mo.month::date AS month, k.*
  FROM (SELECT pg_catalog.min(d.day) AS first_day, pg_catalog.max(d.day) AS last_day
          FROM @extschema@.kpi_daily d) r
 CROSS JOIN LATERAL pg_catalog.generate_series(pg_catalog.date_trunc('month', r.first_day::timestamp),
                                               r.last_day::timestamp, interval '1 month') AS mo(month)
 CROSS JOIN LATERAL @extschema@.kpi_by_unit(mo.month::date,
                                            (mo.month OPERATOR(pg_catalog.+) interval '1 month')::date OPERATOR(pg_catalog.-) 1) k;
COMMENT ON VIEW @extschema@.unit_kpi_monthly IS
    'KPI table per month of report and unit at every level, with names and breadcrumbs, from kpi_daily';

-- ----------------------------------------------------------------------
-- The best service hall of the month
-- ----------------------------------------------------------------------

-- Every service point's KPIs for the cases routed to it at intake (the
-- report row of the case's history) and reported in a month (dates in
-- gridgov.calendar_timezone), counted at as_of, with the composite score
--
--   score = 100 * (0.30 closure_rate + 0.30 on_time_rate
--                  + 0.25 satisfied_share + 0.15 (1 - escalation_rate))
--
-- (a missing rate counts as 0), ranked among its peers (same level, same
-- department or none) when it received at least min_cases cases.
CREATE FUNCTION @extschema@.service_point_ranking(month date, as_of timestamptz DEFAULT pg_catalog.now(),
                                                  min_cases integer DEFAULT 10)
    RETURNS TABLE (month date, rank bigint, service_point integer, name text, unit text, unit_name text,
                   level integer, department text, received bigint, closed bigint,
                   closure_rate numeric, on_time_rate numeric, satisfied_share numeric,
                   satisfaction_mean numeric, escalation_rate numeric, score numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    WITH period AS (
        SELECT pg_catalog.date_trunc('month', service_point_ranking.month::timestamp) AS first_day
    ), bounds AS (
        SELECT p.first_day::date AS month,
               p.first_day AT TIME ZONE @extschema@.calendar_timezone() AS starts,
               (p.first_day OPERATOR(pg_catalog.+) interval '1 month') AT TIME ZONE @extschema@.calendar_timezone() AS ends
          FROM period p
    ), per_point AS (
        SELECT h.service_point, @extschema@.kpi(c, as_of) AS kpi
          FROM bounds b
          JOIN @extschema@.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) b.starts AND c.reported_at OPERATOR(pg_catalog.<) b.ends
          JOIN @extschema@.case_history h
            ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
           AND h.seq OPERATOR(pg_catalog.=) 1
         WHERE h.service_point IS NOT NULL
         GROUP BY h.service_point
    ), scored AS (
        SELECT sp.id, sp.name, sp.unit, sp.level, sp.department, pp.kpi,
               pg_catalog.round(100 OPERATOR(pg_catalog.*) (
                   0.30 OPERATOR(pg_catalog.*) COALESCE(@extschema@.closure_rate(pp.kpi), 0)
                   OPERATOR(pg_catalog.+) 0.30 OPERATOR(pg_catalog.*) COALESCE(@extschema@.on_time_rate(pp.kpi), 0)
                   OPERATOR(pg_catalog.+) 0.25 OPERATOR(pg_catalog.*) COALESCE(@extschema@.satisfied_share(pp.kpi), 0)
                   OPERATOR(pg_catalog.+) 0.15 OPERATOR(pg_catalog.*) (1 OPERATOR(pg_catalog.-) COALESCE(@extschema@.escalation_rate(pp.kpi), 1))),
                   2) AS score,
               @extschema@.received(pp.kpi) OPERATOR(pg_catalog.>=) min_cases AS eligible
          FROM per_point pp
          JOIN @extschema@.service_point sp ON sp.id OPERATOR(pg_catalog.=) pp.service_point
    )
    SELECT b.month,
           CASE WHEN s.eligible THEN pg_catalog.rank() OVER (PARTITION BY s.eligible, s.level, s.department
                                                             ORDER BY s.score DESC) END,
           s.id, s.name, s.unit::text, u.name, s.level, s.department,
           @extschema@.received(s.kpi), @extschema@.closed(s.kpi),
           pg_catalog.round(@extschema@.closure_rate(s.kpi), 4), pg_catalog.round(@extschema@.on_time_rate(s.kpi), 4),
           pg_catalog.round(@extschema@.satisfied_share(s.kpi), 4), pg_catalog.round(@extschema@.satisfaction_mean(s.kpi), 2),
           pg_catalog.round(@extschema@.escalation_rate(s.kpi), 4), s.score
      FROM scored s
     CROSS JOIN bounds b
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) s.unit
     ORDER BY s.level, s.department NULLS FIRST, s.eligible DESC, s.score DESC, s.id;
END;
COMMENT ON FUNCTION @extschema@.service_point_ranking(date, timestamptz, integer) IS
    'service points ranked among their peers by a composite score of the cases routed to them at intake in a month: 100 * (0.30 closure rate + 0.30 on-time rate + 0.25 satisfied share + 0.15 (1 - escalation rate))';

-- The ranking of the current month and the twelve before it, as of now.
CREATE VIEW @extschema@.service_point_monthly AS
SELECT r.*
  FROM pg_catalog.generate_series(
           pg_catalog.date_trunc('month', (pg_catalog.now() AT TIME ZONE @extschema@.calendar_timezone())) OPERATOR(pg_catalog.-) interval '12 months',
           pg_catalog.date_trunc('month', (pg_catalog.now() AT TIME ZONE @extschema@.calendar_timezone())),
           interval '1 month') AS mo(month)
 CROSS JOIN LATERAL @extschema@.service_point_ranking(mo.month::date) r;
COMMENT ON VIEW @extschema@.service_point_monthly IS
    'service points ranked by the composite score per month of report, the last 13 months, as of now (see service_point_ranking)';

-- ----------------------------------------------------------------------
-- The risk map (实时风险预警图)
-- ----------------------------------------------------------------------

-- Every current unit down to the grids, with its risk now: one pass over
-- the rollup and the recent cases per province in the registry.
CREATE VIEW @extschema@.risk_map AS
SELECT u.code::text AS unit,
       u.name,
       u.level,
       @extschema@.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       -- breadcrumb(), as an index scan per row
       (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
          FROM @extschema@.unit a
         WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor(u.code, l.level)
                 FROM pg_catalog.generate_series(1, u.level) AS l(level)))
           AND @extschema@.unit_is_current(a)) AS breadcrumb,
       COALESCE(s.score, 0) AS score,
       @extschema@.risk_color(COALESCE(s.score, 0), u.level) AS color,
       COALESCE(s.cases, 0) AS cases,
       u.boundary
  FROM @extschema@.unit u
  LEFT JOIN (SELECT rs.unit, rs.score, rs.cases
               FROM @extschema@.unit p
              CROSS JOIN LATERAL @extschema@.risk_scores(p.code, pg_catalog.now(), 6) rs
              WHERE p.level OPERATOR(pg_catalog.=) 1 AND @extschema@.unit_is_current(p)) s
         ON s.unit OPERATOR(@extschema@.=) u.code
 WHERE u.level OPERATOR(pg_catalog.<=) 6 AND @extschema@.unit_is_current(u);
COMMENT ON VIEW @extschema@.risk_map IS
    'risk map now: every current unit down to the grids with its risk score, warning colour, counted cases and boundary (MultiPolygon, SRID 4326)';
COMMENT ON COLUMN @extschema@.risk_map.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN @extschema@.risk_map.score IS
    'sum over the unit''s subtree of weight(severity) * 2^(-(now - reported_at) / half_life); see risk()';
COMMENT ON COLUMN @extschema@.risk_map.color IS 'blue, yellow, orange or red by the thresholds in force at the unit''s level';
COMMENT ON COLUMN @extschema@.risk_map.cases IS 'cases counted in the score (reported by now, not rejected or merged)';

-- One unit's risk map as GeoJSON: a FeatureCollection of its current
-- children, each with its boundary (null when it has none) and properties
-- code, name, level, score (3 decimals), color and cases.
CREATE FUNCTION @extschema@.risk_geojson(unit @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'type', 'FeatureCollection',
               'features', COALESCE(pg_catalog.jsonb_agg(f.feature ORDER BY f.code), '[]'::jsonb))
      FROM (SELECT ch.code,
                   pg_catalog.jsonb_build_object(
                       'type', 'Feature',
                       'id', ch.code::text,
                       'geometry', ST_AsGeoJSON(ch.boundary, 6)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'code', ch.code::text,
                           'name', ch.name,
                           'level', ch.level,
                           'score', pg_catalog.round(COALESCE(s.score, 0)::numeric, 3),
                           'color', @extschema@.risk_color(COALESCE(s.score, 0), ch.level),
                           'cases', COALESCE(s.cases, 0))) AS feature
              FROM @extschema@.children(unit) ch
              LEFT JOIN @extschema@.risk_scores(unit, as_of, @extschema@.level(unit) OPERATOR(pg_catalog.+) 1) s
                     ON s.unit OPERATOR(@extschema@.=) ch.code) f;
END;
COMMENT ON FUNCTION @extschema@.risk_geojson(@extschema@.gridcode, timestamptz) IS
    'GeoJSON FeatureCollection of a unit''s current children with their risk score, colour and counted cases at as_of (default now)';

-- Mapbox vector tiles (ST_AsMVT) for tile servers such as pg_tileserv and
-- martin, which call a function of z, x, y returning bytea.
CREATE FUNCTION @extschema@.check_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL)
    RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF z IS NULL OR x IS NULL OR y IS NULL THEN
        RETURN NULL;
    END IF;
    IF z OPERATOR(pg_catalog.<) 0 OR z OPERATOR(pg_catalog.>) 30 THEN
        RAISE EXCEPTION 'tile zoom % is out of range', z
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Zoom levels run from 0 to 30.';
    END IF;
    IF x OPERATOR(pg_catalog.<) 0 OR x::bigint OPERATOR(pg_catalog.>=) (1::bigint OPERATOR(pg_catalog.<<) z)
       OR y OPERATOR(pg_catalog.<) 0 OR y::bigint OPERATOR(pg_catalog.>=) (1::bigint OPERATOR(pg_catalog.<<) z) THEN
        RAISE EXCEPTION 'tile %/%/% does not exist', z, x, y
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('At zoom %s, x and y run from 0 to %s.', z,
                                           (1::bigint OPERATOR(pg_catalog.<<) z) OPERATOR(pg_catalog.-) 1);
    END IF;
    IF cell_level OPERATOR(pg_catalog.<) 1 OR cell_level OPERATOR(pg_catalog.>) 10 THEN
        RAISE EXCEPTION 'cell level % is out of range for gridcell', cell_level
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Levels run from 1 to 10.';
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_tile(integer, integer, integer, integer) IS
    'true for an existing web-mercator tile z/x/y (and a gridcell level 1 to 10 when given); an error (22023) otherwise';

-- The units at a level whose boundary meets the tile, layer "risk", with
-- attributes code, name, level, score, color and cases.
CREATE FUNCTION @extschema@.risk_tile(z integer, x integer, y integer, level integer DEFAULT 6,
                                      as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    WITH tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326
         WHERE @extschema@.check_tile(z, x, y)
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(u.boundary, 3857), t.envelope, 4096, 64, true) AS geom,
               u.code::text AS code, u.name, u.level, COALESCE(rs.score, 0) AS score,
               @extschema@.risk_color(COALESCE(rs.score, 0), u.level) AS color, COALESCE(rs.cases, 0) AS cases
          FROM tile t
          JOIN @extschema@.unit u
            ON u.boundary && t.envelope_4326
           AND u.level OPERATOR(pg_catalog.=) risk_tile.level
           AND @extschema@.unit_is_current(u)
          LEFT JOIN LATERAL @extschema@.risk_scores(u.code, as_of, u.level) rs ON true
    )
    SELECT COALESCE((SELECT ST_AsMVT(f.*, 'risk', 4096, 'geom')
                       FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea);
END;
COMMENT ON FUNCTION @extschema@.risk_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk") of the current units at a level (default 6, grids) with their risk score, colour and counted cases at as_of';

-- The Beidou cells at a level that hold cases in the tile, layer
-- "risk_cells", with attributes cell, level, score, color (the thresholds
-- for every level) and cases.  Without a cell level, the tile's zoom picks
-- one: the finest whose cells are at least 1/128 of the tile's width (2
-- pixels of a 256-pixel tile), level 5 (about 120 m) at zoom 12, 6 (60 m)
-- at 13 to 15, 7 (7 m) at 16 to 18.  The cases are found through their cell:
-- the tile is covered with a few cells of a coarser level, each one btree
-- range of gridgov.cases.cell.
CREATE FUNCTION @extschema@.risk_cell_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL,
                                           as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH widths AS (
        SELECT w.level, w.degrees
          FROM (VALUES (1, 6.0), (2, 0.5), (3, 0.25), (4, 1 / 60.0), (5, 1 / 900.0),
                       (6, 1 / 1800.0), (7, 1 / 14400.0), (8, 1 / 115200.0),
                       (9, 1 / 921600.0), (10, 1 / 7372800.0)) AS w(level, degrees)
    ), tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326,
               360.0 OPERATOR(pg_catalog./) (2::numeric OPERATOR(pg_catalog.^) z) AS degrees
         WHERE @extschema@.check_tile(z, x, y, cell_level) AND as_of IS NOT NULL
    ), levels AS (
        SELECT t.*, l.cell_level,
               -- the finest level at most cell_level whose cells are at least
               -- a quarter of the tile's width: a handful of ranges to read
               COALESCE((SELECT pg_catalog.max(w.level) FROM widths w
                          WHERE w.level OPERATOR(pg_catalog.<=) l.cell_level
                            AND w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 4)), 1) AS probe_level
          FROM tile t
         CROSS JOIN LATERAL (
               SELECT COALESCE(cell_level,
                               (SELECT pg_catalog.max(w.level) FROM widths w
                                 WHERE w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 128)), 1)
                      AS cell_level) l
    ), cells AS (
        SELECT @extschema@.parent(c.cell, lv.cell_level) AS cell,
               @extschema@.risk(c, as_of) AS score, @extschema@.risk_cases(c, as_of) AS cases
          FROM levels lv
         CROSS JOIN LATERAL @extschema@.cover(lv.envelope_4326, lv.probe_level) probe
          JOIN @extschema@.cases c
            ON c.cell OPERATOR(@extschema@.<@) probe.cell
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
         GROUP BY 1
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(@extschema@.boundary(ce.cell), 3857), lv.envelope, 4096, 64, true) AS geom,
               ce.cell::text AS cell, lv.cell_level AS level, ce.score,
               @extschema@.risk_color(ce.score, NULL) AS color, ce.cases
          FROM cells ce, levels lv
         WHERE ce.cases OPERATOR(pg_catalog.>) 0
    )
    SELECT CASE WHEN z IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL AND as_of IS NOT NULL
                THEN COALESCE((SELECT ST_AsMVT(f.*, 'risk_cells', 4096, 'geom')
                                 FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea) END;
END;
COMMENT ON FUNCTION @extschema@.risk_cell_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk_cells") of the Beidou cells at a level (default: picked by zoom) holding cases, with their risk score, colour and counted cases at as_of';
