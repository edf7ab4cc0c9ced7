-- gridcell: center, boundary, area, neighbours and coverings
SET search_path = gridgov, public;

-- center() and boundary(): SRID 4326; the boundary runs counter-clockwise
-- from the south-west corner.  Coordinates are the exact corners rounded
-- once to doubles.
SELECT ST_AsEWKT(center('N50J47539'::gridcell)) AS center,
       ST_AsEWKT(boundary('N50J47539'::gridcell)) AS boundary;
SELECT c, ST_AsText(center(c::gridcell)) AS center, ST_AsText(boundary(c::gridcell)) AS boundary
  FROM (VALUES ('N50J'), ('S29B'), ('N30M'), ('S56I234')) AS t(c);
SELECT ST_AsText(boundary('N49FB53B41D372134164'::gridcell)) AS level_10;
SELECT ST_IsValid(boundary('N50J47539'::gridcell)) AS valid,
       ST_IsPolygonCCW(boundary('N50J47539'::gridcell)) AS counter_clockwise,
       gridcell(center('N49FB53B41D372134164'::gridcell), 10) AS center_maps_back,
       gridcell(ST_PointN(ST_ExteriorRing(boundary('N49FB53B41D372134164'::gridcell)), 1), 10)
           AS south_west_corner_maps_back;

-- area(): square metres on the WGS 84 ellipsoid, between the cell's
-- meridians and parallels.  The reference values are the closed form of
-- the area of an ellipsoidal zone evaluated at 50 digits by
-- tests/data/gridcell_vectors.py (argument "areas"); gridcell integrates
-- numerically.
SELECT c, round(area(c::gridcell)::numeric, 6) AS m2, reference,
       abs(area(c::gridcell) / reference - 1) < 1e-12 AS agrees
  FROM (VALUES
    ('N50J', 233930090081.05263),
    ('N50J47', 2378930202.5987498),
    ('N50J475', 395543800.83191876),
    ('N50J47539', 2634115.0904087564),
    ('N50J4753996', 11707.36566372287),
    ('N50J47539960', 2926.8531309362252),
    ('N50J4753996000', 45.732240335773492),
    ('N50J475399600000', 0.71456656806729498),
    ('N50J47539960000000', 0.011165103237029376),
    ('N50J4753996000000000', 0.00017445473927190013),
    ('N31A', 295184227070.213),
    ('N60V', 20880049470.381688),
    ('S60V', 20880049470.381688),
    ('N49FB53B41D3', 3510.5905998697295)
       ) AS t(c, reference);
