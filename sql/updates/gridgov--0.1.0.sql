-- gridgov 0.1.0: a released script, frozen: it never changes (sql/updates/SHA256SUMS).
\echo Use "CREATE EXTENSION gridgov" to load this file. \quit
-- gridgov pillar 1: jurisdiction codes (gridcode)
--
-- Every reference below is qualified with @extschema@ or pg_catalog, so no
-- object planted in another schema can be picked up while this runs.

CREATE TYPE @extschema@.gridcode;

CREATE FUNCTION @extschema@.gridcode_in(cstring) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.gridcode_out(@extschema@.gridcode) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.gridcode_recv(internal) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- the wire format is an int8's
CREATE FUNCTION @extschema@.gridcode_send(@extschema@.gridcode) RETURNS bytea
    AS 'int8send' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.gridcode (
    INPUT = @extschema@.gridcode_in,
    OUTPUT = @extschema@.gridcode_out,
    RECEIVE = @extschema@.gridcode_recv,
    SEND = @extschema@.gridcode_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U'
);
COMMENT ON TYPE @extschema@.gridcode IS
    'jurisdiction code: province 2, prefecture 2, county 2, township 3, village 3, grid 3, building 4 digits';

-- Casts.  The stored value is the code as a 19-digit number, so gridcode to
-- bigint needs no function; the other way checks the number.
CREATE FUNCTION @extschema@.gridcode(bigint) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_from_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (bigint AS @extschema@.gridcode) WITH FUNCTION @extschema@.gridcode(bigint);
CREATE CAST (@extschema@.gridcode AS bigint) WITHOUT FUNCTION;
CREATE CAST (@extschema@.gridcode AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS @extschema@.gridcode) WITH INOUT;

