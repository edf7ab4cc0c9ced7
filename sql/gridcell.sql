-- gridgov pillar 2: Beidou grid cells (gridcell), GB/T 39409-2020
--
-- The Beidou grid location code, two-dimensional, levels 1 to 10, stored as
-- an int8 in which every cell's descendants follow it in one contiguous
-- range (src/gridcell.c explains the encoding).  Every reference is
-- qualified with gridgov or pg_catalog, except PostGIS's, which
-- PostgreSQL 15 cannot name and which CREATE/ALTER EXTENSION puts on the
-- search_path; the SQL functions have SQL-standard bodies, bound when this
-- script runs.

-- ======================================================================
-- Types
-- ======================================================================

CREATE TYPE gridgov.gridcell;

CREATE FUNCTION gridgov.gridcell_in(cstring) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_in(cstring) IS
    'input function of gridcell: a code such as N50J47539';
CREATE FUNCTION gridgov.gridcell_out(gridgov.gridcell) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_out(gridgov.gridcell) IS
    'output function of gridcell: the code in capitals';
CREATE FUNCTION gridgov.gridcell_recv(internal) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_recv(internal) IS
    'binary input function of gridcell: the int8 value, checked';
-- the wire format is an int8's
CREATE FUNCTION gridgov.gridcell_send(gridgov.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_int8send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_send(gridgov.gridcell) IS
    'binary output function of gridcell: the int8 value';

CREATE TYPE gridgov.gridcell (
    INPUT = gridgov.gridcell_in,
    OUTPUT = gridgov.gridcell_out,
    RECEIVE = gridgov.gridcell_recv,
    SEND = gridgov.gridcell_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U'
);
COMMENT ON TYPE gridgov.gridcell IS
    'Beidou grid location code (GB/T 39409-2020), 2D, levels 1 (6° x 4°) to 10 (1/2048″)';

-- Casts.  gridcell to bigint needs no function; the other way checks the
-- number.  Text goes both ways through the code.
CREATE FUNCTION gridgov.gridcell(bigint) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_from_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell(bigint) IS
    'the gridcell whose stored value is this number; fails for numbers that are no cell';
CREATE CAST (bigint AS gridgov.gridcell) WITH FUNCTION gridgov.gridcell(bigint);
CREATE CAST (gridgov.gridcell AS bigint) WITHOUT FUNCTION;
CREATE CAST (gridgov.gridcell AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS gridgov.gridcell) WITH INOUT;

-- ======================================================================
-- Functions
-- ======================================================================

-- From coordinates to cells
CREATE FUNCTION gridgov.gridcell(lng double precision, lat double precision, level integer)
    RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_from_lnglat_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell(double precision, double precision, integer) IS
    'the cell at a level (1-10) holding a WGS 84 longitude and latitude (|latitude| < 88); a point on a cell edge belongs to the cell farther from the prime meridian and the equator';

CREATE FUNCTION gridgov.gridcell(point geometry, level integer) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_from_geometry' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell(geometry, integer) IS
    'the cell at a level (1-10) holding a point in SRID 4326';

-- Checks for SQL functions: true, or the error (22023) gridcell() gives.
CREATE FUNCTION gridgov.check_gridcell_level(level integer, parameter text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_check_level_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.check_gridcell_level(integer, text) IS
    'true for a gridcell level (1 to 10); an error (22023) naming the parameter otherwise';

CREATE FUNCTION gridgov.check_point(point geometry, caller text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_check_point' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.check_point(geometry, text) IS
    'true for a non-empty point in SRID 4326 with a finite longitude (-180 to 180) and latitude (-90 to 90); an error (22023) naming the caller otherwise';

-- Hierarchy.  As gridcode's, those that fail for no cell (level, parent,
-- subtree_first, subtree_last, are_neighbors, @> and <@) are LEAKPROOF;
-- ancestor and children, which check a level, are not.
CREATE FUNCTION gridgov.level(gridgov.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcell_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.level(gridgov.gridcell) IS
    'level of the cell, 1 (6° x 4°) to 10 (1/2048″)';

CREATE FUNCTION gridgov.parent(gridgov.gridcell) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.parent(gridgov.gridcell) IS
    'the cell one level up; NULL at level 1';

-- ancestor(x, level) is the one name both types give the ancestor-or-self at
-- a level (ancestor(gridcode, level)); parent(cell, level), its first name
-- here, stays as an alias.
CREATE FUNCTION gridgov.ancestor(gridgov.gridcell, level integer) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.ancestor(gridgov.gridcell, integer) IS
    'the ancestor-or-self at a level, the code cut to that level''s length; NULL when the cell is coarser than the level';
CREATE FUNCTION gridgov.parent(gridgov.gridcell, level integer) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.parent(gridgov.gridcell, integer) IS
    'alias of ancestor(gridcell, level), its name before 0.7.0: the ancestor-or-self at a level';

-- The set-returning functions read gridgov.max_cover_cells, hence STABLE.
CREATE FUNCTION gridgov.children(gridgov.gridcell) RETURNS SETOF gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_children' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 64;
COMMENT ON FUNCTION gridgov.children(gridgov.gridcell) IS
    'the cells one level down, in order; none for a level 10 cell';

CREATE FUNCTION gridgov.children(gridgov.gridcell, level integer) RETURNS SETOF gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_children' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION gridgov.children(gridgov.gridcell, integer) IS
    'the descendants at a level (the cell itself at its own level), in order; at most gridgov.max_cover_cells';

CREATE FUNCTION gridgov.subtree_first(gridgov.gridcell) RETURNS gridgov.gridcell
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    RETURN $1;
COMMENT ON FUNCTION gridgov.subtree_first(gridgov.gridcell) IS
    'first value of the descendant range: the cell itself';

CREATE FUNCTION gridgov.subtree_last(gridgov.gridcell) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_subtree_last' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.subtree_last(gridgov.gridcell) IS
    'last value of the descendant range: the last level 10 cell inside the cell';

-- Neighbours
CREATE FUNCTION gridgov.k_ring(gridgov.gridcell, k integer) RETURNS SETOF gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_k_ring' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 9;
COMMENT ON FUNCTION gridgov.k_ring(gridgov.gridcell, integer) IS
    'the cells of the same level at most k columns and k rows away, the cell included; cut at ±88°, wrapping across ±180°';

CREATE FUNCTION gridgov.are_neighbors(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_are_neighbors' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.are_neighbors(gridgov.gridcell, gridgov.gridcell) IS
    'true when two different cells of the same level share an edge or a corner (across ±180° too)';

-- Geometry.  The C functions write EWKB; PostGIS turns it into geometry.
CREATE FUNCTION gridgov.gridcell_center_ewkb(gridgov.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_center_ewkb(gridgov.gridcell) IS
    'EWKB of center(cell)';

CREATE FUNCTION gridgov.gridcell_boundary_ewkb(gridgov.gridcell) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_boundary_ewkb(gridgov.gridcell) IS
    'EWKB of boundary(cell)';

CREATE FUNCTION gridgov.center(gridgov.gridcell) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ST_GeomFromEWKB(gridgov.gridcell_center_ewkb($1));
COMMENT ON FUNCTION gridgov.center(gridgov.gridcell) IS
    'the center of the cell, a point in SRID 4326';

CREATE FUNCTION gridgov.boundary(gridgov.gridcell) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ST_GeomFromEWKB(gridgov.gridcell_boundary_ewkb($1));
COMMENT ON FUNCTION gridgov.boundary(gridgov.gridcell) IS
    'the cell as a polygon in SRID 4326: a rectangle in longitude and latitude, counter-clockwise from its south-west corner';

CREATE FUNCTION gridgov.area(gridgov.gridcell) RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridcell_area' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.area(gridgov.gridcell) IS
    'area of the cell in square metres on the WGS 84 ellipsoid, between its meridians and parallels';

CREATE FUNCTION gridgov.cover(polygon geometry, level integer)
    RETURNS TABLE (cell gridgov.gridcell, inside boolean)
    AS 'MODULE_PATHNAME', 'gridcell_cover' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION gridgov.cover(geometry, integer) IS
    'the cells at a level whose interior meets a (multi)polygon in SRID 4326, in order, inside = the cell lies wholly in the polygon; at most gridgov.max_cover_cells';

-- Containment, with the planner support that turns "cell <@ X" into a
-- btree range (src/subtree_support.c, declared with gridcode).
CREATE FUNCTION gridgov.gridcell_contains(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT gridgov.subtree_contains_support;
COMMENT ON FUNCTION gridgov.gridcell_contains(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the @> operator for gridcell';
CREATE FUNCTION gridgov.gridcell_contained(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT gridgov.subtree_contained_support;
COMMENT ON FUNCTION gridgov.gridcell_contained(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the <@ operator for gridcell';

-- Comparison: the order of the stored numbers, which is the order of the
-- codes and puts every cell's descendants right after it.  PostgreSQL's own
-- int8 functions do the work.
CREATE FUNCTION gridgov.gridcell_eq(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_ne(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_lt(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_le(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_gt(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_ge(gridgov.gridcell, gridgov.gridcell) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_cmp(gridgov.gridcell, gridgov.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_btint8cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_btint8sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcell_hash(gridgov.gridcell) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_hashint8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcell_hash_extended(gridgov.gridcell, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_hashint8extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.gridcell_eq(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the = operator for gridcell';
COMMENT ON FUNCTION gridgov.gridcell_ne(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the <> operator for gridcell';
COMMENT ON FUNCTION gridgov.gridcell_lt(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the < operator for gridcell';
COMMENT ON FUNCTION gridgov.gridcell_le(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the <= operator for gridcell';
COMMENT ON FUNCTION gridgov.gridcell_gt(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the > operator for gridcell';
COMMENT ON FUNCTION gridgov.gridcell_ge(gridgov.gridcell, gridgov.gridcell) IS
    'implementation of the >= operator for gridcell';
COMMENT ON FUNCTION gridgov.gridcell_cmp(gridgov.gridcell, gridgov.gridcell) IS
    'btree comparison function of gridcell';
COMMENT ON FUNCTION gridgov.gridcell_sortsupport(internal) IS
    'btree sort support function of gridcell';
COMMENT ON FUNCTION gridgov.gridcell_hash(gridgov.gridcell) IS
    'hash function of gridcell';
COMMENT ON FUNCTION gridgov.gridcell_hash_extended(gridgov.gridcell, bigint) IS
    'extended (seeded 64-bit) hash function of gridcell';

-- The transition functions of min() and max(), under Aggregates: the cells
-- first and last in code order
CREATE FUNCTION gridgov.gridcell_smaller(gridgov.gridcell, gridgov.gridcell) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridgov_int8smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_smaller(gridgov.gridcell, gridgov.gridcell) IS
    'the cell first in code order; transition function of min(gridcell)';
CREATE FUNCTION gridgov.gridcell_larger(gridgov.gridcell, gridgov.gridcell) RETURNS gridgov.gridcell
    AS 'MODULE_PATHNAME', 'gridgov_int8larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcell_larger(gridgov.gridcell, gridgov.gridcell) IS
    'the cell last in code order; transition function of max(gridcell)';

-- ======================================================================
-- Operators
-- ======================================================================

CREATE OPERATOR gridgov.= (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_eq,
    COMMUTATOR = OPERATOR(gridgov.=), NEGATOR = OPERATOR(gridgov.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR gridgov.= (gridgov.gridcell, gridgov.gridcell) IS
    'equal';
CREATE OPERATOR gridgov.<> (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_ne,
    COMMUTATOR = OPERATOR(gridgov.<>), NEGATOR = OPERATOR(gridgov.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR gridgov.<> (gridgov.gridcell, gridgov.gridcell) IS
    'not equal';
CREATE OPERATOR gridgov.< (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_lt,
    COMMUTATOR = OPERATOR(gridgov.>), NEGATOR = OPERATOR(gridgov.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR gridgov.< (gridgov.gridcell, gridgov.gridcell) IS
    'less than, in code order (every cell''s descendants follow it directly)';
CREATE OPERATOR gridgov.<= (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_le,
    COMMUTATOR = OPERATOR(gridgov.>=), NEGATOR = OPERATOR(gridgov.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR gridgov.<= (gridgov.gridcell, gridgov.gridcell) IS
    'less than or equal, in code order';
CREATE OPERATOR gridgov.> (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_gt,
    COMMUTATOR = OPERATOR(gridgov.<), NEGATOR = OPERATOR(gridgov.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR gridgov.> (gridgov.gridcell, gridgov.gridcell) IS
    'greater than, in code order';
CREATE OPERATOR gridgov.>= (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_ge,
    COMMUTATOR = OPERATOR(gridgov.<=), NEGATOR = OPERATOR(gridgov.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR gridgov.>= (gridgov.gridcell, gridgov.gridcell) IS
    'greater than or equal, in code order';
CREATE OPERATOR gridgov.@> (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_contains,
    COMMUTATOR = OPERATOR(gridgov.<@),
    RESTRICT = gridgov.subtree_contains_sel, JOIN = gridgov.subtree_contains_joinsel
);
COMMENT ON OPERATOR gridgov.@> (gridgov.gridcell, gridgov.gridcell) IS
    'contains or equals: is an ancestor of or the same cell';
CREATE OPERATOR gridgov.<@ (
    LEFTARG = gridgov.gridcell, RIGHTARG = gridgov.gridcell,
    FUNCTION = gridgov.gridcell_contained,
    COMMUTATOR = OPERATOR(gridgov.@>),
    RESTRICT = gridgov.subtree_contained_sel, JOIN = gridgov.subtree_contained_joinsel
);
COMMENT ON OPERATOR gridgov.<@ (gridgov.gridcell, gridgov.gridcell) IS
    'contained in or equal: is a descendant of or the same cell';

-- ======================================================================
-- Aggregates
-- ======================================================================

CREATE AGGREGATE gridgov.min(gridgov.gridcell) (
    SFUNC = gridgov.gridcell_smaller, STYPE = gridgov.gridcell,
    COMBINEFUNC = gridgov.gridcell_smaller, SORTOP = OPERATOR(gridgov.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.min(gridgov.gridcell) IS 'the cell first in code order';
CREATE AGGREGATE gridgov.max(gridgov.gridcell) (
    SFUNC = gridgov.gridcell_larger, STYPE = gridgov.gridcell,
    COMBINEFUNC = gridgov.gridcell_larger, SORTOP = OPERATOR(gridgov.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.max(gridgov.gridcell) IS 'the cell last in code order';

-- ======================================================================
-- Operator classes
-- ======================================================================

CREATE OPERATOR CLASS gridgov.gridcell_ops
    DEFAULT FOR TYPE gridgov.gridcell USING btree AS
        OPERATOR 1 gridgov.<,
        OPERATOR 2 gridgov.<=,
        OPERATOR 3 gridgov.=,
        OPERATOR 4 gridgov.>=,
        OPERATOR 5 gridgov.>,
        FUNCTION 1 gridgov.gridcell_cmp(gridgov.gridcell, gridgov.gridcell),
        FUNCTION 2 gridgov.gridcell_sortsupport(internal),
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS gridgov.gridcell_hash_ops
    DEFAULT FOR TYPE gridgov.gridcell USING hash AS
        OPERATOR 1 gridgov.=,
        FUNCTION 1 gridgov.gridcell_hash(gridgov.gridcell),
        FUNCTION 2 gridgov.gridcell_hash_extended(gridgov.gridcell, bigint);
