-- The planner's estimate of "code <@ X" reads the column's histogram as the
-- int64 numbers the codes are, interpolating inside a bucket: a subtree
-- smaller than a bucket (every village, grid or building of a large table)
-- is estimated near its size, as bigint's BETWEEN would be, not at one row.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(5);

-- 999 villages of one township, 10 grids each, 10 buildings each: 99,900
-- codes; a village is 100 of them, a tenth of a histogram bucket
CREATE TABLE estimate_codes (code gridcode);
INSERT INTO estimate_codes
SELECT (4403110060000000000 + v * 10000000::bigint + g * 10000 + b)::gridcode
  FROM generate_series(1, 999) v, generate_series(1, 10) g, generate_series(1, 10) b;
CREATE TABLE estimate_numbers AS SELECT code::bigint AS code FROM estimate_codes;
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

SELECT * FROM finish();
ROLLBACK;
