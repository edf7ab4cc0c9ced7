-- gridgov pillar 1: jurisdiction codes (gridcode)
--
-- Every reference below is qualified with gridgov or pg_catalog, so no
-- object planted in another schema can be picked up while this runs.

-- The schema gridgov is the script's own when it makes it: gridgov.control
-- names no schema, CREATE EXTENSION registers the extension in the creation
-- schema (public, normally) and a schema made here is a member, so DROP
-- EXTENSION drops it with everything in it.  A schema gridgov already there
-- is used as it is: that is how a dump of an install from before 0.8.0
-- restores (its CREATE SCHEMA gridgov, then CREATE EXTENSION gridgov WITH
-- SCHEMA gridgov, the layout of those versions), and a schema a DBA made
-- beforehand.  Its owner can drop or replace anything in it, so it must be a
-- superuser's, as the schema of a restored dump is.
DO $$
DECLARE
    owner pg_catalog.name;
BEGIN
    SELECT r.rolname INTO owner FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'gridgov';
    IF NOT FOUND THEN
        CREATE SCHEMA gridgov;
    ELSIF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner) THEN
        RAISE EXCEPTION 'schema "gridgov" is owned by "%", who is not a superuser', owner
            USING ERRCODE = '42501',
                  HINT = 'Its owner could replace gridgov''s functions: ALTER SCHEMA gridgov OWNER TO a superuser, or drop it, then CREATE EXTENSION gridgov.';
    END IF;
END
$$;

-- CREATE EXTENSION runs this with search_path "<the extension's schema>,
-- <the required extensions' schemas>, pg_temp": gridgov goes first in place
-- of the extension's schema (public, or gridgov in the layout of before
-- 0.8.0), so that the functions that SET search_path FROM CURRENT keep
-- "gridgov, <PostGIS's schema>, ..." in every layout, and nothing
-- unqualified can land in another schema.  CREATE EXTENSION restores the
-- setting at the script's end.
SELECT pg_catalog.set_config('search_path',
           pg_catalog.regexp_replace(pg_catalog.current_setting('search_path'), '^("([^"]|"")*"|[^",]*),', 'gridgov,'), true);

-- ======================================================================
-- Types
-- ======================================================================

CREATE TYPE gridgov.gridcode;

CREATE FUNCTION gridgov.gridcode_in(cstring) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_in(cstring) IS
    'input function of gridcode: 2, 4, 6, 9, 12, 15 or 19 digits, such as 440311006003';
CREATE FUNCTION gridgov.gridcode_out(gridgov.gridcode) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_out(gridgov.gridcode) IS
    'output function of gridcode: the code''s shortest canonical form';
CREATE FUNCTION gridgov.gridcode_recv(internal) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_recv(internal) IS
    'binary input function of gridcode: the int8 value, checked';
-- the wire format is an int8's
CREATE FUNCTION gridgov.gridcode_send(gridgov.gridcode) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_int8send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_send(gridgov.gridcode) IS
    'binary output function of gridcode: the int8 value';

CREATE TYPE gridgov.gridcode (
    INPUT = gridgov.gridcode_in,
    OUTPUT = gridgov.gridcode_out,
    RECEIVE = gridgov.gridcode_recv,
    SEND = gridgov.gridcode_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U',
    -- a quoted literal where gridcode and gridcell overloads compete, as in
    -- ancestor('440311006003', 4) or level('4403'), is read as a gridcode
    PREFERRED = true
);
COMMENT ON TYPE gridgov.gridcode IS
    'jurisdiction code: province 2, prefecture 2, county 2, township 3, village 3, grid 3, building 4 digits';

-- Casts.  The stored value is the code as a 19-digit number, so gridcode to
-- bigint needs no function; the other way checks the number.
CREATE FUNCTION gridgov.gridcode(bigint) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_from_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode(bigint) IS
    'the gridcode whose stored value (the code as a 19-digit number) is this number; fails for numbers that are no code';
CREATE CAST (bigint AS gridgov.gridcode) WITH FUNCTION gridgov.gridcode(bigint);
CREATE CAST (gridgov.gridcode AS bigint) WITHOUT FUNCTION;
CREATE CAST (gridgov.gridcode AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS gridgov.gridcode) WITH INOUT;

