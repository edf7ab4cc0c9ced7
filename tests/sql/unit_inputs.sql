-- The unit registry's functions given what they cannot use: a point that
-- is no point on the globe (NaN, infinite, out of range, another SRID), a
-- level that is no level, a source that is no table of codes and names.
-- Each is refused at once, saying what is wrong: never a row of NULLs for a
-- NaN, nor a syntax error for a missing relation.
SET search_path = gridgov, public;
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
INSERT INTO unit (code, name, boundary) VALUES
    ('44', '广东省', NULL), ('4403', '深圳市', NULL), ('440311', '光明区', NULL),
    ('440311006', '马田街道', NULL), ('440311006003', '根竹园社区', NULL),
    ('440311006003001', '根竹园第一网格', ST_Multi(ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326)));

-- unit_at takes the point gridcell() takes, with gridcell()'s check of
-- its longitude and latitude (less the Beidou grid's polar limit)
SELECT code, name FROM unit_at(ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 6);
SELECT code IS NULL AS no_unit_there FROM unit_at(ST_SetSRID(ST_MakePoint(113.80, 22.75), 4326), 6);
SELECT code FROM unit_at('SRID=4326;POINT Z (113.94 22.75 NaN)', 6) AS z_is_not_read;
SELECT unit_at(ST_SetSRID(ST_MakePoint('NaN', 22.75), 4326), 6);
SELECT gridcell(ST_SetSRID(ST_MakePoint('NaN', 22.75), 4326), 6);
SELECT unit_at(ST_SetSRID(ST_MakePoint(113.94, 'NaN'), 4326), 6);
SELECT unit_at(ST_SetSRID(ST_MakePoint('-Infinity', 22.75), 4326), 6);
SELECT unit_at(ST_SetSRID(ST_MakePoint(200, 22.75), 4326), 6);
SELECT unit_at(ST_SetSRID(ST_MakePoint(22.75, 113.94), 4326), 6);
SELECT code IS NULL AS no_unit_at_the_pole FROM unit_at(ST_SetSRID(ST_MakePoint(0, 90), 4326), 6);
SELECT unit_at(ST_SetSRID(ST_MakePoint(113.94, 22.75), 4490), 6);
SELECT unit_at('SRID=4326;POINT EMPTY', 6);
SELECT unit_at(ST_MakeEnvelope(113.9, 22.7, 114, 22.8, 4326), 6);
SELECT unit_at(ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), 0);

-- descendants: max_level is a level, 1 to 7
SELECT code FROM descendants('440311', 5);
SELECT code FROM descendants('440311', 0);
SELECT code FROM descendants('440311', 8);

-- import_units: what is wrong with the source
SELECT import_units(0::regclass);
SELECT import_units(4000000000::oid::regclass);
CREATE TEMP SEQUENCE a_sequence;
SELECT import_units('a_sequence');
CREATE TYPE pg_temp.code_and_name AS (code text, name text);
SELECT import_units('pg_temp.code_and_name');
CREATE TEMP TABLE codes_only (code text);
SELECT import_units('codes_only');
SELECT import_units('pg_class');
-- code and name of other types are read as text; views are read too
CREATE TEMP TABLE numbered (code bigint, name varchar(20));
INSERT INTO numbered VALUES (440311001, '光明街道');
SELECT import_units('numbered');
CREATE TEMP VIEW committees AS SELECT '440311006004' AS code, '马山头社区居委会' AS name;
SELECT import_units('committees');
SELECT code, name FROM unit WHERE code IN ('440311001', '440311006004') ORDER BY code;
ROLLBACK;
