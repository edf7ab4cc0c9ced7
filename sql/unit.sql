-- gridgov pillar 1: the unit registry
--
-- One row per jurisdiction unit.  The level and the parent are derived from
-- the code, and the parent must be registered (the foreign key), so the tree
-- can never hold an orphan.  Redrawing a unit keeps the earlier version in
-- unit_history.  The table is meant to become a Citus reference table and to
-- carry row-level security by jurisdiction later, so everything keys on code.
--
-- PostGIS names are left unqualified: PostgreSQL 15 cannot name a required
-- extension's schema in a script, and CREATE EXTENSION puts exactly that
-- schema on the search_path.  SQL function bodies are parsed once, here
-- (BEGIN ATOMIC), and PL/pgSQL functions keep this search_path.

-- ======================================================================
-- Tables
-- ======================================================================

-- Grid layers (docs/layers.md): the district draws several grid systems over
-- the same ground (governance, party-building, epidemic control, enclosed
-- units, its own).  Every grid (unit at level 6) belongs to one; the units
-- above and below the grids form the one tree all layers hang under, the
-- governance layer's.  Cases are routed in the primary layer: the one row
-- flagged is_primary, else governance.  Only governance is made by CREATE
-- EXTENSION (unit.layer defaults to it); the district adds the others.
CREATE TABLE gridgov.grid_layer (
    name        text PRIMARY KEY
                CONSTRAINT grid_layer_name_form CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    title       text NOT NULL CONSTRAINT grid_layer_title_not_empty CHECK (title OPERATOR(pg_catalog.<>) ''),
    is_primary  boolean NOT NULL DEFAULT false,
    -- at most one flagged, checked at the end of the statement so that one
    -- UPDATE can move the flag, and safe against two concurrent moves
    CONSTRAINT grid_layer_one_primary EXCLUDE USING btree (is_primary WITH OPERATOR(pg_catalog.=))
        WHERE (is_primary) DEFERRABLE INITIALLY IMMEDIATE
);
COMMENT ON TABLE gridgov.grid_layer IS
    'grid layers: the grid systems drawn over the same ground; every grid (level 6) belongs to one';
COMMENT ON COLUMN gridgov.grid_layer.name IS
    'the layer''s name, as unit.layer gives it, such as epidemic: lower-case letters, digits and _';
COMMENT ON COLUMN gridgov.grid_layer.title IS 'the layer''s Chinese name, such as 防疫网格; not empty';
COMMENT ON COLUMN gridgov.grid_layer.is_primary IS
    'true for the layer cases are routed in; at most one layer; when none is flagged, governance is primary';

INSERT INTO gridgov.grid_layer (name, title) VALUES ('governance', '综合网格');

-- pg_dump keeps the layers the district added (governance is CREATE
-- EXTENSION's); a flag on governance is lost, and changes nothing.
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_layer',
           'WHERE name OPERATOR(pg_catalog.<>) ''governance''');

CREATE TABLE gridgov.unit (
    code        gridgov.gridcode PRIMARY KEY,
    name        text NOT NULL CONSTRAINT unit_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    level       integer NOT NULL GENERATED ALWAYS AS (gridgov.level(code)) STORED,
    parent      gridgov.gridcode GENERATED ALWAYS AS (gridgov.parent(code)) STORED
                CONSTRAINT unit_parent_must_exist REFERENCES gridgov.unit (code),
    boundary    geometry(MultiPolygon, 4326),
    properties  jsonb NOT NULL DEFAULT '{}',
    valid_from  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    valid_to    timestamptz,
    layer       text NOT NULL DEFAULT 'governance' CONSTRAINT unit_layer_exists REFERENCES gridgov.grid_layer (name),
    CONSTRAINT unit_validity CHECK (valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>) valid_from),
    CONSTRAINT unit_layer_grids_only CHECK (level OPERATOR(pg_catalog.=) 6 OR layer OPERATOR(pg_catalog.=) 'governance')
);
COMMENT ON TABLE gridgov.unit IS 'jurisdiction units: province down to building';
COMMENT ON COLUMN gridgov.unit.code IS 'the unit''s jurisdiction code; primary key';
COMMENT ON COLUMN gridgov.unit.name IS 'the unit''s name, such as 马田街道; not empty';
COMMENT ON COLUMN gridgov.unit.level IS 'derived from code: 1 province ... 7 building';
COMMENT ON COLUMN gridgov.unit.parent IS 'derived from code; must be registered';
COMMENT ON COLUMN gridgov.unit.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326 (longitude, latitude); NULL until surveyed';
COMMENT ON COLUMN gridgov.unit.properties IS
    'free-form attributes; nbs_name keeps the National Bureau of Statistics name (import_units)';
COMMENT ON COLUMN gridgov.unit.valid_from IS
    'when this version of the unit took effect: an edit of name, boundary, properties or layer starts a new one';
COMMENT ON COLUMN gridgov.unit.valid_to IS 'NULL while the unit is current';
COMMENT ON COLUMN gridgov.unit.layer IS
    'the grid layer (grid_layer) a grid belongs to; units at other levels are governance''s, the tree every layer hangs under';
CREATE INDEX unit_parent_idx ON gridgov.unit (parent);
-- the units of one level under a root, one range of this index: the
-- people checks' grids and communities, without reading the buildings
-- between them in the primary key's order
CREATE INDEX unit_level_code_idx ON gridgov.unit (level, code);
CREATE INDEX unit_boundary_idx ON gridgov.unit USING gist (boundary);

CREATE TABLE gridgov.unit_history (
    code        gridgov.gridcode NOT NULL,
    name        text NOT NULL,
    boundary    geometry(MultiPolygon, 4326),
    properties  jsonb NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL,
    layer       text NOT NULL DEFAULT 'governance',
    PRIMARY KEY (code, valid_from)
);
COMMENT ON TABLE gridgov.unit_history IS
    'earlier versions of units whose name, boundary, properties or layer changed';
