-- The unit registry: derived columns, the parent rule, history, and the
-- functions over the tree, on a small hand-built district with boundaries.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(42);

SELECT has_table('gridgov', 'unit', 'unit table exists');
SELECT col_is_pk('gridgov', 'unit', 'code', 'code is the primary key');
SELECT col_type_is('gridgov', 'unit', 'boundary', 'geometry(MultiPolygon,4326)', 'boundary is a 4326 MultiPolygon');
SELECT ok((SELECT extconfig FROM pg_extension WHERE extname = 'gridgov')
          @> ARRAY['gridgov.unit'::regclass::oid, 'gridgov.unit_history'::regclass::oid],
          'unit tables are dumped by pg_dump');

-- a small tree: province, city, district, two subdistricts, communities, grids
INSERT INTO unit (code, name, boundary) VALUES
    ('44', '广东省', NULL),
    ('4403', '深圳市', NULL),
    ('440311', '光明区', ST_Multi(ST_MakeEnvelope(113.85, 22.70, 114.00, 22.85, 4326))),
    ('440311001', '光明街道', ST_Multi(ST_MakeEnvelope(113.85, 22.70, 113.925, 22.85, 4326))),
    ('440311006', '马田街道', ST_Multi(ST_MakeEnvelope(113.925, 22.70, 114.00, 22.85, 4326))),
    ('440311006003', '根竹园社区', ST_Multi(ST_MakeEnvelope(113.925, 22.70, 114.00, 22.775, 4326))),
    ('440311006004', '马山头社区', ST_Multi(ST_MakeEnvelope(113.925, 22.775, 114.00, 22.85, 4326))),
    ('440311006003001', '根竹园第一网格', ST_Multi(ST_MakeEnvelope(113.925, 22.70, 113.9625, 22.775, 4326))),
    ('440311006003002', '根竹园第二网格', ST_Multi(ST_MakeEnvelope(113.9625, 22.70, 114.00, 22.775, 4326)));

SELECT results_eq($$SELECT level, parent FROM unit WHERE code = '440311006003'$$,
                  $$VALUES (5, '440311006'::gridcode)$$, 'level and parent are derived from the code');
SELECT throws_ok($$INSERT INTO unit (code, name, level) VALUES ('440312', 'x', 3)$$,
                 '428C9', NULL, 'level cannot be typed in');
SELECT throws_ok($$INSERT INTO unit (code, name) VALUES ('440399001', '无上级街道')$$,
                 '23503', NULL, 'a unit whose parent is not registered is refused');
SELECT throws_like($$INSERT INTO unit (code, name) VALUES ('440399001', '无上级街道')$$,
                   '%unit_parent_must_exist%', 'the refusal names the parent rule');
SELECT throws_ok($$INSERT INTO unit (code, name) VALUES ('440312', '')$$,
                 '23514', NULL, 'an empty name is refused');
SELECT lives_ok($$INSERT INTO unit (code, name) VALUES ('45', '广西壮族自治区')$$,
                'a province needs no parent');
SELECT throws_ok($$DELETE FROM unit WHERE code = '440311006'$$,
                 '23503', NULL, 'deleting a unit with children is refused');
SELECT is((SELECT count(*) FROM unit WHERE code <@ '440311006')::int, 5, 'and nothing was deleted');
SELECT lives_ok($$INSERT INTO unit (code, name) VALUES ('440311006009', '临时社区');
                  INSERT INTO unit (code, name) VALUES ('440311006009001', '临时网格');
                  DELETE FROM unit WHERE code <@ '440311006009'$$,
                'a whole subtree can be deleted in one statement');
SELECT throws_ok($$UPDATE unit SET code = '440311006005' WHERE code = '440311006003'$$,
                 '23503', NULL, 'a unit with children cannot change its code');

-- the functions over the tree
SELECT results_eq($$SELECT code FROM children(gridcode '440311')$$,
                  $$VALUES ('440311001'::gridcode), ('440311006')$$, 'children in code order');
SELECT results_eq($$SELECT code FROM children(gridcode '440311006003012')$$,
                  $$SELECT NULL::gridcode WHERE false$$, 'a leaf has no children');
SELECT results_eq($$SELECT code FROM descendants('440311')$$,
                  $$VALUES ('440311001'::gridcode), ('440311006'), ('440311006003'), ('440311006003001'),
                           ('440311006003002'), ('440311006004')$$, 'descendants in code order');
SELECT results_eq($$SELECT code FROM descendants('440311', 5)$$,
                  $$VALUES ('440311001'::gridcode), ('440311006'), ('440311006003'), ('440311006004')$$,
                  'descendants down to a level');
SELECT results_eq($$SELECT code FROM descendants('440311', gridcode_level('township'))$$,
                  $$VALUES ('440311001'::gridcode), ('440311006')$$, 'descendants down to a named level');
SELECT results_eq($$SELECT code, name FROM ancestors('440311006003002')$$,
                  $$VALUES ('44'::gridcode, '广东省'), ('4403', '深圳市'), ('440311', '光明区'),
                           ('440311006', '马田街道'), ('440311006003', '根竹园社区')$$,
                  'ancestors from the province down');
