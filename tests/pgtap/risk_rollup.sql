-- The risk score's properties on a few thousand pseudo-random cases: the
-- rollup (risk_scores, risk_now) equals the aggregate over the raw cases at
-- many instants; scores add up the tree; the aggregate's labels, and the
-- settings tables kept by pg_dump.
BEGIN;
\ir case_fixture.psql
SELECT plan(19);

INSERT INTO warning_rule (category, time_window, threshold) VALUES (NULL, '1 minute', 1000);

-- 3000 cases over 60 days in the three grids, severities 1-4, and every
-- 17th rejected, every 23rd merged
CREATE TEMP TABLE draw AS
SELECT g AS id,
       (hashint4extended(g, 1) & 1023) / 1024.0 AS u1,
       (hashint4extended(g, 2) & 1023) / 1024.0 AS u2,
       (hashint4extended(g, 3) & 1023) / 1024.0 AS u3
  FROM generate_series(1, 3000) g;
INSERT INTO cases (id, category, channel, severity, unit, reported_at)
SELECT d.id, (ARRAY['noise', 'neighbour_dispute'])[1 + (d.u1 * 2)::int % 2], 'hotline',
       1 + floor(d.u2 * d.u2 * 4)::int,
       (ARRAY['440311006003001', '440311006004001', '440311001001001'])[1 + floor(d.u3 * 3)::int]::gridcode,
       '2026-09-01 00:00+08'::timestamptz + d.u1 * interval '60 days' + d.id * interval '1 second'
  FROM draw d;
CREATE TEMP TABLE moved AS
SELECT reject(id, '重复或无效', at => reported_at + interval '1 hour') FROM cases WHERE id % 17 = 0;
INSERT INTO moved
SELECT merge(id, id - 1, at => reported_at + interval '1 hour') FROM cases WHERE id % 23 = 0 AND id % 17 <> 0;

SELECT is((SELECT count(*) FROM cases WHERE status IN ('rejected', 'merged')), 299::bigint,
          '299 cases rejected or merged');

SELECT cmp_ok(refresh_risk_daily('2026-09-01', '2026-10-20'), '>', 0::bigint, 'the rollup is filled');
SELECT is(risk_rollup_through(), '2026-10-20'::date, 'through 2026-10-20');
SELECT is((SELECT sum(cases)::bigint FROM risk_daily),
          (SELECT count(*) FROM cases WHERE status NOT IN ('rejected', 'merged')
              AND reported_at < risk_day_end('2026-10-20')),
          'the rollup counts every counted case of its days once');

CREATE TEMP TABLE instants AS
SELECT '2026-09-01 00:00+08'::timestamptz + g * interval '3 days 7 hours 13 minutes' AS as_of
  FROM generate_series(0, 24) g
UNION ALL
SELECT risk_day_end(d::date) FROM generate_series('2026-09-05'::date, '2026-11-05', '9 days') d;

CREATE TEMP TABLE compared AS
SELECT i.as_of, s.unit, s.score AS rollup_score, s.cases AS rollup_cases,
       a.score AS aggregate_score, a.cases AS aggregate_cases
  FROM instants i
 CROSS JOIN LATERAL risk_scores('44', i.as_of, 6) s
 CROSS JOIN LATERAL (SELECT risk(c, i.as_of) AS score, risk_cases(c, i.as_of) AS cases
                       FROM cases c WHERE c.unit <@ s.unit) a;

SELECT is((SELECT count(DISTINCT as_of) FROM compared), (SELECT count(*) FROM instants) - 1,
          'every instant but the first (before any case) has scores');
SELECT ok((SELECT max(abs(rollup_score - aggregate_score) / aggregate_score) < 1e-12 FROM compared),
          'rollup and aggregate agree to 1e-12 at every unit and instant');
SELECT ok((SELECT bool_and(rollup_cases = aggregate_cases) FROM compared),
          'rollup and aggregate count the same cases');
SELECT cmp_ok((SELECT count(DISTINCT as_of) FROM compared WHERE as_of > risk_day_end('2026-10-20')), '>=', 3::bigint,
              'instants after the rollup''s last day are compared as well');

SELECT ok((SELECT bool_and(abs(p.score - (SELECT sum(ch.score) FROM risk_scores('44', i.as_of, 6) ch
                                          WHERE parent(ch.unit) = p.unit)) < 1e-9 * p.score)
             FROM instants i CROSS JOIN LATERAL risk_scores('44', i.as_of, 5) p),
          'a unit''s score is the sum of its children''s (no case sits above the grids)');

