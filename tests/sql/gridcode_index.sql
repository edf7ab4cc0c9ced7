-- gridcode: btree and hash indexes, and the planner support that turns
-- "code <@ X" and "X @> code" into a btree range scan
SET search_path = gridgov, public;

CREATE TABLE codes AS
SELECT child(child(child(child('4403'::gridcode, 1 + g % 9), 1 + (g / 9) % 8), 1 + (g / 72) % 12), 1 + g / 864) AS code,
       g AS n
  FROM generate_series(0, 86399) g;
CREATE INDEX codes_code_idx ON codes (code);
VACUUM ANALYZE codes;

-- a constant subtree: an index-only range scan, the range folded to constants
EXPLAIN (COSTS OFF) SELECT count(*) FROM codes WHERE code <@ '440305';
EXPLAIN (COSTS OFF) SELECT count(*) FROM codes WHERE '440305002' @> code;
SELECT count(*) FROM codes WHERE code <@ '440305';
SELECT count(*) FROM codes WHERE '440305002' @> code;

-- the estimates come from the histogram: 9600 and 1200 rows
CREATE FUNCTION estimated_rows(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
SELECT estimated_rows('SELECT * FROM codes WHERE code <@ ''440305''') BETWEEN 7200 AND 12000 AS county_estimate_close,
       estimated_rows('SELECT * FROM codes WHERE ''440305002'' @> code') BETWEEN 600 AND 1800 AS township_estimate_close,
       estimated_rows('SELECT * FROM codes WHERE code @> ''440305002001001''') < 50 AS ancestor_side_estimate_small;

-- a root per outer row: the range bounds become per-row index conditions
EXPLAIN (COSTS OFF)
SELECT r.root, (SELECT count(*) FROM codes c WHERE c.code <@ r.root)
  FROM (VALUES ('440301'::gridcode), ('440302001')) r(root);
SELECT r.root, (SELECT count(*) FROM codes c WHERE c.code <@ r.root)
  FROM (VALUES ('440301'::gridcode), ('440302001'), ('440302001001'), ('4404')) r(root);

-- a join on the hierarchy
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT r.root, count(*)
  FROM (VALUES ('440301'::gridcode), ('440309')) r(root)
  JOIN codes c ON c.code <@ r.root
 GROUP BY r.root;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- the function form (not the operator) gets the same help
EXPLAIN (COSTS OFF) SELECT count(*) FROM codes WHERE gridcode_contained(code, '440305');

-- the ancestor side cannot use a range: a filter, and still right
EXPLAIN (COSTS OFF) SELECT code FROM codes WHERE code @> '440305002001001';
SELECT code FROM codes WHERE code @> '440305002001001';

-- same answers without any index
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM codes WHERE code <@ '440305';
SELECT count(*) FROM codes WHERE '440305002' @> code;
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;

-- ORDER BY reads the btree backwards; min and max read its ends
SELECT code FROM codes WHERE code <@ '440309008' ORDER BY code DESC LIMIT 3;
EXPLAIN (COSTS OFF) SELECT min(code), max(code) FROM codes;
SELECT min(code), max(code) FROM codes;
SELECT min(code), max(code) FROM codes WHERE code <@ '440307';

-- hash index and hash partitioning
CREATE INDEX codes_code_hash ON codes USING hash (code);
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT n FROM codes WHERE code = '440305002001001';
SELECT n FROM codes WHERE code = '440305002001001';
RESET enable_bitmapscan;
CREATE TABLE codes_by_hash (code gridcode) PARTITION BY HASH (code);
CREATE TABLE codes_by_hash_0 PARTITION OF codes_by_hash FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE codes_by_hash_1 PARTITION OF codes_by_hash FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO codes_by_hash SELECT code FROM codes;
SELECT count(*) > 40000 AND count(*) < 46400 AS balanced FROM codes_by_hash_0;
SELECT count(DISTINCT code) FROM codes;

-- the operator classes pass PostgreSQL's own validation
SELECT opcname, amvalidate(opc.oid)
  FROM pg_opclass opc JOIN pg_namespace n ON n.oid = opc.opcnamespace
 WHERE n.nspname = 'gridgov' AND opcname LIKE 'gridcode%' ORDER BY 1;

DROP TABLE codes, codes_by_hash;
DROP FUNCTION estimated_rows(text);
