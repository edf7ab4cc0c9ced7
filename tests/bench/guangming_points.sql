-- The points the routing benchmarks (layers_bench.sh, redraw_bench.sh) route:
-- :points pseudo-random points of Guangming's box, the same in every
-- database and run, each with a time in 2026 up to 30 November for the
-- routing of late reports (only redraw_bench.sh reads it).
CREATE TABLE bench_point AS
SELECT i, ST_SetSRID(ST_MakePoint(113.86 + 0.14 * (hashint8extended(i, 1) & 1048575) / 1048576.0,
                                  22.71 + 0.13 * (hashint8extended(i, 2) & 1048575) / 1048576.0), 4326) AS p,
       '2026-01-01 00:00+08'::timestamptz
         + (hashint8extended(i, 3) & 1048575) / 1048576.0 * interval '334 days' AS t
  FROM generate_series(1, :points) i;
