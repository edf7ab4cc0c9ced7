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
CREATE TABLE @extschema@.grid_layer (
    name        text PRIMARY KEY
                CONSTRAINT grid_layer_name_form CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    title       text NOT NULL CONSTRAINT grid_layer_title_not_empty CHECK (title OPERATOR(pg_catalog.<>) ''),
    is_primary  boolean NOT NULL DEFAULT false,
    -- at most one flagged, checked at the end of the statement so that one
    -- UPDATE can move the flag, and safe against two concurrent moves
    CONSTRAINT grid_layer_one_primary EXCLUDE USING btree (is_primary WITH OPERATOR(pg_catalog.=))
        WHERE (is_primary) DEFERRABLE INITIALLY IMMEDIATE
);
COMMENT ON TABLE @extschema@.grid_layer IS
    'grid layers: the grid systems drawn over the same ground; every grid (level 6) belongs to one';
COMMENT ON COLUMN @extschema@.grid_layer.name IS
    'the layer''s name, as unit.layer gives it, such as epidemic: lower-case letters, digits and _';
COMMENT ON COLUMN @extschema@.grid_layer.title IS 'the layer''s Chinese name, such as 防疫网格; not empty';
COMMENT ON COLUMN @extschema@.grid_layer.is_primary IS
    'true for the layer cases are routed in; at most one layer; when none is flagged, governance is primary';

INSERT INTO @extschema@.grid_layer (name, title) VALUES ('governance', '综合网格');

-- pg_dump keeps the layers the district added (governance is CREATE
-- EXTENSION's); a flag on governance is lost, and changes nothing.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.grid_layer',
           'WHERE name OPERATOR(pg_catalog.<>) ''governance''');

CREATE TABLE @extschema@.unit (
    code        @extschema@.gridcode PRIMARY KEY,
    name        text NOT NULL CONSTRAINT unit_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    level       integer NOT NULL GENERATED ALWAYS AS (@extschema@.level(code)) STORED,
    parent      @extschema@.gridcode GENERATED ALWAYS AS (@extschema@.parent(code)) STORED
                CONSTRAINT unit_parent_must_exist REFERENCES @extschema@.unit (code),
    boundary    geometry(MultiPolygon, 4326),
    properties  jsonb NOT NULL DEFAULT '{}',
    valid_from  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    valid_to    timestamptz,
    layer       text NOT NULL DEFAULT 'governance' CONSTRAINT unit_layer_exists REFERENCES @extschema@.grid_layer (name),
    CONSTRAINT unit_validity CHECK (valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>) valid_from),
    CONSTRAINT unit_layer_grids_only CHECK (level OPERATOR(pg_catalog.=) 6 OR layer OPERATOR(pg_catalog.=) 'governance')
);
COMMENT ON TABLE @extschema@.unit IS 'jurisdiction units: province down to building';
COMMENT ON COLUMN @extschema@.unit.code IS 'the unit''s jurisdiction code; primary key';
COMMENT ON COLUMN @extschema@.unit.name IS 'the unit''s name, such as 马田街道; not empty';
COMMENT ON COLUMN @extschema@.unit.level IS 'derived from code: 1 province ... 7 building';
COMMENT ON COLUMN @extschema@.unit.parent IS 'derived from code; must be registered';
COMMENT ON COLUMN @extschema@.unit.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326 (longitude, latitude); NULL until surveyed';
COMMENT ON COLUMN @extschema@.unit.properties IS
    'free-form attributes; nbs_name keeps the National Bureau of Statistics name (import_units)';
COMMENT ON COLUMN @extschema@.unit.valid_from IS
    'when this version of the unit took effect: an edit of name, boundary, properties or layer starts a new one';
COMMENT ON COLUMN @extschema@.unit.valid_to IS 'NULL while the unit is current';
COMMENT ON COLUMN @extschema@.unit.layer IS
    'the grid layer (grid_layer) a grid belongs to; units at other levels are governance''s, the tree every layer hangs under';
CREATE INDEX unit_parent_idx ON @extschema@.unit (parent);
CREATE INDEX unit_boundary_idx ON @extschema@.unit USING gist (boundary);

