-- gridcell's errors: every bad input gives an error with the right SQLSTATE
-- (22P02 bad text, 22P03 bad binary, 22023 bad parameter, 54000 over the
-- size limit), never a crash; and the edge values just inside the limits
-- are accepted.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(63);

-- text input: 22P02
SELECT throws_ok($$SELECT ''::gridcell$$, '22P02', NULL, 'empty code');
SELECT throws_ok($$SELECT 'N50'::gridcell$$, '22P02', NULL, 'too short');
SELECT throws_ok($$SELECT 'N50J4'::gridcell$$, '22P02', NULL, 'length between levels');
SELECT throws_ok($$SELECT 'N50J475399600000000000'::gridcell$$, '22P02', NULL, 'too long');
SELECT throws_ok($$SELECT 'E50J'::gridcell$$, '22P02', NULL, 'hemisphere other than N or S');
SELECT throws_ok($$SELECT 'N5OJ'::gridcell$$, '22P02', NULL, 'letter O for zero in the column');
SELECT throws_ok($$SELECT 'N00J'::gridcell$$, '22P02', NULL, 'column 00');
SELECT throws_ok($$SELECT 'N61J'::gridcell$$, '22P02', NULL, 'column 61');
SELECT throws_ok($$SELECT 'N50W'::gridcell$$, '22P02', NULL, 'row W, in the polar cap');
SELECT throws_ok($$SELECT 'N50JC0'::gridcell$$, '22P02', NULL, 'level 2 column C');
SELECT throws_ok($$SELECT 'N50J08'::gridcell$$, '22P02', NULL, 'level 2 row 8');
SELECT throws_ok($$SELECT 'N50J006'::gridcell$$, '22P02', NULL, 'level 3 digit 6');
SELECT throws_ok($$SELECT 'N50J000F0'::gridcell$$, '22P02', NULL, 'level 4 column F');
SELECT throws_ok($$SELECT 'N50J0000A'::gridcell$$, '22P02', NULL, 'level 4 row A');
SELECT throws_ok($$SELECT 'N50J00000F0'::gridcell$$, '22P02', NULL, 'level 5 column F');
SELECT throws_ok($$SELECT 'N50J000000004'::gridcell$$, '22P02', NULL, 'level 6 digit 4');
SELECT throws_ok($$SELECT 'N50J0000000080'::gridcell$$, '22P02', NULL, 'level 7 column 8');
SELECT throws_ok($$SELECT 'N50J0000000000000009'::gridcell$$, '22P02', NULL, 'level 10 row 9');
SELECT throws_ok($$SELECT 'N50J 475'::gridcell$$, '22P02', NULL, 'space inside');
SELECT throws_ok($$SELECT 'N50J4é'::gridcell$$, '22P02', NULL, 'a multibyte character');
SELECT throws_ok($$SELECT E'N50J\t47'::gridcell$$, '22P02', NULL, 'a tab inside');
SELECT throws_like($$SELECT 'N50J4G'::gridcell$$, '%"N50J4G"%', 'the error names the input');
SELECT lives_ok($$SELECT E' \tn50j47539\n'::gridcell$$, 'white space around, small letters');

-- numbers and binary input
SELECT throws_ok($$SELECT 0::bigint::gridcell$$, '22023', NULL, 'bigint 0');
SELECT throws_ok($$SELECT (-2251001283460962500)::bigint::gridcell$$, '22023', NULL, 'a negative bigint');
SELECT throws_ok($$SELECT 9223372036854775807::bigint::gridcell$$, '22023', NULL, 'the largest bigint');
SELECT throws_ok($$SELECT ('N50J'::gridcell::bigint + 1)::gridcell$$, '22023', NULL,
                 'a level 10 digit under absent levels 2-9');
CREATE TEMP TABLE bin (c gridcell);
DO $$BEGIN
    EXECUTE format('COPY (SELECT 1::bigint) TO %L (FORMAT binary)',
                   current_setting('data_directory') || '/gridgov_gridcell_errors.bin');
END$$;
SELECT throws_ok(format('COPY bin FROM %L (FORMAT binary)',
                        current_setting('data_directory') || '/gridgov_gridcell_errors.bin'),
                 '22P03', NULL, 'binary input is checked too');

