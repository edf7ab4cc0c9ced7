-- Access benchmark (tests/bench/access_bench.sh): the cost of row-level
-- security by jurisdiction.
--
--   read   根竹园社区 (440311006003)'s handler, granted the community, runs
--          R1 its community's cases: per status, how many, and how many
--             were escalated
--          R2 its community's KPIs: the closure, on-time and satisfaction
--             figures of its community row of kpi_unit_daily, and per
--             category from kpi_daily, over the 90 days
--          and the tables' owner runs the same queries, unfiltered; both
--          name the community in the query, as an application would.
--   intake a district handler (granted 光明区 as handler) reports :intake
--          cases across the district's grids in one INSERT, once with
--          row-level security on cases, once with it off (ALTER TABLE ...
--          DISABLE ROW LEVEL SECURITY), each in a transaction rolled back.
--
-- Each reading is checked to return the owner's rows.  Timed twice: at the
-- server's default settings and with jit = off.  Times are taken in the
-- server (clock_timestamp() around EXECUTE, planning included, the result
-- consumed by an aggregate in the same statement).
\set ON_ERROR_STOP on
\if :{?runs}
\else
\set runs 5
\endif
\if :{?intake}
\else
\set intake 100000
\endif
SET client_min_messages = warning;
SET search_path = public, gridgov;
\pset footer off

CREATE ROLE gridgov_bench_community;
CREATE ROLE gridgov_bench_district;
GRANT USAGE ON SCHEMA gridgov TO gridgov_bench_community, gridgov_bench_district;
GRANT SELECT ON ALL TABLES IN SCHEMA gridgov TO gridgov_bench_community, gridgov_bench_district;
GRANT INSERT, UPDATE ON gridgov.cases TO gridgov_bench_district;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA gridgov TO gridgov_bench_district;
SELECT count(*) AS grants FROM (
    SELECT grant_jurisdiction('gridgov_bench_community', '440311006003', 'handler')
    UNION ALL SELECT grant_jurisdiction('gridgov_bench_district', '440311', 'handler')) g;
CREATE TABLE bench_result (setting text, query text, who text, ms float8);
GRANT INSERT ON bench_result TO PUBLIC;

SELECT 'cases' AS what, count(*) AS n FROM gridgov.cases
UNION ALL SELECT 'the community''s cases', count(*) FROM gridgov.cases WHERE unit <@ '440311006003'
UNION ALL SELECT 'kpi_daily rows', count(*) FROM gridgov.kpi_daily;

CREATE TABLE bench_query (name text, sql text);
INSERT INTO bench_query VALUES
 ('R1 cases', $q$SELECT md5(string_agg(s::text, ',' ORDER BY s.status)) FROM (
      SELECT c.status, count(*) AS n, count(*) FILTER (WHERE c.escalations > 0) AS escalated
        FROM gridgov.cases c WHERE c.unit OPERATOR(gridgov.<@) '440311006003' GROUP BY c.status) s$q$),
 ('R2 KPIs', $q$SELECT md5(concat(
      (SELECT concat(closure_rate(k), on_time_rate(k), satisfaction_mean(k))
         FROM (SELECT kpi_merge(d.kpi) AS k FROM gridgov.kpi_unit_daily d WHERE d.unit OPERATOR(gridgov.=) '440311006003') m),
      (SELECT string_agg(concat(category, closure_rate(k), on_time_rate(k)), ',' ORDER BY category)
         FROM (SELECT d.category, kpi_merge(d.kpi) AS k FROM gridgov.kpi_daily d
                WHERE d.unit OPERATOR(gridgov.<@) '440311006003' GROUP BY d.category) m)))$q$);
GRANT SELECT ON bench_query TO PUBLIC;

