-- KPI benchmark queries, run by tests/bench/kpi_bench.sh once gridgov.cases
-- holds the generated cases.  psql variables: runs (timed runs per query,
-- the median is reported), as_of (the instant open and overdue cases are
-- counted at; the generator's).
--
-- 1. The KPIs per subdistrict (GROUP BY ancestor(unit, 4)), every figure of
--    docs/kpi.md, two ways:
--      kpi     gridgov.kpi(c, as_of) and its accessors
--      plain   what a user writes without gridgov's aggregate: count(*)
--              FILTER (...) per figure, avg, and percentile_cont of
--              gridgov.working_seconds(...) / 3600 for the percentiles
--      count   a bare count(*) over the same rows and groups: the floor
--              (the planner reads it from an index on unit); and the same
--              count read from the table, as kpi reads it
--    each with max_parallel_workers_per_gather 0 and 2.  Counts and rates
--    must be equal, and percentiles within the sketch's 0.5% bound of
--    percentile_disc (from one more query, untimed).
-- 2. The daily rollups: refresh_kpi_daily month by month over the whole
--    history, then one month per subdistrict, and every month per
--    subdistrict, from the rollups (kpi_merge over the subdistricts' rows of
--    kpi_unit_daily; for comparison also over the grid and category rows of
--    kpi_daily) against a rescan of the cases (kpi); the states must be
--    identical.  And the figures of query 1 from the rollups, which must
--    equal kpi's, against the plain SQL.
--
-- Times are the server's planning and execution time of each query
-- (EXPLAIN (ANALYZE, TIMING OFF)), which may run in parallel; every query is
-- timed at the server's settings (PostgreSQL's defaults: JIT on) and with
-- jit = off, and the ratios are printed for both.  Each result is also kept
-- once as a temp table for the checks.
\set ON_ERROR_STOP on
\if :{?runs}
\else
\set runs 3
\endif
SET client_min_messages = warning;
SET search_path = public, gridgov;
SET bench.as_of = :'as_of';
\pset footer off
SELECT name, setting, unit FROM pg_settings
 WHERE name IN ('shared_buffers', 'work_mem', 'max_parallel_workers', 'max_worker_processes', 'jit')
 ORDER BY name;

CREATE TEMP TABLE timing (query text, setting text, workers integer, run integer, ms float8);
CREATE TEMP TABLE setting (setting text PRIMARY KEY);
INSERT INTO setting VALUES ('default'), ('jit off');

