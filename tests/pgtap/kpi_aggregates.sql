-- The KPI aggregates' behaviour: how they are declared (parallel, combine,
-- a real state type), errors, empty states, the sketch's collapse and merge
-- laws, window use, direct calls.  Figures against hand counts are in
-- tests/sql/kpi_metrics.sql.
BEGIN;
\ir kpi_fixture.psql
SELECT plan(52);

-- Declarations
SELECT is((SELECT concat(typtype, typlen, typstorage, typalign) FROM pg_type WHERE oid = 'gridgov.kpi_state'::regtype),
          'b-1xi', 'kpi_state is a varlena base type, compressible');
SELECT is((SELECT array_agg(concat_ws(' ', a.aggfnoid::regprocedure, a.aggtranstype::regtype, a.aggcombinefn, p.proparallel)
                             ORDER BY a.aggfnoid::regprocedure::text)
             FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'gridgov'::regnamespace AND p.proname IN ('kpi', 'kpi_merge')),
          ARRAY['kpi(bigint,text,integer,timestamp with time zone,timestamp with time zone,timestamp with time zone,'
                || 'timestamp with time zone,timestamp with time zone,timestamp with time zone,integer,integer,integer,'
                || 'integer,integer,smallint,timestamp with time zone) kpi_state kpi_combine s',
                'kpi(cases) kpi_state kpi_combine s',
                'kpi(cases,timestamp with time zone) kpi_state kpi_combine s',
                'kpi_merge(kpi_state) kpi_state kpi_combine s'],
          'kpi and kpi_merge: parallel safe, with a combine function and a state that is not internal');
SELECT is((SELECT count(*)::integer FROM pg_proc
            WHERE pronamespace = 'gridgov'::regnamespace AND prorettype IN ('gridgov.kpi_state'::regtype)
              AND prokind = 'f' AND proparallel <> 's'),
          0, 'every function returning kpi_state is parallel safe');
CREATE TEMP TABLE accessor (name text);
INSERT INTO accessor VALUES ('received'), ('accepted'), ('dispatched'), ('due_to_close'), ('closed'), ('closure_rate'),
    ('closed_on_time'), ('on_time_rate'), ('reworked'), ('rework_rate'), ('extended'), ('extension_rate'),
    ('returned'), ('escalated'), ('escalation_rate'), ('settled_in_community'), ('community_share'),
    ('open_now'), ('overdue_now'), ('evaluated'), ('satisfied'), ('satisfaction_mean'), ('satisfied_share'),
    ('accept_hours'), ('close_hours'), ('kpi_json');
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN accessor a ON a.name = p.proname
            WHERE p.pronamespace = 'gridgov'::regnamespace AND p.proargtypes[0] = 'gridgov.kpi_state'::regtype
              AND p.provolatile = 'i' AND p.proisstrict AND p.proparallel = 's'),
          26, 'every accessor takes a kpi_state and is immutable, strict and parallel safe');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
            WHERE p.pronamespace = 'gridgov'::regnamespace
              AND (p.proname LIKE 'kpi%' OR p.proname LIKE '%kpi_daily' OR p.proname IN (SELECT name FROM accessor))
              AND obj_description(p.oid, 'pg_proc') IS NULL),
          NULL, 'every KPI function and aggregate has a comment');
SELECT has_table('gridgov', 'kpi_daily', 'the daily rollup table');
SELECT col_is_pk('gridgov', 'kpi_daily', ARRAY['day', 'unit', 'category'], 'one row per day, unit and category');

-- Errors
SELECT throws_ok($$SELECT 'x'::kpi_state$$, '22P02', NULL, 'bad text is 22P02');
SELECT throws_ok($$SELECT accept_hours('{"version": 1}', 1.5)$$, '22023', 'fraction 1.5 is not between 0 and 1',
                 'a fraction above 1 is refused');
SELECT throws_ok($$SELECT close_hours('{"version": 1}', 'NaN')$$, '22023', 'fraction NaN is not between 0 and 1',
                 'a NaN fraction is refused');
