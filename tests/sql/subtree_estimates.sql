-- The planner's estimates of <@ and @> on gridcode and gridcell against the
-- rows the queries return (src/selectivity.c).  Every table here has fewer
-- rows than ANALYZE samples (300 x the statistics target of 100), so its
-- statistics are the same on every run and so are the estimates; each check
-- prints how far the estimate is from the actual rows, bucketed:
-- "within 2x" means 1/2 <= estimate / actual <= 2.
SET search_path = public, gridgov;
SET max_parallel_workers_per_gather = 0;

-- Estimates from EXPLAIN (FORMAT JSON): the top node's rows, and every scan
-- of a relation with its rows per loop.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN plan -> 0 -> 'Plan';
END $$;
CREATE FUNCTION pg_temp.scans(node json) RETURNS TABLE (relation text, estimate float8)
LANGUAGE sql AS $$
    WITH RECURSIVE n(node) AS (
        SELECT node
        UNION ALL
        SELECT child FROM n, json_array_elements(n.node -> 'Plans') child
    )
    SELECT node ->> 'Relation Name', (node ->> 'Plan Rows')::float8
      FROM n WHERE node ->> 'Relation Name' IS NOT NULL
$$;
CREATE FUNCTION pg_temp.bucket(estimate float8, actual float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN greatest(estimate, 1) / greatest(actual, 1) BETWEEN 0.5 AND 2 THEN 'within 2x'
        WHEN greatest(estimate, 1) / greatest(actual, 1) BETWEEN 0.25 AND 4 THEN 'within 4x'
        WHEN estimate > actual THEN 'over by more than 4x'
        ELSE 'under by more than 4x' END
$$;
-- one query's estimate (the top node) against its rows
CREATE FUNCTION pg_temp.check_rows(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    actual bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || query || ') q' INTO actual;
    RETURN pg_temp.bucket((pg_temp.plan_of(query) ->> 'Plan Rows')::float8, actual);
END $$;

-- A jurisdiction tree numbered as China's is: sparse.  7 provinces (11, 13,
-- 15, ...), 2 to 5 prefectures each, 3 to 8 counties (01.. then 21..),
-- 4 to 15 townships, villages 001.. then 201.. (6 to 17 a township); 21,000
-- units of every level, most of them villages.
CREATE TABLE est_units (code gridcode PRIMARY KEY);
INSERT INTO est_units
SELECT DISTINCT code FROM (
    SELECT ancestor(v.code, l) AS code
      FROM (SELECT gridcode(((11 + 2 * p) * 100 + pr) * 1000000000000000::bigint
                            + (CASE WHEN c <= 3 THEN c ELSE 18 + c END) * 10000000000000::bigint
                            + t * 10000000000::bigint
                            + (CASE WHEN v <= 8 THEN v ELSE 192 + v END) * 10000000::bigint) AS code
              FROM generate_series(0, 6) p,
                   generate_series(1, 2 + p % 4) pr,
                   generate_series(1, 3 + (p + pr) % 6) c,
                   generate_series(1, 4 + (p * 7 + pr * 3 + c) % 12) t,
                   generate_series(1, 6 + (p + pr * 5 + c * 3 + t) % 12) v) v,
           generate_series(1, 5) l) s
 WHERE code IS NOT NULL;
ANALYZE est_units;
SELECT level(code), count(*) FROM est_units GROUP BY 1 ORDER BY 1;

-- Constant roots: every unit of levels 1 to 4, and a sample of villages.
CREATE TABLE est_roots AS
SELECT code, level(code) AS level FROM est_units
 WHERE level(code) <= 4 OR code::bigint % 97 = 0;
SELECT r.level, pg_temp.bucket(e.estimate, a.actual) AS estimate, count(*)
  FROM est_roots r,
       LATERAL (SELECT count(*) AS actual FROM est_units u WHERE u.code <@ r.code) a,
       LATERAL (SELECT estimate FROM pg_temp.scans(pg_temp.plan_of(
                    format('SELECT * FROM est_units WHERE code <@ %L', r.code)))) e
 GROUP BY 1, 2 ORDER BY 1, 2;
-- the same with the root on the left (@>): the planner commutes it
SELECT pg_temp.check_rows($$SELECT * FROM est_units WHERE '1301'::gridcode @> code$$) AS prefecture,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE '130101002'::gridcode @> code$$) AS township;
-- a root with nothing under it: beyond the codes, and inside them
SELECT (pg_temp.plan_of($$SELECT * FROM est_units WHERE code <@ '65'$$) ->> 'Plan Rows')::float8 AS beyond,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE code <@ '130101002150'$$) AS inside_a_township;
-- The column on the ancestor side: at most one unit a level.
SELECT pg_temp.check_rows($$SELECT * FROM est_units WHERE code @> '130122003205'$$) AS ancestors_of_a_village,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE '130122003205'::gridcode <@ code$$) AS commuted;

