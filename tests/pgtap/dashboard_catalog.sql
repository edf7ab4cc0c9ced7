-- The risk and dashboard objects in the catalogs: every one commented,
-- labelled, safe from search_path, and the tools' views typed plainly.
BEGIN;
SET search_path = gridgov, public;
SELECT plan(10);

CREATE TEMP TABLE pillar_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.proname, p.provolatile, p.proparallel, p.prokind,
       l.lanname, p.prosqlbody IS NOT NULL AS has_sql_body, p.proconfig
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'gridgov'::regnamespace
   AND (p.proname ~ '^risk' OR p.proname IN ('refresh_risk_daily', 'kpi_by_unit', 'service_point_ranking', 'check_tile'));

SELECT cmp_ok((SELECT count(*) FROM pillar_functions)::int, '>=', 23, 'the risk and dashboard functions are found');
SELECT is_empty($$SELECT signature FROM pillar_functions WHERE obj_description(oid, 'pg_proc') IS NULL$$,
                'every function and aggregate has a comment');
SELECT is_empty($$SELECT c.relname FROM pg_class c
                   WHERE c.relnamespace = 'gridgov'::regnamespace AND c.relkind IN ('r', 'v')
                     AND (c.relname ~ '^risk' OR c.relname IN ('daily_flow', 'unit_kpi_monthly', 'service_point_monthly'))
                     AND obj_description(c.oid, 'pg_class') IS NULL$$,
                'every table and view has a comment');
SELECT is_empty($$SELECT signature FROM pillar_functions WHERE proparallel <> 's' AND proname <> 'refresh_risk_daily'$$,
                'every function but the refresh is PARALLEL SAFE');
SELECT set_eq($$SELECT signature FROM pillar_functions WHERE provolatile = 'v'$$,
              $$VALUES ('refresh_risk_daily(date,date)')$$,
              'only the refresh is VOLATILE');
SELECT set_eq($$SELECT proname FROM pillar_functions WHERE provolatile = 'i' AND prokind = 'f'$$,
              $$VALUES ('risk_combine'), ('risk_final'), ('risk_cases_final'), ('risk_decay'), ('check_tile')$$,
              'the state functions, risk_decay and check_tile, which read nothing, are IMMUTABLE');
SELECT is_empty($$SELECT signature FROM pillar_functions
                   WHERE (lanname = 'sql' AND NOT has_sql_body)
                      OR (lanname = 'plpgsql' AND NOT coalesce(proconfig, '{}') @> '{"search_path=gridgov, public, public, pg_temp"}')$$,
                'SQL bodies are parsed at creation, PL/pgSQL pins its search_path');
SELECT is_empty($$SELECT c.table_name || '.' || c.column_name
                   FROM information_schema.columns c
                  WHERE c.table_schema = 'gridgov'
                    AND c.table_name IN ('daily_flow', 'unit_kpi_monthly', 'service_point_monthly', 'risk_map')
                    AND c.udt_schema = 'gridgov'$$,
                'no gridgov type in the tools'' views');
SELECT is_empty($$SELECT signature FROM pillar_functions p, unnest(coalesce(
                       (SELECT proallargtypes FROM pg_proc WHERE oid = p.oid),
                       (SELECT proargtypes::oid[] FROM pg_proc WHERE oid = p.oid))) a(type)
                   JOIN pg_type t ON t.oid = a.type
                  WHERE p.proname IN ('kpi_by_unit', 'service_point_ranking', 'risk_tile', 'risk_cell_tile')
                    AND t.typnamespace = 'gridgov'::regnamespace$$,
                'no gridgov type in the tools'' functions');
SELECT is((SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) c(rel)
            WHERE e.extname = 'gridgov'
              AND c.rel IN ('risk_weight'::regclass, 'risk_setting'::regclass, 'risk_color'::regclass,
                            'risk_daily'::regclass, 'risk_rollup'::regclass)),
          5, 'the risk settings and rollup are dumped by pg_dump');
SELECT * FROM finish();
ROLLBACK;
