-- gridgov pillar 1: jurisdiction codes (gridcode)
--
-- Every reference below is qualified with @extschema@ or pg_catalog, so no
-- object planted in another schema can be picked up while this runs.

-- ======================================================================
-- Types
-- ======================================================================

CREATE TYPE @extschema@.gridcode;

CREATE FUNCTION @extschema@.gridcode_in(cstring) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_in(cstring) IS
    'input function of gridcode: 2, 4, 6, 9, 12, 15 or 19 digits, such as 440311006003';
CREATE FUNCTION @extschema@.gridcode_out(@extschema@.gridcode) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_out(@extschema@.gridcode) IS
    'output function of gridcode: the code''s shortest canonical form';
CREATE FUNCTION @extschema@.gridcode_recv(internal) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_recv(internal) IS
    'binary input function of gridcode: the int8 value, checked';
-- the wire format is an int8's
CREATE FUNCTION @extschema@.gridcode_send(@extschema@.gridcode) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_int8send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_send(@extschema@.gridcode) IS
    'binary output function of gridcode: the int8 value';

CREATE TYPE @extschema@.gridcode (
    INPUT = @extschema@.gridcode_in,
    OUTPUT = @extschema@.gridcode_out,
    RECEIVE = @extschema@.gridcode_recv,
    SEND = @extschema@.gridcode_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U',
    -- a quoted literal where gridcode and gridcell overloads compete, as in
    -- ancestor('440311006003', 4) or level('4403'), is read as a gridcode
    PREFERRED = true
);
COMMENT ON TYPE @extschema@.gridcode IS
    'jurisdiction code: province 2, prefecture 2, county 2, township 3, village 3, grid 3, building 4 digits';

-- Casts.  The stored value is the code as a 19-digit number, so gridcode to
-- bigint needs no function; the other way checks the number.
CREATE FUNCTION @extschema@.gridcode(bigint) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_from_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode(bigint) IS
    'the gridcode whose stored value (the code as a 19-digit number) is this number; fails for numbers that are no code';