-- Hierarchy functions
CREATE FUNCTION @extschema@.level(@extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.level(@extschema@.gridcode) IS
    'level of the code: 1 province, 2 prefecture, 3 county, 4 township, 5 village, 6 grid, 7 building';

CREATE FUNCTION @extschema@.level_name(@extschema@.gridcode) RETURNS text
    AS 'MODULE_PATHNAME', 'gridcode_level_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.level_name(@extschema@.gridcode) IS
    'name of the code''s level: province, prefecture, county, township, village, grid or building';

CREATE FUNCTION @extschema@.gridcode_level(text) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level_number' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_level(text) IS
    'number of a gridcode level given its name, such as ''township''';

CREATE FUNCTION @extschema@.parent(@extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.parent(@extschema@.gridcode) IS
    'the code with its last non-zero segment zeroed; NULL for a province';

CREATE FUNCTION @extschema@.ancestor(@extschema@.gridcode, level integer) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ancestor(@extschema@.gridcode, integer) IS
    'the ancestor-or-self at a level; NULL when the code has no unit at that level';

CREATE FUNCTION @extschema@.segment(@extschema@.gridcode, level integer) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_segment' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.segment(@extschema@.gridcode, integer) IS
    'the number in the code''s segment at a level, 0 when absent';

CREATE FUNCTION @extschema@.child(@extschema@.gridcode, number integer) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_child' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.child(@extschema@.gridcode, integer) IS
    'the child with the given number at the next level';

CREATE FUNCTION @extschema@.child(@extschema@.gridcode, number integer, level integer) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_child_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.child(@extschema@.gridcode, integer, integer) IS
    'the descendant with the given number at a lower level, the levels between left absent';

CREATE FUNCTION @extschema@.is_ancestor(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_is_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_ancestor(@extschema@.gridcode, @extschema@.gridcode) IS
    'true when the first code is a proper ancestor of the second';

CREATE FUNCTION @extschema@.lca(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_lca' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lca(@extschema@.gridcode, @extschema@.gridcode) IS
    'lowest common ancestor-or-self of two codes; NULL when they are in different provinces';

CREATE FUNCTION @extschema@.depth_between(@extschema@.gridcode, @extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_depth_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.depth_between(@extschema@.gridcode, @extschema@.gridcode) IS
    'levels from the first code down to the second; NULL unless the first is an ancestor-or-self of the second';

CREATE FUNCTION @extschema@.subtree_first(@extschema@.gridcode) RETURNS @extschema@.gridcode
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN $1;
COMMENT ON FUNCTION @extschema@.subtree_first(@extschema@.gridcode) IS
    'first code of the descendant range: the code itself';

CREATE FUNCTION @extschema@.subtree_last(@extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_subtree_last' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_last(@extschema@.gridcode) IS
    'last code of the descendant range: every lower segment at its maximum';

-- Planner support shared by the hierarchy operators of gridgov's code types
-- (src/subtree_support.c).
CREATE FUNCTION @extschema@.subtree_contained_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.subtree_contains_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.subtree_contained_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.subtree_contains_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.gridcode_contains(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT @extschema@.subtree_contains_support;
CREATE FUNCTION @extschema@.gridcode_contained(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT @extschema@.subtree_contained_support;

-- Comparison: the order of the 19-digit numbers, which puts every code's
-- descendants right after it.  PostgreSQL's own int8 functions do the work.
CREATE FUNCTION @extschema@.gridcode_eq(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'int8eq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_ne(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'int8ne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_lt(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'int8lt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_le(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'int8le' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_gt(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'int8gt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_ge(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'int8ge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_cmp(@extschema@.gridcode, @extschema@.gridcode) RETURNS integer
    AS 'btint8cmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_sortsupport(internal) RETURNS void
    AS 'btint8sortsupport' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.gridcode_hash(@extschema@.gridcode) RETURNS integer
    AS 'hashint8' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_hash_extended(@extschema@.gridcode, bigint) RETURNS bigint
    AS 'hashint8extended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR @extschema@.< (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_lt,
    COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_le,
    COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_gt,
    COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_ge,
    COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
CREATE OPERATOR @extschema@.@> (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_contains,
    COMMUTATOR = OPERATOR(@extschema@.<@),
    RESTRICT = @extschema@.subtree_contains_sel, JOIN = pg_catalog.contjoinsel
);
COMMENT ON OPERATOR @extschema@.@> (@extschema@.gridcode, @extschema@.gridcode) IS
    'is ancestor of or equal to';
CREATE OPERATOR @extschema@.<@ (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_contained,
    COMMUTATOR = OPERATOR(@extschema@.@>),
    RESTRICT = @extschema@.subtree_contained_sel, JOIN = pg_catalog.contjoinsel
);
COMMENT ON OPERATOR @extschema@.<@ (@extschema@.gridcode, @extschema@.gridcode) IS
    'is descendant of or equal to';

CREATE FUNCTION @extschema@.gridcode_smaller(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'int8smaller' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.gridcode_larger(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'int8larger' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE @extschema@.min(@extschema@.gridcode) (
    SFUNC = @extschema@.gridcode_smaller, STYPE = @extschema@.gridcode,
    COMBINEFUNC = @extschema@.gridcode_smaller, SORTOP = OPERATOR(@extschema@.<), PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.max(@extschema@.gridcode) (
    SFUNC = @extschema@.gridcode_larger, STYPE = @extschema@.gridcode,
    COMBINEFUNC = @extschema@.gridcode_larger, SORTOP = OPERATOR(@extschema@.>), PARALLEL = SAFE
);

CREATE OPERATOR CLASS @extschema@.gridcode_ops
    DEFAULT FOR TYPE @extschema@.gridcode USING btree AS
        OPERATOR 1 @extschema@.<,
        OPERATOR 2 @extschema@.<=,
        OPERATOR 3 @extschema@.=,
        OPERATOR 4 @extschema@.>=,
        OPERATOR 5 @extschema@.>,
        FUNCTION 1 @extschema@.gridcode_cmp(@extschema@.gridcode, @extschema@.gridcode),
        FUNCTION 2 @extschema@.gridcode_sortsupport(internal),
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS @extschema@.gridcode_hash_ops
    DEFAULT FOR TYPE @extschema@.gridcode USING hash AS
        OPERATOR 1 @extschema@.=,
        FUNCTION 1 @extschema@.gridcode_hash(@extschema@.gridcode),
        FUNCTION 2 @extschema@.gridcode_hash_extended(@extschema@.gridcode, bigint);
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
COMMENT ON COLUMN @extschema@.unit.level IS 'derived from code: 1 province ... 7 building';
COMMENT ON COLUMN @extschema@.unit.parent IS 'derived from code; must be registered';
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

SELECT pg_catalog.pg_extension_config_dump('@extschema@.unit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.unit_history', '');

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
CREATE TRIGGER unit_keep_history BEFORE UPDATE ON @extschema@.unit
    FOR EACH ROW EXECUTE FUNCTION @extschema@.unit_keep_history();

-- Functions over the registry.  They read current units: valid_to unset or
-- still ahead.
CREATE FUNCTION @extschema@.unit_is_current(@extschema@.unit) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT $1.valid_to IS NULL OR $1.valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
END;
COMMENT ON FUNCTION @extschema@.unit_is_current(@extschema@.unit) IS
    'true while the unit is in force (valid_to unset or in the future)';

CREATE FUNCTION @extschema@.children(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 20
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.parent OPERATOR(@extschema@.=) $1 AND @extschema@.unit_is_current(u)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.children(@extschema@.gridcode) IS
    'registered units directly below a code';

CREATE FUNCTION @extschema@.descendants(@extschema@.gridcode, max_level integer DEFAULT 7)
    RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.<@) $1 AND u.code OPERATOR(@extschema@.<>) $1
       AND u.level OPERATOR(pg_catalog.<=) $2 AND @extschema@.unit_is_current(u)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.descendants(@extschema@.gridcode, integer) IS
    'registered units below a code, down to max_level, in code order';

CREATE FUNCTION @extschema@.ancestors(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, @extschema@.level($1) OPERATOR(pg_catalog.-) 1) AS l(level)))
       AND @extschema@.unit_is_current(u)
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
       AND @extschema@.unit_is_current(u);
END;
COMMENT ON FUNCTION @extschema@.breadcrumb(@extschema@.gridcode, text) IS
    'names of the registered units from the province down to the code itself';

CREATE FUNCTION @extschema@.unit_at(point geometry, level integer) RETURNS @extschema@.unit
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found @extschema@.unit;
BEGIN
    IF level OPERATOR(pg_catalog.<) 1 OR level OPERATOR(pg_catalog.>) 7 THEN
        RAISE EXCEPTION 'level % is out of range for gridcode', level
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Levels run from 1 (province) to 7 (building).';
    END IF;
    IF ST_SRID(point) OPERATOR(pg_catalog.<>) 4326 THEN
        RAISE EXCEPTION 'point has SRID %, unit boundaries are in SRID 4326', ST_SRID(point)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ST_SetSRID(point, 4326) for WGS 84 longitude and latitude, or ST_Transform(point, 4326).';
    END IF;
    IF GeometryType(point) OPERATOR(pg_catalog.<>) 'POINT' OR ST_IsEmpty(point) THEN
        RAISE EXCEPTION 'unit_at needs a non-empty point, not %', ST_AsText(point)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND ST_Covers(u.boundary, point) AND @extschema@.unit_is_current(u)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_at(geometry, integer) IS
    'the current unit at a level whose boundary covers a point (SRID 4326)';

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
BEGIN
    EXECUTE pg_catalog.format($sql$
        INSERT INTO @extschema@.unit (code, name, properties)
        SELECT DISTINCT ON (s.code) s.code, COALESCE(NULLIF(s.short_name, ''), s.name),
               pg_catalog.jsonb_build_object('nbs_name', s.name)
          FROM (SELECT pg_catalog.btrim(src.code::text)::@extschema@.gridcode AS code,
                       pg_catalog.length(pg_catalog.btrim(src.code::text)) AS spelling,
                       src.name,
                       pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
                           src.name,
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