COMMENT ON COLUMN gridgov.unit_history.code IS 'the unit''s jurisdiction code';
COMMENT ON COLUMN gridgov.unit_history.name IS 'the unit''s name in this version';
COMMENT ON COLUMN gridgov.unit_history.boundary IS
    'the unit''s area in this version, a MultiPolygon in SRID 4326';
COMMENT ON COLUMN gridgov.unit_history.properties IS 'the unit''s properties in this version';
COMMENT ON COLUMN gridgov.unit_history.valid_from IS 'when this version took effect';
COMMENT ON COLUMN gridgov.unit_history.valid_to IS 'when this version was replaced: the time of the edit';
COMMENT ON COLUMN gridgov.unit_history.layer IS 'the grid layer the unit belonged to in this version';

SELECT pg_catalog.pg_extension_config_dump('gridgov.unit', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.unit_history', '');
CREATE INDEX unit_history_boundary_idx ON gridgov.unit_history USING gist (boundary);

-- Redraws (docs/layers.md, "Redraws"): split_grid, merge_grids and
-- reshape_grid end the old grids' versions and start the new ones at the
-- same instant, and record here which new grid took which part of which old
-- one.  A version is named by its code and valid_from, in unit (the current
-- or retired one) or unit_history (an earlier one), so no foreign key.
CREATE TABLE gridgov.grid_lineage (
    old_code        gridgov.gridcode NOT NULL,
    old_valid_from  timestamptz NOT NULL,
    new_code        gridgov.gridcode NOT NULL,
    new_valid_from  timestamptz NOT NULL,
    redraw          text NOT NULL
                    CONSTRAINT grid_lineage_redraw_kind CHECK (redraw OPERATOR(pg_catalog.=) ANY (ARRAY['split', 'merge', 'reshape'])),
    share_of_old    double precision NOT NULL
                    CONSTRAINT grid_lineage_share_of_old_range
                    CHECK (share_of_old OPERATOR(pg_catalog.>=) 0 AND share_of_old OPERATOR(pg_catalog.<=) 1),
    share_of_new    double precision NOT NULL
                    CONSTRAINT grid_lineage_share_of_new_range
                    CHECK (share_of_new OPERATOR(pg_catalog.>=) 0 AND share_of_new OPERATOR(pg_catalog.<=) 1),
    PRIMARY KEY (old_code, old_valid_from, new_code, new_valid_from),
    CONSTRAINT grid_lineage_forward CHECK (new_valid_from OPERATOR(pg_catalog.>) old_valid_from)
);
COMMENT ON TABLE gridgov.grid_lineage IS
    'which new grid version took which part of which old one, written by split_grid, merge_grids and reshape_grid';
COMMENT ON COLUMN gridgov.grid_lineage.old_code IS 'the redrawn grid''s code';
COMMENT ON COLUMN gridgov.grid_lineage.old_valid_from IS
    'when the redrawn version took effect: with old_code, names it in unit or unit_history';
COMMENT ON COLUMN gridgov.grid_lineage.new_code IS 'the code of the grid that took part of its ground (the same code for a reshape)';
COMMENT ON COLUMN gridgov.grid_lineage.new_valid_from IS 'when the new version took effect: the redraw''s effective time';
COMMENT ON COLUMN gridgov.grid_lineage.redraw IS 'split, merge or reshape: the function that wrote the row';
COMMENT ON COLUMN gridgov.grid_lineage.share_of_old IS
    'the share of the old version''s area that went to the new one (spheroid areas; per old grid of a split or merge the shares sum to 1)';
COMMENT ON COLUMN gridgov.grid_lineage.share_of_new IS
    'the share of the new version''s area that came from the old one (spheroid areas; per new grid of a split or merge the shares sum to 1, unless the grids merged overlapped)';
CREATE INDEX grid_lineage_new_idx ON gridgov.grid_lineage (new_code, new_valid_from);
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_lineage', '');

-- Every version of every unit, current, retired or earlier, with the time
-- from which it takes cases routed by their reported_at (routes_from): its
-- valid_from, except for a unit's first version that no redraw made, which
-- takes the reports dated before the unit was registered (-infinity): the
-- registry knew nothing better of that ground then.
CREATE VIEW gridgov.unit_versions WITH (security_invoker = true) AS
SELECT v.code, v.name, gridgov.level(v.code) AS level, v.layer, v.boundary, v.valid_from, v.valid_to,
       CASE WHEN EXISTS (SELECT FROM gridgov.unit_history h
                          WHERE h.code OPERATOR(gridgov.=) v.code AND h.valid_from OPERATOR(pg_catalog.<) v.valid_from)
              OR EXISTS (SELECT FROM gridgov.grid_lineage l
                          WHERE l.new_code OPERATOR(gridgov.=) v.code
                            AND l.new_valid_from OPERATOR(pg_catalog.=) v.valid_from)
            THEN v.valid_from ELSE '-infinity'::timestamptz END AS routes_from
  FROM (SELECT u.code, u.name, u.layer, u.boundary, u.valid_from, u.valid_to FROM gridgov.unit u
        UNION ALL
        SELECT h.code, h.name, h.layer, h.boundary, h.valid_from, h.valid_to FROM gridgov.unit_history h) v;
COMMENT ON VIEW gridgov.unit_versions IS
    'every version of every unit (unit and unit_history), with the time from which it takes cases routed by reported_at';
COMMENT ON COLUMN gridgov.unit_versions.code IS 'the unit''s code';
COMMENT ON COLUMN gridgov.unit_versions.name IS 'the unit''s name in this version';
COMMENT ON COLUMN gridgov.unit_versions.level IS 'the unit''s level, 1 province ... 7 building';
COMMENT ON COLUMN gridgov.unit_versions.layer IS 'the grid layer of this version';
COMMENT ON COLUMN gridgov.unit_versions.boundary IS 'the unit''s area in this version, a MultiPolygon in SRID 4326';
COMMENT ON COLUMN gridgov.unit_versions.valid_from IS 'when this version took effect';
COMMENT ON COLUMN gridgov.unit_versions.valid_to IS 'when it ended; NULL while in force';
COMMENT ON COLUMN gridgov.unit_versions.routes_from IS
    'from when a case reported then is routed to it: valid_from, or -infinity for a unit''s first version that no redraw made';

-- ======================================================================
-- Functions
-- ======================================================================

-- Keep the version an update replaces.  Several edits in one transaction make
-- one version: they all happen at the same now().
CREATE FUNCTION gridgov.unit_keep_history() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    -- an edit that sets valid_from itself dates the new version (a redraw
    -- dated in the past, reshape_grid); any other edit takes effect now
    cut timestamptz := CASE WHEN NEW.valid_from IS DISTINCT FROM OLD.valid_from THEN NEW.valid_from
                            ELSE pg_catalog.now() END;
BEGIN
    IF (OLD.name, OLD.boundary, OLD.properties, OLD.layer) IS NOT DISTINCT FROM
       (NEW.name, NEW.boundary, NEW.properties, NEW.layer)
       OR OLD.valid_from OPERATOR(pg_catalog.>=) cut THEN
        RETURN NEW;
    END IF;
    INSERT INTO gridgov.unit_history (code, name, boundary, properties, valid_from, valid_to, layer)
    VALUES (OLD.code, OLD.name, OLD.boundary, OLD.properties, OLD.valid_from, cut, OLD.layer);
    NEW.valid_from := cut;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION gridgov.unit_keep_history() IS
    'BEFORE UPDATE row trigger on unit: an edit of name, boundary, properties or layer keeps the version it replaces in unit_history, ended at the new valid_from if the edit sets one, else now()';

-- Functions over the registry.  They read current units: valid_to unset or
-- still ahead.
CREATE FUNCTION gridgov.unit_is_current(gridgov.unit) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT $1.valid_to IS NULL OR $1.valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
END;
COMMENT ON FUNCTION gridgov.unit_is_current(gridgov.unit) IS
    'true while the unit is in force (valid_to unset or in the future)';

-- The same from the unit's valid_to: what queries over the units call, as
-- unit_is_current(u.valid_to).  On Citus, unit is a reference table whose
-- rows have the shard's own type, which unit_is_current(u) does not take.
CREATE FUNCTION gridgov.unit_is_current(valid_to timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
COMMENT ON FUNCTION gridgov.unit_is_current(timestamptz) IS
    'true while a unit with this valid_to is in force (valid_to unset or in the future)';

CREATE FUNCTION gridgov.children(gridgov.gridcode) RETURNS SETOF gridgov.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 20
BEGIN ATOMIC
    SELECT u.* FROM gridgov.unit u
     WHERE u.parent OPERATOR(gridgov.=) $1 AND gridgov.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION gridgov.children(gridgov.gridcode) IS
    'registered units directly below a code';

CREATE FUNCTION gridgov.descendants(gridgov.gridcode, max_level integer DEFAULT 7)
    RETURNS SETOF gridgov.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT u.* FROM gridgov.unit u
     WHERE gridgov.check_gridcode_level($2, 'max_level')
       AND u.code OPERATOR(gridgov.<@) $1 AND u.code OPERATOR(gridgov.<>) $1
       AND u.level OPERATOR(pg_catalog.<=) $2 AND gridgov.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION gridgov.descendants(gridgov.gridcode, integer) IS
    'registered units below a code, down to max_level (1 to 7), in code order';

CREATE FUNCTION gridgov.ancestors(gridgov.gridcode) RETURNS SETOF gridgov.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    SELECT u.* FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.=) ANY (ARRAY(
               SELECT gridgov.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, gridgov.level($1) OPERATOR(pg_catalog.-) 1) AS l(level)))
       AND gridgov.unit_is_current(u.valid_to)
     ORDER BY u.level;