-- the same answer for the handler and the owner
CREATE FUNCTION pg_temp.answer(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text; BEGIN EXECUTE q INTO a; RETURN a; END $$;
CREATE TEMP TABLE owner_answer AS SELECT name, pg_temp.answer(sql) AS answer FROM bench_query;
GRANT SELECT ON owner_answer TO PUBLIC;
SET ROLE gridgov_bench_community;
SELECT q.name, pg_temp.answer(q.sql) = o.answer AS same_as_owner
  FROM bench_query q JOIN owner_answer o USING (name) ORDER BY 1;
RESET ROLE;

-- median of :runs runs of each read, as the handler and as the owner,
-- each role's runs in a row (as a session keeps its role)
CREATE FUNCTION pg_temp.time_reads(setting text, runs integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q record;
    i integer;
    who text;
    t0 timestamptz;
    a text;
BEGIN
    FOR q IN SELECT * FROM bench_query LOOP
        FOREACH who IN ARRAY ARRAY['handler, RLS', 'owner'] LOOP
            IF who <> 'owner' THEN SET LOCAL ROLE gridgov_bench_community; END IF;
            EXECUTE q.sql INTO a;      -- warm: the grants are read once per transaction
            FOR i IN 1 .. runs LOOP
                t0 := clock_timestamp();
                EXECUTE q.sql INTO a;
                INSERT INTO bench_result VALUES (setting, q.name, who,
                    EXTRACT(epoch FROM clock_timestamp() - t0) * 1000);
            END LOOP;
            RESET ROLE;
        END LOOP;
    END LOOP;
END $$;

-- one intake of :intake cases by the district handler, rolled back; its ms
CREATE FUNCTION pg_temp.intake_ms(n integer, rls boolean) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    ms float8;
BEGIN
    IF NOT rls THEN
        ALTER TABLE gridgov.cases DISABLE ROW LEVEL SECURITY;
    END IF;
    SET LOCAL ROLE gridgov_bench_district;
    t0 := clock_timestamp();
    INSERT INTO gridgov.cases (category, channel, location)
    SELECT (ARRAY['noise', 'neighbour_dispute', 'garbage', 'property_management'])[1 + g % 4], 'hotline', p.point
      FROM generate_series(1, n) g
      JOIN (SELECT row_number() OVER () - 1 AS i, ST_PointOnSurface(u.boundary) AS point
              FROM gridgov.unit u WHERE u.level = 6 AND u.code <@ '440311') p
        ON p.i = g % 418;
    ms := EXTRACT(epoch FROM clock_timestamp() - t0) * 1000;
    RESET ROLE;
    RAISE EXCEPTION USING ERRCODE = 'GG999', MESSAGE = ms::text;
EXCEPTION WHEN SQLSTATE 'GG999' THEN
    GET STACKED DIAGNOSTICS ms = MESSAGE_TEXT;
    RETURN ms;
END $$;
CREATE FUNCTION pg_temp.time_intake(setting text, n integer, rls boolean) RETURNS void LANGUAGE sql AS $$
    INSERT INTO bench_result
    SELECT setting, 'intake', CASE WHEN rls THEN 'handler, RLS' ELSE 'handler, RLS off' END, pg_temp.intake_ms(n, rls) $$;

\echo 'timing at the default settings ...'
SELECT FROM pg_temp.time_reads('default', :runs);
SELECT FROM pg_temp.time_intake('default', :intake, false);
VACUUM gridgov.cases, gridgov.case_history;
SELECT FROM pg_temp.time_intake('default', :intake, true);
VACUUM gridgov.cases, gridgov.case_history;
SELECT FROM pg_temp.time_intake('default', :intake, true);
VACUUM gridgov.cases, gridgov.case_history;
SELECT FROM pg_temp.time_intake('default', :intake, false);
VACUUM gridgov.cases, gridgov.case_history;
\echo 'timing with jit = off ...'
SET jit = off;
SELECT FROM pg_temp.time_reads('jit off', :runs);
SELECT FROM pg_temp.time_intake('jit off', :intake, false);
VACUUM gridgov.cases, gridgov.case_history;
SELECT FROM pg_temp.time_intake('jit off', :intake, true);
VACUUM gridgov.cases, gridgov.case_history;
SELECT FROM pg_temp.time_intake('jit off', :intake, true);
VACUUM gridgov.cases, gridgov.case_history;
SELECT FROM pg_temp.time_intake('jit off', :intake, false);
RESET jit;

\echo
\echo 'medians (ms) and the ratio of the policies'' cost: goal at most 1.2 for reads, 1.15 for intake'
SELECT setting, query,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE who = 'handler, RLS'))::numeric, 2) AS with_rls_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE who <> 'handler, RLS'))::numeric, 2) AS without_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE who = 'handler, RLS')
              / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE who <> 'handler, RLS'))::numeric, 2) AS ratio,
       CASE WHEN query = 'intake' THEN 1.15 ELSE 1.2 END AS goal
  FROM bench_result GROUP BY setting, query ORDER BY setting, query;
