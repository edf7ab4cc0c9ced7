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

-- ======================================================================
-- Tables
-- ======================================================================

CREATE TABLE gridgov.risk_weight (
    severity    smallint PRIMARY KEY CONSTRAINT risk_weight_severity CHECK (severity BETWEEN 1 AND 4),
    weight      float8 NOT NULL
                CONSTRAINT risk_weight_finite CHECK (weight OPERATOR(pg_catalog.>=) 0
                                                     AND weight OPERATOR(pg_catalog.<) 'Infinity'::float8)
);
COMMENT ON TABLE gridgov.risk_weight IS
    'risk weight of a case by severity; a severity without a row weighs 2^(severity-1): 1, 2, 4, 8';
COMMENT ON COLUMN gridgov.risk_weight.severity IS 'case severity, 1 to 4';
COMMENT ON COLUMN gridgov.risk_weight.weight IS
    'what a case of this severity adds to a risk score at its report, before decay (0 or more)';

CREATE TABLE gridgov.risk_setting (
    only_row    boolean PRIMARY KEY DEFAULT true CONSTRAINT risk_setting_one_row CHECK (only_row),
    half_life   interval NOT NULL
                CONSTRAINT risk_setting_half_life CHECK (half_life OPERATOR(pg_catalog.>=) interval '1 minute')
);
COMMENT ON TABLE gridgov.risk_setting IS
    'at most one row: the half-life of a case''s risk contribution (7 days without a row)';
COMMENT ON COLUMN gridgov.risk_setting.only_row IS 'always true: keeps the table to one row';
COMMENT ON COLUMN gridgov.risk_setting.half_life IS
    'counted as EXTRACT(epoch FROM half_life) seconds: a day is 24 hours, a month 30 days';

CREATE TABLE gridgov.risk_color (
    level       integer CONSTRAINT risk_color_level CHECK (level BETWEEN 1 AND 7),
    color       text NOT NULL CONSTRAINT risk_color_color CHECK (color IN ('blue', 'yellow', 'orange', 'red')),
    min_score   float8 NOT NULL
                CONSTRAINT risk_color_min_score CHECK (min_score OPERATOR(pg_catalog.>=) 0
                                                       AND min_score OPERATOR(pg_catalog.<) 'Infinity'::float8),
    CONSTRAINT risk_color_blue_from_zero CHECK (color OPERATOR(pg_catalog.<>) 'blue' OR min_score OPERATOR(pg_catalog.=) 0),
    CONSTRAINT risk_color_one_per_level UNIQUE NULLS NOT DISTINCT (level, color)
);
COMMENT ON TABLE gridgov.risk_color IS
    'warning colours of the risk map: a score gets the most severe colour whose min_score it reaches, blue below all';
COMMENT ON COLUMN gridgov.risk_color.level IS
    'the unit level the thresholds are for; NULL: every level without rows of its own';
COMMENT ON COLUMN gridgov.risk_color.color IS 'blue, yellow, orange or red';
COMMENT ON COLUMN gridgov.risk_color.min_score IS 'the lowest risk score with this colour (0 or more; 0 for blue)';

SELECT pg_catalog.pg_extension_config_dump('gridgov.risk_weight', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.risk_setting', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.risk_color', '');

