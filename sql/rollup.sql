-- gridgov: rollups that stay current (issue 14)
--
-- kpi_daily, kpi_unit_daily and risk_daily hold per day and unit what the
-- cases reported that day add up to, kpi_handler_daily per day, handler and
-- district.  A case moved today changes the day it
-- was reported, so instead of rescanning months, every statement that
-- writes cases notes the (day, unit) pairs it touched in rollup_change, with
-- the cases' handlers before and after it, and refresh_rollups() recomputes
-- those pairs only, plus the pairs whose open cases passed their deadline
-- since the last refresh (overdue_now counts at the refresh's as_of), and
-- the rows of those (day, district, handler) in kpi_handler_daily.  After a
-- refresh the rollups equal a rescan at its as_of, state for state
-- (tests/pgtap/rollup_incremental.sql).

CREATE TABLE gridgov.rollup_change (
    day     date NOT NULL,
    unit    gridgov.gridcode NOT NULL,
    district gridgov.gridcode NOT NULL,
    handler bigint
);
COMMENT ON TABLE gridgov.rollup_change IS
    'the (day, unit) pairs whose cases changed since refresh_rollups() last ran, with the cases'' handlers before and after: appended by every statement on cases, consumed by the refresh';
COMMENT ON COLUMN gridgov.rollup_change.day IS 'the day the changed cases were reported, in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.rollup_change.unit IS 'the changed cases'' unit';
COMMENT ON COLUMN gridgov.rollup_change.district IS
    'the changed cases'' district: on Citus the log is distributed by it, colocated with the cases, so that a change is noted in the shard beside its case (docs/scale-out.md)';
COMMENT ON COLUMN gridgov.rollup_change.handler IS
    'a changed case''s handler, before or after the change (NULL: none): both handlers'' rows of the day in kpi_handler_daily change when a case is taken from one by another';

CREATE TABLE gridgov.rollup_state (
    only_row    boolean PRIMARY KEY DEFAULT true CONSTRAINT rollup_state_one_row CHECK (only_row),
    as_of       timestamptz NOT NULL,
    timezone    text NOT NULL,
    refreshed_at timestamptz NOT NULL
);
COMMENT ON TABLE gridgov.rollup_state IS
    'where refresh_rollups() left kpi_daily and kpi_unit_daily: counted at as_of in this zone';
COMMENT ON COLUMN gridgov.rollup_state.only_row IS 'always true: keeps the table to one row';
COMMENT ON COLUMN gridgov.rollup_state.as_of IS 'the as_of of the last refresh: its open and overdue cases are counted at it';
COMMENT ON COLUMN gridgov.rollup_state.timezone IS 'the calendar zone of the rollups'' days at the last refresh';
COMMENT ON COLUMN gridgov.rollup_state.refreshed_at IS 'when refresh_rollups() last ran';

-- Both are kept by pg_dump with the rollups they describe: a restore goes
-- on from where the dump left off.
SELECT pg_catalog.pg_extension_config_dump('gridgov.rollup_change', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.rollup_state', '');

-- "Which open cases passed their deadline between two refreshes" is a
-- range of this index.
CREATE INDEX cases_stage_deadline ON gridgov.cases (stage_deadline) WHERE stage_deadline IS NOT NULL;
-- "A unit's cases of a day", a pair's, is a range of this one: the
-- (unit, category, reported_at) index that early warning reads holds them
-- category by category, so a pair's lookup there reads the unit's whole
-- month (docs/benchmarks.md, "Rollups kept current").
CREATE INDEX cases_unit_reported ON gridgov.cases (unit, reported_at);
-- "A handler's cases of a day" is a range of this one (the rows of
-- kpi_handler_daily that a refresh recomputes, one range each).
CREATE INDEX cases_handler_reported ON gridgov.cases (handler, reported_at) WHERE handler IS NOT NULL;

-- A statement trigger, over the statement's transition table: one INSERT
-- of the distinct pairs per statement, however many rows it wrote, as the
-- log's owner (src/rollup.c): writers of cases need no grant on it.  The
-- log is appended to, never updated, so writers never wait for each other
-- or for a refresh.
CREATE FUNCTION gridgov.rollup_note_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rollup_note_change' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.rollup_note_change() IS
    'AFTER ... FOR EACH STATEMENT trigger on cases: notes the (day, unit) pairs of the statement''s cases, with their handlers before and after it, in rollup_change';

-- ENABLE ALWAYS: rows that logical replication or a restore applies change
-- the rollups too.
CREATE TRIGGER gridgov_rollup_insert AFTER INSERT ON gridgov.cases
    REFERENCING NEW TABLE AS gridgov_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.rollup_note_change();
ALTER TABLE gridgov.cases ENABLE ALWAYS TRIGGER gridgov_rollup_insert;
CREATE TRIGGER gridgov_rollup_update AFTER UPDATE ON gridgov.cases
    REFERENCING OLD TABLE AS gridgov_old_cases NEW TABLE AS gridgov_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.rollup_note_change();
ALTER TABLE gridgov.cases ENABLE ALWAYS TRIGGER gridgov_rollup_update;
CREATE TRIGGER gridgov_rollup_delete AFTER DELETE ON gridgov.cases
    REFERENCING OLD TABLE AS gridgov_old_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.rollup_note_change();
ALTER TABLE gridgov.cases ENABLE ALWAYS TRIGGER gridgov_rollup_delete;

-- The refresh.  The pairs are taken out of the log by one DELETE, and the
-- cases read by later statements: a writer whose pair the DELETE did not see
-- (not yet committed) leaves it for the next refresh, one it did see has
-- committed, so the reads see its cases (READ COMMITTED: each statement
-- takes a new snapshot; other isolation levels are refused).  The pairs are
-- held in arrays, not in temporary tables: a temporary table created per
-- call is a new relation every time, so each statement on it was planned
-- again at every call, beside the catalog writes and statistics it cost;
-- over arrays the statements stay prepared for the session (the worker's
-- backend, docs/benchmarks.md) in PL/pgSQL's plan cache, which plans them
-- with each call's arrays at first and, on a single node, settles on a
-- generic plan where the planner finds it no dearer (Citus plans its
-- distributed statements with their values).  The arrays of a set of
-- pairs are zipped by unnest in a select list: Citus cannot plan ROWS FROM
-- over several functions.
CREATE FUNCTION gridgov.refresh_rollups(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := gridgov.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM gridgov.risk_half_life())::float8;
    state gridgov.rollup_state;
    first_day date;
    last_day date;
    through date;
    yesterday constant date := gridgov.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1;
    -- the distinct changes taken from the log: pairs with their cases'
    -- district and handlers
    changed_days date[];
    changed_units gridgov.gridcode[];
    changed_districts gridgov.gridcode[];
    changed_handlers bigint[];
    -- those and the pairs whose open cases passed a deadline, with the
    -- cases' handlers (changed: noted in the log)
    all_days date[];
    all_units gridgov.gridcode[];
    all_districts gridgov.gridcode[];
    all_handlers bigint[];
    all_changed boolean[];
    -- the pairs of those, what kpi_daily recomputes; risks tells those
    -- risk_daily recomputes too (changed, on a day it holds: a deadline
    -- passing changes no risk)
    days date[];
    units gridgov.gridcode[];
    districts gridgov.gridcode[];
    risks boolean[];
    -- the (day, district, handler) of those, what kpi_handler_daily recomputes
    handler_days date[];
    handler_districts gridgov.gridcode[];
    handlers bigint[];
    -- the units above the pairs, district to grid, on their days: what
    -- kpi_unit_daily recomputes
    above_days date[];
    above_units gridgov.gridcode[];
    above_levels integer[];
    pairs bigint;
    above_level integer;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'refresh_rollups runs in READ COMMITTED transactions only'
            USING ERRCODE = '25000',
                  HINT = 'Under a snapshot of the whole transaction it could consume changes it does not see.';
    END IF;
    LOCK TABLE gridgov.kpi_daily, gridgov.kpi_unit_daily, gridgov.kpi_handler_daily,
               gridgov.rollup_state
        IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE gridgov.risk_daily, gridgov.risk_rollup IN EXCLUSIVE MODE;
    SELECT * INTO state FROM gridgov.rollup_state;
    through := gridgov.risk_rollup_through();

    WITH taken AS (DELETE FROM gridgov.rollup_change RETURNING day, unit, district, handler)
    SELECT pg_catalog.array_agg(t.day), pg_catalog.array_agg(t.unit), pg_catalog.array_agg(t.district),
           pg_catalog.array_agg(t.handler)
      INTO changed_days, changed_units, changed_districts, changed_handlers
      FROM (SELECT DISTINCT day, unit, district, handler FROM taken) t;

    IF state IS NULL OR state.timezone OPERATOR(pg_catalog.<>) zone THEN
        -- nothing to go on from: every day, once, and the risk rollup from
        -- the first case too (or from where it ends, if that is earlier)
        SELECT pg_catalog.timezone(zone, pg_catalog.min(c.reported_at))::date,
               pg_catalog.timezone(zone, pg_catalog.max(c.reported_at))::date
          INTO first_day, last_day FROM gridgov.cases c;
        PERFORM gridgov.refresh_kpi_daily(COALESCE(first_day, pg_catalog.timezone(zone, as_of)::date),
                                              COALESCE(last_day, pg_catalog.timezone(zone, as_of)::date), as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM gridgov.kpi_daily;
        PERFORM gridgov.refresh_risk_daily(LEAST(first_day, through), yesterday);
    ELSE
        -- the changes and those of the open cases whose deadline passed
        -- between the two as_of (overdue_now counts at as_of)
        SELECT pg_catalog.array_agg(p.day), pg_catalog.array_agg(p.unit), pg_catalog.array_agg(p.district),
               pg_catalog.array_agg(p.handler), pg_catalog.array_agg(p.changed)
          INTO all_days, all_units, all_districts, all_handlers, all_changed
          FROM (SELECT q.day, q.unit, q.district, q.handler, pg_catalog.bool_or(q.changed) AS changed
                  FROM (SELECT t.day, t.unit, t.district, t.handler, true AS changed
                          FROM (SELECT pg_catalog.unnest(changed_days) AS day, pg_catalog.unnest(changed_units) AS unit,
                                       pg_catalog.unnest(changed_districts) AS district,
                                       pg_catalog.unnest(changed_handlers) AS handler) t
                        UNION ALL
                        SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.district, c.handler, false
                          FROM gridgov.cases c
                         WHERE c.stage_deadline IS NOT NULL
                           AND c.stage_deadline OPERATOR(pg_catalog.>=) LEAST(state.as_of, as_of)
                           AND c.stage_deadline OPERATOR(pg_catalog.<) GREATEST(state.as_of, as_of)) q
                 GROUP BY q.day, q.unit, q.district, q.handler) p;
        -- their pairs, and their handlers' rows (a handler's row changes
        -- when one of its cases does or when a case leaves it: the log
        -- notes the handler before a change as well as after it)
        SELECT pg_catalog.array_agg(p.day), pg_catalog.array_agg(p.unit), pg_catalog.array_agg(p.district),
               pg_catalog.array_agg(p.changed AND (p.day OPERATOR(pg_catalog.<=) through) IS TRUE)
          INTO days, units, districts, risks
          FROM (SELECT q.day, q.unit, q.district, pg_catalog.bool_or(q.changed) AS changed
                  FROM (SELECT pg_catalog.unnest(all_days) AS day, pg_catalog.unnest(all_units) AS unit,
                               pg_catalog.unnest(all_districts) AS district, pg_catalog.unnest(all_changed) AS changed) q
                 GROUP BY q.day, q.unit, q.district) p;
        pairs := COALESCE(pg_catalog.cardinality(days), 0);
        SELECT pg_catalog.array_agg(h.day), pg_catalog.array_agg(h.district), pg_catalog.array_agg(h.handler)
          INTO handler_days, handler_districts, handlers
          FROM (SELECT DISTINCT q.day, q.district, q.handler
                  FROM (SELECT pg_catalog.unnest(all_days) AS day, pg_catalog.unnest(all_districts) AS district,
                               pg_catalog.unnest(all_handlers) AS handler) q
                 WHERE q.handler IS NOT NULL) h;

        DELETE FROM gridgov.kpi_daily d
         USING (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit) p
         WHERE d.day OPERATOR(pg_catalog.=) p.day AND d.unit OPERATOR(gridgov.=) p.unit;
        DELETE FROM gridgov.risk_daily r
         USING (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit,
                       pg_catalog.unnest(risks) AS risk) p
         WHERE r.day OPERATOR(pg_catalog.=) p.day AND r.unit OPERATOR(gridgov.=) p.unit AND p.risk;
        -- each pair's cases read once for both rollups, a range of
        -- cases_unit_reported: the lateral subquery is run per pair
        -- (grouped by the case's key, which keeps it from being flattened
        -- into a join of the pairs with the cases, planned as a hash of every
        -- case; on Citus the key holds the distribution column)
        WITH pair_cases AS MATERIALIZED (
            SELECT p.day, p.unit, p.risk, c.*
              FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit,
                           pg_catalog.unnest(risks) AS risk) p
             CROSS JOIN LATERAL (
                    -- the columns by name: readers may not read the whole case (its reporter)
                    SELECT c.district, c.category, c.severity, c.id, c.status, c.handling_level, c.stage_deadline,
                           c.suspended_at, c.reported_at, c.accepted_at, c.dispatched_at, c.closed_at, c.escalations,
                           c.reopenings, c.extensions, c.returns, c.deadlines_missed, c.satisfaction
                      FROM gridgov.cases c
                     WHERE c.unit OPERATOR(gridgov.=) p.unit
                       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                     GROUP BY c.district, c.id) c
        ), kpi_written AS (
            INSERT INTO gridgov.kpi_daily (day, unit, category, kpi)
            SELECT k.day, k.unit, k.category,
                   gridgov.kpi(k.id, k.status, k.handling_level, k.stage_deadline, k.suspended_at, k.reported_at,
                                   k.accepted_at, k.dispatched_at, k.closed_at, k.escalations, k.reopenings,
                                   k.extensions, k.returns, k.deadlines_missed, k.satisfaction, as_of)
              FROM pair_cases k
             GROUP BY k.day, k.unit, k.district, k.category
        )
        INSERT INTO gridgov.risk_daily (day, unit, severity, cases, mass, district)
        SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
               pg_catalog.sum(gridgov.risk_decay(EXTRACT(epoch FROM gridgov.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8,
                                                     half_life_seconds)),
               k.district
          FROM pair_cases k
         WHERE k.risk AND k.status NOT IN ('rejected', 'merged')
         GROUP BY k.day, k.unit, k.district, k.severity;

        -- the units above each pair, grid to district, each merged from the
        -- level below: a grid from its kpi_daily rows, a community from its
        -- grids' rows (and its own cases'), and so on up, so that a day's
        -- district row merges a few subdistricts, not every grid and category
        SELECT pg_catalog.array_agg(a.day), pg_catalog.array_agg(a.unit), pg_catalog.array_agg(a.level)
          INTO above_days, above_units, above_levels
          FROM (SELECT DISTINCT p.day, gridgov.ancestor(p.unit, l.level) AS unit, l.level
                  FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit) p
                 CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(gridgov.level(p.unit), 6)) AS l(level)) a;
        DELETE FROM gridgov.kpi_unit_daily d
         USING (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit) a
         WHERE d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(gridgov.=) a.unit;
        INSERT INTO gridgov.kpi_unit_daily (day, unit, kpi)
        SELECT a.day, a.unit, gridgov.kpi_merge(d.kpi)
          FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                       pg_catalog.unnest(above_levels) AS level) a
          JOIN gridgov.kpi_daily d ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(gridgov.<@) a.unit
         WHERE a.level OPERATOR(pg_catalog.=) 6
         GROUP BY a.day, a.unit;
        -- (the rows of the level below found by the units' parent, one
        -- index lookup each, where a range of the unit's subtree reads
        -- every level under it; a union of two joins, not a join of a union
        -- or a lateral subquery, which Citus cannot plan)
        FOR above_level IN REVERSE 5..3 LOOP
            INSERT INTO gridgov.kpi_unit_daily (day, unit, kpi)
            SELECT m.day, m.unit, gridgov.kpi_merge(m.kpi)
              FROM (SELECT a.day, a.unit, u.kpi
                      FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                                   pg_catalog.unnest(above_levels) AS level) a
                      JOIN gridgov.unit below ON below.parent OPERATOR(gridgov.=) a.unit
                      JOIN gridgov.kpi_unit_daily u
                        ON u.day OPERATOR(pg_catalog.=) a.day AND u.unit OPERATOR(gridgov.=) below.code
                     WHERE a.level OPERATOR(pg_catalog.=) above_level
                    UNION ALL
                    SELECT a.day, a.unit, d.kpi
                      FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                                   pg_catalog.unnest(above_levels) AS level) a
                      JOIN gridgov.kpi_daily d
                        ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(gridgov.=) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level) m
             GROUP BY m.day, m.unit;
        END LOOP;

        -- the handlers' rows of the changes, each from the handler's cases
        -- of its day and district, a range of cases_handler_reported (the
        -- lateral subquery grouped by the key, as above)
        DELETE FROM gridgov.kpi_handler_daily h
         USING (SELECT pg_catalog.unnest(handler_days) AS day, pg_catalog.unnest(handler_districts) AS district,
                       pg_catalog.unnest(handlers) AS handler) p
         WHERE h.day OPERATOR(pg_catalog.=) p.day AND h.handler OPERATOR(pg_catalog.=) p.handler
           AND h.district OPERATOR(gridgov.=) p.district;
        INSERT INTO gridgov.kpi_handler_daily (day, handler, district, kpi)
        SELECT p.day, p.handler, p.district, k.kpi
          FROM (SELECT pg_catalog.unnest(handler_days) AS day, pg_catalog.unnest(handler_districts) AS district,
                       pg_catalog.unnest(handlers) AS handler) p
         CROSS JOIN LATERAL (
                SELECT gridgov.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                                       c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                                       c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of) AS kpi
                  FROM gridgov.cases c
                 WHERE c.handler OPERATOR(pg_catalog.=) p.handler
                   AND c.district OPERATOR(gridgov.=) p.district
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.handler) k;

        -- the days the risk rollup lacks: those that have ended since, or
        -- all of them
        IF through IS NULL THEN
            PERFORM gridgov.refresh_risk_daily(NULL, yesterday);
        ELSIF through OPERATOR(pg_catalog.<) yesterday THEN
            PERFORM gridgov.refresh_risk_daily(through OPERATOR(pg_catalog.+) 1, yesterday);
        END IF;
    END IF;
    INSERT INTO gridgov.rollup_state (as_of, timezone, refreshed_at)
    VALUES (as_of, zone, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT rollup_state_pkey DO UPDATE
       SET as_of = EXCLUDED.as_of, timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN pairs;
END;
$$;
COMMENT ON FUNCTION gridgov.refresh_rollups(timestamptz) IS
    'bring kpi_daily, kpi_unit_daily, kpi_handler_daily and risk_daily up to date at as_of, recomputing only the (day, unit) pairs whose cases changed or passed a deadline since the last call, and the rows of those cases'' handlers before and after the change (the first call rebuilds); returns the pairs recomputed';
