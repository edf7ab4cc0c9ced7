-- gridcode: hierarchy functions and operators, with bad parameters
SET search_path = gridgov, public;

-- one code per level, and the Dongguan town that skips the county level
SELECT c, level(c), level_name(c), parent(c), subtree_first(c), subtree_last(c),
       segment(c, 1) AS s1, segment(c, 2) AS s2, segment(c, 3) AS s3, segment(c, 4) AS s4,
       segment(c, 5) AS s5, segment(c, 6) AS s6, segment(c, 7) AS s7
  FROM unnest('{44,4403,440311,440311006,440311006003,440311006003012,4403110060030120007,441900003}'::gridcode[]) c;

-- ancestors at each level; NULL for an absent or lower level
SELECT l, ancestor('440311006003012'::gridcode, l) AS of_grid,
          ancestor('441900003001'::gridcode, l) AS of_dongguan_village
  FROM generate_series(1, 7) l;

-- children
SELECT child('4403', 11) AS district, child('440311', 6) AS subdistrict,
       child('440311006003', 12) AS grid, child('440311006003012', 7) AS building,
       child('4419', 3, 4) AS dongguan_town, child('44', 1, 7) AS deep;

-- ancestry tests
SELECT a, b, a @> b AS contains, a <@ b AS contained, is_ancestor(a, b),
       lca(a, b), depth_between(a, b)
  FROM (VALUES ('4403'::gridcode, '440311006003'::gridcode),
               ('440311006003', '4403'),
               ('440311', '440311'),
               ('440311006', '440311001005'),
               ('4419', '441900003001'),
               ('441900003', '441900004'),
               ('4403', '4419'),
               ('44', '45'),
               ('4403119999999999999', '440311')) v(a, b);

-- ordering puts every subtree right after its root
SELECT c, level(c)
  FROM unnest('{4404,440311006,44,440312,440311,4403110060030120007,4403,440311006003,45,441900003,4419}'::gridcode[]) c
 ORDER BY c;

SELECT '4403'::gridcode < '440301', '440399'::gridcode < '4404', '440311'::gridcode <= '440311',
       '4404'::gridcode > '4403999999999999999', '4403'::gridcode >= '4403', '4403'::gridcode <> '440300';

-- level names and numbers
SELECT gridcode_level('province') AS p, gridcode_level('Township') AS t, gridcode_level('building') AS b;

-- bad parameters: 22023 naming the argument
\set ON_ERROR_STOP 0
SELECT ancestor('440311', 0);
-- a quoted literal where gridcode's and gridcell's overloads compete is
-- read as a gridcode (the preferred type); a cell needs its type named
SELECT ancestor('440311006003', 4) AS code_4, level('4403') AS level_of_code,
       pg_typeof(parent('440311')) AS parent_type;
SELECT ancestor(gridcell 'N50J47539', 3) AS cell_3;
SELECT level('N50J475');
SELECT ancestor('440311', 8);
SELECT segment('440311', -1);
SELECT child('440311006003012', 10000);
SELECT child('4403110060030120007', 1);
SELECT child('440311', 0);
SELECT child('440311', 1, 3);
SELECT child('440311', 1, 9);
SELECT gridcode_level('street');
\set ON_ERROR_STOP 1

-- NULL in, NULL out
SELECT level(NULL::gridcode) IS NULL AS strict_level, parent(gridcode '44') IS NULL AS province_has_no_parent,
       lca('44', NULL) IS NULL AS strict_lca;

-- properties over 50,000 generated codes at every level
WITH codes AS (
    SELECT ancestor(gridcode(1100000000000000000 + (g::numeric * 161999999999999.98)::bigint), 1 + g % 7) AS c
      FROM generate_series(1, 50000) g
)
SELECT count(*) AS codes,
       count(*) FILTER (WHERE parent(c) IS NULL OR (parent(c) @> c AND is_ancestor(parent(c), c)
                                                     AND level(parent(c)) < level(c))) AS parent_is_ancestor,
       count(*) FILTER (WHERE c <@ c AND c @> c AND NOT is_ancestor(c, c)) AS reflexive,
       count(*) FILTER (WHERE subtree_last(c) <@ c AND subtree_first(c) = c) AS range_ends_inside,
       count(*) FILTER (WHERE level(c) = 7 OR (child(c, 1) <@ c AND parent(child(c, 1)) = c)) AS child_inside,
       count(*) FILTER (WHERE level(c) = 1 OR lca(c, parent(c)) = parent(c)) AS lca_with_parent,
       count(*) FILTER (WHERE depth_between(ancestor(c, 1), c) = level(c) - 1) AS depth_from_province
  FROM codes WHERE c IS NOT NULL;

-- a <@ b agrees with the range test and with lca over 200,000 generated pairs
WITH pairs AS (
    SELECT ancestor(gridcode(4400000000000000000 + (hashint8extended(g, 0) & 99999999999999)::bigint * 1000), 1 + g % 7) AS a,
           ancestor(gridcode(4400000000000000000 + (hashint8extended(g, 1) & 99999999999999)::bigint * 1000), 1 + (g / 7) % 7) AS b
      FROM generate_series(1, 200000) g
)
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a <@ b) = (a >= b AND a <= subtree_last(b))) AS range_agrees,
       count(*) FILTER (WHERE (a <@ b) = (lca(a, b) = b)) AS lca_agrees,
       count(*) FILTER (WHERE (a <@ b) = (b @> a)) AS commutator_agrees,
       count(*) FILTER (WHERE a <@ b) AS contained
  FROM pairs WHERE a IS NOT NULL AND b IS NOT NULL;