-- The rollup: per day, unit (the case's) and severity, the day's cases and
-- their unweighted mass referenced to the day's end,
--     mass = Σ 2^(−(day_end − reported_at) / half_life),
-- so that at any instant as_of after the day's end the day contributes
--     weight(severity) · mass · 2^(−(as_of − day_end) / half_life)
-- which is exactly its cases' share of risk(c, as_of).  The weights are
-- applied when reading, so changing them needs no refresh; a new half-life
-- or calendar zone does, and until then the readers ignore the rollup.
CREATE TABLE gridgov.risk_daily (
    day         date NOT NULL,
    unit        gridgov.gridcode NOT NULL,
    severity    smallint NOT NULL CONSTRAINT risk_daily_severity CHECK (severity BETWEEN 1 AND 4),
    cases       bigint NOT NULL,
    mass        float8 NOT NULL,
    -- the unit's district, in the key as Citus needs its distribution
    -- column there (docs/scale-out.md)
    district    gridgov.gridcode NOT NULL,
    PRIMARY KEY (unit, day, severity, district)
);
COMMENT ON TABLE gridgov.risk_daily IS
    'risk rollup: per day (in gridgov.calendar_timezone), unit and severity, the cases and their mass decayed to the day''s end; filled by refresh_risk_daily()';
CREATE INDEX risk_daily_day ON gridgov.risk_daily (day);
COMMENT ON COLUMN gridgov.risk_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.risk_daily.unit IS 'the cases'' unit, usually a grid';
COMMENT ON COLUMN gridgov.risk_daily.severity IS 'the cases'' severity, 1 to 4';
COMMENT ON COLUMN gridgov.risk_daily.cases IS 'the cases counted: reported that day, not rejected or merged';
COMMENT ON COLUMN gridgov.risk_daily.mass IS
    'sum of 2^(-(day_end - reported_at) / half_life) over the day''s counted cases, unweighted';
COMMENT ON COLUMN gridgov.risk_daily.district IS
    'the cases'' district (level 3 above unit): on Citus the rollup is distributed by it, colocated with the cases';

CREATE TABLE gridgov.risk_rollup (
    only_row    boolean PRIMARY KEY DEFAULT true CONSTRAINT risk_rollup_one_row CHECK (only_row),
    through     date NOT NULL,
    half_life   interval NOT NULL,
    timezone    text NOT NULL,
    refreshed_at timestamptz NOT NULL
);
COMMENT ON TABLE gridgov.risk_rollup IS
    'the state of gridgov.risk_daily: every day up to through is in it, computed with this half-life and zone';
COMMENT ON COLUMN gridgov.risk_rollup.only_row IS 'always true: keeps the table to one row';
COMMENT ON COLUMN gridgov.risk_rollup.through IS 'the last day in risk_daily: every day up to it is there';
COMMENT ON COLUMN gridgov.risk_rollup.half_life IS 'the half-life risk_daily was computed with';
COMMENT ON COLUMN gridgov.risk_rollup.timezone IS 'the calendar zone (gridgov.calendar_timezone) of risk_daily''s days';
COMMENT ON COLUMN gridgov.risk_rollup.refreshed_at IS 'when refresh_risk_daily() last wrote risk_daily';

-- A rollup is costly to rebuild on a large table of cases: pg_dump keeps it.
SELECT pg_catalog.pg_extension_config_dump('gridgov.risk_daily', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.risk_rollup', '');

-- ======================================================================
-- Functions
-- ======================================================================

-- Checks of the arguments (src/risk.c): true, or an error before any work.
-- Risk is computed at instants from 2000-01-01 00:00 UTC up to, not
-- including, 2200-01-01 UTC (22008 otherwise); a score is zero or more.
CREATE FUNCTION gridgov.check_risk_time(as_of timestamptz) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_risk_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.check_risk_time(timestamptz) IS
    'true for an instant risk is computed at, from 2000-01-01 00:00 UTC up to, not including, 2200-01-01 UTC; an error (22008) otherwise';

CREATE FUNCTION gridgov.check_risk_score(score float8) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_risk_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.check_risk_score(float8) IS
    'true for a risk score of zero or more; an error (22023) for NaN and negative numbers';

-- The decay of a contribution after some seconds, 2^(-seconds / half-life):
-- the aggregate's formula, which gives 0 where float8 ^ would fail with an
-- underflow (after about 1,074 half-lives).
CREATE FUNCTION gridgov.risk_decay(seconds float8, half_life_seconds float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'gridgov_risk_decay' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.risk_decay(float8, float8) IS
    '2^(-seconds / half_life_seconds): the factor a risk contribution is multiplied by after that many seconds; 0 when it is below the smallest float8';

-- The settings in force, defaults filled in.
CREATE FUNCTION gridgov.risk_half_life() RETURNS interval
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT s.half_life FROM gridgov.risk_setting s), interval '7 days');
END;
COMMENT ON FUNCTION gridgov.risk_half_life() IS
    'the half-life in force: gridgov.risk_setting, else 7 days';

CREATE FUNCTION gridgov.risk_weights() RETURNS float8[]
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.array_agg(COALESCE(w.weight, 2::float8 OPERATOR(pg_catalog.^) (s.severity OPERATOR(pg_catalog.-) 1))
                                ORDER BY s.severity)
      FROM pg_catalog.generate_series(1, 4) AS s(severity)
      LEFT JOIN gridgov.risk_weight w ON w.severity OPERATOR(pg_catalog.=) s.severity;
END;
COMMENT ON FUNCTION gridgov.risk_weights() IS
    'the weights in force for severities 1 to 4: gridgov.risk_weight, else 2^(severity-1)';

CREATE FUNCTION gridgov.risk_thresholds(level integer DEFAULT NULL)
    RETURNS TABLE (color text, min_score float8)
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 4
BEGIN ATOMIC
    WITH chosen AS (
        -- the level's own rows, else the rows for every level, else built in
        SELECT rc.color, rc.min_score, 1 AS source
          FROM gridgov.risk_color rc WHERE rc.level OPERATOR(pg_catalog.=) risk_thresholds.level
        UNION ALL
        SELECT rc.color, rc.min_score, 2 FROM gridgov.risk_color rc WHERE rc.level IS NULL
        UNION ALL
        SELECT d.color, d.min_score, 3
          FROM (VALUES ('blue', 0::float8), ('yellow', 50), ('orange', 100), ('red', 200)) AS d(color, min_score)
    ), first_source AS (
        SELECT pg_catalog.min(ch.source) AS source FROM chosen ch
    )
    SELECT ch.color, ch.min_score
      FROM chosen ch JOIN first_source f ON ch.source OPERATOR(pg_catalog.=) f.source
     WHERE risk_thresholds.level IS NULL OR gridgov.check_gridcode_level(risk_thresholds.level, 'level')
     ORDER BY pg_catalog.array_position(ARRAY['blue', 'yellow', 'orange', 'red'], ch.color);
END;
COMMENT ON FUNCTION gridgov.risk_thresholds(integer) IS
    'the colour thresholds in force at a unit level: its rows in gridgov.risk_color, else those with level NULL, else blue 0, yellow 50, orange 100, red 200';

CREATE FUNCTION gridgov.risk_color(score float8, level integer DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN score IS NULL OR NOT gridgov.check_risk_score(score) THEN NULL
                ELSE COALESCE((SELECT t.color
                                 FROM gridgov.risk_thresholds(risk_color.level) t
                                WHERE t.min_score OPERATOR(pg_catalog.<=) score
                                ORDER BY pg_catalog.array_position(ARRAY['blue', 'yellow', 'orange', 'red'], t.color) DESC
                                LIMIT 1), 'blue') END;
END;
COMMENT ON FUNCTION gridgov.risk_color(float8, integer) IS
    'warning colour of a score (blue, yellow, orange, red) by the thresholds in force at a unit level (NULL: the thresholds for every level); NaN and negative scores are refused';

-- Days: the rollup's days are calendar dates in gridgov.calendar_timezone,
-- the zone of the working calendar, whatever the session's zone.
CREATE FUNCTION gridgov.risk_day(at timestamptz) RETURNS date
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN (at AT TIME ZONE gridgov.calendar_timezone())::date;
COMMENT ON FUNCTION gridgov.risk_day(timestamptz) IS
    'the date of an instant in gridgov.calendar_timezone: the day of the risk rollup it falls in';

CREATE FUNCTION gridgov.risk_day_end(day date) RETURNS timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN (day OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE gridgov.calendar_timezone();
COMMENT ON FUNCTION gridgov.risk_day_end(date) IS
    'the instant a day of gridgov.calendar_timezone ends (the next day''s midnight there)';

-- The aggregates' functions (src/risk.c; the aggregates are under
-- Aggregates).  The state is a float8[]: {as_of in
-- microseconds since 2000, half-life in seconds, score, cases}.
CREATE FUNCTION gridgov.risk_transition(float8[], gridgov.cases, timestamptz) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gridgov_risk_transition' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.risk_transition(float8[], gridgov.cases, timestamptz) IS
    'transition function of risk(): adds a case''s decayed, weighted contribution (reads the risk settings once per query)';
CREATE FUNCTION gridgov.risk_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gridgov_risk_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.risk_combine(float8[], float8[]) IS
    'combine function of risk(): the sum of two partial states with the same as_of';
CREATE FUNCTION gridgov.risk_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'gridgov_risk_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.risk_final(float8[]) IS
    'final function of risk(): the score, 0 without cases';
CREATE FUNCTION gridgov.risk_cases_final(float8[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_risk_cases_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.risk_cases_final(float8[]) IS
    'final function of risk_cases(): the number of cases that contributed';

-- The column form's transition function: the three columns risk reads
-- instead of the whole row.  The planner rewrites risk(c, as_of) and
-- risk_cases(c, as_of) over gridgov.cases into the column form
-- (src/kpi_planner.c), which Citus can run as partial aggregates on its
-- shards, where a case row has the shard's own type; it can also be called
-- directly, over any table or query with such columns.
CREATE FUNCTION gridgov.risk_accum(state float8[], status text, severity smallint,
                                       reported_at timestamptz, as_of timestamptz) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gridgov_risk_accum_columns' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.risk_accum(float8[], text, smallint, timestamptz, timestamptz) IS
    'transition function of the column form of risk(): adds the decayed, weighted contribution of a case given by its status, severity and report time';

-- The last day of risk_daily that the readers may use: NULL when the rollup
-- is empty or was computed with another half-life or zone.
CREATE FUNCTION gridgov.risk_rollup_through() RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r.through FROM gridgov.risk_rollup r
     WHERE r.half_life OPERATOR(pg_catalog.=) gridgov.risk_half_life()
       AND r.timezone OPERATOR(pg_catalog.=) gridgov.calendar_timezone();
END;
COMMENT ON FUNCTION gridgov.risk_rollup_through() IS
    'the last day of gridgov.risk_daily usable with the settings in force; NULL when there is none';

CREATE FUNCTION gridgov.refresh_risk_daily(from_day date DEFAULT NULL, to_day date DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := gridgov.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM gridgov.risk_half_life())::float8;
    usable date;
    first_day date;
    written bigint;
BEGIN
    -- the rollup holds whole days: one that has not ended would stay short
    IF to_day OPERATOR(pg_catalog.>=) gridgov.risk_day(pg_catalog.now()) THEN
        RAISE EXCEPTION 'to_day % has not ended yet', to_day
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The risk rollup holds the days that have ended in gridgov.calendar_timezone: refresh up to yesterday at most.';
    END IF;
    -- one refresh at a time; readers go on reading the previous rollup
    LOCK TABLE gridgov.risk_daily, gridgov.risk_rollup IN EXCLUSIVE MODE;
    to_day := COALESCE(to_day, gridgov.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1);
    usable := gridgov.risk_rollup_through();
    IF usable IS NULL THEN
        -- nothing usable: rebuild from the first case
        SELECT gridgov.risk_day(pg_catalog.min(c.reported_at)) INTO first_day FROM gridgov.cases c;
        from_day := LEAST(from_day, first_day, to_day);
        from_day := COALESCE(from_day, first_day, to_day);
        DELETE FROM gridgov.risk_daily;
    ELSE
        -- by default the last 7 days again: rejections and merges come late
        from_day := COALESCE(from_day, LEAST(usable, to_day) OPERATOR(pg_catalog.-) 6);
        IF from_day OPERATOR(pg_catalog.>) (usable OPERATOR(pg_catalog.+) 1) THEN
            RAISE EXCEPTION 'refreshing from % would leave a gap after %, the last day of the risk rollup',
                            from_day, usable
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Refresh from %s or earlier.', usable OPERATOR(pg_catalog.+) 1);
        END IF;
        DELETE FROM gridgov.risk_daily d
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    END IF;
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'from_day % is after to_day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- by district too, which on Citus keeps the whole statement on each
    -- shard of the cases and of the rollup beside it
    INSERT INTO gridgov.risk_daily (day, unit, severity, cases, mass, district)
    SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
           pg_catalog.sum(gridgov.risk_decay(EXTRACT(epoch FROM gridgov.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8,
                                                 half_life_seconds)),
           k.district
      FROM (SELECT gridgov.risk_day(c.reported_at) AS day, c.unit, c.severity, c.reported_at, c.district
              FROM gridgov.cases c
             WHERE c.reported_at OPERATOR(pg_catalog.>=) gridgov.risk_day_end(from_day OPERATOR(pg_catalog.-) 1)
               AND c.reported_at OPERATOR(pg_catalog.<) gridgov.risk_day_end(to_day)
               AND c.status NOT IN ('rejected', 'merged')) k
     GROUP BY k.district, k.day, k.unit, k.severity;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO gridgov.risk_rollup (through, half_life, timezone, refreshed_at)
    VALUES (GREATEST(usable, to_day), gridgov.risk_half_life(), zone, pg_catalog.now())
    ON CONFLICT (only_row) DO UPDATE
       SET through = EXCLUDED.through, half_life = EXCLUDED.half_life,
           timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION gridgov.refresh_risk_daily(date, date) IS
    'recompute gridgov.risk_daily from from_day (default: 6 days before its last day, or the first case when it is not usable) to to_day (default: yesterday; a day that has not ended is refused); returns the rows written';

-- ======================================================================
-- Aggregates
-- ======================================================================

-- risk(c, as_of) and risk_cases(c, as_of), over the functions above.
CREATE AGGREGATE gridgov.risk(c gridgov.cases, as_of timestamptz) (
    SFUNC = gridgov.risk_transition,
    STYPE = float8[],
    FINALFUNC = gridgov.risk_final,
    COMBINEFUNC = gridgov.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.risk(gridgov.cases, timestamptz) IS
    'risk score at as_of: sum of weight(severity) * 2^(-(as_of - reported_at) / half_life) over cases reported by as_of, rejected and merged ones excepted';

CREATE AGGREGATE gridgov.risk_cases(c gridgov.cases, as_of timestamptz) (
    SFUNC = gridgov.risk_transition,
    STYPE = float8[],
    FINALFUNC = gridgov.risk_cases_final,
    COMBINEFUNC = gridgov.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.risk_cases(gridgov.cases, timestamptz) IS
    'the number of cases that risk() counts at as_of (it shares risk()''s state in one query)';

-- The column form of both, over risk_accum (above).
CREATE AGGREGATE gridgov.risk(status text, severity smallint, reported_at timestamptz, as_of timestamptz) (
    SFUNC = gridgov.risk_accum,
    STYPE = float8[],
    FINALFUNC = gridgov.risk_final,
    COMBINEFUNC = gridgov.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.risk(text, smallint, timestamptz, timestamptz) IS
    'risk score at as_of of cases given by their status, severity and report time (the form the planner gives risk(c, as_of)); a NULL reported_at counts nothing';

CREATE AGGREGATE gridgov.risk_cases(status text, severity smallint, reported_at timestamptz, as_of timestamptz) (
    SFUNC = gridgov.risk_accum,
    STYPE = float8[],
    FINALFUNC = gridgov.risk_cases_final,
    COMBINEFUNC = gridgov.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.risk_cases(text, smallint, timestamptz, timestamptz) IS
    'the number of cases that the column form of risk() counts at as_of (the form the planner gives risk_cases(c, as_of))';

-- ======================================================================
-- Functions over the aggregates
-- ======================================================================

-- Scores from the rollup plus the cases after it: for the unit under and
-- every unit below it down to max_level, the score at as_of (units without
-- cases are left out).  Days the rollup holds and that end by as_of come
-- from risk_daily; cases from then on are aggregated from gridgov.cases.
-- Exactly risk() over the subtree's cases, up to float rounding, as long
-- as the rollup is fresh.
CREATE FUNCTION gridgov.risk_scores(under gridgov.gridcode, as_of timestamptz DEFAULT pg_catalog.now(),
                                        max_level integer DEFAULT 6)
    RETURNS TABLE (unit gridgov.gridcode, score float8, cases bigint)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH settings AS (
        -- last_day NULL without a usable rollup: everything from the cases
        SELECT CASE WHEN r.through IS NOT NULL
                    THEN LEAST(r.through, gridgov.risk_day(as_of) OPERATOR(pg_catalog.-) 1) END AS last_day,
               EXTRACT(epoch FROM gridgov.risk_half_life())::float8 AS half_life,
               gridgov.risk_weights() AS weights
          FROM (SELECT gridgov.risk_rollup_through() AS through) r
    ), levels AS (
        SELECT l.level FROM pg_catalog.generate_series(gridgov.level(under), LEAST(max_level, 7)) AS l(level)
    ), decay AS (
        -- per day of the rollup, the decay from its end to as_of
        SELECT g.day::date AS day,
               gridgov.risk_decay(EXTRACT(epoch FROM as_of OPERATOR(pg_catalog.-) gridgov.risk_day_end(g.day::date))::float8,
                                      s.half_life) AS factor
          FROM settings s
         CROSS JOIN LATERAL pg_catalog.generate_series(
               (SELECT pg_catalog.min(d.day) FROM gridgov.risk_daily d)::timestamp,
               s.last_day::timestamp, interval '1 day') AS g(day)
    ), rolled_units AS (
        SELECT d.unit,
               pg_catalog.sum(d.mass OPERATOR(pg_catalog.*) s.weights[d.severity] OPERATOR(pg_catalog.*) f.factor) AS score,
               pg_catalog.sum(d.cases) AS cases
          FROM settings s
          JOIN gridgov.risk_daily d ON d.day OPERATOR(pg_catalog.<=) s.last_day
          JOIN decay f ON f.day OPERATOR(pg_catalog.=) d.day
         WHERE d.unit OPERATOR(gridgov.<@) under
         GROUP BY d.unit
    ), rolled AS (
        SELECT gridgov.ancestor(r.unit, lv.level) AS unit, pg_catalog.sum(r.score) AS score,
               pg_catalog.sum(r.cases)::bigint AS cases
          FROM rolled_units r
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) gridgov.level(r.unit)
         GROUP BY 1
    ), recent AS (
        -- the aggregate's column form: readers may not read the whole case (its reporter)
        SELECT gridgov.ancestor(c.unit, lv.level) AS unit,
               gridgov.risk(c.status, c.severity, c.reported_at, as_of) AS score,
               gridgov.risk_cases(c.status, c.severity, c.reported_at, as_of) AS cases
          FROM settings s
          JOIN gridgov.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) COALESCE(gridgov.risk_day_end(s.last_day), '-infinity')
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) gridgov.level(c.unit)
         WHERE c.unit OPERATOR(gridgov.<@) under
         GROUP BY 1
    )
    -- the checks first: a bad as_of or max_level is refused before any work
    SELECT b.unit, pg_catalog.sum(b.score), pg_catalog.sum(b.cases)::bigint
      FROM (SELECT * FROM rolled UNION ALL SELECT * FROM recent) b
     WHERE gridgov.check_risk_time(as_of) AND gridgov.check_gridcode_level(max_level, 'max_level')
       AND b.cases OPERATOR(pg_catalog.>) 0
     GROUP BY b.unit
     ORDER BY b.unit;
END;
$$;
COMMENT ON FUNCTION gridgov.risk_scores(gridgov.gridcode, timestamptz, integer) IS
    'risk score and counted cases at as_of (2000 to 2199) of a unit and of every unit below it down to max_level (1 to 7; units without cases left out), from the rollup and the cases after it';

CREATE FUNCTION gridgov.risk_now(unit gridgov.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS float8
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT s.score FROM gridgov.risk_scores(unit, as_of, gridgov.level(unit)) s), 0);
END;
COMMENT ON FUNCTION gridgov.risk_now(gridgov.gridcode, timestamptz) IS
    'risk score of a unit''s subtree at as_of (default now) from the rollup and the cases after it; equals risk() over the subtree''s cases';

-- A grid's risk at as_of through the lineage of redraws: risk is a sum
-- over cases, so each case of lineage_cases counts with its weight (the
-- cases without a location from a split or shrunk grid by their share of
-- area, an estimate).
CREATE FUNCTION gridgov.risk_through_lineage(grid gridgov.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS double precision
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    PERFORM gridgov.check_risk_time(as_of);
    RETURN (SELECT COALESCE(pg_catalog.sum(l.weight OPERATOR(pg_catalog.*) s.score), 0)
              FROM gridgov.lineage_cases(grid, '-infinity', as_of OPERATOR(pg_catalog.+) interval '1 microsecond') l
             CROSS JOIN LATERAL (SELECT gridgov.risk(c, as_of) AS score FROM gridgov.cases c
                                  WHERE c.id OPERATOR(pg_catalog.=) l.id) s);
END;
$$;
COMMENT ON FUNCTION gridgov.risk_through_lineage(gridgov.gridcode, timestamptz) IS
    'risk score at as_of (2000 to 2199) of a grid in force with the cases of its earlier versions and predecessors (lineage_cases), each weighted; equals risk() over the grid''s cases where no redraw happened';

-- Risk by Beidou cell, from the cases (the rollup is by unit): for every
-- cell at a level within an area cell, the score at as_of.
CREATE FUNCTION gridgov.risk_cells(area gridgov.gridcell, level integer,
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (cell gridgov.gridcell, score float8, cases bigint)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT gridgov.parent(c.cell, risk_cells.level),
           gridgov.risk(c.status, c.severity, c.reported_at, as_of),
           gridgov.risk_cases(c.status, c.severity, c.reported_at, as_of)
      FROM gridgov.cases c
     WHERE gridgov.check_risk_time(as_of) AND gridgov.check_gridcell_level(risk_cells.level, 'level')
       AND c.cell OPERATOR(gridgov.<@) area
       AND c.reported_at OPERATOR(pg_catalog.<=) as_of
     GROUP BY 1
    HAVING gridgov.risk_cases(c.status, c.severity, c.reported_at, as_of) OPERATOR(pg_catalog.>) 0
     ORDER BY 1;
END;
$$;
COMMENT ON FUNCTION gridgov.risk_cells(gridgov.gridcell, integer, timestamptz) IS
    'risk score and counted cases at as_of of every Beidou cell at a level inside an area cell (cells without cases left out)';