CREATE TABLE @extschema@.unit_history (
    code        @extschema@.gridcode NOT NULL,
    name        text NOT NULL,
    boundary    geometry(MultiPolygon, 4326),
    properties  jsonb NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL,
    layer       text NOT NULL DEFAULT 'governance',
    PRIMARY KEY (code, valid_from)
);
COMMENT ON TABLE @extschema@.unit_history IS
    'earlier versions of units whose name, boundary, properties or layer changed';
COMMENT ON COLUMN @extschema@.unit_history.code IS 'the unit''s jurisdiction code';
COMMENT ON COLUMN @extschema@.unit_history.name IS 'the unit''s name in this version';
COMMENT ON COLUMN @extschema@.unit_history.boundary IS
    'the unit''s area in this version, a MultiPolygon in SRID 4326';
COMMENT ON COLUMN @extschema@.unit_history.properties IS 'the unit''s properties in this version';
COMMENT ON COLUMN @extschema@.unit_history.valid_from IS 'when this version took effect';
COMMENT ON COLUMN @extschema@.unit_history.valid_to IS 'when this version was replaced: the time of the edit';
COMMENT ON COLUMN @extschema@.unit_history.layer IS 'the grid layer the unit belonged to in this version';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.unit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.unit_history', '');

-- ======================================================================
-- Functions
-- ======================================================================

-- Keep the version an update replaces.  Several edits in one transaction make
-- one version: they all happen at the same now().
CREATE FUNCTION @extschema@.unit_keep_history() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF (OLD.name, OLD.boundary, OLD.properties, OLD.layer) IS NOT DISTINCT FROM
       (NEW.name, NEW.boundary, NEW.properties, NEW.layer)
       OR OLD.valid_from OPERATOR(pg_catalog.>=) pg_catalog.now() THEN
        RETURN NEW;
    END IF;
    INSERT INTO @extschema@.unit_history (code, name, boundary, properties, valid_from, valid_to, layer)
    VALUES (OLD.code, OLD.name, OLD.boundary, OLD.properties, OLD.valid_from, pg_catalog.now(), OLD.layer);
    NEW.valid_from := pg_catalog.now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_keep_history() IS
    'BEFORE UPDATE row trigger on unit: an edit of name, boundary, properties or layer keeps the version it replaces in unit_history';

-- Functions over the registry.  They read current units: valid_to unset or
-- still ahead.
CREATE FUNCTION @extschema@.unit_is_current(@extschema@.unit) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT $1.valid_to IS NULL OR $1.valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
END;
COMMENT ON FUNCTION @extschema@.unit_is_current(@extschema@.unit) IS
    'true while the unit is in force (valid_to unset or in the future)';

-- The same from the unit's valid_to: what queries over the units call, as
-- unit_is_current(u.valid_to).  On Citus, unit is a reference table whose
-- rows have the shard's own type, which unit_is_current(u) does not take.
CREATE FUNCTION @extschema@.unit_is_current(valid_to timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
COMMENT ON FUNCTION @extschema@.unit_is_current(timestamptz) IS
    'true while a unit with this valid_to is in force (valid_to unset or in the future)';

CREATE FUNCTION @extschema@.children(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 20
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.parent OPERATOR(@extschema@.=) $1 AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.children(@extschema@.gridcode) IS
    'registered units directly below a code';

CREATE FUNCTION @extschema@.descendants(@extschema@.gridcode, max_level integer DEFAULT 7)
    RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE @extschema@.check_gridcode_level($2, 'max_level')
       AND u.code OPERATOR(@extschema@.<@) $1 AND u.code OPERATOR(@extschema@.<>) $1
       AND u.level OPERATOR(pg_catalog.<=) $2 AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.descendants(@extschema@.gridcode, integer) IS
    'registered units below a code, down to max_level (1 to 7), in code order';

CREATE FUNCTION @extschema@.ancestors(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, @extschema@.level($1) OPERATOR(pg_catalog.-) 1) AS l(level)))
       AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.level;