SELECT throws_ok($$SELECT close_hours('{"version": 1}', -0.1)$$, '22023', NULL, 'a negative fraction is refused');
SELECT throws_ok($$SELECT kpi(c, NULL) FROM cases c$$, '22004', 'as_of must not be NULL', 'as_of NULL is refused');
SELECT throws_ok($$SELECT refresh_kpi_daily('2026-11-02', '2026-11-01')$$, '22023', NULL, 'days out of order');
SELECT throws_ok($$SELECT refresh_kpi_daily('2026-11-01', NULL)$$, '22004', NULL, 'a NULL day');

-- The empty state: counts 0, rates and percentiles NULL
SELECT is((SELECT received(k) FROM (SELECT kpi(c) AS k FROM cases c WHERE false) s), 0::bigint,
          'kpi over no rows: received 0');
SELECT is((SELECT closure_rate(k) FROM (SELECT kpi(c) AS k FROM cases c WHERE false) s), NULL,
          'kpi over no rows: closure_rate NULL, not a division error');
SELECT is((SELECT accept_hours(k, 0.5) FROM (SELECT kpi(c) AS k FROM cases c WHERE false) s), NULL,
          'kpi over no rows: no percentile');
SELECT is((SELECT kpi_json(k) ->> 'on_time_rate' FROM (SELECT kpi(c) AS k FROM cases c WHERE false) s), NULL,
          'kpi_json of the empty state: null rates');
SELECT is((SELECT (kpi_json(k) -> 'received')::int FROM (SELECT kpi(c) AS k FROM cases c WHERE false) s), 0,
          'kpi_json of the empty state: zero counts');
SELECT is(kpi_merge(k)::text, '{"version": 1}'::kpi_state::text, 'kpi_merge of NULLs is the empty state')
  FROM (VALUES (NULL::kpi_state), (NULL)) t(k);
SELECT is((SELECT kpi(c, '2026-11-27 17:00+08')::text FROM cases c),
          (SELECT kpi(c, '2026-11-27 17:00+08')::text FROM unit u LEFT JOIN cases c ON ancestor(c.unit, 5) = u.code),
          'rows of an outer join without a case count nothing');

-- Rates: numerator over denominator, numeric
SELECT is((SELECT closure_rate(k) FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c) s),
          10 / 14::numeric, 'closure_rate = closed / due_to_close, as numeric');
SELECT is((SELECT satisfaction_mean(k) FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c) s),
          37 / 9::numeric, 'satisfaction_mean = sum / evaluated');
SELECT is((SELECT (kpi_json(k) ->> 'closure_rate')::numeric FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c) s),
          10 / 14::numeric, 'kpi_json carries the same rate');

-- Direct calls of the functions behind the aggregates
SELECT is((SELECT received(kpi_accum(kpi_accum(NULL, c1, now()), c2, now()))
             FROM cases c1, cases c2 WHERE c1.id = 3 AND c2.id = 4),
          2::bigint, 'kpi_accum called as a function');
SELECT is(kpi_combine('{"version": 1, "received": 2, "accepted": 1, "accept_seconds": {"buckets": [[5, 1]]}}',
                      '{"version": 1, "received": 4, "accepted": 4, "accept_seconds": {"zero": 1, "buckets": [[5, 2], [7, 1]]}}')::text,
          '{"version": 1, "received": 6, "accepted": 5, "accept_seconds": {"zero": 1, "buckets": [[5, 3], [7, 1]]}}'::kpi_state::text,
          'kpi_combine adds counters and bucket counts');
SELECT is(kpi_final(NULL)::text, '{"version": 1}'::kpi_state::text, 'kpi_final of NULL is the empty state');

-- Merge laws: commutative, associative, the same as the rescan
CREATE TEMP TABLE part AS
SELECT id % 3 AS p, kpi(c, '2026-11-27 17:00+08') AS k FROM cases c GROUP BY 1;
SELECT is((SELECT kpi_combine(a.k, b.k)::text FROM part a, part b WHERE a.p = 0 AND b.p = 1),
          (SELECT kpi_combine(b.k, a.k)::text FROM part a, part b WHERE a.p = 0 AND b.p = 1),
          'kpi_combine is commutative');
SELECT is((SELECT kpi_combine(kpi_combine(a.k, b.k), c.k)::text FROM part a, part b, part c WHERE a.p = 0 AND b.p = 1 AND c.p = 2),
          (SELECT kpi_combine(a.k, kpi_combine(b.k, c.k))::text FROM part a, part b, part c WHERE a.p = 0 AND b.p = 1 AND c.p = 2),
          'kpi_combine is associative');
