-- The handling-time sketch's error bound on skewed data, merging against
-- rescanning, and parallel plans against serial ones.
--
-- The bound (docs/kpi.md): of n measured durations, accept_hours(k, q) and
-- close_hours(k, q) answer within 0.5% (relative) of the ceil(q n)-th
-- smallest, the value percentile_disc(q) returns, and exactly 0 when that
-- value is 0.  (Up to floating-point rounding: the checks allow 0.5% of it
-- times 1 + 1e-9.)
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';
BEGIN;
-- rows written straight into gridgov.cases, as a restore does: the engine's
-- triggers are off, so any time to accept and to close can be set
SET LOCAL session_replication_role = replica;

CREATE FUNCTION pg_temp.u(n bigint, salt bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((hashint8extended(n, salt) & 2147483647)::float8 + 0.5) / 2147483648.0;

-- Working seconds to acceptance: lognormal, median 2 hours, sigma 1.5, one
-- case in 20 at 0 (accepted outside working hours before they began).  To
-- closure: Pareto with alpha 1.16 (the 80/20 tail) from 1 working hour.
-- 40,000 cases, in 400 groups (grids).
CREATE TEMP TABLE sample AS
SELECT n,
       CASE WHEN pg_temp.u(n, 1) < 0.05 THEN 0
            ELSE round(exp(ln(7200) + 1.5 * sqrt(-2 * ln(pg_temp.u(n, 2))) * cos(2 * pi() * pg_temp.u(n, 3))))
       END::bigint AS accept_seconds,
       round(3600 * pg_temp.u(n, 4) ^ (-1 / 1.16))::bigint AS close_seconds
  FROM generate_series(1, 40000) n;
SELECT count(*) AS cases, min(accept_seconds), max(accept_seconds), min(close_seconds), max(close_seconds),
       round(max(close_seconds)::numeric / percentile_disc(0.5) WITHIN GROUP (ORDER BY close_seconds)) AS close_max_over_median
  FROM sample;

-- reported on Monday 2026-11-16 at 09:00; accepted and closed that many
-- working seconds later (add_working_time is exact: working_seconds of the
-- span gives the seconds back)
INSERT INTO cases (id, district, unit, category, channel, status, handling_level, reported_at,
                   accepted_at, dispatched_at, closed_at, satisfaction)
SELECT 900000000 + n, '440311', child('440311006003', 1 + n % 400), 'noise', 'hotline', 'closed', 5, t.reported,
       add_working_time(t.reported, accept_seconds), add_working_time(t.reported, accept_seconds),
       add_working_time(t.reported, close_seconds), 1 + n % 5
  FROM sample, (SELECT '2026-11-16 09:00+08'::timestamptz AS reported) t;
SELECT count(*) AS exact_spans
  FROM cases c JOIN sample s ON c.id = 900000000 + s.n
 WHERE working_seconds(c.reported_at, c.accepted_at) = s.accept_seconds
   AND working_seconds(c.reported_at, c.closed_at) = s.close_seconds;

-- 1,001 fractions, 0 to 1 by 0.001, over all 40,000 cases
CREATE TEMP TABLE fraction AS SELECT g / 1000.0 AS q FROM generate_series(0, 1000) g;
CREATE TEMP TABLE whole AS
SELECT kpi(c, '2026-12-31') AS k FROM cases c WHERE c.id > 900000000;
CREATE TEMP TABLE truth AS
SELECT t.*
  FROM (SELECT array_agg(q ORDER BY q) AS qs FROM fraction) f,
       LATERAL (SELECT percentile_disc(f.qs::float8[]) WITHIN GROUP (ORDER BY accept_seconds) AS a,
                       percentile_disc(f.qs::float8[]) WITHIN GROUP (ORDER BY close_seconds) AS c
                  FROM sample) p,
       unnest(f.qs, p.a, p.c) AS t(q, accept_seconds, close_seconds);
SELECT what, count(*) AS fractions,
       count(*) FILTER (WHERE estimate = 0 AND exact = 0) AS exact_zeros,
       round(max(abs(estimate - exact) / NULLIF(exact, 0))::numeric, 4) AS max_relative_error,
       count(*) FILTER (WHERE abs(estimate - exact) > 0.005 * (1 + 1e-9) * exact) AS beyond_bound
  FROM (SELECT 'accept' AS what, accept_hours(w.k, t.q::float8) * 3600 AS estimate, t.accept_seconds::float8 AS exact
          FROM truth t, whole w
        UNION ALL
        SELECT 'close', close_hours(w.k, t.q::float8) * 3600, t.close_seconds::float8
          FROM truth t, whole w) e
 GROUP BY what ORDER BY what;

-- ... and in each of the 400 grids (about 100 cases each), at 21 fractions
CREATE TEMP TABLE per_grid AS
SELECT unit, kpi(c, '2026-12-31') AS k FROM cases c WHERE c.id > 900000000 GROUP BY unit;
CREATE TEMP TABLE grid_truth AS
SELECT c.unit,
       percentile_disc((SELECT array_agg(g / 20.0 ORDER BY g)::float8[] FROM generate_series(0, 20) g))
           WITHIN GROUP (ORDER BY working_seconds(c.reported_at, c.accepted_at)) AS accept,
       percentile_disc((SELECT array_agg(g / 20.0 ORDER BY g)::float8[] FROM generate_series(0, 20) g))
           WITHIN GROUP (ORDER BY working_seconds(c.reported_at, c.closed_at)) AS close
  FROM cases c WHERE c.id > 900000000 GROUP BY c.unit;
SELECT count(DISTINCT g.unit) AS grids, count(*) AS checks,
       round(max(abs(accept_hours(g.k, t.q) * 3600 - t.accept) / NULLIF(t.accept, 0))::numeric, 4) AS accept_max_error,
       round(max(abs(close_hours(g.k, t.q) * 3600 - t.close) / t.close)::numeric, 4) AS close_max_error,
       count(*) FILTER (WHERE abs(accept_hours(g.k, t.q) * 3600 - t.accept) > 0.005 * (1 + 1e-9) * t.accept
                           OR abs(close_hours(g.k, t.q) * 3600 - t.close) > 0.005 * (1 + 1e-9) * t.close) AS beyond_bound
  FROM per_grid g
  JOIN (SELECT gt.unit, (i - 1) / 20.0 AS q, a.accept, c.close
          FROM grid_truth gt,
               unnest(gt.accept) WITH ORDINALITY a(accept, i)
               JOIN unnest(gt.close) WITH ORDINALITY c(close, j) ON i = j) t USING (unit);

-- Merging the grids' states is the same state as the whole, bucket for
-- bucket: merged percentiles are rescanned percentiles.
SELECT (SELECT kpi_merge(k) FROM per_grid)::text = (SELECT k FROM whole)::text AS merge_equals_rescan,
       (SELECT kpi_combine(kpi_merge(k) FILTER (WHERE unit < '440311006003200'),
                           kpi_merge(k) FILTER (WHERE unit >= '440311006003200')) FROM per_grid)::text
           = (SELECT k FROM whole)::text AS combine_of_halves_equals_rescan;

-- Parallel plans give the same states as serial ones.  Forced: no setup
-- cost, any table worth a worker; and statistics that count this test's
-- cases (autovacuum's, of the earlier tests' cases, would make the scan look
-- like one row, with no worker worth starting: the plan then varied with
-- when autovacuum ran).
ANALYZE cases;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
-- (and scans, not a look-up of the ids by index, whatever the statistics)
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT ancestor(unit, 5), kpi(c, '2026-12-31') FROM cases c WHERE c.id > 900000000 GROUP BY 1;
CREATE TEMP TABLE parallel_run AS
SELECT unit, kpi(c, '2026-12-31') AS k FROM cases c WHERE c.id > 900000000 GROUP BY unit;
EXPLAIN (COSTS OFF)
SELECT kpi(c, '2026-12-31') FROM cases c WHERE c.id > 900000000;
CREATE TEMP TABLE parallel_whole AS
SELECT kpi(c, '2026-12-31') AS k FROM cases c WHERE c.id > 900000000;
-- kpi_merge over stored states, in parallel too
CREATE TABLE public.kpi_sketch_states AS SELECT unit, k FROM per_grid;
ANALYZE public.kpi_sketch_states;
EXPLAIN (COSTS OFF) SELECT kpi_merge(k) FROM public.kpi_sketch_states;
CREATE TEMP TABLE parallel_merge AS SELECT kpi_merge(k) AS k FROM public.kpi_sketch_states;
SET LOCAL max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT kpi(c, '2026-12-31') FROM cases c WHERE c.id > 900000000;
SELECT (SELECT count(*) FROM parallel_run p JOIN per_grid s USING (unit) WHERE p.k::text = s.k::text) AS grids_equal,
       (SELECT k FROM parallel_whole)::text = (SELECT k FROM whole)::text AS whole_equal,
       (SELECT k FROM parallel_merge)::text = (SELECT k FROM whole)::text AS merge_equal;

ROLLBACK;
-- the 40,000 rows rolled back leave dead pages behind, which would change
-- the plans of later tests on gridgov.cases
VACUUM gridgov.cases;

-- The keys of whole working seconds, which sketch.c reads from a table of
-- bucket tops instead of a logarithm up to 2^26, against ceil(ln(x) /
-- ln(gamma)) computed here: every whole number up to 2,000 (the sparse low
-- keys) and the four whole numbers around every bucket top gamma^k up to
-- 2^27, one case each, accepted and closed that many working seconds after
-- its report (in 1990, so that nothing runs past the calendar's horizon).
BEGIN;
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE key_sample AS
SELECT DISTINCT x::bigint AS x
  FROM (SELECT generate_series(1, 2000)::float8 AS x
        UNION ALL
        SELECT floor(c.gamma ^ k) + d
          FROM (SELECT (1.0::float8 + 0.005) / (1.0::float8 - 0.005) AS gamma) c,
               generate_series(1, 1900) k, generate_series(-1, 2) d
         WHERE c.gamma ^ k BETWEEN 2000 AND 2 ^ 27) s;
INSERT INTO cases (id, district, unit, category, channel, status, handling_level, reported_at,
                   accepted_at, dispatched_at, closed_at)
SELECT 800000000 + x, '440311', child('440311006003', 1), 'noise', 'hotline', 'closed', 5, t.reported,
       add_working_time(t.reported, x), add_working_time(t.reported, x), add_working_time(t.reported, x)
  FROM key_sample, (SELECT '1990-01-01 09:00+08'::timestamptz AS reported) t;
SELECT count(*) AS durations, min(x), max(x),
       count(*) FILTER (WHERE span = x) AS exact_spans,
       count(*) FILTER (WHERE accept_key = ceil(ln(x::float8) / ln((1.0::float8 + 0.005) / (1.0::float8 - 0.005)))
                          AND close_key = accept_key) AS keys_as_logarithm
  FROM (SELECT s.x, working_seconds(c.reported_at, c.accepted_at) AS span,
               (kpi(c, '2026-12-31')::text::jsonb #>> '{accept_seconds,buckets,0,0}')::integer AS accept_key,
               (kpi(c, '2026-12-31')::text::jsonb #>> '{close_seconds,buckets,0,0}')::integer AS close_key
          FROM key_sample s JOIN cases c ON c.id = 800000000 + s.x
         GROUP BY s.x, c.reported_at, c.accepted_at) k;
ROLLBACK;
VACUUM gridgov.cases;