-- ======================================================================
-- Functions
-- ======================================================================

-- Hierarchy functions.  Those that compute on their arguments alone and fail
-- for no code (level, level_name, parent, lineage, is_ancestor, lca,
-- depth_between, subtree_first, subtree_last, and @> and <@ below) are
-- LEAKPROOF: the planner may run a reader's "unit <@ X" before the policies
-- of row-level security, as an index range scan, since no error or side
-- channel of theirs tells a row the policies hide (docs/access.md).  Those
-- that check a level or a number argument (ancestor, segment, child) can
-- fail, and are not.
CREATE FUNCTION gridgov.level(gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.level(gridgov.gridcode) IS
    'level of the code: 1 province, 2 prefecture, 3 county, 4 township, 5 village, 6 grid, 7 building';

CREATE FUNCTION gridgov.level_name(gridgov.gridcode) RETURNS text
    AS 'MODULE_PATHNAME', 'gridcode_level_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.level_name(gridgov.gridcode) IS
    'name of the code''s level: province, prefecture, county, township, village, grid or building';

CREATE FUNCTION gridgov.gridcode_level(text) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level_number' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_level(text) IS
    'number of a gridcode level given its name, such as ''township''';

CREATE FUNCTION gridgov.parent(gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.parent(gridgov.gridcode) IS
    'the code with its last non-zero segment zeroed; NULL for a province';

CREATE FUNCTION gridgov.ancestor(gridgov.gridcode, level integer) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.ancestor(gridgov.gridcode, integer) IS
    'the ancestor-or-self at a level; NULL when the code has no unit at that level';

-- A check for SQL functions that take a level: true, or the error (22023)
-- ancestor() gives, naming the parameter.
CREATE FUNCTION gridgov.check_gridcode_level(level integer, parameter text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_check_level_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.check_gridcode_level(integer, text) IS
    'true for a gridcode level (1 province to 7 building); an error (22023) naming the parameter otherwise';

-- A check for SQL functions that take how many rows to return: true for
-- zero or more (and for NULL, no limit), else the error naming the
-- parameter, where LIMIT's own would not name it.  Put in the LIMIT
-- itself (CASE WHEN check_row_count(n, 'n') THEN n END), it runs before
-- the LIMIT's own check for every argument, a column's as well as a
-- constant.
CREATE FUNCTION gridgov.check_row_count(count bigint, parameter text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF count OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION '% must not be negative: %', parameter, count
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Give %s as 0 or more.', parameter);
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION gridgov.check_row_count(bigint, text) IS
    'true for a number of rows to return of zero or more, or NULL; an error (22023) naming the parameter for a negative one';

CREATE FUNCTION gridgov.lineage(gridgov.gridcode) RETURNS gridgov.gridcode[]
    AS 'MODULE_PATHNAME', 'gridcode_lineage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.lineage(gridgov.gridcode) IS
    'the code''s ancestors and the code itself, from the province down: "c = ANY (lineage(x))" is "c @> x" for an index on c';

CREATE FUNCTION gridgov.segment(gridgov.gridcode, level integer) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_segment' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.segment(gridgov.gridcode, integer) IS
    'the number in the code''s segment at a level, 0 when absent';

CREATE FUNCTION gridgov.child(gridgov.gridcode, number integer) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_child' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.child(gridgov.gridcode, integer) IS
    'the child with the given number at the next level';

CREATE FUNCTION gridgov.child(gridgov.gridcode, number integer, level integer) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_child_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.child(gridgov.gridcode, integer, integer) IS
    'the descendant with the given number at a lower level, the levels between left absent';

CREATE FUNCTION gridgov.is_ancestor(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_is_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.is_ancestor(gridgov.gridcode, gridgov.gridcode) IS
    'true when the first code is a proper ancestor of the second';

CREATE FUNCTION gridgov.lca(gridgov.gridcode, gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_lca' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.lca(gridgov.gridcode, gridgov.gridcode) IS
    'lowest common ancestor-or-self of two codes; NULL when they are in different provinces';

CREATE FUNCTION gridgov.depth_between(gridgov.gridcode, gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_depth_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.depth_between(gridgov.gridcode, gridgov.gridcode) IS
    'levels from the first code down to the second; NULL unless the first is an ancestor-or-self of the second';

CREATE FUNCTION gridgov.subtree_first(gridgov.gridcode) RETURNS gridgov.gridcode
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    RETURN $1;
COMMENT ON FUNCTION gridgov.subtree_first(gridgov.gridcode) IS
    'first code of the descendant range: the code itself';

CREATE FUNCTION gridgov.subtree_last(gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_subtree_last' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.subtree_last(gridgov.gridcode) IS
    'last code of the descendant range: every lower segment at its maximum';

-- Planner support shared by the hierarchy operators of gridgov's code types
-- (src/subtree_support.c).
CREATE FUNCTION gridgov.subtree_contained_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_contained_support(internal) IS
    'planner support function of the <@ operators of gridcode and gridcell: x <@ X becomes the btree range x >= X AND x <= subtree_last(X)';
CREATE FUNCTION gridgov.subtree_contains_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_contains_support(internal) IS
    'planner support function of the @> operators of gridcode and gridcell: X @> x becomes the btree range x >= X AND x <= subtree_last(X)';
CREATE FUNCTION gridgov.subtree_contained_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_contained_sel(internal, oid, internal, integer) IS
    'restriction selectivity of the <@ operators of gridcode and gridcell: x <@ X estimated as the range from X to subtree_last(X)';
CREATE FUNCTION gridgov.subtree_contains_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_contains_sel(internal, oid, internal, integer) IS
    'restriction selectivity of the @> operators of gridcode and gridcell: X @> x estimated as the range from X to subtree_last(X)';
CREATE FUNCTION gridgov.subtree_contained_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_contained_joinsel(internal, oid, internal, smallint, internal) IS
    'join selectivity of the <@ operators of gridcode and gridcell: the share of the left column under a value of the right one, averaged over the right column''s statistics';
CREATE FUNCTION gridgov.subtree_contains_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_contains_joinsel(internal, oid, internal, smallint, internal) IS
    'join selectivity of the @> operators of gridcode and gridcell: the share of the right column under a value of the left one, averaged over the left column''s statistics';

CREATE FUNCTION gridgov.gridcode_contains(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT gridgov.subtree_contains_support;
COMMENT ON FUNCTION gridgov.gridcode_contains(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the @> operator for gridcode';
CREATE FUNCTION gridgov.gridcode_contained(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT gridgov.subtree_contained_support;
COMMENT ON FUNCTION gridgov.gridcode_contained(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the <@ operator for gridcode';

-- Comparison: the order of the 19-digit numbers, which puts every code's
-- descendants right after it.  PostgreSQL's own int8 functions do the work.
CREATE FUNCTION gridgov.gridcode_eq(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_ne(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_lt(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_le(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_gt(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_ge(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_cmp(gridgov.gridcode, gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_btint8cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_btint8sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_hash(gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_hashint8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_hash_extended(gridgov.gridcode, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_hashint8extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gridgov.gridcode_eq(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the = operator for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_ne(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the <> operator for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_lt(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the < operator for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_le(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the <= operator for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_gt(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the > operator for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_ge(gridgov.gridcode, gridgov.gridcode) IS
    'implementation of the >= operator for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_cmp(gridgov.gridcode, gridgov.gridcode) IS
    'btree comparison function of gridcode';
COMMENT ON FUNCTION gridgov.gridcode_sortsupport(internal) IS
    'btree sort support function of gridcode';
COMMENT ON FUNCTION gridgov.gridcode_hash(gridgov.gridcode) IS
    'hash function of gridcode';
COMMENT ON FUNCTION gridgov.gridcode_hash_extended(gridgov.gridcode, bigint) IS
    'extended (seeded 64-bit) hash function of gridcode';

CREATE FUNCTION gridgov.gridcode_smaller(gridgov.gridcode, gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_int8smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_smaller(gridgov.gridcode, gridgov.gridcode) IS
    'the code first in code order; transition function of min(gridcode)';
CREATE FUNCTION gridgov.gridcode_larger(gridgov.gridcode, gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_int8larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_larger(gridgov.gridcode, gridgov.gridcode) IS
    'the code last in code order; transition function of max(gridcode)';

-- ======================================================================
-- Operators
-- ======================================================================

CREATE OPERATOR gridgov.= (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_eq,
    COMMUTATOR = OPERATOR(gridgov.=), NEGATOR = OPERATOR(gridgov.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR gridgov.= (gridgov.gridcode, gridgov.gridcode) IS
    'equal';
CREATE OPERATOR gridgov.<> (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_ne,
    COMMUTATOR = OPERATOR(gridgov.<>), NEGATOR = OPERATOR(gridgov.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR gridgov.<> (gridgov.gridcode, gridgov.gridcode) IS
    'not equal';
CREATE OPERATOR gridgov.< (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_lt,
    COMMUTATOR = OPERATOR(gridgov.>), NEGATOR = OPERATOR(gridgov.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR gridgov.< (gridgov.gridcode, gridgov.gridcode) IS
    'less than, in code order (every code''s descendants follow it directly)';
CREATE OPERATOR gridgov.<= (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_le,
    COMMUTATOR = OPERATOR(gridgov.>=), NEGATOR = OPERATOR(gridgov.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR gridgov.<= (gridgov.gridcode, gridgov.gridcode) IS
    'less than or equal, in code order';
CREATE OPERATOR gridgov.> (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_gt,
    COMMUTATOR = OPERATOR(gridgov.<), NEGATOR = OPERATOR(gridgov.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR gridgov.> (gridgov.gridcode, gridgov.gridcode) IS
    'greater than, in code order';
CREATE OPERATOR gridgov.>= (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_ge,
    COMMUTATOR = OPERATOR(gridgov.<=), NEGATOR = OPERATOR(gridgov.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR gridgov.>= (gridgov.gridcode, gridgov.gridcode) IS
    'greater than or equal, in code order';
CREATE OPERATOR gridgov.@> (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_contains,
    COMMUTATOR = OPERATOR(gridgov.<@),
    RESTRICT = gridgov.subtree_contains_sel, JOIN = gridgov.subtree_contains_joinsel
);
COMMENT ON OPERATOR gridgov.@> (gridgov.gridcode, gridgov.gridcode) IS
    'is ancestor of or equal to';
CREATE OPERATOR gridgov.<@ (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode,
    FUNCTION = gridgov.gridcode_contained,
    COMMUTATOR = OPERATOR(gridgov.@>),
    RESTRICT = gridgov.subtree_contained_sel, JOIN = gridgov.subtree_contained_joinsel
);
COMMENT ON OPERATOR gridgov.<@ (gridgov.gridcode, gridgov.gridcode) IS
    'is descendant of or equal to';

-- ======================================================================
-- Aggregates
-- ======================================================================

CREATE AGGREGATE gridgov.min(gridgov.gridcode) (
    SFUNC = gridgov.gridcode_smaller, STYPE = gridgov.gridcode,
    COMBINEFUNC = gridgov.gridcode_smaller, SORTOP = OPERATOR(gridgov.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.min(gridgov.gridcode) IS 'the code first in code order';
CREATE AGGREGATE gridgov.max(gridgov.gridcode) (
    SFUNC = gridgov.gridcode_larger, STYPE = gridgov.gridcode,
    COMBINEFUNC = gridgov.gridcode_larger, SORTOP = OPERATOR(gridgov.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.max(gridgov.gridcode) IS 'the code last in code order';

-- ======================================================================
-- Operator classes
-- ======================================================================

CREATE OPERATOR CLASS gridgov.gridcode_ops
    DEFAULT FOR TYPE gridgov.gridcode USING btree AS
        OPERATOR 1 gridgov.<,
        OPERATOR 2 gridgov.<=,
        OPERATOR 3 gridgov.=,
        OPERATOR 4 gridgov.>=,
        OPERATOR 5 gridgov.>,
        FUNCTION 1 gridgov.gridcode_cmp(gridgov.gridcode, gridgov.gridcode),
        FUNCTION 2 gridgov.gridcode_sortsupport(internal),
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS gridgov.gridcode_hash_ops
    DEFAULT FOR TYPE gridgov.gridcode USING hash AS
        OPERATOR 1 gridgov.=,
        FUNCTION 1 gridgov.gridcode_hash(gridgov.gridcode),
        FUNCTION 2 gridgov.gridcode_hash_extended(gridgov.gridcode, bigint);