SELECT is((SELECT kpi_merge(k ORDER BY p DESC)::text FROM part),
          (SELECT kpi(c, '2026-11-27 17:00+08')::text FROM cases c),
          'merging the parts is scanning the whole');

-- The bucket limit: beyond 2,048 buckets the lowest collapse into the
-- lowest kept, whatever the order of merging
CREATE TEMP TABLE wide AS
SELECT s, format('{"version": 1, "received": %s, "due_to_close": %1$s, "closed": %1$s, "close_seconds": {"buckets": [%s]}}',
                 count(*), string_agg(format('[%s, 1]', g), ', ' ORDER BY g))::kpi_state AS k
  FROM (VALUES (1, 1, 2048), (2, 1001, 3048), (3, -500, -400)) r(s, lo, hi),
       generate_series(r.lo, r.hi) g
 GROUP BY s;
SELECT is((SELECT kpi_merge(k ORDER BY s)::text FROM wide), (SELECT kpi_merge(k ORDER BY s DESC)::text FROM wide),
          'collapsing does not depend on the order of merging');
SELECT is((SELECT kpi_json(kpi_merge(k))::text FROM wide),
          (SELECT kpi_json(kpi_combine(kpi_combine(a.k, b.k), c.k))::text FROM wide a, wide b, wide c
            WHERE a.s = 3 AND b.s = 2 AND c.s = 1),
          'collapsing gives the same state by merge and by combine');
SELECT is((SELECT (regexp_match(kpi_merge(k)::text, '"close_seconds": \{"zero": 0, "buckets": \[\[(\d+), (\d+)\]'))::text[]
             FROM wide),
          ARRAY['1001', '1103'],
          'the 2,048 highest keys are kept: 1001 to 3048, the lowest holding the 1,103 values at or below it');
SELECT is((SELECT close_hours(kpi_merge(k), 1) > close_hours(kpi_merge(k), 0.99) FROM wide), true,
          'the highest buckets are intact');

-- Growing: a state that needs many buckets, built in place row by row
SELECT is((SELECT received(kpi(c, '2026-11-27 17:00+08')) FROM cases c, generate_series(1, 500) g), 11000::bigint,
          'an aggregate over 11,000 rows');
SELECT is((SELECT count(DISTINCT k::text)::integer FROM
              (SELECT kpi(c, '2026-11-27 17:00+08' ORDER BY c.id, g) FROM cases c, generate_series(1, 30) g
               UNION ALL
               SELECT kpi(c, '2026-11-27 17:00+08' ORDER BY c.id DESC, g DESC) FROM cases c, generate_series(1, 30) g
               UNION ALL
               SELECT kpi(c, '2026-11-27 17:00+08' ORDER BY g, c.reported_at) FROM cases c, generate_series(1, 30) g) x(k)),
          1, 'the same rows in any order give the same state');

-- As a window function: running totals (the final function leaves the state alone)
SELECT results_eq($$SELECT received(kpi(c, '2026-11-27 17:00+08') OVER (ORDER BY id))
                      FROM cases c WHERE id <= 5 ORDER BY id$$,
                  $$VALUES (1::bigint), (2), (3), (4), (5)$$, 'kpi over a window');