END;
COMMENT ON FUNCTION gridgov.ancestors(gridgov.gridcode) IS
    'registered units above a code, from the province down';

CREATE FUNCTION gridgov.breadcrumb(gridgov.gridcode, separator text DEFAULT ' › ') RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    -- the ancestors' codes as one array: a single index probe per code
    SELECT pg_catalog.string_agg(u.name, $2 ORDER BY u.level)
      FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.=) ANY (ARRAY(
               SELECT gridgov.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, gridgov.level($1)) AS l(level)))
       AND gridgov.unit_is_current(u.valid_to);
END;
COMMENT ON FUNCTION gridgov.breadcrumb(gridgov.gridcode, text) IS
    'names of the registered units from the province down to the code itself';

-- ======================================================================
-- Grid layers
-- ======================================================================

CREATE FUNCTION gridgov.primary_layer() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT l.name FROM gridgov.grid_layer l WHERE l.is_primary), 'governance');
END;
COMMENT ON FUNCTION gridgov.primary_layer() IS
    'the grid layer cases are routed in: the one flagged is_primary in grid_layer, else governance';

-- Outside the layer functions, "the grids" are the routing layer's: the
-- ones cases land on, whose coverage by branches and party members is
-- checked and whose risk is drawn (a unit above the grids is in every
-- layer's tree).
CREATE FUNCTION gridgov.in_routing_layer(level integer, layer text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN level OPERATOR(pg_catalog.<>) 6 OR layer OPERATOR(pg_catalog.=) gridgov.primary_layer();
COMMENT ON FUNCTION gridgov.in_routing_layer(integer, text) IS
    'true for a unit above or below the grids, and for a grid of the primary layer (primary_layer()): the units the dashboards and the people pillar''s coverage checks count';

CREATE FUNCTION gridgov.check_grid_layer(layer text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_grid_layer' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.check_grid_layer(text) IS
    'true for a layer of grid_layer; raises GG011 otherwise: the check of the overlay functions';

CREATE FUNCTION gridgov.grid_at(point geometry, layer text) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_grid_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.grid_at(geometry, text) IS
    'the current grid of a layer covering a point (SRID 4326), the smallest code among several, NULL if none; from the in-memory index that routes cases';

-- The same at another time: the grid a case reported then is routed to
-- (docs/layers.md, "Redraws").
CREATE FUNCTION gridgov.grid_at(point geometry, layer text, at timestamptz) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_grid_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.grid_at(geometry, text, timestamptz) IS
    'the grid of a layer in force at a time (routes_from <= at < valid_to in unit_versions) covering a point, the smallest code among several, NULL if none; from the in-memory index that routes cases';

-- The current grids of a layer whose overlap with the given grid has at
-- least min_m2 square metres: shared edges and drawing slivers are no
-- overlap.  Areas on the spheroid (geography), so shares are of true areas.
CREATE FUNCTION gridgov.grid_overlay(grid gridgov.gridcode, layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (other gridgov.gridcode, name text, overlap_m2 double precision,
                   share_of_grid double precision, share_of_other double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
DECLARE
    given gridgov.unit;
BEGIN
    PERFORM gridgov.check_grid_layer(grid_overlay.layer);
    SELECT u.* INTO given FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.=) grid_overlay.grid AND u.level OPERATOR(pg_catalog.=) 6
       AND gridgov.unit_is_current(u.valid_to);
    IF given.boundary IS NULL THEN
        RAISE EXCEPTION 'unit % is not a current grid with a boundary', grid_overlay.grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'grid_overlay compares a grid (level 6) in force, whose boundary is registered in gridgov.unit.';
    END IF;
    RETURN QUERY
    SELECT o.code, o.name, a.m2, a.m2 OPERATOR(pg_catalog./) ST_Area(given.boundary::geography),
           a.m2 OPERATOR(pg_catalog./) ST_Area(o.boundary::geography)
      FROM gridgov.unit o
     CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(o.boundary, given.boundary)::geography) AS m2) a
     WHERE o.level OPERATOR(pg_catalog.=) 6 AND o.layer OPERATOR(pg_catalog.=) grid_overlay.layer
       AND o.code OPERATOR(gridgov.<>) given.code AND gridgov.unit_is_current(o.valid_to)
       AND ST_Intersects(o.boundary, given.boundary) AND a.m2 OPERATOR(pg_catalog.>=) grid_overlay.min_m2
     ORDER BY a.m2 DESC, o.code;
END;
$$;
COMMENT ON FUNCTION gridgov.grid_overlay(gridgov.gridcode, text, double precision) IS
    'the current grids of a layer overlapping a grid by at least min_m2 m², with the overlap''s area and its shares of both grids';

CREATE FUNCTION gridgov.layer_overlaps(layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (grid gridgov.gridcode, other gridgov.gridcode, overlap_m2 double precision,
                   share_of_grid double precision, share_of_other double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
BEGIN
    PERFORM gridgov.check_grid_layer(layer_overlaps.layer);
    RETURN QUERY
    SELECT g.code, o.code, a.m2, a.m2 OPERATOR(pg_catalog./) ST_Area(g.boundary::geography),
           a.m2 OPERATOR(pg_catalog./) ST_Area(o.boundary::geography)
      FROM gridgov.unit g
      JOIN gridgov.unit o
        ON o.level OPERATOR(pg_catalog.=) 6 AND o.layer OPERATOR(pg_catalog.=) g.layer
       AND o.code OPERATOR(gridgov.>) g.code AND gridgov.unit_is_current(o.valid_to)
       AND ST_Intersects(o.boundary, g.boundary)
     CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(o.boundary, g.boundary)::geography) AS m2) a
     WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) layer_overlaps.layer
       AND gridgov.unit_is_current(g.valid_to) AND a.m2 OPERATOR(pg_catalog.>=) layer_overlaps.min_m2
     ORDER BY g.code, o.code;
END;
$$;
COMMENT ON FUNCTION gridgov.layer_overlaps(text, double precision) IS
    'pairs of current grids of one layer overlapping by at least min_m2 m² (each pair once, the smaller code first), with the overlap''s area and its shares of both';

-- A gap of a layer is ground of a community that none of the layer's
-- grids covers, whatever community the grids are coded under.
CREATE FUNCTION gridgov.layer_gaps(layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (unit gridgov.gridcode, name text, gap_m2 double precision, share double precision,
                   gap geometry)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
BEGIN
    PERFORM gridgov.check_grid_layer(layer_gaps.layer);
    RETURN QUERY
    SELECT c.code, c.name, d.m2, d.m2 OPERATOR(pg_catalog./) ST_Area(c.boundary::geography), d.gap
      FROM gridgov.unit c
     CROSS JOIN LATERAL (
           SELECT ST_Multi(ST_CollectionExtract(ST_Difference(c.boundary, COALESCE(ST_Union(g.boundary),
                          'SRID=4326;MULTIPOLYGON EMPTY'::geometry)), 3)) AS gap
             FROM gridgov.unit g
            WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) layer_gaps.layer
              AND gridgov.unit_is_current(g.valid_to) AND ST_Intersects(g.boundary, c.boundary)) u
     CROSS JOIN LATERAL (SELECT u.gap, ST_Area(u.gap::geography) AS m2) d
     WHERE c.level OPERATOR(pg_catalog.=) 5 AND c.boundary IS NOT NULL AND gridgov.unit_is_current(c.valid_to)
       AND d.m2 OPERATOR(pg_catalog.>=) layer_gaps.min_m2
     ORDER BY c.code;
END;
$$;
COMMENT ON FUNCTION gridgov.layer_gaps(text, double precision) IS
    'the ground of each current community that no current grid of a layer covers, where it has at least min_m2 m²: its area, its share of the community and its shape (MultiPolygon, SRID 4326)';

-- ======================================================================
-- Redraws (docs/layers.md, "Redraws")
-- ======================================================================

-- A redraw is dated now or in the past (an office records the redraw it
-- made on the first of the month); never in the future, when the new grids
-- would already be current for every function that reads the registry.
CREATE FUNCTION gridgov.check_redraw_time(effective timestamptz) RETURNS boolean
    LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF effective IS NULL THEN
        RAISE EXCEPTION 'the redraw has no effective time'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the time the new grids take effect, or leave effective out for now().';
    END IF;
    IF effective OPERATOR(pg_catalog.>) pg_catalog.now() THEN
        RAISE EXCEPTION 'a redraw cannot take effect at %, in the future', effective
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Run the redraw when it takes effect; it may be dated in the past.';
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION gridgov.check_redraw_time(timestamptz) IS
    'true for a redraw time not NULL and not in the future; raises 22023 otherwise: the check of split_grid, merge_grids and reshape_grid';

-- The grid a redraw replaces, locked: in force (valid_to unset), with a
-- boundary, and in its current form since before the redraw.
CREATE FUNCTION gridgov.redraw_old_grid(grid gridgov.gridcode, effective timestamptz)
    RETURNS gridgov.unit
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found gridgov.unit;
BEGIN
    SELECT u.* INTO found FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.=) grid AND u.level OPERATOR(pg_catalog.=) 6 AND u.valid_to IS NULL
       FOR UPDATE;
    IF found.code IS NULL THEN
        RAISE EXCEPTION 'unit % is not a grid in force', COALESCE(grid::text, 'NULL')
            USING ERRCODE = 'GG011',
                  HINT = 'A redraw replaces grids (level 6) registered in gridgov.unit whose valid_to is unset.';
    END IF;
    IF found.boundary IS NULL THEN
        RAISE EXCEPTION 'grid % has no boundary to redraw', grid
            USING ERRCODE = 'GG011',
                  HINT = 'Register the grid''s boundary in gridgov.unit first.';
    END IF;
    IF found.valid_from OPERATOR(pg_catalog.>=) effective THEN
        RAISE EXCEPTION 'grid % took its current form at %, not before the redraw at %', grid, found.valid_from, effective
            USING ERRCODE = 'GG011',
                  HINT = 'Date the redraw after the version it replaces took effect.';
    END IF;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION gridgov.redraw_old_grid(gridgov.gridcode, timestamptz) IS
    'the grid a redraw replaces, locked FOR UPDATE; raises GG011 unless it is a grid in force with a boundary whose version took effect before the redraw';

