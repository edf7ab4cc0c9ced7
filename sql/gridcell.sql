-- gridgov pillar 2: Beidou grid cells (gridcell), GB/T 39409-2020
--
-- The Beidou grid location code, two-dimensional, levels 1 to 10, stored as
-- an int8 in which every cell's descendants follow it in one contiguous
-- range (src/gridcell.c explains the encoding).  Every reference is
-- qualified with @extschema@ or pg_catalog, except PostGIS's, which
-- PostgreSQL 15 cannot name and which CREATE/ALTER EXTENSION puts on the
-- search_path; the SQL functions have SQL-standard bodies, bound when this
-- script runs.

-- ======================================================================
-- Types
-- ======================================================================

CREATE TYPE @extschema@.gridcell;

CREATE FUNCTION @extschema@.gridcell_in(cstring) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_in(cstring) IS
    'input function of gridcell: a code such as N50J47539';
CREATE FUNCTION @extschema@.gridcell_out(@extschema@.gridcell) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_out(@extschema@.gridcell) IS
    'output function of gridcell: the code in capitals';
CREATE FUNCTION @extschema@.gridcell_recv(internal) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_recv(internal) IS
    'binary input function of gridcell: the int8 value, checked';
-- the wire format is an int8's
CREATE FUNCTION @extschema@.gridcell_send(@extschema@.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_int8send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_send(@extschema@.gridcell) IS
    'binary output function of gridcell: the int8 value';

CREATE TYPE @extschema@.gridcell (
    INPUT = @extschema@.gridcell_in,
    OUTPUT = @extschema@.gridcell_out,
    RECEIVE = @extschema@.gridcell_recv,
    SEND = @extschema@.gridcell_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U'
);
COMMENT ON TYPE @extschema@.gridcell IS
    'Beidou grid location code (GB/T 39409-2020), 2D, levels 1 (6° x 4°) to 10 (1/2048″)';

-- Casts.  gridcell to bigint needs no function; the other way checks the
-- number.  Text goes both ways through the code.
CREATE FUNCTION @extschema@.gridcell(bigint) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_from_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell(bigint) IS
    'the gridcell whose stored value is this number; fails for numbers that are no cell';
CREATE CAST (bigint AS @extschema@.gridcell) WITH FUNCTION @extschema@.gridcell(bigint);
CREATE CAST (@extschema@.gridcell AS bigint) WITHOUT FUNCTION;
CREATE CAST (@extschema@.gridcell AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS @extschema@.gridcell) WITH INOUT;

-- ======================================================================
-- Functions
-- ======================================================================

-- From coordinates to cells
CREATE FUNCTION @extschema@.gridcell(lng double precision, lat double precision, level integer)
    RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_from_lnglat_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell(double precision, double precision, integer) IS
    'the cell at a level (1-10) holding a WGS 84 longitude and latitude (|latitude| < 88); a point on a cell edge belongs to the cell farther from the prime meridian and the equator';

CREATE FUNCTION @extschema@.gridcell(point geometry, level integer) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_from_geometry' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell(geometry, integer) IS
    'the cell at a level (1-10) holding a point in SRID 4326';

-- Checks for SQL functions: true, or the error (22023) gridcell() gives.
CREATE FUNCTION @extschema@.check_gridcell_level(level integer, parameter text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_check_level_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_gridcell_level(integer, text) IS
    'true for a gridcell level (1 to 10); an error (22023) naming the parameter otherwise';

CREATE FUNCTION @extschema@.check_point(point geometry, caller text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_check_point' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_point(geometry, text) IS
    'true for a non-empty point in SRID 4326 with a finite longitude (-180 to 180) and latitude (-90 to 90); an error (22023) naming the caller otherwise';

-- Hierarchy.  As gridcode's, those that fail for no cell (level, parent,
-- subtree_first, subtree_last, are_neighbors, @> and <@) are LEAKPROOF;
-- ancestor and children, which check a level, are not.
CREATE FUNCTION @extschema@.level(@extschema@.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcell_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.level(@extschema@.gridcell) IS
    'level of the cell, 1 (6° x 4°) to 10 (1/2048″)';

CREATE FUNCTION @extschema@.parent(@extschema@.gridcell) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.parent(@extschema@.gridcell) IS
    'the cell one level up; NULL at level 1';

-- ancestor(x, level) is the one name both types give the ancestor-or-self at
-- a level (ancestor(gridcode, level)); parent(cell, level), its first name
-- here, stays as an alias.
CREATE FUNCTION @extschema@.ancestor(@extschema@.gridcell, level integer) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ancestor(@extschema@.gridcell, integer) IS
    'the ancestor-or-self at a level, the code cut to that level''s length; NULL when the cell is coarser than the level';
CREATE FUNCTION @extschema@.parent(@extschema@.gridcell, level integer) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.parent(@extschema@.gridcell, integer) IS
    'alias of ancestor(gridcell, level), its name before 0.7.0: the ancestor-or-self at a level';

-- The set-returning functions read gridgov.max_cover_cells, hence STABLE.
CREATE FUNCTION @extschema@.children(@extschema@.gridcell) RETURNS SETOF @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_children' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 64;
COMMENT ON FUNCTION @extschema@.children(@extschema@.gridcell) IS
    'the cells one level down, in order; none for a level 10 cell';

CREATE FUNCTION @extschema@.children(@extschema@.gridcell, level integer) RETURNS SETOF @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_children' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.children(@extschema@.gridcell, integer) IS
    'the descendants at a level (the cell itself at its own level), in order; at most gridgov.max_cover_cells';

CREATE FUNCTION @extschema@.subtree_first(@extschema@.gridcell) RETURNS @extschema@.gridcell
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    RETURN $1;
COMMENT ON FUNCTION @extschema@.subtree_first(@extschema@.gridcell) IS
    'first value of the descendant range: the cell itself';

CREATE FUNCTION @extschema@.subtree_last(@extschema@.gridcell) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_subtree_last' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.subtree_last(@extschema@.gridcell) IS
    'last value of the descendant range: the last level 10 cell inside the cell';

-- Neighbours
CREATE FUNCTION @extschema@.k_ring(@extschema@.gridcell, k integer) RETURNS SETOF @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_k_ring' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 9;
COMMENT ON FUNCTION @extschema@.k_ring(@extschema@.gridcell, integer) IS
    'the cells of the same level at most k columns and k rows away, the cell included; cut at ±88°, wrapping across ±180°';

CREATE FUNCTION @extschema@.are_neighbors(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_are_neighbors' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.are_neighbors(@extschema@.gridcell, @extschema@.gridcell) IS
    'true when two different cells of the same level share an edge or a corner (across ±180° too)';

-- Geometry.  The C functions write EWKB; PostGIS turns it into geometry.
CREATE FUNCTION @extschema@.gridcell_center_ewkb(@extschema@.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_center_ewkb(@extschema@.gridcell) IS
    'EWKB of center(cell)';

CREATE FUNCTION @extschema@.gridcell_boundary_ewkb(@extschema@.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_boundary_ewkb(@extschema@.gridcell) IS
    'EWKB of boundary(cell)';

CREATE FUNCTION @extschema@.center(@extschema@.gridcell) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ST_GeomFromEWKB(@extschema@.gridcell_center_ewkb($1));
COMMENT ON FUNCTION @extschema@.center(@extschema@.gridcell) IS
    'the center of the cell, a point in SRID 4326';

CREATE FUNCTION @extschema@.boundary(@extschema@.gridcell) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ST_GeomFromEWKB(@extschema@.gridcell_boundary_ewkb($1));
COMMENT ON FUNCTION @extschema@.boundary(@extschema@.gridcell) IS
    'the cell as a polygon in SRID 4326: a rectangle in longitude and latitude, counter-clockwise from its south-west corner';

CREATE FUNCTION @extschema@.area(@extschema@.gridcell) RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridcell_area' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.area(@extschema@.gridcell) IS
    'area of the cell in square metres on the WGS 84 ellipsoid, between its meridians and parallels';

CREATE FUNCTION @extschema@.cover(polygon geometry, level integer)
    RETURNS TABLE (cell @extschema@.gridcell, inside boolean)
    AS 'MODULE_PATHNAME', 'gridcell_cover' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.cover(geometry, integer) IS
    'the cells at a level whose interior meets a (multi)polygon in SRID 4326, in order, inside = the cell lies wholly in the polygon; at most gridgov.max_cover_cells';

-- Containment, with the planner support that turns "cell <@ X" into a
-- btree range (src/subtree_support.c, declared with gridcode).
CREATE FUNCTION @extschema@.gridcell_contains(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT @extschema@.subtree_contains_support;
COMMENT ON FUNCTION @extschema@.gridcell_contains(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the @> operator for gridcell';
CREATE FUNCTION @extschema@.gridcell_contained(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT @extschema@.subtree_contained_support;
COMMENT ON FUNCTION @extschema@.gridcell_contained(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the <@ operator for gridcell';

-- Comparison: the order of the stored numbers, which is the order of the
-- codes and puts every cell's descendants right after it.  PostgreSQL's own
-- int8 functions do the work.
CREATE FUNCTION @extschema@.gridcell_eq(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_ne(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_lt(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_le(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_gt(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_ge(@extschema@.gridcell, @extschema@.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_cmp(@extschema@.gridcell, @extschema@.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_btint8cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_btint8sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.gridcell_hash(@extschema@.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_hashint8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcell_hash_extended(@extschema@.gridcell, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_hashint8extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.gridcell_eq(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the = operator for gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_ne(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the <> operator for gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_lt(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the < operator for gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_le(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the <= operator for gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_gt(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the > operator for gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_ge(@extschema@.gridcell, @extschema@.gridcell) IS
    'implementation of the >= operator for gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_cmp(@extschema@.gridcell, @extschema@.gridcell) IS
    'btree comparison function of gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_sortsupport(internal) IS
    'btree sort support function of gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_hash(@extschema@.gridcell) IS
    'hash function of gridcell';
COMMENT ON FUNCTION @extschema@.gridcell_hash_extended(@extschema@.gridcell, bigint) IS
    'extended (seeded 64-bit) hash function of gridcell';

-- The transition functions of min() and max(), under Aggregates: the cells
-- first and last in code order
CREATE FUNCTION @extschema@.gridcell_smaller(@extschema@.gridcell, @extschema@.gridcell) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridgov_int8smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_smaller(@extschema@.gridcell, @extschema@.gridcell) IS
    'the cell first in code order; transition function of min(gridcell)';
CREATE FUNCTION @extschema@.gridcell_larger(@extschema@.gridcell, @extschema@.gridcell) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridgov_int8larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcell_larger(@extschema@.gridcell, @extschema@.gridcell) IS
    'the cell last in code order; transition function of max(gridcell)';

-- ======================================================================
-- Operators
-- ======================================================================

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.gridcell, @extschema@.gridcell) IS
    'equal';
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR @extschema@.<> (@extschema@.gridcell, @extschema@.gridcell) IS
    'not equal';
CREATE OPERATOR @extschema@.< (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_lt,
    COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR @extschema@.< (@extschema@.gridcell, @extschema@.gridcell) IS
    'less than, in code order (every cell''s descendants follow it directly)';
CREATE OPERATOR @extschema@.<= (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_le,
    COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR @extschema@.<= (@extschema@.gridcell, @extschema@.gridcell) IS
    'less than or equal, in code order';
CREATE OPERATOR @extschema@.> (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_gt,
    COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR @extschema@.> (@extschema@.gridcell, @extschema@.gridcell) IS
    'greater than, in code order';
CREATE OPERATOR @extschema@.>= (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_ge,
    COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR @extschema@.>= (@extschema@.gridcell, @extschema@.gridcell) IS
    'greater than or equal, in code order';
CREATE OPERATOR @extschema@.@> (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_contains,
    COMMUTATOR = OPERATOR(@extschema@.<@),
    RESTRICT = @extschema@.subtree_contains_sel, JOIN = @extschema@.subtree_contains_joinsel
);
COMMENT ON OPERATOR @extschema@.@> (@extschema@.gridcell, @extschema@.gridcell) IS
    'contains or equals: is an ancestor of or the same cell';
CREATE OPERATOR @extschema@.<@ (
    LEFTARG = @extschema@.gridcell, RIGHTARG = @extschema@.gridcell,
    FUNCTION = @extschema@.gridcell_contained,
    COMMUTATOR = OPERATOR(@extschema@.@>),
    RESTRICT = @extschema@.subtree_contained_sel, JOIN = @extschema@.subtree_contained_joinsel
);
COMMENT ON OPERATOR @extschema@.<@ (@extschema@.gridcell, @extschema@.gridcell) IS
    'contained in or equal: is a descendant of or the same cell';

-- ======================================================================
-- Aggregates
-- ======================================================================

CREATE AGGREGATE @extschema@.min(@extschema@.gridcell) (
    SFUNC = @extschema@.gridcell_smaller, STYPE = @extschema@.gridcell,
    COMBINEFUNC = @extschema@.gridcell_smaller, SORTOP = OPERATOR(@extschema@.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.min(@extschema@.gridcell) IS 'the cell first in code order';
CREATE AGGREGATE @extschema@.max(@extschema@.gridcell) (
    SFUNC = @extschema@.gridcell_larger, STYPE = @extschema@.gridcell,
    COMBINEFUNC = @extschema@.gridcell_larger, SORTOP = OPERATOR(@extschema@.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.max(@extschema@.gridcell) IS 'the cell last in code order';

-- ======================================================================
-- Operator classes
-- ======================================================================

CREATE OPERATOR CLASS @extschema@.gridcell_ops
    DEFAULT FOR TYPE @extschema@.gridcell USING btree AS
        OPERATOR 1 @extschema@.<,
        OPERATOR 2 @extschema@.<=,
        OPERATOR 3 @extschema@.=,
        OPERATOR 4 @extschema@.>=,
        OPERATOR 5 @extschema@.>,
        FUNCTION 1 @extschema@.gridcell_cmp(@extschema@.gridcell, @extschema@.gridcell),
        FUNCTION 2 @extschema@.gridcell_sortsupport(internal),
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS @extschema@.gridcell_hash_ops
    DEFAULT FOR TYPE @extschema@.gridcell USING hash AS
        OPERATOR 1 @extschema@.=,
        FUNCTION 1 @extschema@.gridcell_hash(@extschema@.gridcell),
        FUNCTION 2 @extschema@.gridcell_hash_extended(@extschema@.gridcell, bigint);