SELECT results_eq($$SELECT closed(kpi(c, '2026-11-27 17:00+08') OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
                      FROM cases c WHERE id <= 5 ORDER BY id$$,
                  $$VALUES (0::bigint), (0), (1), (2), (2)$$, 'kpi over a sliding window');
SELECT results_eq($$SELECT received(kpi_merge(k) OVER (ORDER BY p)) FROM part ORDER BY p$$,
                  $$SELECT sum(received(k)) OVER (ORDER BY p)::bigint FROM part ORDER BY p$$, 'kpi_merge over a window');

-- Durations: negative ones (impossible through the engine) count as 0
SELECT is((SELECT accept_hours(kpi(jsonb_populate_record(NULL::cases,
                                   '{"status": "accepted", "reported_at": "2026-11-17 10:00+08", "accepted_at": "2026-11-16 10:00+08"}')), 0.5)),
          0::float8, 'acceptance before the report counts as 0 hours');
SELECT is((SELECT accept_hours(kpi(jsonb_populate_record(NULL::cases,
                                   '{"status": "accepted", "reported_at": "2026-11-16 19:00+08", "accepted_at": "2026-11-16 20:00+08"}')), 0.5)),
          0::float8, 'acceptance outside working hours takes 0 working hours');
SELECT is((SELECT received(kpi(jsonb_populate_record(NULL::cases, '{}'), now()))), 1::bigint,
          'a row of NULLs counts as received and nothing else');
SELECT is((SELECT kpi_json(kpi(jsonb_populate_record(NULL::cases, '{}'), now())) ->> 'open_now'), '0',
          '... not open (no report time)');

-- The planner turns kpi(c) over the cases table into the column form
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END $$;
SELECT ok(pg_temp.plan_of($$SELECT kpi(c, '2026-11-27 17:00+08') FROM cases c$$)
              LIKE '%kpi(id, status, handling_level, stage_deadline, suspended_at, reported_at, accepted_at, dispatched_at, closed_at, escalations, reopenings, extensions, returns, deadlines_missed, satisfaction, ''2026-11-27 17:00:00+08''::timestamp with time zone)%'
          AND pg_temp.plan_of($$SELECT kpi(c) FROM cases c$$) LIKE '%, satisfaction, now())%',
          'kpi(c) and kpi(c, as_of) over gridgov.cases are planned over the columns they read');
SELECT ok(pg_temp.plan_of($$SELECT kpi(c) FROM (SELECT * FROM cases OFFSET 0) c$$) LIKE '%kpi(ROW(cases.id, cases.district,%'
          AND pg_temp.plan_of($$SELECT kpi(c ORDER BY c.id) FROM cases c$$) LIKE '%kpi(c.* ORDER BY id)%',
          'a row from a subquery, or an ORDER BY inside the call, keeps the row form');
SELECT is((SELECT array_agg(k::text ORDER BY u) FROM (SELECT unit AS u, kpi(c, '2026-11-27 17:00+08') AS k FROM cases c GROUP BY 1) a),
          (SELECT array_agg(k::text ORDER BY u) FROM (SELECT unit AS u, kpi(c, '2026-11-27 17:00+08') AS k
                                                        FROM (SELECT * FROM cases OFFSET 0) c GROUP BY 1) b),
          'the column form counts exactly what the row form counts, per unit');
SELECT is((SELECT kpi(c)::text FROM cases c), (SELECT kpi(c ORDER BY c.id)::text FROM cases c),
          'kpi(c) at now() is the same planned either way');
SELECT is((SELECT array_agg(received(k) ORDER BY code) FROM (SELECT u.code, kpi(c, '2026-11-27 17:00+08') AS k
                                                               FROM unit u LEFT JOIN cases c ON c.unit = u.code
                                                              WHERE u.level >= 5 GROUP BY 1) j),
          (SELECT array_agg((SELECT count(*) FROM cases c WHERE c.unit = u.code) ORDER BY code) FROM unit u WHERE u.level >= 5),
          'the missing rows of an outer join count nothing in the column form');
SELECT is((SELECT (SELECT received(kpi(c))) FROM cases c), (SELECT count(*) FROM cases),
          'kpi(c) of an outer query, called inside a subquery, is planned over the outer rows');
SELECT is((SELECT received(kpi(id, status, handling_level, stage_deadline, suspended_at, reported_at, accepted_at,
                              dispatched_at, closed_at, escalations, reopenings, extensions, returns, deadlines_missed,
                              satisfaction, now()))
             FROM (SELECT NULL::bigint AS id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                          c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings, c.extensions, c.returns,
                          c.deadlines_missed, c.satisfaction FROM cases c) x),
          0::bigint, 'called directly, the column form counts nothing for a NULL id');
SELECT throws_ok($$SELECT kpi(id, status, handling_level, stage_deadline, suspended_at, reported_at, accepted_at, dispatched_at,
                              closed_at, escalations, reopenings, extensions, returns, deadlines_missed, satisfaction, NULL)
                     FROM cases$$,
                 '22004', 'as_of must not be NULL', 'the column form needs as_of too');

-- The rollup table is dumped by pg_dump
SELECT ok((SELECT 'gridgov.kpi_daily'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'gridgov'),
          'kpi_daily is registered with pg_extension_config_dump');

SELECT * FROM finish();
ROLLBACK;