-- A new grid's boundary as a MultiPolygon, or 22023 naming the grid.
CREATE FUNCTION gridgov.redraw_boundary(grid gridgov.gridcode, boundary geometry) RETURNS geometry
    LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    reason text;
BEGIN
    IF boundary IS NULL THEN
        RAISE EXCEPTION 'new grid % has no boundary', grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A redraw draws every new grid: give a Polygon or MultiPolygon in SRID 4326.';
    END IF;
    IF ST_SRID(boundary) OPERATOR(pg_catalog.<>) 4326
       OR GeometryType(boundary) OPERATOR(pg_catalog.<>) ALL (ARRAY['POLYGON', 'MULTIPOLYGON']) THEN
        RAISE EXCEPTION 'the boundary of new grid % is a % in SRID %, not a polygon in SRID 4326',
                        grid, GeometryType(boundary), ST_SRID(boundary)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a Polygon or MultiPolygon of longitudes and latitudes (ST_SetSRID(..., 4326)).';
    END IF;
    reason := (ST_IsValidDetail(boundary)).reason;
    IF reason IS NOT NULL THEN
        RAISE EXCEPTION 'the boundary of new grid % is not valid: %', grid, reason
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Repair it (ST_MakeValid) or draw it again.';
    END IF;
    -- before any measure on the spheroid, which fails on an edge between
    -- antipodes (PostGIS's XX000) and is meaningless off the globe
    IF ST_XMin(boundary) OPERATOR(pg_catalog.<) -180 OR ST_XMax(boundary) OPERATOR(pg_catalog.>) 180
       OR ST_YMin(boundary) OPERATOR(pg_catalog.<) -90 OR ST_YMax(boundary) OPERATOR(pg_catalog.>) 90
       OR (ST_XMax(boundary) OPERATOR(pg_catalog.-) ST_XMin(boundary)) OPERATOR(pg_catalog.>=) 180
       OR (ST_YMax(boundary) OPERATOR(pg_catalog.-) ST_YMin(boundary)) OPERATOR(pg_catalog.>=) 180 THEN
        RAISE EXCEPTION 'the boundary of new grid % spans longitudes % to % and latitudes % to %, not a grid''s ground',
                        grid, ST_XMin(boundary), ST_XMax(boundary), ST_YMin(boundary), ST_YMax(boundary)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give longitudes (-180 to 180) before latitudes (-90 to 90), over less than half the globe.';
    END IF;
    IF ST_Area(boundary::geography) OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'new grid % has no area', grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A grid''s boundary covers at least 1 m².';
    END IF;
    RETURN ST_Multi(boundary);
END;
$$;
COMMENT ON FUNCTION gridgov.redraw_boundary(gridgov.gridcode, geometry) IS
    'a new grid''s boundary as a MultiPolygon; raises 22023 naming the grid when it is NULL, not a polygon in SRID 4326, not valid, off the globe or over half of it, or smaller than 1 m²';

-- A split or a merge: the old grids end at effective and the new ones, in
-- their community and layer, start then, after checking that they tile the
-- old ground (to 1 m², like the overlays' default min_m2).  The checks
-- measure in the plane the grids are drawn in (degrees, scaled to m² at the
-- old grids): on the spheroid, a piece cut at a new vertex on an old edge
-- leaves a sliver of a few m² between the straight edge and the geodesic.
-- Shares are of spheroid areas; a polygon cut at new vertices measures a
-- little apart from the whole (docs/layers.md, "Overlays"), so a share is
-- taken of the sum of the pieces, not of the whole: an old grid's shares
-- then sum to 1, and so do a new grid's unless the grids merged into it
-- overlapped each other (their common ground is counted in each, so then
-- the share is of the new grid's own area).
CREATE FUNCTION gridgov.redraw_grids(redraw text, olds gridgov.gridcode[], codes gridgov.gridcode[],
                                         names text[], boundaries geometry[], effective timestamptz)
    RETURNS SETOF gridgov.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 4
AS $$
DECLARE
    given gridgov.unit;
    lead gridgov.unit;
    shapes geometry[] := ARRAY[]::geometry[];
    ground geometry;
    drawn geometry;
    scale double precision;
    m2 double precision;
    olds_overlap boolean;
    i integer;
    j integer;
BEGIN
    PERFORM gridgov.check_redraw_time(effective);
    IF pg_catalog.cardinality(codes) IS DISTINCT FROM pg_catalog.cardinality(names)
       OR pg_catalog.cardinality(codes) IS DISTINCT FROM pg_catalog.cardinality(boundaries) THEN
        RAISE EXCEPTION 'the new grids'' codes, names and boundaries differ in number: %, % and %',
                        COALESCE(pg_catalog.cardinality(codes), 0), COALESCE(pg_catalog.cardinality(names), 0),
                        COALESCE(pg_catalog.cardinality(boundaries), 0)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give one code, one name and one boundary for each new grid, in the same order.';
    END IF;
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(olds), 0) LOOP
        IF olds[i] OPERATOR(gridgov.=) ANY (olds[1:i - 1]) THEN
            RAISE EXCEPTION 'grid % is given twice', olds[i]
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Name each grid to merge once.';
        END IF;
        given := gridgov.redraw_old_grid(olds[i], effective);
        IF i OPERATOR(pg_catalog.=) 1 THEN
            lead := given;
        ELSIF given.parent OPERATOR(gridgov.<>) lead.parent THEN
            RAISE EXCEPTION 'grid % is under %, grid % under %: a merge joins grids of one community',
                            given.code, given.parent, lead.code, lead.parent
                USING ERRCODE = 'GG011',
                      HINT = 'Merge grids with the same parent; a grid moves to another community by retiring it and registering a new one.';
        ELSIF given.layer OPERATOR(pg_catalog.<>) lead.layer THEN
            RAISE EXCEPTION 'grid % is in layer %, grid % in layer %: a merge joins grids of one layer',
                            given.code, given.layer, lead.code, lead.layer
                USING ERRCODE = 'GG011', HINT = 'Merge grids of the same grid layer.';
        END IF;
    END LOOP;
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(codes), 0) LOOP
        IF codes[i] IS NULL OR gridgov.level(codes[i]) OPERATOR(pg_catalog.<>) 6 THEN
            RAISE EXCEPTION 'new grid % is not a grid code (level 6)', COALESCE(codes[i]::text, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A grid''s code has 15 digits, the last three not 000, such as 440311006003101.';
        END IF;
        IF codes[i] OPERATOR(gridgov.=) ANY (codes[1:i - 1]) THEN
            RAISE EXCEPTION 'new grid % is given twice', codes[i]
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each new grid once.';
        END IF;
        IF COALESCE(names[i], '') OPERATOR(pg_catalog.=) '' THEN
            RAISE EXCEPTION 'new grid % has no name', codes[i]
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each new grid its name, such as 根竹园社区第05网格.';
        END IF;
        IF gridgov.parent(codes[i]) OPERATOR(gridgov.<>) lead.parent THEN
            RAISE EXCEPTION 'new grid % is under %, not under % like grid %', codes[i], gridgov.parent(codes[i]),
                            lead.parent, lead.code
                USING ERRCODE = 'GG011',
                      HINT = 'The new grids of a redraw stay in the community of the grids they replace (and in their layer).';
        END IF;
        IF EXISTS (SELECT FROM gridgov.unit u WHERE u.code OPERATOR(gridgov.=) codes[i]) THEN
            RAISE EXCEPTION 'unit % is already registered', codes[i]
                USING ERRCODE = 'GG011',
                      HINT = 'A split or merge makes grids of new codes; reshape_grid keeps a grid''s code and redraws its boundary.';
        END IF;
        shapes := shapes OPERATOR(pg_catalog.||) gridgov.redraw_boundary(codes[i], boundaries[i]);
    END LOOP;

    -- the new grids tile the old ground: no overlap, nothing left, nothing more
    SELECT ST_Union(u.boundary), pg_catalog.sum(ST_Area(u.boundary)) OPERATOR(pg_catalog.-) ST_Area(ST_Union(u.boundary))
      INTO ground, m2
      FROM gridgov.unit u WHERE u.code OPERATOR(gridgov.=) ANY (olds);
    scale := ST_Area(ground::geography) OPERATOR(pg_catalog./) ST_Area(ground);
    olds_overlap := m2 OPERATOR(pg_catalog.*) scale OPERATOR(pg_catalog.>=) 1;
    FOR i IN 1 .. pg_catalog.cardinality(shapes) LOOP
        FOR j IN i + 1 .. pg_catalog.cardinality(shapes) LOOP
            m2 := ST_Area(ST_Intersection(shapes[i], shapes[j])) OPERATOR(pg_catalog.*) scale;
            IF m2 OPERATOR(pg_catalog.>=) 1 THEN
                RAISE EXCEPTION 'new grids % and % overlap by % m²', codes[i], codes[j], pg_catalog.round(m2::numeric)
                    USING ERRCODE = 'GG011', HINT = 'The new grids of a split tile the old grid without overlapping.';
            END IF;
        END LOOP;
        m2 := ST_Area(ST_Difference(shapes[i], ground)) OPERATOR(pg_catalog.*) scale;
        IF m2 OPERATOR(pg_catalog.>=) 1 THEN
            RAISE EXCEPTION 'new grid % reaches % m² outside grid %', codes[i], pg_catalog.round(m2::numeric),
                            pg_catalog.array_to_string(olds, ', ')
                USING ERRCODE = 'GG011',
                      HINT = 'A split or merge redraws the same ground; move ground between neighbours with reshape_grid.';
        END IF;
    END LOOP;
    drawn := ST_Union(shapes);
    m2 := ST_Area(ST_Difference(ground, drawn)) OPERATOR(pg_catalog.*) scale;
    IF m2 OPERATOR(pg_catalog.>=) 1 THEN
        RAISE EXCEPTION 'the new grids leave % m² of grid % uncovered', pg_catalog.round(m2::numeric),
                        pg_catalog.array_to_string(olds, ', ')
            USING ERRCODE = 'GG011',
                  HINT = 'The new grids of a split or merge cover all the ground of the grids they replace.';
    END IF;

    UPDATE gridgov.unit u SET valid_to = effective WHERE u.code OPERATOR(gridgov.=) ANY (olds);
    INSERT INTO gridgov.unit (code, name, boundary, layer, valid_from)
    SELECT n.code, n.name, n.shape, lead.layer, effective
      FROM ROWS FROM (pg_catalog.unnest(codes), pg_catalog.unnest(names), pg_catalog.unnest(shapes)) AS n(code, name, shape);
    RETURN QUERY
    INSERT INTO gridgov.grid_lineage AS l
           (old_code, old_valid_from, new_code, new_valid_from, redraw, share_of_old, share_of_new)
    SELECT p.old_code, p.old_valid_from, p.new_code, effective, redraw_grids.redraw,
           LEAST(1, p.m2 OPERATOR(pg_catalog./) pg_catalog.sum(p.m2) OVER (PARTITION BY p.old_code)),
           LEAST(1, p.m2 OPERATOR(pg_catalog./) CASE WHEN olds_overlap THEN p.new_m2
                                                      ELSE pg_catalog.sum(p.m2) OVER (PARTITION BY p.new_code) END)
      FROM (SELECT o.code AS old_code, o.valid_from AS old_valid_from, n.code AS new_code,
                   ST_Area(ST_Intersection(o.boundary, n.boundary)::geography) AS m2,
                   ST_Area(n.boundary::geography) AS new_m2
              FROM gridgov.unit o, gridgov.unit n
             WHERE o.code OPERATOR(gridgov.=) ANY (olds) AND n.code OPERATOR(gridgov.=) ANY (codes)
               AND ST_Intersects(o.boundary, n.boundary)) p
     WHERE p.m2 OPERATOR(pg_catalog.>) 0
    RETURNING l.*;
END;
$$;
COMMENT ON FUNCTION gridgov.redraw_grids(text, gridgov.gridcode[], gridgov.gridcode[], text[], geometry[], timestamptz) IS
    'the work of split_grid and merge_grids: checks the new grids, ends the old ones at effective, starts the new ones and writes their lineage';

CREATE FUNCTION gridgov.split_grid(grid gridgov.gridcode, codes gridgov.gridcode[], names text[],
                                       boundaries geometry[], effective timestamptz DEFAULT pg_catalog.now())
    RETURNS SETOF gridgov.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 4
AS $$
BEGIN
    IF COALESCE(pg_catalog.cardinality(codes), 0) OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'a split of grid % needs at least two new grids, not %', COALESCE(grid::text, 'NULL'),
                        COALESCE(pg_catalog.cardinality(codes), 0)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'To redraw a grid''s boundary under its own code use reshape_grid.';
    END IF;
    RETURN QUERY SELECT * FROM gridgov.redraw_grids('split', ARRAY[grid], codes, names, boundaries, effective);
END;
$$;
COMMENT ON FUNCTION gridgov.split_grid(gridgov.gridcode, gridgov.gridcode[], text[], geometry[], timestamptz) IS
    'split a grid in force into new grids (codes, names, boundaries) tiling its ground, in its community and layer, at effective (default now()); returns their lineage';

CREATE FUNCTION gridgov.merge_grids(grids gridgov.gridcode[], code gridgov.gridcode, name text,
                                        boundary geometry, effective timestamptz DEFAULT pg_catalog.now())
    RETURNS SETOF gridgov.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 4
AS $$
BEGIN
    IF COALESCE(pg_catalog.cardinality(grids), 0) OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'a merge needs at least two grids, not %', COALESCE(pg_catalog.cardinality(grids), 0)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'To redraw one grid''s boundary use reshape_grid.';
    END IF;
    RETURN QUERY SELECT * FROM gridgov.redraw_grids('merge', grids, ARRAY[code], ARRAY[name], ARRAY[boundary], effective);
END;
$$;
COMMENT ON FUNCTION gridgov.merge_grids(gridgov.gridcode[], gridgov.gridcode, text, geometry, timestamptz) IS
    'merge grids in force of one community and layer into a new grid (code, name, boundary) covering their ground, at effective (default now()); returns its lineage';

-- The same code, a new boundary: the edit keeps the old version in
-- unit_history, ended at effective (unit_keep_history).
CREATE FUNCTION gridgov.reshape_grid(grid gridgov.gridcode, boundary geometry,
                                         effective timestamptz DEFAULT pg_catalog.now())
    RETURNS SETOF gridgov.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 1
AS $$
DECLARE
    given gridgov.unit;
    shape geometry;
    community gridgov.unit;
    m2 double precision;
BEGIN
    PERFORM gridgov.check_redraw_time(effective);
    given := gridgov.redraw_old_grid(grid, effective);
    shape := gridgov.redraw_boundary(grid, boundary);
    IF ST_Equals(shape, given.boundary) THEN
        RAISE EXCEPTION 'the new boundary of grid % is its current one', grid
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A reshape draws a different boundary.';
    END IF;
    SELECT u.* INTO community FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.=) given.parent AND gridgov.unit_is_current(u.valid_to);
    -- in the plane of the drawing, like redraw_grids's checks
    m2 := ST_Area(ST_Difference(shape, community.boundary)) OPERATOR(pg_catalog.*)
          ST_Area(shape::geography) OPERATOR(pg_catalog./) ST_Area(shape);
    IF m2 OPERATOR(pg_catalog.>=) 1 THEN
        RAISE EXCEPTION 'the new boundary of grid % reaches % m² outside its community %', grid,
                        pg_catalog.round(m2::numeric), given.parent
            USING ERRCODE = 'GG011',
                  HINT = 'A grid stays inside the boundary of the community it is coded under.';
    END IF;
    UPDATE gridgov.unit u SET boundary = shape, valid_from = effective WHERE u.code OPERATOR(gridgov.=) grid;
    m2 := ST_Area(ST_Intersection(given.boundary, shape)::geography);
    RETURN QUERY
    INSERT INTO gridgov.grid_lineage AS l
           (old_code, old_valid_from, new_code, new_valid_from, redraw, share_of_old, share_of_new)
    VALUES (grid, given.valid_from, grid, effective, 'reshape',
            LEAST(1, m2 OPERATOR(pg_catalog./) ST_Area(given.boundary::geography)),
            LEAST(1, m2 OPERATOR(pg_catalog./) ST_Area(shape::geography)))
    RETURNING l.*;
END;
$$;
COMMENT ON FUNCTION gridgov.reshape_grid(gridgov.gridcode, geometry, timestamptz) IS
    'redraw the boundary of a grid in force under its own code, inside its community, at effective (default now()); the old version goes to unit_history; returns the lineage row';

CREATE FUNCTION gridgov.unit_at(point geometry, level integer) RETURNS gridgov.unit
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found gridgov.unit;
BEGIN
    -- gridcell()'s checks: a non-empty point in SRID 4326 with coordinates
    -- in range (a NaN would be covered by no boundary and go unnoticed)
    PERFORM gridgov.check_gridcode_level(level, 'level');
    PERFORM gridgov.check_point(point, 'unit_at()');
    -- at the grids' level, the primary layer's grid: where a case goes
    SELECT u.* INTO found FROM gridgov.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND (u.level OPERATOR(pg_catalog.<>) 6 OR u.layer OPERATOR(pg_catalog.=) gridgov.primary_layer())
       AND ST_Covers(u.boundary, point) AND gridgov.unit_is_current(u.valid_to)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION gridgov.unit_at(geometry, integer) IS
    'the current unit at a level whose boundary covers a point (SRID 4326, finite coordinates in range); at level 6 the primary layer''s grid';

-- Load codes and names from any table with text columns code and name, such
-- as the National Bureau of Statistics division tables.  Codes are read in
-- any gridcode text form; a unit given twice (Dongguan's prefecture is also
-- listed as county 441900) is kept once, under its shortest spelling.
-- Residents' and villagers' committee names are shortened to the community
-- or village they serve (the real data spells them in six ways); the full
-- name is kept in properties.nbs_name.  Fishermen's committees (渔委会) have
-- no place name to shorten to and keep theirs, and so does a committee
-- whose whole name is the committee (the real data has one: "居委会").
CREATE FUNCTION gridgov.import_units(source regclass) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    inserted bigint;
    needed text;
BEGIN
    -- what is wrong with the source, instead of a syntax error or a missing
    -- column deep in the query below
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source) THEN
        RAISE EXCEPTION 'relation with OID % does not exist', source::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                    WHERE c.oid OPERATOR(pg_catalog.=) source AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) THEN
        RAISE EXCEPTION '% is not a table or view', source
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'import_units reads a table, view, materialized view or foreign table with columns code and name.';
    END IF;
    FOREACH needed IN ARRAY ARRAY['code', 'name'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) source AND a.attname OPERATOR(pg_catalog.=) needed
                          AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'relation % has no column "%"', source, needed
                USING ERRCODE = 'undefined_column',
                      HINT = 'import_units reads a column code (a gridcode in any spelling) and a column name.';
        END IF;
    END LOOP;
    EXECUTE pg_catalog.format($sql$
        INSERT INTO gridgov.unit (code, name, properties)
        SELECT DISTINCT ON (s.code) s.code, COALESCE(NULLIF(s.short_name, ''), s.name),
               pg_catalog.jsonb_build_object('nbs_name', s.name)
          FROM (SELECT pg_catalog.btrim(src.code::text)::gridgov.gridcode AS code,
                       pg_catalog.length(pg_catalog.btrim(src.code::text)) AS spelling,
                       src.name::text AS name,
                       pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
                           src.name::text,
                           '村?村(民委员会|民委会|委会)$', '村'),
                           '(居民委员会|居委委员会|居委员会|居委会)$', ''),
                           '社区委员会$', '社区') AS short_name
                  FROM %s AS src) AS s
         ORDER BY s.code, s.spelling
        ON CONFLICT (code) DO NOTHING
    $sql$, source);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END;
$$;
COMMENT ON FUNCTION gridgov.import_units(regclass) IS
    'insert units from a table with text columns code and name; returns the number inserted';

-- ======================================================================
-- Triggers
-- ======================================================================

CREATE TRIGGER unit_keep_history BEFORE UPDATE ON gridgov.unit
    FOR EACH ROW EXECUTE FUNCTION gridgov.unit_keep_history();