SELECT is(risk_now('440311', '2026-10-01 12:00+08'),
          (SELECT score FROM risk_scores('440311', '2026-10-01 12:00+08', 3)),
          'risk_now is risk_scores at the unit');
SELECT is(risk_now('440311006004', '2000-01-01 00:00+00'), 0::float8, 'nothing before the first case');

-- The planner turns risk(c, as_of) and risk_cases(c, as_of) over the cases
-- table into their column form (what Citus pushes down to its shards)
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
SELECT ok(pg_temp.plan_of($$SELECT risk(c, '2026-10-01 12:00+08'), risk_cases(c, '2026-10-01 12:00+08') FROM cases c$$)
              LIKE '%risk(status, severity, reported_at, ''2026-10-01 12:00:00+08''::timestamp with time zone), %risk_cases(status, severity, reported_at, ''2026-10-01 12:00:00+08''::timestamp with time zone)%'
          AND pg_temp.plan_of($$SELECT risk(c, now()) FROM (SELECT * FROM cases OFFSET 0) c$$) LIKE '%risk(ROW(cases.id,%',
          'risk(c, as_of) and risk_cases(c, as_of) over gridgov.cases are planned over the columns they read, a subquery''s rows keep the row form');
-- (the sums' order follows the plans: equal to 1e-12)
SELECT ok((SELECT bool_and(a.n = b.n AND abs(a.s - b.s) <= 1e-12 * b.s) AND count(*) = 3 * (SELECT count(*) FROM instants)
             FROM (SELECT c.unit AS u, i.as_of AS t, risk(c, i.as_of) AS s, risk_cases(c, i.as_of) AS n
                     FROM instants i, cases c GROUP BY 1, 2) a
             JOIN (SELECT c.unit AS u, i.as_of AS t, risk(c, i.as_of) AS s, risk_cases(c, i.as_of) AS n
                     FROM instants i, (SELECT * FROM cases OFFSET 0) c GROUP BY 1, 2) b USING (u, t)),
          'the column form scores and counts what the row form does, per unit and instant');
SELECT is((SELECT array_agg(n ORDER BY code)
             FROM (SELECT u.code, risk_cases(c, '2026-10-01 12:00+08') AS n
                     FROM unit u LEFT JOIN cases c ON c.unit = u.code WHERE u.level >= 5 GROUP BY 1) j),
          (SELECT array_agg((SELECT count(*) FROM cases c
                              WHERE c.unit = u.code AND c.reported_at <= '2026-10-01 12:00+08'
                                AND c.status NOT IN ('rejected', 'merged')) ORDER BY code)
             FROM unit u WHERE u.level >= 5),
          'the missing rows of an outer join count nothing in the column form');
SELECT is((SELECT risk_cases(status, severity, NULL, now()) FROM cases), 0::bigint,
          'called directly, the column form counts nothing without a report time');

-- labels
SELECT is((SELECT string_agg(p.proname || ':' || p.provolatile::text || p.proparallel::text || p.proisstrict::text, ' ' ORDER BY p.proname)
             FROM pg_proc p
            WHERE p.pronamespace = 'gridgov'::regnamespace
              AND p.proname IN ('risk_transition', 'risk_accum', 'risk_combine', 'risk_final', 'risk_now', 'risk_scores',
                                'risk_color', 'refresh_risk_daily')),
          'refresh_risk_daily:vufalse risk_accum:ssfalse risk_color:ssfalse risk_combine:isfalse risk_final:isfalse risk_now:sstrue risk_scores:sstrue risk_transition:ssfalse',
          'volatility, parallel safety and strictness');
SELECT is((SELECT a.aggcombinefn::text || ' ' || a.aggtranstype::regtype::text || ' ' || p.proparallel::text
             FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE a.aggfnoid = 'gridgov.risk(gridgov.cases, timestamptz)'::regprocedure),
          'risk_combine double precision[] s', 'risk() has a combine function, a real state type, and is parallel safe');
SELECT set_eq($$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'gridgov'$$,
              $$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'gridgov'
                 UNION SELECT unnest('{risk_weight,risk_setting,risk_color,risk_daily,risk_rollup}'::text[])$$,
              'settings and rollup are kept by pg_dump');

-- the settings are read per query: a change in the middle of a transaction applies to the next query
INSERT INTO risk_weight VALUES (1, 0), (2, 0), (3, 0), (4, 0);
SELECT is((SELECT risk(c, '2026-11-01') FROM cases c), 0::float8, 'all weights 0: score 0');
SELECT * FROM finish();
ROLLBACK;
