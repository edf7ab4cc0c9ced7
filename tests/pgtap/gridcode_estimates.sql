-- The planner's estimate of "code <@ X" knows how many rows a code of X's
-- level holds in the column (src/selectivity.c): a subtree smaller than a
-- histogram bucket (every village, grid or building of a large table) is
-- estimated near its size, here where the codes fill their numbers densely
-- as bigint's BETWEEN would be, not at one row.  tests/sql/subtree_estimates.sql
-- has sparse codes, cells, and every other kind of root.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(12);

-- 999 villages of one township, 10 grids each, 10 buildings each: 99,900
-- codes; a village is 100 of them, a tenth of a bucket at the default
-- statistics target
CREATE TABLE estimate_codes (code gridcode);
INSERT INTO estimate_codes
SELECT (4403110060000000000 + v * 10000000::bigint + g * 10000 + b)::gridcode
  FROM generate_series(1, 999) v, generate_series(1, 10) g, generate_series(1, 10) b;
CREATE TABLE estimate_numbers AS SELECT code::bigint AS code FROM estimate_codes;
-- statistics from every row (a sample of 300 x 400 rows covers the table),
-- so that the estimates do not vary with ANALYZE's random sample; a village
-- is still a third of a bucket of the 400
ALTER TABLE estimate_codes ALTER code SET STATISTICS 400;
ALTER TABLE estimate_numbers ALTER code SET STATISTICS 400;
ANALYZE estimate_codes;
ANALYZE estimate_numbers;

CREATE FUNCTION pg_temp.estimate(sql text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || sql INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;

SELECT cmp_ok(pg_temp.estimate($$SELECT * FROM estimate_codes WHERE code <@ '440311006500'$$), '>=', 30::float8,
              'a village (100 rows) is estimated at 30 rows or more');
SELECT cmp_ok(pg_temp.estimate($$SELECT * FROM estimate_codes WHERE code <@ '440311006500'$$), '<=', 300::float8,
              'and at 300 or fewer');
SELECT cmp_ok(abs(pg_temp.estimate($$SELECT * FROM estimate_codes WHERE code <@ '440311006500'$$)
                  / pg_temp.estimate($$SELECT * FROM estimate_numbers WHERE code BETWEEN 4403110065000000000 AND 4403110065009999999$$)
                  - 1), '<=', 0.2::float8,
              'within 20% of bigint''s BETWEEN over the same numbers');
SELECT cmp_ok(pg_temp.estimate($$SELECT * FROM estimate_codes WHERE code <@ '440311006'$$), '>=', 90000::float8,
              'the whole township is estimated as the whole table');
SELECT is(pg_temp.estimate($$SELECT * FROM estimate_codes WHERE code <@ '440312'$$), 1::float8,
          'a district with nothing in it at the minimum of one row');

-- Joins on the hierarchy operators are estimated from both columns'
-- statistics: the share of the codes under a value of the other column,
-- averaged over that column.  Ten townships of 100 to 1,000 villages' worth
-- of codes (a village: 10 grids of 10 buildings), 55,000 codes in all, each
-- under exactly one township and one village.
CREATE TABLE join_codes (code gridcode);
INSERT INTO join_codes
SELECT (4403110000000000000 + t * 10000000000::bigint + v * 10000000::bigint + g * 10000 + b)::gridcode
  FROM generate_series(1, 10) t, generate_series(1, 10 * t) v, generate_series(1, 10) g, generate_series(1, 10) b;
CREATE INDEX ON join_codes (code);
CREATE TABLE join_townships AS SELECT DISTINCT ancestor(code, 4) AS code FROM join_codes;
CREATE TABLE join_villages AS SELECT DISTINCT ancestor(code, 5) AS code FROM join_codes;
ALTER TABLE join_codes ALTER code SET STATISTICS 200;  -- every row, as above
ANALYZE join_codes;
ANALYZE join_townships;
ANALYZE join_villages;

CREATE FUNCTION pg_temp.plan_of(sql text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || sql INTO plan;
    RETURN plan;
END $$;

CREATE FUNCTION pg_temp.join_estimate(sql text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    actual bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || sql || ') q' INTO actual;
    -- the estimate over the actual row count: 1 is exact
    RETURN pg_temp.estimate(sql) / actual;
END $$;

SELECT is((SELECT count(*) FROM join_codes c JOIN join_townships r ON c.code <@ r.code), 55000::bigint,
          'every code lies under one township');
SELECT ok(pg_temp.join_estimate($$SELECT * FROM join_codes c JOIN join_townships r ON c.code <@ r.code$$)
          BETWEEN 0.5 AND 2, 'code <@ township: the join is estimated within a factor of 2 of its rows');
SELECT ok(pg_temp.join_estimate($$SELECT * FROM join_townships r JOIN join_codes c ON r.code @> c.code$$)
          BETWEEN 0.5 AND 2, 'township @> code: the same, the other way round');
SELECT ok(pg_temp.join_estimate($$SELECT * FROM join_codes c JOIN join_villages r ON c.code <@ r.code$$)
          BETWEEN 0.5 AND 2, 'code <@ village: a village''s share, not a township''s');
SELECT ok(pg_temp.join_estimate($$SELECT * FROM join_villages r JOIN join_codes c ON r.code @> c.code$$)
          BETWEEN 0.5 AND 2, 'village @> code: the same, the other way round');
SELECT ok(pg_temp.join_estimate($$SELECT * FROM join_villages v JOIN join_townships t ON v.code <@ t.code$$)
          BETWEEN 0.5 AND 2, 'villages <@ townships: 550 rows');
-- the inner side of a nested loop, a range scan per township, is estimated
-- at a township's share too (the restriction estimator against a column)
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_material = off;
SELECT ok((SELECT (p -> 0 -> 'Plan' -> 'Plans' -> 1 ->> 'Plan Rows')::float8
             FROM pg_temp.plan_of($$SELECT * FROM join_townships r JOIN join_codes c ON c.code <@ r.code$$) p)
          BETWEEN 5500 / 2 AND 5500 * 2,
          'a nested loop''s inner scan is estimated at a township''s 5,500 codes on average');

SELECT * FROM finish();
ROLLBACK;