-- Keep the result of sql as temp table label (for the checks below) the
-- first time, then time it `runs` times at the setting ('default': the server's; 'jit off')
-- with that many workers: the server's planning and execution time
-- (EXPLAIN ANALYZE, without per-node timing), which leaves out sending or
-- storing the result, the same for every query.
CREATE FUNCTION pg_temp.timed(label text, setting text, workers integer, runs integer, sql text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
    PERFORM set_config('jit', CASE WHEN setting = 'jit off' THEN 'off'
                                   ELSE (SELECT reset_val FROM pg_settings WHERE name = 'jit') END, true);
    EXECUTE format('CREATE TEMP TABLE IF NOT EXISTS %I AS %s', label, sql);
    FOR r IN 1 .. runs LOOP
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || sql INTO plan;
        INSERT INTO timing
        VALUES (label, setting, workers, r,
                (plan -> 0 ->> 'Planning Time')::float8 + (plan -> 0 ->> 'Execution Time')::float8);
    END LOOP;
    RETURN format('%s, %s, %s workers: %s ms', label, setting, workers,
                  (SELECT string_agg(round(t.ms::numeric, 1)::text, ', ' ORDER BY t.run) FROM timing t
                    WHERE t.query = label AND t.setting = timed.setting AND t.workers = timed.workers));
END $$;

CREATE FUNCTION pg_temp.median_ms(label text, s text, w integer) RETURNS float8
    LANGUAGE sql STABLE
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM timing
             WHERE query = label AND setting = s AND workers = w);

\set figures 'gridgov.received(k) AS received, gridgov.accepted(k) AS accepted, gridgov.dispatched(k) AS dispatched, gridgov.due_to_close(k) AS due_to_close, gridgov.closed(k) AS closed, gridgov.closure_rate(k) AS closure_rate, gridgov.closed_on_time(k) AS closed_on_time, gridgov.on_time_rate(k) AS on_time_rate, gridgov.reworked(k) AS reworked, gridgov.rework_rate(k) AS rework_rate, gridgov.extended(k) AS extended, gridgov.extension_rate(k) AS extension_rate, gridgov.returned(k) AS returned, gridgov.escalated(k) AS escalated, gridgov.escalation_rate(k) AS escalation_rate, gridgov.settled_in_community(k) AS settled_in_community, gridgov.community_share(k) AS community_share, gridgov.open_now(k) AS open_now, gridgov.overdue_now(k) AS overdue_now, gridgov.satisfaction_mean(k) AS satisfaction_mean, gridgov.satisfied_share(k) AS satisfied_share, ARRAY[gridgov.accept_hours(k, 0.5), gridgov.accept_hours(k, 0.9), gridgov.accept_hours(k, 0.99)] AS accept_hours, ARRAY[gridgov.close_hours(k, 0.5), gridgov.close_hours(k, 0.9), gridgov.close_hours(k, 0.99)] AS close_hours'
\set kpi_query 'SELECT subdistrict, ' :figures ' FROM (SELECT gridgov.ancestor(c.unit, 4) AS subdistrict, gridgov.kpi(c, ' :'as_of' '::timestamptz) AS k FROM gridgov.cases c GROUP BY 1) s'
-- The floor: the same rows in the same groups, counted and nothing else.
\set count_query 'SELECT gridgov.ancestor(c.unit, 4) AS subdistrict, count(*) AS received FROM gridgov.cases c GROUP BY 1'

-- The plain SQL: the definitions of docs/kpi.md, one FILTER each.
\set open_case '(status NOT IN (''closed'', ''rejected'', ''merged'') AND reported_at <= ' :'as_of' '::timestamptz)'
\set overdue :open_case ' AND stage_deadline < LEAST(COALESCE(suspended_at, ' :'as_of' '::timestamptz), ' :'as_of' '::timestamptz)'
\set plain_query 'SELECT subdistrict, received, accepted, dispatched, due_to_close, closed, closed::numeric / NULLIF(due_to_close, 0) AS closure_rate, closed_on_time, closed_on_time::numeric / NULLIF(due_to_close, 0) AS on_time_rate, reworked, reworked::numeric / NULLIF(closed, 0) AS rework_rate, extended, extended::numeric / NULLIF(dispatched, 0) AS extension_rate, returned, escalated, escalated::numeric / NULLIF(accepted, 0) AS escalation_rate, settled_in_community, settled_in_community::numeric / NULLIF(closed, 0) AS community_share, open_now, overdue_now, satisfaction_mean, satisfied::numeric / NULLIF(evaluated, 0) AS satisfied_share, accept_hours, close_hours FROM (SELECT gridgov.ancestor(unit, 4) AS subdistrict, count(*) AS received, count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted, count(*) FILTER (WHERE dispatched_at IS NOT NULL) AS dispatched, count(*) FILTER (WHERE status = ''closed'' OR (' :overdue ' AND accepted_at IS NOT NULL) OR (' :open_case ' AND status = ''verified'')) AS due_to_close, count(*) FILTER (WHERE status = ''closed'') AS closed, count(*) FILTER (WHERE status = ''closed'' AND deadlines_missed = 0) AS closed_on_time, count(*) FILTER (WHERE reopenings > 0) AS reworked, count(*) FILTER (WHERE extensions > 0) AS extended, count(*) FILTER (WHERE returns > 0) AS returned, count(*) FILTER (WHERE escalations > 0) AS escalated, count(*) FILTER (WHERE status = ''closed'' AND handling_level = 5) AS settled_in_community, count(*) FILTER (WHERE ' :open_case ') AS open_now, count(*) FILTER (WHERE ' :overdue ') AS overdue_now, count(satisfaction) FILTER (WHERE status = ''closed'') AS evaluated, count(*) FILTER (WHERE status = ''closed'' AND satisfaction >= 4) AS satisfied, avg(satisfaction) FILTER (WHERE status = ''closed'') AS satisfaction_mean, percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY gridgov.working_seconds(reported_at, accepted_at)::float8 / 3600) FILTER (WHERE accepted_at IS NOT NULL) AS accept_hours, percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY gridgov.working_seconds(reported_at, closed_at)::float8 / 3600) FILTER (WHERE status = ''closed'') AS close_hours FROM gridgov.cases GROUP BY 1) s'

\echo 'plans (0 workers, then 2):'
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT gridgov.ancestor(c.unit, 4), gridgov.kpi(c, now()) FROM gridgov.cases c GROUP BY 1;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT gridgov.ancestor(c.unit, 4), gridgov.kpi(c, now()) FROM gridgov.cases c GROUP BY 1;
EXPLAIN (COSTS OFF) :plain_query;

\echo 'timing the per-subdistrict KPIs ...'
\pset tuples_only on
SELECT pg_temp.timed(q.label, s.setting, w.workers, :runs, q.sql)
  FROM (VALUES (1, 'kpi', :'kpi_query'), (2, 'plain', :'plain_query'), (3, 'bare_count', :'count_query')) q(o, label, sql),
       setting s, (VALUES (0), (2)) w(workers)
 ORDER BY s.setting, q.o, w.workers;
-- The planner counts the rows from an index that holds unit (an index-only
-- scan of a table a tenth the size), where kpi reads the table's rows: the
-- same count read from the table too, for what the reading costs.
SET enable_indexonlyscan = off;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT pg_temp.timed('table_count', s.setting, w.workers, :runs, :'count_query')
  FROM setting s, (VALUES (0), (2)) w(workers) ORDER BY s.setting, w.workers;
RESET enable_indexonlyscan;
RESET enable_indexscan;
RESET enable_bitmapscan;
\pset tuples_only off

-- The sketch's stated bound is against percentile_disc; the plain query's
-- percentile_cont interpolates, which on few cases can differ by more.  So
-- the check takes percentile_disc from one more query, untimed.
SET max_parallel_workers_per_gather = 2;
CREATE TEMP TABLE disc AS
SELECT gridgov.ancestor(unit, 4) AS subdistrict,
       percentile_disc(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY gridgov.working_seconds(reported_at, accepted_at)::float8 / 3600)
           FILTER (WHERE accepted_at IS NOT NULL) AS accept_hours,
       percentile_disc(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY gridgov.working_seconds(reported_at, closed_at)::float8 / 3600)
           FILTER (WHERE status = 'closed') AS close_hours
  FROM gridgov.cases GROUP BY 1;
CREATE TEMP TABLE agreement AS
SELECT k.subdistrict,
       (k.received, k.accepted, k.dispatched, k.due_to_close, k.closed, k.closure_rate, k.closed_on_time, k.on_time_rate,
        k.reworked, k.rework_rate, k.extended, k.extension_rate, k.returned, k.escalated, k.escalation_rate,
        k.settled_in_community, k.community_share, k.open_now, k.overdue_now, k.satisfied_share)
       = (p.received, p.accepted, p.dispatched, p.due_to_close, p.closed, p.closure_rate, p.closed_on_time, p.on_time_rate,
          p.reworked, p.rework_rate, p.extended, p.extension_rate, p.returned, p.escalated, p.escalation_rate,
          p.settled_in_community, p.community_share, p.open_now, p.overdue_now, p.satisfied_share)
       AND round(k.satisfaction_mean, 12) = round(p.satisfaction_mean, 12) AS same_counts_and_rates,
       (SELECT max(abs(a - b) / b) FROM unnest(k.accept_hours || k.close_hours, d.accept_hours || d.close_hours) x(a, b)
         WHERE b > 0) AS max_difference_to_disc,
       (SELECT bool_and(abs(a - b) <= 0.005 * b + 1e-9)
          FROM unnest(k.accept_hours || k.close_hours, d.accept_hours || d.close_hours) x(a, b)) AS within_bound,
       (SELECT max(abs(a - b) / b) FROM unnest(k.accept_hours || k.close_hours, p.accept_hours || p.close_hours) x(a, b)
         WHERE b > 0) AS max_difference_to_cont
  FROM kpi k JOIN plain p USING (subdistrict) JOIN disc d USING (subdistrict);

\echo 'the same figures both ways: counts and rates exactly; p50/p90/p99 hours within 0.5% of percentile_disc'
\echo '(the sketch''s bound), and how far from the plain query''s percentile_cont:'
SELECT k.subdistrict, k.received, k.closed, round(k.closure_rate, 4) AS closure_rate, round(k.on_time_rate, 4) AS on_time_rate,
       round(k.community_share, 4) AS community_share, round(k.satisfaction_mean, 3) AS satisfaction,
       round(k.close_hours[1]::numeric, 1) AS close_p50_h, round(k.close_hours[2]::numeric, 1) AS close_p90_h,
       a.same_counts_and_rates, round(a.max_difference_to_disc::numeric, 4) AS max_difference_to_disc,
       round(a.max_difference_to_cont::numeric, 4) AS max_difference_to_cont
  FROM kpi k JOIN agreement a USING (subdistrict) ORDER BY 1;
SELECT count(*) = 6 AND bool_and(same_counts_and_rates AND within_bound)
       AND (SELECT count(*) FROM kpi JOIN bare_count USING (subdistrict, received)) = 6
       AND (SELECT count(*) FROM kpi JOIN table_count USING (subdistrict, received)) = 6 AS all_agree
  FROM agreement \gset
\if :all_agree
\else
\echo 'kpi and plain SQL disagree'
SELECT 1 / 0 AS kpi_and_plain_disagree;
\endif

\echo 'refreshing the daily rollups, month by month ...'
SET max_parallel_workers_per_gather = 2;
SET work_mem = '64MB';
CREATE TEMP TABLE refresh_log AS
SELECT m::date AS month, 0::bigint AS rows_written, 0::float8 AS ms
  FROM generate_series(date '2024-11-01', date '2026-10-01', interval '1 month') m;
DO $$
DECLARE
    r record;
    started timestamptz;
    written bigint;
BEGIN
    FOR r IN SELECT month FROM refresh_log ORDER BY month LOOP
        started := clock_timestamp();
        written := gridgov.refresh_kpi_daily(r.month, (r.month + interval '1 month - 1 day')::date,
                                             current_setting('bench.as_of')::timestamptz);
        UPDATE refresh_log SET rows_written = written,
                               ms = extract(epoch FROM clock_timestamp() - started) * 1000
         WHERE month = r.month;
    END LOOP;
END $$;
RESET work_mem;
VACUUM ANALYZE gridgov.kpi_daily, gridgov.kpi_unit_daily;
SELECT count(*) AS months, sum(rows_written) AS rollup_rows, round(sum(ms) / 1000) AS refresh_seconds,
       round(sum(ms) / count(*)) AS ms_per_month
  FROM refresh_log;
SELECT count(*) AS rows, round(avg(pg_column_size(kpi))) AS avg_state_bytes,
       pg_size_pretty(pg_total_relation_size('gridgov.kpi_daily')) AS table_size,
       round(avg(gridgov.received(kpi)), 1) AS avg_cases_per_row
  FROM gridgov.kpi_daily;
SELECT count(*) AS unit_rows, round(avg(pg_column_size(kpi))) AS avg_state_bytes,
       pg_size_pretty(pg_total_relation_size('gridgov.kpi_unit_daily')) AS table_size,
       count(*) FILTER (WHERE level = 4) AS subdistrict_rows
  FROM gridgov.kpi_unit_daily;

\set month_rollup 'SELECT unit AS subdistrict, gridgov.kpi_merge(kpi) AS k FROM gridgov.kpi_unit_daily WHERE level = 4 AND day >= ''2026-10-01'' AND day < ''2026-11-01'' GROUP BY 1'
\set month_grid_rollup 'SELECT gridgov.ancestor(unit, 4) AS subdistrict, gridgov.kpi_merge(kpi) AS k FROM gridgov.kpi_daily WHERE day >= ''2026-10-01'' AND day < ''2026-11-01'' GROUP BY 1'
\set month_rescan 'SELECT gridgov.ancestor(c.unit, 4) AS subdistrict, gridgov.kpi(c, ' :'as_of' '::timestamptz) AS k FROM gridgov.cases c WHERE c.reported_at >= ''2026-10-01 00:00+08'' AND c.reported_at < ''2026-11-01 00:00+08'' GROUP BY 1'
\set history_rollup 'SELECT unit AS subdistrict, date_trunc(''month'', day)::date AS month, gridgov.kpi_merge(kpi) AS k FROM gridgov.kpi_unit_daily WHERE level = 4 GROUP BY 1, 2'
\set history_rescan 'SELECT gridgov.ancestor(c.unit, 4) AS subdistrict, date_trunc(''month'', timezone(''Asia/Shanghai'', c.reported_at))::date AS month, gridgov.kpi(c, ' :'as_of' '::timestamptz) AS k FROM gridgov.cases c GROUP BY 1, 2'
\set subdistrict_rollup 'SELECT subdistrict, ' :figures ' FROM (SELECT unit AS subdistrict, gridgov.kpi_merge(kpi) AS k FROM gridgov.kpi_unit_daily WHERE level = 4 GROUP BY 1) s'

SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) :month_rollup;
-- The rescan gets its best plan: the month's cases through the BRIN index on
-- reported_at (the planner's estimate sometimes prefers reading the table).
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) :month_rescan;
RESET enable_seqscan;

