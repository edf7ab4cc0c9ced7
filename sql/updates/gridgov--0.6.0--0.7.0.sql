-- gridgov 0.6.0 -> 0.7.0: hardening.  The engine's queries cannot be
-- reached through the caller's search_path; the actor and the time of a
-- move come from the server; every edit of a case's content is a move of
-- its own in the hash-chained history; bounded inputs.

-- One name for the ancestor at a level on both types: ancestor(gridcell,
-- level); parent(gridcell, level) stays as its alias.
-- gridcode becomes the preferred type of its category, so that a quoted
-- literal where gridcode and gridcell overloads compete, as in
-- ancestor('440311006003', 4), is read as a gridcode, as it was before
-- ancestor(gridcell, level) existed.  (ALTER TYPE cannot set it.)
UPDATE pg_catalog.pg_type SET typispreferred = true
 WHERE oid OPERATOR(pg_catalog.=) '@extschema@.gridcode'::pg_catalog.regtype;
CREATE FUNCTION @extschema@.ancestor(@extschema@.gridcell, level integer) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ancestor(@extschema@.gridcell, integer) IS
    'the ancestor-or-self at a level, the code cut to that level''s length; NULL when the cell is coarser than the level';
COMMENT ON FUNCTION @extschema@.parent(@extschema@.gridcell, integer) IS
    'alias of ancestor(gridcell, level), its name before 0.7.0: the ancestor-or-self at a level';