-- Roots from a column: joins, both ways round, at each level.
CREATE TABLE est_counties AS SELECT code FROM est_units WHERE level(code) = 3;
CREATE TABLE est_townships AS SELECT code FROM est_units WHERE level(code) = 4;
ANALYZE est_counties;
ANALYZE est_townships;
SELECT pg_temp.check_rows($$SELECT * FROM est_counties r JOIN est_units u ON u.code <@ r.code$$) AS counties,
       pg_temp.check_rows($$SELECT * FROM est_townships r JOIN est_units u ON u.code <@ r.code$$) AS townships,
       pg_temp.check_rows($$SELECT * FROM est_townships r JOIN est_units u ON r.code @> u.code$$) AS townships_commuted,
       pg_temp.check_rows($$SELECT * FROM est_units u JOIN est_townships r ON u.code @> r.code$$) AS ancestors_of_townships;
-- The inner side of the nested loop, a range scan per root, is estimated at
-- a root's rows, and so costed: the plan stays under jit_above_cost (with
-- 0.5% of the table a root it was costed at a hundred times that).
SELECT pg_temp.bucket(s.estimate, (SELECT count(*) FROM est_townships r JOIN est_units u ON u.code <@ r.code)
                                  / (SELECT count(*) FROM est_townships)::float8) AS rows_per_township,
       (pg_temp.plan_of($$SELECT r.code, count(*) FROM est_townships r JOIN est_units u ON u.code <@ r.code GROUP BY 1$$)
            ->> 'Total Cost')::float8 < current_setting('jit_above_cost')::float8 AS below_jit_above_cost
  FROM pg_temp.scans(pg_temp.plan_of($$SELECT r.code, count(*) FROM est_townships r JOIN est_units u ON u.code <@ r.code GROUP BY 1$$)) s
 WHERE s.relation = 'est_units';
-- A correlated subquery's root is a parameter, estimated as the column it
-- stands for.
SELECT pg_temp.bucket(s.estimate, 1 + (SELECT count(*) FROM est_units WHERE level(code) = 5)
                                      / (SELECT count(*) FROM est_townships)::float8) AS per_township,
       (pg_temp.plan_of($$SELECT r.code, (SELECT count(*) FROM est_units u WHERE u.code <@ r.code) FROM est_townships r$$)
            ->> 'Total Cost')::float8 < current_setting('jit_above_cost')::float8 AS below_jit_above_cost
  FROM pg_temp.scans(pg_temp.plan_of($$SELECT r.code, (SELECT count(*) FROM est_units u WHERE u.code <@ r.code) FROM est_townships r$$)) s
 WHERE s.relation = 'est_units';
SELECT pg_temp.bucket(s.estimate, 1 + (SELECT count(*) FROM est_units WHERE level(code) >= 4)
                                      / (SELECT count(*) FROM est_counties)::float8) AS per_county
  FROM pg_temp.scans(pg_temp.plan_of($$SELECT r.code, (SELECT count(*) FROM est_units u WHERE u.code <@ r.code) FROM est_counties r$$)) s
 WHERE s.relation = 'est_units';
-- A root of a known level, ancestor(x, 4), without statistics of its own.
SELECT pg_temp.check_rows($$SELECT * FROM est_units v JOIN est_units u ON u.code <@ ancestor(v.code, 4) WHERE v.code = '130101002003'$$)
       AS under_ancestor_4;