END;
COMMENT ON FUNCTION @extschema@.ancestors(@extschema@.gridcode) IS
    'registered units above a code, from the province down';

CREATE FUNCTION @extschema@.breadcrumb(@extschema@.gridcode, separator text DEFAULT ' › ') RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    -- the ancestors' codes as one array: a single index probe per code
    SELECT pg_catalog.string_agg(u.name, $2 ORDER BY u.level)
      FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, @extschema@.level($1)) AS l(level)))
       AND @extschema@.unit_is_current(u.valid_to);
END;
COMMENT ON FUNCTION @extschema@.breadcrumb(@extschema@.gridcode, text) IS
    'names of the registered units from the province down to the code itself';

-- ======================================================================
-- Grid layers
-- ======================================================================

CREATE FUNCTION @extschema@.primary_layer() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT l.name FROM @extschema@.grid_layer l WHERE l.is_primary), 'governance');
END;
COMMENT ON FUNCTION @extschema@.primary_layer() IS
    'the grid layer cases are routed in: the one flagged is_primary in grid_layer, else governance';

CREATE FUNCTION @extschema@.check_grid_layer(layer text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_grid_layer' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_grid_layer(text) IS
    'true for a layer of grid_layer; raises GG011 otherwise: the check of the overlay functions';

CREATE FUNCTION @extschema@.grid_at(point geometry, layer text) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_grid_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grid_at(geometry, text) IS
    'the current grid of a layer covering a point (SRID 4326), the smallest code among several, NULL if none; from the in-memory index that routes cases';

-- The current grids of a layer whose overlap with the given grid has at
-- least min_m2 square metres: shared edges and drawing slivers are no
-- overlap.  Areas on the spheroid (geography), so shares are of true areas.
CREATE FUNCTION @extschema@.grid_overlay(grid @extschema@.gridcode, layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (other @extschema@.gridcode, name text, overlap_m2 double precision,
                   share_of_grid double precision, share_of_other double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
DECLARE
    given @extschema@.unit;
BEGIN
    PERFORM @extschema@.check_grid_layer(grid_overlay.layer);
    SELECT u.* INTO given FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) grid_overlay.grid AND u.level OPERATOR(pg_catalog.=) 6
       AND @extschema@.unit_is_current(u.valid_to);
    IF given.boundary IS NULL THEN
        RAISE EXCEPTION 'unit % is not a current grid with a boundary', grid_overlay.grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'grid_overlay compares a grid (level 6) in force, whose boundary is registered in gridgov.unit.';
    END IF;
    RETURN QUERY
    SELECT o.code, o.name, a.m2, a.m2 OPERATOR(pg_catalog./) ST_Area(given.boundary::geography),
           a.m2 OPERATOR(pg_catalog./) ST_Area(o.boundary::geography)
      FROM @extschema@.unit o
     CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(o.boundary, given.boundary)::geography) AS m2) a
     WHERE o.level OPERATOR(pg_catalog.=) 6 AND o.layer OPERATOR(pg_catalog.=) grid_overlay.layer
       AND o.code OPERATOR(@extschema@.<>) given.code AND @extschema@.unit_is_current(o.valid_to)
       AND ST_Intersects(o.boundary, given.boundary) AND a.m2 OPERATOR(pg_catalog.>=) grid_overlay.min_m2
     ORDER BY a.m2 DESC, o.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.grid_overlay(@extschema@.gridcode, text, double precision) IS
    'the current grids of a layer overlapping a grid by at least min_m2 m², with the overlap''s area and its shares of both grids';

