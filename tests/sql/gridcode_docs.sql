-- The examples of docs/gridcode.md, run for real: tools/check-docs checks
-- that every example in the docs appears, with its output, in expected/.
SET search_path = gridgov, public;
BEGIN;
SELECT '440311006003'::gridcode AS code, '440311000000'::gridcode AS statistical_form;
SELECT '440311'::gridcode::bigint AS stored, 4403110060030000000::gridcode AS from_bigint;
SELECT level(gridcode '440311006'), level_name('440311006'), gridcode_level('township');
SELECT parent(gridcode '440311006003'), parent(gridcode '441900003');
SELECT ancestor('440311006003012', 3), ancestor('441900003001', 3);
SELECT segment('440311006003012', 4), segment('440311006003012', 6);
SELECT child('440311', 6), child('4419', 3, 4);
SELECT '4403'::gridcode @> '440311006003' AS contains, '440311006003'::gridcode <@ '4403' AS contained;
SELECT is_ancestor('4403', '440311'), is_ancestor('4403', '4403');
SELECT lca('440311006003', '440311001005'), lca('4403', '4419'), lca('44', '45');
SELECT depth_between('4403', '440311006003'), depth_between('440311', '4419');
SELECT subtree_first(gridcode '440311'), subtree_last(gridcode '440311');
SELECT min(c), max(c) FROM unnest('{440311,4403,440311006}'::gridcode[]) c;
INSERT INTO unit (code, name) VALUES ('44', '广东省'), ('4403', '深圳市');
CREATE TEMP TABLE source (code text, name text);
INSERT INTO source VALUES ('440311', '光明区'), ('440311006', '马田街道'),
                          ('440311006003', '根竹园社区居委会'), ('440311006004', '马山头社区居委会');
SELECT import_units('source');
INSERT INTO unit (code, name, boundary)
VALUES ('440311006003001', '根竹园第一网格',
        ST_Multi(ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326)));
SELECT code, name, level, parent FROM unit WHERE code = '440311006003';
SELECT code, name FROM children(gridcode '440311006');
SELECT code, name, level FROM descendants('440311', 5);
SELECT code, name FROM ancestors('440311006003001');
SELECT breadcrumb('440311006003'), breadcrumb('440311006003', '/');
SELECT code, name FROM unit_at(ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 6);
SELECT count(*) FROM unit WHERE code <@ '440311006';
ROLLBACK;