-- A parameter of a generic plan: nothing is known of it; the estimate is a
-- typical root's, between a province and a village.
PREPARE est_generic(gridcode) AS SELECT * FROM est_units WHERE code <@ $1;
SET plan_cache_mode = force_generic_plan;
SELECT estimate BETWEEN 2 AND 21000 / 7 AS typical
  FROM pg_temp.scans(pg_temp.plan_of('EXECUTE est_generic(''13'')'));
RESET plan_cache_mode;
DEALLOCATE est_generic;

-- gridcell: the cases of four towns' buildings, 3,100 buildings placed
-- at pseudo-random in towns of different sizes, 1 to 16 cases each a few
-- metres around its building, at level 10.
CREATE TABLE est_cells (cell gridcell);
INSERT INTO est_cells
SELECT gridcell(113.90 + t * 0.3 + ((hashint4(b * 7 + t) & 65535) / 65536.0) * 0.02 * (t + 1)
                + ((hashint4(b * 13 + c) & 255) / 256.0) * 0.0001,
                22.70 + t * 0.2 + ((hashint4(b * 11 + t) & 65535) / 65536.0) * 0.015 * (t + 1)
                + ((hashint4(b * 17 + c) & 255) / 256.0) * 0.0001, 10)
  FROM generate_series(0, 3) t, generate_series(1, 400 + 250 * t) b, generate_series(1, 1 + (hashint4(b) & 15)) c;
CREATE INDEX ON est_cells (cell);
ANALYZE est_cells;
SELECT count(*), count(DISTINCT parent(cell, 4)) AS level_4, count(DISTINCT parent(cell, 6)) AS level_6,
       count(DISTINCT parent(cell, 8)) AS level_8 FROM est_cells;
CREATE TABLE est_cell_roots AS
SELECT DISTINCT parent(cell, l) AS root, l AS level
  FROM est_cells, generate_series(2, 8) l
 WHERE cell::bigint % 5 = 0;
-- A cell of level 5 or 6 (about 120 and 60 metres) holds from one case to
-- a block's hundreds; those far above their level's average are under by
-- more than 4x when the histogram has too few bounds inside them to say so.
SELECT r.level, pg_temp.bucket(e.estimate, a.actual) AS estimate, count(*)
  FROM est_cell_roots r,
       LATERAL (SELECT count(*) AS actual FROM est_cells c WHERE c.cell <@ r.root) a,
       LATERAL (SELECT estimate FROM pg_temp.scans(pg_temp.plan_of(
                    format('SELECT * FROM est_cells WHERE cell <@ %L', r.root)))) e
 GROUP BY 1, 2 ORDER BY 1, 2;
CREATE TABLE est_cells_6 AS SELECT DISTINCT parent(cell, 6) AS cell FROM est_cells;
ANALYZE est_cells_6;
SELECT pg_temp.check_rows($$SELECT * FROM est_cells_6 r JOIN est_cells c ON c.cell <@ r.cell$$) AS join_level_6,
       pg_temp.check_rows($$SELECT * FROM est_cells c JOIN est_cells_6 r ON r.cell @> c.cell$$) AS commuted;
SELECT pg_temp.bucket(s.estimate, (SELECT count(*) FROM est_cells)::float8 / (SELECT count(*) FROM est_cells_6)) AS per_level_6
  FROM pg_temp.scans(pg_temp.plan_of($$SELECT r.cell, (SELECT count(*) FROM est_cells c WHERE c.cell <@ r.cell) FROM est_cells_6 r$$)) s
 WHERE s.relation = 'est_cells';

