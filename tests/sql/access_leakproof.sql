-- The LEAKPROOF functions of gridgov, and what their label buys: a reader's
-- "unit <@ X" runs before the row-level security policies, as an index
-- range scan (docs/access.md, "Leakproof functions").
SET search_path = gridgov, public;

-- 1. Every LEAKPROOF function of the extension, with its operators.
SELECT p.oid::regprocedure AS function,
       coalesce(string_agg(o.oprname, ' ' ORDER BY o.oprname), '') AS operators
  FROM pg_proc p
  LEFT JOIN pg_operator o ON o.oprcode = p.oid
 WHERE p.pronamespace = 'gridgov'::regnamespace AND p.proleakproof
 GROUP BY p.oid
 ORDER BY p.oid::regprocedure::text;

-- 2. They fail for no value: called on every pair of 400 generated codes
--    (every level, segments at 1 and at their maximum, the first and last
--    province) and 400 cells (every level), they return, and each answer
--    agrees with a second computation on the codes' text.
CREATE TEMP TABLE codes AS
SELECT DISTINCT left(p || s, (ARRAY[2, 4, 6, 9, 12, 15, 19])[1 + i % 7])::gridcode AS code
  FROM generate_series(0, 399) AS i,
       LATERAL (SELECT (ARRAY['11', '44', '91'])[1 + i % 3] AS p,
                       CASE WHEN i % 5 = 0 THEN '99999999999999999'
                            WHEN i % 5 = 1 THEN '01010010010010001'
                            ELSE lpad((i * 7919)::text, 2, '0') || '0' || lpad((1 + i % 98)::text, 2, '0')
                                 || lpad((1 + i % 998)::text, 3, '0') || lpad((1 + i * 13 % 998)::text, 3, '0')
                                 || lpad((1 + i % 997)::text, 3, '0') || lpad((1 + i % 9998)::text, 4, '0') END AS s) x;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a.code @> b.code) IS DISTINCT FROM starts_with(b.code::text, a.code::text)
                           OR (b.code <@ a.code) IS DISTINCT FROM (a.code @> b.code)
                           OR is_ancestor(a.code, b.code) IS DISTINCT FROM (a.code @> b.code AND a.code <> b.code)
                           OR (depth_between(a.code, b.code) IS NOT NULL) IS DISTINCT FROM (a.code @> b.code)
                           OR NOT (lca(a.code, b.code) IS NULL OR (lca(a.code, b.code) @> a.code AND lca(a.code, b.code) @> b.code))
                           OR (b.code BETWEEN subtree_first(a.code) AND subtree_last(a.code)) IS DISTINCT FROM (a.code @> b.code)) AS failed
  FROM codes a, codes b;
SELECT count(*) AS codes,
       count(*) FILTER (WHERE level(code) IS NULL OR level_name(code) IS NULL
                           OR (parent(code) IS NULL) <> (level(code) = 1)
                           OR cardinality(lineage(code)) < 1 OR (lineage(code))[cardinality(lineage(code))] <> code)
           AS failed
  FROM codes;
CREATE TEMP TABLE cells AS
SELECT DISTINCT gridcell((-179.9 + 359.8 * ((i * 0.618034) % 1))::float8, (-87.9 + 175.8 * ((i * 0.754878) % 1))::float8,
                         1 + i % 10) AS cell
  FROM generate_series(0, 399) AS i;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a.cell @> b.cell) IS DISTINCT FROM starts_with(b.cell::text, a.cell::text)
                           OR (b.cell <@ a.cell) IS DISTINCT FROM (a.cell @> b.cell)
                           OR (b.cell BETWEEN subtree_first(a.cell) AND subtree_last(a.cell)) IS DISTINCT FROM (a.cell @> b.cell)
                           OR are_neighbors(a.cell, b.cell) IS NULL
                           OR (level(a.cell) > 1 AND NOT parent(a.cell) @> a.cell)) AS failed
  FROM cells a, cells b;

-- 3. Under row-level security, a reader's "unit <@ X" and "unit = X" are
--    index conditions, the policy a filter of what the index finds.
BEGIN;
\set ECHO none
\i tests/pgtap/case_fixture.psql
\set ECHO all
CREATE ROLE gridgov_leakproof_reader;
GRANT USAGE ON SCHEMA gridgov TO gridgov_leakproof_reader;
GRANT SELECT ON cases TO gridgov_leakproof_reader;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SET ROLE gridgov_leakproof_reader;
EXPLAIN (COSTS OFF) SELECT id FROM cases WHERE unit <@ '440311006003';
EXPLAIN (COSTS OFF) SELECT id FROM cases WHERE unit = '440311006003001';
-- without the label, the policy must run first: no index, every case read
RESET ROLE;
ALTER FUNCTION gridcode_contained(gridcode, gridcode) NOT LEAKPROOF;
SET ROLE gridgov_leakproof_reader;
EXPLAIN (COSTS OFF) SELECT id FROM cases WHERE unit <@ '440311006003';
ROLLBACK;
