-- The ready-made group roles and who may execute what (issue 13, items 4
-- and 5), every list generated from the catalog: a new table, view,
-- sequence or restricted function shows here, and a SECURITY DEFINER
-- function without a pinned search_path fails.
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
SET client_min_messages = warning;

-- the roles: NOLOGIN, what they are members of, what they are for
SELECT r.rolname, r.rolcanlogin, r.rolinherit, r.rolsuper, r.rolcreaterole,
       ARRAY(SELECT m.roleid::regrole::text FROM pg_auth_members m WHERE m.member = r.oid ORDER BY 1) AS member_of,
       shobj_description(r.oid, 'pg_authid') AS purpose
  FROM pg_roles r WHERE r.rolname LIKE 'gridgov\_%' ORDER BY r.rolname;

-- What each role may do with every table, view and sequence of the
-- extension (r select, a insert, w update, d delete, U usage; D truncate,
-- x references and t trigger are nobody's), members' inherited rights included.
-- PUBLIC has none.
WITH objects AS (
    SELECT c.oid, c.relname, c.relkind, EXISTS (SELECT FROM aclexplode(c.relacl) a WHERE a.grantee = 0) AS public
      FROM pg_class c
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
     WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')
), roles(role) AS (
    VALUES ('gridgov_reader'), ('gridgov_handler'), ('gridgov_administrator'), ('gridgov_auditor'), ('gridgov_importer')
)
SELECT o.relname, o.relkind,
       string_agg(r.role || '=' ||
                  CASE WHEN o.relkind = 'S' THEN
                       CASE WHEN has_sequence_privilege(r.role, o.oid, 'USAGE') THEN 'U' ELSE '' END
                  ELSE concat(CASE WHEN has_table_privilege(r.role, o.oid, 'SELECT') THEN 'r' END,
                              CASE WHEN has_table_privilege(r.role, o.oid, 'INSERT') THEN 'a' END,
                              CASE WHEN has_table_privilege(r.role, o.oid, 'UPDATE') THEN 'w' END,
                              CASE WHEN has_table_privilege(r.role, o.oid, 'DELETE') THEN 'd' END,
                              CASE WHEN has_table_privilege(r.role, o.oid, 'TRUNCATE, REFERENCES, TRIGGER')
                                   THEN '!' END) END,
                  ' ' ORDER BY r.role) FILTER (WHERE
           has_table_privilege(r.role, o.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
           OR (o.relkind = 'S' AND has_sequence_privilege(r.role, o.oid, 'USAGE, SELECT, UPDATE'))) AS granted,
       o.public
  FROM objects o
 CROSS JOIN roles r
 GROUP BY o.relname, o.relkind, o.public
 ORDER BY o.relkind, o.relname;
-- The columns each role may not read of the tables it reads only in part
-- (docs/access.md, "Personal data"): a reader's and an administrator's
-- cases without the reporter, both without the history's hashes and
-- content digests; the handler's and the auditor's in full.
SELECT c.relname, r.role,
       string_agg(a.attname, ', ' ORDER BY a.attnum) FILTER (WHERE NOT has_column_privilege(r.role, c.oid, a.attnum, 'SELECT'))
           AS not_readable,
       count(*) FILTER (WHERE has_column_privilege(r.role, c.oid, a.attnum, 'SELECT')) AS readable
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 CROSS JOIN (VALUES ('gridgov_reader'), ('gridgov_handler'), ('gridgov_administrator'), ('gridgov_auditor')) r(role)
 WHERE c.oid IN ('gridgov.cases'::regclass, 'gridgov.case_history'::regclass)
 GROUP BY c.relname, r.role
 ORDER BY c.relname, r.role;

-- The functions PUBLIC may not execute, and who may.  Every other
-- function of the extension is PUBLIC's, as PostgreSQL makes them.
SELECT p.oid::regprocedure AS function,
       ARRAY(SELECT a.grantee::regrole::text FROM aclexplode(p.proacl) a
              WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner ORDER BY 1) AS executed_by
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text;
-- no role but the owner may create objects in the schema: nobody can plant
-- an overload or a table there
SELECT r.rolname AS may_create_in_gridgov
  FROM pg_roles r
 WHERE NOT r.rolsuper AND has_schema_privilege(r.oid, 'gridgov', 'CREATE');

-- ----------------------------------------------------------------------
-- A plain role (USAGE on the schema, nothing else) calling each of them,
-- with NULL arguments (from a subquery: the planner folds a strict
-- function of a NULL constant into NULL without calling it): refused, 42501, by the function's name.  Generated
-- from the catalog.
-- ----------------------------------------------------------------------
CREATE ROLE gridgov_test_plain LOGIN;
GRANT USAGE ON SCHEMA gridgov TO gridgov_test_plain;
-- a call of fn with NULL arguments, or crafted ones (a regclass names the
-- caller's temporary view cases, a text breaks out of a quoted literal to
-- call public.gridgov_test_climb()); 'ran', or the error
CREATE FUNCTION pg_temp.call_with(fn regprocedure, crafted boolean DEFAULT false) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    state text;
    message text;
BEGIN
    EXECUTE format('SELECT %s(%s)', fn::oid::regproc,
                   (SELECT string_agg(CASE WHEN crafted AND t = 'regclass'::regtype THEN $c$'pg_temp.cases'::regclass$c$
                                           WHEN crafted AND t = 'text'::regtype
                                           THEN quote_literal($c$x' OR (SELECT public.gridgov_test_climb()) = 0 OR 'x' = 'y$c$)
                                           ELSE format('(SELECT NULL::%s)', t::regtype) END, ', ' ORDER BY n)
                      FROM unnest((SELECT proargtypes::oid[] FROM pg_proc WHERE oid = fn)) WITH ORDINALITY AS a(t, n)));
    RETURN 'ran';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN state || ' ' || message;
END;
$fn$;
SET ROLE gridgov_test_plain;
SELECT p.oid::regprocedure AS function, pg_temp.call_with(p.oid) AS outcome
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text;
-- trigger functions are refused before they would complain of being called
-- outside a trigger; the engine's internal steps one by one
SELECT pg_temp.call_with('gridgov.history_hash(bytea, gridgov.case_history)');
SELECT gridgov.history_hash(NULL, NULL);
SELECT gridgov.history_field('x');
SELECT gridgov.working_span(now(), now(), 'clock_hour');
SELECT gridgov.apply_move(1, 'accepted', NULL, NULL, NULL);
SELECT * FROM gridgov.verify_history();
-- without the schema, nothing at all
RESET ROLE;
REVOKE USAGE ON SCHEMA gridgov FROM gridgov_test_plain;
SET ROLE gridgov_test_plain;
SELECT gridgov.level('440311');
RESET ROLE;

-- ----------------------------------------------------------------------
-- SECURITY DEFINER.  gridgov has no such function (the engine's two steps
-- that act as a table's owner are C, docs/operations.md).  Any that comes
-- must pin a search_path of pg_catalog, the extension's schema and pg_temp
-- last (pg_temp unnamed is searched first for tables and views), and must
-- not let a caller who plants look-alikes run code as its owner.  The rule
-- as a function, then applied to the extension's functions and to six
-- made for the purpose, so that it is seen to fail.
-- ----------------------------------------------------------------------
CREATE FUNCTION pg_temp.definer_problems(fn regprocedure) RETURNS SETOF text LANGUAGE sql AS $$
    WITH config AS (
        SELECT p.prosecdef,
               (SELECT substr(c, length('search_path=') + 1) FROM unnest(p.proconfig) c
                 WHERE c LIKE 'search_path=%') AS path
          FROM pg_proc p WHERE p.oid = fn
    ), schemas AS (
        SELECT btrim(s, ' "') AS schema, n, count(*) OVER () AS last
          FROM config, regexp_split_to_table(config.path, ',') WITH ORDINALITY AS t(s, n)
    )
    SELECT 'no search_path of its own' FROM config WHERE prosecdef AND path IS NULL
    UNION ALL
    SELECT format('searches %s, which it may not', s.schema)
      FROM config, schemas s
     WHERE config.prosecdef AND s.schema NOT IN ('pg_catalog', 'pg_temp', 'gridgov')
    UNION ALL
    SELECT 'pg_temp is not last' FROM config
     WHERE prosecdef AND path IS NOT NULL
       AND NOT EXISTS (SELECT FROM schemas s WHERE s.schema = 'pg_temp' AND s.n = s.last)
    UNION ALL
    SELECT format('%s, on its search_path, takes objects from %s', s.schema, r.rolname)
      FROM config, schemas s, pg_roles r
     WHERE config.prosecdef AND s.schema = 'gridgov' AND NOT r.rolsuper
       AND has_schema_privilege(r.oid, s.schema, 'CREATE')
$$;
-- the extension's SECURITY DEFINER functions and what is wrong with them
SELECT p.oid::regprocedure AS definer, pg_temp.definer_problems(p.oid) AS problem
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov') AND p.prosecdef;
SELECT count(*) AS security_definer_functions
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov') AND p.prosecdef;

-- Six made for the purpose: one leaves its path to the caller, one
-- searches public, one leaves pg_temp implicit (first), one is right, and
-- two pinned right run SQL built from their argument, a table and a name,
-- which no rule on the catalog sees: the climb below does.
BEGIN;
CREATE SCHEMA gridgov_test_definers;
GRANT USAGE ON SCHEMA gridgov_test_definers TO PUBLIC;
CREATE FUNCTION gridgov_test_definers.open_cases_unpinned() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    AS $$ BEGIN RETURN (SELECT count(*) FROM cases WHERE status = 'reported'); END; $$;
CREATE FUNCTION gridgov_test_definers.open_cases_public() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, gridgov, pg_catalog, pg_temp
    AS $$ BEGIN RETURN (SELECT count(*) FROM cases WHERE status = 'reported'); END; $$;
CREATE FUNCTION gridgov_test_definers.open_cases_temp_first() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = gridgov, pg_catalog
    AS $$ BEGIN RETURN (SELECT count(*) FROM cases WHERE status = 'reported'); END; $$;
CREATE FUNCTION gridgov_test_definers.open_cases_pinned() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
    AS $$ BEGIN RETURN (SELECT count(*) FROM cases WHERE status = 'reported'); END; $$;
CREATE FUNCTION gridgov_test_definers.rows_of(tab regclass) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
    AS $$ DECLARE n bigint; BEGIN EXECUTE format('SELECT count(*) FROM %s', tab) INTO n; RETURN n; END; $$;
CREATE FUNCTION gridgov_test_definers.relations_named(name text) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
    AS $$ DECLARE n bigint;
          BEGIN EXECUTE 'SELECT count(*) FROM pg_catalog.pg_class WHERE relname = ''' || name || '''' INTO n; RETURN n; END; $$;
SELECT p.oid::regprocedure AS definer, pg_temp.definer_problems(p.oid) AS problem
  FROM pg_proc p WHERE p.pronamespace = 'gridgov_test_definers'::regnamespace ORDER BY p.oid::regprocedure::text, 2;

-- And the climb itself, tried on every SECURITY DEFINER function of the
-- extension and on the six: a plain role plants a temporary view named
-- like each of gridgov's tables and views, and a schema of its own first on
-- its search_path holding a function named like each of gridgov's
-- functions, every one recording who runs it; then calls the function with
-- NULL arguments, and with crafted ones.  What ran as the owner is a climb.
CREATE TABLE public.gridgov_test_climbs (fn text, by_role text);
GRANT INSERT ON public.gridgov_test_climbs TO PUBLIC;
CREATE FUNCTION public.gridgov_test_climb() RETURNS bigint LANGUAGE sql VOLATILE
    AS $$ INSERT INTO public.gridgov_test_climbs VALUES (current_setting('gridgov_test.fn'),
                                              CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                                                   THEN 'a superuser' ELSE current_user END) RETURNING 0 $$;
GRANT USAGE ON SCHEMA gridgov TO gridgov_test_plain;
GRANT CREATE ON DATABASE contrib_regression TO gridgov_test_plain;
SET ROLE gridgov_test_plain;
CREATE SCHEMA lookalikes;
DO $$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'gridgov'::regnamespace AND c.relkind IN ('r', 'v', 'p')
    LOOP
        EXECUTE format('CREATE TEMP VIEW %I AS SELECT public.gridgov_test_climb() AS count, %L::text AS status',
                       o.relname, 'reported');
    END LOOP;
    FOR o IN SELECT DISTINCT p.proname, p.proargtypes::regtype[]::text[] AS args FROM pg_proc p
              WHERE p.pronamespace = 'gridgov'::regnamespace AND p.prokind = 'f'
                AND NOT EXISTS (SELECT FROM unnest(p.proargtypes::oid[]) t
                                 WHERE t IN ('internal'::regtype, 'cstring'::regtype))
    LOOP
        EXECUTE format('CREATE FUNCTION lookalikes.%I(%s) RETURNS bigint LANGUAGE sql AS %L', o.proname,
                       array_to_string(o.args, ', '), 'SELECT public.gridgov_test_climb()');
    END LOOP;
END;
$$;
SET search_path = lookalikes, public, pg_catalog;
SELECT p.oid::regprocedure AS definer,
       set_config('gridgov_test.fn', p.oid::regprocedure::text, false) IS NOT NULL AS tried,
       pg_temp.call_with(p.oid) AS with_nulls,
       pg_temp.call_with(p.oid, crafted => true) AS crafted
  FROM pg_proc p
 WHERE p.prosecdef
   AND (p.pronamespace = 'gridgov_test_definers'::regnamespace
        OR p.oid IN (SELECT d.objid FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')))
 ORDER BY p.oid::regprocedure::text;
RESET search_path;
RESET ROLE;
-- the climbs: the caller's look-alikes ran as the owner through the
-- function without a path and the one that leaves pg_temp first (twice
-- each: once per call), and the crafted arguments through the two that
-- build SQL (the one that searches public is refused by the rule all the
-- same: one CREATE grant on public would open it)
SELECT fn, by_role, count(*) FROM public.gridgov_test_climbs GROUP BY 1, 2 ORDER BY 1, 2;
-- the traps are live: the caller reaches its own look-alikes itself
SET ROLE gridgov_test_plain;
SET search_path = lookalikes, public, pg_catalog;
SELECT set_config('gridgov_test.fn', 'direct', false) IS NOT NULL AS tried;
SELECT count(*) FROM cases;
SELECT level('440311'::gridgov.gridcode);
RESET search_path;
RESET ROLE;
SELECT fn, by_role, count(*) FROM public.gridgov_test_climbs GROUP BY 1, 2 ORDER BY 1, 2;
ROLLBACK;

-- ----------------------------------------------------------------------
-- The roles at work, on the dashboards' fixture.  A login granted only
-- gridgov_reader reads all five dashboard views, the tiles and the
-- GeoJSON, the same as the owner; a login granted nothing is refused
-- (42501); reader, handler, administrator and auditor each do their work
-- and are refused the rest.
-- ----------------------------------------------------------------------
\set ECHO none
BEGIN;
SET search_path = gridgov, public;
\i tests/pgtap/dashboard_fixture.psql
\i tests/pgtap/dashboard_mvt.psql
\set ECHO all
SELECT refresh_kpi_daily('2026-10-01', '2026-11-20', '2026-11-18 00:00+08') > 0 AS kpi_refreshed,
       refresh_risk_daily('2026-10-01', '2026-11-16') > 0 AS risk_refreshed;
CREATE ROLE gridgov_test_bi LOGIN IN ROLE gridgov_reader;
SELECT function FROM grant_jurisdiction('gridgov_test_bi', '44', 'viewer');
CREATE ROLE gridgov_test_nobody LOGIN;
-- what every dashboard reading gives, as checksums, for the role in effect
CREATE FUNCTION pg_temp.readings() RETURNS TABLE (what text, reading text) LANGUAGE plpgsql AS $$
DECLARE
    q record;
BEGIN
    FOR q IN VALUES
        ('daily_flow', 'SELECT md5(string_agg(v::text, '','' ORDER BY v::text)) FROM gridgov.daily_flow v'),
        ('unit_kpi_monthly', 'SELECT md5(string_agg(v::text, '','' ORDER BY v::text)) FROM gridgov.unit_kpi_monthly v'),
        -- (the last 13 months as of now: how many rows depends on the day)
        ('service_point_monthly', 'SELECT ''read'' FROM (SELECT count(*) FROM gridgov.service_point_monthly) v'),
        ('risk_map', 'SELECT md5(string_agg(v::text, '','' ORDER BY v::text)) FROM gridgov.risk_map v'),
        ('case_clock', 'SELECT count(*)::text FROM gridgov.case_clock v'),
        ('kpi_by_unit', $q$SELECT md5(string_agg(v::text, ',' ORDER BY v::text)) FROM gridgov.kpi_by_unit('2026-10-01', '2026-10-31') v$q$),
        ('service_point_ranking', $q$SELECT md5(string_agg(v::text, ',' ORDER BY v::text)) FROM gridgov.service_point_ranking('2026-10-01', '2026-11-18 00:00+08') v$q$),
        ('risk_geojson', $q$SELECT md5(gridgov.risk_geojson('440311006', '2026-11-18 00:00+08')::text)$q$),
        ('risk_tile', $q$SELECT md5(gridgov.risk_tile(10, 836, 445, 5, '2026-11-18 00:00+08'))$q$),
        ('risk_cell_tile', $q$SELECT md5(gridgov.risk_cell_tile(14, 13377, 7128, 7, '2026-11-18 00:00+08'))$q$),
        ('case_clock(as_of)', $q$SELECT count(*)::text FROM gridgov.case_clock('2026-11-18 00:00+08')$q$),
        ('kpi(columns)', $q$SELECT gridgov.closed(gridgov.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at, c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings, c.extensions, c.returns, c.deadlines_missed, c.satisfaction, '2026-11-18 00:00+08'))::text FROM gridgov.cases c$q$),
        ('risk_now', $q$SELECT round(gridgov.risk_now('440311', '2026-11-18 00:00+08')::numeric, 6)::text$q$),
        ('coverage_summary', 'SELECT count(*)::text FROM gridgov.coverage_summary')
    LOOP
        what := q.column1;
        BEGIN
            EXECUTE q.column2 INTO reading;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS reading = RETURNED_SQLSTATE;
            reading := reading || ' ' || SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END;
$$;
CREATE TEMP TABLE readings AS SELECT 'owner' AS who, r.* FROM pg_temp.readings() r;
GRANT SELECT, INSERT ON readings TO PUBLIC;
SET SESSION AUTHORIZATION gridgov_test_bi;
INSERT INTO readings SELECT 'reader', r.* FROM pg_temp.readings() r;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION gridgov_test_nobody;
INSERT INTO readings SELECT 'nobody', r.* FROM pg_temp.readings() r;
RESET SESSION AUTHORIZATION;
-- the reader reads what the owner reads, and none of it is empty
SELECT o.what, o.reading IS NOT NULL AND o.reading NOT IN ('0', '\x') AS not_empty,
       r.reading = o.reading AS reader_same_as_owner, n.reading AS nobody
  FROM readings o
  JOIN readings r ON r.what = o.what AND r.who = 'reader'
  JOIN readings n ON n.what = o.what AND n.who = 'nobody'
 WHERE o.who = 'owner' ORDER BY o.what;
-- the nobody granted the schema only: every view and function it reaches
-- refuses it by name
GRANT USAGE ON SCHEMA gridgov TO gridgov_test_nobody;
DELETE FROM readings WHERE who = 'nobody';
SET SESSION AUTHORIZATION gridgov_test_nobody;
INSERT INTO readings SELECT 'nobody', r.* FROM pg_temp.readings() r;
RESET SESSION AUTHORIZATION;
SELECT what, reading AS nobody_with_usage FROM readings WHERE who = 'nobody' ORDER BY what;

-- A reader writes nothing, moves nothing, verifies nothing, sees no contact.
SET ROLE gridgov_test_bi;
INSERT INTO cases (category, channel, location) VALUES ('noise', 'hotline', 'SRID=4326;POINT(113.941 22.751)');
UPDATE cases SET note = 'x' WHERE id = 1;
SELECT id, status FROM accept(1);
SELECT count(*) FROM verify_history();
SELECT count(*) FROM person_contact;
UPDATE unit SET name = 'x' WHERE code = '440311';
SELECT refresh_kpi_daily('2026-10-01', '2026-10-02');
-- It reads the cases by their columns, the reporters masked through
-- case_reporters; the reporter and the hashes it may not read, by name,
-- nor the whole row (*, the row, kpi(c)), nor in the history.
SELECT count(id) > 0 AS cases_read, count(reporter_person) AS reporting_people FROM cases;
SELECT bool_and(masked) AS all_masked, count(*) > 0 AS reporters_read FROM case_reporters;
SELECT reporter FROM cases;
SELECT * FROM cases;
SELECT c FROM cases c;
SELECT closed(kpi(c)) FROM cases c;
SELECT id, history_hash FROM cases;
SELECT history_content FROM cases;
SELECT count(*) > 0 AS history_read FROM (SELECT case_id, seq, action, note FROM case_history) h;
SELECT hash FROM case_history;
SELECT content FROM case_history;
COPY (SELECT id, reporter FROM cases) TO STDOUT;
RESET ROLE;

-- A handler reports and moves cases; it may not edit the registry, date a
-- move, or rewrite the history.
CREATE ROLE gridgov_test_handler LOGIN IN ROLE gridgov_handler;
SELECT function FROM grant_jurisdiction('gridgov_test_handler', '44', 'handler');
SET ROLE gridgov_test_handler;
INSERT INTO cases (category, channel, location, reporter)
VALUES ('noise', 'hotline', 'SRID=4326;POINT(113.941 22.751)', '{"phone": "13800138000"}')
RETURNING status, handling_level;
SELECT status FROM accept(currval('cases_id_seq'));
SELECT status FROM dispatch(currval('cases_id_seq'));
SELECT count(*) > 0 AS swept FROM escalate_overdue();
SELECT status FROM accept(currval('cases_id_seq'), at => '2026-11-01');
-- it reads what a reader reads: the cases by their columns, the history
-- but its hashes, the reporters through case_reporters (unmasked where it
-- handles); the column by name, * or the whole row are refused
SELECT count(id) > 0 AS cases_read, count(*) FILTER (WHERE status = 'dispatched') AS dispatched FROM cases;
SELECT bool_or(masked) AS any_masked, count(*) FILTER (WHERE reporter ? 'phone') AS phones FROM case_reporters;
SELECT reporter FROM cases;
SELECT * FROM cases;
SELECT count(c) FROM cases c;
SELECT count(*) > 0 AS history_read FROM (SELECT case_id, seq, action, note FROM case_history) h;
SELECT count(hash) FROM case_history;
-- a move returns the whole case but the columns it may not read (NULL)
SELECT status, reporter, history_seq, history_hash, history_content FROM start(currval('cases_id_seq'));
UPDATE unit SET name = 'x' WHERE code = '440311';
DELETE FROM case_history WHERE case_id = currval('cases_id_seq');
SELECT count(*) FROM verify_history();
RESET ROLE;

-- An administrator manages the registry, the rules, organizations and
-- people, and refreshes the rollups; it moves no case.
CREATE ROLE gridgov_test_admin LOGIN IN ROLE gridgov_administrator;
SELECT function FROM grant_jurisdiction('gridgov_test_admin', '44', 'administrator');
SET ROLE gridgov_test_admin;
UPDATE unit SET name = '光明区(新)' WHERE code = '440311' RETURNING name;
INSERT INTO category (code, name) VALUES ('litter', '乱扔垃圾') RETURNING code;
UPDATE category_rule SET resolve_limit = resolve_limit WHERE category = 'noise';
INSERT INTO service_point (id, name, unit, department) VALUES (100, '城管服务站', '440311006003', 'urban_management') RETURNING unit, department;
INSERT INTO calendar_day (day, is_workday, note) VALUES ('2027-01-04', false, 'test') RETURNING day;
INSERT INTO person (properties) VALUES ('{"skills": ["调解"]}') RETURNING properties;
SELECT refresh_kpi_daily('2026-10-01', '2026-11-20', '2026-11-18 00:00+08') > 0 AS refreshed;
SELECT id, status FROM accept(1);
UPDATE cases SET note = 'x' WHERE id = 1;
SELECT reporter FROM cases;
RESET ROLE;

-- An auditor reads both histories and verifies them; it changes nothing.
CREATE ROLE gridgov_test_auditor LOGIN IN ROLE gridgov_auditor;
SELECT function FROM grant_jurisdiction('gridgov_test_auditor', '44', 'auditor');
SET ROLE gridgov_test_auditor;
SELECT count(*) AS broken FROM verify_history();
SELECT count(*) > 0 AS history_rows FROM case_history;
SELECT count(*) AS unit_versions FROM unit_history;
SELECT count(reporter) > 0 AS reporters_read FROM cases;
SELECT id, status FROM accept(1);
UPDATE unit SET name = 'x' WHERE code = '440311';
SELECT count(*) FROM daily_flow;
RESET ROLE;
ROLLBACK;
DROP ROLE gridgov_test_plain;