\echo 'timing the month queries ...'
\pset tuples_only on
SELECT pg_temp.timed(q.label, s.setting, w.workers, :runs, q.sql)
  FROM (VALUES (1, 'month_rollup', :'month_rollup'), (2, 'month_grid_rollup', :'month_grid_rollup'),
               (3, 'subdistrict_rollup', :'subdistrict_rollup')) q(o, label, sql),
       setting s, (VALUES (0), (2)) w(workers)
 ORDER BY s.setting, q.o, w.workers;
SET enable_seqscan = off;
SELECT pg_temp.timed('month_rescan', s.setting, w.workers, :runs, :'month_rescan')
  FROM setting s, (VALUES (0), (2)) w(workers) ORDER BY s.setting, w.workers;
RESET enable_seqscan;
SELECT pg_temp.timed(q.label, s.setting, 2, :runs, q.sql)
  FROM (VALUES (1, 'history_rollup', :'history_rollup'), (2, 'history_rescan', :'history_rescan')) q(o, label, sql),
       setting s
 ORDER BY s.setting, q.o;
\pset tuples_only off

\echo 'the rollups give exactly the rescan''s states:'
SELECT (SELECT count(*) FROM month_rollup r JOIN month_rescan s USING (subdistrict) WHERE r.k::text = s.k::text) AS month_rows_equal,
       (SELECT count(*) FROM month_grid_rollup r JOIN month_rescan s USING (subdistrict) WHERE r.k::text = s.k::text)
           AS month_grid_rows_equal,
       (SELECT count(*) FROM month_rescan) AS month_rows,
       (SELECT count(*) FROM history_rollup r JOIN history_rescan s USING (subdistrict, month) WHERE r.k::text = s.k::text)
           AS history_rows_equal,
       (SELECT count(*) FROM history_rescan) AS history_rows,
       (SELECT count(*) FROM subdistrict_rollup r JOIN kpi k USING (subdistrict) WHERE r::text = k::text)
           AS subdistrict_rows_equal_to_kpi;
