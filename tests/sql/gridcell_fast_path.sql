-- gridcell(geom, level) reads a plain 2D point in SRID 4326 in place, and
-- any other point field by field (issue 20).  Over many generated points,
-- edges included (±180, the ±88 limit, grid lines at every level, values
-- one unit in the last place off a line, negative zero, subnormal numbers),
-- the fast path, the general path (the same point with Z, with M, with a
-- stored bounding box) and gridcell(lng, lat, level) give the same cell at
-- every level, or the same error.  A second, independent computation checks
-- the conversion to units: the exact value of each double, decoded from its
-- bits in numeric, gives the corner of its level-10 cell.
SET search_path = gridgov, public;

-- Edge values of a coordinate, and their neighbours one unit in the last
-- place away (x * (1 ± 2^-52) is the next double on either side).
CREATE TEMP TABLE edge_lng AS
SELECT v FROM (VALUES (180::float8), (-180), (0), ('-0'::float8), (5e-324), (-5e-324), (1e-300),
                      (116.25), (116 + 19/60.0), (-(116 + 19/60.0)), (116.31666666666666),
                      (113 + 56/60.0 + 15/3600.0), (113 + 1/7372800.0), (-(6 + 1/7372800.0)),
                      (1/7372800.0), (-1/7372800.0), (179 + 59/60.0 + 59.5/3600.0), (1e-9), (-1e-9)) e(x),
       LATERAL (VALUES (x), (x * (1 + 2.220446049250313e-16)), (x * (1 - 1.1102230246251565e-16))) n(v);
CREATE TEMP TABLE edge_lat AS
SELECT v FROM (VALUES (0::float8), ('-0'::float8), (87.99999999999999), (-87.99999999999999), (88), (-88),
                      (90), (-90), (5e-324), (-5e-324), (39.5), (39 + 59/60.0), (-(22 + 20/60.0)),
                      (22 + 1/7372800.0), (4 + 1/7372800.0), (1/7372800.0), (-1e-9)) e(x),
       LATERAL (VALUES (x), (x * (1 + 2.220446049250313e-16)), (x * (1 - 1.1102230246251565e-16))) n(v);

-- Generated points (a low-discrepancy sequence over the coded globe and
-- over Guangdong), points on the level-10 grid lines (integer units), and
-- every pair of edge values.
CREATE TEMP TABLE pts AS
SELECT false AS edge, (-180 + 360 * ((i * 0.6180339887498949) - floor(i * 0.6180339887498949)))::float8 AS lng,
       (-87.999 + 175.998 * ((i * 0.7548776662466927) - floor(i * 0.7548776662466927)))::float8 AS lat
  FROM generate_series(1, 2000) AS i
UNION ALL
SELECT false, (109.7 + 7.6 * ((i * 0.5698402909980532) - floor(i * 0.5698402909980532)))::float8,
       (20.2 + 5.3 * ((i * 0.3247179572447460) - floor(i * 0.3247179572447460)))::float8
  FROM generate_series(1, 2000) AS i
UNION ALL
SELECT false, (i * 884837 % 1327104000 - 663552000) / 7372800.0, (i * 865093 % 1297612800 - 648806400) / 7372800.0
  FROM generate_series(1, 1500) AS i
UNION ALL
SELECT true, a.v, b.v FROM edge_lng a, edge_lat b;
SELECT count(*) FILTER (WHERE NOT edge) AS generated, count(*) FILTER (WHERE edge) AS edge_pairs FROM pts;

-- The cell of each point at each level through each way in; for the edge
-- pairs (at levels 1, 4, 7 and 10), the cell or the SQLSTATE and message
-- it is refused with.
CREATE FUNCTION pg_temp.cell_or_error(g geometry, lng float8, lat float8, level integer) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    IF g IS NULL THEN
        RETURN gridcell(lng, lat, level)::text;
    END IF;
    RETURN gridcell(g, level)::text;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END;
$$;
CREATE TEMP TABLE ways AS
SELECT p.lng, p.lat, l AS level,
       gridcell(ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326), l)::text AS plain,
       gridcell(ST_SetSRID(ST_MakePoint(p.lng, p.lat, 7), 4326), l)::text AS z,
       gridcell(ST_SetSRID(ST_MakePointM(p.lng, p.lat, 7), 4326), l)::text AS m,
       gridcell(postgis_addbbox(ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)), l)::text AS bbox,
       gridcell(p.lng, p.lat, l)::text AS numbers
  FROM pts p, generate_series(1, 10) AS l
 WHERE NOT p.edge