-- coordinates and levels: 22023
SELECT throws_ok($$SELECT gridcell(116.31, 88, 4)$$, '22023', NULL, 'latitude 88');
SELECT throws_ok($$SELECT gridcell(116.31, -88, 4)$$, '22023', NULL, 'latitude -88');
SELECT throws_ok($$SELECT gridcell(116.31, 88 - 1e-13, 4)$$, '22023', NULL, 'latitude within 2e-12 of 88');
SELECT throws_ok($$SELECT gridcell(116.31, 91, 4)$$, '22023', NULL, 'latitude beyond the pole');
SELECT throws_ok($$SELECT gridcell(180.0000001, 39.99, 4)$$, '22023', NULL, 'longitude beyond 180');
SELECT throws_ok($$SELECT gridcell(-180.0000001, 39.99, 4)$$, '22023', NULL, 'longitude beyond -180');
SELECT throws_ok($$SELECT gridcell('NaN', 39.99, 4)$$, '22023', NULL, 'NaN longitude');
SELECT throws_ok($$SELECT gridcell(116.31, 'NaN', 4)$$, '22023', NULL, 'NaN latitude');
SELECT throws_ok($$SELECT gridcell('Infinity', 39.99, 4)$$, '22023', NULL, 'infinite longitude');
SELECT throws_ok($$SELECT gridcell(116.31, '-Infinity', 4)$$, '22023', NULL, 'infinite latitude');
SELECT throws_ok($$SELECT gridcell(116.31, 39.99, 0)$$, '22023', NULL, 'level 0');
SELECT throws_ok($$SELECT gridcell(116.31, 39.99, 11)$$, '22023', NULL, 'level 11');
SELECT lives_ok($$SELECT gridcell(180, 87.999999999, 10), gridcell(-180, -87.999999999, 10)$$,
                'the corners of the coded area');

-- geometries: 22023
SELECT throws_ok($$SELECT gridcell(ST_MakePoint(116.31, 39.99), 4)$$, '22023', NULL, 'SRID 0');
SELECT throws_ok($$SELECT gridcell(ST_SetSRID(ST_MakePoint(116.31, 39.99), 4490), 4)$$, '22023', NULL, 'SRID 4490');
SELECT throws_ok($$SELECT gridcell('SRID=4326;POINT EMPTY'::geometry, 4)$$, '22023', NULL, 'empty point');
SELECT throws_ok($$SELECT gridcell('SRID=4326;LINESTRING(1 2, 3 4)'::geometry, 4)$$, '22023', NULL, 'a line');
SELECT throws_ok($$SELECT gridcell('SRID=4326;MULTIPOINT(1 2)'::geometry, 4)$$, '22023', NULL, 'a multipoint');
SELECT throws_ok($$SELECT gridcell('SRID=4326;POLYGON((1 1, 2 1, 2 2, 1 1))'::geometry, 4)$$, '22023', NULL, 'a polygon');
SELECT throws_ok($$SELECT gridcell(ST_SetSRID(ST_MakePoint('NaN', 1), 4326), 4)$$, '22023', NULL, 'a NaN point');
SELECT throws_ok($$SELECT gridcell('SRID=4326;POINT(1 89)'::geometry, 4)$$, '22023', NULL, 'a point in the polar cap');

-- hierarchy and sets
SELECT throws_ok($$SELECT parent('N50J'::gridcell, 0)$$, '22023', NULL, 'parent at level 0');
SELECT throws_ok($$SELECT children('N50J47'::gridcell, 1)$$, '22023', NULL, 'children above the cell');
SELECT throws_ok($$SELECT k_ring('N50J'::gridcell, -1)$$, '22023', NULL, 'negative k');
SELECT throws_ok($$SELECT children('N50J'::gridcell, 10)$$, '54000', NULL, 'children of a map sheet at level 10');
SELECT throws_ok($$SELECT k_ring('N50J4753996000000000'::gridcell, 2147483647)$$, '54000', NULL, 'the largest k');
SELECT throws_ok($$SELECT cover(ST_MakeEnvelope(100, 20, 120, 40, 4326), 10)$$, '54000', NULL,
                 'covering a large area at level 10');
SELECT throws_ok($$SELECT cover('SRID=4326;POINT(1 2)'::geometry, 4)$$, '22023', NULL, 'covering a point');
SELECT throws_ok($$SELECT cover(ST_MakeEnvelope(1, 2, 3, 4, 3857), 4)$$, '22023', NULL, 'covering in SRID 3857');
SELECT throws_ok($$SELECT cover(ST_MakeEnvelope(1, 80, 3, 89, 4326), 4)$$, '22023', NULL, 'covering into the polar cap');
SELECT throws_ok($$SELECT cover(ST_MakeEnvelope(170, 0, 190, 1, 4326), 4)$$, '22023', NULL, 'covering past 180');
SELECT throws_ok($$SELECT cover('SRID=4326;POLYGON((1 1, NaN 1, 2 2, 1 1))'::geometry, 4)$$, '22023', NULL,
                 'covering a polygon with a NaN vertex');
SELECT lives_ok($$SELECT cover(ST_MakeEnvelope(-180, -88, 180, 88, 4326), 1)$$, 'covering the whole coded globe');
SELECT is((SELECT count(*) FROM cover(ST_MakeEnvelope(-180, -88, 180, 88, 4326), 1))::int, 2640,
          'which is every map sheet');
SET LOCAL gridgov.max_cover_cells = 2639;
SELECT throws_ok($$SELECT cover(ST_MakeEnvelope(-180, -88, 180, 88, 4326), 1)$$, '54000', NULL,
                 'one over the limit is refused');

SELECT * FROM finish();
ROLLBACK;