-- Odd input plans without error, at a sane estimate.
-- A table never analyzed, an empty one analyzed, a column of NULLs:
CREATE TABLE est_never (code gridcode);
INSERT INTO est_never SELECT code FROM est_units;
CREATE TABLE est_empty (code gridcode);
ANALYZE est_empty;
CREATE TABLE est_nulls AS SELECT NULL::gridcode AS code FROM generate_series(1, 1000);
ANALYZE est_nulls;
SELECT (pg_temp.plan_of($$SELECT * FROM est_never WHERE code <@ '13'$$) ->> 'Plan Rows')::float8 > 0 AS never_analyzed,
       pg_temp.check_rows($$SELECT * FROM est_never n JOIN est_townships r ON n.code <@ r.code$$) IS NOT NULL AS joined,
       (pg_temp.plan_of($$SELECT * FROM est_empty WHERE code <@ '13'$$) ->> 'Plan Rows')::float8 > 0 AS empty,
       pg_temp.check_rows($$SELECT * FROM est_nulls WHERE code <@ '13'$$) AS nulls,
       pg_temp.check_rows($$SELECT * FROM est_nulls n JOIN est_units u ON u.code <@ n.code$$) AS nulls_joined;
-- NULL roots, a root on both sides, expressions, other kinds of relation:
SELECT pg_temp.check_rows($$SELECT * FROM est_units WHERE code <@ NULL$$) AS null_root,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE NULL @> code$$) AS null_commuted,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE code <@ code$$) AS itself,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE parent(code) <@ '1301'$$) IS NOT NULL AS expression,
       pg_temp.check_rows($$SELECT * FROM est_units WHERE code::text::gridcode <@ ancestor(code, 2)$$) IS NOT NULL AS both_expressions;
CREATE INDEX est_units_township ON est_units (ancestor(code, 4));
ANALYZE est_units;
SELECT pg_temp.check_rows($$SELECT * FROM est_units WHERE ancestor(code, 4) <@ '130101002'$$) AS indexed_expression;
CREATE VIEW est_view AS SELECT code FROM est_units UNION ALL SELECT code FROM est_counties;
SELECT pg_temp.check_rows($$SELECT * FROM est_view WHERE code <@ '1301'$$) IS NOT NULL AS view,
       pg_temp.check_rows($$SELECT * FROM unnest(ARRAY['1301', '130101']::gridcode[]) c WHERE c <@ '13'$$) IS NOT NULL AS function_scan,
       pg_temp.check_rows($$SELECT * FROM (VALUES ('1301'::gridcode), (NULL)) v(c) WHERE '13' @> c$$) IS NOT NULL AS values_list,
       pg_temp.check_rows($$WITH w AS MATERIALIZED (SELECT code FROM est_units) SELECT * FROM w JOIN est_townships r ON w.code <@ r.code$$) IS NOT NULL AS cte_join,
       pg_temp.check_rows($$SELECT * FROM est_units u WHERE u.code <@ (SELECT min(code) FROM est_counties)$$) IS NOT NULL AS initplan,
       pg_temp.check_rows($$SELECT * FROM est_units u WHERE EXISTS (SELECT FROM est_townships r WHERE u.code <@ r.code)$$) IS NOT NULL AS semi_join,
       pg_temp.check_rows($$SELECT * FROM est_units u WHERE NOT EXISTS (SELECT FROM est_townships r WHERE r.code @> u.code)$$) IS NOT NULL AS anti_join,
       pg_temp.check_rows($$SELECT * FROM est_units u LEFT JOIN est_townships r ON u.code <@ r.code$$) IS NOT NULL AS outer_join;
-- a correlated parameter from a relation that is not a table, and from a
-- function's argument
SELECT pg_temp.check_rows($$SELECT v.c, (SELECT count(*) FROM est_units u WHERE u.code <@ v.c) FROM (VALUES ('13'::gridcode), ('1301')) v(c)$$) AS values_parameter;
CREATE FUNCTION pg_temp.under(root gridcode) RETURNS bigint LANGUAGE sql STABLE
    RETURN (SELECT count(*) FROM public.est_units WHERE code <@ root);
SELECT pg_temp.under('1301') = (SELECT count(*) FROM est_units WHERE code <@ '1301') AS sql_function;
-- contained() and contains() as plain calls keep the function estimates
SELECT pg_temp.check_rows($$SELECT * FROM est_units WHERE gridcode_contained(code, '1301')$$) IS NOT NULL AS function_form;

DROP VIEW est_view;
DROP FUNCTION pg_temp.under(gridcode);
DROP TABLE est_units, est_roots, est_counties, est_townships, est_cells, est_cell_roots, est_cells_6,
    est_never, est_empty, est_nulls;
