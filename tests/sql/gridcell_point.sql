-- gridcell: the cell of a point, edge rules, and bad coordinates
SET search_path = gridgov, public;

-- The issue's example, both ways in
SELECT gridcell(116.31, 39.99, 4) AS from_numbers,
       gridcell(ST_SetSRID(ST_MakePoint(116.31, 39.99), 4326), 4) AS from_point,
       gridcell(lng => 116.31, lat => 39.99, level => 4) AS named;

-- Points with Z, M, or a stored bounding box read the same
SELECT gridcell('SRID=4326;POINT Z (116.31 39.99 50)'::geometry, 10) AS z,
       gridcell('SRID=4326;POINT M (116.31 39.99 7)'::geometry, 10) AS m,
       gridcell('SRID=4326;POINT ZM (116.31 39.99 50 7)'::geometry, 10) AS zm,
       gridcell(postgis_addbbox('SRID=4326;POINT(116.31 39.99)'::geometry), 10) AS with_bbox,
       gridcell(ST_GeomFromEWKT('SRID=4326;POINT(116.31 39.99)'), 10) AS ewkt;

-- Lines between cells.  116.25 E is a level-3 line and 39.5 N a level-2
-- line, both exact in binary; the point on them belongs to the cell on the
-- east and north side; 1e-9 degree west or south gives the other cell.
SELECT gridcell(116.25, 39.5, 3) AS on_lines,
       gridcell(116.25 - 1e-9, 39.5, 3) AS west,
       gridcell(116.25, 39.5 - 1e-9, 3) AS south,
       gridcell(116.25 + 1e-9, 39.5 + 1e-9, 3) AS north_east;
-- 116°19' E and 39°59' N have no exact double; their nearest doubles, or
-- the same values computed, count as on the line.
SELECT gridcell(116 + 19/60.0, 39 + 59/60.0, 4) AS on_lines,
       gridcell(116.31666666666666, 39.983333333333334, 4) AS nearest_doubles,
       gridcell(116 + 19/60.0 - 1e-9, 39 + 59/60.0 - 1e-9, 4) AS off_by_1e9;
-- The prime meridian belongs to the east, the equator to the north, and
-- ±180 to the outermost column on its own side.
SELECT gridcell(0, 0, 10) AS origin, gridcell(-0.0, -0.0, 2) AS negative_zero,
       gridcell(-1e-9, -1e-9, 2) AS just_south_west,
       gridcell(180, 10, 2) AS e180, gridcell(-180, 10, 2) AS w180;
-- In the other quadrants, columns and rows count away from the prime
-- meridian and the equator, and a point on a line belongs to the cell
-- farther from them.
SELECT gridcell(-6, 40, 1) AS on_6w, gridcell(-6 + 1e-9, 40, 1) AS east_of_6w,
       gridcell(10, -4, 1) AS on_4s, gridcell(10, -4 + 1e-9, 1) AS north_of_4s,
       gridcell(-0.25, -0.25, 3) AS sw_near_origin, gridcell(0.25, 0.25, 3) AS ne_near_origin;

-- Latitudes up to just below 88 degrees
SELECT gridcell(116.31, 87.999999, 1), gridcell(116.31, -87.999999, 1);

-- Bad coordinates and levels: errors that name the bad value (SQLSTATE
-- 22023, which tests/pgtap/gridcell_errors.sql checks)
SELECT gridcell(116.31, 88, 4);
SELECT gridcell(116.31, -88, 4);
SELECT gridcell(116.31, 87.99999999999999, 4);  -- within 2e-12 of 88
SELECT gridcell(116.31, 90.5, 4);
SELECT gridcell(180.000001, 39.99, 4);
SELECT gridcell(-181, 39.99, 4);
SELECT gridcell(39.99, 116.31, 4);
SELECT gridcell('NaN', 39.99, 4);
SELECT gridcell(116.31, 'Infinity', 4);
SELECT gridcell('-Infinity', 39.99, 4);
SELECT gridcell(116.31, 39.99, 0);
SELECT gridcell(116.31, 39.99, 11);
SELECT gridcell(116.31, 39.99, NULL) IS NULL AS strict;

-- Bad geometries
SELECT gridcell(ST_MakePoint(116.31, 39.99), 4);
SELECT gridcell(ST_SetSRID(ST_MakePoint(116.31, 39.99), 4490), 4);
SELECT gridcell(ST_Transform(ST_SetSRID(ST_MakePoint(116.31, 39.99), 4326), 3857), 4);
SELECT gridcell('SRID=4326;POINT EMPTY'::geometry, 4);
SELECT gridcell('SRID=4326;LINESTRING(116 39, 117 40)'::geometry, 4);
SELECT gridcell('SRID=4326;MULTIPOINT((116 39))'::geometry, 4);
SELECT gridcell('SRID=4326;POLYGON EMPTY'::geometry, 4);
SELECT gridcell('SRID=4326;GEOMETRYCOLLECTION(POINT(116 39))'::geometry, 4);
SELECT gridcell(ST_SetSRID(ST_MakePoint('NaN', 39.99), 4326), 4);
SELECT gridcell(ST_SetSRID(ST_MakePoint(116.31, 95), 4326), 4);
SELECT gridcell(ST_SetSRID(ST_MakePoint(116.31, 39.99), 4326), 12);