UNION ALL
SELECT p.lng, p.lat, l,
       pg_temp.cell_or_error(ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326), NULL, NULL, l),
       pg_temp.cell_or_error(ST_SetSRID(ST_MakePoint(p.lng, p.lat, 7), 4326), NULL, NULL, l),
       pg_temp.cell_or_error(ST_SetSRID(ST_MakePointM(p.lng, p.lat, 7), 4326), NULL, NULL, l),
       pg_temp.cell_or_error(postgis_addbbox(ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)), NULL, NULL, l),
       pg_temp.cell_or_error(NULL, p.lng, p.lat, l)
  FROM pts p, (VALUES (1), (4), (7), (10)) AS v(l)
 WHERE p.edge;

-- The plain point takes the fast path; the others do not.
SELECT ST_Zmflag(ST_MakePoint(1, 2, 7)) AS z_flag, ST_Zmflag(ST_MakePointM(1, 2, 7)) AS m_flag,
       postgis_hasbbox(postgis_addbbox(ST_SetSRID(ST_MakePoint(1, 2), 4326))) AS has_bbox,
       postgis_hasbbox(ST_SetSRID(ST_MakePoint(1, 2), 4326)) AS plain_has_bbox;

-- 1. Every way in gives the same cell, or the same error.
SELECT count(*) AS checked, count(*) FILTER (WHERE plain LIKE '22023%') AS refused,
       count(*) FILTER (WHERE plain IS DISTINCT FROM z OR plain IS DISTINCT FROM m
                           OR plain IS DISTINCT FROM bbox OR plain IS DISTINCT FROM numbers) AS failed
  FROM ways;
SELECT DISTINCT regexp_replace(plain, '(longitude|latitude) \S+', '\1 X') AS refusal FROM ways WHERE plain !~ '^[NS]' ORDER BY 1;

-- 2. The exact units of a double (1/2048" counted from 0, the value's
--    exact binary fraction times 7372800, counted as the next whole unit
--    when within 2^-16 unit below it) from its bits, in numeric.
CREATE FUNCTION pg_temp.exact_units(d float8) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    WITH b AS (SELECT ('x' || encode(float8send(abs(d)), 'hex'))::bit(64)::bigint AS bits),
         f AS (SELECT CASE WHEN bits >> 52 = 0 THEN bits ELSE (bits & 4503599627370495) + 4503599627370496 END::numeric
                          * 225 AS a,
                      -(CASE WHEN bits >> 52 = 0 THEN -1074 ELSE (bits >> 52) - 1075 END + 15) AS s
                 FROM b)
    SELECT CASE WHEN s <= 0 THEN a * 2::numeric ^ (-s)
                WHEN s >= 16 THEN div(a + 2::numeric ^ (s - 16), 2::numeric ^ s)
                ELSE div(a * 2::numeric ^ (16 - s) + 1, 2::numeric ^ 16) END
      FROM f
$$;
SELECT pg_temp.exact_units(1) AS one_degree, pg_temp.exact_units(116 + 19/60.0) AS line_116_19,
       pg_temp.exact_units(116 + 19/60.0 - 1e-9) AS off_line, pg_temp.exact_units(5e-324) AS subnormal,
       pg_temp.exact_units(180) AS east_limit;

-- The corner of the level-10 cell nearest the prime meridian and the
-- equator is the point's units (the eastmost column for 180 itself), and
-- the cell lies east for a longitude >= 0 or within 2^-16 unit of it, north
-- likewise.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE least(pg_temp.exact_units(w.lng), 180 * 7372800 - 1)
                                <> pg_temp.exact_units(CASE WHEN ST_XMin(b) >= 0 THEN ST_XMin(b) ELSE ST_XMax(b) END)
                           OR pg_temp.exact_units(w.lat)
                                <> pg_temp.exact_units(CASE WHEN ST_YMin(b) >= 0 THEN ST_YMin(b) ELSE ST_YMax(b) END)
                           OR (ST_XMin(b) >= 0) <> (w.lng >= 0 OR abs(w.lng) * 7372800 < 2 ^ -16)
                           OR (ST_YMin(b) >= 0) <> (w.lat >= 0 OR abs(w.lat) * 7372800 < 2 ^ -16)) AS failed
  FROM ways w, LATERAL boundary(w.plain::gridcell) AS b
 WHERE w.level = 10 AND w.plain ~ '^[NS]';