SELECT is(breadcrumb('440311006003'), '广东省 › 深圳市 › 光明区 › 马田街道 › 根竹园社区', 'breadcrumb');
SELECT is(breadcrumb('440311006003', '/'), '广东省/深圳市/光明区/马田街道/根竹园社区', 'breadcrumb with a separator');
SELECT is(breadcrumb('4403110060039990001'), '广东省 › 深圳市 › 光明区 › 马田街道 › 根竹园社区',
          'breadcrumb of an unregistered building names its registered ancestors');
SELECT is(breadcrumb('46'), NULL, 'breadcrumb of an unknown province is NULL');

-- point lookups
SELECT is((unit_at(ST_SetSRID(ST_MakePoint(113.95, 22.72), 4326), 6)).code, '440311006003001'::gridcode,
          'unit_at finds the grid');
SELECT is((unit_at(ST_SetSRID(ST_MakePoint(113.95, 22.72), 4326), 4)).name, '马田街道',
          'unit_at finds the subdistrict');
SELECT is((unit_at(ST_SetSRID(ST_MakePoint(113.80, 22.72), 4326), 6)).code, NULL,
          'unit_at outside every boundary is NULL');
SELECT is((unit_at(ST_SetSRID(ST_MakePoint(113.9625, 22.72), 4326), 6)).code, '440311006003001'::gridcode,
          'a point on a shared edge goes to the lower code');
SELECT throws_ok($$SELECT unit_at(ST_SetSRID(ST_MakePoint(113.95, 22.72), 4490), 6)$$,
                 '22023', 'unit_at() needs a geometry in SRID 4326, not SRID 4490', 'wrong SRID is refused');
SELECT throws_ok($$SELECT unit_at(ST_MakeEnvelope(113.9, 22.7, 114, 22.8, 4326), 6)$$,
                 '22023', NULL, 'a polygon is not a point');
SELECT throws_ok($$SELECT unit_at('SRID=4326;POINT EMPTY'::geometry, 6)$$,
                 '22023', NULL, 'an empty point is refused');
SELECT throws_ok($$SELECT unit_at(ST_SetSRID(ST_MakePoint(113.95, 22.72), 4326), 8)$$,
                 '22023', 'level 8 is out of range for gridcode', 'a level beyond building is refused');

-- redrawing keeps history; several edits in one transaction make one version
UPDATE unit SET valid_from = now() - interval '30 days' WHERE code = '440311006004';
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.775, 114.00, 22.86, 4326))
 WHERE code = '440311006004';
UPDATE unit SET name = '马山头社区（新）' WHERE code = '440311006004';
SELECT results_eq($$SELECT name, valid_from = now() - interval '30 days', valid_to = now() FROM unit_history
                     WHERE code = '440311006004'$$,
                  $$VALUES ('马山头社区', true, true)$$, 'the replaced version is kept with its period');
SELECT results_eq($$SELECT name, valid_from = now() FROM unit WHERE code = '440311006004'$$,
                  $$VALUES ('马山头社区（新）', true)$$, 'the current version starts now');
SELECT is((SELECT count(*) FROM unit_history)::int, 1, 'two edits in one transaction make one version');
UPDATE unit SET valid_from = valid_from WHERE code = '440311001';
SELECT is((SELECT count(*) FROM unit_history)::int, 1, 'an update that changes nothing keeps no version');

-- retiring a unit hides it from the tree functions but keeps the row
UPDATE unit SET valid_from = now() - interval '2 days', valid_to = now() - interval '1 day'
 WHERE code = '440311006003002';
SELECT results_eq($$SELECT code FROM children(gridcode '440311006003')$$,
                  $$VALUES ('440311006003001'::gridcode)$$, 'a retired unit is not a current child');
SELECT is((unit_at(ST_SetSRID(ST_MakePoint(113.99, 22.72), 4326), 6)).code, NULL,
          'a retired unit is not found by point');
SELECT throws_ok($$UPDATE unit SET valid_to = valid_from - interval '1 day' WHERE code = '440311001'$$,
                 '23514', NULL, 'a period must end after it starts');

-- import_units: canonical codes, the shortest spelling wins, names shortened
CREATE TEMP TABLE source (code text, name text);
INSERT INTO source VALUES ('4419', '东莞市'), ('441900', '东莞市'), ('441900003', '东城街道'),
                          ('441900003001', '岗贝社区居民委员会'), ('441900003200', '桑园村民委员会'),
                          ('441900003201', '杨庄村村委会'), ('441900003202', '居委会');
SELECT is(import_units('source'), 6::bigint, 'import_units inserts each unit once');
SELECT results_eq($$SELECT code, name, properties->>'nbs_name' FROM unit WHERE code <@ '4419' ORDER BY code$$,
                  $$VALUES ('4419'::gridcode, '东莞市', '东莞市'), ('441900003', '东城街道', '东城街道'),
                           ('441900003001', '岗贝社区', '岗贝社区居民委员会'),
                           ('441900003200', '桑园村', '桑园村民委员会'),
                           ('441900003201', '杨庄村', '杨庄村村委会'),
                           ('441900003202', '居委会', '居委会')$$,
                  'committee names are shortened, the statistical name is kept, a name that is only a committee stays whole');
SELECT is(import_units('source'), 0::bigint, 'importing again inserts nothing');

SELECT * FROM finish();
ROLLBACK;
