-- gridgov 0.4.0--0.5.0: a released script, frozen: it never changes (sql/updates/SHA256SUMS).
\echo Use "CREATE EXTENSION gridgov" to load this file. \quit
-- gridgov 0.4.0 -> 0.5.0: the same objects, faster, and one more rollup.
-- The changes of each pillar, in the order of the pillars.

-- gridcode and gridcell: PostgreSQL's int8 comparison, hash and send
-- functions under the module's own symbols (src/int8_ops.c).  Declared
-- LANGUAGE internal, they were looked up by name, with a linear search over
-- the server's builtins, each time a query or foreign-key check using them
-- started.
CREATE OR REPLACE FUNCTION @extschema@.gridcode_send(@extschema@.gridcode) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_int8send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_eq(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_ne(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_lt(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_le(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_gt(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_ge(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_cmp(@extschema@.gridcode, @extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_btint8cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_btint8sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_hash(@extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_hashint8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_hash_extended(@extschema@.gridcode, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_hashint8extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_smaller(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_int8smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcode_larger(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_int8larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_send(@extschema@.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_int8send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_eq(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_ne(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_lt(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_le(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_gt(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_ge(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_cmp(@extschema@.gridcell, @extschema@.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_btint8cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_btint8sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_hash(@extschema@.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_hashint8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_hash_extended(@extschema@.gridcell, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_hashint8extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_smaller(@extschema@.gridcell, @extschema@.gridcell) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridgov_int8smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.gridcell_larger(@extschema@.gridcell, @extschema@.gridcell) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridgov_int8larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The case engine keeps the grid boundaries in memory, to route a point
-- without a PostGIS query (src/grid_index.c).
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.unit
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.unit ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;

-- The column form: the columns kpi counts, after the case's id (NULL for a
-- missing row), and as_of.  The planner rewrites kpi(c) and kpi(c, as_of)
-- over gridgov.cases into it (src/kpi_planner.c), so that the executor
-- reads these columns instead of forming the whole row; it can also be
-- called directly, over any table or query with such columns.
CREATE FUNCTION @extschema@.kpi_accum(state @extschema@.kpi_state, id bigint, status text,
                                      handling_level integer, stage_deadline timestamptz,
                                      suspended_at timestamptz, reported_at timestamptz,
                                      accepted_at timestamptz, dispatched_at timestamptz,
                                      closed_at timestamptz, escalations integer, reopenings integer,
                                      extensions integer, returns integer, deadlines_missed integer,
                                      satisfaction smallint, as_of timestamptz)
    RETURNS @extschema@.kpi_state
    AS 'MODULE_PATHNAME', 'kpi_accum_columns' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_accum(@extschema@.kpi_state, bigint, text, integer, timestamptz, timestamptz,
                                          timestamptz, timestamptz, timestamptz, timestamptz, integer, integer,
                                          integer, integer, integer, smallint, timestamptz) IS
    'transition function of the column form of kpi: the state with one more case counted at as_of';

CREATE AGGREGATE @extschema@.kpi(id bigint, status text, handling_level integer, stage_deadline timestamptz,
                                 suspended_at timestamptz, reported_at timestamptz, accepted_at timestamptz,
                                 dispatched_at timestamptz, closed_at timestamptz, escalations integer,
                                 reopenings integer, extensions integer, returns integer,
                                 deadlines_missed integer, satisfaction smallint, as_of timestamptz) (
    SFUNC = @extschema@.kpi_accum,
    STYPE = @extschema@.kpi_state,
    SSPACE = 400,
    FINALFUNC = @extschema@.kpi_final,
    COMBINEFUNC = @extschema@.kpi_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi(bigint, text, integer, timestamptz, timestamptz, timestamptz, timestamptz,
                                     timestamptz, timestamptz, integer, integer, integer, integer, integer,
                                     smallint, timestamptz) IS
    'KPI state of a set of cases given by their columns (the form the planner gives kpi(c)); a NULL id counts nothing';

-- The same days per unit at every level from district to grid, all
-- categories together: each row merges the kpi_daily rows of the unit and
-- of every unit below it.  "Each subdistrict this month" reads 6 rows a day
-- here instead of every grid's and category's.
CREATE TABLE @extschema@.kpi_unit_daily (
    day         date NOT NULL,
    unit        @extschema@.gridcode NOT NULL,
    level       integer NOT NULL GENERATED ALWAYS AS (@extschema@.level(unit)) STORED,
    kpi         @extschema@.kpi_state NOT NULL,
    PRIMARY KEY (day, unit)
);
CREATE INDEX kpi_unit_daily_level ON @extschema@.kpi_unit_daily (level, day);
COMMENT ON TABLE @extschema@.kpi_unit_daily IS
    'KPI state of the cases reported on a day (calendar time zone) in each unit and below it, district to grid, all categories; filled by refresh_kpi_daily';
COMMENT ON COLUMN @extschema@.kpi_unit_daily.kpi IS
    'kpi_merge of the day''s kpi_daily rows of the unit and the units below it';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_unit_daily', '');
-- filled from the daily rollups already there, as refresh_kpi_daily does
INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
SELECT d.day, @extschema@.ancestor(d.unit, l.level), @extschema@.kpi_merge(d.kpi)
  FROM @extschema@.kpi_daily d
 CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(d.unit), 6)) AS l(level)
 GROUP BY 1, 2;

-- refresh_kpi_daily fills kpi_unit_daily too
CREATE OR REPLACE FUNCTION @extschema@.refresh_kpi_daily(from_day date, to_day date,
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
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM @extschema@.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    DELETE FROM @extschema@.kpi_unit_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- up the tree from the rows just written, not from the cases again
    INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
    SELECT d.day, @extschema@.ancestor(d.unit, l.level), @extschema@.kpi_merge(d.kpi)
      FROM @extschema@.kpi_daily d
     CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(d.unit), 6)) AS l(level)
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
     GROUP BY 1, 2;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_kpi_daily(date, date, timestamptz) IS
    'recompute kpi_daily and kpi_unit_daily for the days from_day to to_day (both included) at as_of; returns the kpi_daily rows written';

-- Dashboards

-- kpi_by_unit reads kpi_unit_daily, which holds every level from district
-- to grid already: a tenth of the rows of kpi_daily.
CREATE OR REPLACE FUNCTION @extschema@.kpi_by_unit(from_day date, to_day date)
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
              -- the period's rows merged per unit; districts also make
              -- their city and province
              FROM (SELECT d.unit, d.level, @extschema@.kpi_merge(d.kpi) AS kpi
                      FROM @extschema@.kpi_unit_daily d
                     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
                     GROUP BY d.unit, d.level) p
             CROSS JOIN LATERAL pg_catalog.generate_series(CASE WHEN p.level OPERATOR(pg_catalog.=) 3 THEN 1 ELSE p.level END,
                                                           p.level) AS l(level)
             GROUP BY l.level, 2) m
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) m.unit
     ORDER BY m.unit;
END;

-- start() names the state it starts from: a case suspended meanwhile by
-- another session is refused (GG001), not resumed under the caller's name.
CREATE OR REPLACE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'start', 'dispatched'); END;

-- The sweep: one UPDATE of all the due cases instead of one per case, so the
-- executor starts once; the triggers still do each move.  Rows another
-- session holds are skipped, as before, and the result keeps its order.
CREATE OR REPLACE FUNCTION @extschema@.escalate_overdue(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (case_id bigint, missed_deadline timestamptz, from_level integer, to_level integer,
                   service_point integer)
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT c.id, c.stage_deadline, c.handling_level
          FROM @extschema@.cases c
         WHERE c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
           AND c.suspended_at IS NULL
           AND c.stage_deadline OPERATOR(pg_catalog.<) as_of
           AND c.moved_at OPERATOR(pg_catalog.<) as_of
           AND c.handling_level OPERATOR(pg_catalog.>) 3
           FOR UPDATE OF c SKIP LOCKED
    ), moved AS (
        UPDATE @extschema@.cases c
           SET handling_level = due.handling_level OPERATOR(pg_catalog.-) 1,
               escalation_trigger = 'overdue',
               note = 'deadline ' OPERATOR(pg_catalog.||) due.stage_deadline OPERATOR(pg_catalog.||) ' missed',
               moved_at = as_of
          FROM due
         WHERE c.id OPERATOR(pg_catalog.=) due.id
        RETURNING c.id, due.stage_deadline, due.handling_level, c.handling_level AS new_level, c.service_point
    )
    SELECT m.id, m.stage_deadline, m.handling_level, m.new_level, m.service_point
      FROM moved m
     ORDER BY m.stage_deadline, m.id;
END;
$$;
