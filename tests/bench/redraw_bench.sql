-- A year of redraws over the Guangming demo district's governance grids,
-- for tests/bench/redraw_bench.sh (after tests/data/guangming.sql and the
-- other layers, guangming_layers.sql and layers_bench.sql): the grids are
-- dated 1 December 2025, then on the first of each month of 2026, 5% of
-- the governance grids in force (21 of about 418) are redrawn, a third
-- each split in two halves west and east, merged with a neighbour of their
-- community, or shrunk by about 20 m all round (a reshape that leaves a
-- gap).  Deterministic: the grids are picked by a hash of their code and
-- the month, and every run redraws the same.
BEGIN;
SET LOCAL search_path = gridgov, public;
UPDATE unit SET valid_from = '2025-12-01 00:00+08' WHERE level = 6;

DO $$
DECLARE
    month integer;
    k integer;
    g unit;
    other gridcode;
    effective timestamptz;
    next_number integer := 100;
    taken gridcode[];
    cx float8;
BEGIN
    FOR month IN 1 .. 12 LOOP
        effective := make_timestamptz(2026, month, 1, 0, 0, 0, 'Asia/Shanghai');
        taken := '{}';
        k := 0;
        FOR g IN SELECT * FROM unit u
                  WHERE u.level = 6 AND u.layer = 'governance' AND u.valid_to IS NULL AND u.code <@ '440311'
                  ORDER BY hashint8extended(u.code::bigint, month), u.code
                  LIMIT (SELECT round(0.05 * count(*)) FROM unit
                          WHERE level = 6 AND layer = 'governance' AND valid_to IS NULL AND code <@ '440311') LOOP
            CONTINUE WHEN g.code = ANY (taken);
            k := k + 1;
            taken := taken || g.code;
            IF k % 3 = 0 THEN
                PERFORM reshape_grid(g.code, ST_Buffer(g.boundary, -0.0002, 'join=mitre'), effective);
                CONTINUE;
            END IF;
            other := NULL;
            IF k % 3 = 2 THEN
                SELECT n.code INTO other FROM unit n
                 WHERE n.level = 6 AND n.layer = 'governance' AND n.valid_to IS NULL AND n.parent = g.parent
                   AND n.code <> ALL (taken) AND ST_Intersects(n.boundary, g.boundary)
                 ORDER BY n.code LIMIT 1;
            END IF;
            next_number := next_number + 2;
            IF other IS NOT NULL THEN
                taken := taken || other;
                PERFORM merge_grids(ARRAY[g.code, other], child(g.parent, next_number), '合并网格',
                                    (SELECT ST_Union(boundary) FROM unit WHERE code IN (g.code, other)), effective);
            ELSE
                cx := (ST_XMin(g.boundary) + ST_XMax(g.boundary)) / 2;
                PERFORM split_grid(g.code, ARRAY[child(g.parent, next_number), child(g.parent, next_number + 1)],
                                   ARRAY['分出网格', '分出网格'],
                                   ARRAY[ST_CollectionExtract(ST_Intersection(g.boundary, ST_MakeEnvelope(-180, -90, cx, 90, 4326)), 3),
                                         ST_CollectionExtract(ST_Intersection(g.boundary, ST_MakeEnvelope(cx, -90, 180, 90, 4326)), 3)],
                                   effective);
            END IF;
        END LOOP;
    END LOOP;
END $$;
COMMIT;

SELECT redraw, count(*) AS lineage_rows, count(DISTINCT new_valid_from) AS months FROM gridgov.grid_lineage GROUP BY 1 ORDER BY 1;
SELECT count(*) AS grid_versions FROM gridgov.unit_versions WHERE level = 6 AND layer = 'governance';
