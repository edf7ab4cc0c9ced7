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
    CONSTRAINT unit_validity CHECK (valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>) valid_from)
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
    'when this version of the unit took effect: an edit of name, boundary or properties starts a new one';
COMMENT ON COLUMN @extschema@.unit.valid_to IS 'NULL while the unit is current';
CREATE INDEX unit_parent_idx ON @extschema@.unit (parent);
CREATE INDEX unit_boundary_idx ON @extschema@.unit USING gist (boundary);

CREATE TABLE @extschema@.unit_history (
    code        @extschema@.gridcode NOT NULL,
    name        text NOT NULL,
    boundary    geometry(MultiPolygon, 4326),
    properties  jsonb NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL,
    PRIMARY KEY (code, valid_from)
);
COMMENT ON TABLE @extschema@.unit_history IS
    'earlier versions of units whose name, boundary or properties changed';
COMMENT ON COLUMN @extschema@.unit_history.code IS 'the unit''s jurisdiction code';
COMMENT ON COLUMN @extschema@.unit_history.name IS 'the unit''s name in this version';
COMMENT ON COLUMN @extschema@.unit_history.boundary IS
    'the unit''s area in this version, a MultiPolygon in SRID 4326';
COMMENT ON COLUMN @extschema@.unit_history.properties IS 'the unit''s properties in this version';
COMMENT ON COLUMN @extschema@.unit_history.valid_from IS 'when this version took effect';
COMMENT ON COLUMN @extschema@.unit_history.valid_to IS 'when this version was replaced: the time of the edit';

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
    IF (OLD.name, OLD.boundary, OLD.properties) IS NOT DISTINCT FROM
       (NEW.name, NEW.boundary, NEW.properties)
       OR OLD.valid_from OPERATOR(pg_catalog.>=) pg_catalog.now() THEN
        RETURN NEW;
    END IF;
    INSERT INTO @extschema@.unit_history (code, name, boundary, properties, valid_from, valid_to)
    VALUES (OLD.code, OLD.name, OLD.boundary, OLD.properties, OLD.valid_from, pg_catalog.now());
    NEW.valid_from := pg_catalog.now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_keep_history() IS
    'BEFORE UPDATE row trigger on unit: an edit of name, boundary or properties keeps the version it replaces in unit_history';

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
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND ST_Covers(u.boundary, point) AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_at(geometry, integer) IS
    'the current unit at a level whose boundary covers a point (SRID 4326, finite coordinates in range)';

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