SELECT (SELECT count(*) FROM month_rollup r JOIN month_rescan s USING (subdistrict) WHERE r.k::text = s.k::text) = 6
       AND (SELECT count(*) FROM month_grid_rollup r JOIN month_rescan s USING (subdistrict) WHERE r.k::text = s.k::text) = 6
       AND (SELECT count(*) FROM history_rollup r JOIN history_rescan s USING (subdistrict, month)
             WHERE r.k::text = s.k::text) = (SELECT count(*) FROM history_rescan)
       AND (SELECT count(*) FROM subdistrict_rollup r JOIN kpi k USING (subdistrict) WHERE r::text = k::text) = 6
       AS rollups_agree \gset
\if :rollups_agree
\else
SELECT 1 / 0 AS rollups_and_rescan_disagree;
\endif

\echo 'medians (ms) of' :runs 'runs:'
SELECT query, setting, workers, round(pg_temp.median_ms(query, setting, workers)::numeric, 1) AS median_ms,
       round(min(ms)::numeric, 1) AS min_ms, round(max(ms)::numeric, 1) AS max_ms
  FROM timing GROUP BY query, setting, workers ORDER BY query, setting, workers;

\echo 'ratios at the server''s settings (default) and with jit = off:'
SELECT r.ratio, round(max(r.value) FILTER (WHERE r.setting = 'default')::numeric, 2) AS "default",
       round(max(r.value) FILTER (WHERE r.setting = 'jit off')::numeric, 2) AS "jit off"
  FROM (SELECT s.setting, x.o, x.ratio, x.value
          FROM setting s CROSS JOIN LATERAL (VALUES
    (1, 'gridgov.kpi / count(*), 0 workers (target <= 2)',
     pg_temp.median_ms('kpi', s.setting, 0) / pg_temp.median_ms('bare_count', s.setting, 0)),
    (2, 'gridgov.kpi / count(*), 2 workers (target <= 2)',
     pg_temp.median_ms('kpi', s.setting, 2) / pg_temp.median_ms('bare_count', s.setting, 2)),
    (2.1, 'gridgov.kpi / count(*) read from the table, 0 workers',
     pg_temp.median_ms('kpi', s.setting, 0) / pg_temp.median_ms('table_count', s.setting, 0)),
    (2.2, 'gridgov.kpi / count(*) read from the table, 2 workers',
     pg_temp.median_ms('kpi', s.setting, 2) / pg_temp.median_ms('table_count', s.setting, 2)),
    (3, 'plain SQL / gridgov.kpi, 0 workers (target >= 3)',
     pg_temp.median_ms('plain', s.setting, 0) / pg_temp.median_ms('kpi', s.setting, 0)),
    (4, 'plain SQL / gridgov.kpi, 2 workers (target >= 3)',
     pg_temp.median_ms('plain', s.setting, 2) / pg_temp.median_ms('kpi', s.setting, 2)),
    (5, 'gridgov.kpi speed-up, 0 -> 2 workers (linear: 2 on 2 cores)',
     pg_temp.median_ms('kpi', s.setting, 0) / pg_temp.median_ms('kpi', s.setting, 2)),
    (6, 'plain SQL speed-up, 0 -> 2 workers',
     pg_temp.median_ms('plain', s.setting, 0) / pg_temp.median_ms('plain', s.setting, 2)),
    (7, 'month from rollups / rescan, 0 workers, % (target < 1)',
     100 * pg_temp.median_ms('month_rollup', s.setting, 0) / pg_temp.median_ms('month_rescan', s.setting, 0)),
    (8, 'month from rollups / rescan, 2 workers, % (target < 1)',
     100 * pg_temp.median_ms('month_rollup', s.setting, 2) / pg_temp.median_ms('month_rescan', s.setting, 2)),
    (9, 'month from the grid and category rollups (kpi_daily) / rescan, 0 workers, %',
     100 * pg_temp.median_ms('month_grid_rollup', s.setting, 0) / pg_temp.median_ms('month_rescan', s.setting, 0)),
    (10, 'every month from rollups / rescan, 2 workers, %',
     100 * pg_temp.median_ms('history_rollup', s.setting, 2) / pg_temp.median_ms('history_rescan', s.setting, 2)),
    (11, 'plain SQL / per-subdistrict figures from rollups, 0 workers',
     pg_temp.median_ms('plain', s.setting, 0) / pg_temp.median_ms('subdistrict_rollup', s.setting, 0)),
    (12, 'plain SQL / per-subdistrict figures from rollups, 2 workers',
     pg_temp.median_ms('plain', s.setting, 2) / pg_temp.median_ms('subdistrict_rollup', s.setting, 2))) AS x(o, ratio, value)) r
 GROUP BY r.o, r.ratio ORDER BY r.o;