-- against PostGIS on the spheroid: equal within the difference between a
-- parallel and a geodesic (a cell's top and bottom edges are parallels)
SELECT c, round((area(c::gridcell) /
                 ST_Area(ST_Segmentize(boundary(c::gridcell), 0.001)::geography) - 1)::numeric, 7)
           AS relative_difference
  FROM (VALUES ('N50J'), ('N50J47'), ('N50J47539'), ('N49FB53B41D3')) AS t(c);

-- k_ring(): rows from south to north, each from west to east
SELECT k_ring('N50J47539'::gridcell, 1);
SELECT count(*) FROM k_ring('N50J47539'::gridcell, 0);
SELECT count(*) FROM k_ring('N49FB53B41D372134164'::gridcell, 10);
-- across the equator, the prime meridian and the antimeridian
SELECT k_ring('N31A'::gridcell, 1) ORDER BY 1;
SELECT k_ring('N60LB31E0'::gridcell, 1) ORDER BY 1;
-- cut at 88 degrees; a ring wider than the globe gives each column once
SELECT count(*) FROM k_ring('N40V'::gridcell, 1);
SELECT count(*) AS all_level_1_cells FROM k_ring('N31A'::gridcell, 100);
SELECT k_ring('N50J'::gridcell, -1);
SELECT count(*) FROM k_ring('N50J4753996000000000'::gridcell, 1000);

-- are_neighbors(): same level, sharing an edge or a corner
SELECT a, b, are_neighbors(a::gridcell, b::gridcell)
  FROM (VALUES ('N50J47539', 'N50J47549'), ('N50J47539', 'N50K40130'), ('N50J47539', 'N50K40140'),
               ('N50J47539', 'N50J47539'), ('N50J47539', 'N50J47559'), ('N50J47539', 'N50J475'),
               ('N31A', 'S31A'), ('N31A', 'S30A'), ('N31A', 'N30A'), ('N60L', 'N01L'),
               ('N60L', 'N01M'), ('N60L', 'N02L')) AS t(a, b);

-- cover(): the cells of a level whose interior meets a polygon, inside
-- when the whole cell lies in it.  A cell's own boundary at a finer level
-- gives exactly its children, all inside.
SELECT count(*) AS cells, bool_and(inside) AS all_inside,
       array_agg(cell ORDER BY cell) = array(SELECT children('N50J47539'::gridcell, 5)) AS are_children
  FROM cover(boundary('N50J47539'::gridcell), 5);
-- a right triangle in Guangming whose legs lie on level-5 lines (113.93 E
-- is 113°55'48", 22.74 N is 22°44'24"): the cells west and south of the
-- legs only touch it and are left out; 10 cells inside, 11 on its boundary
SELECT cell, inside
  FROM cover('SRID=4326;POLYGON((113.93 22.74, 113.936 22.74, 113.93 22.746, 113.93 22.74))', 5);
-- a polygon with a hole, and a multipolygon
SELECT inside, count(*)
  FROM cover(ST_Difference(boundary('N50J47539'::gridcell), ST_Buffer(center('N50J47539'::gridcell), 0.004)), 5)
 GROUP BY inside ORDER BY inside;
SELECT count(*), bool_and(inside)
  FROM cover(ST_Collect(boundary('N50J47539'::gridcell), boundary('N49FB53B4'::gridcell)), 5);
-- in the south-west quadrant
SELECT cell, inside FROM cover('SRID=4326;POLYGON((-0.6 -0.6, -0.4 -0.6, -0.4 -0.4, -0.6 -0.6))', 2);
-- empty polygon: no cells
SELECT count(*) FROM cover('SRID=4326;POLYGON EMPTY', 5);
-- bad input, and the limit
SELECT * FROM cover('SRID=4326;POINT(116 39)', 5);
SELECT * FROM cover('POLYGON((116 39, 117 39, 117 40, 116 39))', 5);
SELECT * FROM cover('SRID=4326;POLYGON((116 87, 117 87, 117 89, 116 87))', 2);
SELECT * FROM cover('SRID=4326;POLYGON((179 0, 181 0, 181 1, 179 0))', 2);
SELECT * FROM cover('SRID=4326;POLYGON((116 39, 117 39, 117 40, 116 39))', 0);
SELECT count(*) FROM cover('SRID=4326;POLYGON((116 39, 117 39, 117 40, 116 39))', 6);
SET gridgov.max_cover_cells = 10;
SELECT count(*) FROM cover(boundary('N50J47539'::gridcell), 5);
RESET gridgov.max_cover_cells;
-- The polygon's area is a lower bound on its cells: beyond the limit, it
-- is refused before any cell is made (the detail says so), here 20,000
-- small squares in one multipolygon, each 22 m across, at level 10.
SELECT count(*) FROM cover((SELECT ST_Collect(ST_MakeEnvelope(x, y, x + 0.0002, y + 0.0002, 4326))
                              FROM (SELECT 113.8 + (i % 200) * 0.002 AS x, 22.6 + (i / 200) * 0.002 AS y
                                      FROM generate_series(0, 19999) i) s), 10);
-- holes count against the area: the ring left of N50J47539 by a hole one
-- level-5 cell in from its edges is 56 cells, within a limit of 60 that
-- the cell's 225 would pass
SET gridgov.max_cover_cells = 60;
SELECT count(*) AS cells, bool_and(inside) AS all_inside
  FROM cover(ST_Difference(boundary('N50J47539'::gridcell),
                           ST_Expand(boundary('N50J47539'::gridcell), -1 / 900.0)), 5);
RESET gridgov.max_cover_cells;
-- and the bound never refuses a covering that fits: 300 random triangles,
-- quadrilaterals and rings, each covered again with the limit set to its
-- own count of cells
SELECT setseed(0.39409);
CREATE TEMP TABLE shapes AS
SELECT g, 1 + g % 6 + (g % 3) AS level,
       CASE g % 3
       WHEN 0 THEN ST_MakePolygon(ST_MakeLine(ARRAY[ST_MakePoint(x, y), ST_MakePoint(x + w, y + h * random()),
                                                    ST_MakePoint(x + w * random(), y + h), ST_MakePoint(x, y)]))
       WHEN 1 THEN ST_MakeEnvelope(x, y, x + w, y + h)
       ELSE ST_Difference(ST_MakeEnvelope(x, y, x + w, y + h),
                          ST_MakeEnvelope(x + w / 4, y + h / 4, x + w * 3 / 4, y + h * 3 / 4)) END AS shape
  FROM (SELECT g, 100 + 20 * random() AS x, 20 + 10 * random() AS y,
               (0.01 + random()) / (1 + g % 6) ^ 3 AS w, (0.01 + random()) / (1 + g % 6) ^ 3 AS h
          FROM generate_series(1, 300) g) r;
UPDATE shapes SET shape = ST_SetSRID(shape, 4326);
CREATE FUNCTION pg_temp.cover_within_own_count(shape geometry, level integer) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    cells bigint;
BEGIN
    PERFORM set_config('gridgov.max_cover_cells', '1000000', true);
    SELECT count(*) INTO cells FROM gridgov.cover(shape, level);
    PERFORM set_config('gridgov.max_cover_cells', greatest(cells, 1)::text, true);
    RETURN (SELECT count(*) FROM gridgov.cover(shape, level)) = cells;
END $$;
SELECT count(*) AS shapes, count(*) FILTER (WHERE pg_temp.cover_within_own_count(shape, level)) AS covered_within_own_count
  FROM shapes;
RESET gridgov.max_cover_cells;
