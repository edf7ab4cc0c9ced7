-- gridgov pillar 4: views and map functions for BI and GIS tools
--
-- Metabase, Superset, Grafana, QGIS and ogr2ogr read these over standard
-- drivers without knowing gridgov's types: every column is text, integer,
-- bigint, numeric, boolean, date, timestamptz, jsonb or geometry
-- (codes are their text form, which sorts like the codes).  Rates are
-- numeric fractions between 0 and 1.  Everything here is derived: the views
-- read the cases, the rollups (kpi_daily, risk_daily) and the unit registry
-- at query time.

-- ======================================================================
-- Functions
-- ======================================================================

-- Intake, closure and KPIs, from the daily rollup kpi_daily.
--
-- The KPI table of every unit at every level (province down to grid) for
-- the cases reported between two days: kpi_daily merged up the tree with
-- kpi_merge, grouped by the ancestor at each level.
CREATE FUNCTION gridgov.kpi_by_unit(from_day date, to_day date)
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
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 500 SET search_path FROM CURRENT
    -- the merges' estimated cost calls for JIT compilation, which costs
    -- several times what the merges do
    SET jit = off
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    PERFORM gridgov.check_days(from_day, to_day);
    RETURN QUERY
    SELECT m.unit::text, u.name, m.level, gridgov.level_name(m.unit), gridgov.parent(m.unit)::text,
           -- breadcrumb(), as an index scan per row
           (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
              FROM gridgov.unit a
             WHERE a.code OPERATOR(gridgov.=) ANY (ARRAY(
                   SELECT gridgov.ancestor(m.unit, l.level)
                     FROM pg_catalog.generate_series(1, m.level) AS l(level)))
               AND gridgov.unit_is_current(a.valid_to)),
           gridgov.received(m.kpi), gridgov.accepted(m.kpi), gridgov.dispatched(m.kpi),
           gridgov.due_to_close(m.kpi), gridgov.closed(m.kpi),
           pg_catalog.round(gridgov.closure_rate(m.kpi), 4),
           gridgov.closed_on_time(m.kpi), pg_catalog.round(gridgov.on_time_rate(m.kpi), 4),
           gridgov.reworked(m.kpi), pg_catalog.round(gridgov.rework_rate(m.kpi), 4),
           gridgov.extended(m.kpi), pg_catalog.round(gridgov.extension_rate(m.kpi), 4),
           gridgov.returned(m.kpi), gridgov.escalated(m.kpi),
           pg_catalog.round(gridgov.escalation_rate(m.kpi), 4),
           gridgov.settled_in_community(m.kpi), pg_catalog.round(gridgov.community_share(m.kpi), 4),
           gridgov.open_now(m.kpi), gridgov.overdue_now(m.kpi),
           pg_catalog.round(gridgov.satisfaction_mean(m.kpi), 2),
           pg_catalog.round(gridgov.satisfied_share(m.kpi), 4),
           pg_catalog.round(gridgov.accept_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(gridgov.accept_hours(m.kpi, 0.9)::numeric, 2),
           pg_catalog.round(gridgov.close_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(gridgov.close_hours(m.kpi, 0.9)::numeric, 2)
      FROM (SELECT l.level, gridgov.ancestor(p.unit, l.level) AS unit, gridgov.kpi_merge(p.kpi) AS kpi
              -- the period's rows merged per unit; districts also make
              -- their city and province
              FROM (SELECT d.unit, d.level, gridgov.kpi_merge(d.kpi) AS kpi
                      FROM gridgov.kpi_unit_daily d
                     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
                     GROUP BY d.unit, d.level) p
             CROSS JOIN LATERAL pg_catalog.generate_series(CASE WHEN p.level OPERATOR(pg_catalog.=) 3 THEN 1 ELSE p.level END,
                                                           p.level) AS l(level)
             GROUP BY l.level, 2) m
      LEFT JOIN gridgov.unit u ON u.code OPERATOR(gridgov.=) m.unit
     ORDER BY m.unit;
END;
$$;
COMMENT ON FUNCTION gridgov.kpi_by_unit(date, date) IS
    'KPI table of every unit from province to grid for the cases reported from from_day to to_day, from kpi_daily';

-- The KPI state per service point of the cases routed to it at intake (the
-- report row of the case's history) and reported from starts up to ends,
-- at as_of: what service_point_ranking ranks.  PL/pgSQL, not SQL: Citus
-- plans a query over distributed tables only with its parameters' values,
-- which a SQL function does not pass.
CREATE FUNCTION gridgov.kpi_by_service_point(starts timestamptz, ends timestamptz,
                                                 as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (service_point integer, kpi gridgov.kpi_state)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT h.service_point,
           gridgov.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM gridgov.cases c
      JOIN gridgov.case_history h
        ON h.district OPERATOR(gridgov.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
       AND h.seq OPERATOR(pg_catalog.=) 1
     WHERE c.reported_at OPERATOR(pg_catalog.>=) starts AND c.reported_at OPERATOR(pg_catalog.<) ends
       AND h.service_point IS NOT NULL
     GROUP BY h.service_point;
END;
$$;
COMMENT ON FUNCTION gridgov.kpi_by_service_point(timestamptz, timestamptz, timestamptz) IS
    'KPI state per service point of the cases routed to it at intake and reported from starts up to (not including) ends, counted at as_of';

-- The best service hall of the month.
--
-- Every service point's KPIs for the cases routed to it at intake (the
-- report row of the case's history) and reported in a month (dates in
-- gridgov.calendar_timezone), counted at as_of, with the composite score
--
--   score = 100 * (0.30 closure_rate + 0.30 on_time_rate
--                  + 0.25 satisfied_share + 0.15 (1 - escalation_rate))
--
-- (a missing rate counts as 0), ranked among its peers (same level, same
-- department or none) when it received at least min_cases cases.
CREATE FUNCTION gridgov.service_point_ranking(month date, as_of timestamptz DEFAULT pg_catalog.now(),
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
               p.first_day AT TIME ZONE gridgov.calendar_timezone() AS starts,
               (p.first_day OPERATOR(pg_catalog.+) interval '1 month') AT TIME ZONE gridgov.calendar_timezone() AS ends
          FROM period p
    ), per_point AS (
        SELECT k.service_point, k.kpi
          FROM bounds b
         CROSS JOIN LATERAL gridgov.kpi_by_service_point(b.starts, b.ends, as_of) k
    ), scored AS (
        SELECT sp.id, sp.name, sp.unit, sp.level, sp.department, pp.kpi,
               pg_catalog.round(100 OPERATOR(pg_catalog.*) (
                   (0.30 OPERATOR(pg_catalog.*) COALESCE(gridgov.closure_rate(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.30 OPERATOR(pg_catalog.*) COALESCE(gridgov.on_time_rate(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.25 OPERATOR(pg_catalog.*) COALESCE(gridgov.satisfied_share(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.15 OPERATOR(pg_catalog.*) (1 OPERATOR(pg_catalog.-) COALESCE(gridgov.escalation_rate(pp.kpi), 1)))),
                   2) AS score,
               gridgov.received(pp.kpi) OPERATOR(pg_catalog.>=) min_cases AS eligible
          FROM per_point pp
          JOIN gridgov.service_point sp ON sp.id OPERATOR(pg_catalog.=) pp.service_point
    )
    SELECT b.month,
           CASE WHEN s.eligible THEN pg_catalog.rank() OVER (PARTITION BY s.eligible, s.level, s.department
                                                             ORDER BY s.score DESC) END,
           s.id, s.name, s.unit::text, u.name, s.level, s.department,
           gridgov.received(s.kpi), gridgov.closed(s.kpi),
           pg_catalog.round(gridgov.closure_rate(s.kpi), 4), pg_catalog.round(gridgov.on_time_rate(s.kpi), 4),
           pg_catalog.round(gridgov.satisfied_share(s.kpi), 4), pg_catalog.round(gridgov.satisfaction_mean(s.kpi), 2),
           pg_catalog.round(gridgov.escalation_rate(s.kpi), 4), s.score
      FROM scored s
     CROSS JOIN bounds b
      LEFT JOIN gridgov.unit u ON u.code OPERATOR(gridgov.=) s.unit
     ORDER BY s.level, s.department NULLS FIRST, s.eligible DESC, s.score DESC, s.id;
END;
COMMENT ON FUNCTION gridgov.service_point_ranking(date, timestamptz, integer) IS
    'service points ranked among their peers by a composite score of the cases routed to them at intake in a month: 100 * (0.30 closure rate + 0.30 on-time rate + 0.25 satisfied share + 0.15 (1 - escalation rate))';

-- The risk map (实时风险预警图).
--
-- One unit's risk map as GeoJSON: a FeatureCollection of its current
-- children, each with its boundary (null when it has none) and properties
-- code, name, level, score (3 decimals), color and cases.  Outer rings
-- counter-clockwise and holes clockwise, as RFC 7946 (section 3.1.6) asks.  Like the tile
-- functions, it pins its search_path: PostGIS runs SQL of its own inside
-- ST_AsGeoJSON and ST_Transform (reading spatial_ref_sys), with operators it
-- leaves to the search path, where a caller's look-alikes would be found.
CREATE FUNCTION gridgov.risk_geojson(unit gridgov.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'type', 'FeatureCollection',
               'features', COALESCE(pg_catalog.jsonb_agg(f.feature ORDER BY f.code), '[]'::jsonb))
      FROM (SELECT ch.code,
                   pg_catalog.jsonb_build_object(
                       'type', 'Feature',
                       'id', ch.code::text,
                       'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(ch.boundary), 6)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'code', ch.code::text,
                           'name', ch.name,
                           'level', ch.level,
                           'score', pg_catalog.round(COALESCE(s.score, 0)::numeric, 3),
                           'color', gridgov.risk_color(COALESCE(s.score, 0), ch.level),
                           'cases', COALESCE(s.cases, 0))) AS feature
              FROM gridgov.children(unit) ch
              LEFT JOIN gridgov.risk_scores(unit, as_of, LEAST(gridgov.level(unit) OPERATOR(pg_catalog.+) 1, 7)) s
                     ON s.unit OPERATOR(gridgov.=) ch.code
             WHERE gridgov.in_routing_layer(ch.level, ch.layer)) f
     WHERE gridgov.check_risk_time(as_of);
END;
COMMENT ON FUNCTION gridgov.risk_geojson(gridgov.gridcode, timestamptz) IS
    'GeoJSON FeatureCollection of a unit''s current children with their risk score, colour and counted cases at as_of (default now)';

-- Mapbox vector tiles (ST_AsMVT) for tile servers such as pg_tileserv and
-- martin, which call a function of z, x, y returning bytea.
CREATE FUNCTION gridgov.check_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL)
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
COMMENT ON FUNCTION gridgov.check_tile(integer, integer, integer, integer) IS
    'true for an existing web-mercator tile z/x/y (and a gridcell level 1 to 10 when given); an error (22023) otherwise';

-- The units at a level whose boundary meets the tile, layer "risk", with
-- attributes code, name, level, score, color and cases, in the order of
-- their codes: the same data makes the same tile, byte for byte.
CREATE FUNCTION gridgov.risk_tile(z integer, x integer, y integer, level integer DEFAULT 6,
                                      as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326
         WHERE gridgov.check_tile(z, x, y) AND gridgov.check_risk_time(as_of)
           AND gridgov.check_gridcode_level(risk_tile.level, 'level')
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(u.boundary, 3857), t.envelope, 4096, 64, true) AS geom,
               u.code::text AS code, u.name, u.level, COALESCE(rs.score, 0) AS score,
               gridgov.risk_color(COALESCE(rs.score, 0), u.level) AS color, COALESCE(rs.cases, 0) AS cases
          FROM tile t
          JOIN gridgov.unit u
            ON u.boundary && t.envelope_4326
           AND u.level OPERATOR(pg_catalog.=) risk_tile.level
           AND gridgov.in_routing_layer(u.level, u.layer)
           AND gridgov.unit_is_current(u.valid_to)
          LEFT JOIN LATERAL gridgov.risk_scores(u.code, as_of, u.level) rs ON true
    )
    SELECT COALESCE((SELECT ST_AsMVT(f.*, 'risk', 4096, 'geom' ORDER BY f.code)
                       FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea);
END;
COMMENT ON FUNCTION gridgov.risk_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk") of the current units at a level (default 6, grids) with their risk score, colour and counted cases at as_of';

-- The Beidou cells at a level that hold cases in the tile, layer
-- "risk_cells", with attributes cell, level, score, color (the thresholds
-- for every level) and cases.  Without a cell level, the tile's zoom picks
-- one: the finest whose cells are at least 1/128 of the tile's width (2
-- pixels of a 256-pixel tile), level 5 (about 120 m) at zoom 12, 6 (60 m)
-- at 13 to 15, 7 (7 m) at 16 to 18.  The cases are found through their cell:
-- the tile is covered with a few cells of a coarser level, each one btree
-- range of gridgov.cases.cell.
CREATE FUNCTION gridgov.risk_cell_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL,
                                           as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    -- before the query: its plan may compute the tile's envelope before a
    -- WHERE on these checks, and PostGIS refuses a bad tile with XX000
    PERFORM gridgov.check_tile(z, x, y, cell_level), gridgov.check_risk_time(as_of);
    RETURN (
        WITH widths AS (
            SELECT w.level, w.degrees
              FROM (VALUES (1, 6.0), (2, 0.5), (3, 0.25), (4, 1 / 60.0), (5, 1 / 900.0),
                           (6, 1 / 1800.0), (7, 1 / 14400.0), (8, 1 / 115200.0),
                           (9, 1 / 921600.0), (10, 1 / 7372800.0)) AS w(level, degrees)
        ), tile AS (
            SELECT ST_TileEnvelope(z, x, y) AS envelope,
                   ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326,
                   360.0 OPERATOR(pg_catalog./) (2::numeric OPERATOR(pg_catalog.^) z) AS degrees
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
            -- the aggregate's column form: readers may not read the whole case (its reporter)
            SELECT gridgov.parent(c.cell, lv.cell_level) AS cell,
                   gridgov.risk(c.status, c.severity, c.reported_at, as_of) AS score,
                   gridgov.risk_cases(c.status, c.severity, c.reported_at, as_of) AS cases
              FROM levels lv
             CROSS JOIN LATERAL gridgov.cover(lv.envelope_4326, lv.probe_level) probe
              JOIN gridgov.cases c
                ON c.cell OPERATOR(gridgov.<@) probe.cell
               AND c.reported_at OPERATOR(pg_catalog.<=) as_of
             GROUP BY 1
        ), features AS (
            SELECT ST_AsMVTGeom(ST_Transform(gridgov.boundary(ce.cell), 3857), lv.envelope, 4096, 64, true) AS geom,
                   ce.cell::text AS cell, lv.cell_level AS level, ce.score,
                   gridgov.risk_color(ce.score, NULL) AS color, ce.cases
              FROM cells ce, levels lv
             WHERE ce.cases OPERATOR(pg_catalog.>) 0
        )
        SELECT CASE WHEN z IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL AND as_of IS NOT NULL
                    THEN COALESCE((SELECT ST_AsMVT(f.*, 'risk_cells', 4096, 'geom' ORDER BY f.cell)
                                     FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea) END);
END;
$$;
COMMENT ON FUNCTION gridgov.risk_cell_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk_cells") of the Beidou cells at a level (default: picked by zoom) holding cases, with their risk score, colour and counted cases at as_of';

-- The two tile functions with martin's function-source signature: martin
-- serves a function of exactly (z, x, y) or (z, x, y, json), the URL's query
-- parameters in the json (all values strings), and leaves out a function
-- with more arguments, as risk_tile and risk_cell_tile have.  The options
-- are read from the query: level (or cell_level) and as_of.
CREATE FUNCTION gridgov.risk_tile_params(z integer, x integer, y integer, query_params json)
    RETURNS bytea
    LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE
BEGIN ATOMIC
    SELECT gridgov.risk_tile(z, x, y,
               COALESCE((query_params OPERATOR(pg_catalog.->>) 'level')::integer, 6),
               COALESCE((query_params OPERATOR(pg_catalog.->>) 'as_of')::timestamptz, pg_catalog.now()));
END;
COMMENT ON FUNCTION gridgov.risk_tile_params(integer, integer, integer, json) IS
    'risk_tile for martin: the tile z/x/y with level (default 6) and as_of (default now) from the URL''s query parameters in query_params';

CREATE FUNCTION gridgov.risk_cell_tile_params(z integer, x integer, y integer, query_params json)
    RETURNS bytea
    LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE
BEGIN ATOMIC
    SELECT gridgov.risk_cell_tile(z, x, y,
               (query_params OPERATOR(pg_catalog.->>) 'cell_level')::integer,
               COALESCE((query_params OPERATOR(pg_catalog.->>) 'as_of')::timestamptz, pg_catalog.now()));
END;
COMMENT ON FUNCTION gridgov.risk_cell_tile_params(integer, integer, integer, json) IS
    'risk_cell_tile for martin: the tile z/x/y with cell_level (default by zoom) and as_of (default now) from the URL''s query parameters in query_params';

-- ======================================================================
-- Views
-- ======================================================================

-- Intake, closure and KPIs, from the daily rollup kpi_daily.
--
-- Per day (in gridgov.calendar_timezone), unit (the case's, usually a grid)
-- and category: the counts of the cases reported that day, as they stood at
-- the rollup's last refresh.  Counts only: sum them in the tool and divide
-- sums for rates (closed / due_to_close is the closure rate).  The names of
-- the community, subdistrict and district above the unit make filters easy.
CREATE VIEW gridgov.daily_flow AS
SELECT d.day,
       d.unit::text AS unit,
       u.name AS unit_name,
       gridgov.level(d.unit) AS level,
       gridgov.ancestor(d.unit, 5)::text AS community,
       cm.name AS community_name,
       gridgov.ancestor(d.unit, 4)::text AS subdistrict,
       sd.name AS subdistrict_name,
       gridgov.ancestor(d.unit, 3)::text AS district,
       dt.name AS district_name,
       d.category,
       cat.name AS category_name,
       gridgov.received(d.kpi) AS received,
       gridgov.accepted(d.kpi) AS accepted,
       gridgov.dispatched(d.kpi) AS dispatched,
       gridgov.due_to_close(d.kpi) AS due_to_close,
       gridgov.closed(d.kpi) AS closed,
       gridgov.closed_on_time(d.kpi) AS closed_on_time,
       gridgov.reworked(d.kpi) AS reworked,
       gridgov.extended(d.kpi) AS extended,
       gridgov.returned(d.kpi) AS returned,
       gridgov.escalated(d.kpi) AS escalated,
       gridgov.settled_in_community(d.kpi) AS settled_in_community,
       gridgov.open_now(d.kpi) AS open_at_refresh,
       gridgov.overdue_now(d.kpi) AS overdue_at_refresh,
       gridgov.evaluated(d.kpi) AS evaluated,
       gridgov.satisfied(d.kpi) AS satisfied
  FROM gridgov.kpi_daily d
  LEFT JOIN gridgov.unit u ON u.code OPERATOR(gridgov.=) d.unit
  LEFT JOIN gridgov.unit cm ON cm.code OPERATOR(gridgov.=) gridgov.ancestor(d.unit, 5)
  LEFT JOIN gridgov.unit sd ON sd.code OPERATOR(gridgov.=) gridgov.ancestor(d.unit, 4)
  LEFT JOIN gridgov.unit dt ON dt.code OPERATOR(gridgov.=) gridgov.ancestor(d.unit, 3)
  LEFT JOIN gridgov.category cat ON cat.code OPERATOR(pg_catalog.=) d.category;
COMMENT ON VIEW gridgov.daily_flow IS
    'daily intake and outcome per unit and category, from kpi_daily: counts of the cases reported that day as of the last refresh';
COMMENT ON COLUMN gridgov.daily_flow.day IS
    'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.daily_flow.unit IS 'the cases'' unit, usually a grid: its gridcode as text';
COMMENT ON COLUMN gridgov.daily_flow.unit_name IS 'the unit''s name';
COMMENT ON COLUMN gridgov.daily_flow.level IS 'the unit''s level: 1 province ... 6 grid, 7 building';
COMMENT ON COLUMN gridgov.daily_flow.community IS
    'the community or village (level 5) of the unit, its gridcode as text';
COMMENT ON COLUMN gridgov.daily_flow.community_name IS 'the community''s name';
COMMENT ON COLUMN gridgov.daily_flow.subdistrict IS
    'the subdistrict or township (level 4) of the unit, its gridcode as text';
COMMENT ON COLUMN gridgov.daily_flow.subdistrict_name IS 'the subdistrict''s name';
COMMENT ON COLUMN gridgov.daily_flow.district IS
    'the district or county (level 3) of the unit, its gridcode as text';
COMMENT ON COLUMN gridgov.daily_flow.district_name IS 'the district''s name';
COMMENT ON COLUMN gridgov.daily_flow.category IS 'the cases'' category (category.code)';
COMMENT ON COLUMN gridgov.daily_flow.category_name IS 'the category''s name';
COMMENT ON COLUMN gridgov.daily_flow.received IS '受理数: cases reported';
COMMENT ON COLUMN gridgov.daily_flow.accepted IS '立案数: of them, cases accepted';
COMMENT ON COLUMN gridgov.daily_flow.dispatched IS 'of them, cases dispatched';
COMMENT ON COLUMN gridgov.daily_flow.due_to_close IS
    '应结案数: of them, cases closed, cases verified and waiting for closure, and cases accepted, open and overdue at the refresh';
COMMENT ON COLUMN gridgov.daily_flow.closed IS '结案数: of them, cases closed';
COMMENT ON COLUMN gridgov.daily_flow.closed_on_time IS
    '按期结案数: of them, cases closed without a missed stage deadline';
COMMENT ON COLUMN gridgov.daily_flow.reworked IS '返工数: of them, cases reopened at least once';
COMMENT ON COLUMN gridgov.daily_flow.extended IS '延期数: of them, cases extended at least once';
COMMENT ON COLUMN gridgov.daily_flow.returned IS '退回数: of them, cases returned at least once';
COMMENT ON COLUMN gridgov.daily_flow.escalated IS
    '升级数: of them, cases escalated at least once, at intake included';
COMMENT ON COLUMN gridgov.daily_flow.settled_in_community IS
    '社区化解数: of them, cases closed inside the community (handling_level 5, or a grid or building station''s 6 or 7)';
COMMENT ON COLUMN gridgov.daily_flow.open_at_refresh IS
    '在办数: of them, cases open at the rollup''s refresh';
COMMENT ON COLUMN gridgov.daily_flow.overdue_at_refresh IS
    '超期数: of them, cases open and overdue at the rollup''s refresh';
COMMENT ON COLUMN gridgov.daily_flow.evaluated IS '评价数: of them, cases closed with a satisfaction';
COMMENT ON COLUMN gridgov.daily_flow.satisfied IS
    '满意数: of them, cases closed with a satisfaction of 4 or 5';

-- kpi_by_unit's table per calendar month, for every month kpi_daily
-- holds.  A filter on month reaches the rollup as a range of days.
CREATE VIEW gridgov.unit_kpi_monthly AS
SELECT mo.month::date AS month, k.*
  FROM (SELECT pg_catalog.min(d.day) AS first_day, pg_catalog.max(d.day) AS last_day
          FROM gridgov.kpi_daily d) r
 CROSS JOIN LATERAL pg_catalog.generate_series(pg_catalog.date_trunc('month', r.first_day::timestamp),
                                               r.last_day::timestamp, interval '1 month') AS mo(month)
 CROSS JOIN LATERAL gridgov.kpi_by_unit(mo.month::date,
                                            (mo.month OPERATOR(pg_catalog.+) interval '1 month')::date OPERATOR(pg_catalog.-) 1) k;
COMMENT ON VIEW gridgov.unit_kpi_monthly IS
    'KPI table per month of report and unit at every level, with names and breadcrumbs, from kpi_daily';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.month IS
    'the month the cases were reported: its first day, months in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.name IS 'the unit''s name';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.level IS 'the unit''s level: 1 province ... 6 grid';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.level_name IS
    'the level''s name: province, prefecture, county, township, village or grid';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.breadcrumb IS
    'the names from the province down to the unit, such as 广东省 › 深圳市 › 光明区';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.received IS '受理数: cases reported';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.accepted IS '立案数: cases accepted';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.dispatched IS 'cases dispatched';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.due_to_close IS
    '应结案数: cases closed, cases verified and waiting for closure, and cases accepted, open and overdue at the refresh';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.closed IS '结案数: cases closed';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.closure_rate IS
    '结案率: closed / due_to_close, a share 0 to 1 (4 places); NULL when nothing was due';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.closed_on_time IS
    '按期结案数: cases closed without a missed stage deadline';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.on_time_rate IS
    '按期结案率 (the published formula): closed_on_time / due_to_close, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.reworked IS '返工数: cases reopened at least once';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.rework_rate IS
    '返工率: reworked / closed, a fraction (4 places), above 1 only when reopened cases are not closed again';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.extended IS '延期数: cases extended at least once';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.extension_rate IS
    '延期率: extended / dispatched, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.returned IS '退回数: cases returned at least once';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.escalated IS
    '升级数: cases escalated at least once, at intake included';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.escalation_rate IS
    '升级率: escalated / accepted, a fraction (4 places), above 1 only when cases escalated at intake were not accepted';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.settled_in_community IS
    '社区化解数: cases closed inside the community (handling_level 5, or a grid or building station''s 6 or 7)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.community_share IS
    '小事不出村: settled_in_community / closed, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.open_at_refresh IS '在办数: cases open at the rollup''s refresh';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.overdue_at_refresh IS
    '超期数: cases open and overdue at the rollup''s refresh';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.satisfaction_mean IS
    '满意度: mean satisfaction of the evaluated cases, 1 to 5 (2 places)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.satisfied_share IS
    '满意率: cases rated 4 or 5 / cases rated, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.accept_hours_p50 IS
    'median working hours from report to acceptance (2 places, within 0.5%)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.accept_hours_p90 IS
    '90th percentile of working hours from report to acceptance (2 places, within 0.5%)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.close_hours_p50 IS
    'median working hours from report to closure (2 places, within 0.5%)';
COMMENT ON COLUMN gridgov.unit_kpi_monthly.close_hours_p90 IS
    '90th percentile of working hours from report to closure (2 places, within 0.5%)';

-- The best service hall of the month.
--
-- The ranking of the current month and the twelve before it, as of now.
CREATE VIEW gridgov.service_point_monthly AS
SELECT r.*
  FROM pg_catalog.generate_series(
           pg_catalog.date_trunc('month', (pg_catalog.now() AT TIME ZONE gridgov.calendar_timezone())) OPERATOR(pg_catalog.-) interval '12 months',
           pg_catalog.date_trunc('month', (pg_catalog.now() AT TIME ZONE gridgov.calendar_timezone())),
           interval '1 month') AS mo(month)
 CROSS JOIN LATERAL gridgov.service_point_ranking(mo.month::date) r;
COMMENT ON VIEW gridgov.service_point_monthly IS
    'service points ranked by the composite score per month of report, the last 13 months, as of now (see service_point_ranking)';
COMMENT ON COLUMN gridgov.service_point_monthly.month IS
    'the month the cases were reported: its first day, months in gridgov.calendar_timezone';
COMMENT ON COLUMN gridgov.service_point_monthly.rank IS
    'rank among its peers (same level and department) by score, 1 the best, ties sharing; NULL below 10 cases received';
COMMENT ON COLUMN gridgov.service_point_monthly.service_point IS 'the service point''s id';
COMMENT ON COLUMN gridgov.service_point_monthly.name IS 'the service point''s name';
COMMENT ON COLUMN gridgov.service_point_monthly.unit IS 'the unit it serves, its gridcode as text';
COMMENT ON COLUMN gridgov.service_point_monthly.unit_name IS 'the unit''s name';
COMMENT ON COLUMN gridgov.service_point_monthly.level IS
    'its level: 3 district, 4 subdistrict, 5 community';
COMMENT ON COLUMN gridgov.service_point_monthly.department IS
    'its functional department; NULL for a general service point';
COMMENT ON COLUMN gridgov.service_point_monthly.received IS
    'cases reported in the month and routed to it at intake';
COMMENT ON COLUMN gridgov.service_point_monthly.closed IS '结案数: of them, cases closed';
COMMENT ON COLUMN gridgov.service_point_monthly.closure_rate IS
    '结案率: closed / due to close, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.service_point_monthly.on_time_rate IS
    '按期结案率 (the published formula): closed on time / due to close, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.service_point_monthly.satisfied_share IS
    '满意率: cases rated 4 or 5 / cases rated, a share 0 to 1 (4 places)';
COMMENT ON COLUMN gridgov.service_point_monthly.satisfaction_mean IS
    '满意度: mean satisfaction of the rated cases, 1 to 5 (2 places)';
COMMENT ON COLUMN gridgov.service_point_monthly.escalation_rate IS
    '升级率: escalated / accepted, a fraction (4 places)';
COMMENT ON COLUMN gridgov.service_point_monthly.score IS
    'composite score, 0 to 100 (2 places): 100 * (0.30 closure_rate + 0.30 on_time_rate + 0.25 satisfied_share + 0.15 (1 - escalation_rate)), a missing rate counting as 0';

-- The risk map (实时风险预警图).
--
-- Every current unit down to the grids, with its risk now: one pass over
-- the rollup and the recent cases per province in the registry.  The first
-- column, id, is a unique integer: QGIS takes a view's first column as its
-- key, GDAL takes it with PGSQL_OGR_FID=id.
CREATE VIEW gridgov.risk_map AS
SELECT u.code::bigint AS id,
       u.code::text AS unit,
       u.name,
       u.level,
       gridgov.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       -- breadcrumb(), as an index scan per row
       (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
          FROM gridgov.unit a
         WHERE a.code OPERATOR(gridgov.=) ANY (ARRAY(
               SELECT gridgov.ancestor(u.code, l.level)
                 FROM pg_catalog.generate_series(1, u.level) AS l(level)))
           AND gridgov.unit_is_current(a.valid_to)) AS breadcrumb,
       COALESCE(s.score, 0)::numeric AS score,
       gridgov.risk_color(COALESCE(s.score, 0), u.level) AS color,
       COALESCE(s.cases, 0) AS cases,
       u.boundary
  FROM gridgov.unit u
  LEFT JOIN (SELECT rs.unit, rs.score, rs.cases
               FROM gridgov.unit p
              CROSS JOIN LATERAL gridgov.risk_scores(p.code, pg_catalog.now(), 6) rs
              WHERE p.level OPERATOR(pg_catalog.=) 1 AND gridgov.unit_is_current(p.valid_to)) s
         ON s.unit OPERATOR(gridgov.=) u.code
 WHERE u.level OPERATOR(pg_catalog.<=) 6 AND gridgov.unit_is_current(u.valid_to)
   AND gridgov.in_routing_layer(u.level, u.layer);
COMMENT ON VIEW gridgov.risk_map IS
    'risk map now: every current unit down to the grids with its risk score, warning colour, counted cases and boundary (MultiPolygon, SRID 4326)';
COMMENT ON COLUMN gridgov.risk_map.id IS
    'the unit''s code as one 19-digit number (gridcode''s bigint): a unique integer key, the first column, which QGIS offers as the view''s key';
COMMENT ON COLUMN gridgov.risk_map.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN gridgov.risk_map.name IS 'the unit''s name';
COMMENT ON COLUMN gridgov.risk_map.level IS 'the unit''s level: 1 province ... 6 grid';
COMMENT ON COLUMN gridgov.risk_map.level_name IS 'the level''s name: province, prefecture, county, township, village or grid';
COMMENT ON COLUMN gridgov.risk_map.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN gridgov.risk_map.breadcrumb IS
    'the names from the province down to the unit, such as 广东省 › 深圳市 › 光明区';
COMMENT ON COLUMN gridgov.risk_map.score IS
    'sum over the unit''s subtree of weight(severity) * 2^(-(now - reported_at) / half_life), a numeric (15 significant digits); see risk()';
COMMENT ON COLUMN gridgov.risk_map.color IS 'blue, yellow, orange or red by the thresholds in force at the unit''s level';
COMMENT ON COLUMN gridgov.risk_map.cases IS 'cases counted in the score (reported by now, not rejected or merged)';
COMMENT ON COLUMN gridgov.risk_map.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326; NULL where the registry has none';

-- The registry as a map layer.  QGIS and GDAL cannot use the table unit's
-- key, a gridcode (QGIS leaves out a column of a type it does not know, key
-- included, and gives every feature one id): this view has a unique
-- integer first, and the codes as text.
CREATE VIEW gridgov.unit_map WITH (security_invoker = true) AS
SELECT u.code::bigint AS id,
       u.code::text AS unit,
       u.name,
       u.level,
       gridgov.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       u.properties,
       u.valid_from,
       u.valid_to,
       u.boundary
  FROM gridgov.unit u;
COMMENT ON VIEW gridgov.unit_map IS
    'the unit registry as a map layer for QGIS and GDAL: a unique integer key first, codes as text, the boundary (MultiPolygon, SRID 4326)';
COMMENT ON COLUMN gridgov.unit_map.id IS
    'the unit''s code as one 19-digit number (gridcode''s bigint): a unique integer key, the first column, which QGIS offers as the view''s key';
COMMENT ON COLUMN gridgov.unit_map.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN gridgov.unit_map.name IS 'the unit''s name';
COMMENT ON COLUMN gridgov.unit_map.level IS 'the unit''s level: 1 province ... 7 building';
COMMENT ON COLUMN gridgov.unit_map.level_name IS
    'the level''s name: province, prefecture, county, township, village, grid or building';
COMMENT ON COLUMN gridgov.unit_map.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN gridgov.unit_map.properties IS 'the unit''s free-form attributes';
COMMENT ON COLUMN gridgov.unit_map.valid_from IS 'when this version of the unit took effect';
COMMENT ON COLUMN gridgov.unit_map.valid_to IS 'NULL while the unit is current';
COMMENT ON COLUMN gridgov.unit_map.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326; NULL where the registry has none';