CREATE FUNCTION @extschema@.layer_overlaps(layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (grid @extschema@.gridcode, other @extschema@.gridcode, overlap_m2 double precision,
                   share_of_grid double precision, share_of_other double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
BEGIN
    PERFORM @extschema@.check_grid_layer(layer_overlaps.layer);
    RETURN QUERY
    SELECT g.code, o.code, a.m2, a.m2 OPERATOR(pg_catalog./) ST_Area(g.boundary::geography),
           a.m2 OPERATOR(pg_catalog./) ST_Area(o.boundary::geography)
      FROM @extschema@.unit g
      JOIN @extschema@.unit o
        ON o.level OPERATOR(pg_catalog.=) 6 AND o.layer OPERATOR(pg_catalog.=) g.layer
       AND o.code OPERATOR(@extschema@.>) g.code AND @extschema@.unit_is_current(o.valid_to)
       AND ST_Intersects(o.boundary, g.boundary)
     CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(o.boundary, g.boundary)::geography) AS m2) a
     WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) layer_overlaps.layer
       AND @extschema@.unit_is_current(g.valid_to) AND a.m2 OPERATOR(pg_catalog.>=) layer_overlaps.min_m2
     ORDER BY g.code, o.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.layer_overlaps(text, double precision) IS
    'pairs of current grids of one layer overlapping by at least min_m2 m² (each pair once, the smaller code first), with the overlap''s area and its shares of both';

-- A gap of a layer is ground of a community that none of the layer's
-- grids covers, whatever community the grids are coded under.
CREATE FUNCTION @extschema@.layer_gaps(layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (unit @extschema@.gridcode, name text, gap_m2 double precision, share double precision,
                   gap geometry)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
BEGIN
    PERFORM @extschema@.check_grid_layer(layer_gaps.layer);
    RETURN QUERY
    SELECT c.code, c.name, d.m2, d.m2 OPERATOR(pg_catalog./) ST_Area(c.boundary::geography), d.gap
      FROM @extschema@.unit c
     CROSS JOIN LATERAL (
           SELECT ST_Multi(ST_CollectionExtract(ST_Difference(c.boundary, COALESCE(ST_Union(g.boundary),
                          'SRID=4326;MULTIPOLYGON EMPTY'::geometry)), 3)) AS gap
             FROM @extschema@.unit g
            WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) layer_gaps.layer
              AND @extschema@.unit_is_current(g.valid_to) AND ST_Intersects(g.boundary, c.boundary)) u
     CROSS JOIN LATERAL (SELECT u.gap, ST_Area(u.gap::geography) AS m2) d
     WHERE c.level OPERATOR(pg_catalog.=) 5 AND c.boundary IS NOT NULL AND @extschema@.unit_is_current(c.valid_to)
       AND d.m2 OPERATOR(pg_catalog.>=) layer_gaps.min_m2
     ORDER BY c.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.layer_gaps(text, double precision) IS
    'the ground of each current community that no current grid of a layer covers, where it has at least min_m2 m²: its area, its share of the community and its shape (MultiPolygon, SRID 4326)';

CREATE FUNCTION @extschema@.unit_at(point geometry, level integer) RETURNS @extschema@.unit
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found @extschema@.unit;
BEGIN
    -- gridcell()'s checks: a non-empty point in SRID 4326 with coordinates
    -- in range (a NaN would be covered by no boundary and go unnoticed)
    PERFORM @extschema@.check_gridcode_level(level, 'level');
    PERFORM @extschema@.check_point(point, 'unit_at()');
    -- at the grids' level, the primary layer's grid: where a case goes
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND (u.level OPERATOR(pg_catalog.<>) 6 OR u.layer OPERATOR(pg_catalog.=) @extschema@.primary_layer())
       AND ST_Covers(u.boundary, point) AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_at(geometry, integer) IS
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
CREATE FUNCTION @extschema@.import_units(source regclass) RETURNS bigint
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
        INSERT INTO @extschema@.unit (code, name, properties)
        SELECT DISTINCT ON (s.code) s.code, COALESCE(NULLIF(s.short_name, ''), s.name),
               pg_catalog.jsonb_build_object('nbs_name', s.name)
          FROM (SELECT pg_catalog.btrim(src.code::text)::@extschema@.gridcode AS code,
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
COMMENT ON FUNCTION @extschema@.import_units(regclass) IS
    'insert units from a table with text columns code and name; returns the number inserted';

-- ======================================================================
-- Triggers
-- ======================================================================

CREATE TRIGGER unit_keep_history BEFORE UPDATE ON @extschema@.unit
    FOR EACH ROW EXECUTE FUNCTION @extschema@.unit_keep_history();