CREATE CAST (bigint AS @extschema@.gridcode) WITH FUNCTION @extschema@.gridcode(bigint);
CREATE CAST (@extschema@.gridcode AS bigint) WITHOUT FUNCTION;
-- Implicit, so that a BI tool's filter code = '440311006' (or IN, LIKE)
-- compares the text form without gridgov on the search path; with it, the
-- literal is read as a gridcode and gridcode's own operators compare.
CREATE CAST (@extschema@.gridcode AS text) WITH INOUT AS IMPLICIT;
CREATE CAST (text AS @extschema@.gridcode) WITH INOUT;

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
CREATE FUNCTION @extschema@.level(@extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.level(@extschema@.gridcode) IS
    'level of the code: 1 province, 2 prefecture, 3 county, 4 township, 5 village, 6 grid, 7 building';

CREATE FUNCTION @extschema@.level_name(@extschema@.gridcode) RETURNS text
    AS 'MODULE_PATHNAME', 'gridcode_level_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.level_name(@extschema@.gridcode) IS
    'name of the code''s level: province, prefecture, county, township, village, grid or building';

CREATE FUNCTION @extschema@.gridcode_level(text) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level_number' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_level(text) IS
    'number of a gridcode level given its name, such as ''township''';

CREATE FUNCTION @extschema@.parent(@extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.parent(@extschema@.gridcode) IS
    'the code with its last non-zero segment zeroed; NULL for a province';

CREATE FUNCTION @extschema@.ancestor(@extschema@.gridcode, level integer) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ancestor(@extschema@.gridcode, integer) IS
    'the ancestor-or-self at a level; NULL when the code has no unit at that level';

-- A check for SQL functions that take a level: true, or the error (22023)
-- ancestor() gives, naming the parameter.
CREATE FUNCTION @extschema@.check_gridcode_level(level integer, parameter text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_check_level_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_gridcode_level(integer, text) IS
    'true for a gridcode level (1 province to 7 building); an error (22023) naming the parameter otherwise';

CREATE FUNCTION @extschema@.lineage(@extschema@.gridcode) RETURNS @extschema@.gridcode[]
    AS 'MODULE_PATHNAME', 'gridcode_lineage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.lineage(@extschema@.gridcode) IS
    'the code''s ancestors and the code itself, from the province down: "c = ANY (lineage(x))" is "c @> x" for an index on c';

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
    AS 'MODULE_PATHNAME', 'gridcode_is_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.is_ancestor(@extschema@.gridcode, @extschema@.gridcode) IS
    'true when the first code is a proper ancestor of the second';

CREATE FUNCTION @extschema@.lca(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_lca' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.lca(@extschema@.gridcode, @extschema@.gridcode) IS
    'lowest common ancestor-or-self of two codes; NULL when they are in different provinces';

CREATE FUNCTION @extschema@.depth_between(@extschema@.gridcode, @extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_depth_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.depth_between(@extschema@.gridcode, @extschema@.gridcode) IS
    'levels from the first code down to the second; NULL unless the first is an ancestor-or-self of the second';

CREATE FUNCTION @extschema@.subtree_first(@extschema@.gridcode) RETURNS @extschema@.gridcode
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    RETURN $1;
COMMENT ON FUNCTION @extschema@.subtree_first(@extschema@.gridcode) IS
    'first code of the descendant range: the code itself';

CREATE FUNCTION @extschema@.subtree_last(@extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_subtree_last' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.subtree_last(@extschema@.gridcode) IS
    'last code of the descendant range: every lower segment at its maximum';

-- Planner support shared by the hierarchy operators of gridgov's code types
-- (src/subtree_support.c).
CREATE FUNCTION @extschema@.subtree_contained_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contained_support(internal) IS
    'planner support function of the <@ operators of gridcode and gridcell: x <@ X becomes the btree range x >= X AND x <= subtree_last(X)';
CREATE FUNCTION @extschema@.subtree_contains_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contains_support(internal) IS
    'planner support function of the @> operators of gridcode and gridcell: X @> x becomes the btree range x >= X AND x <= subtree_last(X)';
CREATE FUNCTION @extschema@.subtree_contained_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contained_sel(internal, oid, internal, integer) IS
    'restriction selectivity of the <@ operators of gridcode and gridcell: x <@ X estimated as the range from X to subtree_last(X)';
CREATE FUNCTION @extschema@.subtree_contains_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contains_sel(internal, oid, internal, integer) IS
    'restriction selectivity of the @> operators of gridcode and gridcell: X @> x estimated as the range from X to subtree_last(X)';
CREATE FUNCTION @extschema@.subtree_contained_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contained_joinsel(internal, oid, internal, smallint, internal) IS
    'join selectivity of the <@ operators of gridcode and gridcell: the share of the left column under a value of the right one, averaged over the right column''s statistics';
CREATE FUNCTION @extschema@.subtree_contains_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contains_joinsel(internal, oid, internal, smallint, internal) IS
    'join selectivity of the @> operators of gridcode and gridcell: the share of the right column under a value of the left one, averaged over the left column''s statistics';

CREATE FUNCTION @extschema@.gridcode_contains(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT @extschema@.subtree_contains_support;
COMMENT ON FUNCTION @extschema@.gridcode_contains(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the @> operator for gridcode';
CREATE FUNCTION @extschema@.gridcode_contained(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT @extschema@.subtree_contained_support;
COMMENT ON FUNCTION @extschema@.gridcode_contained(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the <@ operator for gridcode';

-- Comparison: the order of the 19-digit numbers, which puts every code's
-- descendants right after it.  PostgreSQL's own int8 functions do the work.
CREATE FUNCTION @extschema@.gridcode_eq(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_ne(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_lt(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_le(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_gt(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_ge(@extschema@.gridcode, @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_int8ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_cmp(@extschema@.gridcode, @extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_btint8cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_btint8sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.gridcode_hash(@extschema@.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_hashint8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.gridcode_hash_extended(@extschema@.gridcode, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_hashint8extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.gridcode_eq(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the = operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_ne(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the <> operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_lt(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the < operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_le(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the <= operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_gt(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the > operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_ge(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the >= operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_cmp(@extschema@.gridcode, @extschema@.gridcode) IS
    'btree comparison function of gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_sortsupport(internal) IS
    'btree sort support function of gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_hash(@extschema@.gridcode) IS
    'hash function of gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_hash_extended(@extschema@.gridcode, bigint) IS
    'extended (seeded 64-bit) hash function of gridcode';

CREATE FUNCTION @extschema@.gridcode_smaller(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_int8smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_smaller(@extschema@.gridcode, @extschema@.gridcode) IS
    'the code first in code order; transition function of min(gridcode)';
CREATE FUNCTION @extschema@.gridcode_larger(@extschema@.gridcode, @extschema@.gridcode) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_int8larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gridcode_larger(@extschema@.gridcode, @extschema@.gridcode) IS
    'the code last in code order; transition function of max(gridcode)';

-- ======================================================================
-- Operators
-- ======================================================================

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.gridcode, @extschema@.gridcode) IS
    'equal';
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR @extschema@.<> (@extschema@.gridcode, @extschema@.gridcode) IS
    'not equal';
CREATE OPERATOR @extschema@.< (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_lt,
    COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR @extschema@.< (@extschema@.gridcode, @extschema@.gridcode) IS
    'less than, in code order (every code''s descendants follow it directly)';
CREATE OPERATOR @extschema@.<= (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_le,
    COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR @extschema@.<= (@extschema@.gridcode, @extschema@.gridcode) IS
    'less than or equal, in code order';
CREATE OPERATOR @extschema@.> (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_gt,
    COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR @extschema@.> (@extschema@.gridcode, @extschema@.gridcode) IS
    'greater than, in code order';
CREATE OPERATOR @extschema@.>= (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_ge,
    COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR @extschema@.>= (@extschema@.gridcode, @extschema@.gridcode) IS
    'greater than or equal, in code order';
CREATE OPERATOR @extschema@.@> (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_contains,
    COMMUTATOR = OPERATOR(@extschema@.<@),
    RESTRICT = @extschema@.subtree_contains_sel, JOIN = @extschema@.subtree_contains_joinsel
);
COMMENT ON OPERATOR @extschema@.@> (@extschema@.gridcode, @extschema@.gridcode) IS
    'is ancestor of or equal to';
CREATE OPERATOR @extschema@.<@ (
    LEFTARG = @extschema@.gridcode, RIGHTARG = @extschema@.gridcode,
    FUNCTION = @extschema@.gridcode_contained,
    COMMUTATOR = OPERATOR(@extschema@.@>),
    RESTRICT = @extschema@.subtree_contained_sel, JOIN = @extschema@.subtree_contained_joinsel
);
COMMENT ON OPERATOR @extschema@.<@ (@extschema@.gridcode, @extschema@.gridcode) IS
    'is descendant of or equal to';

-- ======================================================================
-- Aggregates
-- ======================================================================

CREATE AGGREGATE @extschema@.min(@extschema@.gridcode) (
    SFUNC = @extschema@.gridcode_smaller, STYPE = @extschema@.gridcode,
    COMBINEFUNC = @extschema@.gridcode_smaller, SORTOP = OPERATOR(@extschema@.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.min(@extschema@.gridcode) IS 'the code first in code order';
CREATE AGGREGATE @extschema@.max(@extschema@.gridcode) (
    SFUNC = @extschema@.gridcode_larger, STYPE = @extschema@.gridcode,
    COMBINEFUNC = @extschema@.gridcode_larger, SORTOP = OPERATOR(@extschema@.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.max(@extschema@.gridcode) IS 'the code last in code order';

-- ======================================================================
-- Operator classes
-- ======================================================================

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
